// Catalogue entries of the node, pod and same-node layers: what one node does to its own pods.
#include "report/catalogue_data.h"

namespace netdoctor::report::detail {

namespace {

CodeInfo ip_forward_disabled() {
  return {
      .layer = Layer::kNode,
      .code = "ip-forward-disabled",
      .title = "the node does not forward IPv4",
      .detection =
          "Reads net.ipv4.ip_forward in the node's network namespace. At 0 the kernel drops every "
          "packet that is not addressed to the node itself, so all routed pod traffic dies there: "
          "to other nodes, to the outside, to Service endpoints elsewhere, and between pods on "
          "CNIs that route instead of bridging.",
      .confirm = R"sh(
sysctl net.ipv4.ip_forward net.ipv4.conf.all.forwarding
# Who turned it off: a sysctl file, or a tool that rewrote it at boot
grep -rs ip_forward /etc/sysctl.conf /etc/sysctl.d/ /run/sysctl.d/ /usr/lib/sysctl.d/
)sh",
      .remedy = R"sh(
sysctl -w net.ipv4.ip_forward=1
# Keep it on across reboots (kubeadm's preflight checks for it)
echo 'net.ipv4.ip_forward = 1' > /etc/sysctl.d/99-kubernetes.conf
sysctl --system
)sh",
  };
}

CodeInfo bridge_nf_disabled() {
  return {
      .layer = Layer::kNode,
      .code = "bridge-nf-disabled",
      .title =
          "bridged pod traffic skips iptables (br_netfilter off), so Service replies inside "
          "the bridge are not un-NATed",
      .detection =
          "When the pods hang off a Linux bridge (cni0, cbr0), checks that the br_netfilter module "
          "is loaded (/proc/sys/net/bridge exists) and that net.bridge.bridge-nf-call-iptables is "
          "1. Without it a client's request to a ClusterIP is routed and DNATed, but the "
          "endpoint's reply to a client on the same bridge is switched at layer 2 and never meets "
          "conntrack: the client receives an answer from the pod IP instead of the ClusterIP and "
          "drops it.",
      .confirm = R"sh(
lsmod | grep br_netfilter
sysctl net.bridge.bridge-nf-call-iptables
# The bridge the pods use, and its ports
ip -d link show type bridge
bridge link show
# The symptom: replies arrive from the endpoint's address, not from the ClusterIP
nsenter -t <pod-pid> -n tcpdump -ni eth0 -c 10 host <cluster-ip> or host <endpoint-ip>
)sh",
      .remedy = R"sh(
modprobe br_netfilter
sysctl -w net.bridge.bridge-nf-call-iptables=1 net.bridge.bridge-nf-call-ip6tables=1
# Keep both across reboots
echo br_netfilter > /etc/modules-load.d/k8s.conf
printf 'net.bridge.bridge-nf-call-iptables = 1\nnet.bridge.bridge-nf-call-ip6tables = 1\n' > /etc/sysctl.d/99-kubernetes-bridge.conf
sysctl --system
)sh",
  };
}

CodeInfo forward_policy_drop() {
  return {
      .layer = Layer::kNode,
      .code = "forward-policy-drop",
      .title = "the FORWARD chain drops pod traffic by policy and no rule accepts it",
      .detection =
          "Reads the filter table's FORWARD chain: its policy is DROP and, following its rules in "
          "order for traffic from and to the pod CIDR, no ACCEPT matches first. kube-proxy's "
          "KUBE-FORWARD accepts only established and marked flows; the CNI's own chain "
          "(FLANNEL-FWD, cali-FORWARD) is missing. Docker sets this policy when it starts.",
      .confirm = R"sh(
iptables -S FORWARD
# The policy's packet counter (first line) grows while the probe runs
iptables -L FORWARD -v -n --line-numbers
iptables-save -t filter | grep -E '^(:FORWARD|-A FORWARD)'
)sh",
      .remedy = R"sh(
# Quick fix, not persistent (Docker sets DROP again when it restarts)
iptables -P FORWARD ACCEPT
# Narrower: accept the cluster's pod CIDR in both directions
iptables -I FORWARD -s <cluster-cidr> -j ACCEPT
iptables -I FORWARD -d <cluster-cidr> -j ACCEPT
# Lasting: let the CNI install its accept rules (flannel's FLANNEL-FWD); restart it on this node
kubectl -n kube-flannel delete pod -l app=flannel --field-selector spec.nodeName=<node>
)sh",
  };
}

