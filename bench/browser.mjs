// Browser half of the gopherlens benchmark (bench/run.sh runs it).
//
//   node bench/browser.mjs FILE [--runs N] [--no-baseline] [--wasm-memory]
//                              [--speedscope-runs N] [--json OUT.json]
//
// For each run: a fresh headless Chromium, the page from www/ (served by
// tests/browser/serve.py), FILE handed to #file-input with setInputFiles.
// The time is measured inside the page, with performance.now(), from the
// input's "change" event to the first "gopherlens:drawn" event (the page's
// test hook after a flame-graph draw). Meanwhile this process polls, every
// 50 ms, VmRSS of every renderer process (--type=renderer) of *this*
// Chromium (its descendants only, so other Chromiums on the machine do not
// count) and keeps the largest sum and the largest single process.
//
// A breakdown comes from watching the page's worker messages (a wrapper
// around window.Worker added before the page loads; it only timestamps):
// the worker's progress phases and each request's round trip.
//
// With --wasm-memory, the size of the worker's wasm memory once the page
// has settled (wasm memory never shrinks, so this is its peak), read in the
// worker by asking the page's own wasm-bindgen glue module for its
// (already initialised) instance.
//
// Unless --no-baseline, a last fresh browser measures a page that merely
// reads FILE into an ArrayBuffer: the floor for the renderer's peak.
//
// With --speedscope-runs N (default 0), N more fresh browsers, the same
// Chromium with the same switches, open FILE in speedscope (its release
// build from node_modules/speedscope/dist/release, or SPEEDSCOPE_DIR, served
// by bench/static-server.mjs: speedscope does not run under serve.py's CSP).
// FILE goes to speedscope's <input type=file id=file> with setInputFiles;
// the time is taken inside the page from that input's "change" event to the
// end of the first animation frame that draws the flame chart: a frame in
// which speedscope issued WebGL draw calls (the rectangles) and drew text
// on a 2D canvas (the labels of the overlay), once document.title has
// become "NAME - speedscope" (speedscope sets it when its import is done).
// The hooks only timestamp; this process polls the page for it every 50 ms.
// The renderers' peak RSS is taken as for gopherlens. The summary gets a
// "speedscope" object and the ratios speedscope / gopherlens.
//
// --runs 0 skips gopherlens (e.g. to try speedscope alone).

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { serveDir } from './static-server.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const WWW = process.env.GOPHERLENS_WWW || path.join(ROOT, 'www');
const SPEEDSCOPE_DIR = process.env.SPEEDSCOPE_DIR || path.join(ROOT, 'node_modules/speedscope/dist/release');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
  '--disable-sync', '--no-first-run', '--disable-quic'];
const POLL_MS = 50;
const DRAW_TIMEOUT_MS = Number(process.env.BENCH_TIMEOUT_MS || 300000);
/** After the first draw, keep polling until the top table is shown and this long after. */
const SETTLE_MS = 1000;

function usage(msg) {
  if (msg) console.error(`browser.mjs: ${msg}`);
  console.error('usage: node bench/browser.mjs FILE [--runs N] [--no-baseline] [--wasm-memory] [--speedscope-runs N] [--json OUT.json]');
  process.exit(2);
}

const opts = { file: null, runs: 3, baseline: true, json: null, wasmMemory: false, speedscopeRuns: 0 };
{
  const a = process.argv.slice(2);
  for (let i = 0; i < a.length; i++) {
    if (a[i] === '--runs') opts.runs = Math.max(0, Number(a[++i]) | 0);
    else if (a[i] === '--speedscope-runs') opts.speedscopeRuns = Math.max(0, Number(a[++i]) | 0);
    else if (a[i] === '--no-baseline') opts.baseline = false;
    else if (a[i] === '--wasm-memory') opts.wasmMemory = true;
    else if (a[i] === '--json') opts.json = a[++i];
    else if (a[i].startsWith('-')) usage(`unknown option ${a[i]}`);
    else opts.file = path.resolve(a[i]);
  }
  if (!opts.file) usage('FILE is missing');
  if (!fs.existsSync(opts.file)) usage(`${opts.file} does not exist`);
}

