// The Firefox Profiler's call-tree transforms in the page (README
// "Transforms"): a button applies one to the selected function, the top
// table then equals tests/fixtures/oracle_transforms.py's expected rows (the
// committed *.transforms.json), the breadcrumbs list them, the fragment
// keeps them (`tr=`) and a reload restores them; × removes one; the JS API
// takes filters.transforms.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { waitDraw, waitTable, counters, tableRows, browserSuite } from './harness.mjs';

const { withPage } = browserSuite();
const CPU = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/pprof/go1.26/cpu.pb.gz');

/** The oracle's rows {name: [flat, cum]} for these transforms (no filters), sample type cpu. */
function oracle(transforms) {
  const all = JSON.parse(fs.readFileSync(CPU.replace(/\.pb\.gz$/, '.transforms.json'), 'utf8'));
  const e = all.find((x) => JSON.stringify(x.transforms) === JSON.stringify(transforms.map((t) => ({ func: t.func, kind: t.kind })))
    && !Object.keys(x.filters).length && x.sample_type === 'cpu');
  assert.ok(e, `no oracle entry for ${JSON.stringify(transforms)}`);
  return e.rows;
}

const asRows = (rows) => Object.fromEntries(rows.filter((r) => r.flat || r.cum).map((r) => [r.name, [r.flat, r.cum]]));

async function open(page) {
  const c = await counters(page);
  await page.setInputFiles('#file-input', CPU);
  await waitTable(page, c);
  await waitDraw(page, c);
}

async function act(page, name, kind) {
  await page.click(`#top-table tbody tr[data-name="${name}"]`);
  const c = await counters(page);
  await page.click(`#transforms button[data-kind="${kind}"]`);
  await waitTable(page, c);
}

test('collapse package and merge function from the page: the table equals the oracle; the fragment keeps them; × pops', async () => {
  await withPage(async ({ page }) => {
    await open(page);
    const plain = asRows(await tableRows(page));
    assert.ok(plain['runtime.mallocgc'], 'the fixture has runtime.mallocgc');

    await act(page, 'runtime.mallocgc', 'collapse-package');
    const one = [{ kind: 'collapse-package', func: 'runtime' }];
    assert.deepEqual(asRows(await tableRows(page)), oracle(one));
    assert.notDeepEqual(oracle(one), plain, 'the transform changes the table');

    await act(page, 'main.until', 'merge-function');
    const two = [...one, { kind: 'merge-function', func: 'main.until' }];
    assert.deepEqual(asRows(await tableRows(page)), oracle(two));
    const hash = new URL(page.url()).hash;
    assert.match(hash, /(^#|&)tr=/);
    assert.equal(new URLSearchParams(hash.slice(1)).get('tr'), 'cp:runtime~mf:main.until');
    const crumbs = await page.$$eval('#transforms .tr-crumb', (cs) => cs.map((c) => c.dataset.kind));
    assert.deepEqual(crumbs, ['collapse-package', 'merge-function']);

    // A reload restores them from the fragment.
    await page.reload();
    await page.waitForFunction(() => document.documentElement.dataset.ready === '1');
    await open(page);
    assert.deepEqual(asRows(await tableRows(page)), oracle(two));

    // × on the first leaves the second alone (order matters: the oracle's own entry).
    let c = await counters(page);
    await page.click('#transforms .tr-crumb[data-kind="collapse-package"] button');
    await waitTable(page, c);
    assert.equal(new URLSearchParams(new URL(page.url()).hash.slice(1)).get('tr'), 'mf:main.until');
    const mf = asRows(await tableRows(page));
    assert.equal(mf['main.until'], undefined, 'main.until is merged away');
    c = await counters(page);
    await page.click('#transforms .tr-crumb button');
    await waitTable(page, c);
    assert.deepEqual(asRows(await tableRows(page)), plain);
    assert.equal(new URL(page.url()).hash, '');
  });
});

test('a Go name with every awkward character survives the fragment; the JS API takes transforms', async () => {
  await withPage(async ({ page }) => {
    const name = 'ex.com/a~b%2ev3.(*T[x/y.Z,map[string]int]).m&#=?';
    await page.goto(page.url().replace(/#.*$/, '') + '#tr=' + encodeURIComponent(`rec:${name.replace(/%/g, '%25').replace(/~/g, '%7E')}~drec:main.fib`));
    await page.waitForFunction(() => document.documentElement.dataset.ready === '1');
    await open(page);
    const f = JSON.parse(await page.evaluate(() => document.documentElement.dataset.filters));
    assert.deepEqual(f.transforms, [{ kind: 'collapse-recursion', func: name }, { kind: 'collapse-direct-recursion', func: 'main.fib' }]);

    const transforms = [{ kind: 'collapse-recursion', func: 'main.walkTree' }];
    const bytes = fs.readFileSync(CPU).toString('base64');
    const rows = await page.evaluate(async ({ bytes, transforms }) => {
      const { open } = await import('/gopherlens.js');
      const s = await open(Uint8Array.from(atob(bytes), (c) => c.charCodeAt(0)), { name: 'cpu.pb.gz' });
      try {
        const t = await s.top({ sampleIndex: 'cpu', filters: { transforms } });
        return t.rows.map((r) => ({ name: r.name, flat: Number(r.flat), cum: Number(r.cum) }));
      } finally {
        s.close();
      }
    }, { bytes, transforms });
    assert.deepEqual(asRows(rows), oracle(transforms));
  });
});
