// Shared helpers for the browser tests: a static server for www/ (serve.py,
// which dies with this process), headless Chromium through playwright-core,
// a request recorder that fails the test on any request leaving the page's
// origin, and the fixture profiles with their expected JSON.

import { spawn, execFileSync } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';
import { parseExact } from '../../www/core/json.js';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** Directory served; GOPHERLENS_WWW overrides it (e.g. a build of www/ elsewhere). */
export const WWW = process.env.GOPHERLENS_WWW || path.join(ROOT, 'www');
export const CLI = path.join(ROOT, 'target/release/gopherlens');
export const FIXTURES = path.join(ROOT, 'tests/fixtures');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';

/** Starts serve.py for `dir` on a free port (frameSrc: an origin its pages may frame); resolves to {origin, close()}. */
export async function startServer(dir = WWW, { frameSrc = '' } = {}) {
  const proc = spawn('python3', [path.join(ROOT, 'tests/browser/serve.py'), '--quiet', '--port', '0',
    '--dir', dir, '--exit-on-stdin-eof', ...(frameSrc ? ['--frame-src', frameSrc] : [])], { stdio: ['pipe', 'pipe', 'pipe'] });
  const kill = () => { try { proc.kill('SIGKILL'); } catch { /* gone */ } };
  process.once('exit', kill);
  let stderr = '';
  proc.stderr.on('data', (d) => { stderr += d; });
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
  return {
    origin,
    async close() {
      // Once only: a second close() must not wait for an exit already seen.
      if (proc.exitCode === null && proc.signalCode === null) {
        proc.stdin.end();
        kill();
        await once(proc, 'exit').catch(() => {});
      }
    },
  };
}

/** Launches headless Chromium with a fresh temporary profile directory. */
export async function launchBrowser() {
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gopherlens-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--no-first-run', '--disable-quic'],
    viewport: { width: 1400, height: 900 },
    deviceScaleFactor: 1,
  });
  const close = async () => {
    await context.close().catch(() => {});
    fs.rmSync(userDataDir, { recursive: true, force: true });
  };
  process.once('exit', () => { try { fs.rmSync(userDataDir, { recursive: true, force: true }); } catch { /* best effort */ } });
  return { context, close, userDataDir };
}

/**
 * Peak resident memory (VmHWM, bytes) of each renderer process of the
 * browser whose profile directory is `userDataDir`: the page, its worker
 * and the WebAssembly core live there.
 */
export function rendererPeaks(userDataDir) {
  // From /proc, not ps(1), which a bare machine may lack.
  const procs = [];
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const args = fs.readFileSync(`/proc/${d}/cmdline`, 'utf8').split('\0').join(' ');
      const stat = fs.readFileSync(`/proc/${d}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      procs.push({ pid: Number(d), ppid, args });
    } catch { /* it exited meanwhile */ }
  }
  const root = procs.find((p) => p.args.includes(`--user-data-dir=${userDataDir}`) && !p.args.includes('--type='));
  if (!root) throw new Error(`no browser process for ${userDataDir}`);
  const mine = new Set([root.pid]);
  for (let grew = true; grew;) {
    grew = false;
    for (const p of procs) if (!mine.has(p.pid) && mine.has(p.ppid)) { mine.add(p.pid); grew = true; }
  }
  return procs.filter((p) => mine.has(p.pid) && p.args.includes('--type=renderer')).map((p) => {
    const status = fs.readFileSync(`/proc/${p.pid}/status`, 'utf8');
    return { pid: p.pid, hwm: Number(status.match(/VmHWM:\s+(\d+) kB/)[1]) * 1024 };
  });
}

/**
 * Opens the page with every request recorded. `requests` lists each URL
 * seen by request events and by the route (which aborts any request to
 * another origin); `foreign()` lists those not from the page's origin
 * (data: and blob: are allowed). CSP violations, page errors and console
 * errors are collected too.
 */
export async function openPage(context, origin, pathname = '/') {
  const requests = [];
  const onRequest = (r) => requests.push(r.url());
  context.on('request', onRequest);
  await context.route('**/*', (route) => {
    const url = route.request().url();
    requests.push(url);
    if (isOwn(url, origin)) return route.continue();
    return route.abort('blockedbyclient');
  });
  const page = await context.newPage();
  page.on('request', onRequest);
  page.on('worker', (w) => requests.push(w.url()));
  const pageErrors = [];
  const consoleErrors = [];
  page.on('pageerror', (e) => pageErrors.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
  await page.addInitScript(() => {
    window.__cspViolations = [];
    document.addEventListener('securitypolicyviolation', (e) => {
      window.__cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`);
    });
  });
  await page.goto(origin + pathname);
  await page.waitForFunction(() => document.documentElement.dataset.ready === '1');
  return {
    page,
    requests,
    pageErrors,
    consoleErrors,
    foreign: () => requests.filter((u) => !isOwn(u, origin)),
    cspViolations: () => page.evaluate(() => window.__cspViolations),
    async close() {
      context.off('request', onRequest);
      await context.unrouteAll({ behavior: 'ignoreErrors' }).catch(() => {});
      await page.close().catch(() => {});
    },
  };
}

