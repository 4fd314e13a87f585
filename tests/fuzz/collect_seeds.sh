#!/usr/bin/env bash
# Records the fuzz harnesses' seed inputs from the lab (tests/lab), as root, holding the lab's
# lock: the inventory, the nodes' iptables-save text (legacy and iptables-nft), nft's JSON
# ruleset, the pods' resolv.conf and environment, the cluster CA, raw DNS answers of the
# cluster DNS (A, AAAA, NXDOMAIN, upstream) and captured ICMP echo frames. Writes into
# tests/fuzz/corpus/<harness>/lab-*; hand-made seeds beside them are left alone.
#   sudo tests/fuzz/collect_seeds.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
lab=tests/lab/lab
if [ -z "${NDLAB_LOCK_PID:-}" ]; then
  exec "$lab" lock --wait 1200 -- "$0" "$@"
fi
out=tests/fuzz/corpus
state=/run/netdoctor-lab
trap '"$lab" down >/dev/null 2>&1 || true' EXIT

# A DNS question for NAME, type A (1) or AAAA (28), recursion desired, as c-ares sends it.
dns_query() { # NAME TYPE
  local q='\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00' label
  IFS=. read -ra labels <<<"$1"
  for label in "${labels[@]}"; do q+=$(printf '\\x%02x' "${#label}")$label; done
  q+='\x00\x00'$(printf '\\x%02x' "$2")'\x00\x01'
  printf '%s' "$q"
}

# The raw UDP answer of SERVER to the question, prefixed with the dns_answer harness's status
# byte 0 (ARES_SUCCESS: c-ares hands the reply over).
dns_answer() { # POD SERVER NAME TYPE FILE
  local q
  q=$(dns_query "$3" "$4")
  # One write (dd gathers the question first): a UDP socket sends each write as a datagram.
  "$lab" exec "$1" bash -c "exec 3<>/dev/udp/$2/53
    printf '$q' | dd bs=4096 count=1 iflag=fullblock status=none >&3
    timeout 5 dd bs=4096 count=1 status=none <&3" >"$5.tmp" || true
  if [ -s "$5.tmp" ]; then { printf '\x00'; cat "$5.tmp"; } >"$5"; fi
  rm -f "$5.tmp"
}

# Frames of a pcap file, one file each, prefixed with the pcap_frame harness's link-type byte.
split_pcap() { # PCAP LINKBYTE PREFIX
  local n=0 hex
  while IFS= read -r hex; do
    [ -n "$hex" ] || continue
    n=$((n + 1))
    { printf "\\x$2"; printf "$(sed 's/\(..\)/\\x\1/g' <<<"$hex")"; } >"$3-$n"
  done < <(tcpdump -r "$1" -xx -nn 2>/dev/null | awk '
    /^[^\t ]/ { if (h != "") print h; h = ""; next }
    { for (i = 2; i <= NF; i++) h = h $i }
    END { if (h != "") print h }')
}

mkdir -p "$out"/{inventory,iptables_save,nft_json,resolv_conf,environ,ca_bundle,dns_answer,pcap_frame}
"$lab" up >/dev/null
"$lab" inventory >"$out/inventory/lab-inventory.json"
ip netns exec ndlab-node1 iptables-legacy-save >"$out/iptables_save/lab-node1-legacy.save"
ip netns exec ndlab-node2 iptables-legacy-save -c >"$out/iptables_save/lab-node2-legacy-counters.save"
"$lab" rules 1 >"$out/iptables_save/lab-node1.restore"
cp "$state/pods/default_client-a/resolv.conf" "$out/resolv_conf/lab-client-a"
cp "$state/pods/kube-system_coredns-0/resolv.conf" "$out/resolv_conf/lab-coredns-0"
cp "/proc/$("$lab" pid client-a)/environ" "$out/environ/lab-client-a"
cp "/proc/$("$lab" pid web-1)/environ" "$out/environ/lab-web-1"
cp "$state/pki/cluster-ca.crt" "$out/ca_bundle/lab-cluster-ca.crt"

d="$out/dns_answer"
dns_answer client-a 10.96.0.10 kubernetes.default.svc.cluster.local 1 "$d/lab-answer-a"
dns_answer client-a 10.96.0.10 web.default.svc.cluster.local 1 "$d/lab-answer-web"
dns_answer client-a 10.96.0.10 kubernetes.default.svc.cluster.local 28 "$d/lab-answer-aaaa"
dns_answer client-a 10.96.0.10 nothing.default.svc.cluster.local 1 "$d/lab-nxdomain"
dns_answer client-a 10.96.0.10 www.example.test 1 "$d/lab-upstream"

web1=$("$lab" ip web-1)
tmp=$(mktemp -d)
ip netns exec ndlab-n1-web-1 timeout 5 tcpdump -i eth0 -c 2 -w "$tmp/eth.pcap" icmp 2>/dev/null &
ip netns exec ndlab-n1-web-1 timeout 5 tcpdump -i any -y LINUX_SLL -c 2 -w "$tmp/any.pcap" icmp 2>/dev/null &
sleep 1
"$lab" exec client-a ping -c 2 -W 1 "$web1" >/dev/null || true
"$lab" exec client-a ping -c 1 -W 1 -s 1400 "$web1" >/dev/null || true
wait
split_pcap "$tmp/eth.pcap" 00 "$out/pcap_frame/lab-eth"
split_pcap "$tmp/any.pcap" 01 "$out/pcap_frame/lab-any"
rm -rf "$tmp"

# The nodes with iptables-nft: the save text and nft's JSON of the whole ruleset.
"$lab" down >/dev/null
"$lab" up --iptables nft >/dev/null
ip netns exec ndlab-node1 iptables-nft-save >"$out/iptables_save/lab-node1-nft.save"
ip netns exec ndlab-node1 nft -j list ruleset >"$out/nft_json/lab-node1-ruleset.json"
echo "seeds written under $out"
