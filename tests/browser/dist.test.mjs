// The deployable builds of tools/dist.mjs (built here into a temporary
// directory; no cargo): the single file gopherlens.html opened from file://
// shows the flame graph, Maps and GC tabs with no CSP violation and no
// request but file:, data: and blob:; the static site served under a
// sub-path does the same with every request under that sub-path, and once
// its service worker controls the page it keeps working with the server
// stopped.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT, WWW, FIXTURES, fixture, scratchDir, startServer, launchBrowser } from './harness.mjs';

const TRACE = path.join(FIXTURES, 'trace/churn/go1.26.trace');
const SUBPATH = '/profiling/gopherlens/';
let dist;

before(() => {
  dist = path.join(scratchDir(), 'dist');
  execFileSync(process.execPath, [path.join(ROOT, 'tools/dist.mjs'), '--www', WWW, '--out', dist], { stdio: 'pipe' });
});

/** A page with its requests, console errors, page errors and CSP violations recorded. */
async function recordedPage(context) {
  const requests = [];
  const consoleErrors = [];
  const pageErrors = [];
  const onRequest = (r) => requests.push(r.url());
  context.on('request', onRequest); // also a service worker's own requests
  const page = await context.newPage();
  page.on('worker', (w) => requests.push(w.url()));
  page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
  page.on('pageerror', (e) => pageErrors.push(String(e)));
  await page.addInitScript(() => {
    window.__cspViolations = [];
    document.addEventListener('securitypolicyviolation', (e) => {
      window.__cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`);
    });
  });
  return {
    page, requests, consoleErrors, pageErrors,
    async assertClean() {
      assert.deepEqual(await page.evaluate(() => window.__cspViolations), [], 'CSP violations');
      assert.deepEqual(pageErrors, [], 'uncaught page errors');
      assert.deepEqual(consoleErrors, [], 'console errors');
    },
    close: () => { context.off('request', onRequest); return page.close().catch(() => {}); },
  };
}

const ready = (page) => page.waitForFunction(() => document.documentElement.dataset.ready === '1', null, { timeout: 20000 });

/** Fails with the page's message if it shows an error instead of what `fn` waits for. */
async function waitFor(page, what, arg) {
  const h = await page.waitForFunction(({ what, arg }) => {
    const d = document.documentElement.dataset;
    if (d.lastError) return { error: d.lastError };
    const ok = {
      flame: () => Number(d.flameDraws || 0) >= 1 && Number(d.flameNodes || 0) > 0,
      maps: () => d.mapsRows !== undefined && Number(d.mapsRenders || 0) >= 1,
      profiles: () => d.profiles === String(arg),
      gc: () => Number(d.gcCycles || 0) > 0 && Number(d.gcReady || 0) >= 1,
    }[what]();
    return ok ? { ok } : false;
  }, { what, arg }, { timeout: 30000 });
  const r = await h.jsonValue();
  if (r.error) throw new Error(`the page shows an error: ${r.error}`);
}

/** Heap profile → flame graph → Maps tab; trace → GC tab. */
async function threeViews(page) {
  await page.setInputFiles('#file-input', fixture('heap').file);
  await waitFor(page, 'flame');
  await page.click('#tab-btn-maps');
  await waitFor(page, 'maps');
  assert.ok(Number(await page.evaluate(() => document.documentElement.dataset.mapsRows)) > 0, 'maps rows');
  await page.setInputFiles('#file-input', TRACE);
  await waitFor(page, 'profiles', 2);
  await page.click('#tab-btn-gc');
  await waitFor(page, 'gc');
}

let br;
before(async () => { br = await launchBrowser(); });
after(async () => { await br?.close(); });

test('dist/SIZES.json and the stable names are there', () => {
  const sizes = JSON.parse(fs.readFileSync(path.join(dist, 'SIZES.json'), 'utf8'));
  for (const k of ['site', 'single']) assert.ok(sizes[k].raw > sizes[k].gzip && sizes[k].gzip > 0, k);
  for (const f of ['index.html', 'gopherlens.js', 'sw.js', 'gopherlens.html', '_headers', 'nginx.conf.example']) {
    assert.ok(fs.existsSync(path.join(dist, f)), f);
  }
  const html = fs.readFileSync(path.join(dist, 'index.html'), 'utf8');
  assert.match(html, /<meta name="gopherlens-offline" content="sw.js">/);
  assert.doesNotMatch(html, /(src|href)="(?!assets\/[\w.-]+\.[0-9a-f]{10}\.\w+")/, 'every local reference is a hashed asset');
});

test('the sizes the README states are those of this build (within 10 %)', () => {
  const sizes = JSON.parse(fs.readFileSync(path.join(dist, 'SIZES.json'), 'utf8'));
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const kib = (s) => Number(s.replace(/,/g, '')) * 1024;
  const row = (label) => {
    const m = readme.match(new RegExp(`^\\| ${label} \\|[^|]*\\| ([\\d,]+) KiB \\| ([\\d,]+) KiB \\|$`, 'm'));
    assert.ok(m, `README "Hosting and embedding" has the row for ${label}`);
    return { raw: kib(m[1]), gzip: kib(m[2]) };
  };
  const near = (a, b, what) => assert.ok(Math.abs(a - b) <= 0.1 * b, `${what}: README says ${Math.round(a / 1024)} KiB, the build is ${Math.round(b / 1024)} KiB`);
  const site = row('`dist/` \\(the static site\\)');
  const single = row('`dist/gopherlens.html`');
  near(site.raw, sizes.site.raw, 'static site');
  near(site.gzip, sizes.site.gzip, 'static site, gzipped');
  near(single.raw, sizes.single.raw, 'single file');
  near(single.gzip, sizes.single.gzip, 'single file, gzipped');
});

test('the single file works from file:// and fetches nothing', { timeout: 90000 }, async () => {
  const s = await recordedPage(br.context);
  try {
    const { page } = s;
    await page.goto(pathToFileURL(path.join(dist, 'gopherlens.html')).href);
    await ready(page);
    await threeViews(page);
    await s.assertClean();
    const bad = s.requests.filter((u) => !/^(file|data|blob):/.test(u));
    assert.deepEqual(bad, [], 'requests other than file:, data: and blob:');
    assert.ok(s.requests.some((u) => u.startsWith('blob:')), 'the worker is a blob: URL');
  } finally {
    await s.close();
  }
});

test('the static site works under a sub-path, then offline from its service worker', { timeout: 120000 }, async () => {
  const top = path.join(scratchDir(), 'site');
  fs.cpSync(dist, path.join(top, SUBPATH), { recursive: true });
  const srv = await startServer(top);
  // (serve.py's close() waits for an exit event: call it once only.)
  let stopped = false;
  const stop = async () => { if (!stopped) { stopped = true; await srv.close(); } };
  const base = srv.origin + SUBPATH;
  const s = await recordedPage(br.context);
  try {
    const { page } = s;
    await page.goto(base);
    await ready(page);
    await threeViews(page);
    await page.evaluate(() => navigator.serviceWorker.ready.then(() => true));
    await page.reload();
    await ready(page);
    assert.ok(await page.evaluate(() => navigator.serviceWorker.controller !== null), 'the service worker controls the page');
    const scope = await page.evaluate(async () => (await navigator.serviceWorker.getRegistration()).scope);
    assert.equal(scope, base);
    const outside = s.requests.filter((u) => !u.startsWith(base) && !/^(data|blob):/.test(u));
    assert.deepEqual(outside, [], `requests outside ${base}`);

    await stop();
    await page.reload();
    await ready(page);
    await page.setInputFiles('#file-input', fixture('heap').file);
    await waitFor(page, 'flame');
    // With a query string the cached index.html answers too.
    await page.goto(base + 'index.html?x=1');
    await ready(page);
    await s.assertClean();
  } finally {
    await s.close();
    await stop();
  }
});

// ------------------------------------------------- the bundler, on its own

/** A small www/ using every import/export form, a shadow root with addStyles(), and tricky strings. */
function syntheticWww() {
  const w = fs.mkdtempSync(path.join(scratchDir(), 'www-'));
  for (const f of ['assets.js', 'core', 'pkg', 'ui/style.css', 'vendor/uPlot.min.css', 'favicon.png']) {
    fs.cpSync(path.join(WWW, f), path.join(w, f), { recursive: true });
  }
  const csp = fs.readFileSync(path.join(WWW, 'index.html'), 'utf8').match(/<meta http-equiv="Content-Security-Policy"[^>]*>/)[0];
  const files = {
    'index.html': `<!doctype html><html><head><meta charset="utf-8">${csp}<link rel="icon" href="favicon.png">
<script type="module" src="page.js"></script></head><body><div id="app"></div></body></html>`,
    'page.js': `import def, { a, b as bee } from './m/a.js';
import * as ns from './m/b.js';
import './m/side.js';
import {
  addStyles,
} from './assets.js';
import './m/reexport.js';
// import nope from './nope.js';
const tricky = ["import x from './nope.js'", \`export \${'{ y }'} from './nope.js'\`, /['"]import/.source];
const out = { def: def(), a, bee, tricky: tricky.length };
ns.bump();
out.ns = { keys: Object.keys(ns).sort(), counter: ns.counter, x: ns.x, dflt: ns.default, k: typeof ns.K, g: typeof ns.g };
out.side = globalThis.__side;
const root = document.getElementById('app').attachShadow({ mode: 'open' });
addStyles(root);
const bar = document.createElement('header');
bar.className = 'topbar';
root.append(bar);
import('./m/lazy.js').then(async (lazy) => {
  out.lazy = lazy.default;
  out.c = (await import('./m/reexport.js')).c;
  // Style sheets apply inside the shadow root (links load, constructed ones at once).
  for (let i = 0; i < 100 && getComputedStyle(bar).display !== 'flex'; i++) await new Promise((r) => setTimeout(r, 20));
  out.display = getComputedStyle(bar).display;
  document.documentElement.dataset.result = JSON.stringify(out);
});
`,
    'm/a.js': `import './side.js';\nexport default function () { return 'def'; }\nexport const a = 1,\n  b = [2, 3].length;\n`,
    'm/b.js': `export function f() {}\nexport class K {}\nexport async function g() {}\nlet x = 'x';\nexport { x, x as default };\nexport let counter = 0;\nexport function bump() { counter++; }\n`,
    'm/c.js': `export const c = 'c';\nexport * from './d.js';\n`,
    'm/d.js': `export const d = 'd';\n`,
    'm/reexport.js': `export { c, d as dee } from './c.js';\n`,
    'm/side.js': `globalThis.__side = (globalThis.__side || 0) + 1;\n`,
    'm/lazy.js': `export default 'lazy' + '';\n`,
  };
  for (const [f, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(w, f)), { recursive: true });
    fs.writeFileSync(path.join(w, f), text);
  }
  return w;
}

const runDist = (www, out) => {
  try {
    execFileSync(process.execPath, [path.join(ROOT, 'tools/dist.mjs'), '--www', www, '--out', out], { stdio: 'pipe', encoding: 'utf8' });
    return null;
  } catch (e) {
    return e.stderr;
  }
};

test('every import/export form means the same in the source, the static site and the single file', { timeout: 60000 }, async () => {
  const w = syntheticWww();
  const out = path.join(scratchDir(), 'dist-synthetic');
  assert.equal(runDist(w, out), null);
  const srv = await startServer(path.dirname(w));
  const results = {};
  try {
    for (const [name, url] of [['source', `${srv.origin}/${path.basename(w)}/`],
      ['site', `${srv.origin}/${path.basename(out)}/`], ['single', pathToFileURL(path.join(out, 'gopherlens.html')).href]]) {
      const s = await recordedPage(br.context);
      try {
        await s.page.goto(url);
        const h = await s.page.waitForFunction(() => document.documentElement.dataset.result, null, { timeout: 15000 });
        results[name] = JSON.parse(await h.jsonValue());
        await s.assertClean();
      } finally {
        await s.close();
      }
    }
  } finally {
    await srv.close();
  }
  assert.deepEqual(results.source, {
    def: 'def', a: 1, bee: 2, tricky: 3, side: 1, lazy: 'lazy', c: 'c', display: 'flex',
    ns: { keys: ['K', 'bump', 'counter', 'default', 'f', 'g', 'x'], counter: 1, x: 'x', dflt: 'x', k: 'function', g: 'function' },
  });
  assert.deepEqual(results.site, results.source);
  assert.deepEqual(results.single, results.source);
});

test('dist fails loudly on a cycle, a missing file and syntax it cannot bundle', () => {
  const cases = [
    [{ 'm/a.js': `import './b.js';\nexport default function () { return 'def'; }\nexport const a = 1, b = 2;\n`, 'm/b.js': `import './a.js';\n` }, /cycle/],
    [{ 'm/side.js': `import './gone.js';\n` }, /missing file/],
    [{ 'm/side.js': `export const { z } = { z: 1 };\n` }, /destructuring/],
    [{ 'm/side.js': `const u = import.meta.resolve('./x.js');\n` }, /import\.meta/],
    [{ 'm/side.js': `import x from 'bare-package';\n` }, /bare module specifier/],
  ];
  for (const [edits, want] of cases) {
    const w = syntheticWww();
    for (const [f, text] of Object.entries(edits)) fs.writeFileSync(path.join(w, f), text);
    const err = runDist(w, path.join(scratchDir(), 'dist-bad'));
    assert.match(err || '(it succeeded)', want);
  }
});
