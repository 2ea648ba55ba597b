// The Maps tab and session.maps() in a real browser, against the CLI's
// `gopherlens maps ... --json` (whose analysis tests/maps.rs checks against
// the ground truth of tests/fixtures/maps/truth): open a heap profile and
// the CPU profile of the same run, the table rows and findings are the
// CLI's, a click on a row focuses the flame graph, the exports equal the
// API's result, and nothing leaves the page's origin.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { parseExact } from '../../www/core/json.js';
import { cli, FIXTURES, hooks, canvasPixels, browserSuite } from './harness.mjs';

const SELECTED_RGB = [0x3f, 0x8f, 0xf0];
/** What the page asks the core for (www/maps.js MAPS_LIMIT, MAPS_PATHS, map sites first). */
const PAGE_OPTS = ['--limit', '300', '--paths', '3', '--maps-first'];
const PROFILES = path.join(FIXTURES, 'maps/profiles');
/** A Swiss-table release and a classic-map one; default rate and MemProfileRate=1. */
const RUNS = [path.join(PROFILES, 'go1.26/cache/default'), path.join(PROFILES, 'go1.22/cache/rate1')];

// One server and browser for the file; each test gets a fresh page that
// must not request anything from another origin (see harness.mjs).
const { withPage } = browserSuite();

const isMapKind = (k) => k.startsWith('map-') || k === 'sync-map';

/** pprof's unit formatting, written independently of www/base/format.js. */
function pprofBytes(v) {
  const steps = [[1, 'B'], [1024, 'kB'], [1024 ** 2, 'MB'], [1024 ** 3, 'GB'], [1024 ** 4, 'TB']];
  const a = Math.abs(v);
  let [div, name] = steps[0];
  for (const [d, n] of steps) if (a >= d) [div, name] = [d, n];
  return (v < 0 ? '-' : '') + String(Number((a / div).toFixed(2))) + name;
}

const siteFacts = (s) => ({
  function: s.function, file: s.file, line: String(s.line), kind: s.kind, evidence: s.evidence, verdict: s.verdict,
  allocObjects: String(s.alloc_objects), allocSpace: String(s.alloc_space),
  inuseObjects: String(s.inuse_objects), inuseSpace: String(s.inuse_space),
});

const domRows = (page) => page.$$eval('#maps-table tbody tr.site', (trs) => trs.map((tr) => {
  const d = tr.dataset;
  return {
    facts: {
      function: d.function, file: d.file, line: d.line, kind: d.kind, evidence: d.evidence, verdict: d.verdict,
      allocObjects: d.allocObjects, allocSpace: d.allocSpace, inuseObjects: d.inuseObjects, inuseSpace: d.inuseSpace,
    },
    inuseText: tr.querySelector('td[data-col="inuse_space"]').textContent,
    name: tr.querySelector('td.name').textContent,
  };
}));

/** Waits for a Maps render after `since` (a data-maps-renders count). */
async function waitMaps(page, since) {
  await page.waitForFunction((n) => {
    const d = document.documentElement.dataset;
    return Number(d.mapsRenders || 0) > n || d.lastError;
  }, since, { timeout: 30000 });
  const h = await hooks(page);
  if (h.lastError) throw new Error(`the page shows an error: ${h.lastError}`);
  return h;
}

const renders = async (page) => Number((await hooks(page)).mapsRenders || 0);

/** Opens `files` through the file input; the last is current; shows the Maps tab. */
async function openMaps(page, files) {
  await page.setInputFiles('#file-input', files);
  await page.waitForFunction((n) => document.documentElement.dataset.profiles === String(n) &&
    !document.getElementById('app').shadowRoot.getElementById('tab-btn-maps').disabled, files.length, { timeout: 30000 });
  const n = await renders(page);
  await page.click('#tab-btn-maps');
  return waitMaps(page, n);
}