// ------------------------------------------------------------- processes

function readProc(pid, what) {
  try {
    return fs.readFileSync(`/proc/${pid}/${what}`, 'latin1');
  } catch {
    return null;
  }
}

/** Parent pid of `pid`, from /proc/PID/stat (the comm field may hold spaces). */
function ppidOf(pid) {
  const stat = readProc(pid, 'stat');
  if (!stat) return -1;
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(rest[1]);
}

/** Renderer processes (or those of another --type) among the descendants of `rootPid`. */
function renderersOf(rootPid, type = 'renderer') {
  const re = new RegExp(`(^|[\\s\\0])--type=${type}([\\s\\0]|$)`);
  const children = new Map();
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const pid = Number(name);
    const pp = ppidOf(pid);
    if (pp < 0) continue;
    if (!children.has(pp)) children.set(pp, []);
    children.get(pp).push(pid);
  }
  const out = [];
  const stack = [rootPid];
  while (stack.length) {
    const p = stack.pop();
    for (const c of children.get(p) || []) {
      stack.push(c);
      const cmd = readProc(c, 'cmdline');
      // Zygote children rewrite their title: one string, spaces not NULs.
      if (cmd && re.test(cmd)) out.push(c);
    }
  }
  return out;
}

function rssKiB(pid) {
  const s = readProc(pid, 'status');
  const m = s && s.match(/^VmRSS:\s+(\d+)\s+kB/m);
  return m ? Number(m[1]) : 0;
}

/**
 * Polls the renderers of the browser `rootPid` every POLL_MS; `peak()`
 * gives {sumMB, singleMB, renderers, gpuMB} since the last `reset()`
 * (gpuMB: the GPU process, apart: with --disable-gpu it runs SwiftShader,
 * which draws speedscope's WebGL canvas; not in the renderer figures).
 */
function rssPoller(rootPid) {
  let pids = renderersOf(rootPid);
  let gpuPids = renderersOf(rootPid, 'gpu-process');
  let lastScan = Date.now();
  let sum = 0;
  let single = 0;
  let gpu = 0;
  let seen = new Set();
  const tick = () => {
    if (Date.now() - lastScan >= 250) {
      pids = renderersOf(rootPid);
      gpuPids = renderersOf(rootPid, 'gpu-process');
      lastScan = Date.now();
    }
    let g = 0;
    for (const p of gpuPids) g += rssKiB(p);
    if (g > gpu) gpu = g;
    let s = 0;
    for (const p of pids) {
      const r = rssKiB(p);
      s += r;
      if (r > single) single = r;
      if (r) seen.add(p);
    }
    if (s > sum) sum = s;
  };
  tick();
  const timer = setInterval(tick, POLL_MS);
  const mb = (kib) => (kib * 1024) / 1e6;
  return {
    tick,
    reset() { sum = 0; single = 0; gpu = 0; seen = new Set(); pids = renderersOf(rootPid); tick(); },
    peak() { tick(); return { sumMB: mb(sum), singleMB: mb(single), renderers: seen.size, gpuMB: mb(gpu) }; },
    stop() { clearInterval(timer); },
  };
}

// ----------------------------------------------------------------- server

async function startServer() {
  const proc = spawn('python3', [path.join(ROOT, 'tests/browser/serve.py'), '--quiet', '--port', '0', '--dir', WWW,
    '--exit-on-stdin-eof'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  proc.stderr.on('data', (d) => { stderr += d; });
  const kill = () => { try { proc.kill('SIGKILL'); } catch { /* gone */ } };
  process.once('exit', kill);
  const origin = await new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`serve.py did not start: ${stderr}`)), 15000);
    proc.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/listening on (http:\/\/127\.0\.0\.1:\d+)\//);
      if (m) { clearTimeout(timer); resolve(m[1]); }
    });
    proc.once('exit', (code) => { clearTimeout(timer); reject(new Error(`serve.py exited (${code}): ${stderr}`)); });
  });
  return { origin, close() { proc.stdin.end(); kill(); } };
}

/**
 * A fresh headless Chromium and its process id. Playwright does not expose
 * the pid of a launched browser, so a unique dummy switch marks ours; the
 * browser process is the one with it on its command line and no --type.
 */
