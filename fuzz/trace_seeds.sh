#!/usr/bin/env bash
# Seeds the trace fuzz targets from the committed trace fixtures: each seed
# is a version byte (matching the target's choice of header) followed by the
# trace without its 16-byte header. Then, for example:
#   RUSTC_BOOTSTRAP=1 cargo fuzz run trace_v2 corpus/trace_v2 -- -max_total_time=120 -max_len=262144
# Crashes go to artifacts/trace_v*/; copy them to regressions/trace_v*/,
# which tests/trace_decode.rs replays.
set -euo pipefail
cd "$(dirname "$0")"
fx=../tests/fixtures/trace
mkdir -p corpus/trace_v1 corpus/trace_v2 regressions/trace_v1 regressions/trace_v2
n=0
for f in "$fx"/churn/*.trace "$fx"/go/v1/* "$fx"/go/tests/*.trace "$fx"/go/fuzz/*; do
  [[ $f == *.json ]] && continue
  [[ $(wc -c <"$f") -le 262144 ]] || continue
  head=$(head -c 16 "$f" | tr -d '\0')
  case "$head" in
    "go 1.11 trace") dir=trace_v1 v='\x00' ;;
    "go 1.19 trace") dir=trace_v1 v='\x01' ;;
    "go 1.21 trace") dir=trace_v1 v='\x02' ;;
    "go 1.22 trace") dir=trace_v2 v='\x00' ;;
    "go 1.23 trace") dir=trace_v2 v='\x01' ;;
    "go 1.25 trace") dir=trace_v2 v='\x02' ;;
    "go 1.26 trace") dir=trace_v2 v='\x03' ;;
    *) continue ;;
  esac
  { printf "$v"; tail -c +17 "$f"; } >"corpus/$dir/$(basename "$f")"
  n=$((n + 1))
done
cp regressions/trace_v1/* corpus/trace_v1/ 2>/dev/null || true
cp regressions/trace_v2/* corpus/trace_v2/ 2>/dev/null || true
echo "trace_seeds.sh: $n seeds"
