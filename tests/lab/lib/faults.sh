# shellcheck shell=bash
# The faults: names (after the contract's finding codes where one fits), one-line descriptions,
# and for each a symptom check with standard tools run inside the pods, proving the fault is
# real. What a fault changes lives in the converge steps (converge.sh, rules.sh, servers.sh,
# pods.sh), keyed on fault_active NAME.

# name|description
FAULTS='forward-policy-drop|node1: FORWARD policy DROP and flannel'"'"'s FLANNEL-FWD accept rules gone
filter-drop|node1: a FORWARD rule (with a comment) drops traffic to default/web-1
pod-link-down|node1: the host-side veth of default/web-1 is down
neighbor-failed|default/web-1 stops answering ARP (arp_ignore=8): its neighbours'"'"' entries go FAILED
pod-no-address|default/client-a'"'"'s eth0 has no IPv4 address
pod-no-default-route|default/client-a has no default route
route-missing|node1: the route to node2'"'"'s pod CIDR (10.244.2.0/24) is deleted
overlay-fdb-missing|node1: the flannel.1 FDB entry for node2'"'"'s VTEP is deleted (vxlan backend)
underlay-blocked|the underlay switch drops VXLAN (UDP 8472) between nodes (host-gw: pod traffic)
mtu-blackhole|the underlay switch silently drops full-size encapsulated frames; small ones pass
dns-server-down|the cluster DNS (dnsmasq in kube-system/coredns-0) is stopped
dns-name-not-found|the cluster DNS lost kubernetes.default.svc.cluster.local (NXDOMAIN)
kube-dns-rules-missing|node1: kube-proxy rules for kube-system/kube-dns are missing
endpoints-stale|node1: the rules of default/web point at 10.244.2.250 (gone) instead of web-2
endpoint-unreachable|default/web-2'"'"'s server is stopped; it stays an endpoint of default/web
service-no-endpoints|default/web has no endpoints (rules REJECT, EndpointSlice empty)
apiserver-down|the API server (nginx on 172.30.0.2:6443) is stopped
apiserver-tls-untrusted|the API server serves a certificate from another CA
apiserver-unauthorized|the API server rejects the pods'"'"' service-account tokens (401)
egress-no-snat|node1: flannel'"'"'s masquerade rules (FLANNEL-POSTRTG) are gone
coredns-no-snat|node1 runs the cluster DNS pod (kube-system/coredns-0), whose upstream is outside the cluster, and lost its masquerade (FLANNEL-POSTRTG): outside names fail for every pod
dns-upstream-failure|the internet'"'"'s DNS (203.0.113.10:53) is stopped
dns-resolv-conf-invalid|default/client-a'"'"'s resolv.conf names 10.96.0.100, where no DNS server is
dns-search-domain-broken|default/client-a'"'"'s resolv.conf also searches corp.test, which the DNS refuses: lookups through the search list stop there
ip-forward-disabled|node1: net.ipv4.ip_forward=0
bridge-nf-disabled|node1: net.bridge.bridge-nf-call-iptables=0
hairpin-broken|node1: hairpin off on default/web-1'"'"'s bridge port
pod-snat|node1: pod-to-pod traffic is masqueraded (a POSTROUTING rule with a comment)'

fault_names() { printf '%s\n' "$FAULTS" | cut -d'|' -f1; }
fault_known() { fault_names | grep -qx -- "$1"; }
fault_check_known() { fault_known "$1" || die "unknown fault '$1' (see: tests/lab/lab faults)"; }

fault_supported() { # NAME : prints why not, returns 1, when the lab's options rule it out
  if [ "$1" = overlay-fdb-missing ] && [ "$(backend)" != vxlan ]; then
    echo "needs the vxlan backend (this lab runs $(backend))"
    return 1
  fi
  return 0
}

faults_list() {
  printf '%s\n' "$FAULTS" | while IFS='|' read -r name desc; do
    printf '%-24s %s\n' "$name" "$desc"
  done
}

# ---------------------------------------------------------------------------------------------
# Tools run inside pods (their network, mount and UTS namespaces: the pod's resolv.conf).

