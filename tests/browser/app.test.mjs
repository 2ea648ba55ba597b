// The page as a user drives it: open profiles (file picker and drag and
// drop), flame graph and top table, sample types, zoom, selection, search,
// bad files. Every test also fails on any request leaving the page's origin,
// any CSP violation and any uncaught page error.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {
  fixture, expected, cli, badInputs, cliError,
  waitDraw, waitTable, counters, hooks, tableRows, canvasPixels, canvasDigest, dropFiles, browserSuite } from './harness.mjs';

const SELECTED_RGB = [0x3f, 0x8f, 0xf0];
const SEARCH_RGB = [0xd5, 0x67, 0xe0];
const ROW = 18; // flame.js ROW_HEIGHT

// One server and browser for the file; each test gets a fresh page that
// must not request anything from another origin (see harness.mjs).
const { withPage } = browserSuite();

/** Chooses files through #file-input and waits for the table and the flame graph. */
async function choose(page, files) {
  const c = await counters(page);
  await page.setInputFiles('#file-input', files);
  await waitTable(page, c);
  return waitDraw(page, c);
}

/** Expected top rows for a fixture and sample type: go tool pprof's, else the CLI's. */
function expectedTop(file, sampleType) {
  return expected(file, `top.${sampleType}.json`) || cli('top', file, '--sample-index', sampleType);
}

function expectedInfo(file) {
  return expected(file, 'info.json') || cli('info', file);
}

/** pprof's unit formatting, written independently of www/base/format.js. */
function pprofFormat(v, unit) {
  const steps = unit === 'bytes' ? [[1, 'B'], [1024, 'kB'], [1024 ** 2, 'MB'], [1024 ** 3, 'GB'], [1024 ** 4, 'TB']]
    : unit === 'nanoseconds' ? [[1, 'ns'], [1e3, 'us'], [1e6, 'ms'], [1e9, 's']] : null;
  if (!steps) return String(v);
  const a = Math.abs(v);
  let [div, name] = steps[0];
  for (const [d, n] of steps) if (a >= d) [div, name] = [d, n];
  return (v < 0 ? '-' : '') + String(Number((a / div).toFixed(2))) + name;
}

async function assertTableIs(page, top) {
  const rows = await tableRows(page);
  assert.deepEqual(rows, top.rows.slice(0, 500));
  const caption = await page.textContent('#top-table caption');
  assert.ok(caption.includes(`${pprofFormat(top.total, top.unit)} total (${top.sample_type})`), caption);
}

/** Client coordinates of a point in the flame canvas (CSS px). */
async function canvasPoint(page, x, y) {
  const r = await page.locator('#flame').boundingBox();
  return { x: r.x + x, y: r.y + y };
}

test('a heap profile draws a flame graph and a top table equal to go tool pprof', { timeout: 60000 }, async () => {
  await withPage(async ({ page }) => {
    const heap = fixture('heap');
    const info = expectedInfo(heap.file);
    const d = await choose(page, [heap.file]);
    assert.ok(Number(d.flameNodes) > 1, `flameNodes=${d.flameNodes}`);
    assert.equal(d.sampleType, info.default_sample_type);
    const px = await canvasPixels(page);
    assert.ok(px.ink > 2000, `canvas has ${px.ink} drawn pixels`);
    await waitTable(page, 0, { sampleType: info.default_sample_type });
    await assertTableIs(page, expectedTop(heap.file, info.default_sample_type));
    // The sample-type selector offers every type, the profile's default chosen.
    const options = await page.$$eval('#sample-type option', (os) => os.map((o) => o.value));
    assert.deepEqual(options, info.sample_types.map((t) => t.type));
    assert.equal(await page.inputValue('#sample-type'), info.default_sample_type);
    assert.equal(await page.textContent('#profiles option:checked'), heap.name);
    // Units as pprof prints them, e.g. the first row's flat and cum.
    const top = expectedTop(heap.file, info.default_sample_type);
    const cells = await page.$$eval('#top-table tbody tr:first-child td', (tds) => tds.map((td) => td.textContent));
    assert.equal(cells[0], pprofFormat(top.rows[0].flat, top.unit));
    assert.equal(cells[3], pprofFormat(top.rows[0].cum, top.unit));
    assert.equal(cells[5], top.rows[0].name);
    assert.match(cells[1], /^\d+\.\d\d%$/);
    assert.equal(await page.isVisible('#error'), false);
    // Sorting: by cum (descending), then by name (ascending), then back to flat.
    await page.click('#top-table th[data-key="cum"] button');
    let rows = await tableRows(page);
    assert.deepEqual(rows.map((r) => r.cum), top.rows.map((r) => r.cum).sort((a, b) => b - a));
    assert.equal(await page.getAttribute('#top-table th[data-key="cum"]', 'aria-sort'), 'descending');
    await page.click('#top-table th[data-key="name"] button');
    rows = await tableRows(page);
    assert.deepEqual(rows.map((r) => r.name), top.rows.map((r) => r.name).sort());
    await page.click('#top-table th[data-key="flat"] button');
    assert.deepEqual(await tableRows(page), top.rows.slice(0, 500));
  });
});

