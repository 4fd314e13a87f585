#!/usr/bin/env bash
# The baseline netdoctor is measured against: the same troubleshooting checklist, done the way an
# on-call engineer does it by hand, with nsenter, ping, tcpdump, dig, curl, sysctl and
# iptables-save, one command after the other. Run it on a node (in the lab: inside a node's
# network namespace); it diagnoses every pod network namespace on that node.
#
#   usage: baseline_checklist.sh --inventory FILE [--timeout SECONDS] [--egress URL]...
#
# For every local pod it checks what netdoctor's layers check, with the same per-probe timeout:
#   node        sysctl ip_forward and bridge-nf-call-iptables, iptables-save (FORWARD policy)
#   pod         link up, IPv4 address, default route (ip, inside the pod)
#   same-node   ping every other local pod and the pod from the node; tcpdump in the receiver
#               shows which source address arrived (pods see each other without NAT)
#   cross-node  ping every pod of the other nodes, small and full-size with DF
#   service     a TCP connect through every TCP ClusterIP port and to every endpoint
#   dns         dig the cluster name through the pod's resolv.conf (with +search for the short
#               name), at the DNS ClusterIP and each DNS endpoint over UDP and TCP, an outside name
#   apiserver   curl https://kubernetes.default.svc/version with the pod's CA and token
#   egress      curl each --egress URL
# It prints one PASS/FAIL line per check and the number of failures. It does not say why a
# check fails, nor which failure explains the others: that is what netdoctor adds.
# Exit 0 when everything passed, 1 otherwise, 2 on bad usage.
set -uo pipefail

inventory="" timeout=1 egress=()
while [ $# -gt 0 ]; do
  case $1 in
    --inventory) inventory=$2; shift 2 ;;
    --timeout) timeout=$2; shift 2 ;;
    --egress) egress+=("$2"); shift 2 ;;
    *) echo "usage: $0 --inventory FILE [--timeout SECONDS] [--egress URL]..." >&2; exit 2 ;;
  esac
done
[ -r "$inventory" ] || { echo "no readable --inventory" >&2; exit 2; }

failures=0
result() { # STATUS TEXT
  echo "$1 $2"
  [ "$1" = PASS ] || failures=$((failures + 1))
}
check() { # TEXT CMD...: PASS when CMD succeeds
  local text=$1
  shift
  if "$@" >/dev/null 2>&1; then result PASS "$text"; else result FAIL "$text"; fi
}
in_pod() { # PID CMD...: in the pod's network and mount namespaces (its resolv.conf, its files)
  local pid=$1
  shift
  nsenter -t "$pid" -n -m -- "$@"
}

# --- node -------------------------------------------------------------------------------
check "node: ip_forward is 1" test "$(sysctl -n net.ipv4.ip_forward)" = 1
check "node: bridge-nf-call-iptables is 1" \
  test "$(sysctl -n net.bridge.bridge-nf-call-iptables 2>/dev/null)" = 1
# kube-proxy's backend decides which tool shows its rules: legacy tables first, else nft.
rules=$(iptables-legacy-save 2>/dev/null)
[ -n "$rules" ] || rules=$(iptables-nft-save 2>/dev/null)
check "node: FORWARD policy accepts, or a rule accepts pod traffic" \
  sh -c 'printf "%s\n" "$1" | grep -qE "^:FORWARD ACCEPT|^-A FORWARD .*-j (ACCEPT|KUBE-FORWARD)"' sh "$rules"
node_netns=$(readlink /proc/self/ns/net)

