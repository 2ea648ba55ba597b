// www/core/latest.js, the one stale-answer rule of every view: only the
// newest request's answer (while valid) is current, errors included.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Latest } from '../../www/core/latest.js';

const later = (ms, v, fail = false) => new Promise((res, rej) => setTimeout(() => (fail ? rej(new Error(v)) : res(v)), ms));

test('an older answer arriving last is stale; the newest is current', async () => {
  const l = new Latest();
  const [a, b] = await Promise.all([l.ask(() => later(30, 'old')), l.ask(() => later(5, 'new'))]);
  assert.deepEqual([a.current, a.value], [false, 'old']);
  assert.deepEqual([b.current, b.ok, b.value], [true, true, 'new']);
});

test('errors are answers: stale ones are not current, the newest one is', async () => {
  const l = new Latest();
  const [a, b] = await Promise.all([l.ask(() => later(20, 'boom', true)), l.ask(() => later(5, 'x', true))]);
  assert.equal(a.current, false);
  assert.deepEqual([b.current, b.ok, b.error.message], [true, false, 'x']);
  const c = await l.ask(() => { throw new Error('sync'); });
  assert.deepEqual([c.current, c.ok, c.error.message], [true, false, 'sync']);
});

test('cancel() and valid() make an answer stale', async () => {
  const l = new Latest();
  const p = l.ask(() => later(5, 1));
  l.cancel();
  assert.equal((await p).current, false);
  let shown = 'a';
  const q = l.ask(() => later(5, 2), () => shown === 'a');
  shown = 'b';
  assert.equal((await q).current, false);
  assert.equal((await l.ask(() => 3, () => shown === 'b')).current, true);
});