test('a CPU profile dropped on the page is drawn, and two dropped profiles are both kept', { timeout: 60000 }, async () => {
  await withPage(async ({ page }) => {
    const cpu = fixture('cpu');
    const heap = fixture('heap');
    const info = expectedInfo(cpu.file);
    let c = await counters(page);
    await dropFiles(page, [cpu.file]);
    let d = await waitDraw(page, c, { sampleType: info.default_sample_type });
    assert.ok(Number(d.flameNodes) > 1);
    assert.ok((await canvasPixels(page)).ink > 2000);
    await waitTable(page, c, { sampleType: info.default_sample_type });
    await assertTableIs(page, expectedTop(cpu.file, info.default_sample_type));
    assert.match(await page.textContent('#summary'), /duration/);

    // The event hook reports the file and sample type.
    const detail = page.evaluate(() => new Promise((resolve) => {
      window.addEventListener('gopherlens:drawn', (e) => resolve(e.detail), { once: true });
    }));
    c = await counters(page);
    await dropFiles(page, [heap.file]);
    const ev = await detail;
    assert.equal(ev.file, heap.name);
    assert.equal(ev.sampleType, expectedInfo(heap.file).default_sample_type);
    assert.ok(ev.nodes > 1);
    await waitTable(page, c, { sampleType: ev.sampleType });
    assert.deepEqual(await page.$$eval('#profiles option', (os) => os.map((o) => o.textContent)), [cpu.name, heap.name]);

    // Switch back to the CPU profile through the selector.
    c = await counters(page);
    const cpuKey = await page.$eval('#profiles', (s) => s.options[0].value);
    await page.selectOption('#profiles', cpuKey);
    d = await waitDraw(page, c, { sampleType: info.default_sample_type });
    await waitTable(page, c, { sampleType: info.default_sample_type });
    await assertTableIs(page, expectedTop(cpu.file, info.default_sample_type));

    // Closing it leaves the heap profile on screen.
    c = await counters(page);
    await page.click('#close-profile');
    d = await waitDraw(page, c);
    assert.equal(d.profiles, '1');
    assert.equal(await page.textContent('#profiles option:checked'), heap.name);
  });
});

test('switching the sample type updates the flame graph and the table', { timeout: 60000 }, async () => {
  await withPage(async ({ page }) => {
    const heap = fixture('heap');
    const info = expectedInfo(heap.file);
    await choose(page, [heap.file]);
    await waitTable(page, 0, { sampleType: info.default_sample_type });
    const before = await canvasDigest(page);
    const other = info.sample_types.find((t) => t.type !== info.default_sample_type && t.unit === 'bytes') ||
      info.sample_types.find((t) => t.type !== info.default_sample_type);
    const c = await counters(page);
    await page.selectOption('#sample-type', other.type);
    const d = await waitDraw(page, c, { sampleType: other.type });
    await waitTable(page, c, { sampleType: other.type });
    assert.ok(Number(d.flameNodes) > 1);
    await assertTableIs(page, expectedTop(heap.file, other.type));
    assert.notEqual(await canvasDigest(page), before, 'the flame graph was redrawn for the new sample type');
    assert.match(await page.textContent('#summary'), new RegExp(`${other.type} total ${pprofFormat(other.total, other.unit).replace('.', '\\.')}`));
  });
});

