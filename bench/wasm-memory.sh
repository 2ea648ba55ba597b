#!/usr/bin/env bash
# Builds the wasm core with a counting allocator (--features memstats) into
# bench/out/memwasm/ and reports its memory at each phase of opening FILE
# (default: the benchmark's generated heap profile). See bench/README.md.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
file=${1:-bench/out/heap-large.pb.gz}
[ -f "$file" ] || { echo "bench/wasm-memory.sh: $file is missing (bench/run.sh generates it)" >&2; exit 2; }
cargo build --release --quiet --target wasm32-unknown-unknown --lib --features memstats --target-dir target/memstats
wasm-bindgen --target web --no-typescript --out-dir bench/out/memwasm \
  target/memstats/wasm32-unknown-unknown/release/gopherlens.wasm
node bench/wasm-memory.mjs "$file" bench/out/memwasm
