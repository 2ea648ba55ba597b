// An execution trace in the page: it opens (streamed through its analyses
// in the worker) with its six stack profiles as sample types, and each
// type's top table is the CLI's, whose blocking profiles tests/trace_gc.rs
// checks against `go tool trace -pprof=KIND`.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { browserSuite, cli, FIXTURES } from './harness.mjs';

const TRACE = path.join(FIXTURES, 'trace/churn/go1.26.trace');
const TYPES = ['samples', 'assist', 'sync', 'sched', 'syscall', 'net'];

const { withPage } = browserSuite();

test('a trace opens with all six stack profiles, equal to the CLI', { timeout: 60000 }, async () => {
  await withPage(async (s) => {
    const got = await s.page.evaluate(async ({ bytes, types }) => {
      const { open } = await import('/gopherlens.js');
      const t = await open(Uint8Array.from(atob(bytes), (c) => c.charCodeAt(0)), { name: 'churn.trace' });
      try {
        const info = await t.info();
        const tops = {};
        for (const ty of types) tops[ty] = await t.top({ sampleIndex: ty });
        return { info, tops };
      } finally {
        t.close();
      }
    }, { bytes: fs.readFileSync(TRACE).toString('base64'), types: TYPES });
    assert.equal(got.info.format, 'trace');
    assert.deepEqual(got.info.sample_types.map((t) => t.type ?? t.kind), TYPES);
    assert.deepEqual(got.info, cli('info', TRACE));
    for (const ty of TYPES) {
      const want = cli('top', TRACE, '--sample-index', ty);
      assert.deepEqual(got.tops[ty], want, ty);
      if (ty !== 'samples' && ty !== 'assist') {
        // The same time as the stand-alone profile (go tool trace -pprof=KIND).
        assert.equal(got.tops[ty].total, cli('top', TRACE, '--profile', ty).total, ty);
      }
      for (const r of got.tops[ty].rows) assert.ok(r.flat !== 0 || r.cum !== 0, `${ty}: empty row ${r.name}`);
    }
  });
});