CodeInfo conntrack_table_full() {
  return {
      .layer = Layer::kNode,
      .code = "conntrack-table-full",
      .title = "the connection tracking table is full, so the kernel drops new flows",
      .detection =
          "Reads net.netfilter.nf_conntrack_count and nf_conntrack_max: above 90% it warns, at "
          "the maximum it fails. A full table drops new connections at random, including every "
          "Service connection, which needs NAT and so a conntrack entry.",
      .confirm = R"sh(
sysctl net.netfilter.nf_conntrack_count net.netfilter.nf_conntrack_max
dmesg | grep -i 'nf_conntrack: table full'
conntrack -S
)sh",
      .remedy = R"sh(
sysctl -w net.netfilter.nf_conntrack_max=<new-max>
# kube-proxy sets the maximum when it starts, from conntrack.maxPerCore (32768 per core)
kubectl -n kube-system get configmap kube-proxy -o yaml | grep -A4 conntrack
# What fills it: the sources with the most entries
conntrack -L 2>/dev/null | grep -o 'src=[0-9.]*' | sort | uniq -c | sort -rn | head
)sh",
      .extra = true,
  };
}

CodeInfo pod_link_down() {
  return {
      .layer = Layer::kPod,
      .code = "pod-link-down",
      .title = "the pod's interface is down, or its veth peer on the node is down",
      .detection =
          "Reads the pod's interface (eth0) over netlink inside its network namespace: not "
          "administratively up, or its operational state DOWN or LOWERLAYERDOWN. On the node it "
          "finds the veth peer by ifindex and checks that it is up and, for bridge CNIs, attached "
          "to the bridge.",
      .confirm = R"sh(
nsenter -t <pod-pid> -n ip -d link show eth0
# "eth0@ifN": N is the index of the peer on the node
ip -o link show | grep '^<peer-ifindex>:'
bridge link show dev <veth>
)sh",
      .remedy = R"sh(
nsenter -t <pod-pid> -n ip link set eth0 up
ip link set <veth> up
# A veth that left the bridge: attach it again (bridge CNIs)
ip link set <veth> master cni0
# Links the CNI set up do not go down by themselves: find out who did it, then recreate the pod
journalctl -u kubelet --since -1h | grep -iE 'cni|network'
kubectl -n <ns> delete pod <pod>
)sh",
  };
}

