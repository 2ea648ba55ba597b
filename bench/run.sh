#!/usr/bin/env bash
# gopherlens benchmark: bytes → first drawn flame graph, in headless Chromium
# and natively, with peak memory, on large Go-like heap profiles of two
# shapes, against speedscope in the same Chromium (with the ratios).
#
#   bench/run.sh [--build] [--no-cargo] [--regen] [--runs N] [--shape shared|low-sharing|both]
#                [--no-speedscope] [--speedscope-runs N] [--no-browser] [--no-native] [FILE]
#
# --build       run ./build.sh build first (otherwise only when its outputs
#               are missing; a warning says when they are older than src/)
# --no-cargo    use target/release/examples/{gen_heap,bench_native} as built
#               (no cargo build of the benchmark tools)
# --regen       rewrite the generated profiles even if they exist
# --runs N      gopherlens browser runs, each in a fresh Chromium (default 3)
# --shape S     shared (bench/out/heap-large.pb.gz: stacks share prefixes),
#               low-sharing (bench/out/heap-lowshare.pb.gz) or both (default)
# --no-speedscope     do not open the file in speedscope
# --speedscope-runs N speedscope runs per file (default 1: ~30 s each)
# FILE          measure this profile instead of the generated ones
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

cmdline="bench/run.sh${*:+ $*}"
build=0 cargo=1 regen=0 runs=3 browser=1 native=1 file="" shape=both speedscope=1 ss_runs=1
while [ $# -gt 0 ]; do
  case "$1" in
    --build) build=1 ;;
    --no-cargo) cargo=0 ;;
    --regen) regen=1 ;;
    --runs) runs=${2:?--runs needs a number}; shift ;;
    --shape) shape=${2:?--shape needs shared, low-sharing or both}; shift ;;
    --no-speedscope) speedscope=0 ;;
    --speedscope-runs) ss_runs=${2:?--speedscope-runs needs a number}; shift ;;
    --no-browser) browser=0 ;;
    --no-native) native=0 ;;
    -h|--help) sed -n '2,25p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "bench/run.sh: unknown option $1" >&2; exit 2 ;;
    *) file=$1 ;;
  esac
  shift
done
case "$shape" in
  shared) shapes=(shared) ;;
  low-sharing) shapes=(low-sharing) ;;
  both) shapes=(shared low-sharing) ;;
  *) echo "bench/run.sh: --shape takes shared, low-sharing or both" >&2; exit 2 ;;
esac
[ -n "$file" ] && shapes=(file)
[ $speedscope = 1 ] || ss_runs=0
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
have_native=0
if [ $cargo = 1 ]; then
  say "building the benchmark tools"
  cargo build --release --quiet --example gen_heap
  if grep -q '^name = "bench_native"' Cargo.toml; then
    cargo build --release --quiet --example bench_native && have_native=1
  else
    echo "note: Cargo.toml has no [[example]] bench_native (path bench/native.rs): native phase timings skipped" >&2
  fi
else
  [ -x target/release/examples/bench_native ] && have_native=1
fi
if [ $speedscope = 1 ] && [ $browser = 1 ] && [ ! -f node_modules/speedscope/dist/release/index.html ]; then
  echo "note: node_modules/speedscope is missing (npm ci installs it): speedscope skipped" >&2
  ss_runs=0
fi

# tag → file, and the suffix of its bench/out/*-SUFFIX.json
profile_of() {
  case "$1" in
    shared) echo "$OUT/heap-large.pb.gz" ;;
    low-sharing) echo "$OUT/heap-lowshare.pb.gz" ;;
    file) echo "$file" ;;
  esac
}
suffix_of() { case "$1" in low-sharing) echo lowshare ;; *) echo "$1" ;; esac; }