for (const run of RUNS) {
  const heap = path.join(run, 'cpurun.heap.pb.gz');
  const cpu = path.join(run, 'cpurun.cpu.pb.gz');
  const label = path.relative(PROFILES, run);

  test(`Maps tab (${label}): rows and findings are the CLI's; sort, filter, expand; a row click focuses the flame graph`, { timeout: 120000 }, async () => {
    const want = cli('maps', heap, '--cpu', cpu, ...PAGE_OPTS);
    const plain = cli('maps', heap, '--cpu', cpu);
    const wantMaps = plain.sites.filter((s) => isMapKind(s.kind));
    assert.ok(wantMaps.length > 0, 'the fixture has map sites');
    assert.ok(wantMaps.some((s) => s.evidence === 'exact'), 'the CPU join gives exact evidence');
    // --maps-first puts every map site first, in the default order.
    const key = (f) => `${f.function} ${f.file}:${f.line}`;
    assert.deepEqual(want.sites.slice(0, wantMaps.length).map(siteFacts), wantMaps.map(siteFacts));

    await withPage(async ({ page }) => {
      const h = await openMaps(page, [cpu, heap]);
      assert.equal(h.tab, 'maps');
      // Map sites only, by default: exactly the CLI's map sites, in its order.
      let rows = await domRows(page);
      assert.equal(Number(h.mapsRows), rows.length);
      assert.deepEqual(rows.map((r) => r.facts), wantMaps.map(siteFacts));
      assert.deepEqual(rows.map((r) => r.inuseText), wantMaps.map((s) => pprofBytes(Number(s.inuse_space))));
      assert.ok(rows.some((r) => r.facts.evidence === 'exact'));
      const head = await page.textContent('.maps-head');
      assert.match(head, new RegExp(`${want.summary.sites} allocation sites, ${want.summary.map_sites} of them map sites`));
      assert.match(head, /1 profile, \d+ samples/);

      // Findings: every site's, in order, with the site's evidence.
      const findings = await page.$$eval('.maps-finding', (lis) => lis.map((li) => ({
        code: li.dataset.code, text: li.querySelector('.maps-finding-text').textContent, evidence: li.dataset.evidence,
      })));
      const wantFindings = want.sites.flatMap((s) => s.findings.map((t, i) => ({ code: s.finding_codes[i], text: t, evidence: s.evidence })));
      assert.ok(wantFindings.length > 0, 'the fixture has findings');
      assert.deepEqual(findings, wantFindings.slice(0, 200));
      assert.equal(Number(h.mapsFindings), findings.length);

      // Every site once the map-only toggle is off.
      let n = await renders(page);
      await page.uncheck('#maps-only');
      await waitMaps(page, n);
      rows = await domRows(page);
      assert.deepEqual(rows.map((r) => r.facts), want.sites.slice(0, 500).map(siteFacts));

      // Sorting by a header: alloc space, descending, then ascending.
      n = await renders(page);
      await page.click('#maps-table th[data-col="alloc_space"] button');
      await waitMaps(page, n);
      rows = await domRows(page);
      const byAlloc = [...want.sites].map((s, i) => ({ s, i }))
        .sort((a, b) => Number(b.s.alloc_space) - Number(a.s.alloc_space) || a.i - b.i).map(({ s }) => siteFacts(s));
      assert.deepEqual(rows.map((r) => r.facts), byAlloc);
      n = await renders(page);
      await page.click('#maps-table th[data-col="alloc_space"] button');
      await waitMaps(page, n);
      rows = await domRows(page);
      assert.deepEqual(rows.map((r) => Number(r.facts.allocSpace)), byAlloc.map((f) => Number(f.allocSpace)).sort((a, b) => a - b));

      // Filtering by text.
      const target = want.sites[0];
      assert.equal(key(target), key(wantMaps[0]));
      n = await renders(page);
      await page.fill('#maps-filter', `${path.basename(target.file)}:${target.line}`);
      await waitMaps(page, n);
      rows = await domRows(page);
      assert.deepEqual(rows.map((r) => key(r.facts)).sort(),
        want.sites.filter((s) => `${s.file}:${s.line}`.includes(`${path.basename(target.file)}:${target.line}`)).map(key).sort());
      const targetRow = `#maps-table tbody tr.site[data-function="${target.function}"][data-line="${target.line}"]`;

      // Expanding a row shows its call paths (and does not leave the tab).
      n = await renders(page);
      await page.click(`${targetRow} .maps-expand`);
      await waitMaps(page, n);
      const frames = await page.$$eval(`${targetRow} + tr.detail .maps-path`, (lis) => lis.map((li) => Array.from(li.querySelectorAll('ol li'), (x) => x.textContent)));
      assert.ok(target.paths.length > 0);
      assert.deepEqual(frames, target.paths.map((p) => p.frames));
      assert.equal((await hooks(page)).tab, 'maps');
      assert.equal((await hooks(page)).focus, undefined);

      // A click on the row focuses the flame graph on the site's function.
      await page.click(`${targetRow} td.name`);
      await page.waitForFunction((f) => document.documentElement.dataset.tab === 'flame' &&
        document.documentElement.dataset.focus === f, target.function, { timeout: 20000 });
      await page.waitForFunction(() => Number(document.documentElement.dataset.flameNodes || 0) > 0);
      const px = await canvasPixels(page, SELECTED_RGB);
      assert.ok(px.colour > 0, `highlighted frames of ${target.function} in the flame graph`);
      assert.equal(await page.inputValue('#search'), `^${target.function.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);
    });
  });
}

test('Maps tab: JSON and CSV exports download the API result and the table', { timeout: 90000 }, async () => {
  const [run] = RUNS;
  const heap = path.join(run, 'cpurun.heap.pb.gz');
  const cpu = path.join(run, 'cpurun.cpu.pb.gz');
  const want = cli('maps', heap, '--cpu', cpu, ...PAGE_OPTS);
  await withPage(async ({ page }) => {
    await openMaps(page, [cpu, heap]);
    // The same request through the API, in the page.
    const api = await page.evaluate(async ({ heap, cpu }) => {
      const { open } = await import('/gopherlens.js');
      const bytes = (b) => Uint8Array.from(atob(b), (c) => c.charCodeAt(0));
      const h = await open(bytes(heap), { name: 'heap' });
      const c = await open(bytes(cpu), { name: 'cpu' });
      try {
        return await h.maps({ cpu: [c], limit: 300, paths: 3, mapsFirst: true });
      } finally {
        h.close();
        c.close();
      }
    }, { heap: fs.readFileSync(heap).toString('base64'), cpu: fs.readFileSync(cpu).toString('base64') });
    assert.deepEqual(api, want);

    const [dl] = await Promise.all([page.waitForEvent('download'), page.click('#maps-export-json')]);
    assert.equal(dl.suggestedFilename(), 'cpurun.heap.maps.json');
    const json = parseExact(fs.readFileSync(await dl.path(), 'utf8'));
    assert.deepEqual(json, api);

    await page.uncheck('#maps-only');
    const [dc] = await Promise.all([page.waitForEvent('download'), page.click('#maps-export-csv')]);
    assert.equal(dc.suggestedFilename(), 'cpurun.heap.maps.csv');
    const lines = fs.readFileSync(await dc.path(), 'utf8').trimEnd().split('\n');
    const header = lines[0].split(',');
    assert.deepEqual(header.slice(0, 10), ['function', 'file', 'line', 'kind', 'evidence', 'verdict', 'alloc_objects', 'alloc_space', 'inuse_objects', 'inuse_space']);
    assert.equal(lines.length - 1, want.sites.length);
    // No field of these fixtures needs quoting in its first ten columns.
    const got = lines.slice(1).map((l) => l.split(',').slice(0, 10));
    assert.deepEqual(got, want.sites.map((s) => [s.function, s.file, String(s.line), s.kind, s.evidence, s.verdict,
      String(s.alloc_objects), String(s.alloc_space), String(s.inuse_objects), String(s.inuse_space)]));
  });
});

test('Maps tab: picked snapshots give every site a trend sparkline (as the CLI with snapshots)', { timeout: 90000 }, async () => {
  const run = RUNS[1];
  const snaps = ['snap1.pb.gz', 'snap2.pb.gz'].map((f) => path.join(run, f));
  const heap = path.join(run, 'heap.pb.gz');
  const want = cli('maps', ...snaps, heap, ...PAGE_OPTS);
  assert.equal(want.snapshots, 3);
  await withPage(async ({ page }) => {
    await openMaps(page, [...snaps, heap]);
    assert.equal(await page.$$eval('svg.maps-spark', (s) => s.length), 0);
    for (const box of await page.$$('.maps-group input[type="checkbox"]')) {
      const n = await renders(page);
      await box.check();
      await waitMaps(page, n);
    }
    await page.uncheck('#maps-only');
    const rows = await domRows(page);
    assert.deepEqual(rows.map((r) => r.facts), want.sites.slice(0, 500).map(siteFacts));
    const sparks = await page.$$eval('#maps-table tbody tr.site', (trs) => trs.map((tr) => !!tr.querySelector('svg.maps-spark polyline')));
    assert.deepEqual(sparks, want.sites.slice(0, 500).map((s) => s.trend.length > 1));
    assert.ok(sparks.some(Boolean));
    const labels = await page.$$eval('svg.maps-spark', (s) => s.map((x) => x.getAttribute('aria-label')));
    const withTrend = want.sites.filter((s) => s.trend.length > 1);
    assert.deepEqual(labels, withTrend.slice(0, labels.length).map((s) =>
      `in use per snapshot, oldest first: ${s.trend.map((t) => pprofBytes(Number(t.inuse_space))).join(' → ')}`));
  });
});

test('session.maps() equals gopherlens maps --json (CPU join, snapshots, base, options)', { timeout: 90000 }, async () => {
  await withPage(async ({ page }) => {
    for (const run of RUNS) {
      const f = (n) => path.join(run, n);
      const files = ['cpurun.heap.pb.gz', 'cpurun.cpu.pb.gz', 'snap1.pb.gz', 'snap2.pb.gz', 'heap.pb.gz'];
      const got = await page.evaluate(async (payload) => {
        const { open } = await import('/gopherlens.js');
        const s = {};
        for (const [name, b64] of Object.entries(payload)) {
          s[name] = await open(Uint8Array.from(atob(b64), (c) => c.charCodeAt(0)), { name });
        }
        const out = {};
        try {
          out.joined = await s['cpurun.heap.pb.gz'].maps({ cpu: [s['cpurun.cpu.pb.gz']] });
          out.alone = await s['cpurun.heap.pb.gz'].maps();
          out.trend = await s['heap.pb.gz'].maps({ snapshots: [s['snap1.pb.gz'], s['snap2.pb.gz']], base: s['snap1.pb.gz'],
            limit: 20, paths: 2, allPaths: true });
          out.badLimit = await s['heap.pb.gz'].maps({ limit: -1 }).then(() => 'accepted', (e) => `${e.name}: ${e.message}`);
          out.notSession = await s['heap.pb.gz'].maps({ cpu: [{}] }).then(() => 'accepted', (e) => `${e.name}: ${e.message}`);
          s['snap1.pb.gz'].close();
          out.closed = await s['heap.pb.gz'].maps({ base: s['snap1.pb.gz'] }).then(() => 'accepted', (e) => e.message);
        } finally {
          for (const x of Object.values(s)) x.close();
        }
        return out;
      }, Object.fromEntries(files.map((n) => [n, fs.readFileSync(f(n)).toString('base64')])));
      assert.deepEqual(got.joined, cli('maps', f('cpurun.heap.pb.gz'), '--cpu', f('cpurun.cpu.pb.gz')), `${run}: joined`);
      assert.deepEqual(got.alone, cli('maps', f('cpurun.heap.pb.gz')), `${run}: alone`);
      assert.deepEqual(got.trend, cli('maps', f('snap1.pb.gz'), f('snap2.pb.gz'), f('heap.pb.gz'), '--base', f('snap1.pb.gz'),
        '--limit', '20', '--paths', '2', '--all-paths'), `${run}: snapshots + base`);
      assert.ok(got.trend.sites.some((s) => s.trend.length === 3));
      assert.equal(got.badLimit, 'TypeError: maps: limit must be a whole number >= 0');
      assert.equal(got.notSession, 'TypeError: maps: cpu must be a Session');
      assert.equal(got.closed, 'snap1.pb.gz: the profile was closed');
    }
  });
});

test('Maps tab with the Go binary: every map line gets exact evidence, as gopherlens maps --binary', { timeout: 90000 }, async () => {
  // A classic-map release at MemProfileRate=1: without the binary the
  // small maps (one header, one bucket) stay unknown; with it they are map
  // sites with exact evidence, as the CLI says (and tests/maps_binary.rs
  // checks the CLI against the fixtures' ground truth).
  const run = path.join(PROFILES, 'go1.22/closures/rate1');
  const heap = path.join(run, 'heap.pb.gz');
  const program = path.join(PROFILES, 'go1.22/closures/program.gz');
  const want = cli('maps', heap, '--binary', program, ...PAGE_OPTS);
  const alone = cli('maps', heap, ...PAGE_OPTS);
  const wantMaps = want.sites.filter((s) => isMapKind(s.kind));
  assert.ok(wantMaps.length > alone.sites.filter((s) => isMapKind(s.kind)).length, 'the binary adds map sites');
  assert.ok(wantMaps.every((s) => s.evidence === 'exact'));
  await withPage(async ({ page }) => {
    await openMaps(page, [program, heap]);
    const rows = await domRows(page);
    assert.deepEqual(rows.map((r) => r.facts), wantMaps.map(siteFacts));
    const head = await page.textContent('.maps-head');
    assert.match(head, new RegExp(`1 Go binary, ${want.binary.map_calls} calls to runtime map functions`));
    // Unticking the binary gives the analysis without it.
    const n = await renders(page);
    await page.uncheck(`.maps-group input[type="checkbox"]`);
    await waitMaps(page, n);
    const without = await domRows(page);
    // (With no map site left, the table shows every site.)
    const aloneMaps = alone.sites.filter((s) => isMapKind(s.kind));
    assert.deepEqual(without.map((r) => r.facts), (aloneMaps.length ? aloneMaps : alone.sites.slice(0, 500)).map(siteFacts));
    // The API: maps({binary}) and info() of the binary.
    const api = await page.evaluate(async ({ heap, program }) => {
      const { open } = await import('/gopherlens.js');
      const bytes = (b) => Uint8Array.from(atob(b), (c) => c.charCodeAt(0));
      const h = await open(bytes(heap), { name: 'heap' });
      const b = await open(bytes(program), { name: 'program.gz' });
      try {
        return {
          maps: await h.maps({ binary: [b], limit: 300, paths: 3, mapsFirst: true }),
          info: await b.info(),
          wrong: await h.maps({ binary: [h] }).then(() => 'accepted', (e) => e.message),
        };
      } finally {
        h.close();
        b.close();
      }
    }, { heap: fs.readFileSync(heap).toString('base64'), program: fs.readFileSync(program).toString('base64') });
    assert.deepEqual(api.maps, want);
    assert.deepEqual(api.info, cli('info', program));
    assert.equal(api.info.format, 'go-binary');
    assert.match(api.wrong, /heap: unsupported executable: this is a pprof file, not a Go executable/);
  });
});

test('Binary tab: a Go executable alone lists its map calls, as gopherlens binary --json', { timeout: 60000 }, async () => {
  const program = path.join(PROFILES, 'go1.26/inlined/program.gz');
  const want = cli('binary', program);
  assert.ok(want.calls.length >= 4);
  await withPage(async ({ page }) => {
    await page.setInputFiles('#file-input', [program]);
    // No flame graph for an executable: its own tab comes up.
    await page.waitForFunction(() => document.documentElement.dataset.tab === 'binary' &&
      Number(document.documentElement.dataset.binaryRows || 0) > 0, null, { timeout: 30000 });
    assert.equal(await page.isDisabled('#tab-btn-flame'), true);
    assert.equal(await page.isDisabled('#tab-btn-maps'), true);
    const rows = await page.$$eval('#binary-table tbody tr', (trs) => trs.map((tr) => Array.from(tr.cells, (c) => c.textContent)));
    assert.deepEqual(rows, want.calls.map((c) => [c.function, `${c.file}:${c.line}`, c.callee]));
    // Inlined code is named by the inlined function.
    assert.ok(rows.some((r) => r[0] === 'main.(*registry).add'));
    await page.fill('#binary-filter', 'makemap');
    await page.waitForFunction((n) => document.documentElement.dataset.binaryRows === String(n),
      want.calls.filter((c) => `${c.function} ${c.file}:${c.line} ${c.callee}`.toLowerCase().includes('makemap')).length);
    const api = await page.evaluate(async (b64) => {
      const { open } = await import('/gopherlens.js');
      const s = await open(Uint8Array.from(atob(b64), (c) => c.charCodeAt(0)), { name: 'program.gz' });
      try {
        return await s.binary();
      } finally {
        s.close();
      }
    }, fs.readFileSync(program).toString('base64'));
    assert.deepEqual(api, want);
  });
});
