// Catalogue entries of the cross-node and service layers: the path between nodes and the
// proxy rules that turn a ClusterIP into an endpoint.
#include "report/catalogue_data.h"

namespace netdoctor::report::detail {

namespace {

CodeInfo route_missing() {
  return {
      .layer = Layer::kCrossNode,
      .code = "route-missing",
      .title = "the node has no route to the remote pod CIDR",
      .detection =
          "Asks the node's routing table (as `ip route get` does) for an address in the remote "
          "node's pod CIDR, taken from the inventory's spec.podCIDR: there is no route, or only "
          "the default route toward the uplink, instead of a route via the overlay device "
          "(flannel.1, vxlan.calico, tunl0) or via the remote node's address.",
      .confirm = R"sh(
ip route get <remote-pod-ip>
ip route show | grep -F '<remote-pod-cidr>'
kubectl get node <remote-node> -o jsonpath='{.spec.podCIDR}{"\n"}'
)sh",
      .remedy = R"sh(
# The CNI daemon on this node programs one route per node: is it running, what does it say?
kubectl -n kube-flannel get pods -o wide --field-selector spec.nodeName=<node>
kubectl -n kube-flannel logs <flannel-pod> --tail=50
# Restart it so that it programs the routes again
kubectl -n kube-flannel delete pod <flannel-pod>
# Calico (BGP): are the peerings established?
calicoctl node status
# Stopgap by hand. flannel VXLAN: via the remote VTEP (the .0 address of that CIDR), onlink
ip route replace <remote-pod-cidr> via <remote-vtep-ip> dev flannel.1 onlink
# host-gw style routing: via the remote node itself
ip route replace <remote-pod-cidr> via <remote-node-ip> dev <uplink>
)sh",
  };
}

CodeInfo overlay_fdb_missing() {
  return {
      .layer = Layer::kCrossNode,
      .code = "overlay-fdb-missing",
      .title = "the overlay (VXLAN) has no forwarding entry for the remote node",
      .detection =
          "For a VXLAN overlay device (flannel.1, vxlan.calico) reads its forwarding database and "
          "neighbour table: no FDB entry sends the remote VTEP's MAC address to the remote node's "
          "address, or the remote VTEP address has no permanent neighbour entry. Encapsulated "
          "packets then have no destination and are dropped on this node.",
      .confirm = R"sh(
bridge fdb show dev flannel.1
ip neigh show dev flannel.1
ip -d link show flannel.1
# flannel publishes each node's VTEP MAC and underlay address as node annotations
kubectl get node <remote-node> -o jsonpath='{.metadata.annotations.flannel\.alpha\.coreos\.com/backend-data}{" "}{.metadata.annotations.flannel\.alpha\.coreos\.com/public-ip}{"\n"}'
)sh",
      .remedy = R"sh(
# Restart the CNI daemon on this node so that it writes the entries again
kubectl -n kube-flannel delete pod <flannel-pod>
# Stopgap by hand, with the values of the annotations above
bridge fdb replace <vtep-mac> dev flannel.1 dst <remote-node-ip> self permanent
ip neigh replace <remote-vtep-ip> lladdr <vtep-mac> dev flannel.1 nud permanent
)sh",
  };
}

CodeInfo underlay_blocked() {
  return {
      .layer = Layer::kCrossNode,
      .code = "underlay-blocked",
      .title = "encapsulated traffic between the nodes does not arrive",
      .detection =
          "With the route and the overlay entries in place, probes to the remote pod get no "
          "answer while the remote node's own address does answer: the encapsulated packets "
          "(UDP 8472 for flannel and Linux VXLAN, UDP 4789 for the IANA VXLAN port, IP protocol 4 "
          "for IPIP, UDP 51820 for WireGuard) leave this node but do not arrive. A firewall "
          "between the nodes (cloud security group, host INPUT rules) drops them.",
      .confirm = R"sh(
ping -c 3 <remote-node-ip>
# On both nodes while pinging the remote pod: do encapsulated packets leave, do they arrive?
tcpdump -ni <uplink> -c 20 'udp port 8472 or udp port 4789 or ip proto 4'
# The host firewall of the receiving node
iptables -S INPUT
nft list ruleset | grep -nE '8472|4789'
)sh",
      .remedy = R"sh(
# Allow the encapsulation between the nodes, here and in the cloud's security groups
iptables -I INPUT -p udp --dport 8472 -s <remote-node-ip> -j ACCEPT
firewall-cmd --permanent --add-port=8472/udp && firewall-cmd --reload
# Known kernel and NIC bug: broken VXLAN checksum offload drops the packets silently
ethtool -K flannel.1 tx-checksum-ip-generic off
)sh",
  };
}