async function launch() {
  const marker = `--gopherlens-bench=${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}`;
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: [...ARGS, marker] });
  let pid = null;
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const args = (readProc(name, 'cmdline') || '').split('\0');
    if (args.includes(marker) && !args.some((a) => a.startsWith('--type='))) { pid = Number(name); break; }
  }
  if (pid === null) {
    await browser.close();
    throw new Error('could not find the Chromium browser process');
  }
  return { browser, pid };
}

// ----------------------------------------------------------- in the page

/**
 * Added before the page's scripts: timestamps the file input's change event
 * (capture on window: before the page's own listener), the first draw, the
 * first table, and every worker request and message.
 */
function instrument() {
  const b = {
    change: null, drawn: null, table: null, nodes: null, ops: [], phases: {}, error: null,
  };
  window.__bench = b;
  const now = () => performance.now();
  const onChange = (e) => {
    if (b.change === null && e.target && e.target.id === 'file-input') b.change = now();
  };
  window.addEventListener('change', onChange, true);
  // The UI lives in a shadow root, and "change" does not leave one.
  const attach = Element.prototype.attachShadow;
  Element.prototype.attachShadow = function (...args) {
    const r = attach.apply(this, args);
    r.addEventListener('change', onChange, true);
    return r;
  };
  window.addEventListener('gopherlens:drawn', (e) => {
    if (b.drawn === null) { b.drawn = now(); b.nodes = e.detail && e.detail.nodes; }
  });
  window.addEventListener('gopherlens:table', () => { if (b.table === null) b.table = now(); });
  const Orig = window.Worker;
  if (typeof Orig !== 'function') return;
  const byId = new Map();
  window.Worker = class extends Orig {
    constructor(...args) {
      super(...args);
      this.addEventListener('message', (ev) => {
        const m = ev.data;
        if (!m || m.id === undefined) return;
        if (m.progress) {
          const phase = String(m.progress[1]);
          const t = now();
          const p = b.phases[phase] || (b.phases[phase] = { first: t, last: t });
          p.last = t;
          return;
        }
        const op = byId.get(m.id);
        if (op && op.end === null) { op.end = now(); op.ok = !!m.ok; }
      });
    }
    postMessage(msg, ...rest) {
      if (msg && msg.id !== undefined && msg.op) {
        const op = { id: msg.id, op: msg.op, start: now(), end: null, ok: null };
        byId.set(msg.id, op);
        b.ops.push(op);
      }
      return super.postMessage(msg, ...rest);
    }
  };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  return n ? (n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2) : NaN;
};

async function oneRun(origin, file, n) {
  const { browser, pid } = await launch();
  const poll = rssPoller(pid);
  try {
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 }, deviceScaleFactor: 1 });
    const page = await context.newPage();
    const pageErrors = [];
    page.on('pageerror', (e) => pageErrors.push(String(e)));
    await page.addInitScript(instrument);
    await page.goto(origin + '/');
    await page.waitForFunction(() => document.documentElement.dataset.ready === '1', null, { timeout: 30000 })
      .catch(() => { throw new Error('the page never set data-ready="1"'); });
    // Let the page (and the browser's spare renderer) settle before measuring.
    await page.waitForTimeout(500);
    const idle = poll.peak();
    poll.reset();
    const t0 = Date.now();
    await page.setInputFiles('#file-input', file);
    const handle = await page.waitForFunction(() => {
      const b = window.__bench;
      const err = document.documentElement.dataset.lastError;
      if (err) return { error: err };
      return b && b.drawn !== null ? { ok: true } : null;
    }, null, { timeout: DRAW_TIMEOUT_MS, polling: 20 }).catch((e) => {
      throw new Error(`no flame graph drawn within ${DRAW_TIMEOUT_MS / 1000} s (${e.message.split('\n')[0]})`);
    });
    const state = await handle.jsonValue();
    if (state.error) throw new Error(`the page reported an error: ${state.error}`);
    const atDraw = poll.peak();
    // Keep polling through the top table (computed right after the flame).
    await page.waitForFunction(() => window.__bench.table !== null, null, { timeout: 60000, polling: 50 }).catch(() => {});
    await page.waitForTimeout(SETTLE_MS);
    const settled = poll.peak();
    const wasmMemoryMB = opts.wasmMemory ? await wasmMemory(page) : null;
    const b = await page.evaluate(() => window.__bench);
    const wall = Date.now() - t0;
    const hooks = await page.evaluate(() => ({ ...document.documentElement.dataset }));
    if (b.change === null) throw new Error('the change event of #file-input was not seen');
    const rel = (t) => (t === null || t === undefined ? null : t - b.change);
    const ops = b.ops.map((o) => ({ op: o.op, start: rel(o.start), end: rel(o.end), ms: o.end === null ? null : o.end - o.start }));
    const phases = Object.fromEntries(Object.entries(b.phases).map(([k, v]) => [k, { first: rel(v.first), last: rel(v.last) }]));
    const run = {
      run: n,
      firstDrawMs: b.drawn - b.change,
      tableMs: rel(b.table),
      flameNodes: Number(hooks.flameNodes),
      flameDraws: Number(hooks.flameDraws),
      idleRendererMB: idle.sumMB,
      peakAtDraw: atDraw,
      peak: settled,
      wasmMemoryMB,
      wallMs: wall,
      ops,
      phases,
      pageErrors,
    };
    await context.close();
    return run;
  } finally {
    poll.stop();
    await browser.close().catch(() => {});
  }
}