function isOwn(url, origin) {
  return url === origin || url.startsWith(origin + '/') || url.startsWith('data:') || url.startsWith('blob:');
}

/** Fixture profiles: [{file, version, kind, name}] sorted; at least one must exist. */
export function fixtureProfiles() {
  const dir = path.join(FIXTURES, 'pprof');
  const out = [];
  for (const v of fs.existsSync(dir) ? fs.readdirSync(dir).sort() : []) {
    const vdir = path.join(dir, v);
    if (!fs.statSync(vdir).isDirectory()) continue;
    for (const f of fs.readdirSync(vdir).sort()) {
      if (f.endsWith('.pb.gz')) out.push({ file: path.join(vdir, f), version: v, kind: f.replace(/\.pb\.gz$/, ''), name: f });
    }
  }
  if (out.length === 0) throw new Error(`no fixture profiles under ${dir} (tests/fixtures/regen.sh makes them)`);
  return out;
}

/** A fixture of the newest Go version of `kind` ("heap", "cpu", ...). */
export function fixture(kind) {
  const all = fixtureProfiles().filter((p) => p.kind === kind);
  if (!all.length) throw new Error(`no ${kind} fixture profile`);
  all.sort((a, b) => versionKey(a.version) - versionKey(b.version));
  return all[all.length - 1];
}

function versionKey(v) {
  const m = v.match(/(\d+)\.(\d+)/);
  return m ? Number(m[1]) * 1000 + Number(m[2]) : 0;
}

/** Expected JSON next to a fixture (`<name>.<suffix>`), or null. */
export function expected(file, suffix) {
  const p = file.replace(/\.pb\.gz$/, `.${suffix}`);
  return fs.existsSync(p) ? parseExact(fs.readFileSync(p, 'utf8')) : null;
}

/** The CLI's --json answer, parsed exactly as the JS API parses the core's JSON. */
export function cli(...args) {
  if (!fs.existsSync(CLI)) throw new Error(`${CLI} is missing: run ./build.sh build first`);
  return parseExact(execFileSync(CLI, [...args, '--json'], { encoding: 'utf8', maxBuffer: 256 << 20 }));
}

/**
 * Bad inputs: the files tests/fixtures/bad/expected.json lists, plus two
 * made here (a gzip stream cut in half, PNG bytes) so the check never runs
 * empty. Each is {file, name}.
 */