CodeInfo pod_no_address() {
  return {
      .layer = Layer::kPod,
      .code = "pod-no-address",
      .title = "the pod's interface has no IPv4 address",
      .detection =
          "Reads the IPv4 addresses of the pod's interface over netlink in its namespace and "
          "finds none of global scope. The CNI's ADD step assigns it; without it the pod can send "
          "nothing beyond loopback.",
      .confirm = R"sh(
nsenter -t <pod-pid> -n ip -4 addr show
kubectl -n <ns> get pod <pod> -o jsonpath='{.status.podIPs}{"\n"}'
# host-local IPAM keeps one file per address it handed out
ls /var/lib/cni/networks/*/
)sh",
      .remedy = R"sh(
# The CNI ADD failed or was undone; the kubelet log says why
journalctl -u kubelet --since -1h | grep -iE 'cni|ipam|failed to (setup|set up) (network|sandbox)'
# IPAM exhausted by leaked reservations: compare with the pods really on this node
ls /var/lib/cni/networks/cbr0 | wc -l
kubectl get pods -A -o wide --field-selector spec.nodeName=<node> | wc -l
# Recreate the pod so the CNI runs again
kubectl -n <ns> delete pod <pod>
)sh",
  };
}

CodeInfo pod_no_default_route() {
  return {
      .layer = Layer::kPod,
      .code = "pod-no-default-route",
      .title = "the pod has no default route",
      .detection =
          "Reads the main routing table of the pod's namespace over netlink and finds no "
          "0.0.0.0/0 route: everything beyond the pod's own subnet fails with \"Network is "
          "unreachable\".",
      .confirm = R"sh(
nsenter -t <pod-pid> -n ip route show
nsenter -t <pod-pid> -n ip route get 1.1.1.1
)sh",
      .remedy = R"sh(
# The gateway is the node side of the pod network: on bridge CNIs the bridge's address
ip -4 addr show cni0
nsenter -t <pod-pid> -n ip route add default via <gateway-ip> dev eth0
# Lasting: the CNI config must give a gateway (bridge plugin: "isGateway": true); then recreate
cat /etc/cni/net.d/*.conflist
kubectl -n <ns> delete pod <pod>
)sh",
  };
}

CodeInfo pod_unreachable() {
  return {
      .layer = Layer::kSameNode,
      .code = "pod-unreachable",
      .title = "a pod on the same node does not answer, cause not narrowed further",
      .detection =
          "Pings the peer pod (ICMP echo) and, where a port is known, connects to it over TCP "
          "from the source pod: nothing answers, although both pods' links, addresses and routes "
          "look right and no filter rule, neighbour failure or source NAT explains it.",
      .confirm = R"sh(
nsenter -t <pod-pid> -n ping -c 3 -W 1 <peer-ip>
nsenter -t <pod-pid> -n ip route get <peer-ip>
# Where do the packets stop: the source's veth, the bridge, the peer's veth?
tcpdump -ni <veth> -c 10 host <peer-ip>
tcpdump -ni <peer-veth> -c 10 host <pod-ip>
# Rules inside the peer pod itself (service meshes, the application's own firewall)
nsenter -t <peer-pid> -n iptables-save
)sh",
      .remedy = R"sh(
# The packets reach the peer's veth but get no reply: it drops them or does not listen
nsenter -t <peer-pid> -n ss -lntu
# Strict reverse-path filtering drops packets that arrive on an unexpected interface
sysctl -a 2>/dev/null | grep '\.rp_filter'
sysctl -w net.ipv4.conf.all.rp_filter=2
# The packets never reach the peer's veth: does the bridge know where the peer is?
bridge link show
bridge fdb show br cni0 | grep -i <peer-mac>
)sh",
  };
}

CodeInfo filter_drop() {
  return {
      .layer = Layer::kSameNode,
      .code = "filter-drop",
      .title =
          "a filter rule drops the flow; the evidence names the rule (chain, position, "
          "comment)",
      .detection =
          "Follows the flow's addresses, ports, protocol and interfaces through the node's "
          "iptables rules (raw, mangle and filter: FORWARD, KUBE-FORWARD, the CNI's chains and "
          "the NetworkPolicy chains they jump to) and stops at the first rule whose verdict is "
          "DROP or REJECT. The evidence names the table, chain, position and comment of that rule.",
      .confirm = R"sh(
# The rule's packet counter rises while you repeat the probe
iptables -t filter -L <chain> -v -n --line-numbers
iptables-save -c | grep -nE -- '-j (DROP|REJECT)'
nft list ruleset | grep -nE 'drop|reject'
# NetworkPolicies that select the source or the peer
kubectl get networkpolicy -A
kubectl -n <ns> describe networkpolicy
)sh",
      .remedy = R"sh(
# A NetworkPolicy: allow the flow in the policy that selects the peer (ingress) or the source (egress)
kubectl -n <ns> edit networkpolicy <policy>
# A hand-made rule: find out who added it (config management, a host firewall), then delete it
iptables -t filter -D <chain> <rule-number>
# firewalld on the node: trust the pod CIDR
firewall-cmd --permanent --zone=trusted --add-source=<cluster-cidr> && firewall-cmd --reload
)sh",
  };
}

CodeInfo neighbor_failed() {
  return {
      .layer = Layer::kSameNode,
      .code = "neighbor-failed",
      .title = "ARP for the peer fails (neighbour FAILED/INCOMPLETE)",
      .detection =
          "After probing the peer, reads the neighbour table of the source pod's namespace (and "
          "the node's, on routed CNIs): the entry for the next hop is FAILED or INCOMPLETE, so "
          "nobody answered the ARP request for its MAC address.",
      .confirm = R"sh(
nsenter -t <pod-pid> -n ip neigh show <peer-ip>
nsenter -t <pod-pid> -n arping -c 3 -I eth0 <peer-ip>
# Do the requests cross the bridge, and does anything answer?
tcpdump -eni cni0 -c 10 arp and host <peer-ip>
bridge fdb show br cni0
)sh",
      .remedy = R"sh(
# The peer's veth must be up and on the same bridge
bridge link show
ip link set <peer-veth> up
# Routed CNIs (Calico) answer ARP from the node: proxy_arp must be on for the pod's host-side veth
sysctl net.ipv4.conf.<veth>.proxy_arp
sysctl -w net.ipv4.conf.<veth>.proxy_arp=1
# ARP filtered on the node (arptables, ebtables, nftables arp or bridge families)
nft list ruleset | grep -nE 'arp|bridge'
# Clear the failed entry once fixed
nsenter -t <pod-pid> -n ip neigh flush dev eth0
)sh",
  };
}

CodeInfo pod_snat() {
  return {
      .layer = Layer::kSameNode,
      .code = "pod-snat",
      .title =
          "pod-to-pod traffic is source-NATed: the receiver sees another address than the "
          "sender's",
      .detection =
          "Probes a peer pod and reads the flow's conntrack entry (or the address a listener in "
          "the peer's namespace saw): the receiver sees a source other than the sender's pod IP. "
          "Usually a MASQUERADE or SNAT rule in nat POSTROUTING matches pod-to-pod traffic; it "
          "breaks NetworkPolicies and every log or allow-list keyed on the client's address.",
      .confirm = R"sh(
# In the reply direction, dst is the address the peer saw
conntrack -L -s <pod-ip> -d <peer-ip>
iptables -t nat -L POSTROUTING -v -n --line-numbers
iptables-save -t nat | grep -E 'MASQUERADE|SNAT'
)sh",
      .remedy = R"sh(
# Find the rule that matched (its counter rises with the probe) and what installs it.
# Masquerading must leave the cluster CIDR alone, as flannel's rules do:
#   -A FLANNEL-POSTRTG -s <cluster-cidr> -d <cluster-cidr> -j RETURN
# kube-proxy with masqueradeAll: true masquerades all Service traffic
kubectl -n kube-system get configmap kube-proxy -o yaml | grep -E 'masqueradeAll|clusterCIDR'
# ip-masq-agent: the cluster CIDR belongs in nonMasqueradeCIDRs
kubectl -n kube-system get configmap ip-masq-agent -o yaml
# A hand-made rule: delete it, after finding out who added it
iptables -t nat -D POSTROUTING <rule-number>
)sh",
  };
}

}  // namespace

void add_host_codes(std::vector<CodeInfo>& codes) {
  codes.insert(codes.end(),
               {ip_forward_disabled(), bridge_nf_disabled(), forward_policy_drop(),
                conntrack_table_full(), pod_link_down(), pod_no_address(), pod_no_default_route(),
                pod_unreachable(), filter_drop(), neighbor_failed(), pod_snat()});
}

}  // namespace netdoctor::report::detail