test('clicking a flame node zooms in, the table follows, clicking an ancestor zooms out', { timeout: 60000 }, async () => {
  await withPage(async ({ page }) => {
    const cpu = fixture('cpu');
    const info = expectedInfo(cpu.file);
    const st = info.default_sample_type;
    await choose(page, [cpu.file]);
    await waitTable(page, 0, { sampleType: st });
    const full = await tableRows(page);

    // Zoom into the leftmost (widest) node of depth 1.
    let c = await counters(page);
    let p = await canvasPoint(page, 6, ROW * 1.5);
    await page.mouse.click(p.x, p.y);
    let d = await waitDraw(page, c);
    assert.notEqual(d.flameRoot, '0', 'zoomed');
    const root1 = d.flameRoot;
    d = await waitTable(page, c, { root: root1 });
    const zoomed = await tableRows(page);
    assert.notDeepEqual(zoomed, full, 'the table shows only the zoomed subtree');
    // The table equals top({root}) from the JS API on the same file.
    const bytes = fs.readFileSync(cpu.file).toString('base64');
    const apiTop = await page.evaluate(async ({ bytes, root, st }) => {
      const { open } = await import('/gopherlens.js');
      const s = await open(Uint8Array.from(atob(bytes), (ch) => ch.charCodeAt(0)), { name: 'cpu' });
      try { return await s.top({ sampleIndex: st, root: Number(root) }); } finally { s.close(); }
    }, { bytes, root: root1, st });
    assert.deepEqual(zoomed, apiTop.rows.slice(0, 500));
    assert.ok(apiTop.rows.length > 0);
    let crumbs = await page.$$eval('#breadcrumb button[data-node]', (bs) => bs.map((b) => b.dataset.node));
    assert.deepEqual(crumbs, ['0', root1]);

    // Zoom one level deeper.
    c = await counters(page);
    p = await canvasPoint(page, 6, ROW * 2.5);
    await page.mouse.click(p.x, p.y);
    d = await waitDraw(page, c);
    assert.notEqual(d.flameRoot, root1);
    const root2 = d.flameRoot;
    await waitTable(page, c, { root: root2 });
    crumbs = await page.$$eval('#breadcrumb button[data-node]', (bs) => bs.map((b) => b.dataset.node));
    assert.deepEqual(crumbs, ['0', root1, root2]);

    // Clicking the ancestor row above zooms out to it.
    c = await counters(page);
    p = await canvasPoint(page, 300, ROW * 1.5);
    await page.mouse.click(p.x, p.y);
    await waitDraw(page, c, { root: root1 });
    await waitTable(page, c, { root: root1 });
    assert.deepEqual(await tableRows(page), zoomed);

    // The breadcrumb's root (and Reset zoom) go back to the whole profile.
    c = await counters(page);
    await page.click('#breadcrumb button[data-node="0"]');
    await waitDraw(page, c, { root: 0 });
    await waitTable(page, c, { root: 0 });
    assert.deepEqual(await tableRows(page), full);
    assert.equal(await page.isDisabled('#breadcrumb button.reset'), true);

    // Hovering a box shows its name, file:line and values with units.
    p = await canvasPoint(page, 6, ROW * 1.5);
    await page.mouse.move(p.x, p.y);
    await page.waitForSelector('#tooltip:not([hidden])');
    const tip = await page.textContent('#tooltip');
    assert.match(tip, /self/);
    assert.match(tip, /total/);
    assert.match(tip, /\.go:\d+/);
    assert.match(tip, /\d+(\.\d+)?(ns|us|ms|s) \(\d+\.\d\d%\)/);
  });
});