CodeInfo remote_pod_unreachable() {
  return {
      .layer = Layer::kCrossNode,
      .code = "remote-pod-unreachable",
      .title = "a pod on another node does not answer, cause not narrowed further",
      .detection =
          "Pings the remote pod (ICMP echo) from the source pod: nothing answers, although this "
          "node has a route to the pod's CIDR and the overlay's entries are in place. When "
          "another pod on the same remote node answers, the path to that node works and the "
          "pod itself is down, gone, or drops the probes; when the node's own address was not "
          "probed (run from inside a pod), the node-side path could not be examined.",
      .confirm = R"sh(
nsenter -t <pod-pid> -n ping -c 3 -W 1 <remote-pod-ip>
# Does the pod still exist, on the node the inventory says, with that address?
kubectl get pod -A -o wide --field-selector status.podIP=<remote-pod-ip>
# On the remote node: does the probe arrive on the pod's veth, and does the pod answer?
tcpdump -ni any -c 10 host <remote-pod-ip> and icmp
nsenter -t <remote-pod-pid> -n ip -br addr
)sh",
      .remedy = R"sh(
# A pod that is gone or restarting: its IP is stale in the inventory or in EndpointSlices
kubectl -n <ns> describe pod <pod>
# A pod that drops ICMP (its own firewall, a service mesh): probe one of its ports instead
netdoctor trace --from <source> --to <remote-pod-ip>:<port>
# Run from the node (not inside a pod) for the node-side checks: routes, overlay, underlay
netdoctor diagnose --from <source>
)sh",
      .extra = true,
  };
}

CodeInfo mtu_blackhole() {
  return {
      .layer = Layer::kCrossNode,
      .code = "mtu-blackhole",
      .title = "small packets pass, full-size packets vanish without an ICMP error",
      .detection =
          "Pings the remote pod with the don't-fragment bit at growing sizes: small packets "
          "pass, packets near the pod's MTU vanish and no ICMP \"fragmentation needed\" comes "
          "back. It compares the pod's MTU with the overlay's and the uplink's less the "
          "encapsulation's overhead (VXLAN 50 bytes, IPIP 20, WireGuard 60 over IPv4). TCP "
          "connections then open but hang as soon as a full-size segment is sent.",
      .confirm = R"sh(
# 1422 bytes of payload + 28 of headers = 1450, flannel's VXLAN MTU on a 1500-byte network
nsenter -t <pod-pid> -n ping -c 3 -M do -s 1422 <remote-pod-ip>
nsenter -t <pod-pid> -n ping -c 3 -M do -s 1200 <remote-pod-ip>
nsenter -t <pod-pid> -n ip link show eth0
ip link show | grep mtu
nsenter -t <pod-pid> -n tracepath -n <remote-pod-ip>
)sh",
      .remedy = R"sh(
# The pod MTU must not exceed the underlay MTU less the encapsulation overhead.
# flannel derives it from the uplink: see what it computed
cat /run/flannel/subnet.env
# Calico: veth_mtu in its config map
kubectl -n kube-system get configmap calico-config -o jsonpath='{.data.veth_mtu}{"\n"}'
# Pods keep the MTU they started with: recreate them after changing it.
# Let path MTU discovery work: accept ICMP "fragmentation needed" on the path
iptables -I FORWARD -p icmp --icmp-type fragmentation-needed -j ACCEPT
# Stopgap for TCP: clamp the MSS of forwarded SYNs to the path MTU
iptables -t mangle -A FORWARD -p tcp --tcp-flags SYN,RST SYN -j TCPMSS --clamp-mss-to-pmtu
)sh",
  };
}

CodeInfo service_rules_missing() {
  return {
      .layer = Layer::kService,
      .code = "service-rules-missing",
      .title = "the node's proxy rules do not implement a Service that exists",
      .detection =
          "For each Service of the inventory (or each ClusterIP probed) looks for its rule among "
          "the node's proxy rules: a KUBE-SERVICES rule matching the ClusterIP and port "
          "(iptables mode), an IPVS virtual server (ipvs mode) or an entry of the kube-proxy "
          "nftables table. None means kube-proxy on this node does not implement the Service.",
      .confirm = R"sh(
iptables-save -t nat | grep -F -- '-d <cluster-ip>/32'
ipvsadm -Ln -t <cluster-ip>:<port>
nft list table ip kube-proxy 2>/dev/null | grep -F '<cluster-ip>'
kubectl -n kube-system get pods -l k8s-app=kube-proxy -o wide --field-selector spec.nodeName=<node>
)sh",
      .remedy = R"sh(
# kube-proxy on this node is down, crash-looping or cannot sync
kubectl -n kube-system logs <kube-proxy-pod> --tail=50
curl -s http://127.0.0.1:10256/healthz
# Restart it: it writes every rule again when it starts
kubectl -n kube-system delete pod <kube-proxy-pod>
# Rules flushed by hand or by a firewall reload (iptables -F, firewalld) come back at the next sync
)sh",
  };
}

