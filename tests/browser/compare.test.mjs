// Comparison in the page (README "Comparing profiles"): two heap
// snapshots of one run, the later compared with the earlier as pprof's
// -diff_base. The diff table's change column and the base and current
// columns equal go tool pprof's -top of the diff and of each file (the
// committed oracles: tests/fixtures/pprof/compare.json and the files' own
// top), the flame graph is drawn in the diff colours (and the colour-blind
// palette changes them), -base and merging give pprof's totals, and the
// files compared are kept.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { FIXTURES, waitDraw, waitTable, counters, hooks, canvasDigest, browserSuite, shadow, openAndDraw } from './harness.mjs';

const { withPage } = browserSuite();
const DIR = 'maps/profiles/go1.26/cache/default';
const HEAP = path.join(FIXTURES, DIR, 'heap.pb.gz');
const SNAP = path.join(FIXTURES, DIR, 'snap1.pb.gz');
const ORACLE = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'pprof/compare.json'), 'utf8'));
const oracle = (pred) => {
  const e = ORACLE.find((x) => x.sources.length === 1 && x.sources[0] === `${DIR}/heap.pb.gz` && !x.peek &&
    Object.keys(x.flags).length === 0 && pred(x));
  assert.ok(e, 'oracle case');
  return e;
};


/** Runs the Compare form against the profile labelled `base`. */
async function compareWith(page, base, mode, normalize = false) {
  const c = await counters(page);
  const n = Number((await hooks(page)).profiles);
  await shadow(page, (root, { base, mode, normalize }) => {
    root.getElementById('compare').open = true;
    const sel = root.getElementById('compare-base');
    sel.value = Array.from(sel.options).find((o) => o.textContent === base).value;
    root.getElementById('compare-mode').value = mode;
    root.getElementById('compare-mode').dispatchEvent(new Event('change'));
    root.getElementById('compare-normalize').checked = normalize;
    root.getElementById('compare-go').click();
  }, { base, mode, normalize });
  await page.waitForFunction((n) => Number(document.documentElement.dataset.profiles) === n + 1, n, { timeout: 20000 });
  await waitTable(page, c, { sampleType: 'inuse_space' });
  return waitDraw(page, c);
}

const diffRows = (page) => shadow(page, (root) =>
  Array.from(root.querySelectorAll('#top-table tbody tr[data-name]'), (tr) => ({
    name: tr.dataset.name, delta: Number(tr.dataset.cum), flat: Number(tr.dataset.flat),
    base: Number(tr.dataset.base), current: Number(tr.dataset.current),
  })));

test('a diff of two heap profiles shows go tool pprof -diff_base\'s deltas and both files\' values', { timeout: 120000 }, async () => {
  await withPage(async ({ page }) => {
    await openAndDraw(page, SNAP);
    await openAndDraw(page, HEAP);
    const h = await compareWith(page, 'snap1.pb.gz', 'diff_base');
    assert.equal(h.diff, '1');
    assert.equal(await shadow(page, (root) => root.getElementById('top-table').dataset.columns), 'diff');
    const rows = await diffRows(page);
    const want = oracle((x) => x.diff_base.length === 1 && x.diff_base[0] === `${DIR}/snap1.pb.gz` && !x.normalize && x.sample_type === 'inuse_space');
    // Every row pprof's diff lists, with its change; the rest unchanged.
    const byName = new Map(rows.map((r) => [r.name, r]));
    for (const w of want.rows) {
      const r = byName.get(w.name);
      assert.ok(r, `row ${w.name}`);
      assert.deepEqual([r.flat, r.delta], [w.flat, w.cum], `${w.name}: change of flat and cum`);
    }
    const listed = new Set(want.rows.map((w) => w.name));
    for (const r of rows) if (!listed.has(r.name)) assert.equal(r.delta, 0, `${r.name}: pprof lists no change`);
    // Base and current are each file's own cum (pprof -top of that file).
    const own = (file) => {
      const e = ORACLE.find((x) => x.sources.length === 1 && x.sources[0] === `${DIR}/${file}` && !x.base.length &&
        !x.diff_base.length && !x.peek && Object.keys(x.flags).length === 0 && x.sample_type === 'inuse_space' && !x.normalize);
      assert.ok(e, `oracle top of ${file}`);
      return new Map(e.rows.map((r) => [r.name, r.cum]));
    };
    const [base, cur] = [own('snap1.pb.gz'), own('heap.pb.gz')];
    for (const r of rows) {
      assert.equal(r.base, base.get(r.name) ?? 0, `${r.name}: base`);
      assert.equal(r.current, cur.get(r.name) ?? 0, `${r.name}: current`);
    }
    // The flame graph is a diff: its layout carries the base, and the
    // palette option redraws it in other colours.
    const before = await canvasDigest(page);
    const c = await counters(page);
    await shadow(page, (root) => {
      const s = root.getElementById('diff-palette');
      s.value = 'orange-blue';
      s.dispatchEvent(new Event('change'));
    });
    await waitDraw(page, c);
    assert.notEqual(await canvasDigest(page), before, 'the colour-blind palette changes the drawing');
    assert.equal((await hooks(page)).diffPalette, 'orange-blue');
    assert.equal(await shadow(page, (root) => root.getElementById('diff-bar').hidden), false, 'legend shown');
    // The files compared are still there, unchanged.
    assert.equal((await hooks(page)).profiles, '3');
  });
});

