#!/usr/bin/env bash
# gopherlens benchmark: bytes → first drawn flame graph, in headless Chromium
# and natively, with peak memory, on a large Go-like heap profile.
#
#   bench/run.sh [--build] [--regen] [--runs N] [--no-browser] [--no-native] [FILE]
#
# --build       run ./build.sh build first (otherwise only when its outputs
#               are missing; a warning says when they are older than src/)
# --regen       rewrite bench/out/heap-large.pb.gz even if it exists
# --runs N      browser runs, each in a fresh Chromium (default 3)
# FILE          measure this profile instead of the generated one
#
# GO=/path/to/go adds `go tool pprof -top -sample_index=alloc_space` on the
# same file for comparison (alloc_space: every sample counts; pprof skips the
# samples whose value is 0, and inuse_space is 0 in 90% of them).
# Results: the table at the end; raw figures in bench/out/*.json and *.txt.
# See bench/README.md.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
OUT=$ROOT/bench/out
export PATH="$HOME/.cargo/bin:$PATH"

build=0 regen=0 runs=3 browser=1 native=1 file=""
while [ $# -gt 0 ]; do
  case "$1" in
    --build) build=1 ;;
    --regen) regen=1 ;;
    --runs) runs=${2:?--runs needs a number}; shift ;;
    --no-browser) browser=0 ;;
    --no-native) native=0 ;;
    -h|--help) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "bench/run.sh: unknown option $1" >&2; exit 2 ;;
    *) file=$1 ;;
  esac
  shift
done
mkdir -p "$OUT"
say() { printf '\n== %s\n' "$*"; }

# ------------------------------------------------------------------ build
wasm=www/pkg/gopherlens_bg.wasm
cli=target/release/gopherlens
if [ $build = 1 ] || [ ! -f $wasm ] || [ ! -x $cli ]; then
  say "building (./build.sh build)"
  ./build.sh build
else
  newer=$(find src Cargo.toml -newer $wasm -type f 2>/dev/null | head -3 | tr '\n' ' ')
  if [ -n "$newer" ]; then
    echo "warning: $wasm is older than: $newer— the page runs an old core (bench/run.sh --build rebuilds)" >&2
  fi
fi
say "building the benchmark tools"
cargo build --release --quiet --example gen_heap
have_native=0
if grep -q '^name = "bench_native"' Cargo.toml; then
  cargo build --release --quiet --example bench_native && have_native=1
else
  echo "note: Cargo.toml has no [[example]] bench_native (path bench/native.rs): native phase timings skipped" >&2
fi

if [ -z "$file" ]; then
  file=$OUT/heap-large.pb.gz
  if [ $regen = 1 ] || [ ! -f "$file" ]; then
    say "generating $file"
    target/release/examples/gen_heap "$file" | tee "$OUT/gen.txt"
  fi
fi
[ -f "$file" ] || { echo "bench/run.sh: $file does not exist" >&2; exit 2; }

load=$(cut -d' ' -f1 /proc/loadavg)
if awk -v l="$load" 'BEGIN { exit !(l > 0.7) }'; then
  echo "warning: load average $load before measuring: other work on this machine will inflate the figures" >&2
fi

# ----------------------------------------------------------------- native
cli_json=$OUT/native-cli.json
phases_json=$OUT/native-phases.json
echo '{}' > "$cli_json"
echo '{}' > "$phases_json"
if [ $native = 1 ]; then
  say "native: gopherlens top FILE --json (3 runs, /usr/bin/time -v)"
  walls=() rsss=()
  for i in 1 2 3; do
    /usr/bin/time -v "$cli" top "$file" --json > /dev/null 2> "$OUT/native-cli-time.txt"
    w=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$OUT/native-cli-time.txt" \
      | awk -F: '{ s = 0; for (i = 1; i <= NF; i++) s = s * 60 + $i; print s }')
    r=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$OUT/native-cli-time.txt")
    echo "  run $i: wall ${w} s, max RSS $((r / 1024)) MiB"
    walls+=("$w") rsss+=("$r")
  done
  printf '{"wall_s": [%s], "max_rss_kib": [%s]}\n' "$(IFS=,; echo "${walls[*]}")" "$(IFS=,; echo "${rsss[*]}")" > "$cli_json"
  if [ $have_native = 1 ]; then
    say "native: phases (bench/native.rs, best of 3 in one process)"
    target/release/examples/bench_native "$file" --runs 3 | tee "$OUT/native-phases.txt"
    sed -n 's/^json //p' "$OUT/native-phases.txt" > "$phases_json"
  fi