# --- the pods of this node: one pid per network namespace other than the node's -------------
declare -A pid_of_ip=()
declare -A seen=()
for p in /proc/[0-9]*; do
  ns=$(readlink "$p/ns/net" 2>/dev/null) || continue
  [ "$ns" = "$node_netns" ] && continue
  [ -n "${seen[$ns]:-}" ] && continue
  seen[$ns]=1
  pid=${p#/proc/}
  ip=$(nsenter -t "$pid" -n ip -4 -o addr show dev eth0 2>/dev/null | awk '{ split($4, a, "/"); print a[1]; exit }')
  # A pod of this node: the node routes its address over the pod bridge.
  [ -n "$ip" ] && ip -4 route get "$ip" 2>/dev/null | grep -q ' dev cni0 ' && pid_of_ip[$ip]=$pid
done
local_ips=("${!pid_of_ip[@]}")
node_name=$(jq -r --argjson ips "$(printf '%s\n' "${local_ips[@]}" | jq -R . | jq -s .)" \
  '[.items[] | select(.kind == "Pod" and (.status.podIP as $i | $ips | index($i)))
   | .spec.nodeName][0] // ""' "$inventory")
remote_ips=$(jq -r --arg n "$node_name" \
  '.items[] | select(.kind == "Pod" and .spec.nodeName != $n and .spec.hostNetwork != true)
   | .status.podIP // empty' "$inventory")
# Services with ready endpoints (one without any rejects by design: nothing to probe).
tcp_services=$(jq -r '[.items[] | select(.kind == "EndpointSlice")
   | select([.endpoints[]? | select(.conditions.ready != false)] | length > 0)
   | .metadata.labels["kubernetes.io/service-name"]] as $with
   | .items[] | select(.kind == "Service" and .spec.clusterIP != "None")
   | select(.metadata.name as $n | $with | index($n))
   | .spec.clusterIP as $ip | .spec.ports[] | select((.protocol // "TCP") == "TCP")
   | "\($ip) \(.port)"' "$inventory")
tcp_endpoints=$(jq -r '.items[] | select(.kind == "EndpointSlice") | . as $s
   | .ports[]? | select((.protocol // "TCP") == "TCP") | .port as $p
   | $s.endpoints[]? | select(.conditions.ready != false) | .addresses[] | "\(.) \($p)"' \
  "$inventory" | sort -u)
dns_ip=$(jq -r '.items[] | select(.kind == "Service" and .metadata.name == "kube-dns")
   | .spec.clusterIP' "$inventory" | head -1)
api_ip=$(jq -r '.items[] | select(.kind == "Service" and .metadata.name == "kubernetes"
   and .metadata.namespace == "default") | .spec.clusterIP' "$inventory" | head -1)
dns_endpoints=$(jq -r '.items[] | select(.kind == "EndpointSlice"
   and .metadata.labels["kubernetes.io/service-name"] == "kube-dns")
   | .endpoints[]? | .addresses[]' "$inventory" | sort -u)
mtu_payload=$(($(cat /sys/class/net/cni0/mtu 2>/dev/null || echo 1450) - 28))

# Pings DST from inside PID's namespace while tcpdump in RECEIVER's namespace records the
# source address that arrives; passes when the reply comes and the source is SRC_IP.
ping_no_nat() { # PID DST RECEIVER_PID SRC_IP
  local cap
  cap=$(mktemp)
  nsenter -t "$3" -n timeout "$((timeout + 1))" tcpdump -l -n -c 1 -i eth0 \
    "icmp[icmptype] == icmp-echo and dst $2" >"$cap" 2>&1 &
  local tp=$!
  for _ in $(seq 50); do grep -q listening "$cap" && break; sleep 0.02; done
  local ok=0
  nsenter -t "$1" -n ping -n -c 1 -W "$timeout" "$2" >/dev/null 2>&1 || ok=1
  wait "$tp"
  grep -q "IP $4 > $2" "$cap" || ok=1
  rm -f "$cap"
  return $ok
}
node_ip=$(ip -4 -o addr show dev cni0 2>/dev/null | awk '{ split($4, a, "/"); print a[1]; exit }')

for ip in "${local_ips[@]}"; do
  pid=${pid_of_ip[$ip]}
  # --- pod ---
  check "pod $ip: eth0 is up" sh -c "nsenter -t $pid -n ip -o link show dev eth0 | grep -q 'state UP'"
  check "pod $ip: eth0 has an IPv4 address" test -n "$ip"
  check "pod $ip: default route" sh -c "nsenter -t $pid -n ip route show default | grep -q ."
  # --- same-node: every other local pod, without NAT; and the node to this pod ---
  for other in "${local_ips[@]}"; do
    [ "$other" = "$ip" ] && continue
    check "same-node $ip -> $other (no NAT)" ping_no_nat "$pid" "$other" "${pid_of_ip[$other]}" "$ip"
  done
  check "same-node node -> $ip (no NAT)" ping_no_nat $$ "$ip" "$pid" "$node_ip"
  # --- cross-node ---
  for r in $remote_ips; do
    check "cross-node $ip -> $r" in_pod "$pid" ping -n -c 1 -W "$timeout" "$r"
    check "cross-node $ip -> $r full-size DF" \
      in_pod "$pid" ping -n -c 1 -W "$timeout" -M do -s "$mtu_payload" "$r"
  done
  # --- service ---
  while read -r sip sport; do
    [ -n "$sip" ] || continue
    check "service $ip -> $sip:$sport" in_pod "$pid" timeout "$timeout" bash -c ": </dev/tcp/$sip/$sport"
  done <<<"$tcp_services"
  while read -r eip eport; do
    [ -n "$eip" ] || continue
    check "endpoint $ip -> $eip:$eport" in_pod "$pid" timeout "$timeout" bash -c ": </dev/tcp/$eip/$eport"
  done <<<"$tcp_endpoints"
  # --- dns ---
  dig_ok() { # PID ARGS...: an answer with at least one record
    local p=$1
    shift
    [ -n "$(in_pod "$p" dig +time="$timeout" +tries=1 +short "$@" 2>/dev/null | grep -v '^;')" ]
  }
  # Cluster names only for pods that use the cluster DNS (dnsPolicy ClusterFirst).
  if in_pod "$pid" grep -q "^nameserver $dns_ip\$" /etc/resolv.conf; then
    check "dns $ip: kubernetes.default.svc.cluster.local (resolv.conf)" \
      dig_ok "$pid" kubernetes.default.svc.cluster.local
    check "dns $ip: kubernetes.default (search path)" dig_ok "$pid" +search kubernetes.default
  else
    echo "SKIP dns $ip: the pod does not use the cluster DNS"
  fi
  for proto in +notcp +tcp; do
    check "dns $ip: ClusterIP $dns_ip $proto" dig_ok "$pid" "$proto" "@$dns_ip" kubernetes.default.svc.cluster.local
    for e in $dns_endpoints; do
      check "dns $ip: endpoint $e $proto" dig_ok "$pid" "$proto" "@$e" kubernetes.default.svc.cluster.local
    done
  done
  for u in "${egress[@]}"; do
    host=$(printf '%s' "$u" | sed -E 's#^[a-z]+://([^/:]+).*#\1#')
    check "dns $ip: outside name $host" dig_ok "$pid" "$host"
  done
  # --- apiserver ---
  sa=/var/run/secrets/kubernetes.io/serviceaccount
  check "apiserver $ip: https://$api_ip/version" \
    in_pod "$pid" sh -c "curl -sf --max-time $timeout --cacert $sa/ca.crt \
      -H \"Authorization: Bearer \$(cat $sa/token)\" https://$api_ip/version"
  # --- egress ---
  for u in "${egress[@]}"; do
    check "egress $ip: $u" in_pod "$pid" curl -sf -o /dev/null --max-time "$timeout" "$u"
  done
done

echo "$failures failed"
[ "$failures" = 0 ]
