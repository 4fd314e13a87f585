#!/usr/bin/env bash
# Benchmark: reading a large kube-proxy rule set. `netdoctor services -o json` end to end (detect
# the backend, read the rules, recover every Service with its endpoints, print them as JSON)
# against `iptables-legacy-save` alone (dump the same tables as text), side by side on the same
# rules, with the bare kernel read (bench/ipt_read_floor.c: IPT_SO_GET_INFO + IPT_SO_GET_ENTRIES
# for each table, nothing else) as the floor.
#
# The rules (bench/gen_rules.awk: SERVICES Services with ENDPOINTS endpoints each, kube-proxy's
# layout) are loaded with iptables-legacy-restore into a throwaway network namespace with a
# unique name, deleted on every exit. Each repetition runs the three commands (in rotating order,
# so none always gets the warm cache), and the medians of the wall times are compared:
# ratio = netdoctor / iptables-legacy-save, which must be <= 1.0; netdoctor / floor is printed
# beside it.
#
#   usage: sudo bench/rules_bench.sh [--binary PATH] [--runs N] [--services N] [--endpoints N]
# Defaults: build/netdoctor, 7 runs, 10000 Services, 3 endpoints. Needs root, iproute2,
# iptables (legacy tools), awk and a C compiler (cc) for the floor. Exit 0 when the ratio is
# <= 1.0, 1 when it is not, 2 on bad usage or set-up failure.
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
work=$(mktemp -d /tmp/netdoctor-bench-rules.XXXXXX)
rules=$work/rules out=$work/out floor=$work/ipt_read_floor
cleanup() {
  ip netns del "$ns" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

cc -O2 -o "$floor" bench/ipt_read_floor.c || { echo "cannot build bench/ipt_read_floor.c" >&2; exit 2; }

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
# The floor reads exactly the tables the namespace has (asking for another would create it).
mapfile -t tables < <(ip netns exec "$ns" cat /proc/net/ip_tables_names)

# Sanity: each command sees the whole rule set (else the comparison means nothing).
ip netns exec "$ns" "$binary" services -o json >"$out"
found=$(grep -c '"address":' "$out" || true)
echo "netdoctor services -o json: $(wc -c <"$out") bytes, $found endpoints; backend line:"
grep -m1 '"backend_reason"' "$out" | sed 's/^ */  /'
[ "$found" -ge $((services * endpoints)) ] ||
  { echo "netdoctor lists $found endpoints, expected $((services * endpoints))" >&2; exit 2; }
saved=$(ip netns exec "$ns" iptables-legacy-save | grep -c '^-A')
[ "$saved" -ge "$nrules" ] || { echo "iptables-legacy-save shows $saved rules, expected $nrules" >&2; exit 2; }
echo "floor: $(ip netns exec "$ns" "$floor" "${tables[@]}") (${tables[*]})"

nd_ms=() save_ms=() floor_ms=()
run_nd() {
  local a b
  a=$(now_ns); ip netns exec "$ns" "$binary" services -o json >/dev/null; b=$(now_ns)
  nd_ms+=($(((b - a) / 1000000)))
}
run_save() {
  local a b
  a=$(now_ns); ip netns exec "$ns" iptables-legacy-save >/dev/null; b=$(now_ns)
  save_ms+=($(((b - a) / 1000000)))
}
run_floor() {
  local a b
  a=$(now_ns); ip netns exec "$ns" "$floor" "${tables[@]}" >/dev/null; b=$(now_ns)
  floor_ms+=($(((b - a) / 1000000)))
}
for ((r = 0; r < runs; r++)); do
  case $((r % 3)) in
    0) run_nd; run_save; run_floor ;;
    1) run_save; run_floor; run_nd ;;
    2) run_floor; run_nd; run_save ;;
  esac
done
nd_med=$(printf '%s\n' "${nd_ms[@]}" | median)
save_med=$(printf '%s\n' "${save_ms[@]}" | median)
floor_med=$(printf '%s\n' "${floor_ms[@]}" | median)
echo "netdoctor services -o json (ms): ${nd_ms[*]}  median $nd_med"
echo "iptables-legacy-save       (ms): ${save_ms[*]}  median $save_med"
echo "bare kernel read (floor)   (ms): ${floor_ms[*]}  median $floor_med"
awk -v a="$nd_med" -v b="$save_med" -v f="$floor_med" 'BEGIN {
  r = a / b
  printf "ratio netdoctor/floor = %.2f (iptables-legacy-save/floor = %.2f)\n", a / f, b / f
  printf "ratio netdoctor/iptables-legacy-save = %.2f (%s)\n", r, r <= 1.0 ? "ok: <= 1.0" : "TOO SLOW: > 1.0"
  exit r <= 1.0 ? 0 : 1
}'
