#!/usr/bin/env bash
# Benchmark: node mode on a node of 30 pods (`lab up --pods-per-node 30`), the shape a real node
# has and our default lab does not: every pod is a source, probes every Service, endpoint, peer,
# remote pod, the DNS and the API server.
#
# For each binary (the one under test, and the one named by OLD to compare side by side) it
# prints:
#   - the wall time of `diagnose` in node mode (no --from, default timeout, every layer), healthy:
#     median, minimum and maximum of RUNS runs, with the verdict of each run (a healthy node must
#     read healthy every time: a failure there is one netdoctor caused);
#   - what one run sends, counted on the wire with tcpdump in node1's namespace: TCP connects
#     (SYNs leaving a pod's veth), ICMP echo requests (from a pod's veth, and from the node to its
#     pods and to the other node) and DNS questions (UDP to port 53 from a pod's veth);
#   - the text report's line count, healthy and with one fault (endpoint-unreachable: a web
#     backend stopped, seen from every pod).
#
#   usage: sudo bench/node_scale_bench.sh [RUNS]            (default 5)
#          OLD=/tmp/old/build/netdoctor sudo -E bench/node_scale_bench.sh
# Needs build/netdoctor (or NETDOCTOR=path) and tcpdump. Brings the lab up with 30 pods per node
# and down again; holds the lab's lock.
set -euo pipefail
cd "$(dirname "$0")/.."
lab=tests/lab/lab
if [ -z "${NDLAB_LOCK_PID:-}" ]; then exec "$lab" lock --wait 900 -- "$0" "$@"; fi
runs=${1:-5}
binaries=("$(realpath "${NETDOCTOR:-build/netdoctor}")")
[ -n "${OLD:-}" ] && binaries+=("$(realpath "$OLD")")
command -v tcpdump >/dev/null || { echo "needs tcpdump" >&2; exit 2; }
work=$(mktemp -d /tmp/netdoctor-node-scale.XXXXXX)
cap_pid=""
cleanup() {
  [ -n "$cap_pid" ] && kill "$cap_pid" 2>/dev/null || true
  rm -rf "$work"
  "$lab" down >/dev/null 2>&1 || true
}
trap cleanup EXIT
"$lab" down >/dev/null 2>&1 || true
"$lab" up --pods-per-node 30 >/dev/null
"$lab" inventory >"$work/inv.json"
node=ndlab-node1
pods=$(ip netns list | grep -c '^ndlab-n1-' || true)
echo "node1: $pods pods; $runs runs per binary; default --timeout"

# One diagnosis in node mode; prints "exit ms".
one_run() { # BINARY OUTPUT FORMAT OUTFILE
  local t0 t1 rc=0
  t0=$(date +%s%N)
  ip netns exec "$node" "$1" diagnose -o "$2" --inventory "$work/inv.json" >"$3" 2>/dev/null || rc=$?
  t1=$(date +%s%N)
  echo "$rc $(((t1 - t0) / 1000000))"
}

# What one run sends, counted by tcpdump on every interface of node1's namespace.
count_probes() { # BINARY
  local cap=$work/cap.txt
  ip netns exec "$node" tcpdump -i any -nn -l -q \
    '(tcp[tcpflags] & (tcp-syn|tcp-ack)) == tcp-syn or icmp[icmptype] == icmp-echo or (udp dst port 53)' \
    >"$cap" 2>/dev/null &
  cap_pid=$!
  sleep 1
  one_run "$1" json "$work/probe-run.json" >/dev/null
  sleep 1
  kill "$cap_pid" 2>/dev/null || true
  wait "$cap_pid" 2>/dev/null || true
  cap_pid=""
  # Interface in field 2, direction in field 3 ("P": from the pod into its veth on the node).
  awk '
    $2 ~ /^veth/ && $3 == "P" && /tcp/            { syn++ }
    $2 ~ /^veth/ && $3 == "P" && /ICMP echo/      { ping++ }
    ($2 == "cni0" || $2 == "eth0") && $3 == "Out" && /ICMP echo/ { ping++ }
    $2 ~ /^veth/ && $3 == "P" && /\.53: UDP/      { dns++ }
    END { printf "  sent per run: %d TCP connects, %d ICMP echoes, %d DNS questions (UDP)\n", syn, ping, dns }
  ' "$cap"
}

for bin in "${binaries[@]}"; do
  echo "$bin"
  "$lab" heal >/dev/null
  ms=()
  verdicts=""
  for _ in $(seq "$runs"); do
    read -r rc t <<<"$(one_run "$bin" json "$work/run.json")"
    ms+=("$t")
    verdicts+=" $([ "$rc" = 0 ] && echo healthy || echo "FAULTY(exit $rc)")"
  done
  printf '%s\n' "${ms[@]}" | sort -n | awk '
    { v[NR] = $1 }
    END { printf "  healthy, node mode: median %5d ms  min %5d ms  max %5d ms  (%d runs)\n",
          v[int((NR + 1) / 2)], v[1], v[NR], NR }'
  echo "  verdicts:$verdicts"
  count_probes "$bin"
  one_run "$bin" text "$work/healthy.txt" >/dev/null
  "$lab" fault endpoint-unreachable >/dev/null
  one_run "$bin" text "$work/fault.txt" >/dev/null
  "$lab" heal >/dev/null
  printf '  text report: %d lines healthy, %d lines with one fault (endpoint-unreachable)\n' \
    "$(wc -l <"$work/healthy.txt")" "$(wc -l <"$work/fault.txt")"
done