export function badInputs() {
  const dir = path.join(FIXTURES, 'bad');
  const manifest = path.join(dir, 'expected.json');
  const out = [];
  if (fs.existsSync(manifest)) {
    for (const name of Object.keys(JSON.parse(fs.readFileSync(manifest, 'utf8')).files || {}).sort()) {
      if (fs.existsSync(path.join(dir, name))) out.push({ file: path.join(dir, name), name });
    }
  }
  const tmp = scratchDir();
  const good = fs.readFileSync(fixture('heap').file);
  const cut = path.join(tmp, 'cut-in-half.pb.gz');
  fs.writeFileSync(cut, good.subarray(0, good.length >> 1));
  const png = path.join(tmp, 'screenshot.png');
  fs.writeFileSync(png, Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489', 'hex'));
  out.push({ file: cut, name: 'cut-in-half.pb.gz' }, { file: png, name: 'screenshot.png' });
  return out;
}

/**
 * Two origins for the embedding tests (tests/browser/embed/): `site` serves
 * host.html (a portal page on gopherlens' own origin) and gopherlens under
 * /gopherlens/ (`fill(dir)` puts it there), with a gopherlens.config.json
 * listing the other origin, `portal`, which serves portal.html and may
 * frame `site`. Resolves to {dir, site, portal, close()}.
 */
export async function startPortal(fill) {
  const embed = path.join(ROOT, 'tests/browser/embed');
  const dir = fs.mkdtempSync(path.join(scratchDir(), 'portal-'));
  for (const f of ['host.html', 'host.css']) fs.copyFileSync(path.join(embed, f), path.join(dir, f));
  fill(path.join(dir, 'gopherlens'));
  const site = await startServer(dir);
  const portal = await startServer(embed, { frameSrc: site.origin });
  fs.writeFileSync(path.join(dir, 'gopherlens/gopherlens.config.json'), JSON.stringify({ allowOrigins: [portal.origin] }));
  return { dir, site, portal, close: async () => { await site.close(); await portal.close(); } };
}

let scratch = null;
/** A temporary directory for this process, removed when it exits. */
export function scratchDir() {
  if (!scratch) {
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'gopherlens-test-'));
    const dir = scratch;
    process.once('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  }
  return scratch;
}

/** The CLI's error for `file`, without its "gopherlens: PATH: " prefix. */
export function cliError(file) {
  try {
    execFileSync(CLI, ['info', file], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    const first = String(e.stderr).split('\n')[0];
    const prefix = `gopherlens: ${file}: `;
    if (first.startsWith(prefix)) return first.slice(prefix.length);
    throw new Error(`unexpected CLI error for ${file}: ${first}`);
  }
  throw new Error(`the CLI accepted ${file}`);
}

// ------------------------------------------------------------- page helpers

export const hooks = (page) => page.evaluate(() => ({ ...document.documentElement.dataset }));

/**
 * Waits for a flame draw after `since` (a counters() result, or a number of
 * draws) matching the given sample type / zoom root. Fails at once, with
 * the page's message, if an error is shown meanwhile.
 */
export async function waitDraw(page, since, { sampleType, root } = {}) {
  return waitHook(page, since, 'draws', { sampleType, root });
}

/** Like waitDraw, for the top table (`sampleType` is the table's). */
export async function waitTable(page, since, { sampleType, root } = {}) {
  return waitHook(page, since, 'tables', { sampleType, root });
}

async function waitHook(page, since, what, { sampleType, root }) {
  const c = typeof since === 'number' ? { draws: since, tables: since, error: undefined } : since;
  const h = await page.waitForFunction(({ what, n, error, sampleType, root }) => {
    const d = document.documentElement.dataset;
    if (error !== undefined && (d.lastError || '') !== error) return { error: d.lastError };
    const [count, st, rt] = what === 'draws' ? [d.flameDraws, d.sampleType, d.flameRoot]
      : [d.tableUpdates, d.tableSampleType, d.tableRoot];
    return Number(count || 0) > n && (sampleType === undefined || st === sampleType) &&
      (root === undefined || rt === String(root)) ? { ok: true } : false;
  }, { what, n: c[what], error: c.error, sampleType, root }, { timeout: 20000 });
  const r = await h.jsonValue();
  if (r.error !== undefined) throw new Error(`the page shows an error: ${r.error}`);
  return hooks(page);
}

/** Draw and table-update counts and the last error shown, to wait from. */
export const counters = async (page) => {
  const d = await hooks(page);
  return { draws: Number(d.flameDraws || 0), tables: Number(d.tableUpdates || 0), error: d.lastError || '' };
};

/** Runs `fn(shadowRoot, arg)` in the page on the page's mount's shadow root. */
export const shadow = (page, fn, arg) => page.evaluate(({ src, arg }) => {
  const root = document.getElementById('app').shadowRoot;
  return new Function('root', 'arg', `return (${src})(root, arg);`)(root, arg);
}, { src: fn.toString(), arg });

/** Opens `file` with the file picker and waits for its table and flame graph. */
export async function openAndDraw(page, file) {
  const c = await counters(page);
  await page.setInputFiles('#file-input', file);
  await waitTable(page, c);
  await waitDraw(page, c);
}

/** Rows of the top table as numbers: [{name, flat, cum}]. */
export const tableRows = (page) => page.evaluate(() =>
  Array.from(document.getElementById('app').shadowRoot.querySelectorAll('#top-table tbody tr[data-name]'), (tr) => ({
    name: tr.dataset.name, flat: Number(tr.dataset.flat), cum: Number(tr.dataset.cum),
  })));

/** Counts canvas pixels that are not the white background, and those of an exact colour. */
export const canvasPixels = (page, rgb = null) => page.evaluate((rgb) => {
  const c = document.getElementById('app').shadowRoot.getElementById('flame');
  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  let ink = 0;
  let colour = 0;
  for (let i = 0; i < d.length; i += 4) {
    if (d[i] !== 255 || d[i + 1] !== 255 || d[i + 2] !== 255) ink++;
    if (rgb && Math.abs(d[i] - rgb[0]) <= 2 && Math.abs(d[i + 1] - rgb[1]) <= 2 && Math.abs(d[i + 2] - rgb[2]) <= 2) colour++;
  }
  return { ink, colour, width: c.width, height: c.height };
}, rgb);

/** A digest of the flame canvas's pixels (equal digests: the same drawing). */
export async function canvasDigest(page) {
  return page.evaluate(() => {
    const c = document.getElementById('app').shadowRoot.getElementById('flame');
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let h = 2166136261;
    for (let i = 0; i < d.length; i += 3) h = Math.imul(h ^ d[i], 16777619);
    return `${c.width}x${c.height}:${h >>> 0}`;
  });
}

/** Bytes of WebAssembly memory the page's core holds (gopherlens.js coreMemory()). */
export const coreMemory = (page) => page.evaluate(async () => (await import('/gopherlens.js')).coreMemory());

/** Drops files on the page the way a drag from the desktop does. */
export async function dropFiles(page, files) {
  const payload = files.map((f) => ({ name: path.basename(f), b64: fs.readFileSync(f).toString('base64') }));
  await page.evaluate((payload) => {
    const dt = new DataTransfer();
    for (const { name, b64 } of payload) {
      const bin = atob(b64);
      const bytes = new Uint8Array(bin.length);
      for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
      dt.items.add(new File([bytes], name));
    }
    const target = document.getElementById('app').shadowRoot.querySelector('main');
    target.dispatchEvent(new DragEvent('dragenter', { dataTransfer: dt, bubbles: true, cancelable: true }));
    target.dispatchEvent(new DragEvent('dragover', { dataTransfer: dt, bubbles: true, cancelable: true }));
    target.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
  }, payload);
}

/**
 * One server and one browser for a test file: registers node:test hooks
 * that start them before its tests and stop them after. withPage(fn) runs
 * fn with a fresh page (an openPage() result) and then fails the test on
 * any request to another origin, CSP violation, uncaught page error or
 * console error. Options: `origin` (another server's), `pathname`, and
 * `consoleErrors: false` to leave console errors unchecked. context() and
 * origin() give the browser context and the server's origin.
 */
export function browserSuite() {
  let srv;
  let br;
  before(async () => {
    srv = await startServer();
    br = await launchBrowser();
  });
  after(async () => {
    await br?.close();
    await srv?.close();
  });
  async function withPage(fn, { origin = srv.origin, pathname = '/', consoleErrors = true } = {}) {
    const s = await openPage(br.context, origin, pathname);
    try {
      await fn(s);
      assert.deepEqual(s.foreign(), [], 'requests to other origins');
      assert.deepEqual(await s.cspViolations(), [], 'CSP violations');
      assert.deepEqual(s.pageErrors, [], 'uncaught page errors');
      if (consoleErrors) assert.deepEqual(s.consoleErrors, [], 'console errors');
    } finally {
      await s.close();
    }
  }
  return { withPage, context: () => br.context, origin: () => srv.origin, userDataDir: () => br.userDataDir };
}
