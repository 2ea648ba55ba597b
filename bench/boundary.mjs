// How results other than layouts should cross the wasm boundary: JSON
// text parsed by www/core/json.js's parseExact (what the worker did before;
// now only the fallback for results with integers beyond 2^53), against JS
// values built by serde-wasm-bindgen, with its default (Numbers; an error
// beyond 2^53: what the core does now, src/wasm.rs to_js) and with its
// large-number option (every 64-bit integer a BigInt). The biggest results the page asks for:
// a full top table and a 300-site maps result. Each result is computed
// once; only the crossing is timed (median of --runs). Run by
// bench/boundary.sh, which builds the core with feature boundary-bench.
//
//   node bench/boundary.mjs PKG_DIR FILE... [--runs N]

import fs from 'node:fs';
import path from 'node:path';
import { parseExact } from '../www/core/json.js';

const args = process.argv.slice(2);
const runsAt = args.indexOf('--runs');
const runs = runsAt >= 0 ? Number(args.splice(runsAt, 2)[1]) : 15;
const [pkg, ...files] = args;
const glue = await import(path.resolve(pkg, 'gopherlens.js'));
await glue.default({ module_or_path: fs.readFileSync(path.resolve(pkg, 'gopherlens_bg.wasm')) });

function open(file) {
  const bytes = fs.readFileSync(file);
  const l = new glue.WasmLoader(bytes.length, 1024);
  if (bytes.length >= 18) l.set_tail(bytes.subarray(bytes.length - 4));
  l.push(bytes);
  return l.finish(path.basename(file), undefined);
}

function median(f) {
  const ts = [];
  let out;
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    out = f();
    ts.push(performance.now() - t0);
  }
  ts.sort((a, b) => a - b);
  return { ms: ts[Math.floor(ts.length / 2)], out };
}

const rows = [];
for (const file of files) {
  const s = open(file);
  const b = new glue.BoundaryBench();
  const cases = [['top (every row)', () => b.load_top(s, undefined), 'top']];
  cases.push(['maps (300 sites)', () => b.load_maps(s, 300), 'maps']);
  for (const [what, load, k] of cases) {
    let n;
    try { n = load(); } catch (e) { console.log(`${path.basename(file)} ${what}: ${e.message || e}`); continue; }
    const json = median(() => parseExact(b[`${k}_json`]()));
    const text = b[`${k}_json`]();
    const plain = median(() => { try { return b[`${k}_value`](false); } catch (e) { return e; } });
    const big = median(() => b[`${k}_value`](true));
    // The same object either way (the default may refuse a big integer).
    const same = plain.out instanceof Error ? `refused: ${plain.out.message}` :
      JSON.stringify(plain.out) === JSON.stringify(json.out) ? 'equal' : 'DIFFERENT';
    rows.push({ file: path.basename(file), what, n, kb: Math.round(text.length / 1024), json: json.ms, plain: plain.ms, big: big.ms, same });
  }
  b.free();
  s.free();
}
const f = (x) => x.toFixed(2).padStart(9);
console.log(`median of ${runs} runs, ms; ratio = serde-wasm-bindgen / JSON+parseExact`);
console.log('file                         result             items   JSON KiB  JSON+parse  swb        swb(BigInt)  ratio  ratio(BigInt)  objects');
for (const r of rows) {
  console.log(`${r.file.padEnd(28)} ${r.what.padEnd(18)} ${String(r.n).padStart(6)} ${String(r.kb).padStart(9)} ${f(r.json)}  ${f(r.plain)}  ${f(r.big)}  ${(r.plain / r.json).toFixed(2).padStart(5)}  ${(r.big / r.json).toFixed(2).padStart(12)}  ${r.same}`);
}
