#!/usr/bin/env bash
# Benchmark: reading a large kube-proxy rule set. `netdoctor services` end to end (detect the
# backend, read the rules, recover every Service with its endpoints, print them) against
# `iptables-legacy-save` alone (dump the same tables as text), side by side on the same rules.
#
# The rules (bench/gen_rules.awk: SERVICES Services with ENDPOINTS endpoints each, kube-proxy's
# layout) are loaded with iptables-legacy-restore into a throwaway network namespace with a
# unique name, deleted on every exit. Each repetition runs both commands (in alternating order,
# so neither always gets the warm cache), and the medians of the wall times are compared:
# ratio = netdoctor / iptables-legacy-save, which must be <= 1.0.
#
#   usage: sudo bench/rules_bench.sh [--binary PATH] [--runs N] [--services N] [--endpoints N]
# Defaults: build/netdoctor, 7 runs, 10000 Services, 3 endpoints. Needs root, iproute2,
# iptables (legacy tools) and awk. Exit 0 when the ratio is <= 1.0, 1 when it is not, 2 on
# bad usage or set-up failure.
set -euo pipefail
cd "$(dirname "$0")/.."

binary=build/netdoctor runs=7 services=10000 endpoints=3
while [ $# -gt 0 ]; do
  case $1 in
    --binary) binary=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --services) services=$2; shift 2 ;;
    --endpoints) endpoints=$2; shift 2 ;;
    *) echo "usage: $0 [--binary PATH] [--runs N] [--services N] [--endpoints N]" >&2; exit 2 ;;
  esac
done
[ "$(id -u)" = 0 ] || { echo "needs root (network namespaces, iptables)" >&2; exit 2; }
[ -x "$binary" ] || { echo "no netdoctor binary at $binary (build it, or give --binary)" >&2; exit 2; }

ns=ndbench-rules-$$-$RANDOM
rules=$(mktemp /tmp/netdoctor-bench-rules.XXXXXX)
out=$(mktemp /tmp/netdoctor-bench-out.XXXXXX)
cleanup() {
  ip netns del "$ns" 2>/dev/null || true
  rm -f "$rules" "$out"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

now_ns() { date +%s%N; }
median() { sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

awk -v services="$services" -v endpoints="$endpoints" -f bench/gen_rules.awk >"$rules"
nrules=$(grep -c '^-A' "$rules")
nchains=$(grep -c '^:' "$rules")
ip netns add "$ns"
t0=$(now_ns)
ip netns exec "$ns" iptables-legacy-restore <"$rules"
t1=$(now_ns)
echo "rules: $services Services x $endpoints endpoints = $nrules rules, $nchains chains;" \
  "loaded into netns $ns in $(((t1 - t0) / 1000000)) ms"

# Sanity: both commands see the whole rule set (else the comparison means nothing).
ip netns exec "$ns" "$binary" services >"$out"
found=$(grep -c ' -> ' "$out" || true)
echo "netdoctor services lists $(wc -l <"$out") lines, $found with endpoints; first lines:"
head -3 "$out" | sed 's/^/  /'
saved=$(ip netns exec "$ns" iptables-legacy-save | grep -c '^-A')
[ "$saved" -ge "$nrules" ] || { echo "iptables-legacy-save shows $saved rules, expected $nrules" >&2; exit 2; }

nd_ms=() save_ms=()
run_nd() {
  local a b
  a=$(now_ns); ip netns exec "$ns" "$binary" services >/dev/null; b=$(now_ns)
  nd_ms+=($(((b - a) / 1000000)))
}
run_save() {
  local a b
  a=$(now_ns); ip netns exec "$ns" iptables-legacy-save >/dev/null; b=$(now_ns)
  save_ms+=($(((b - a) / 1000000)))
}
for ((r = 0; r < runs; r++)); do
  if ((r % 2)); then run_save; run_nd; else run_nd; run_save; fi
done
nd_med=$(printf '%s\n' "${nd_ms[@]}" | median)
save_med=$(printf '%s\n' "${save_ms[@]}" | median)
echo "netdoctor services    (ms): ${nd_ms[*]}  median $nd_med"
echo "iptables-legacy-save  (ms): ${save_ms[*]}  median $save_med"
awk -v a="$nd_med" -v b="$save_med" 'BEGIN {
  r = a / b
  printf "ratio netdoctor/iptables-legacy-save = %.2f (%s)\n", r, r <= 1.0 ? "ok: <= 1.0" : "TOO SLOW: > 1.0"
  exit r <= 1.0 ? 0 : 1
}'
