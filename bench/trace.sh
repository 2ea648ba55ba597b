#!/usr/bin/env bash
# gopherlens trace benchmark: a large Go 1.26 execution trace (bench/trace/)
# analysed natively (`gopherlens gc`, `gopherlens top --profile sched|cpu`)
# and in headless Chromium, against `go tool trace -pprof=sched`, with
# peak memory.
#
#   bench/trace.sh [--regen] [--runs N] [--no-browser] [--no-go] [--big] [FILE]
#
# --regen       rewrite bench/out/big.trace (20 s of bench/trace) even if it exists
# --runs N      native and browser runs (default 3; best time, largest memory)
# --no-browser  skip headless Chromium
# --no-go       skip `go tool trace` (about 30 s and 2.4 GB here)
# --big         also the 1 GB test: bench/out/1g.trace, written by the same
#               program run until the trace reaches 1 GiB (about 3 min; kept
#               for later runs), then `gopherlens gc` and one browser run
# FILE          measure this trace instead of bench/out/big.trace
#
# GO=/path/to/go (default /tmp/go1.26/bin/go) builds the generator and runs
# `go tool trace`. Results: the table at the end, also in
# bench/out/trace-summary.txt; raw browser figures in bench/out/browser-*.json.
# See bench/README.md.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
OUT=$ROOT/bench/out
GO=${GO:-/tmp/go1.26/bin/go}
export PATH="$HOME/.cargo/bin:$PATH"

regen=0 runs=3 browser=1 gotool=1 big=0 file=""
while [ $# -gt 0 ]; do
  case "$1" in
    --regen) regen=1 ;;
    --runs) runs=${2:?--runs needs a number}; shift ;;
    --no-browser) browser=0 ;;
    --no-go) gotool=0 ;;
    --big) big=1 ;;
    -h|--help) sed -n '2,21p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "bench/trace.sh: unknown option $1" >&2; exit 2 ;;
    *) file=$1 ;;
  esac
  shift
done
mkdir -p "$OUT"
say() { printf '\n== %s\n' "$*"; }
summary=$OUT/trace-summary.txt
: > "$summary"
row() { printf '%-58s %s\n' "$1" "$2" | tee -a "$summary"; }

cli=target/release/gopherlens
wasm=www/pkg/gopherlens_bg.wasm
if [ ! -x $cli ] || [ ! -f $wasm ] || [ -n "$(find src Cargo.toml -newer $wasm -type f 2>/dev/null | head -1)" ]; then
  say "building (./build.sh build)"
  ./build.sh build
fi

gen=$OUT/tracegen
say "building the trace generator with $("$GO" version)"
(cd bench/trace && "$GO" build -o "$gen" .)

if [ -z "$file" ]; then
  file=$OUT/big.trace
  if [ $regen = 1 ] || [ ! -f "$file" ]; then
    say "writing $file (20 s)"
    "$gen" -o "$file" -dur 20s
  fi
fi
size=$(stat -c %s "$file")
mb() { awk -v b="$1" 'BEGIN { printf "%.1f", b / 1e6 }'; }

# measure NAME CMD...: best wall time and largest max RSS of $runs runs.
measure() {
  local name=$1 n=$2; shift 2
  local best="" rss=0
  for i in $(seq "$n"); do
    /usr/bin/time -v "$@" > "$OUT/measure.out" 2> "$OUT/measure.time" || { cat "$OUT/measure.time" >&2; return 1; }
    local w r
    w=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$OUT/measure.time" \
      | awk -F: '{ s = 0; for (i = 1; i <= NF; i++) s = s * 60 + $i; print s }')
    r=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$OUT/measure.time")
    echo "  $name run $i: ${w} s, max RSS $((r / 1024)) MiB" >&2
    if [ -z "$best" ] || awk -v a="$w" -v b="$best" 'BEGIN { exit !(a < b) }'; then best=$w; fi
    [ "$r" -gt "$rss" ] && rss=$r
  done
  row "$name" "$(printf '%6.2f s   peak RSS %5d MiB (%.2f x the file)' "$best" $((rss / 1024)) "$(awk -v r="$rss" -v s="$size" 'BEGIN { print r * 1024 / s }')")"
}

say "trace: $file ($(mb "$size") MB); machine: $(nproc) cores, $(free -h | awk '/^Mem:/ {print $2}') RAM"
row "file" "$(basename "$file"): $(mb "$size") MB, $("$cli" gc "$file" | head -1)"
say "native (best of $runs)"
measure "gopherlens gc" "$runs" "$cli" gc "$file"
measure "gopherlens top --profile sched" "$runs" "$cli" top "$file" --profile sched
measure "gopherlens top --profile cpu (decode only)" "$runs" "$cli" top "$file" --profile cpu
if [ $gotool = 1 ]; then
  say "for comparison: go tool trace -pprof=sched (1 run)"
  measure "go tool trace -pprof=sched" 1 "$GO" tool trace -pprof=sched "$file"
fi

browser_run() {
  local f=$1 n=$2 json=$3
  if node bench/browser.mjs "$f" --runs "$n" --no-baseline --wasm-memory --json "$json"; then
    python3 - "$json" <<'PY' | while IFS= read -r l; do row "${l%%|*}" "${l#*|}"; done
import json, sys
b = json.load(open(sys.argv[1]))
w = [r.get("wasmMemoryMB") for r in b["detail"] if r.get("wasmMemoryMB") is not None]
print("Chromium: open to first flame graph|%6.2f s   (median %.2f s of %d)" % (b["firstDrawMs"]["min"] / 1e3, b["firstDrawMs"]["median"] / 1e3, b["runs"]))
print("Chromium: renderer peak RSS (sum)|%6.0f MB  (median %.0f MB)" % (b["rendererPeakSumMB"]["min"], b["rendererPeakSumMB"]["median"]))
if w:
    print("Chromium: wasm memory after open|%6.0f MB" % max(w))
PY
  else
    row "Chromium" "FAILED (see above)"
  fi
}

if [ $browser = 1 ]; then
  say "browser: headless Chromium, $runs runs"
  browser_run "$file" "$runs" "$OUT/browser-trace.json"
fi

if [ $big = 1 ]; then
  one=$OUT/1g.trace
  if [ ! -f "$one" ]; then
    say "writing $one (until 1 GiB)"
    "$gen" -o "$one" -dur 30m -size $((1 << 30)) -tags 64
  fi
  size=$(stat -c %s "$one")
  say "1 GB test: $one ($(mb "$size") MB)"
  row "1 GB file" "$(mb "$size") MB, $("$cli" gc "$one" | head -1)"
  measure "1 GB: gopherlens gc" 1 "$cli" gc "$one"
  if [ $browser = 1 ]; then
    browser_run "$one" 1 "$OUT/browser-1g.json"
  fi
fi

say "summary (also in $summary)"
cat "$summary"