/** MB of wasm memory of the page's worker (null if it cannot be read). */
async function wasmMemory(page) {
  for (const w of page.workers()) {
    try {
      const bytes = await w.evaluate(async () => {
        const glue = await import(new URL('/pkg/gopherlens.js', self.location.origin).href);
        const exports = await glue.default(); // initialised already: the instance's exports
        return exports.memory.buffer.byteLength;
      });
      if (typeof bytes === 'number') return bytes / 1e6;
    } catch {
      // not the gopherlens worker
    }
  }
  return null;
}

/** A page that only reads the file into an ArrayBuffer and keeps it. */
async function baselineRun(file) {
  const { browser, pid } = await launch();
  const poll = rssPoller(pid);
  try {
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 }, deviceScaleFactor: 1 });
    const page = await context.newPage();
    await page.setContent('<input type="file" id="f">');
    await page.evaluate(() => {
      window.__read = null;
      document.getElementById('f').addEventListener('change', async (e) => {
        const t = performance.now();
        window.__keep = await e.target.files[0].arrayBuffer();
        window.__read = { ms: performance.now() - t, bytes: window.__keep.byteLength };
      });
    });
    await page.waitForTimeout(500);
    poll.reset();
    await page.setInputFiles('#f', file);
    await page.waitForFunction(() => window.__read !== null, null, { timeout: 60000, polling: 20 });
    await page.waitForTimeout(SETTLE_MS);
    const r = await page.evaluate(() => window.__read);
    const peak = poll.peak();
    await context.close();
    return { readMs: r.ms, bytes: r.bytes, peak };
  } finally {
    poll.stop();
    await browser.close().catch(() => {});
  }
}

// ------------------------------------------------------------- speedscope

/**
 * Added before speedscope's script: timestamps the change event of its file
 * input, and marks the end of each animation frame's work in which WebGL
 * draw calls and 2D fillText both ran (speedscope draws the flame chart's
 * rectangles with WebGL on one shared canvas, then the labels on 2D overlay
 * canvases, all from one requestAnimationFrame callback). The first such
 * frame after the import (document.title "NAME - speedscope") is "drawn".
 */
