// The flame tab's views (README "Views"): icicle, flame, inverted and
// sandwich draw, agree with the top table (which equals go tool pprof -top:
// the committed oracle), the fragment keeps view, left-heavy and the
// sandwich's function across a reload, and the keyboard moves, zooms and
// resets in them.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fixture, expected, waitDraw, waitTable, counters, hooks, tableRows, canvasPixels, browserSuite, shadow, openAndDraw } from './harness.mjs';

const { withPage } = browserSuite();

/** Clicks a view button and waits for the view's draw. */
async function pick(page, mode) {
  const c = await counters(page);
  await page.click(`#view-modes button[data-mode="${mode}"]`);
  await page.waitForFunction((mode) => document.documentElement.dataset.flameView === mode, mode, { timeout: 20000 });
  return waitDraw(page, c);
}

test('icicle, flame, inverted and sandwich draw and agree with the top table', { timeout: 120000 }, async () => {
  await withPage(async ({ page }) => {
    const heap = fixture('heap');
    await openAndDraw(page, heap.file);
    const oracle = expected(heap.file, 'top.inuse_space.json');
    assert.deepEqual(await tableRows(page), oracle.rows.slice(0, 500), 'the table is pprof\'s');
    const icicle = Number((await hooks(page)).flameNodes);

    // Flame: the same layout drawn flipped (the root row at the bottom).
    let d = await pick(page, 'flame');
    assert.ok(Number(d.flameNodes) > 1);
    const rootRow = await shadow(page, (root) => {
      const c = root.getElementById('flame');
      const ctx = c.getContext('2d');
      const row = (y) => Array.from(ctx.getImageData(0, y, c.width, 1).data);
      const grey = (px) => px.filter((_, i) => i % 4 === 0).filter((r, i, a) => r === 0xc9).length; // COLOR_ROOT #c9ced6
      return { top: grey(row(9)), bottom: grey(row(c.height - 10)) };
    });
    assert.ok(rootRow.bottom > rootRow.top, `flame: the root is drawn at the bottom (${JSON.stringify(rootRow)})`);

    // Inverted: its roots are the functions' flat values, as in the table.
    d = await pick(page, 'inverted');
    assert.ok(Number(d.flameNodes) > 1);
    assert.ok((await canvasPixels(page)).ink > 0);
    const inverted = await page.evaluate(async (b64) => {
      const { open } = await import('/gopherlens.js');
      const s = await open(Uint8Array.from(atob(b64), (ch) => ch.charCodeAt(0)), { name: 'heap' });
      try {
        const L = await s.layout({ kind: 'inverted', sampleIndex: 'inuse_space' });
        const { names } = await s.functions();
        const out = {};
        for (let i = 0; i < L.node.length; i++) if (L.depth[i] === 1) out[names[L.func[i]]] = L.total[i];
        return out;
      } finally { s.close(); }
    }, (await import('node:fs')).readFileSync(heap.file).toString('base64'));
    const flat = Object.fromEntries(oracle.rows.filter((r) => r.flat !== 0).map((r) => [r.name, r.flat]));
    assert.deepEqual(inverted, flat, 'the inverted roots are the table\'s flat column');
    // The table shows the whole profile there.
    assert.equal((await hooks(page)).tableRoot, '0');

    // Sandwich: of the table's first row by default; a click on a row picks
    // another; the header's flat and cum are that row's.
    d = await pick(page, 'sandwich');
    assert.ok(Number(d.flameNodes) > 0, 'callees drawn');
    await page.waitForFunction(() => Number(document.documentElement.dataset.callersNodes) > 0);
    let head = await shadow(page, (root) => ({ ...root.getElementById('sandwich-head').dataset, hidden: root.getElementById('sandwich-head').hidden }));
    assert.equal(head.hidden, false);
    assert.equal(head.func, oracle.rows[0].name);
    assert.equal(Number(head.flat), oracle.rows[0].flat);
    assert.equal(Number(head.cum), oracle.rows[0].cum);
    // A row with callers and callees (cum > flat > … a function in the middle).
    const mid = oracle.rows.find((r) => r.cum > r.flat && r.name.startsWith('main.')) || oracle.rows[1];
    const c = await counters(page);
    await page.click(`#top-table tbody tr[data-name="${mid.name}"]`);
    await waitDraw(page, c);
    await page.waitForFunction((n) => document.documentElement.dataset.sandwichFunc === n, mid.name);
    head = await shadow(page, (root) => ({ ...root.getElementById('sandwich-head').dataset }));
    assert.deepEqual([head.func, Number(head.flat), Number(head.cum)], [mid.name, mid.flat, mid.cum], 'the header is the table row');
    assert.match(new URL(page.url()).hash, /view=sandwich/);
    assert.match(decodeURIComponent(new URL(page.url()).hash), new RegExp(`sw=${mid.name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));

    // Back to the icicle: the same layout as at first (the row picked
    // stays selected, highlighted in it).
    d = await pick(page, 'icicle');
    assert.equal(Number(d.flameNodes), icicle);
    assert.equal(d.selected, mid.name);
    assert.doesNotMatch(new URL(page.url()).hash, /view=/, 'the default view has no key (the sandwich function is remembered)');
  });
});

test('the fragment restores view, left-heavy and the sandwich function after a reload', { timeout: 120000 }, async () => {
  await withPage(async ({ page }) => {
    const cpu = fixture('cpu');
    const st = expected(cpu.file, 'info.json').default_sample_type;
    const oracle = expected(cpu.file, `top.${st}.json`);
    const fn = oracle.rows.find((r) => r.cum > 0 && r.flat > 0) || oracle.rows[0];
    await openAndDraw(page, cpu.file);
    let c = await counters(page);
    await page.click('#left-heavy');
    await waitDraw(page, c);
    assert.equal((await hooks(page)).leftHeavy, '0');
    assert.equal(new URL(page.url()).hash, '#lh=0');
    // A pasted link: the sandwich of one function, by name.
    await page.evaluate((name) => { location.hash = `view=sandwich&lh=0&sw=${encodeURIComponent(name)}`; }, fn.name);
    await page.waitForFunction((n) => document.documentElement.dataset.sandwichFunc === n && document.documentElement.dataset.flameView === 'sandwich', fn.name);
    await page.reload();
    await page.waitForFunction(() => document.documentElement.dataset.ready === '1');
    await openAndDraw(page, cpu.file);
    const h = await hooks(page);
    assert.equal(h.flameView, 'sandwich');
    assert.equal(h.leftHeavy, '0');
    assert.equal(h.sandwichFunc, fn.name);
    assert.equal(await page.isChecked('#left-heavy'), false);
    assert.equal(await page.getAttribute('#view-modes button[data-mode="sandwich"]', 'aria-pressed'), 'true');
    const head = await shadow(page, (root) => ({ ...root.getElementById('sandwich-head').dataset }));
    assert.deepEqual([Number(head.flat), Number(head.cum)], [fn.flat, fn.cum], 'the restored sandwich has pprof\'s flat and cum');
    // The mount's handle sets it too.
    c = await counters(page);
    await page.evaluate(() => { location.hash = 'view=inverted'; });
    await waitDraw(page, c);
    await page.waitForFunction(() => document.documentElement.dataset.flameView === 'inverted');
    assert.ok(Number((await hooks(page)).flameNodes) > 1);
  });
});

test('keyboard in the views: / searches, arrows select (the table follows), Enter and + zoom, - and Escape zoom out', { timeout: 120000 }, async () => {
  await withPage(async ({ page }) => {
    const heap = fixture('heap');
    await openAndDraw(page, heap.file);
    await pick(page, 'inverted');
    // "/" focuses the search box.
    await page.focus('#flame');
    await page.keyboard.press('/');
    assert.equal(await shadow(page, (root) => root.activeElement && root.activeElement.id), 'search');
    await page.focus('#flame');
    await page.keyboard.press('ArrowDown'); // the cursor appears on the root
    assert.equal((await hooks(page)).flameCursor, '0');
    await page.keyboard.press('ArrowDown'); // the first leaf function
    const first = await hooks(page);
    assert.notEqual(first.flameCursor, '0', 'the cursor moved down');
    // The table highlights that function's row.
    const sel = await shadow(page, (root) => Array.from(root.querySelectorAll('#top-table tbody tr.selected'), (tr) => tr.dataset.name));
    assert.deepEqual(sel, [first.selected]);
    await page.keyboard.press('ArrowRight');
    const second = await hooks(page);
    assert.notEqual(second.flameCursor, first.flameCursor, 'right moves to the sibling');
    await page.keyboard.press('ArrowLeft');
    assert.equal((await hooks(page)).flameCursor, first.flameCursor, 'left comes back');
    let c = await counters(page);
    await page.keyboard.press('Enter');
    await waitDraw(page, c, { root: Number(first.flameCursor) });
    // The table follows the inverted zoom: the samples that end in that
    // function, so it alone has flat, pprof's flat (the oracle), and each
    // row's cum is at most that.
    await waitTable(page, c, { root: Number(first.flameCursor) });
    const oracle = expected(heap.file, 'top.inuse_space.json');
    const want = oracle.rows.find((r) => r.name === first.selected);
    const zoomed = await tableRows(page);
    assert.deepEqual(zoomed.filter((r) => r.flat !== 0).map((r) => [r.name, r.flat]), [[want.name, want.flat]], 'only the zoomed leaf has flat');
    assert.ok(zoomed.every((r) => r.cum <= want.flat) && zoomed.some((r) => r.cum === want.flat), 'cum within the zoomed samples');
    // + zooms one level further in, - one level out, Escape to the top.
    c = await counters(page);
    await page.keyboard.press('+');
    const deeper = await waitDraw(page, c);
    assert.notEqual(deeper.flameRoot, first.flameCursor, '+ zoomed in');
    c = await counters(page);
    await page.keyboard.press('-');
    await waitDraw(page, c, { root: Number(first.flameCursor) });
    c = await counters(page);
    await page.keyboard.press('Escape');
    await waitDraw(page, c, { root: 0 });
    // In the icicle too: Enter zooms the call tree, the table follows, Escape resets.
    await pick(page, 'icicle');
    await page.focus('#flame');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    const node = (await hooks(page)).flameCursor;
    c = await counters(page);
    await page.keyboard.press('Enter');
    await waitTable(page, c, { root: Number(node) });
    c = await counters(page);
    await page.keyboard.press('Escape');
    await waitTable(page, c, { root: 0 });
  });
});