# gen TAG: writes the profile of that shape if missing (or --regen); on
# failure prints a note and returns 1 (the shape is skipped).
gen() {
  local tag=$1 f; f=$(profile_of "$1")
  local suf; suf=$(suffix_of "$1")
  [ $regen = 0 ] && [ -f "$f" ] && return 0
  local args=()
  [ "$tag" = low-sharing ] && args=(--shape low-sharing)
  say "generating $f ($tag)"
  local tmp=$OUT/.gen-$suf.pb.gz
  if "${GEN_HEAP:-target/release/examples/gen_heap}" "$tmp" "${args[@]}" > "$OUT/gen-$suf.txt" 2>&1; then
    mv "$tmp" "$f"
    cat "$OUT/gen-$suf.txt"
    [ "$tag" = shared ] && cp "$OUT/gen-$suf.txt" "$OUT/gen.txt"
    return 0
  fi
  rm -f "$tmp"
  local hint=""
  [ "$tag" = low-sharing ] && hint=" (a gen_heap without --shape low-sharing?)"
  echo "note: gen_heap could not write the $tag shape$hint: $(head -1 "$OUT/gen-$suf.txt"). Skipping that shape." >&2
  return 1
}

load=$(cut -d' ' -f1 /proc/loadavg)
if awk -v l="$load" 'BEGIN { exit !(l > 0.7) }'; then
  echo "warning: load average $load before measuring: other work on this machine will inflate the figures" >&2
fi

# measure TAG: native, pprof, browser (+ speedscope) on that shape's file;
# raw figures in bench/out/{native-cli,native-phases,pprof,browser}-SUFFIX.json.
blocks=()
measure() {
  local tag=$1 f; f=$(profile_of "$1")
  local suf; suf=$(suffix_of "$1")
  local cli_json=$OUT/native-cli-$suf.json phases_json=$OUT/native-phases-$suf.json
  local pprof_json=$OUT/pprof-$suf.json browser_json=$OUT/browser-$suf.json
  echo '{}' > "$cli_json"
  echo '{}' > "$phases_json"
  echo '{}' > "$pprof_json"
  rm -f "$browser_json"
  say "[$tag] $f ($(stat -c %s "$f") bytes)"

  if [ $native = 1 ]; then
    say "[$tag] native: gopherlens top FILE --json (3 runs, /usr/bin/time -v)"
    local walls=() rsss=() i w r
    for i in 1 2 3; do
      /usr/bin/time -v "$cli" top "$f" --json > /dev/null 2> "$OUT/native-cli-time.txt"
      w=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$OUT/native-cli-time.txt" \
        | awk -F: '{ s = 0; for (i = 1; i <= NF; i++) s = s * 60 + $i; print s }')
      r=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$OUT/native-cli-time.txt")
      echo "  run $i: wall ${w} s, max RSS $((r / 1024)) MiB"
      walls+=("$w") rsss+=("$r")
    done
    printf '{"wall_s": [%s], "max_rss_kib": [%s]}\n' "$(IFS=,; echo "${walls[*]}")" "$(IFS=,; echo "${rsss[*]}")" > "$cli_json"
    if [ $have_native = 1 ]; then
      say "[$tag] native: phases (bench/native.rs, best of 3 in one process)"
      target/release/examples/bench_native "$f" --runs 3 | tee "$OUT/native-phases-$suf.txt"
      sed -n 's/^json //p' "$OUT/native-phases-$suf.txt" > "$phases_json"
    fi
  fi

  if [ $native = 1 ] && [ -n "${GO:-}" ]; then
    say "[$tag] for comparison: $GO tool pprof -top -sample_index=alloc_space (1 run)"
    if /usr/bin/time -v "$GO" tool pprof -top -nodecount=20 -sample_index=alloc_space "$f" > "$OUT/pprof-top-$suf.txt" 2> "$OUT/pprof-time.txt"; then
      w=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$OUT/pprof-time.txt" \
        | awk -F: '{ s = 0; for (i = 1; i <= NF; i++) s = s * 60 + $i; print s }')
      r=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$OUT/pprof-time.txt")
      echo "  wall ${w} s, max RSS $((r / 1024)) MiB"
      printf '{"wall_s": %s, "max_rss_kib": %s}\n' "$w" "$r" > "$pprof_json"
    else
      echo "  go tool pprof failed (see $OUT/pprof-time.txt)"
    fi
  fi

  local status=skipped
  if [ $browser = 1 ]; then
    say "[$tag] browser: headless Chromium, $runs gopherlens runs, $ss_runs speedscope run(s)"
    if node bench/browser.mjs "$f" --runs "$runs" --speedscope-runs "$ss_runs" --json "$browser_json"; then
      status=ok
    else
      status=failed
    fi
  fi
  [ "$tag" = shared ] && cp "$browser_json" "$OUT/browser.json" 2>/dev/null || true
  blocks+=("$tag" "$f" "$browser_json" "$cli_json" "$phases_json" "$pprof_json" "$status")
}