function instrumentSpeedscope() {
  const s = { change: null, title: null, firstGl: null, firstText: null, drawn: null, glCalls: 0, textCalls: 0 };
  window.__ss = s;
  const now = () => performance.now();
  window.addEventListener('change', (e) => {
    if (s.change === null && e.target && e.target.id === 'file') s.change = now();
  }, true);
  // speedscope sets document.title when its import is done (before the
  // profile goes to the views).
  const titleProp = Object.getOwnPropertyDescriptor(Document.prototype, 'title');
  if (titleProp && titleProp.set) {
    Object.defineProperty(Document.prototype, 'title', {
      configurable: true,
      enumerable: titleProp.enumerable,
      get() { return titleProp.get.call(this); },
      set(v) {
        titleProp.set.call(this, v);
        if (s.title === null && s.change !== null && / - speedscope$/.test(String(v))) s.title = now();
      },
    });
  }
  let gl = false;
  let text = false;
  let pending = false;
  const check = () => {
    pending = false;
    const imported = / - speedscope$/.test(document.title);
    if (imported && s.title === null && s.change !== null) s.title = now();
    if (imported && s.change !== null) {
      const t = now();
      if (gl && s.firstGl === null) s.firstGl = t;
      if (text && s.firstText === null) s.firstText = t;
      if (gl && text && s.drawn === null) s.drawn = t;
    }
    gl = false;
    text = false;
  };
  const mark = (what) => {
    if (what === 'gl') { gl = true; s.glCalls++; } else { text = true; s.textCalls++; }
    // A task after this one: the frame's callbacks (run back to back) are done.
    if (!pending) { pending = true; setTimeout(check, 0); }
  };
  const wrap = (obj, name, what) => {
    const orig = obj && obj[name];
    if (typeof orig !== 'function') return;
    obj[name] = function (...args) { mark(what); return orig.apply(this, args); };
  };
  for (const C of [window.WebGLRenderingContext, window.WebGL2RenderingContext]) {
    if (!C) continue;
    wrap(C.prototype, 'drawElements', 'gl');
    wrap(C.prototype, 'drawArrays', 'gl');
    wrap(C.prototype, 'drawArraysInstanced', 'gl');
    wrap(C.prototype, 'drawElementsInstanced', 'gl');
    const getExtension = C.prototype.getExtension;
    C.prototype.getExtension = function (name) {
      const ext = getExtension.call(this, name);
      if (ext && /instanced_arrays/i.test(name) && !ext.__benchWrapped) {
        ext.__benchWrapped = true;
        for (const m of ['drawArraysInstancedANGLE', 'drawElementsInstancedANGLE']) {
          const f = ext[m];
          if (typeof f === 'function') ext[m] = (...args) => { mark('gl'); return f.apply(ext, args); };
        }
      }
      return ext;
    };
  }
  wrap(window.CanvasRenderingContext2D && window.CanvasRenderingContext2D.prototype, 'fillText', 'text');
}

async function speedscopeRun(origin, file, n) {
  const { browser, pid } = await launch();
  const poll = rssPoller(pid);
  try {
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 }, deviceScaleFactor: 1 });
    const page = await context.newPage();
    const pageErrors = [];
    const dialogs = [];
    page.on('pageerror', (e) => pageErrors.push(String(e)));
    // speedscope alert()s "Unrecognized format!" and the like.
    page.on('dialog', (d) => { dialogs.push(d.message()); d.dismiss().catch(() => {}); });
    await page.addInitScript(instrumentSpeedscope);
    await page.goto(origin + '/index.html');
    await page.waitForSelector('#file', { state: 'attached', timeout: 30000 })
      .catch(() => { throw new Error("speedscope's page has no #file input"); });
    await page.waitForTimeout(500);
    const idle = poll.peak();
    poll.reset();
    const t0 = Date.now();
    await page.setInputFiles('#file', file);
    const handle = await page.waitForFunction(() => {
      const s = window.__ss;
      if (s && s.drawn !== null) return { ok: true };
      if (/Something went wrong/.test(document.body.innerText)) return { error: document.body.innerText.slice(0, 200) };
      return null;
    }, null, { timeout: DRAW_TIMEOUT_MS, polling: POLL_MS }).catch((e) => {
      if (dialogs.length) throw new Error(`speedscope said: ${dialogs.join(' | ')}`);
      throw new Error(`speedscope drew no flame chart within ${DRAW_TIMEOUT_MS / 1000} s (${e.message.split('\n')[0]})`);
    });
    const state = await handle.jsonValue();
    if (state.error) throw new Error(`speedscope reported an error: ${state.error}`);
    const atDraw = poll.peak();
    await page.waitForTimeout(SETTLE_MS);
    const settled = poll.peak();
    const s = await page.evaluate(() => window.__ss);
    const title = await page.title();
    const view = await page.evaluate(() => document.body.innerText.slice(0, 120).replace(/\s+/g, ' '));
    if (process.env.BENCH_SCREENSHOT) await page.screenshot({ path: process.env.BENCH_SCREENSHOT });
    const wall = Date.now() - t0;
    if (s.change === null) throw new Error("the change event of speedscope's #file was not seen");
    const run = {
      run: n,
      firstDrawMs: s.drawn - s.change,
      importMs: s.title === null ? null : s.title - s.change,
      // Frames with WebGL draws / 2D text after the import (drawn: the first with both).
      firstGlMs: s.firstGl === null ? null : s.firstGl - s.change,
      firstTextMs: s.firstText === null ? null : s.firstText - s.change,
      title,
      view,
      idleRendererMB: idle.sumMB,
      peakAtDraw: atDraw,
      peak: settled,
      wallMs: wall,
      pageErrors,
      dialogs,
    };
    await context.close();
    return run;
  } finally {
    poll.stop();
    await browser.close().catch(() => {});
  }
}