test('-base and merging in the page give pprof\'s tables', { timeout: 120000 }, async () => {
  await withPage(async ({ page }) => {
    const SNAP2 = path.join(FIXTURES, DIR, 'snap2.pb.gz');
    await openAndDraw(page, SNAP);
    await openAndDraw(page, SNAP2);
    await openAndDraw(page, HEAP);
    const rowsNow = () => shadow(page, (root) => Array.from(root.querySelectorAll('#top-table tbody tr[data-name]'),
      (tr) => ({ name: tr.dataset.name, flat: Number(tr.dataset.flat), cum: Number(tr.dataset.cum) })));
    const table = (e) => e.rows.map(({ name, flat, cum }) => ({ name, flat, cum }));
    await compareWith(page, 'snap2.pb.gz', 'base', true);
    const want = oracle((x) => x.base.length === 1 && x.base[0] === `${DIR}/snap2.pb.gz` && x.normalize && x.sample_type === 'inuse_space');
    assert.equal((await hooks(page)).diff, '0');
    assert.deepEqual((await rowsNow()).filter((r) => r.flat !== 0 || r.cum !== 0), table(want), '-base -normalize');
    // Back to the heap profile: merge it with both snapshots, one at a
    // time (merging is one profile plus another, as often as needed).
    const c = await counters(page);
    await shadow(page, (root) => {
      const s = root.getElementById('profiles');
      s.value = Array.from(s.options).find((o) => o.textContent === 'heap.pb.gz').value;
      s.dispatchEvent(new Event('change'));
    });
    await waitTable(page, c);
    await compareWith(page, 'snap1.pb.gz', 'merge');
    await compareWith(page, 'snap2.pb.gz', 'merge');
    const all = ORACLE.find((x) => x.sources.length === 3 && x.sources.every((f) => f.startsWith(DIR)) && !x.base.length &&
      !x.diff_base.length && !x.peek && Object.keys(x.flags).length === 0 && x.sample_type === 'inuse_space');
    assert.ok(all, 'oracle merge case');
    assert.deepEqual(await rowsNow(), table(all), 'three heap profiles merged');
    assert.equal((await hooks(page)).profiles, '6');
  });
});

test('the sample type lives in the fragment (si, pprof\'s -sample_index)', { timeout: 60000 }, async () => {
  await withPage(async ({ page }) => {
    await openAndDraw(page, HEAP);
    assert.equal((await hooks(page)).tableSampleType, 'inuse_space', 'pprof\'s default');
    const c = await counters(page);
    await shadow(page, (root) => {
      const s = root.getElementById('sample-type');
      s.value = 'alloc_objects';
      s.dispatchEvent(new Event('change'));
    });
    await waitTable(page, c, { sampleType: 'alloc_objects' });
    assert.match(await page.evaluate(() => location.hash), /(^#|&)si=alloc_objects(&|$)/);
    // A reload with that address opens the file at that sample type.
    await page.reload();
    await page.waitForFunction(() => document.documentElement.dataset.ready === '1');
    await openAndDraw(page, HEAP);
    assert.equal((await hooks(page)).tableSampleType, 'alloc_objects');
  });
});
