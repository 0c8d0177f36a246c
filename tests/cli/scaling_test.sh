#!/usr/bin/env bash
# End-to-end test of tools/scaling: a tiny sweep (2 thread counts x 2 k x 2
# orders, 2 repeats) on a generated set, checking the exit code, the rows of
# scaling.csv and summary.csv, the 1-thread speed-ups and, when gnuplot is
# installed, the pictures. Usage: scaling_test.sh HOGMF_BINARY
set -euo pipefail
hogmf=${1:?usage: scaling_test.sh HOGMF_BINARY}
scaling="$(cd "$(dirname "$0")/../.." && pwd)/tools/scaling"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }

# lowrank needs (rank + 2) ratings per user and item: 24,000 at least.
"$scaling" --hogmf="$hogmf" --workdir="$work/cache" --out="$work/out" \
  --shape=lowrank --ratings=30000 --threads=1,2 --k=4,8 --repeats=2 --epochs=2 \
  --order=chunks,user-chunks || fail "tools/scaling exited with $?"

runs=$work/out/scaling.csv
summary=$work/out/summary.csv
[ -f "$runs" ] || fail "no scaling.csv"
[ -f "$summary" ] || fail "no summary.csv"
expected_header=threads,k,isa,schedule,order,chunk_size,repeat,seed,kernel,epochs,updates,seconds
expected_header+=,updates_per_second,updates_per_second_per_thread,speedup,efficiency,train_rmse
expected_header+=,validation_rmse,peak_rss_bytes
[ "$(head -1 "$runs")" = "$expected_header" ] || fail "scaling.csv header: $(head -1 "$runs")"
rows=$(tail -n +2 "$runs" | wc -l)
[ "$rows" -eq 16 ] || fail "scaling.csv has $rows data rows, expected 16"
rows=$(tail -n +2 "$summary" | wc -l)
[ "$rows" -eq 8 ] || fail "summary.csv has $rows data rows, expected 8"

# Prints the rows of CSV file $1 where threads is 1, as "speedup efficiency".
one_thread_speedups() {
  awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
           $col["threads"] == 1 { print $col["speedup"], $col["efficiency"] }' "$1"
}
# Every 1-thread point's median speed-up is 1; each run's is near it.
one_thread_speedups "$summary" | awk '
  $1 == "" || $1 < 0.9999 || $1 > 1.0001 || $2 != $1 { bad = 1; print "summary speed-up: " $0 }
  END { exit bad }' || fail "1-thread speed-up in summary.csv is not 1"
one_thread_speedups "$runs" | awk '
  $1 == "" || $1 <= 0 || $2 != $1 { bad = 1; print "run speed-up: " $0 }
  END { exit bad }' || fail "a 1-thread run has no speed-up"

if command -v gnuplot >/dev/null; then
  for png in speedup throughput convergence; do
    [ -s "$work/out/$png.png" ] || fail "no $png.png"
  done
fi
echo PASS
