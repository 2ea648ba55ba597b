// Browser half of the gopherlens benchmark (bench/run.sh runs it).
//
//   node bench/browser.mjs FILE [--runs N] [--no-baseline] [--wasm-memory] [--json OUT.json]
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

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const WWW = process.env.GOPHERLENS_WWW || path.join(ROOT, 'www');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
  '--disable-sync', '--no-first-run', '--disable-quic'];
const POLL_MS = 50;
const DRAW_TIMEOUT_MS = Number(process.env.BENCH_TIMEOUT_MS || 300000);
/** After the first draw, keep polling until the top table is shown and this long after. */
const SETTLE_MS = 1000;

function usage(msg) {
  if (msg) console.error(`browser.mjs: ${msg}`);
  console.error('usage: node bench/browser.mjs FILE [--runs N] [--no-baseline] [--wasm-memory] [--json OUT.json]');
  process.exit(2);
}

const opts = { file: null, runs: 3, baseline: true, json: null, wasmMemory: false };
{
  const a = process.argv.slice(2);
  for (let i = 0; i < a.length; i++) {
    if (a[i] === '--runs') opts.runs = Math.max(1, Number(a[++i]) | 0);
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

/** Renderer processes among the descendants of `rootPid`. */
function renderersOf(rootPid) {
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
      if (cmd && /(^|[\s\0])--type=renderer([\s\0]|$)/.test(cmd)) out.push(c);
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
 * gives {sumMB, singleMB, renderers} since the last `reset()`.
 */
function rssPoller(rootPid) {
  let pids = renderersOf(rootPid);
  let lastScan = Date.now();
  let sum = 0;
  let single = 0;
  let seen = new Set();
  const tick = () => {
    if (Date.now() - lastScan >= 250) {
      pids = renderersOf(rootPid);
      lastScan = Date.now();
    }
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
    reset() { sum = 0; single = 0; seen = new Set(); pids = renderersOf(rootPid); tick(); },
    peak() { tick(); return { sumMB: mb(sum), singleMB: mb(single), renderers: seen.size }; },
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

// ------------------------------------------------------------------ main

const f1 = (x) => (x === null || x === undefined || Number.isNaN(x) ? '-' : x.toFixed(0));

async function main() {
  const size = fs.statSync(opts.file).size;
  const server = await startServer();
  const runs = [];
  try {
    console.log(`browser: ${path.relative(process.cwd(), opts.file)} (${(size / 1e6).toFixed(1)} MB), ${opts.runs} runs, fresh Chromium each`);
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
    if (opts.baseline) {
      baseline = await baselineRun(opts.file);
      console.log(`  baseline (a page that only reads the file): renderer peak ${f1(baseline.peak.sumMB)} MB sum / `
        + `${f1(baseline.peak.singleMB)} MB largest, read in ${f1(baseline.readMs)} ms`);
    }
    const times = runs.map((r) => r.firstDrawMs);
    const sums = runs.map((r) => r.peak.sumMB);
    const singles = runs.map((r) => r.peak.singleMB);
    const summary = {
      file: opts.file,
      bytes: size,
      runs: runs.length,
      firstDrawMs: { min: Math.min(...times), median: median(times), all: times },
      rendererPeakSumMB: { min: Math.min(...sums), median: median(sums), max: Math.max(...sums), all: sums },
      rendererPeakSingleMB: { min: Math.min(...singles), median: median(singles), max: Math.max(...singles), all: singles },
      flameNodes: runs[0].flameNodes,
      baseline,
      detail: runs,
    };
    console.log(`  first flame graph: min ${f1(summary.firstDrawMs.min)} ms, median ${f1(summary.firstDrawMs.median)} ms; `
      + `renderer peak (sum): min ${f1(summary.rendererPeakSumMB.min)} MB, median ${f1(summary.rendererPeakSumMB.median)} MB; `
      + `largest renderer: median ${f1(summary.rendererPeakSingleMB.median)} MB`);
    if (opts.json) fs.writeFileSync(opts.json, JSON.stringify(summary, null, 2) + '\n');
  } finally {
    server.close();
  }
}

main().catch((e) => {
  console.error(`browser.mjs: ${e && e.stack ? e.stack : e}`);
  process.exit(1);
});
