#!/usr/bin/env bash
# Fuzzes the pprof decoder for a bounded time (default 120 s):
#   fuzz/run.sh [SECONDS]
# Seeds come from the committed fixtures; any crash is copied into
# fuzz/regressions/pprof/, which tests/regressions.rs replays on every test run.
# Needs cargo-fuzz (cargo install cargo-fuzz); runs on stable via RUSTC_BOOTSTRAP.
set -euo pipefail
cd "$(dirname "$0")"
secs=${1:-120}
mkdir -p corpus/pprof artifacts/pprof regressions/pprof
find ../tests/fixtures -name '*.pb.gz' -size -200k -exec cp {} corpus/pprof/ \; 2>/dev/null || true
find ../tests/fixtures/bad -type f ! -name '*.py' -exec cp {} corpus/pprof/ \; 2>/dev/null || true
cp regressions/pprof/* corpus/pprof/ 2>/dev/null || true
status=0
RUSTC_BOOTSTRAP=1 cargo fuzz run pprof corpus/pprof -- \
  -max_total_time="$secs" -rss_limit_mb=2048 -timeout=10 -max_len=262144 || status=$?
for f in artifacts/pprof/*; do
  [ -f "$f" ] || continue
  cp "$f" "regressions/pprof/$(basename "$f")"
  echo "fuzz: kept $f as a regression input"
done
exit $status