in_pod() { # REF CMD...
  local ref=$1 node ns name _
  shift
  read -r node ns name _ <<<"$(pod_lookup "$ref")"
  pod_nsenter "$(pod_get "$ns" "$name" pid)" "$(pod_dir "$ns" "$name")/env" "$@"
}
ping_ok() { # REF IP [PAYLOAD] : one echo, 1 s; with PAYLOAD, DF set and that many bytes
  if [ -n "${3:-}" ]; then
    in_pod "$1" ping -n -q -c 1 -W 1 -M "do" -s "$3" "$2" >/dev/null 2>&1
  else
    in_pod "$1" ping -n -q -c 1 -W 1 "$2" >/dev/null 2>&1
  fi
}
curl_body() { # REF URL [curl args] : prints the body, fails on any error
  local ref=$1 url=$2
  shift 2
  in_pod "$ref" curl -sS --fail --max-time 2 "$@" "$url" 2>/dev/null
}
curl_code() { # REF URL [curl args] : prints curl's exit code
  local ref=$1 url=$2 rc=0
  shift 2
  in_pod "$ref" curl -s -o /dev/null --max-time 2 "$@" "$url" >/dev/null 2>&1 || rc=$?
  echo "$rc"
}
dig_a() { # REF SERVER NAME [dig args] : prints the A records (empty on failure)
  local ref=$1 server=$2 name=$3
  shift 3
  in_pod "$ref" dig +time=1 +tries=1 +short "$@" "@$server" "$name" A 2>/dev/null | grep -E '^[0-9.]+$' || true
}
dig_status() { # REF SERVER NAME : the rcode (NOERROR, NXDOMAIN, SERVFAIL...) or "none"
  local out
  out=$(in_pod "$1" dig +time=1 +tries=1 "@$2" "$3" A 2>/dev/null | grep -o 'status: [A-Z]*' | head -1)
  echo "${out#status: }" | sed 's/^$/none/'
}
# Counts failed requests out of COUNT to a URL (stops at the first failure when STOP=1).
curl_failures() { # REF URL COUNT STOP
  local i fails=0
  for ((i = 0; i < $3; i++)); do
    if ! curl_body "$1" "$2" --max-time 1 >/dev/null; then
      fails=$((fails + 1))
      [ "$4" = 1 ] && break
    fi
  done
  echo "$fails"
}

ip_of() { pod_ref_ip "$1"; }
web_url() { echo "http://$(svc_ip default web)/"; }
SA_DIR=/var/run/secrets/kubernetes.io/serviceaccount
api_readyz() { # REF : HTTP status of /readyz via the ClusterIP with the pod's CA and token
  in_pod "$1" sh -c "curl -s -o /dev/null -w '%{http_code}' --max-time 2 --cacert $SA_DIR/ca.crt \
    -H \"Authorization: Bearer \$(cat $SA_DIR/token)\" https://10.96.0.1/readyz" 2>/dev/null || true
}

# ---------------------------------------------------------------------------------------------
# Symptoms: each returns 0 when the fault is observable from the pods (and, where it tells the
# fault apart, what must still work does).

