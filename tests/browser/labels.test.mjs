// The label panel under the top table lists what `gopherlens tags --json`
// gives for the same file (pprof's -tags, checked against go tool pprof
// by tests/tags.rs): every key and value with its weight. A click on a
// value sets its tagfocus through the page's filters (`tf` in the
// fragment): the table then equals `gopherlens top --tagfocus` of it, and
// the panel `tags --tagfocus`; a click on it again clears it.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { FIXTURES, cli, waitTable, counters, hooks, tableRows, openAndDraw, browserSuite } from './harness.mjs';

const { withPage } = browserSuite();

const panel = (page) => page.evaluate(() => {
  const box = document.getElementById('app').shadowRoot.getElementById('labels');
  const keys = [];
  for (const tr of box.querySelectorAll('tr')) {
    if (tr.classList.contains('label-key')) keys.push({ key: tr.dataset.key, total: Number(tr.dataset.weight), values: [] });
    else keys[keys.length - 1].values.push({ value: tr.dataset.value, weight: Number(tr.dataset.weight), focus: tr.dataset.focus ?? null, active: tr.classList.contains('active') });
  }
  return { hidden: box.hidden, keys };
});

/** The panel as the CLI's `tags --json` says it should be, the value whose focus is `active` marked. */
const fromCli = (t, active = '') => t.keys.map((k) => ({
  key: k.key, total: k.total, values: k.values.map((v) => ({ value: v.value, weight: v.weight, focus: v.focus, active: v.focus === active && active !== '' })),
}));

/** Waits until the panel shows `want` (it redraws after the filters' table). */
async function waitPanel(page, want) {
  await page.waitForFunction((want) => {
    const box = document.getElementById('app').shadowRoot.getElementById('labels');
    const rows = Array.from(box.querySelectorAll('tr.label-value'), (tr) => `${tr.dataset.key}=${tr.dataset.value}:${tr.dataset.weight}:${tr.classList.contains('active')}`);
    return !box.hidden && JSON.stringify(rows) === JSON.stringify(want);
  }, want.flatMap((k) => k.values.map((v) => `${k.key}=${v.value}:${v.weight}:${v.active}`)), { timeout: 20000 });
  return panel(page);
}

async function click(page, key, value) {
  const c = await counters(page);
  await page.evaluate(({ key, value }) => {
    const root = document.getElementById('app').shadowRoot;
    Array.from(root.querySelectorAll('#labels tr.label-value')).find((tr) => tr.dataset.key === key && tr.dataset.value === value).click();
  }, { key, value });
  await waitTable(page, c);
}

const top = (file, ...args) => cli('top', file, ...args).rows.slice(0, 500).map(({ name, flat, cum }) => ({ name, flat, cum }));

for (const [name, sampleType, key, value] of [
  ['cpu', 'cpu', 'phase', 'compute'], // string labels (pprof.Do)
  ['heap', 'inuse_space', 'bytes', '64kB'], // numeric labels (every heap sample's bytes)
]) {
  test(`the label panel is gopherlens tags, a click is tagfocus (${name})`, { timeout: 90000 }, async () => {
    const file = path.join(FIXTURES, `pprof/go1.26/${name}.pb.gz`);
    const all = cli('tags', file, '--sample-index', sampleType);
    const want = fromCli(all);
    assert.ok(want.some((k) => k.key === key && k.values.some((v) => v.value === value && v.weight !== 0)), 'fixture has the value');
    await withPage(async ({ page }) => {
      await openAndDraw(page, file);
      assert.equal((await hooks(page)).tableSampleType, sampleType);
      assert.deepEqual((await waitPanel(page, want)).keys, want);
      const plain = await tableRows(page);

      // A click keeps the value's samples: pprof's -tagfocus of its focus.
      const focus = all.keys.find((k) => k.key === key).values.find((v) => v.value === value).focus;
      assert.ok(focus, 'value has a focus');
      await click(page, key, value);
      assert.equal(JSON.parse((await hooks(page)).filters).tagfocus, focus);
      assert.equal(new URLSearchParams(new URL(page.url()).hash.slice(1)).get('tf'), focus, 'tf in the fragment');
      const focused = top(file, '--sample-index', sampleType, '--tagfocus', focus);
      assert.ok(focused.length > 0 && JSON.stringify(focused) !== JSON.stringify(plain), 'the filter changes the table');
      assert.deepEqual(await tableRows(page), focused);
      const only = fromCli(cli('tags', file, '--sample-index', sampleType, '--tagfocus', focus), focus);
      const shown = await waitPanel(page, only);
      assert.deepEqual(shown.keys, only);
      assert.deepEqual(shown.keys.find((k) => k.key === key).values.map((v) => v.value), [value]);

      // Clicking the value in force clears it.
      await click(page, key, value);
      assert.equal(JSON.parse((await hooks(page)).filters).tagfocus, undefined);
      assert.equal(new URLSearchParams(new URL(page.url()).hash.slice(1)).get('tf'), null);
      assert.deepEqual(await tableRows(page), plain);
      assert.deepEqual((await waitPanel(page, want)).keys, want);
    });
  });
}

test('session.tags() is gopherlens tags --json, with filters', { timeout: 60000 }, async () => {
  const file = path.join(FIXTURES, 'pprof/go1.26/cpu.pb.gz');
  await withPage(async ({ page }) => {
    const b64 = (await import('node:fs')).readFileSync(file).toString('base64');
    const got = await page.evaluate(async (b64) => {
      const { open } = await import('./gopherlens.js');
      const bin = atob(b64);
      const bytes = Uint8Array.from(bin, (c) => c.charCodeAt(0));
      const s = await open(bytes, { name: 'cpu.pb.gz' });
      const r = [await s.tags(), await s.tags({ sampleIndex: 'samples', filters: { tagignore: 'kind=fib' }, unit: 'ms' })];
      s.close();
      return r;
    }, b64);
    assert.deepEqual(got[0], cli('tags', file));
    assert.deepEqual(got[1], cli('tags', file, '--sample-index', 'samples', '--tagignore', 'kind=fib', '--unit', 'ms'));
  });
});

test('a profile without labels shows no label panel', { timeout: 60000 }, async () => {
  await withPage(async ({ page }) => {
    await openAndDraw(page, path.join(FIXTURES, 'pprof/go1.26/mutex.pb.gz'));
    await page.waitForFunction(() => document.getElementById('app').shadowRoot.getElementById('labels').dataset.keys === '0');
    assert.equal((await panel(page)).hidden, true);
  });
});
