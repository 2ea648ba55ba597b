// pprof's sample filters in the page: the filter panel applies them (the
// core does, as `gopherlens top --focus …`), the top table then equals
// `go tool pprof -top` with the same flags (the committed oracle outputs of
// tests/fixtures/oracle_filters.py), the address's fragment keeps them under
// pprof's keys and a reload restores them; a bad regexp is said and
// nothing is lost; the JS API takes the same options.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { expected, waitDraw, waitTable, counters, hooks, tableRows, browserSuite } from './harness.mjs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const { withPage } = browserSuite();
const HEAP = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/pprof/go1.26/heap.pb.gz');

/** The oracle's report for these flags and sample type. */
function oracle(flags, sampleType) {
  const all = JSON.parse(fs.readFileSync(HEAP.replace(/\.pb\.gz$/, '.filters.json'), 'utf8'));
  const canon = (o) => JSON.stringify(Object.keys(o).sort().map((k) => [k, o[k]]));
  const e = all.find((x) => canon(x.flags) === canon(flags) && x.sample_type === sampleType);
  assert.ok(e, `no oracle entry for ${JSON.stringify(flags)} ${sampleType}`);
  return e;
}

async function open(page) {
  const c = await counters(page);
  await page.setInputFiles('#file-input', HEAP);
  await waitTable(page, c);
  await waitDraw(page, c);
}

async function applyFilters(page, values) {
  const c = await counters(page);
  await page.click('#filters > summary');
  for (const [k, v] of Object.entries(values)) await page.fill(`#filter-${k}`, v);
  await page.press('#filter-focus', 'Enter');
  await waitTable(page, c);
  await waitDraw(page, c);
}

test('focus and hide from the filter panel: the table equals go tool pprof -top, and the fragment keeps them', async () => {
  await withPage(async ({ page }) => {
    await open(page);
    const plain = await tableRows(page);
    assert.deepEqual(plain, expected(HEAP, 'top.inuse_space.json').rows.slice(0, 500));
    await applyFilters(page, { focus: 'main\\.' });
    const want = oracle({ focus: 'main\\.' }, 'inuse_space');
    assert.deepEqual(await tableRows(page), want.rows.slice(0, 500));
    assert.notDeepEqual(want.rows, plain, 'the filter changes the table');
    assert.equal(new URL(page.url()).hash, '#f=main%5C.');
    assert.deepEqual(JSON.parse((await hooks(page)).filters), { focus: 'main\\.' });

    // A reload restores the filters from the fragment; the same file shows the same view.
    await page.reload();
    await page.waitForFunction(() => document.documentElement.dataset.ready === '1');
    await open(page);
    assert.deepEqual(await tableRows(page), want.rows.slice(0, 500));
    assert.equal(await page.inputValue('#filter-focus'), 'main\\.');

    // Clearing brings back the whole profile and empties the fragment.
    const c = await counters(page);
    await page.click('#filter-clear');
    await waitTable(page, c);
    assert.deepEqual(await tableRows(page), plain);
    assert.equal(new URL(page.url()).hash, '');
  });
});

test('show_from and hide together, prune_from, tagfocus and tagignore, through the URL', async () => {
  await withPage(async ({ page }) => {
    await open(page);
    for (const [hash, flags] of [
      ['#sf=main%5C.&h=fmt', { show_from: 'main\\.', hide: 'fmt' }],
      ['#prunefrom=runtime%5C.', { prune_from: 'runtime\\.' }],
      ['#tf=bytes%3D1kb%3A', { tagfocus: 'bytes=1kb:' }],
      ['#ti=bytes%3D64kb%3A1mb', { tagignore: 'bytes=64kb:1mb' }],
    ]) {
      const c = await counters(page);
      await page.evaluate((h) => { location.hash = h; }, hash);
      await waitTable(page, c);
      assert.deepEqual(await tableRows(page), oracle(flags, 'inuse_space').rows.slice(0, 500), hash);
    }
  });
});

test('a bad regexp is said, the page keeps working', async () => {
  await withPage(async ({ page }) => {
    await open(page);
    const plain = await tableRows(page);
    await page.click('#filters > summary');
    await page.fill('#filter-focus', 'main.(');
    await page.press('#filter-focus', 'Enter');
    await page.waitForFunction(() => /parsing focus regexp/.test(
      document.getElementById('app').shadowRoot.getElementById('filter-note').textContent +
      (document.documentElement.dataset.lastError || '')));
    const c = await counters(page);
    await page.click('#filter-clear');
    await waitTable(page, c);
    assert.deepEqual(await tableRows(page), plain);
  });
});

test('session.top() and session.filterMatches() take the same filters, and a granularity', async () => {
  await withPage(async ({ page }) => {
    const b64 = fs.readFileSync(HEAP).toString('base64');
    const got = await page.evaluate(async (b64) => {
      const { open } = await import('./gopherlens.js');
      const bin = atob(b64);
      const bytes = new Uint8Array(bin.length);
      for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
      const s = await open(bytes, { name: 'heap.pb.gz' });
      const top = await s.top({ sampleIndex: 'alloc_space', filters: { ignore: 'main\\.main', hide: 'sync' } });
      const none = await s.filterMatches({ show_from: 'no such function' });
      const lines = await s.top({ sampleIndex: 'alloc_space', granularity: 'lines', filters: { focus: 'main\\.' } });
      const plain = await s.top({ sampleIndex: 'alloc_space' });
      s.close();
      return { top, none, plainTotal: plain.total, lines };
    }, b64);
    const want = oracle({ ignore: 'main\\.main', hide: 'sync' }, 'alloc_space');
    assert.deepEqual(got.top.rows, want.rows);
    assert.equal(got.top.total, want.total);
    assert.equal(got.plainTotal, want.total, 'totals are of all samples, as pprof');
    assert.equal(got.none.show_from, false);
    const byName = (rows) => rows.map((r) => [r.name, r.flat, r.cum]).sort();
    assert.deepEqual(byName(got.lines.rows), byName(oracle({ granularity: 'lines', focus: 'main\\.' }, 'alloc_space').rows));
  });
});