fi

# ---------------------------------------------------------------- pprof
pprof_json=$OUT/pprof.json
echo '{}' > "$pprof_json"
if [ $native = 1 ] && [ -n "${GO:-}" ]; then
  say "for comparison: $GO tool pprof -top -sample_index=alloc_space (1 run)"
  if /usr/bin/time -v "$GO" tool pprof -top -nodecount=20 -sample_index=alloc_space "$file" > "$OUT/pprof-top.txt" 2> "$OUT/pprof-time.txt"; then
    w=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$OUT/pprof-time.txt" \
      | awk -F: '{ s = 0; for (i = 1; i <= NF; i++) s = s * 60 + $i; print s }')
    r=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$OUT/pprof-time.txt")
    echo "  wall ${w} s, max RSS $((r / 1024)) MiB"
    printf '{"wall_s": %s, "max_rss_kib": %s}\n' "$w" "$r" > "$pprof_json"
  else
    echo "  go tool pprof failed (see $OUT/pprof-time.txt)"
  fi
fi

# ---------------------------------------------------------------- browser
browser_json=$OUT/browser.json
browser_status=skipped
rm -f "$browser_json"
if [ $browser = 1 ]; then
  say "browser: headless Chromium, $runs runs"
  if node bench/browser.mjs "$file" --runs "$runs" --json "$browser_json"; then
    browser_status=ok
  else
    browser_status=failed
  fi
fi

# ---------------------------------------------------------------- summary
chromium_version=$( (chromium --version || /usr/bin/chromium --version) 2>/dev/null | head -1 || true)
python3 - "$file" "$browser_json" "$cli_json" "$phases_json" "$pprof_json" "$browser_status" "$chromium_version" "$load" <<'EOF'
import json, os, re, statistics, subprocess, sys

file, browser_json, cli_json, phases_json, pprof_json, browser_status, chromium, load = sys.argv[1:]
def load_json(p):
    try:
        with open(p) as f:
            return json.load(f)
    except Exception:
        return {}
b, cli, ph, pp = (load_json(p) for p in (browser_json, cli_json, phases_json, pprof_json))
def sh(cmd):
    try:
        return subprocess.run(cmd, shell=True, capture_output=True, text=True).stdout.strip()
    except Exception:
        return ""
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
mem = sh("free -h | awk '/^Mem:/ {print $2}'")
commit = sh("git rev-parse --short HEAD") + (" + uncommitted changes" if sh("git status --porcelain --untracked-files=no") else "")

counts = ph.get("counts", {})
size = os.path.getsize(file)
print("\n== gopherlens benchmark (bench/run.sh)")
line = f"file      {os.path.relpath(file)}: {size/1e6:.1f} MB"
if counts:
    line += (f", {counts['raw_bytes']/1e6:.1f} MB profile.proto; {counts['samples']} samples, {counts['functions']} functions,"
             f" {counts['stacks']} stacks, {counts['tree_nodes']} call-tree nodes")
print(line)
print(f"machine   {sh('nproc')} cores, {cpu}, {mem} RAM; {chromium or 'chromium ?'}; node {sh('node --version')};"
      f" {sh('rustc --version')}; load average {load} at start")
