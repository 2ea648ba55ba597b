// Issue 9's catalogue of bad files, dropped one by one on a page that holds
// a good heap profile: an empty file, a PNG, JSON, an HTML page, a
// truncation of every fixture at every 10 % of its length, random bytes
// behind a gzip header, a gzip whose trailer lies, a zip bomb (1 GiB of
// zeros), a 1 GiB sparse file, the deep-stack files, a pprof with 10^7
// empty samples, a trace with 10^6 goroutines. Each must give, within 10 s,
// the message the CLI gives naming the file (or open, if the CLI opens it);
// the WebAssembly core may grow by at most 64 MiB + 16 × the file's size;
// the renderer's peak memory stays under 700 MB; and afterwards the first
// profile is still listed and draws the same flame graph.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import {
  FIXTURES, CLI, fixture, fixtureProfiles, scratchDir, counters, hooks, waitDraw, waitTable, browserSuite,
  rendererPeaks, canvasDigest, coreMemory } from './harness.mjs';

const { withPage, userDataDir } = browserSuite();
const MiB = 1 << 20;

/** `gopherlens info FILE`: null if it opens, else its message. */
function cliVerdict(file) {
  try {
    execFileSync(CLI, ['info', file], { stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 << 20 });
    return null;
  } catch (e) {
    const first = String(e.stderr).split('\n')[0];
    const prefix = `gopherlens: ${file}: `;
    if (!first.startsWith(prefix)) throw new Error(`unexpected CLI output for ${file}: ${first}`);
    return first.slice(prefix.length);
  }
}

/** Writes `chunks()` (an iterable of Buffers) gzipped to `file`. */
async function gzipTo(file, chunks) {
  await pipeline(Readable.from(chunks()), zlib.createGzip({ level: 6 }), fs.createWriteStream(file));
}

/** The catalogue, as files in a scratch directory: [{file, name}]. */
async function catalogue() {
  const dir = path.join(scratchDir(), 'catalogue');
  fs.mkdirSync(dir, { recursive: true });
  const out = [];
  const put = (name, bytes) => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, bytes);
    out.push({ file, name });
  };
  put('empty.pb.gz', Buffer.alloc(0));
  put('screenshot.png', fs.readFileSync(path.join(FIXTURES, 'bad/image.png')));
  put('profile.json', fs.readFileSync(path.join(FIXTURES, 'bad/json-document')));
  put('index.html', Buffer.from('<!DOCTYPE html>\n<html><head><title>pprof</title></head><body>Not Found</body></html>\n'));
  // Truncations: every pprof fixture, every trace of trace/churn, every
  // gctrace log, and a Go executable.
  const whole = [
    ...fixtureProfiles().map((p) => ({ file: p.file, name: `${p.version}-${p.name}` })),
    ...fs.readdirSync(path.join(FIXTURES, 'trace/churn')).filter((f) => f.endsWith('.trace'))
      .map((f) => ({ file: path.join(FIXTURES, 'trace/churn', f), name: f })),
    ...fs.readdirSync(path.join(FIXTURES, 'trace/gc/gctrace')).filter((f) => f.endsWith('.gctrace'))
      .map((f) => ({ file: path.join(FIXTURES, 'trace/gc/gctrace', f), name: f })),
    { file: path.join(FIXTURES, 'maps/profiles/go1.26/closures/program.gz'), name: 'closures-program.gz' },
  ];
  assert.ok(whole.length > 50, `${whole.length} fixtures`);
  for (const { file, name } of whole) {
    const data = fs.readFileSync(file);
    for (let tenth = 0; tenth < 10; tenth++) {
      put(`cut${tenth}0-${name}`, data.subarray(0, Math.floor((data.length * tenth) / 10)));
    }
  }
  const bombs = path.join(FIXTURES, 'bombs');
  for (const name of ['random-after-header.gz', 'lying-trailer.pb.gz', 'deep-20k.pb', 'deep-100k.pb']) {
    put(name, fs.readFileSync(path.join(bombs, name)));
  }
  // A zip bomb: 1 GiB of zeros.
  const zeros = Buffer.alloc(MiB);
  const bomb = path.join(dir, 'zeros-1GiB.gz');
  await gzipTo(bomb, function* () { for (let i = 0; i < 1024; i++) yield zeros; });
  out.push({ file: bomb, name: 'zeros-1GiB.gz' });
  // A 1 GiB sparse file.
  const sparse = path.join(dir, 'sparse-1GiB.bin');
  fs.writeFileSync(sparse, '');
  fs.truncateSync(sparse, 1 << 30);
  out.push({ file: sparse, name: 'sparse-1GiB.bin' });
  // 10^7 empty samples (as tests/memory_bounds.rs builds it).
  const n = 10_000_000;
  const pb = Buffer.alloc(6 + 2 * n + 16);
  pb.set([0x0a, 0x04, 0x08, 0x01, 0x10, 0x02]);
  for (let i = 0; i < n; i++) pb[6 + 2 * i] = 0x12;
  let at = 6 + 2 * n;
  for (const s of ['', 'samples', 'count']) {
    pb[at++] = 0x32;
    pb[at++] = s.length;
    at += pb.write(s, at, 'latin1');
  }
  put('empty-samples-1e7.pb', pb.subarray(0, at));
  // 10^6 goroutines, all alive (tests/fixtures/trace/manyg).
  put('goroutines-1e6.trace', zlib.brotliDecompressSync(fs.readFileSync(path.join(FIXTURES, 'trace/manyg/go1.26-1m.trace.br'))));
  return out;
}