/** {min, median, max, all} of the runs' figure `get`. */
function stats(runs, get) {
  const xs = runs.map(get);
  return { min: Math.min(...xs), median: median(xs), max: Math.max(...xs), all: xs };
}

// ------------------------------------------------------------------ main

const f1 = (x) => (x === null || x === undefined || Number.isNaN(x) ? '-' : x.toFixed(0));

async function main() {
  const size = fs.statSync(opts.file).size;
  const server = await startServer();
  const runs = [];
  try {
    console.log(`browser: ${path.relative(process.cwd(), opts.file)} (${(size / 1e6).toFixed(1)} MB), ${opts.runs} gopherlens runs, fresh Chromium each`);
    for (let i = 1; i <= opts.runs; i++) {
      const r = await oneRun(server.origin, opts.file, i);
      runs.push(r);
      const ph = r.phases;
      const open = r.ops.find((x) => x.op === 'open');
      console.log(`  run ${i}: first flame graph ${f1(r.firstDrawMs)} ms (${r.flameNodes} nodes drawn), `
        + `renderer peak ${f1(r.peak.sumMB)} MB sum / ${f1(r.peak.singleMB)} MB largest `
        + `(${f1(r.peakAtDraw.sumMB)} MB at the draw; idle page ${f1(r.idleRendererMB)} MB)`
        + (r.wasmMemoryMB !== null ? `, wasm memory ${f1(r.wasmMemoryMB)} MB` : ''));
      const parts = [];
      if (open) parts.push(`open request ${f1(open.start)}`);
      // A phase ends at its last report (the worker always forwards 100%).
      for (const [name, v] of Object.entries(ph)) parts.push(`${name} ${f1(v.first)}–${f1(v.last)}`);
      if (open) parts.push(`open done ${f1(open.end)}`);
      for (const op of ['info', 'functions', 'flame', 'top']) {
        const o = r.ops.find((x) => x.op === op);
        if (o) parts.push(`${op} ${f1(o.ms)} (done ${f1(o.end)})`);
      }
      parts.push(`drawn ${f1(r.firstDrawMs)}`);
      if (r.tableMs !== null) parts.push(`table ${f1(r.tableMs)}`);
      console.log(`         ms after change: ${parts.join(', ')}`);
      if (r.pageErrors.length) console.log(`         page errors: ${r.pageErrors.join(' | ')}`);
    }
    let baseline = null;
    if (opts.baseline && opts.runs > 0) {
      baseline = await baselineRun(opts.file);
      console.log(`  baseline (a page that only reads the file): renderer peak ${f1(baseline.peak.sumMB)} MB sum / `
        + `${f1(baseline.peak.singleMB)} MB largest, read in ${f1(baseline.readMs)} ms`);
    }
    const summary = { file: opts.file, bytes: size, runs: runs.length, baseline, detail: runs };
    if (runs.length) {
      Object.assign(summary, {
        firstDrawMs: stats(runs, (r) => r.firstDrawMs),
        rendererPeakSumMB: stats(runs, (r) => r.peak.sumMB),
        rendererPeakSingleMB: stats(runs, (r) => r.peak.singleMB),
        gpuPeakMB: stats(runs, (r) => r.peak.gpuMB),
        flameNodes: runs[0].flameNodes,
      });
      console.log(`  first flame graph: min ${f1(summary.firstDrawMs.min)} ms, median ${f1(summary.firstDrawMs.median)} ms; `
        + `renderer peak (sum): min ${f1(summary.rendererPeakSumMB.min)} MB, median ${f1(summary.rendererPeakSumMB.median)} MB; `
        + `largest renderer: median ${f1(summary.rendererPeakSingleMB.median)} MB`);
    }
    if (opts.speedscopeRuns > 0) summary.speedscope = await speedscopeAll(opts.file, summary);
    if (opts.json) fs.writeFileSync(opts.json, JSON.stringify(summary, null, 2) + '\n');
  } finally {
    server.close();
  }
}