test('clicking a table row highlights that function in the flame graph', { timeout: 60000 }, async () => {
  await withPage(async ({ page }) => {
    const cpu = fixture('cpu');
    await choose(page, [cpu.file]);
    await waitTable(page, 0);
    assert.equal((await canvasPixels(page, SELECTED_RGB)).colour, 0);
    const name = (await tableRows(page))[0].name;
    let c = await counters(page);
    await page.click(`#top-table tbody tr[data-name="${name}"]`);
    await waitDraw(page, c);
    const px = await canvasPixels(page, SELECTED_RGB);
    assert.ok(px.colour > 50, `selected function drawn highlighted (${px.colour} px)`);
    assert.equal(await page.getAttribute(`#top-table tbody tr[data-name="${name}"]`, 'class'), 'selected');
    // Clicking it again clears the highlight.
    c = await counters(page);
    await page.click(`#top-table tbody tr[data-name="${name}"]`);
    await waitDraw(page, c);
    assert.equal((await canvasPixels(page, SELECTED_RGB)).colour, 0);
  });
});

test('search highlights matching functions and reports the matched total', { timeout: 60000 }, async () => {
  await withPage(async ({ page }) => {
    const cpu = fixture('cpu');
    const info = expectedInfo(cpu.file);
    const st = info.sample_types.find((t) => t.type === info.default_sample_type);
    await choose(page, [cpu.file]);
    await waitTable(page, 0);
    const query = 'main\\.';
    let c = await counters(page);
    await page.fill('#search', query);
    await waitDraw(page, c);
    await page.waitForFunction(() => document.getElementById('app').shadowRoot.getElementById('match').textContent.startsWith('matched:'));
    const text = await page.textContent('#match');
    const bytes = fs.readFileSync(cpu.file).toString('base64');
    const want = await page.evaluate(async ({ bytes, query }) => {
      const { open } = await import('/gopherlens.js');
      const s = await open(Uint8Array.from(atob(bytes), (ch) => ch.charCodeAt(0)), { name: 'cpu' });
      const { names } = await s.functions();
      const re = new RegExp(query, 'i');
      const mask = Uint8Array.from(names, (n) => (re.test(n) ? 1 : 0));
      const total = await s.matchedTotal({ funcMask: mask });
      s.close();
      return total;
    }, { bytes, query });
    assert.ok(want > 0);
    assert.equal(text, `matched: ${pprofFormat(want, st.unit)} (${(100 * want / st.total).toFixed(2)}% of total)`);
    assert.ok((await canvasPixels(page, SEARCH_RGB)).colour > 50, 'matches drawn highlighted');

    // A query that is not a valid regexp is matched as text, without errors.
    c = await counters(page);
    await page.fill('#search', 'zz_no_such_function(');
    await waitDraw(page, c);
    await page.waitForFunction(() => document.getElementById('app').shadowRoot.getElementById('match').textContent.startsWith('matched: 0'));
    assert.equal(await page.isVisible('#error'), false);

    // Clearing the search removes the highlight.
    c = await counters(page);
    await page.fill('#search', '');
    await waitDraw(page, c);
    assert.equal((await canvasPixels(page, SEARCH_RGB)).colour, 0);
    assert.equal(await page.textContent('#match'), '');
  });
});

