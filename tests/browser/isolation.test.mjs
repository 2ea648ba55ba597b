// A file that makes the WebAssembly core fail (here: a genuine out-of-memory
// trap, a gzip bomb of 5×10^8 empty samples opened with the inflate bound
// raised to 1 GiB) costs no other file: the worker is replaced, every open
// profile is reopened in the new one, and the page says what happened to
// the failing file only. Without the raised bound the same file is refused
// with a message saying how to raise it.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { fixture, scratchDir, counters, hooks, waitDraw, waitTable, browserSuite, canvasDigest, coreMemory } from './harness.mjs';

const { withPage } = browserSuite();

/** profile.proto: one sample type, 5.2×10^8 empty samples (1000 MiB), gzipped. */
async function emptySamplesBomb() {
  const file = path.join(scratchDir(), 'half-a-billion-samples.pb.gz');
  if (fs.existsSync(file)) return file;
  const chunk = Buffer.alloc(1 << 20);
  for (let i = 0; i < chunk.length; i += 2) chunk[i] = 0x12;
  function* parts() {
    yield Buffer.from([0x0a, 0x04, 0x08, 0x01, 0x10, 0x02, 0x32, 0x00, 0x32, 0x01, 0x73, 0x32, 0x01, 0x63]);
    for (let i = 0; i < 1000; i++) yield chunk; // 1000 MiB: under the 1 GiB cap
  }
  await pipeline(Readable.from(parts()), zlib.createGzip({ level: 6 }), fs.createWriteStream(file));
  return file;
}

async function openFile(page, file) {
  const c = await counters(page);
  await page.setInputFiles('#file-input', file);
  await waitTable(page, c);
  await waitDraw(page, c);
}

/** Shows the other sample type and back: a fresh request to the worker. */
async function redraw(page) {
  const types = await page.evaluate(() => [...document.getElementById('app').shadowRoot.querySelectorAll('#sample-type option')].map((o) => o.value));
  const shown = await page.$eval('#sample-type', (s) => s.value);
  const other = types.find((t) => t !== shown);
  let c = await counters(page);
  await page.selectOption('#sample-type', other);
  await waitDraw(page, c, { sampleType: other });
  c = await counters(page);
  await page.selectOption('#sample-type', shown);
  await waitDraw(page, c, { sampleType: shown });
}

test('a file that traps the core costs no other open file', { timeout: 300000 }, async () => {
  const bomb = await emptySamplesBomb();
  const name = path.basename(bomb);
  await withPage(async ({ page }) => {
    const heap = fixture('heap');
    const cpu = fixture('cpu');
    await openFile(page, cpu.file);
    await openFile(page, heap.file);
    const heapDrawn = await canvasDigest(page);
    // A comparison (a session made of two others, through the JS API on
    // the same worker) is rebuilt from its inputs too.
    const diffBefore = await page.evaluate(async ([a, b]) => {
      const { open, compare } = await import('/gopherlens.js');
      const bytes = (b64) => Uint8Array.from(atob(b64), (ch) => ch.charCodeAt(0));
      const [x, y] = [await open(bytes(a), { name: 'cpu' }), await open(bytes(b), { name: 'cpu again' })];
      window.__cmp = await compare([x], [y], { diff: true, normalize: true });
      return JSON.stringify(await window.__cmp.diffTop());
    }, [cpu.file, cpu.file].map((f) => fs.readFileSync(f).toString('base64')));
    await page.evaluate(() => { document.documentElement.dataset.lastError = ''; });
    await page.setInputFiles('#file-input', bomb);
    await page.waitForFunction(() => document.documentElement.dataset.lastError, null, { timeout: 120000 });
    const msg = (await hooks(page)).lastError;
    assert.ok(msg.startsWith(`${name}: the decoder failed on this file (`), msg);
    assert.ok(msg.endsWith('other open files are kept'), msg);
    // Both profiles are still listed, the heap profile still shown ...
    assert.equal((await hooks(page)).profiles, '2');
    assert.equal(await page.textContent('#profiles option:checked'), heap.name);
    assert.equal(await canvasDigest(page), heapDrawn);
    // ... and served by a new worker (its memory started afresh), which
    // draws them as before.
    await redraw(page);
    assert.equal(await canvasDigest(page), heapDrawn);
    assert.ok((await coreMemory(page)) < 256 << 20, 'the trapped core was replaced');
    assert.equal(await page.evaluate(async () => JSON.stringify(await window.__cmp.diffTop())), diffBefore, 'the comparison survives');
    await page.evaluate(() => { document.documentElement.dataset.lastError = ''; });
    const c = await counters(page);
    await page.selectOption('#profiles', { label: cpu.name });
    await waitDraw(page, c);
    await waitTable(page, c);
    assert.equal((await hooks(page)).lastError, '');
  }, { pathname: '/?maxInflate=1024', consoleErrors: false });
});

test('without a raised bound the same file is refused, saying how to raise it', { timeout: 120000 }, async () => {
  const bomb = await emptySamplesBomb();
  const name = path.basename(bomb);
  await withPage(async ({ page }) => {
    await openFile(page, fixture('heap').file);
    await page.setInputFiles('#file-input', bomb);
    await page.waitForFunction(() => document.documentElement.dataset.lastError, null, { timeout: 20000 });
    const msg = (await hooks(page)).lastError;
    assert.ok(msg.startsWith(`${name}: the gzip data inflates to more than 64 MiB`), msg);
    assert.ok(msg.includes('?maxInflate=MIB'), msg);
    assert.equal((await hooks(page)).profiles, '1');
  });
});
