#!/usr/bin/env bash
# gopherlens trace benchmark: large Go 1.26 execution traces of two shapes
# analysed natively (`gopherlens gc`, `gopherlens top --profile sched|cpu`)
# and in headless Chromium, against `go tool trace -pprof=sched`, with peak
# memory and the ratios.
#
#   bench/trace.sh [--build] [--regen] [--runs N] [--trace pipeline|stacks|both] [--no-browser] [--no-go] [--big] [--huge] [FILE]
#
# --build       run ./build.sh build first (otherwise only when its outputs
#               are missing; a warning says when they are older than src/)
# --trace T     pipeline: bench/out/big.trace (20 s of bench/trace: a
#               channel/mutex pipeline, cost in events and GC cycles);
#               stacks: bench/out/stacks.trace (5 s of bench/trace/stacks:
#               5,000 goroutines, nearly every stack distinct); both (default)
# --regen       rewrite the traces even if they exist
# --runs N      native and browser runs (default 3; best time, largest memory)
# --no-browser  skip headless Chromium
# --no-go       skip `go tool trace` (about 30 s and 2.4 GB here)
# --big         also the 1 GB test: bench/out/1g.trace, written by the same
#               program run until the trace reaches 1 GiB (about 3 min; kept
#               for later runs), then `gopherlens gc` and one browser run
# --huge        also the 5 GB test: bench/out/5g.trace, written by the same
#               program (lighter items and GOGC=200, -tags 4 -gogc 200: it
#               writes faster, about 8 min here, with a GC every 0.3 s)
#               until the trace reaches 5 GiB;
#               then `gopherlens gc --json`, the same report from the page's
#               API in Chromium (bench/trace-gc-browser.mjs: the File
#               streamed through the worker, never held whole), whether the
#               two are equal, and one browser run of the page itself
# FILE          measure this trace instead of the generated ones
#
# GO=/path/to/go (default /tmp/go1.26/bin/go) builds the generators and runs
# `go tool trace`. Results: the table at the end, also in
# bench/out/trace-summary.txt; raw browser figures in bench/out/browser-*.json.
# See bench/README.md.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
OUT=$ROOT/bench/out
GO=${GO:-/tmp/go1.26/bin/go}
export PATH="$HOME/.cargo/bin:$PATH"

build=0 regen=0 runs=3 browser=1 gotool=1 big=0 huge=0 file="" which=both
while [ $# -gt 0 ]; do
  case "$1" in
    --build) build=1 ;;
    --regen) regen=1 ;;
    --runs) runs=${2:?--runs needs a number}; shift ;;
    --trace) which=${2:?--trace needs pipeline, stacks or both}; shift ;;
    --no-browser) browser=0 ;;
    --no-go) gotool=0 ;;
    --big) big=1 ;;
    --huge) huge=1 ;;
    -h|--help) sed -n '2,34p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "bench/trace.sh: unknown option $1" >&2; exit 2 ;;
    *) file=$1 ;;
  esac
  shift
done
case "$which" in
  pipeline) traces=(pipeline) ;;
  stacks) traces=(stacks) ;;
  both) traces=(pipeline stacks) ;;
  *) echo "bench/trace.sh: --trace takes pipeline, stacks or both" >&2; exit 2 ;;
esac
[ -n "$file" ] && traces=(file)
mkdir -p "$OUT"
say() { printf '\n== %s\n' "$*"; }
summary=$OUT/trace-summary.txt
: > "$summary"
row() { printf '%-58s %s\n' "$1" "$2" | tee -a "$summary"; }

cli=target/release/gopherlens
wasm=www/pkg/gopherlens_bg.wasm
if [ $build = 1 ] || [ ! -x $cli ] || [ ! -f $wasm ]; then
  say "building (./build.sh build)"
  ./build.sh build
else
  newer=$(find src Cargo.toml -newer $wasm -type f 2>/dev/null | head -3 | tr '\n' ' ')
  if [ -n "$newer" ]; then
    echo "warning: $wasm is older than: $newer— the figures are those of an old core (bench/trace.sh --build rebuilds)" >&2
  fi
fi

gen=$OUT/tracegen
gen_stacks=$OUT/tracegen-stacks
say "building the trace generators with $("$GO" version)"
(cd bench/trace && "$GO" build -o "$gen" . && "$GO" build -o "$gen_stacks" ./stacks)

mb() { awk -v b="$1" 'BEGIN { printf "%.1f", b / 1e6 }'; }

# measure NAME N CMD...: best wall time and largest max RSS of N runs, in
# $best (s) and $rss (KiB) afterwards.
best="" rss=0
measure() {
  local name=$1 n=$2 size=$3; shift 3
  best="" rss=0
  local i w r
  for i in $(seq "$n"); do
    /usr/bin/time -v "$@" > "$OUT/measure.out" 2> "$OUT/measure.time" || { cat "$OUT/measure.time" >&2; return 1; }
    w=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$OUT/measure.time" \
      | awk -F: '{ s = 0; for (i = 1; i <= NF; i++) s = s * 60 + $i; print s }')
    r=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$OUT/measure.time")
    echo "  $name run $i: ${w} s, max RSS $((r / 1024)) MiB" >&2
    if [ -z "$best" ] || awk -v a="$w" -v b="$best" 'BEGIN { exit !(a < b) }'; then best=$w; fi
    [ "$r" -gt "$rss" ] && rss=$r
  done
  row "$name" "$(printf '%6.2f s   peak RSS %5d MiB (%.2f x the file)' "$best" $((rss / 1024)) "$(awk -v r="$rss" -v s="$size" 'BEGIN { print r * 1024 / s }')")"
}

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