test('a bad file shows its error naming the file and keeps the loaded profile usable', { timeout: 90000 }, async () => {
  await withPage(async ({ page }) => {
    const heap = fixture('heap');
    const info = expectedInfo(heap.file);
    await choose(page, [heap.file]);
    await waitTable(page, 0);
    const drawnBefore = await canvasDigest(page);
    const bad = badInputs();
    assert.ok(bad.length >= 2);
    for (const { file, name } of bad) {
      const before = (await hooks(page)).lastError;
      await page.setInputFiles('#file-input', [{ name, mimeType: 'application/octet-stream', buffer: fs.readFileSync(file) }]);
      await page.waitForFunction((b) => document.documentElement.dataset.lastError !== b, before);
      const msg = await page.textContent('#error-text');
      assert.equal(msg, `${name}: ${cliError(file)}`);
      assert.equal((await hooks(page)).lastError, msg);
      assert.equal(await page.isVisible('#error'), true);
      // Nothing lost: still one profile, still shown.
      assert.equal((await hooks(page)).profiles, '1', `after ${name}`);
      assert.equal(await page.textContent('#profiles option:checked'), heap.name);
      assert.equal(await canvasDigest(page), drawnBefore);
      // Same error again must still be noticed: clear the hook.
      await page.evaluate(() => { document.documentElement.dataset.lastError = ''; });
    }
    // The banner can be dismissed.
    await page.click('#error-close');
    assert.equal(await page.isVisible('#error'), false);
    // And the profile still works.
    const other = info.sample_types.find((t) => t.type !== info.default_sample_type);
    const c = await counters(page);
    await page.selectOption('#sample-type', other.type);
    await waitDraw(page, c, { sampleType: other.type });
    await waitTable(page, c, { sampleType: other.type });
    await assertTableIs(page, expectedTop(heap.file, other.type));
    // A good file after bad ones still opens.
    const cpu = fixture('cpu');
    await choose(page, [cpu.file]);
    assert.equal((await hooks(page)).profiles, '2');
  });
});

test('the page looks right (screenshots for review)', { timeout: 60000 }, async () => {
  await withPage(async ({ page }) => {
    await page.screenshot({ path: path.join(process.env.SCREENSHOT_DIR || '/tmp', 'gopherlens-empty.png') });
    await choose(page, [fixture('cpu').file]);
    await waitTable(page, 0);
    const p = await canvasPoint(page, 200, ROW * 4.5);
    await page.mouse.move(p.x, p.y);
    await page.waitForSelector('#tooltip:not([hidden])');
    await page.screenshot({ path: path.join(process.env.SCREENSHOT_DIR || '/tmp', 'gopherlens-cpu.png') });
    // The flame graph fills the width of its panel.
    const r = await page.locator('#flame').boundingBox();
    const wrap = await page.locator('#flame-wrap').boundingBox();
    assert.ok(r.width > wrap.width - 40, `canvas ${r.width}px wide in a ${wrap.width}px panel`);
    const dims = () => page.evaluate(() => {
      const c = document.getElementById('app').shadowRoot.getElementById('flame');
      const r = c.getBoundingClientRect();
      return { w: c.width, h: c.height, css: r.width, cssH: r.height, dpr: devicePixelRatio };
    });
    let d = await dims();
    assert.equal(d.w, Math.round(d.css * d.dpr));
    // HiDPI: at a pixel ratio of 2 the backing store is twice as large.
    const cdp = await page.context().newCDPSession(page);
    let c = await counters(page);
    await cdp.send('Emulation.setDeviceMetricsOverride', { width: 1300, height: 900, deviceScaleFactor: 2, mobile: false });
    await waitDraw(page, c);
    d = await dims();
    assert.equal(d.dpr, 2);
    assert.equal(d.w, Math.round(d.css * 2));
    assert.equal(d.h, Math.round(d.cssH * 2));
    assert.ok((await canvasPixels(page)).ink > 8000);
    // A narrower window redraws the flame graph at the new width.
    c = await counters(page);
    await cdp.send('Emulation.setDeviceMetricsOverride', { width: 900, height: 700, deviceScaleFactor: 1, mobile: false });
    await waitDraw(page, c);
    await page.waitForFunction(() => {
      const c = document.getElementById('app').shadowRoot.getElementById('flame');
      return c.width === Math.round(c.getBoundingClientRect().width * devicePixelRatio);
    });
    d = await dims();
    assert.ok(d.css < 900 && d.css > 800, `canvas ${d.css}px wide in a 900px window`);
    await page.screenshot({ path: path.join(process.env.SCREENSHOT_DIR || '/tmp', 'gopherlens-narrow.png') });
    await cdp.send('Emulation.clearDeviceMetricsOverride');
    await cdp.detach();
  });
});
