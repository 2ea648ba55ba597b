// Where the wasm core's memory goes while it opens a file: live heap bytes
// (what the allocator handed out), their peak, and the size of wasm memory
// (which never shrinks: its high-water mark is what the page pays), at the
// core's phase marks. Needs the core built with `--features memstats`:
//
//   bench/wasm-memory.sh [FILE]     (builds it into bench/out/memwasm/ and runs this)
//
// The gap between "heap" and "live" is fragmentation.

import fs from 'node:fs';
import path from 'node:path';

const [file, dir] = process.argv.slice(2);
if (!file || !dir) {
  console.error('usage: node bench/wasm-memory.mjs FILE MEMSTATS_PKG_DIR');
  process.exit(2);
}
const glue = await import(path.resolve(dir, 'gopherlens.js'));
const wasm = glue.initSync({ module: fs.readFileSync(path.resolve(dir, 'gopherlens_bg.wasm')) });
const MiB = (b) => (b / 1048576).toFixed(1).padStart(7);
const now = () => `live ${MiB(glue.mem_live())} peak ${MiB(glue.mem_peak())} heap ${MiB(wasm.memory.buffer.byteLength)}`;

const data = fs.readFileSync(file);
const t0 = performance.now();
// As the worker does: the file streamed in 1 MiB chunks into a WasmLoader.
const loader = new glue.WasmLoader(data.length, 0);
if (data.length >= 18) loader.set_tail(data.subarray(data.length - 4));
for (let i = 0; i < data.length; i += 1 << 20) loader.push(data.subarray(i, i + (1 << 20)));
console.log(`${'file pushed'.padEnd(28)} ${now()}`);
const s = loader.finish(path.basename(file), () => {});
const tOpen = performance.now() - t0;
process.stdout.write(glue.mem_marks());
console.log(`${'opened'.padEnd(28)} ${now()}`);
s.flame(undefined, 0, 0.0003);
console.log(`${'first flame layout'.padEnd(28)} ${now()}`);
s.top(undefined, 0, 0);
console.log(`${'top table'.padEnd(28)} ${now()}`);
console.log(`\nwasm memory high-water ${MiB(wasm.memory.buffer.byteLength).trim()} MiB; open took ${tOpen.toFixed(0)} ms in Node (counting allocator on)`);
