// The GC tab: drop an execution trace, open the tab, and the timeline, the
// per-cycle table (equal to `gopherlens gc --json`) and the MMU chart
// appear; hovering a cycle band highlights its row and the other way round;
// a gctrace log shows the same table from the log; a corrupt trace shows an
// error and the page keeps working. session.gc() equals the CLI's JSON.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { cli, hooks, dropFiles, FIXTURES, scratchDir, browserSuite } from './harness.mjs';

const TRACE = path.join(FIXTURES, 'trace/churn/go1.26.trace');
const LOG = path.join(FIXTURES, 'trace/gc/gctrace/go1.23.gctrace');

// One server and browser for the file; each test gets a fresh page that
// must not request anything from another origin (see harness.mjs).
const { withPage } = browserSuite();

/** Waits for a GC render of `file` after `since` (a gcCounters() result); fails on a new error. */
async function waitGc(page, file, since) {
  await page.waitForFunction(({ file, since }) => {
    const d = document.documentElement.dataset;
    if ((d.lastError || '') !== since.error) return true;
    return d.gcFile === file && Number(d.gcReady || 0) > since.renders;
  }, { file, since }, { timeout: 30000 });
  const h = await hooks(page);
  if ((h.lastError || '') !== since.error) throw new Error(`the page shows an error: ${h.lastError}`);
  return h;
}

const gcRenders = async (page) => {
  const h = await hooks(page);
  return { renders: Number(h.gcReady || 0), error: h.lastError || '' };
};

/** Non-white pixels of a canvas (its backing store). */
const inked = (page, sel) => page.evaluate((sel) => {
  const c = document.getElementById('app').shadowRoot.querySelector(sel);
  if (!c) return -1;
  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  let n = 0;
  for (let i = 0; i < d.length; i += 4) if (d[i + 3] > 0 && (d[i] < 240 || d[i + 1] < 240 || d[i + 2] < 240)) n++;
  return n;
}, sel);

const rows = (page) => page.$$eval('#tab-gc .gc-table tbody tr', (trs) => trs.map((tr) => {
  const cell = {};
  for (const td of tr.querySelectorAll('td')) cell[td.dataset.col] = td.textContent;
  return { n: tr.dataset.n, selected: tr.getAttribute('aria-selected'), hover: tr.classList.contains('hover'), cell };
}));

const mb = (b) => `${(Number(b) / 1048576).toFixed(1)} MB`;

test('a trace: timeline, cycle table equal to the CLI, MMU chart, hover links band and row', async () => {
  const want = cli('gc', TRACE);
  assert.ok(want.cycles.length > 3);
  await withPage(async ({ page }) => {
    await dropFiles(page, [TRACE]);
    await page.waitForFunction(() => document.documentElement.dataset.profiles === '1' && document.documentElement.dataset.flameDraws);
    // Map runtime frames are highlighted in the trace's CPU flame graph.
    assert.ok(Number((await hooks(page)).flameMapFrames) > 0, 'map frames in the flame graph');
    assert.equal(await page.isDisabled('#tab-btn-gc'), false);
    const since = await gcRenders(page);
    await page.click('#tab-btn-gc');
    const h = await waitGc(page, 'go1.26.trace', since);
    assert.equal(h.tab, 'gc');
    assert.equal(h.gcCycles, String(want.cycles.length));
    assert.ok(await page.isVisible('#tab-gc .gc-timeline canvas'));
    assert.ok(await inked(page, '#tab-gc .gc-timeline canvas') > 1000, 'timeline drawn');
    assert.ok(await inked(page, '#tab-gc .gc-mmu canvas') > 200, 'MMU chart drawn');

    const got = await rows(page);
    assert.equal(got.length, want.cycles.length);
    for (const [i, c] of want.cycles.entries()) {
      assert.equal(got[i].n, String(c.n));
      assert.equal(got[i].cell.procs, String(c.gomaxprocs));
      assert.ok(got[i].cell.assists.startsWith(`${c.assist_count} / `), got[i].cell.assists);
      assert.equal(got[i].cell.heap, `${mb(c.heap_live_start)} → ${mb(c.heap_live_end)}`);
      assert.equal(got[i].cell.goal, mb(c.heap_goal));
    }

    // Hover the band of a cycle: its row is highlighted.
    const n = want.cycles[2].n;
    const pt = await page.evaluate((n) => document.getElementById('app').shadowRoot.querySelector('#tab-gc .gc-timeline').gcTest.bandPoint(n), n);
    assert.ok(pt, 'band position');
    await page.mouse.move(pt.x, pt.y);
    await page.waitForFunction((n) => document.documentElement.dataset.gcHover === String(n), n);
    const hovered = (await rows(page)).filter((r) => r.selected === 'true');
    assert.deepEqual(hovered.map((r) => [r.n, r.hover]), [[String(n), true]]);
    // And the other way: hovering a row marks its cycle.
    const m = want.cycles[5].n;
    await page.hover(`#tab-gc .gc-table tbody tr[data-n="${m}"]`);
    await page.waitForFunction((m) => document.documentElement.dataset.gcHover === String(m), m);

    // Drag to zoom, double-click to reset.
    const full = await page.evaluate(() => document.getElementById('app').shadowRoot.querySelector('#tab-gc .gc-timeline').gcTest.scale());
    const box = await page.locator('#tab-gc .gc-timeline .u-over').boundingBox();
    await page.mouse.move(box.x + box.width * 0.2, box.y + 20);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.4, box.y + 20, { steps: 4 });
    await page.mouse.up();
    const zoomed = await page.evaluate(() => document.getElementById('app').shadowRoot.querySelector('#tab-gc .gc-timeline').gcTest.scale());
    assert.ok(zoomed.max - zoomed.min < (full.max - full.min) * 0.5, `zoomed ${JSON.stringify(zoomed)}`);
    await page.mouse.wheel(0, 200);
    const panned = await page.evaluate(() => document.getElementById('app').shadowRoot.querySelector('#tab-gc .gc-timeline').gcTest.scale());
    assert.ok(panned.min > zoomed.min, 'wheel pans');
    await page.mouse.dblclick(box.x + box.width / 2, box.y + 20);
    const reset = await page.evaluate(() => document.getElementById('app').shadowRoot.querySelector('#tab-gc .gc-timeline').gcTest.scale());
    assert.ok(Math.abs((reset.max - reset.min) - (full.max - full.min)) < 1e-6, 'reset');
  });
});

