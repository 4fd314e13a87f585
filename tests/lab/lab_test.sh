#!/usr/bin/env bash
# The lab's own test: brings the lab up, proves with standard tools (ping, curl, dig, ip,
# iptables-save run in the pods' and nodes' namespaces) that every path works, injects each
# fault alone and proves its symptom (and that heal removes it), checks the other options
# (host-gw, iptables-nft), a `down` after an interrupted `up`, and that `down` leaves the
# machine as it found it. Needs root; exits 77 (skipped) otherwise.
# Prints "N passed, M failed" last; exits non-zero on any failure.
#   sudo tests/lab/lab_test.sh            # everything (about 5 minutes)
#   sudo tests/lab/lab_test.sh --quick    # one up, the healthy checks and a few faults
set -uo pipefail

LAB_DIR=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)
LAB=$LAB_DIR/lab
QUICK=0
[ "${1:-}" = --quick ] && QUICK=1

if [ "$(id -u)" -ne 0 ]; then
  echo "lab_test: skipped: needs root (namespaces, iptables)"
  exit 77
fi
# Hold the lab for the whole test, so that no other test uses it meanwhile.
if [ -z "${NDLAB_LOCK_PID:-}" ]; then exec "$LAB" lock --wait 1200 -- "$0" "$@"; fi

PASSED=0
FAILED=0
pass() {
  PASSED=$((PASSED + 1))
  printf 'ok    %s\n' "$1"
}
fail() {
  FAILED=$((FAILED + 1))
  printf 'FAIL  %s\n' "$1"
}
check() { # DESCRIPTION CMD... : passes when CMD succeeds; shows its output when it fails
  local desc=$1 out
  shift
  if out=$("$@" 2>&1); then
    pass "$desc"
  else
    fail "$desc"
    [ -z "$out" ] || printf '%s\n' "$out" | tail -n 5 | sed 's/^/      | /'
  fi
}
check_eq() { # DESCRIPTION EXPECTED ACTUAL
  if [ "$2" = "$3" ]; then pass "$1"; else fail "$1 (expected '$2', got '$3')"; fi
}

lab() { "$LAB" "$@"; }
in_pod() { lab exec "$@"; }
ip_of() { lab ip "$1"; }
dig_a() { # POD SERVER NAME [dig args]
  local pod=$1 server=$2 name=$3
  shift 3
  in_pod "$pod" dig +time=2 +tries=2 +short "$@" "@$server" "$name" A 2>/dev/null | grep -E '^[0-9.]+$' | head -1
}
curl_pod() { # POD URL [args]
  local pod=$1 url=$2
  shift 2
  in_pod "$pod" curl -sS --max-time 3 "$@" "$url" 2>/dev/null
}
seconds_since() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }'; }

# Processes of the lab, for the check that `down` ends them all.
lab_pids() {
  local ns
  for ns in $(ip netns list | awk '{print $1}' | grep '^ndlab-'); do ip netns pids "$ns"; done | sort -u
}