# one_trace TAG FILE: the native figures, go tool trace, the ratios, Chromium.
one_trace() {
  local tag=$1 f=$2 size
  size=$(stat -c %s "$f")
  say "[$tag] trace: $f ($(mb "$size") MB); machine: $(nproc) cores, $(free -h | awk '/^Mem:/ {print $2}') RAM"
  if [ -s "$summary" ]; then echo | tee -a "$summary"; fi
  row "[$tag] file" "$(basename "$f"): $(mb "$size") MB, $("$cli" gc "$f" | head -1)"
  say "[$tag] native (best of $runs)"
  measure "gopherlens gc" "$runs" "$size" "$cli" gc "$f"
  local gc_s=$best gc_rss=$rss
  measure "gopherlens top --profile sched" "$runs" "$size" "$cli" top "$f" --profile sched
  local sched_s=$best sched_rss=$rss
  measure "gopherlens top --profile cpu (decode only)" "$runs" "$size" "$cli" top "$f" --profile cpu
  if [ $gotool = 1 ]; then
    say "[$tag] for comparison: go tool trace -pprof=sched (1 run)"
    if measure "go tool trace -pprof=sched" 1 "$size" "$GO" tool trace -pprof=sched "$f"; then
      row "ratio go tool trace / gopherlens gc" "$(awk -v a="$best" -v b="$gc_s" -v m="$rss" -v n="$gc_rss" \
        'BEGIN { printf "%6.1fx time, %.1fx peak RSS", a / b, m / n }')"
      row "ratio go tool trace / gopherlens top --profile sched" "$(awk -v a="$best" -v b="$sched_s" -v m="$rss" -v n="$sched_rss" \
        'BEGIN { printf "%6.1fx time, %.1fx peak RSS", a / b, m / n }')"
    else
      row "go tool trace -pprof=sched" "FAILED (see above)"
    fi
  fi
  if [ $browser = 1 ]; then
    say "[$tag] browser: headless Chromium, $runs runs"
    browser_run "$f" "$runs" "$OUT/browser-$tag.json"
  fi
}

for tag in "${traces[@]}"; do
  case "$tag" in
    pipeline)
      f=$OUT/big.trace
      if [ $regen = 1 ] || [ ! -f "$f" ]; then
        say "writing $f (20 s)"
        "$gen" -o "$f" -dur 20s
      fi
      one_trace pipeline "$f"
      # The raw figures of this trace kept their old name.
      if [ -f "$OUT/browser-pipeline.json" ]; then cp "$OUT/browser-pipeline.json" "$OUT/browser-trace.json"; fi
      ;;
    stacks)
      f=$OUT/stacks.trace
      if [ $regen = 1 ] || [ ! -f "$f" ]; then
        say "writing $f (5 s, 5,000 goroutines)"
        "$gen_stacks" -o "$f" -dur 5s -goroutines 5000
      fi
      one_trace stacks "$f"
      ;;
    file) one_trace file "$file" ;;
  esac
done

if [ $big = 1 ]; then
  one=$OUT/1g.trace
  if [ ! -f "$one" ]; then
    say "writing $one (until 1 GiB)"
    "$gen" -o "$one" -dur 30m -size $((1 << 30)) -tags 64
  fi
  size=$(stat -c %s "$one")
  say "1 GB test: $one ($(mb "$size") MB)"
  echo | tee -a "$summary"
  row "1 GB file" "$(mb "$size") MB, $("$cli" gc "$one" | head -1)"
  measure "1 GB: gopherlens gc" 1 "$size" "$cli" gc "$one"
  if [ $browser = 1 ]; then
    browser_run "$one" 1 "$OUT/browser-1g.json"
  fi
fi

if [ $huge = 1 ]; then
  five=$OUT/5g.trace
  if [ ! -f "$five" ]; then
    say "writing $five (until 5 GiB)"
    "$gen" -o "$five" -dur 120m -size $((5 << 30)) -tags 4 -gogc 200
  fi
  size=$(stat -c %s "$five")
  say "5 GB test: $five ($(mb "$size") MB)"
  echo | tee -a "$summary"
  row "5 GB file" "$(mb "$size") MB"
  measure "5 GB: gopherlens gc --json" 1 "$size" "$cli" gc "$five" --json
  cp "$OUT/measure.out" "$OUT/gc-5g-cli.json"
  if [ $browser = 1 ]; then
    if node bench/trace-gc-browser.mjs "$five" --json "$OUT/gc-5g-browser.json"; then
      python3 - "$OUT/gc-5g-browser.json" "$OUT/gc-5g-cli.json" <<'PY' | while IFS= read -r l; do row "${l%%|*}" "${l#*|}"; done
import json, sys
b = json.load(open(sys.argv[1]))
cli = json.load(open(sys.argv[2]))
print("5 GB: Chromium open() (page API)|%6.1f s   wasm memory %.0f MB, renderers %.0f MB" % (b["openMs"] / 1e3, b["wasmMemoryMB"], b["rendererPeakSumMB"]))
print("5 GB: GC report in Chromium == gopherlens gc|%s (%d cycles)" % ("yes" if b["gc"] == cli else "NO, they differ", len(cli["cycles"])))
PY
    else
      row "5 GB: Chromium" "FAILED (see above)"
    fi
    browser_run "$five" 1 "$OUT/browser-5g.json"
  fi
fi

say "summary (also in $summary)"
cat "$summary"