test('session.gc() and session.timeline() in the page equal the CLI', async () => {
  const want = cli('gc', TRACE);
  await withPage(async ({ page }) => {
    const b64 = fs.readFileSync(TRACE).toString('base64');
    const got = await page.evaluate(async (b64) => {
      const { open } = await import('./gopherlens.js');
      const bin = atob(b64);
      const bytes = new Uint8Array(bin.length);
      for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
      const s = await open(bytes, { name: 'churn.trace' });
      const gc = await s.gc();
      const tl = await s.timeline();
      s.close();
      return {
        gc,
        tl: { heap: tl.heapT.length, heapIsF64: tl.heapT instanceof Float64Array, bands: Array.from(tl.cycleN), dur: tl.durationNs },
      };
    }, b64);
    assert.deepEqual(got.gc, want);
    assert.ok(got.tl.heap > 10 && got.tl.heapIsF64);
    assert.deepEqual(got.tl.bands, want.cycles.map((c) => c.n));
    assert.equal(got.tl.dur, Number(want.duration_ns));
  });
});

test('a gctrace log: the same table from the log, no MMU; bad files show errors and the page keeps working', async () => {
  const text = fs.readFileSync(LOG, 'utf8');
  const lines = text.split('\n').filter((l) => l.startsWith('gc '));
  const want = cli('gc', LOG);
  assert.equal(want.cycles.length, lines.length);
  await withPage(async ({ page }) => {
    const since = await gcRenders(page);
    await dropFiles(page, [LOG]);
    const h = await waitGc(page, 'go1.23.gctrace', since);
    // The flame graph does not apply; the GC tab is the one shown.
    assert.equal(h.tab, 'gc');
    assert.equal(await page.isDisabled('#tab-btn-flame'), true);
    assert.equal(h.gcCycles, String(lines.length));
    const got = await rows(page);
    assert.equal(got.length, lines.length);
    for (const [i, c] of want.cycles.entries()) {
      assert.equal(got[i].cell.goal, mb(c.heap_goal));
      assert.equal(got[i].cell.procs, String(c.gomaxprocs));
    }
    assert.ok((await page.textContent('#tab-gc')).includes('No MMU for a gctrace log'));
    assert.ok(await inked(page, '#tab-gc .gc-timeline canvas') > 500, 'timeline from the log');

    // A corrupt trace: an error naming the file; the log stays usable.
    const dir = scratchDir();
    const bad = path.join(dir, 'corrupt.trace');
    const good = fs.readFileSync(TRACE);
    const cut = Buffer.from(good.subarray(0, 4096));
    for (let i = 40; i < cut.length; i += 7) cut[i] ^= 0x5a;
    fs.writeFileSync(bad, cut);
    const notes = path.join(dir, 'notes.txt');
    fs.writeFileSync(notes, 'hello\nthis is not a gctrace log\n');
    await dropFiles(page, [bad]);
    await page.waitForFunction(() => (document.documentElement.dataset.lastError || '').startsWith('corrupt.trace:'));
    await page.click('#error-close');
    await dropFiles(page, [notes]);
    await page.waitForFunction(() => (document.documentElement.dataset.lastError || '').startsWith('notes.txt:'));
    assert.match((await hooks(page)).lastError, /gctrace/);
    assert.equal((await hooks(page)).profiles, '1');
    // Still working: a trace opens and its GC tab renders.
    const s2 = await gcRenders(page);
    await dropFiles(page, [TRACE]);
    await page.waitForFunction(() => document.documentElement.dataset.profiles === '2');
    if ((await hooks(page)).tab !== 'gc') await page.click('#tab-btn-gc');
    await waitGc(page, 'go1.26.trace', s2);
    assert.equal((await hooks(page)).gcCycles, String(cli('gc', TRACE).cycles.length));
  });
});
