#!/usr/bin/env bash
# Fuzzes the parsers for a bounded time each (default 120 s):
#   fuzz/run.sh [SECONDS] [TARGET...]      TARGET: pprof gzip gctrace trace_v1 trace_v2 gobinary (default: all)
#   RUNS=1000000 fuzz/run.sh 3600          stop each at 10^6 inputs or an hour
# Every target runs under gopherlens::memcount's counting allocator and
# aborts when live memory passes the input's bound (README "Memory
# bounds"): a memory bomb is a crash, kept like any other.
# Seeds come from the committed fixtures (trace_seeds.sh for the trace
# targets); any crash is copied into fuzz/regressions/TARGET/, which
# tests/regressions.rs and tests/trace_decode.rs replay on every test run.
# Needs cargo-fuzz (cargo install cargo-fuzz); runs on stable via RUSTC_BOOTSTRAP.
set -euo pipefail
cd "$(dirname "$0")"
secs=${1:-120}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(pprof gzip gctrace trace_v1 trace_v2 gobinary)
fx=../tests/fixtures
seed() {
  local t=$1
  mkdir -p "corpus/$t" "artifacts/$t" "regressions/$t"
  case $t in
    pprof)
      find $fx -name '*.pb.gz' -size -200k -exec cp {} corpus/pprof/ \; 2>/dev/null || true
      find $fx/bad -type f ! -name '*.py' -exec cp {} corpus/pprof/ \; 2>/dev/null || true
      find $fx/bombs -type f ! -name '*.py' ! -name '*.json' -exec cp {} corpus/pprof/ \; 2>/dev/null || true ;;
    gzip)
      # The first byte picks the piece size the stream is pushed in.
      for f in $(find $fx -name '*.gz' -size -100k | head -40) $fx/bombs/*.gz; do
        { printf '\x03'; cat "$f"; } > "corpus/gzip/$(basename "$f")"
      done ;;
    gctrace)
      find $fx/trace/gc/gctrace -name '*.gctrace' -exec cp {} corpus/gctrace/ \; 2>/dev/null || true ;;
    trace_v1|trace_v2)
      ./trace_seeds.sh > /dev/null ;;
    gobinary)
      # The map fixtures' binaries (shrunk: what the reader reads is kept).
      for v in go1.21 go1.26 go1.27; do
        gzip -dc "$fx/maps/profiles/$v/closures/program.gz" > "corpus/gobinary/closures-$v"
      done ;;
  esac
  cp "regressions/$t"/* "corpus/$t/" 2>/dev/null || true
}
status=0
for t in "${targets[@]}"; do
  seed "$t"
  echo "== fuzz $t for ${secs}s"
  RUSTC_BOOTSTRAP=1 cargo fuzz run "$t" "corpus/$t" -- \
    -max_total_time="$secs" ${RUNS:+-runs="$RUNS"} -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 -max_len="$([ "$t" = gobinary ] && echo 4194304 || echo 262144)" || status=$?
  for f in "artifacts/$t"/*; do
    [ -f "$f" ] || continue
    mv -f "$f" "regressions/$t/$(basename "$f")"
    echo "fuzz: kept $f as a regression input"
  done
done
exit $status