# Alive and not a zombie (a dead process its parent has not reaped yet holds nothing).
pid_alive() {
  kill -0 "$1" 2>/dev/null || return 1
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  stat=${stat##*) }
  [ "${stat%% *}" != Z ]
}

cleanup() { "$LAB" down >/dev/null 2>&1 || true; }
trap cleanup EXIT

# ---------------------------------------------------------------------------------------------
echo "== up"
# A lab left over from before is not part of the machine as the test found it.
"$LAB" down >/dev/null 2>&1
NETNS_BEFORE=$(ip netns list | awk '{print $1}' | sort)
t0=$EPOCHREALTIME
if lab up; then pass "lab up"; else fail "lab up"; fi
UP_SECONDS=$(seconds_since "$t0")
echo "lab up took ${UP_SECONDS}s"
check "lab up takes under 15 s (${UP_SECONDS}s)" awk -v s="$UP_SECONDS" 'BEGIN { exit !(s < 15) }'
t0=$EPOCHREALTIME
check "lab up again on a lab that is up (heals, exit 0)" lab up
echo "second lab up took $(seconds_since "$t0")s"
check "lab up with other options on a lab that is up fails" bash -c "! '$LAB' up --backend host-gw"
check "lab status" lab status

# ---------------------------------------------------------------------------------------------
echo "== namespaces, pods and the pods' files"
for ns in ndlab-underlay ndlab-router ndlab-cp ndlab-inet ndlab-node1 ndlab-node2 \
  ndlab-n1-coredns-0 ndlab-n1-client-a ndlab-n1-web-1 ndlab-n1-slow-1 ndlab-n2-client-b ndlab-n2-web-2 \
  ndlab-n2-slow-2; do
  check "netns $ns exists" test -e "/var/run/netns/$ns"
done
check_eq "client-a's address (host-local IPAM, in order)" 10.244.1.3 "$(ip_of client-a)"
check_eq "coredns-0's address" 10.244.1.2 "$(ip_of coredns-0)"
check_eq "web-1's address" 10.244.1.4 "$(ip_of web-1)"
check_eq "client-b's address" 10.244.2.2 "$(ip_of client-b)"
check_eq "web-2's address" 10.244.2.3 "$(ip_of web-2)"
check_eq "slow-1's address" 10.244.1.5 "$(ip_of slow-1)"
check_eq "slow-2's address" 10.244.2.4 "$(ip_of slow-2)"
PID=$(lab pid client-a)
check_eq "client-a's process is in the pod's netns" "$(stat -L -c %i /var/run/netns/ndlab-n1-client-a)" \
  "$(stat -L -c %i "/proc/$PID/ns/net")"
check "client-a's process has its own mount namespace" \
  test "$(readlink "/proc/$PID/ns/mnt")" != "$(readlink /proc/self/ns/mnt)"
check "client-a's resolv.conf (via /proc/PID/root) names 10.96.0.10" \
  grep -qx 'nameserver 10.96.0.10' "/proc/$PID/root/etc/resolv.conf"
check "client-a's resolv.conf has the cluster search path and ndots:5" \
  grep -q 'search default.svc.cluster.local svc.cluster.local cluster.local' "/proc/$PID/root/etc/resolv.conf"
SA=/proc/$PID/root/var/run/secrets/kubernetes.io/serviceaccount
check "client-a's service-account ca.crt is the lab CA" cmp -s "$SA/ca.crt" /run/netdoctor-lab/pki/cluster-ca.crt
check_eq "client-a's service-account namespace" default "$(cat "$SA/namespace")"
check "client-a's token is a JWT" grep -Eq '^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$' "$SA/token"
check "the same files through /proc/PID/root/run/secrets" cmp -s "$SA/token" \
  "/proc/$PID/root/run/secrets/kubernetes.io/serviceaccount/token"
check "client-a's environ has KUBERNETES_SERVICE_HOST=10.96.0.1" \
  grep -qx KUBERNETES_SERVICE_HOST=10.96.0.1 <(tr '\0' '\n' <"/proc/$PID/environ")
check "client-a's environ has KUBERNETES_SERVICE_PORT=443" \
  grep -qx KUBERNETES_SERVICE_PORT=443 <(tr '\0' '\n' <"/proc/$PID/environ")
check "client-a's environ has HOSTNAME=client-a" grep -qx HOSTNAME=client-a <(tr '\0' '\n' <"/proc/$PID/environ")

# The pod's processes as a runtime starts them: the sandbox ("pause", lowest pid in the netns,
# none of the pod's files, only PATH), the log-shipper sidecar (pod's resolv.conf, no service
# account, no KUBERNETES_*), the main container (PID above).
mapfile -t POD_PIDS < <(lab pids client-a)
SANDBOX=${POD_PIDS[0]:-0} SIDECAR=${POD_PIDS[1]:-0}
check_eq "client-a has three processes: sandbox, sidecar, main container" "3 $PID" "${#POD_PIDS[@]} ${POD_PIDS[2]:-}"
check_eq "client-a's sandbox-pid is the first of its pids" "$SANDBOX" "$(cat /run/netdoctor-lab/pods/default_client-a/sandbox-pid)"
check_eq "the sandbox is the lowest pid in client-a's netns" "$SANDBOX" "$(ip netns pids ndlab-n1-client-a | sort -n | head -1)"
check_eq "the sandbox's comm is pause" pause "$(cat "/proc/$SANDBOX/comm")"
check_eq "the sandbox's environ is only PATH" "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
  "$(tr '\0' '\n' <"/proc/$SANDBOX/environ")"
check "the sandbox has its own mount namespace, not the containers'" bash -c "
  [ \"\$(readlink /proc/$SANDBOX/ns/mnt)\" != \"\$(readlink /proc/self/ns/mnt)\" ] &&
  [ \"\$(readlink /proc/$SANDBOX/ns/mnt)\" != \"\$(readlink /proc/$PID/ns/mnt)\" ] &&
  [ \"\$(readlink /proc/$SIDECAR/ns/mnt)\" != \"\$(readlink /proc/$PID/ns/mnt)\" ]"
check "the containers share the sandbox's UTS namespace (hostname client-a)" bash -c "
  [ \"\$(readlink /proc/$SANDBOX/ns/uts)\" = \"\$(readlink /proc/$PID/ns/uts)\" ] &&
  [ \"\$(readlink /proc/$SIDECAR/ns/uts)\" = \"\$(readlink /proc/$PID/ns/uts)\" ] &&
  [ \"\$(nsenter -t $SANDBOX -u hostname)\" = client-a ]"
check "the sandbox has no service-account token" bash -c \
  "! nsenter -t $SANDBOX -m cat /run/secrets/kubernetes.io/serviceaccount/token && ! test -e /proc/$SANDBOX/root/var/run/secrets/kubernetes.io/serviceaccount/token"
check "the sandbox sees the host's resolv.conf, not the pod's" bash -c "! grep -q 'nameserver 10.96.0.10' /proc/$SANDBOX/root/etc/resolv.conf"
check "the main container has the token under /run (nsenter -m)" bash -c \
  "nsenter -t $PID -m cat /run/secrets/kubernetes.io/serviceaccount/token | grep -Eq '^[A-Za-z0-9_-]+\.'"
check "the sidecar has no service-account token" bash -c \
  "! nsenter -t $SIDECAR -m cat /var/run/secrets/kubernetes.io/serviceaccount/token && ! test -e /proc/$SIDECAR/root/run/secrets/kubernetes.io"
check "the sidecar has the pod's resolv.conf" grep -qx 'nameserver 10.96.0.10' "/proc/$SIDECAR/root/etc/resolv.conf"
check "the sidecar's environ has no KUBERNETES_*" bash -c "! tr '\\0' '\\n' </proc/$SIDECAR/environ | grep -q ^KUBERNETES_"
check_eq "web-1's nginx runs in its main container's mount namespace" "$(readlink "/proc/$(lab pid web-1)/ns/mnt")" \
  "$(readlink "/proc/$(cat /run/netdoctor-lab/pods/default_web-1/run/lab/server.pid)/ns/mnt")"
check_eq "slow-1's server is python3 in its main container's mount namespace" \
  "python3 $(readlink "/proc/$(lab pid slow-1)/ns/mnt")" "$(p=$(cat /run/netdoctor-lab/pods/default_slow-1/run/lab/server.pid); echo "$(cat "/proc/$p/comm") $(readlink "/proc/$p/ns/mnt")")"
check "slow-1 listens on :8080 with a backlog of 5" bash -c \
  "ip netns exec ndlab-n1-slow-1 ss -Hltn 'sport = :8080' | awk '{ exit !(\$3 == 5) }'"
check "client-a's eth0 is a veth whose peer is in ndlab-node1" \
  bash -c "ip -n ndlab-n1-client-a -d link show eth0 | grep -q 'link-netns ndlab-node1'"
check "the CNI bridge cni0 in node1 has 10.244.1.1/24" \
  bash -c "ip -n ndlab-node1 -4 addr show cni0 | grep -q 'inet 10.244.1.1/24'"
check "hairpin mode is on for the pods' bridge ports (CNI hairpinMode)" \
  bash -c "ip -n ndlab-node1 -d link show master cni0 | grep -q 'hairpin on'"
check "pod MTU is 1450 (vxlan)" bash -c "ip -n ndlab-n1-client-a link show eth0 | grep -q 'mtu 1450'"

# ---------------------------------------------------------------------------------------------
echo "== overlay and rules"
check "flannel.1 is VXLAN id 1 port 8472 MTU 1450" bash -c \
  "ip -n ndlab-node1 -d link show flannel.1 | grep -q 'mtu 1450' && ip -n ndlab-node1 -d link show flannel.1 | grep -q 'vxlan id 1 .*dstport 8472'"
check "node1 routes 10.244.2.0/24 via 10.244.2.0 onlink on flannel.1" bash -c \
  "ip -n ndlab-node1 route show 10.244.2.0/24 | grep -q 'via 10.244.2.0 dev flannel.1 onlink'"
check "node1 has a permanent neighbour for node2's VTEP" bash -c \
  "ip -n ndlab-node1 neigh show 10.244.2.0 dev flannel.1 | grep -q PERMANENT"
check "node1 has an FDB entry for node2's VTEP to 172.30.0.12" bash -c \
  "bridge -n ndlab-node1 fdb show dev flannel.1 | grep -q 'dst 172.30.0.12'"
RULES=$(ip netns exec ndlab-node1 iptables-legacy-save 2>/dev/null)
check "kube-proxy's chain for default/kubernetes:https is KUBE-SVC-NPX46M4PTMTKRN6Y" grep -q ':KUBE-SVC-NPX46M4PTMTKRN6Y' <<<"$RULES"
check "kube-dns chains KUBE-SVC-TCOU7JCQXEZGVUNU and KUBE-SVC-ERIFXISQEP7F7OF4" bash -c \
  "grep -q KUBE-SVC-TCOU7JCQXEZGVUNU <<<'$RULES' && grep -q KUBE-SVC-ERIFXISQEP7F7OF4 <<<'$RULES'"
check "web's endpoints are chosen with probability 0.5" grep -q -- '--probability 0.50000000000' <<<"$RULES"
check "default/empty REJECTs (has no endpoints)" grep -q 'default/empty:http has no endpoints" .* -j REJECT' <<<"$RULES"
check "KUBE-NODEPORTS is the last rule of nat KUBE-SERVICES" bash -c \
  "grep '^-A KUBE-SERVICES' <<<'$RULES' | grep -v 'REJECT' | tail -1 | grep -q 'KUBE-NODEPORTS'"
check "flannel's masquerade chain FLANNEL-POSTRTG" grep -q -- '-A POSTROUTING -m comment --comment "flanneld masq" -j FLANNEL-POSTRTG' <<<"$RULES"
check "flannel's forward accept FLANNEL-FWD" grep -q -- '-A FLANNEL-FWD -s 10.244.0.0/16' <<<"$RULES"
check "no iptables-nft rules in legacy mode" bash -c "! ip netns exec ndlab-node1 iptables-nft-save 2>/dev/null | grep -q KUBE-"

# ---------------------------------------------------------------------------------------------
echo "== paths"
check "same node: client-a pings web-1" in_pod client-a ping -c 1 -W 2 "$(ip_of web-1)"
check_eq "same node: client-a curls web-1" web-1 "$(curl_pod client-a "http://$(ip_of web-1)/")"
check "cross node: client-a pings web-2" in_pod client-a ping -c 1 -W 2 "$(ip_of web-2)"
check "cross node: client-b pings web-1" in_pod client-b ping -c 1 -W 2 "$(ip_of web-1)"
check_eq "cross node: client-a curls web-2" web-2 "$(curl_pod client-a "http://$(ip_of web-2)/")"
check "cross node: full-size packets (1422 bytes + headers, DF) pass" \
  in_pod client-a ping -c 1 -W 2 -M "do" -s 1422 "$(ip_of web-2)"
check_eq "cross node: a 3000-byte HTTP body" 3001 "$(curl_pod client-a "http://$(ip_of web-2)/big" | wc -c)"
check_eq "pod-to-pod traffic keeps its source address" "$(ip_of client-b)" "$(curl_pod client-b "http://$(ip_of web-1)/ip")"
check_eq "DNS over UDP via the ClusterIP from client-a (DNS pod's node)" 10.96.0.1 \
  "$(dig_a client-a 10.96.0.10 kubernetes.default.svc.cluster.local)"
check_eq "DNS over UDP via the ClusterIP from client-b" 10.96.100.10 "$(dig_a client-b 10.96.0.10 web.default.svc.cluster.local)"
check_eq "DNS over TCP via the ClusterIP from client-a" 10.96.0.10 \
  "$(dig_a client-a 10.96.0.10 kube-dns.kube-system.svc.cluster.local +tcp)"
check_eq "DNS over TCP via the ClusterIP from client-b" 10.96.0.1 "$(dig_a client-b 10.96.0.10 kubernetes.default.svc.cluster.local +tcp)"
check_eq "DNS with the pod's resolv.conf search path (kubernetes.default)" 10.96.0.1 \
  "$(in_pod client-a dig +search +short +time=2 kubernetes.default 2>/dev/null | head -1)"
check_eq "DNS: an unknown cluster name is NXDOMAIN" NXDOMAIN \
  "$(in_pod client-a dig +time=2 @10.96.0.10 nope.default.svc.cluster.local 2>/dev/null | grep -o 'status: [A-Z]*' | cut -d' ' -f2)"
check_eq "DNS: example.test resolves through the cluster DNS" 203.0.113.10 "$(dig_a client-b 10.96.0.10 example.test)"
seen=""
for i in $(seq 40); do
  seen+=" $(curl_pod client-b http://10.96.100.10/)"
  [[ $seen == *web-1* && $seen == *web-2* ]] && break
done
check "the web Service load-balances to web-1 and web-2 ($i requests)" test "${seen//web-1/}" != "$seen" -a "${seen//web-2/}" != "$seen"
seen=""
for i in $(seq 40); do
  seen+=" $(curl_pod client-a http://slow.default.svc.cluster.local/)"
  [[ $seen == *slow-1* && $seen == *slow-2* ]] && break
done
check "the slow Service (80 -> 8080) load-balances to slow-1 and slow-2 ($i requests)" test "${seen//slow-1/}" != "$seen" -a "${seen//slow-2/}" != "$seen"
check_eq "the slow backend answers /ip with the client's address" "$(ip_of client-b)" "$(curl_pod client-b "http://$(ip_of slow-1):8080/ip")"
check_eq "the empty Service rejects (curl exit 7)" 7 "$(in_pod client-a curl -s -o /dev/null --max-time 3 http://10.96.100.20/; echo $?)"
SAD=/var/run/secrets/kubernetes.io/serviceaccount
check_eq "API server /readyz over TLS with the pod's CA and token" 200 "$(in_pod client-a sh -c \
  "curl -s -o /dev/null -w '%{http_code}' --max-time 3 --cacert $SAD/ca.crt -H \"Authorization: Bearer \$(cat $SAD/token)\" https://10.96.0.1/readyz")"
check_eq "API server by name kubernetes.default.svc (SAN) from client-b" 200 "$(in_pod client-b sh -c \
  "curl -s -o /dev/null -w '%{http_code}' --max-time 3 --cacert $SAD/ca.crt -H \"Authorization: Bearer \$(cat $SAD/token)\" https://kubernetes.default.svc/readyz")"
check_eq "API server /readyz without a token is 401" 401 "$(in_pod client-a curl -s -o /dev/null -w '%{http_code}' \
  --max-time 3 --cacert $SAD/ca.crt https://10.96.0.1/readyz)"
check "API server /version returns JSON" bash -c "'$LAB' exec client-a curl -sS --max-time 3 --cacert $SAD/ca.crt \
  https://10.96.0.1/version | grep -q '\"gitVersion\": \"v1'"
check_eq "API server /livez" ok "$(curl_pod client-a https://10.96.0.1/livez --cacert $SAD/ca.crt)"
check_eq "egress by name from client-a" "hello from example.test" "$(curl_pod client-a http://example.test/)"
check_eq "egress by name from client-b" "hello from example.test" "$(curl_pod client-b http://www.example.test/)"
check_eq "egress is masqueraded to the node's address" 172.30.0.11 "$(curl_pod client-a http://example.test/ip)"

# ---------------------------------------------------------------------------------------------
echo "== inventory"
INV=$(lab inventory)
check "inventory is a v1 List" grep -q '^    "kind": "List",$' <<<"$INV"
for kind in Node Pod Service EndpointSlice; do
  check "inventory has ${kind}s" grep -q "\"kind\": \"$kind\"" <<<"$INV"
done
check "inventory has client-a's podIP" grep -q '"podIP": "10.244.1.3"' <<<"$INV"
check "inventory has node1's podCIDR" grep -q '"podCIDR": "10.244.1.0/24"' <<<"$INV"
check "inventory has the web EndpointSlice" grep -q '"kubernetes.io/service-name": "web"' <<<"$INV"
if command -v python3 >/dev/null 2>&1 && python3 -c 'import json' 2>/dev/null; then
  check "inventory parses as JSON, sorted keys and 4-space indent as kubectl prints" python3 -c '
import json, sys
text = sys.stdin.read()
d = json.loads(text)
assert d["apiVersion"] == "v1" and d["kind"] == "List"
assert text == json.dumps(d, indent=4, sort_keys=True, ensure_ascii=False) + "\n"
kinds = [i["kind"] for i in d["items"]]
assert kinds.count("Node") == 2 and kinds.count("EndpointSlice") == 5, kinds
web = [i for i in d["items"] if i["kind"] == "EndpointSlice" and i["metadata"]["labels"]["kubernetes.io/service-name"] == "web"][0]
assert sorted(e["addresses"][0] for e in web["endpoints"]) == ["10.244.1.4", "10.244.2.3"]
empty = [i for i in d["items"] if i["kind"] == "EndpointSlice" and i["metadata"]["labels"]["kubernetes.io/service-name"] == "empty"][0]
assert empty["endpoints"] is None
slow = [i for i in d["items"] if i["kind"] == "EndpointSlice" and i["metadata"]["labels"]["kubernetes.io/service-name"] == "slow"][0]
assert sorted(e["addresses"][0] for e in slow["endpoints"]) == ["10.244.1.5", "10.244.2.4"]
assert slow["ports"] == [{"name": "http", "port": 8080, "protocol": "TCP"}], slow["ports"]
pod = [i for i in d["items"] if i["kind"] == "Pod" and i["metadata"]["name"] == "client-a"][0]
assert [c["name"] for c in pod["spec"]["containers"]] == ["log-shipper", "client"]
assert "volumeMounts" not in pod["spec"]["containers"][0]
' <<<"$INV"
elif command -v jq >/dev/null 2>&1; then
  check "inventory parses as JSON" jq -e '.kind == "List"' <<<"$INV"
fi

# ---------------------------------------------------------------------------------------------
echo "== symptoms are absent while the lab is healthy"
mapfile -t FAULTS < <(lab faults | awk '{print $1}')
check "lab faults lists at least 22 faults (${#FAULTS[@]})" test "${#FAULTS[@]}" -ge 22
for f in "${FAULTS[@]}"; do
  check "healthy: no symptom of $f" bash -c "! '$LAB' symptom $f"
done

# ---------------------------------------------------------------------------------------------
echo "== faults, one at a time"
if [ "$QUICK" = 1 ]; then FAULTS=(route-missing egress-no-snat apiserver-tls-untrusted); fi
for f in "${FAULTS[@]}"; do
  t0=$EPOCHREALTIME
  if ! lab fault "$f" >/dev/null 2>&1; then
    fail "fault $f: inject"
    continue
  fi
  t1=$(seconds_since "$t0")
  check "fault $f: symptom present" lab symptom "$f"
  t0=$EPOCHREALTIME
  check "fault $f: heal" lab heal
  t2=$(seconds_since "$t0")
  check "fault $f: symptom gone after heal" bash -c "! '$LAB' symptom $f"
  echo "      ($f: inject ${t1}s, heal ${t2}s)"
done
check "faults add up: two at once, both symptoms present" bash -c \
  "'$LAB' fault route-missing dns-upstream-failure && '$LAB' symptom route-missing && '$LAB' symptom dns-upstream-failure"
check "heal removes both" bash -c "'$LAB' heal && ! '$LAB' symptom route-missing && ! '$LAB' symptom dns-upstream-failure"
check "an unknown fault is refused" bash -c "! '$LAB' fault no-such-fault"

echo "== a pod whose sandbox or container died is restarted by heal"
OLD=$(lab pids client-a | tr '\n' ' ')
kill "$(lab pids client-a | head -1)" "$(lab pid web-1)"
check "heal after killing client-a's sandbox and web-1's container" lab heal
NEW=$(lab pids client-a | tr '\n' ' ')
check "client-a has new processes ($OLD-> $NEW)" test "$OLD" != "$NEW"
check_eq "client-a's new sandbox is pause and the lowest pid in its netns" \
  "pause $(ip netns pids ndlab-n1-client-a | sort -n | head -1)" "$(p=$(lab pids client-a | head -1); echo "$(cat "/proc/$p/comm") $p")"
check_eq "web-1 serves again (from its new container)" web-1 "$(curl_pod client-a "http://$(ip_of web-1)/")"

# ---------------------------------------------------------------------------------------------
echo "== locking"
check "a lab command outside the test's lock fails while it holds the lock" \
  bash -c "! env -u NDLAB_LOCK_PID '$LAB' heal"
check "lab lock --wait 1 fails while the lock is held" bash -c "! env -u NDLAB_LOCK_PID '$LAB' lock --wait 1 -- true"

# ---------------------------------------------------------------------------------------------
echo "== down"
PIDS=$(lab_pids)
check "lab down" lab down
alive=""
for p in $PIDS; do pid_alive "$p" && alive+=" $p"; done
check_eq "no lab process is left" "" "$alive"
check_eq "ip netns list is as before" "$NETNS_BEFORE" "$(ip netns list | awk '{print $1}' | sort)"
check "the state dir is gone" test ! -e /run/netdoctor-lab
check "lab down again (nothing to do)" lab down

if [ "$QUICK" = 0 ]; then
  echo "== down after an interrupted up"
  "$LAB" up >/dev/null 2>&1 &
  upjob=$!
  sleep 2.5
  kill -9 "$upjob" 2>/dev/null
  wait "$upjob" 2>/dev/null
  # Children of the killed up (the CNI plugin, a starting server) may still be finishing.
  sleep 0.5
  check "lab down after a killed up" lab down
  check_eq "ip netns list is as before" "$NETNS_BEFORE" "$(ip netns list | awk '{print $1}' | sort)"
  check "the state dir is gone" test ! -e /run/netdoctor-lab

  echo "== host-gw backend with iptables-nft"
  t0=$EPOCHREALTIME
  check "lab up --backend host-gw --iptables nft" lab up --backend host-gw --iptables nft
  echo "lab up --backend host-gw --iptables nft took $(seconds_since "$t0")s"
  check "node1 routes 10.244.2.0/24 via node2's address (host-gw)" bash -c \
    "ip -n ndlab-node1 route show 10.244.2.0/24 | grep -q 'via 172.30.0.12 dev eth0'"
  check "kube-proxy rules are in iptables-nft" bash -c \
    "ip netns exec ndlab-node1 iptables-nft-save | grep -q KUBE-SVC-NPX46M4PTMTKRN6Y"
  check "no legacy rules in nft mode" bash -c "! ip netns exec ndlab-node1 iptables-legacy-save 2>/dev/null | grep -q KUBE-"
  check "KUBE-IPTABLES-HINT in nft mangle" bash -c "ip netns exec ndlab-node1 iptables-nft-save -t mangle | grep -q KUBE-IPTABLES-HINT"
  check "pod MTU is 1500 (host-gw)" bash -c "ip -n ndlab-n1-client-a link show eth0 | grep -q 'mtu 1500'"
  check "cross node: client-a pings web-2 (full size)" in_pod client-a ping -c 1 -W 2 -M "do" -s 1472 "$(ip_of web-2)"
  check_eq "Service via ClusterIP" web-2 "$(for i in $(seq 30); do curl_pod client-a http://10.96.100.10/; done | grep -m1 web-2)"
  check_eq "DNS via ClusterIP" 10.96.0.1 "$(dig_a client-b 10.96.0.10 kubernetes.default.svc.cluster.local)"
  check_eq "egress by name" "hello from example.test" "$(curl_pod client-a http://example.test/)"
  for f in route-missing underlay-blocked mtu-blackhole egress-no-snat kube-dns-rules-missing; do
    check "host-gw/nft fault $f: symptom present" bash -c "'$LAB' fault $f && '$LAB' symptom $f"
    check "host-gw/nft fault $f: healed" bash -c "'$LAB' heal && ! '$LAB' symptom $f"
  done
  check "overlay-fdb-missing is refused on host-gw" bash -c "! '$LAB' fault overlay-fdb-missing"
  check "lab down" lab down
  check_eq "ip netns list is as before" "$NETNS_BEFORE" "$(ip netns list | awk '{print $1}' | sort)"

  echo "== --pods-per-node 30"
  t0=$EPOCHREALTIME
  check "lab up --pods-per-node 30" lab up --pods-per-node 30
  echo "lab up --pods-per-node 30 took $(seconds_since "$t0")s"
  check_eq "node1 has 30 pods" 30 "$(ip netns list | grep -c '^ndlab-n1-')"
  check_eq "node2 has 30 pods" 30 "$(ip netns list | grep -c '^ndlab-n2-')"
  check_eq "client-a keeps its address" 10.244.1.3 "$(ip_of client-a)"
  check_eq "filler-1-30 has the address it would have in order" 10.244.1.31 "$(ip_of filler-1-30)"
  check_eq "filler-2-4 has the address it would have in order" 10.244.2.5 "$(ip_of filler-2-4)"
  check "lab up without --pods-per-node on that lab fails" bash -c "! '$LAB' up"
  check_eq "the inventory lists 60 pods and the 4 hostNetwork ones" 64 "$(lab inventory | grep -c '"qosClass"')"
  check "filler-2-30 reaches the web Service" bash -c "'$LAB' exec filler-2-30 curl -sS --max-time 3 http://10.96.100.10/ | grep -q '^web-'"
  check "filler-1-17 reaches client-b" in_pod filler-1-17 ping -c 1 -W 2 "$(ip_of client-b)"
  t0=$EPOCHREALTIME
  check "60 pods: fault route-missing, symptom present" bash -c "'$LAB' fault route-missing && '$LAB' symptom route-missing"
  check "60 pods: healed" bash -c "'$LAB' heal && ! '$LAB' symptom route-missing"
  echo "fault, symptom, heal, symptom with 60 pods took $(seconds_since "$t0")s"
  t0=$EPOCHREALTIME
  check "lab down (60 pods)" lab down
  echo "lab down (60 pods) took $(seconds_since "$t0")s"
  check_eq "ip netns list is as before" "$NETNS_BEFORE" "$(ip netns list | awk '{print $1}' | sort)"
fi

echo "$PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
