// Every control is reachable by keyboard and shows where the focus is; the
// flame graph, the tab list and the table rows work from the keyboard
// alone (README "Keyboard").

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { browserSuite, fixture, counters, waitDraw, hooks } from './harness.mjs';

const { withPage } = browserSuite();

/** The element with the focus inside the UI's shadow root: {id, tag, text, outline}. */
const focused = (page) => page.evaluate(() => {
  const a = document.getElementById('app').shadowRoot.activeElement;
  if (!a) return null;
  const cs = getComputedStyle(a);
  return { id: a.id, tag: a.tagName.toLowerCase(), name: a.dataset.name || a.dataset.tab || a.textContent.trim().slice(0, 30),
    outline: cs.outlineStyle !== 'none' && parseFloat(cs.outlineWidth) > 0 };
});

test('Tab reaches every control of the flame tab, each with a visible focus ring', { timeout: 60000 }, async () => {
  await withPage(async ({ page }) => {
    const heap = fixture('heap');
    const c = await counters(page);
    await page.setInputFiles('#file-input', [heap.file]);
    await waitDraw(page, c);
    const seen = [];
    await page.evaluate(() => document.getElementById('app').shadowRoot.querySelector('.brand').focus());
    for (let i = 0; i < 40; i++) {
      await page.keyboard.press('Tab');
      const f = await focused(page);
      if (!f) break;
      seen.push(f);
      if (f.tag === 'tr') break; // the first row of the top table: everything above was passed
    }
    const ids = seen.map((f) => f.id || `${f.tag}:${f.name}`);
    for (const want of ['profiles', 'close-profile', 'search', 'tab-btn-flame', 'tab-btn-maps', 'flame']) {
      assert.ok(ids.includes(want), `Tab reaches #${want} (reached: ${ids.join(', ')})`);
    }
    assert.ok(seen.some((f) => f.tag === 'label' && /Open profiles/.test(f.name)), 'Tab reaches "Open profiles…"');
    assert.ok(seen.some((f) => f.tag === 'tr'), 'Tab reaches the top table rows');
    const unringed = seen.filter((f) => !f.outline).map((f) => f.id || `${f.tag}:${f.name}`);
    assert.deepEqual(unringed, [], 'every focused control shows a focus ring');
  });
});

test('keyboard alone: open the file picker, move and zoom in the flame graph, switch tabs, select a row', { timeout: 60000 }, async () => {
  await withPage(async ({ page }) => {
    const heap = fixture('heap');
    // Enter on "Open profiles…" opens the file picker.
    // (The listener first: Playwright intercepts file pickers only once one listens.)
    const chosen = page.waitForEvent('filechooser', { timeout: 10000 });
    await page.focus('label.button.primary');
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    await page.keyboard.press('Enter');
    const chooser = await chosen;
    const c = await counters(page);
    await chooser.setFiles([heap.file]);
    await waitDraw(page, c);
    // Arrows move a cursor frame: down from the root to its first callee, and on.
    await page.focus('#flame');
    await page.keyboard.press('ArrowDown'); // the cursor appears on the zoom root
    const atRoot = (await hooks(page)).flameCursor;
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    const h = await hooks(page);
    assert.notEqual(h.flameCursor, atRoot, 'the cursor moved');
    assert.equal(await page.evaluate(() => !document.getElementById('app').shadowRoot.getElementById('tooltip').hidden), true, 'the cursor frame shows its tooltip');
    const c2 = await counters(page);
    await page.keyboard.press('Enter');
    await waitDraw(page, c2, { root: Number(h.flameCursor) });
    assert.equal((await hooks(page)).flameRoot, h.flameCursor, 'Enter zoomed to the cursor frame');
    const c3 = await counters(page);
    await page.keyboard.press('Escape');
    await waitDraw(page, c3);
    assert.notEqual((await hooks(page)).flameRoot, h.flameCursor, 'Escape zoomed out');
    // The tab list: Right moves to the Maps tab and shows it.
    await page.focus('#tab-btn-flame');
    await page.keyboard.press('ArrowRight');
    await page.waitForFunction(() => document.documentElement.dataset.tab === 'maps');
    await page.keyboard.press('ArrowLeft');
    await page.waitForFunction(() => document.documentElement.dataset.tab === 'flame');
    // Enter on a top table row selects its function.
    await page.focus('#top-table tbody tr[data-name]');
    await page.keyboard.press('Enter');
    const selected = await page.evaluate(() => Array.from(document.getElementById('app').shadowRoot.querySelectorAll('#top-table tbody tr.selected'), (tr) => tr.dataset.name));
    assert.equal(selected.length, 1, 'Enter selected the row');
  });
});