skipped=()
failed=0
for tag in "${shapes[@]}"; do
  if [ "$tag" != file ] && ! gen "$tag"; then
    skipped+=("$tag")
    continue
  fi
  [ -f "$(profile_of "$tag")" ] || { echo "bench/run.sh: $(profile_of "$tag") does not exist" >&2; exit 2; }
  measure "$tag"
  [ "${blocks[-1]}" = failed ] && failed=1
done
[ ${#blocks[@]} -gt 0 ] || { echo "bench/run.sh: nothing measured (skipped: ${skipped[*]})" >&2; exit 1; }

# ---------------------------------------------------------------- summary
chromium_version=$( (chromium --version || /usr/bin/chromium --version) 2>/dev/null | head -1 || true)
python3 - "$cmdline" "$chromium_version" "$load" "${skipped[*]:-}" "${blocks[@]}" <<'EOF'
import json, os, re, statistics, subprocess, sys

cmdline, chromium, load, skipped = sys.argv[1:5]
blocks = [sys.argv[i:i + 7] for i in range(5, len(sys.argv), 7)]
def load_json(p):
    try:
        with open(p) as f:
            return json.load(f)
    except Exception:
        return {}
def sh(cmd):
    try:
        return subprocess.run(cmd, shell=True, capture_output=True, text=True).stdout.strip()
    except Exception:
        return ""
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
mem = sh("free -h | awk '/^Mem:/ {print $2}'")
commit = sh("git rev-parse --short HEAD") + (" + uncommitted changes" if sh("git status --porcelain --untracked-files=no") else "")

print("\n== gopherlens benchmark (bench/run.sh)")
print(f"machine   {sh('nproc')} cores, {cpu}, {mem} RAM; {chromium or 'chromium ?'}; node {sh('node --version')};"
      f" {sh('rustc --version')}; load average {load} at start")
print(f"commit    {commit}")
failed_any = False
for tag, file, browser_json, cli_json, phases_json, pprof_json, browser_status in blocks:
    b, cli, ph, pp = (load_json(p) for p in (browser_json, cli_json, phases_json, pprof_json))
    failed_any |= browser_status == "failed"
    counts = ph.get("counts", {})
    size = os.path.getsize(file)
    print(f"\n-- shape: {tag}")
    line = f"file      {os.path.relpath(file)}: {size/1e6:.1f} MB"
    if counts:
        line += (f", {counts['raw_bytes']/1e6:.1f} MB profile.proto; {counts['samples']} samples, {counts['functions']} functions,"
                 f" {counts['stacks']} stacks, {counts['tree_nodes']} call-tree nodes")
    print(line)
    print()
    rows = []
    def row(name, lo, med, target="", ok=None):
        fmt = lambda v: "-" if v is None else (f"{v:,.0f}" if isinstance(v, (int, float)) else str(v))
        verdict = "" if ok is None else ("  ok" if ok else "  MISSED")
        rows.append((name, fmt(lo), fmt(med), target + verdict))
    ss = b.get("speedscope") or {}
    if b.get("firstDrawMs"):
        t, s, one = b["firstDrawMs"], b["rendererPeakSumMB"], b["rendererPeakSingleMB"]
        row(f"chromium: change → first flame graph, ms ({b['runs']} runs)", t["min"], t["median"], "< 1,500", t["median"] < 1500)
        row("chromium: renderer peak RSS, all renderers, MB", s["min"], s["median"], "< 600", s["median"] < 600)
        row("chromium: renderer peak RSS, largest one, MB", one["min"], one["median"])
        if b.get("baseline"):
            row("chromium: page that only reads the file, MB", b["baseline"]["peak"]["sumMB"], None, "(floor; issue: ~420)")
    elif browser_status != "skipped":
        rows.append(("chromium", "-", "-", "FAILED (see output above)"))
    if ss.get("firstDrawMs"):
        t, s, one = ss["firstDrawMs"], ss["rendererPeakSumMB"], ss["rendererPeakSingleMB"]
        v = ss.get("version") or "?"
        row(f"speedscope {v}: change → flame chart drawn, ms ({ss['runs']} run{'s' if ss['runs'] > 1 else ''})", t["min"], t["median"], "(issue: 24–31 s)")
        row(f"speedscope {v}: renderer peak RSS, all renderers, MB", s["min"], s["median"], "(issue: ~3,300)")
        row(f"speedscope {v}: renderer peak RSS, largest one, MB", one["min"], one["median"])
        r = ss.get("ratio")
        if r:
            x = lambda v: f"{v:.1f}x"
            row("ratio speedscope / gopherlens: time (medians)", None, x(r["firstDraw"]))
            row("ratio speedscope / gopherlens: renderers' peak (sum)", None, x(r["rendererPeakSum"]))
            row("ratio speedscope / gopherlens: largest renderer", None, x(r["rendererPeakSingle"]))
    elif ss.get("error"):
        rows.append(("speedscope", "-", "-", f"FAILED: {ss['error'][:80]}"))
    if cli.get("wall_s"):
        row("native: gopherlens top --json, wall ms", min(cli["wall_s"]) * 1e3, statistics.median(cli["wall_s"]) * 1e3)
        row("native: gopherlens top --json, max RSS MB", min(cli["max_rss_kib"]) * 1024 / 1e6, statistics.median(cli["max_rss_kib"]) * 1024 / 1e6)
    if ph.get("phases"):
        row("native: bytes → flame layout (core only), ms", ph["to_flame_ms"], None)
        if ph.get("floor_ms"):
            ratio = ph["core_ms"] / ph["floor_ms"]
            row("native: floor, gunzip + one pass over the bytes, ms", ph["floor_ms"], None)
            row("native: gunzipped → flame layout / floor", None, f"{ratio:.2f}x", "≤ 2x", ratio <= 2)
    if pp.get("wall_s"):
        row("go tool pprof -top (alloc_space), wall ms", pp["wall_s"] * 1e3, None, "(issue: ~60,000)")
        row("go tool pprof -top (alloc_space), max RSS MB", pp["max_rss_kib"] * 1024 / 1e6, None)
        if cli.get("wall_s"):
            row("ratio go tool pprof / gopherlens top: wall time", None, f"{pp['wall_s'] / statistics.median(cli['wall_s']):.1f}x")
            row("ratio go tool pprof / gopherlens top: max RSS", None, f"{pp['max_rss_kib'] / statistics.median(cli['max_rss_kib']):.1f}x")
    w = max(len(r[0]) for r in rows) if rows else 10
    print(f"{'':{w}}  {'min':>9}  {'median':>9}  target")
    for name, lo, med, target in rows:
        print(f"{name:{w}}  {lo:>9}  {med:>9}  {target}")
    if ph.get("phases"):
        print("\nnative phases (ms): " + ", ".join(f"{p['name']} {p['ms']:.0f}" for p in ph["phases"]))
    if b.get("detail"):
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
    if ss.get("detail"):
        d = ss["detail"][0]
        if d.get("importMs") is not None:
            print(f"speedscope, run 1 (ms after change): import done {d['importMs']:.0f}, flame chart drawn {d['firstDrawMs']:.0f}"
                  f" (GPU process peak {d['peak']['gpuMB']:.0f} MB, not in the renderer figures)")
for tag in skipped.split():
    print(f"\n-- shape: {tag}: SKIPPED (gen_heap could not write it; see the note above)")
print(f"\ncommand: {cmdline}" + ("" if not failed_any else "   (a browser part FAILED: see its output above)"))
EOF
[ $failed = 0 ]
