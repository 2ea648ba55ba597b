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