/** The speedscope runs, their summary and the ratios to gopherlens's medians. */
async function speedscopeAll(file, gl) {
  const version = (() => {
    try {
      return JSON.parse(fs.readFileSync(path.join(SPEEDSCOPE_DIR, '../../package.json'), 'utf8')).version;
    } catch {
      return null;
    }
  })();
  if (!fs.existsSync(path.join(SPEEDSCOPE_DIR, 'index.html'))) {
    console.log(`  speedscope: ${SPEEDSCOPE_DIR}/index.html is missing (npm ci installs it): skipped`);
    return { error: 'not installed' };
  }
  const server = await serveDir(SPEEDSCOPE_DIR);
  const runs = [];
  try {
    console.log(`speedscope ${version}: ${opts.speedscopeRuns} run(s), fresh Chromium each, same switches`);
    for (let i = 1; i <= opts.speedscopeRuns; i++) {
      let r;
      try {
        r = await speedscopeRun(server.origin, file, i);
      } catch (e) {
        console.log(`  speedscope run ${i}: FAILED: ${e.message}`);
        return { version, error: e.message, detail: runs };
      }
      runs.push(r);
      console.log(`  speedscope run ${i}: flame chart drawn ${f1(r.firstDrawMs)} ms after change (import done ${f1(r.importMs)} ms, `
        + `first WebGL frame ${f1(r.firstGlMs)}, first labels ${f1(r.firstTextMs)}), `
        + `renderer peak ${f1(r.peak.sumMB)} MB sum / ${f1(r.peak.singleMB)} MB largest `
        + `(${f1(r.peakAtDraw.sumMB)} MB at the draw; idle page ${f1(r.idleRendererMB)} MB; GPU process ${f1(r.peak.gpuMB)} MB); `
        + `shows "${r.view.slice(0, 60)}"`);
      if (r.pageErrors.length) console.log(`         page errors: ${r.pageErrors.join(' | ')}`);
    }
  } finally {
    server.close();
  }
  const out = {
    version,
    runs: runs.length,
    firstDrawMs: stats(runs, (r) => r.firstDrawMs),
    rendererPeakSumMB: stats(runs, (r) => r.peak.sumMB),
    rendererPeakSingleMB: stats(runs, (r) => r.peak.singleMB),
    gpuPeakMB: stats(runs, (r) => r.peak.gpuMB),
    detail: runs,
  };
  if (gl.firstDrawMs) {
    out.ratio = {
      firstDraw: out.firstDrawMs.median / gl.firstDrawMs.median,
      rendererPeakSum: out.rendererPeakSumMB.median / gl.rendererPeakSumMB.median,
      rendererPeakSingle: out.rendererPeakSingleMB.median / gl.rendererPeakSingleMB.median,
    };
    console.log(`  speedscope / gopherlens (medians): time ${out.ratio.firstDraw.toFixed(1)}x, `
      + `renderer peak (sum) ${out.ratio.rendererPeakSum.toFixed(1)}x, largest renderer ${out.ratio.rendererPeakSingle.toFixed(1)}x`);
  }
  return out;
}

main().catch((e) => {
  console.error(`browser.mjs: ${e && e.stack ? e.stack : e}`);
  process.exit(1);
});