test('every file of the catalogue fails clearly or opens, and the first profile is intact', { timeout: 1800000 }, async () => {
  const files = await catalogue();
  await withPage(async ({ page }) => {
    const heap = fixture('heap');
    let c = await counters(page);
    await page.setInputFiles('#file-input', heap.file);
    await waitTable(page, c);
    await waitDraw(page, c);
    const drawn = await canvasDigest(page);
    const slowest = { ms: 0, name: '' };
    let opened = 0;
    for (const { file, name } of files) {
      const size = fs.statSync(file).size;
      const want = cliVerdict(file);
      const memBefore = await coreMemory(page);
      await page.evaluate(() => { document.documentElement.dataset.lastError = ''; });
      const drawsBefore = await counters(page);
      const t0 = Date.now();
      await page.setInputFiles('#file-input', file);
      const h = await page.waitForFunction(() => {
        const d = document.documentElement.dataset;
        if (d.lastError) return { error: d.lastError };
        return d.profiles === '2' ? { opened: true } : false;
      }, null, { timeout: 10000, polling: 20 }).then((r) => r.jsonValue()).catch(() => null);
      const ms = Date.now() - t0;
      assert.ok(h, `${name}: neither a message nor a profile within 10 s`);
      if (ms > slowest.ms) Object.assign(slowest, { ms, name });
      if (want === null) {
        assert.ok(h.opened, `${name}: the CLI opens it, the page says ${h.error}`);
        opened++;
        if (name === 'deep-100k.pb') {
          // 100,001 rows: the panel scrolls to the last ones, which are drawn
          // (once the file's first flame graph is: the profile list shows it
          // as soon as it is open, before its first layout).
          await waitDraw(page, drawsBefore);
          const bottom = await page.evaluate(async () => {
            const wrap = document.getElementById('app').shadowRoot.getElementById('flame-wrap');
            wrap.scrollTop = wrap.scrollHeight;
            await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
            const c = document.getElementById('app').shadowRoot.getElementById('flame');
            const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
            let ink = 0;
            for (let i = 0; i < d.length; i += 4) if (d[i] !== 255 || d[i + 1] !== 255 || d[i + 2] !== 255) ink++;
            return { scrollHeight: wrap.scrollHeight, canvasHeight: c.height, ink };
          });
          assert.ok(bottom.scrollHeight > 1_800_000 && bottom.canvasHeight < 2000 && bottom.ink > 1000, JSON.stringify(bottom));
          // Hovering a box there outlines that very box.
          const r = await page.locator('#flame').boundingBox();
          await page.mouse.move(r.x + 100, r.y + 50);
          await page.waitForSelector('#flame-hover:not([hidden])');
          const o = await page.locator('#flame-hover').boundingBox();
          assert.ok(o.y <= r.y + 50 && r.y + 50 <= o.y + o.height + 1, `outline ${JSON.stringify(o)} not under the pointer at ${r.y + 50}`);
        }
        await page.click('#close-profile');
        await page.waitForFunction(() => document.documentElement.dataset.profiles === '1');
      } else {
        assert.equal(h.error, `${name}: ${want}`, `${name}: the message`);
        assert.equal(await page.textContent('#error-text'), `${name}: ${want}`);
      }
      assert.equal((await hooks(page)).profiles, '1', `after ${name}`);
      assert.equal(await page.textContent('#profiles option:checked'), heap.name, `after ${name}`);
      if (process.env.CATALOGUE_TRACE) {
        const hwm = Math.max(...rendererPeaks(userDataDir()).map((p) => p.hwm));
        console.log(`${name}: ${ms} ms, renderer peak ${(hwm / MiB).toFixed(0)} MiB, core ${((await coreMemory(page)) / MiB).toFixed(0)} MiB`);
      }
      const grown = (await coreMemory(page)) - memBefore;
      assert.ok(grown <= 64 * MiB + 16 * size, `${name}: the core grew by ${grown} bytes for ${size} bytes`);
      if (name.startsWith('deep-')) {
        // The bound for the deep-stack files, on the whole core.
        const held = await coreMemory(page);
        assert.ok(held <= 64 * MiB + 16 * size, `${name}: the core holds ${held} bytes for ${size} bytes`);
      }
    }
    // The first profile draws the same flame graph, now and after a redraw.
    await page.waitForFunction(() => document.documentElement.dataset.profiles === '1');
    const types = await page.evaluate(() => [...document.getElementById('app').shadowRoot.querySelectorAll('#sample-type option')].map((o) => o.value));
    const shown = await page.$eval('#sample-type', (s) => s.value);
    c = await counters(page);
    await page.selectOption('#sample-type', types.find((t) => t !== shown));
    await waitDraw(page, c, { sampleType: types.find((t) => t !== shown) });
    c = await counters(page);
    await page.selectOption('#sample-type', shown);
    await waitDraw(page, c, { sampleType: shown });
    assert.equal(await canvasDigest(page), drawn, 'the first profile draws as before');
    const peaks = rendererPeaks(userDataDir());
    const peak = Math.max(...peaks.map((p) => p.hwm));
    console.log(`catalogue: ${files.length} files (${opened} open), slowest ${slowest.ms} ms (${slowest.name}), ` +
      `renderer peak ${(peak / MiB).toFixed(0)} MiB, core ${((await coreMemory(page)) / MiB).toFixed(0)} MiB`);
    assert.ok(peak < 700e6, `renderer peak ${peak} bytes`);
  });
});