print(f"commit    {commit}")
print()
rows = []
def row(name, lo, med, target="", ok=None):
    fmt = lambda v: "-" if v is None else (f"{v:,.0f}" if isinstance(v, (int, float)) else str(v))
    verdict = "" if ok is None else ("  ok" if ok else "  MISSED")
    rows.append((name, fmt(lo), fmt(med), target + verdict))
if b:
    t, s, one = b["firstDrawMs"], b["rendererPeakSumMB"], b["rendererPeakSingleMB"]
    row(f"chromium: change → first flame graph, ms ({b['runs']} runs)", t["min"], t["median"], "< 1,500", t["median"] < 1500)
    row("chromium: renderer peak RSS, all renderers, MB", s["min"], s["median"], "< 600", s["median"] < 600)
    row("chromium: renderer peak RSS, largest one, MB", one["min"], one["median"])
    if b.get("baseline"):
        row("chromium: page that only reads the file, MB", b["baseline"]["peak"]["sumMB"], None, "(floor; issue: ~420)")
elif browser_status != "skipped":
    rows.append(("chromium", "-", "-", f"FAILED (see output above)"))
if cli.get("wall_s"):
    row("native: gopherlens top --json, wall ms", min(cli["wall_s"]) * 1e3, statistics.median(cli["wall_s"]) * 1e3)
    row("native: gopherlens top --json, max RSS MB", min(cli["max_rss_kib"]) * 1024 / 1e6, statistics.median(cli["max_rss_kib"]) * 1024 / 1e6)
if ph.get("phases"):
    row("native: bytes → flame layout (core only), ms", ph["to_flame_ms"], None)
if pp.get("wall_s"):
    row("go tool pprof -top (alloc_space), wall ms", pp["wall_s"] * 1e3, None, "(issue: ~60,000)")
    row("go tool pprof -top (alloc_space), max RSS MB", pp["max_rss_kib"] * 1024 / 1e6, None)
w = max(len(r[0]) for r in rows) if rows else 10
print(f"{'':{w}}  {'min':>9}  {'median':>9}  target")
for name, lo, med, target in rows:
    print(f"{name:{w}}  {lo:>9}  {med:>9}  {target}")
if ph.get("phases"):
    print("\nnative phases (ms): " + ", ".join(f"{p['name']} {p['ms']:.0f}" for p in ph["phases"]))
if b:
    d = sorted(b["detail"], key=lambda r: r["firstDrawMs"])[len(b["detail"]) // 2]
    ops = {o["op"]: o for o in d["ops"]}
    # Durations between what the page saw: the request to the worker, the
    # worker's progress phases (each ends at its last report: the worker
    # always forwards a phase's 100%; the last phase, announced when it
    # starts, runs until the open reply), the replies, the draw.
    parts = []
    t = 0.0
    if "open" in ops:
        parts.append(f"until the open request {ops['open']['start']:.0f}")
        t = ops["open"]["start"]
    phases = sorted(d["phases"].items(), key=lambda kv: kv[1]["last"])
    for i, (name, v) in enumerate(phases):
        last = i == len(phases) - 1
        end = ops["open"]["end"] if last and "open" in ops and ops["open"]["end"] is not None else v["last"]
        parts.append(f"{name} {end - t:.0f}")
        t = end
    if "open" in ops and ops["open"]["end"] is not None:
        t = ops["open"]["end"]
        for op in ("info", "functions", "flame"):
            if op in ops and ops[op]["end"] is not None:
                parts.append(f"{op} {ops[op]['end'] - t:.0f}")
                t = ops[op]["end"]
        parts.append(f"draw {d['firstDrawMs'] - t:.0f}")
    print(f"chromium phases, median run (ms, as seen from the page): " + ", ".join(parts))
print("\ncommand: bench/run.sh" + ("" if browser_status != "failed" else "   (the browser part FAILED: see its output above)"))
EOF
[ "$browser_status" != failed ]