symptom_forward-policy-drop() { ! ping_ok client-a "$(ip_of web-1)" && ! ping_ok client-a "$(ip_of coredns-0)"; }
symptom_filter-drop() { ! ping_ok client-a "$(ip_of web-1)" && ping_ok client-a "$(ip_of coredns-0)"; }
symptom_pod-link-down() { ! ping_ok client-a "$(ip_of web-1)" && ping_ok client-a "$(ip_of coredns-0)"; }
symptom_neighbor-failed() {
  ! ping_ok client-a "$(ip_of web-1)" &&
    in_pod client-a ip neigh show "$(ip_of web-1)" | grep -Eq 'FAILED|INCOMPLETE'
}
symptom_pod-no-address() { ! in_pod client-a ip -4 addr show dev eth0 | grep -q 'inet '; }
symptom_pod-no-default-route() {
  [ -z "$(in_pod client-a ip route show default)" ] && [ "$(curl_code client-a "http://$INET_IP/")" != 0 ]
}
symptom_route-missing() { ! ping_ok client-a "$(ip_of web-2)" && ping_ok client-a "$(ip_of web-1)"; }
symptom_overlay-fdb-missing() { symptom_route-missing; }
symptom_underlay-blocked() {
  ! ping_ok client-a "$(ip_of web-2)" && nsx "$(node_ns 1)" ping -n -q -c 1 -W 1 "$(node_ip 2)" >/dev/null
}
symptom_mtu-blackhole() {
  local mtu
  mtu=$(pod_mtu)
  ping_ok client-a "$(ip_of web-2)" 56 && ! ping_ok client-a "$(ip_of web-2)" $((mtu - 28))
}
symptom_dns-server-down() {
  [ -z "$(dig_a client-a "$KUBE_DNS_IP" "kubernetes.default.svc.$CLUSTER_DOMAIN")" ] &&
    [ -z "$(dig_a client-a "$(ip_of coredns-0)" "kubernetes.default.svc.$CLUSTER_DOMAIN")" ]
}
symptom_dns-name-not-found() {
  [ "$(dig_status client-a "$KUBE_DNS_IP" "kubernetes.default.svc.$CLUSTER_DOMAIN")" = NXDOMAIN ]
}
symptom_kube-dns-rules-missing() {
  [ -z "$(dig_a client-a "$KUBE_DNS_IP" "kubernetes.default.svc.$CLUSTER_DOMAIN")" ] &&
    [ -n "$(dig_a client-a "$(ip_of coredns-0)" "kubernetes.default.svc.$CLUSTER_DOMAIN")" ]
}
symptom_endpoints-stale() {
  [ "$(curl_failures client-a "$(web_url)" 16 1)" -gt 0 ] && curl_body client-a "http://$(ip_of web-2)/" >/dev/null
}
symptom_endpoint-unreachable() {
  ! curl_body client-a "http://$(ip_of web-2)/" >/dev/null && [ "$(curl_failures client-a "$(web_url)" 16 1)" -gt 0 ]
}
symptom_service-no-endpoints() { [ "$(curl_code client-a "$(web_url)")" = 7 ]; }
symptom_apiserver-down() { [ "$(curl_code client-a https://10.96.0.1/livez -k)" = 7 ]; }
symptom_apiserver-tls-untrusted() {
  [ "$(curl_code client-a https://10.96.0.1/livez --cacert "$SA_DIR/ca.crt")" = 60 ] &&
    [ "$(curl_code client-a https://10.96.0.1/livez -k)" = 0 ]
}
symptom_apiserver-unauthorized() { [ "$(api_readyz client-a)" = 401 ]; }
symptom_egress-no-snat() {
  [ "$(curl_code client-a "http://$INET_IP/")" != 0 ] &&
    nsx "$(node_ns 1)" curl -sS --max-time 2 -o /dev/null "http://$INET_IP/"
}
# Outside names fail through the cluster DNS while cluster names resolve. Three tries: right after
# a heal the cluster DNS's first forward can still fail (seen once in CI), which is the forwarder
# recovering, not the fault.
outside_names_fail_through_cluster_dns() {
  local try
  for try in 1 2 3; do
    [ -n "$(dig_a client-a "$KUBE_DNS_IP" "$INET_DOMAIN")" ] && return 1
    [ "$try" = 3 ] || sleep 0.3
  done
  [ -n "$(dig_a client-a "$KUBE_DNS_IP" "kubernetes.default.svc.$CLUSTER_DOMAIN")" ]
}
symptom_coredns-no-snat() {
  # The cluster DNS's forwards leave node1 unmasqueraded; node1 itself still reaches the upstream.
  outside_names_fail_through_cluster_dns &&
    nsx "$(node_ns 1)" curl -sS --max-time 2 -o /dev/null "http://$INET_IP/"
}
symptom_dns-upstream-failure() { outside_names_fail_through_cluster_dns; }
symptom_dns-resolv-conf-invalid() {
  [ -z "$(in_pod client-a dig +search +time=1 +tries=1 +short kubernetes.default A 2>/dev/null | grep -E '^[0-9.]+$')" ] &&
    [ -n "$(dig_a client-a "$KUBE_DNS_IP" "kubernetes.default.svc.$CLUSTER_DOMAIN")" ]
}
symptom_dns-search-domain-broken() {
  # BIND's host, like musl (Alpine) and c-ares, ends the search at corp.test's REFUSED (glibc
  # goes on to ask the name as is); the absolute name still resolves.
  local out
  out=$(in_pod client-a host -W 1 "$INET_DOMAIN" 2>&1) || true # it fails; no pipe (pipefail)
  grep -q "$INET_DOMAIN\.$BAD_SEARCH_DOMAIN.*REFUSED" <<<"$out" &&
    [ -n "$(in_pod client-a dig +search +time=1 +tries=1 +short "$INET_DOMAIN." A 2>/dev/null | grep -E '^[0-9.]+$')" ]
}
symptom_ip-forward-disabled() { ! ping_ok client-a "$(ip_of web-2)" && ping_ok client-a "$(ip_of web-1)"; }
symptom_bridge-nf-disabled() {
  [ -z "$(dig_a client-a "$KUBE_DNS_IP" "kubernetes.default.svc.$CLUSTER_DOMAIN")" ] &&
    [ -n "$(dig_a client-a "$(ip_of coredns-0)" "kubernetes.default.svc.$CLUSTER_DOMAIN")" ]
}
symptom_hairpin-broken() {
  [ "$(curl_failures web-1 "$(web_url)" 16 1)" -gt 0 ] && curl_body web-1 "http://$(ip_of web-1)/" >/dev/null
}
symptom_pod-snat() {
  local seen
  seen=$(curl_body client-a "http://$(ip_of web-1)/ip") && [ -n "$seen" ] && [ "$seen" != "$(ip_of client-a)" ]
}
