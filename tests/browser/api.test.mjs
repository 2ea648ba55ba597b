// The public JS API (www/gopherlens.js) in a real browser: the same JSON as
// the CLI's --json (and as go tool pprof, through the fixtures' expected
// JSON) for every fixture profile, flame layouts, errors, progress, and
// transfer semantics.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  startServer, fixtureProfiles, fixture, expected, cli, badInputs, cliError, WWW, counters, waitDraw, browserSuite,
} from './harness.mjs';

// Console errors are not checked here: the error tests provoke them.
const suite = browserSuite();
const withPage = (fn, server, pathname) =>
  suite.withPage(fn, { origin: server?.origin, pathname, consoleErrors: false });

const b64 = (file) => fs.readFileSync(file).toString('base64');

test('info() and top() equal the CLI --json (and go tool pprof) for every fixture profile', { timeout: 120000 }, async () => {
  const profiles = fixtureProfiles();
  await withPage(async ({ page }) => {
    let checkedTops = 0;
    for (const p of profiles) {
      const want = cli('info', p.file);
      const types = want.sample_types.map((t) => t.type);
      const got = await page.evaluate(async ({ bytes, name, types }) => {
        const { open } = await import('/gopherlens.js');
        const s = await open(Uint8Array.from(atob(bytes), (c) => c.charCodeAt(0)), { name });
        try {
          const info = await s.info();
          const tops = {};
          for (const t of types) tops[t] = await s.top({ sampleIndex: t });
          const dflt = await s.top();
          const three = await s.top({ sampleIndex: types[0], nodecount: 3 });
          return { info, tops, dflt, three };
        } finally {
          s.close();
        }
      }, { bytes: b64(p.file), name: p.name, types });
      assert.deepEqual(got.info, want, `${p.file}: info`);
      const golden = expected(p.file, 'info.json');
      if (golden) assert.deepEqual(got.info, golden, `${p.file}: info vs go tool pprof`);
      for (const t of types) {
        assert.deepEqual(got.tops[t], cli('top', p.file, '--sample-index', t), `${p.file}: top ${t}`);
        const g = expected(p.file, `top.${t}.json`);
        if (g) assert.deepEqual(got.tops[t], g, `${p.file}: top ${t} vs go tool pprof`);
        checkedTops++;
      }
      assert.deepEqual(got.dflt, cli('top', p.file), `${p.file}: top default`);
      assert.deepEqual(got.three, cli('top', p.file, '--sample-index', types[0], '--nodecount', '3'));
    }
    assert.ok(checkedTops >= profiles.length, `${checkedTops} top tables checked`);
  });
});

test('flame() returns consistent typed-array columns; matchedTotal and zoomed top agree with them', { timeout: 60000 }, async () => {
  await withPage(async ({ page }) => {
    for (const kind of ['heap', 'cpu']) {
      const f = fixture(kind);
      const r = await page.evaluate(async ({ bytes, name }) => {
        const { open } = await import('/gopherlens.js');
        const s = await open(Uint8Array.from(atob(bytes), (c) => c.charCodeAt(0)), { name });
        const info = await s.info();
        const fl = await s.flame({ minWidth: 0 });
        const cols = ['node', 'x', 'width', 'depth', 'func', 'line', 'self', 'total'];
        const kinds = Object.fromEntries(cols.map((c) => [c, fl[c].constructor.name]));
        const lens = cols.map((c) => fl[c].length);
        const n = fl.node.length;
        let bad = [];
        let depth1 = 0;
        for (let i = 0; i < n; i++) {
          if (fl.x[i] < 0 || fl.x[i] + fl.width[i] > fl.rootTotal * (1 + 1e-12)) bad.push(`x ${i}`);
          if (fl.depth[i] > fl.maxDepth) bad.push(`depth ${i}`);
          if (i > 0 && fl.width[i] !== fl.total[i]) bad.push(`width ${i}`);
          if (fl.depth[i] === 1) depth1 += fl.width[i];
        }
        const { names } = await s.functions();
        const all = new Uint8Array(names.length).fill(1);
        const none = new Uint8Array(names.length);
        const matchedAll = await s.matchedTotal({ funcMask: all });
        const matchedNone = await s.matchedTotal({ funcMask: none });
        // Zoom on the widest depth-1 node: the layout starts with the path.
        let widest = -1;
        for (let i = 0; i < n; i++) if (fl.depth[i] === 1 && (widest < 0 || fl.width[i] > fl.width[widest])) widest = i;
        const zoomNode = fl.node[widest];
        const z = await s.flame({ root: zoomNode, minWidth: 0.001 });
        const zt = await s.top({ root: zoomNode });
        const maxCum = Math.max(...zt.rows.map((row) => row.cum));
        const wide = await s.flame({ minWidth: 0.05 });
        s.close();
        let closedErr = null;
        try { await s.info(); } catch (e) { closedErr = e.message; }
        return {
          info, kinds, lens, n, bad, depth1, rootSelf: fl.self[0], rootTotal: fl.rootTotal, first: [fl.node[0], fl.depth[0], fl.func[0]],
          matchedAll, matchedNone, zoomNode, zoomFirst: Array.from(z.node.slice(0, 2)), zoomRootTotal: z.rootTotal,
          zoomTotal: fl.total[widest], maxCum, wideN: wide.node.length, closedErr,
        };
      }, { bytes: b64(f.file), name: f.name });
      const st = r.info.sample_types.find((t) => t.type === r.info.default_sample_type);
      assert.deepEqual(r.kinds, { node: 'Uint32Array', x: 'Float64Array', width: 'Float64Array', depth: 'Uint32Array',
        func: 'Uint32Array', line: 'Uint32Array', self: 'Float64Array', total: 'Float64Array' });
      assert.ok(r.lens.every((l) => l === r.n) && r.n > 1, `column lengths ${r.lens}`);
      assert.deepEqual(r.bad, []);
      assert.deepEqual(r.first, [0, 0, 0xffffffff]);
      assert.equal(r.rootTotal, st.total, `${kind}: root total is the profile total`);
      assert.equal(r.depth1 + r.rootSelf, r.rootTotal);
      assert.equal(r.matchedAll, r.rootTotal);
      assert.equal(r.matchedNone, 0);
      assert.deepEqual(r.zoomFirst, [0, r.zoomNode]);
      assert.equal(r.zoomRootTotal, r.zoomTotal);
      assert.equal(r.maxCum, r.zoomTotal, 'the zoom root is the largest cum in its subtree table');
      assert.ok(r.wideN <= r.n);
      assert.equal(r.closedErr, `${f.name}: the profile was closed`);
    }
  });
});

