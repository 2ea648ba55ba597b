#!/usr/bin/env bash
# Results across the wasm boundary: JSON text + parseExact (the product)
# against serde-wasm-bindgen values, on the biggest results (bench/boundary.mjs).
#
#   bench/boundary.sh [FILE...] [--runs N]
#
# Builds the core with feature boundary-bench into bench/out/boundary/
# (its own target directory: the product's build is untouched). Default
# files: the two bench heap profiles (bench/run.sh writes them) and the
# committed MemProfileRate=1 heap fixture (thousands of rows).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export PATH="$HOME/.cargo/bin:$PATH"
OUT=bench/out/boundary
mkdir -p "$OUT"
cargo build --quiet --release --target wasm32-unknown-unknown --lib --features boundary-bench --target-dir "$OUT/target"
wasm-bindgen --target web --no-typescript --out-dir "$OUT/pkg" "$OUT/target/wasm32-unknown-unknown/release/gopherlens.wasm"
files=()
rest=()
for a in "$@"; do
  if [ -f "$a" ]; then files+=("$a"); else rest+=("$a"); fi
done
if [ ${#files[@]} -eq 0 ]; then
  for f in bench/out/heap-large.pb.gz bench/out/heap-lowshare.pb.gz tests/fixtures/maps/profiles/go1.26/cache/rate1/heap.pb.gz; do
    [ -f "$f" ] && files+=("$f")
  done
fi
uptime
node bench/boundary.mjs "$OUT/pkg" "${files[@]}" ${rest[@]+"${rest[@]}"} | tee "$OUT/result.txt"
