#!/usr/bin/env bash
# Records fixtures from a live lab into tests/testdata/lab/ (or DIR): node1's rules as
# iptables-legacy-save and iptables-nft-save print them, healthy and under the faults that
# change rules, and the inventory, healthy and with service-no-endpoints. Unit tests parse them
# without root. Needs root; brings the lab up and down (twice: legacy, then nft).
#   sudo tests/lab/record.sh [DIR]
set -euo pipefail

LAB_DIR=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)
LAB=$LAB_DIR/lab
OUT=${1:-$LAB_DIR/../testdata/lab}
[ "$(id -u)" -eq 0 ] || { echo "record: needs root" >&2; exit 1; }
if [ -z "${NDLAB_LOCK_PID:-}" ]; then exec "$LAB" lock -- "$0" "$@"; fi
mkdir -p "$OUT"

save() { # MODE FILE
  ip netns exec ndlab-node1 "iptables-$1-save" >"$OUT/$2"
}

RULE_FAULTS=(forward-policy-drop filter-drop kube-dns-rules-missing endpoints-stale service-no-endpoints
  egress-no-snat pod-snat)

"$LAB" down >/dev/null 2>&1
"$LAB" up
save legacy node1.iptables-legacy-save.txt
"$LAB" inventory >"$OUT/inventory.json"
for f in "${RULE_FAULTS[@]}"; do
  "$LAB" fault "$f"
  save legacy "node1.iptables-legacy-save.$f.txt"
  [ "$f" = service-no-endpoints ] && "$LAB" inventory >"$OUT/inventory.service-no-endpoints.json"
  "$LAB" heal
done
pid=$("$LAB" pid client-a)
cp "/proc/$pid/root/etc/resolv.conf" "$OUT/client-a.resolv.conf"
"$LAB" fault dns-resolv-conf-invalid
cp "/proc/$pid/root/etc/resolv.conf" "$OUT/client-a.resolv.conf.dns-resolv-conf-invalid"
"$LAB" down

"$LAB" up --iptables nft
save nft node1.iptables-nft-save.txt
"$LAB" down
echo "record: fixtures written to $OUT"
