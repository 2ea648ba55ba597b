// Nothing leaves the browser: a whole session (open, zoom, search, switch,
// bad files, close) makes requests to the page's own origin only; the page
// carries the same Content-Security-Policy as serve.py sends, and that
// policy really blocks other origins; www/ names no outside URL.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {
  ROOT, openPage, browserSuite, fixture, badInputs, waitDraw, waitTable, counters,
} from './harness.mjs';

const suite = browserSuite();

test('a whole session requests nothing from any other origin', { timeout: 90000 }, async () => {
  const s = await openPage(suite.context(), suite.origin());
  try {
    const { page } = s;
    let c = await counters(page);
    await page.setInputFiles('#file-input', [fixture('heap').file, fixture('cpu').file]);
    await waitDraw(page, c);
    await page.waitForFunction(() => document.documentElement.dataset.profiles === '2');
    c = await counters(page);
    const r = await page.locator('#flame').boundingBox();
    await page.mouse.click(r.x + 6, r.y + 27);
    await waitDraw(page, c);
    await page.mouse.move(r.x + 30, r.y + 45);
    c = await counters(page);
    await page.fill('#search', 'runtime');
    await waitDraw(page, c);
    await page.waitForFunction(() => document.getElementById('app').shadowRoot.getElementById('match').textContent.startsWith('matched:'));
    const types = await page.$$eval('#sample-type option', (os) => os.map((o) => o.value));
    c = await counters(page);
    await page.selectOption('#sample-type', types[0] === (await page.inputValue('#sample-type')) ? types[1] : types[0]);
    await waitTable(page, c);
    for (const { file, name } of badInputs().slice(0, 3)) {
      await page.setInputFiles('#file-input', [{ name, mimeType: 'application/octet-stream', buffer: fs.readFileSync(file) }]);
      await page.waitForFunction((n) => (document.documentElement.dataset.lastError || '').startsWith(n + ':'), name);
    }
    await page.click('#close-profile');
    await page.waitForFunction(() => document.documentElement.dataset.profiles === '1');
    await page.reload();
    await page.waitForFunction(() => document.documentElement.dataset.ready === '1');
    assert.ok(s.requests.length >= 8, `recorded ${s.requests.length} requests`);
    assert.ok(s.requests.some((u) => u.endsWith('/pkg/gopherlens_bg.wasm')), 'worker requests are recorded too');
    assert.deepEqual(s.foreign(), []);
    assert.deepEqual(await s.cspViolations(), []);
    assert.deepEqual(s.pageErrors, []);
  } finally {
    await s.close();
  }
});

test('the page policy blocks other origins, and the recorder would see an attempt', { timeout: 60000 }, async () => {
  const s = await openPage(suite.context(), suite.origin());
  try {
    const outcome = await s.page.evaluate(async () => {
      const results = {};
      try { await fetch('http://198.51.100.7/leak'); results.fetch = 'sent'; } catch { results.fetch = 'blocked'; }
      await new Promise((resolve) => {
        const img = new Image();
        img.onload = img.onerror = resolve;
        img.src = 'http://198.51.100.7/pixel.png';
      });
      return results;
    });
    assert.equal(outcome.fetch, 'blocked');
    await s.page.waitForFunction(() => window.__cspViolations.length >= 2);
    const v = await s.cspViolations();
    assert.ok(v.some((x) => x.startsWith('connect-src')), v.join('; '));
    assert.ok(v.some((x) => x.startsWith('img-src')), v.join('; '));
  } finally {
    await s.close();
  }
  // The recorder itself: a page without the policy (about:blank) reaching
  // out is reported as foreign (and aborted by the route).
  const t = await openPage(suite.context(), suite.origin());
  try {
    await t.page.goto('about:blank');
    await t.page.evaluate(() => fetch('http://198.51.100.7/leak').catch(() => null));
    assert.ok(t.foreign().some((u) => u.startsWith('http://198.51.100.7/')), `foreign: ${t.foreign()}`);
  } finally {
    await t.close();
  }
});

test('index.html carries the same CSP as serve.py, and www/ names no outside URL', () => {
  const html = fs.readFileSync(path.join(ROOT, 'www/index.html'), 'utf8');
  const meta = html.match(/<meta http-equiv="Content-Security-Policy" content="([^"]+)">/);
  assert.ok(meta, 'CSP meta tag');
  const py = fs.readFileSync(path.join(ROOT, 'tests/browser/serve.py'), 'utf8');
  const m = py.match(/CSP = \(([\s\S]*?)\)\n/);
  const csp = [...m[1].matchAll(/"([^"]*)"/g)].map((x) => x[1]).join('');
  assert.equal(meta[1], csp);
  assert.match(csp, /connect-src 'self'/);
  assert.doesNotMatch(html, /<script(?![^>]*\bsrc=)[^>]*>/, 'no inline scripts');
  assert.doesNotMatch(html, /<style|\sstyle=/, 'no inline styles');
  // The page's own files and what the build puts beside them (wasm-bindgen
  // glue in pkg/, uPlot in vendor/, whose comments build.sh strips of links).
  const own = fs.readdirSync(path.join(ROOT, 'www'), { recursive: true }).filter((f) => /\.(html|js|css|json|svg)$/.test(f));
  assert.ok(own.includes(path.join('vendor', 'uPlot.esm.js')), 'uPlot is vendored (run ./build.sh build)');
  for (const f of own) {
    const text = fs.readFileSync(path.join(ROOT, 'www', f), 'utf8');
    assert.doesNotMatch(text, /https?:\/\/[a-z0-9]/i, `${f} names an outside URL`);
  }
});