CodeInfo service_no_endpoints() {
  return {
      .layer = Layer::kService,
      .code = "service-no-endpoints",
      .title = "the Service has no endpoints; its ClusterIP rejects",
      .detection =
          "The Service has a selector but its EndpointSlices list no ready endpoint. kube-proxy "
          "then installs a REJECT rule for the ClusterIP (comment \"has no endpoints\"), so "
          "clients get \"connection refused\" at once. A warning when no probe targeted the "
          "Service, a failure when one did.",
      .confirm = R"sh(
kubectl -n <ns> get endpointslices -l kubernetes.io/service-name=<svc> -o wide
kubectl -n <ns> get service <svc> -o jsonpath='{.spec.selector}{"\n"}'
kubectl -n <ns> get pods -l <key>=<value> -o wide
iptables-save -t filter | grep -F 'has no endpoints'
)sh",
      .remedy = R"sh(
# No pod matches the selector: correct the selector, or the pods' labels
kubectl -n <ns> edit service <svc>
# Pods match but are not Ready: their readiness probe fails (see Conditions and Events)
kubectl -n <ns> describe pod <pod>
)sh",
  };
}

CodeInfo endpoint_unreachable() {
  return {
      .layer = Layer::kService,
      .code = "endpoint-unreachable",
      .title = "the ClusterIP leads to an endpoint that does not answer",
      .detection =
          "Connects to ClusterIP:port from the source pod. The connection is translated "
          "(conntrack shows the endpoint chosen) but the endpoint does not answer, and the "
          "endpoint's own address fails the same way. The evidence names the endpoint and its "
          "node.",
      .confirm = R"sh(
nsenter -t <pod-pid> -n curl -sv --max-time 3 http://<cluster-ip>:<port>/
conntrack -L -d <cluster-ip>
nsenter -t <pod-pid> -n curl -sv --max-time 3 http://<endpoint-ip>:<target-port>/
kubectl -n <ns> get endpointslices -l kubernetes.io/service-name=<svc> -o wide
)sh",
      .remedy = R"sh(
# The endpoint must listen on targetPort on all addresses, not only on 127.0.0.1
nsenter -t <endpoint-pid> -n ss -lnt
kubectl -n <ns> get service <svc> -o jsonpath='{.spec.ports}{"\n"}'
# An endpoint on another node: see the cross-node findings for that node.
# A Ready pod that does not answer: its readiness probe checks the wrong thing
kubectl -n <ns> describe pod <endpoint-pod>
)sh",
  };
}

CodeInfo endpoints_stale() {
  return {
      .layer = Layer::kService,
      .code = "endpoints-stale",
      .title = "the proxy rules' endpoints differ from the cluster's EndpointSlices",
      .detection =
          "Compares the endpoints in the node's proxy rules (the DNAT targets of the KUBE-SEP "
          "chains, or the IPVS real servers) with the ready endpoints of the Service's "
          "EndpointSlices. A difference means kube-proxy has not applied the latest change, and "
          "traffic still goes to pods that are gone.",
      .confirm = R"sh(
iptables-save -t nat | grep -F '<ns>/<svc>' | grep -- '--to-destination'
ipvsadm -Ln -t <cluster-ip>:<port>
kubectl -n <ns> get endpointslices -l kubernetes.io/service-name=<svc> -o wide
)sh",
      .remedy = R"sh(
# kube-proxy stopped syncing: it lost its watch on the API server, or it is stuck
kubectl -n kube-system logs <kube-proxy-pod> --tail=100
curl -s http://127.0.0.1:10249/metrics | grep sync_proxy_rules_last_timestamp
kubectl -n kube-system delete pod <kube-proxy-pod>
# UDP flows (DNS) keep going to a dead endpoint while their conntrack entry lives
conntrack -D -p udp --orig-dst <cluster-ip>
)sh",
  };
}

CodeInfo hairpin_broken() {
  return {
      .layer = Layer::kService,
      .code = "hairpin-broken",
      .title = "a pod cannot reach itself through its own Service",
      .detection =
          "From a pod that backs a Service, connects to the Service's ClusterIP until the "
          "translation picks the pod itself: that connection fails. On bridge CNIs the bridge "
          "port of the pod's veth needs hairpin mode (the frame leaves by the port it came in "
          "by), and the flow must be masqueraded (kube-proxy's KUBE-MARK-MASQ rule for the pod's "
          "own address in its KUBE-SEP chain).",
      .confirm = R"sh(
cat /sys/class/net/<veth>/brport/hairpin_mode
bridge -d link show dev <veth>
iptables-save -t nat | grep -F -- '-s <pod-ip>/32' | grep KUBE-MARK-MASQ
)sh",
      .remedy = R"sh(
bridge link set dev <veth> hairpin on
# Lasting: the CNI bridge plugin's "hairpinMode": true (flannel's conflist sets it),
# or kubelet's hairpinMode: hairpin-veth
grep -r hairpinMode /etc/cni/net.d/ /var/lib/kubelet/config.yaml
)sh",
  };
}

}  // namespace

void add_path_codes(std::vector<CodeInfo>& codes) {
  codes.insert(codes.end(), {route_missing(), overlay_fdb_missing(), underlay_blocked(),
                             remote_pod_unreachable(), mtu_blackhole(), service_rules_missing(),
                             service_no_endpoints(), endpoint_unreachable(), endpoints_stale(),
                             hairpin_broken()});
}

}  // namespace netdoctor::report::detail
