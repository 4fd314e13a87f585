#!/usr/bin/env bash
# Benchmark: how long `netdoctor diagnose` takes on the lab, healthy and with faults.
#
# For each scenario it runs the diagnosis RUNS times from default/client-a on node1 and prints
# the median, minimum and maximum wall time of the whole command (process start to exit), with
# the per-probe timeout. The claim it checks: a healthy run of the node, pod, same-node,
# cross-node and dns layers takes well under a second, and a faulty one about one probe timeout
# (probes run concurrently), not the sum of the failed probes.
#
#   usage: sudo bench/diagnose_bench.sh [RUNS] [TIMEOUT]     (defaults: 20, 500ms)
# Needs build/netdoctor (scripts/build.sh), or the binary named by NETDOCTOR (to measure an older
# build side by side: git worktree add /tmp/old REV && (cd /tmp/old && scripts/build.sh), then
# NETDOCTOR=/tmp/old/build/netdoctor bench/diagnose_bench.sh). Brings the lab up and down; holds
# the lab's lock.
set -euo pipefail
cd "$(dirname "$0")/.."
lab=tests/lab/lab
if [ -z "${NDLAB_LOCK_PID:-}" ]; then exec "$lab" lock --wait 900 -- "$0" "$@"; fi
runs=${1:-20}
timeout=${2:-500ms}
binary=$(realpath "${NETDOCTOR:-build/netdoctor}")
layers=node,pod,same-node,cross-node,dns
inv=$(mktemp /tmp/netdoctor-bench-inventory.XXXXXX.json)
trap 'rm -f "$inv"; "$lab" down >/dev/null 2>&1 || true' EXIT
"$lab" up >/dev/null
"$lab" inventory >"$inv"

# One scenario: inject FAULT (or none), run the diagnosis RUNS times, print the statistics.
measure() {
  local fault=$1 ms=() t0 t1 rc
  "$lab" heal >/dev/null
  [ "$fault" = healthy ] || "$lab" fault "$fault" >/dev/null
  for _ in $(seq "$runs"); do
    t0=$(date +%s%N)
    rc=0
    ip netns exec ndlab-node1 "$binary" diagnose -o json --timeout "$timeout" \
      --inventory "$inv" --from default/client-a --layers "$layers" >/dev/null || rc=$?
    t1=$(date +%s%N)
    ms+=($(((t1 - t0) / 1000000)))
  done
  printf '%s\n' "${ms[@]}" | sort -n | awk -v f="$fault" -v rc="$rc" '
    { v[NR] = $1 }
    END { printf "%-22s exit %d  median %5d ms  min %5d ms  max %5d ms  (%d runs)\n",
          f, rc, v[int((NR + 1) / 2)], v[1], v[NR], NR }'
}

echo "$binary diagnose --layers $layers --timeout $timeout, from default/client-a on node1"
for scenario in healthy route-missing mtu-blackhole filter-drop dns-server-down; do
  measure "$scenario"
done