test('errors reject with "NAME: what is wrong", as the CLI says it', { timeout: 60000 }, async () => {
  await withPage(async ({ page }) => {
    for (const { file, name } of badInputs()) {
      const msg = await page.evaluate(async ({ bytes, name }) => {
        const { open } = await import('/gopherlens.js');
        try {
          await open(Uint8Array.from(atob(bytes), (c) => c.charCodeAt(0)), { name });
          return 'opened';
        } catch (e) {
          return e instanceof Error ? e.message : `not an Error: ${e}`;
        }
      }, { bytes: b64(file), name });
      assert.equal(msg, `${name}: ${cliError(file)}`);
    }
    const heap = fixture('heap');
    const r = await page.evaluate(async ({ bytes }) => {
      const { open } = await import('/gopherlens.js');
      const s = await open(new Blob([Uint8Array.from(atob(bytes), (c) => c.charCodeAt(0))]), { name: 'h.pb.gz' });
      const out = {};
      for (const [k, f] of [['type', () => s.top({ sampleIndex: 'no_such_type' })], ['node', () => s.flame({ root: 4e9 })]]) {
        try { await f(); out[k] = 'ok'; } catch (e) { out[k] = e.message; }
      }
      s.close();
      return out;
    }, { bytes: b64(heap.file) });
    assert.match(r.type, /^h\.pb\.gz: .*no_such_type/);
    assert.match(r.node, /^h\.pb\.gz: /);
  });
});

test('open() reports progress, transfers buffers and accepts Blobs and views', { timeout: 60000 }, async () => {
  await withPage(async ({ page }) => {
    const heap = fixture('heap');
    const r = await page.evaluate(async ({ bytes }) => {
      const { open } = await import('/gopherlens.js');
      const raw = Uint8Array.from(atob(bytes), (c) => c.charCodeAt(0));
      const events = [];
      const buf = raw.slice().buffer;
      const s1 = await open(buf, { name: 'a', onProgress: (f, phase) => events.push([f, phase]) });
      const detached = buf.byteLength;
      const kept = raw.slice().buffer;
      const s2 = await open(kept, { name: 'b', transfer: false });
      const keptLen = kept.byteLength;
      // A view into the middle of a larger buffer is copied, not detached.
      const big = new Uint8Array(raw.length + 16);
      big.set(raw, 8);
      const s3 = await open(big.subarray(8, 8 + raw.length), { name: 'c' });
      const s4 = await open(new Blob([raw]), { name: 'd' });
      const totals = [];
      for (const s of [s1, s2, s3, s4]) totals.push((await s.info()).samples);
      for (const s of [s1, s2, s3, s4]) s.close();
      return { events, detached, keptLen, bigLen: big.byteLength, totals };
    }, { bytes: b64(heap.file) });
    assert.ok(r.events.length >= 2, `progress events: ${JSON.stringify(r.events)}`);
    for (const [f, phase] of r.events) {
      assert.ok(f >= 0 && f <= 1, `fraction ${f}`);
      assert.equal(typeof phase, 'string');
    }
    assert.equal(r.events.at(-1)[0], 1);
    assert.equal(r.detached, 0, 'the ArrayBuffer was transferred (zero-copy)');
    assert.ok(r.keptLen > 0, 'transfer: false keeps the caller\'s buffer');
    assert.ok(r.bigLen > 0);
    assert.equal(new Set(r.totals).size, 1);
  });
});

test('the API and the page work when served from a sub-path', { timeout: 60000 }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gopherlens-subpath-'));
  fs.mkdirSync(path.join(dir, 'tools'));
  fs.symlinkSync(path.resolve(WWW), path.join(dir, 'tools', 'gopherlens'));
  const sub = await startServer(dir);
  try {
    await withPage(async ({ page, requests }) => {
      const heap = fixture('heap');
      const c = await counters(page);
      await page.setInputFiles('#file-input', [heap.file]);
      await waitDraw(page, c);
      const info = await page.evaluate(async ({ bytes }) => {
        const { open } = await import('./gopherlens.js');
        const s = await open(Uint8Array.from(atob(bytes), (ch) => ch.charCodeAt(0)), { name: 'x' });
        try { return await s.info(); } finally { s.close(); }
      }, { bytes: b64(heap.file) });
      assert.deepEqual(info, cli('info', heap.file));
      assert.ok(requests.some((u) => u.endsWith('/tools/gopherlens/core/worker.js')), 'worker loaded from the sub-path');
      assert.ok(requests.some((u) => u.endsWith('/tools/gopherlens/pkg/gopherlens_bg.wasm')));
    }, sub, '/tools/gopherlens/index.html');
  } finally {
    await sub.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
