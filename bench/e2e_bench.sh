#!/usr/bin/env bash
# Benchmark: a full diagnosis of every pod on a node, netdoctor against the same checklist done by
# hand in a shell script (bench/baseline_checklist.sh: nsenter, ping, tcpdump, dig, curl,
# iptables-save), side by side in one run on the lab, healthy and with faults injected.
#
# Each repetition runs both (in alternating order) on node1 for all its pods with the same
# per-probe timeout and the same --egress URLs, and records wall time, exit status, and what
# each said. The claims it checks: healthy, netdoctor is at least 10x faster than the baseline;
# with a fault, still faster, and it names a root cause (the baseline only lists failures).
#
#   usage: sudo bench/e2e_bench.sh [--runs N] [--timeout SECONDS] [--faults "F1 F2 ..."]
# Defaults: 5 runs, 1 second, faults "route-missing dns-server-down". Needs build/netdoctor
# (scripts/build.sh). Holds the lab's lock; brings the lab up and down.
# Exit 0 when every claim holds, 1 when one does not, 2 on bad usage or set-up failure.
set -euo pipefail
cd "$(dirname "$0")/.."
lab=tests/lab/lab
if [ -z "${NDLAB_LOCK_PID:-}" ]; then exec "$lab" lock --wait 1200 -- "$0" "$@"; fi

runs=5 timeout=1 faults="route-missing dns-server-down"
while [ $# -gt 0 ]; do
  case $1 in
    --runs) runs=$2; shift 2 ;;
    --timeout) timeout=$2; shift 2 ;;
    --faults) faults=$2; shift 2 ;;
    *) echo "usage: $0 [--runs N] [--timeout SECONDS] [--faults \"F1 F2\"]" >&2; exit 2 ;;
  esac
done
[ "$(id -u)" = 0 ] || { echo "needs root (the lab)" >&2; exit 2; }
[ -x build/netdoctor ] || { echo "no build/netdoctor: run scripts/build.sh" >&2; exit 2; }

inv=$(mktemp /tmp/netdoctor-e2e-inventory.XXXXXX.json)
out=$(mktemp /tmp/netdoctor-e2e-out.XXXXXX)
trap 'rm -f "$inv" "$out"; "$lab" down >/dev/null 2>&1 || true' EXIT
"$lab" up >/dev/null
egress=(--egress http://example.test/ --egress http://203.0.113.10/)

now_ns() { date +%s%N; }
median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : int((v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }

nd_ms=() base_ms=() nd_said="" base_said=""
run_nd() {
  local a b rc=0
  a=$(now_ns)
  ip netns exec ndlab-node1 build/netdoctor diagnose -o json --timeout "${timeout}s" \
    --inventory "$inv" "${egress[@]}" >"$out" || rc=$?
  b=$(now_ns)
  nd_ms+=($(((b - a) / 1000000)))
  nd_said=$(jq -r --arg rc "$rc" '"exit \($rc), \(.sources | length) pods, \([.layers[].checks[]] | length) checks, \([.layers[].checks[] | select(.status == "fail")] | length) failed, root cause: \(.root_cause.code // "none")"' "$out")
}
run_base() {
  local a b rc=0
  a=$(now_ns)
  ip netns exec ndlab-node1 bench/baseline_checklist.sh --inventory "$inv" --timeout "$timeout" \
    "${egress[@]}" >"$out" 2>&1 || rc=$?
  b=$(now_ns)
  base_ms+=($(((b - a) / 1000000)))
  base_said="exit $rc, $(grep -cE '^(PASS|FAIL) ' "$out") checks, $(grep -c '^FAIL ' "$out") failed, root cause: (none given)"
}

status=0
printf '%-16s %10s %10s %7s\n' scenario netdoctor baseline speedup
scenario() { # FAULT
  local fault=$1
  "$lab" heal >/dev/null
  [ "$fault" = healthy ] || "$lab" fault "$fault" >/dev/null
  "$lab" inventory >"$inv"
  nd_ms=() base_ms=()
  for ((r = 0; r < runs; r++)); do
    if ((r % 2)); then run_base; run_nd; else run_nd; run_base; fi
  done
  local nd base speedup
  nd=$(printf '%s\n' "${nd_ms[@]}" | median)
  base=$(printf '%s\n' "${base_ms[@]}" | median)
  speedup=$(awk -v a="$base" -v b="$nd" 'BEGIN { printf "%.1f", a / (b > 0 ? b : 1) }')
  printf '%-16s %7d ms %7d ms %6sx\n' "$fault" "$nd" "$base" "$speedup"
  echo "    netdoctor: $nd_said; runs (ms): ${nd_ms[*]}"
  echo "    baseline:  $base_said; runs (ms): ${base_ms[*]}"
  local need=1
  [ "$fault" = healthy ] && need=10
  if awk -v s="$speedup" -v n="$need" 'BEGIN { exit !(s < n) }'; then
    echo "    CLAIM FAILS: speed-up below ${need}x"
    status=1
  fi
  if [ "$fault" != healthy ] && [[ $nd_said == *"root cause: none"* ]]; then
    echo "    CLAIM FAILS: netdoctor named no root cause"
    status=1
  fi
}
scenario healthy
for f in $faults; do scenario "$f"; done
exit $status
