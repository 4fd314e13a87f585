// The Services a node's proxy rules implement, recovered from the chain structure kube-proxy
// writes (pkg/proxy/iptables/proxier.go): nat KUBE-SERVICES → KUBE-SVC-* (or KUBE-EXT-*/KUBE-FW-*)
// → KUBE-SEP-* → DNAT, with the statistic probabilities; REJECTs in filter KUBE-SERVICES for
// Services without endpoints; KUBE-NODEPORTS for node ports. Names come from comments when they
// are there, but nothing depends on them: above 1000 endpoints kube-proxy drops SEP comments.
#pragma once

#include <string>
#include <vector>

#include "rules/ruleset.h"

namespace netdoctor::rules {

enum class Backend { kNone, kIptablesLegacy, kIptablesNft, kNftables, kIpvs };
[[nodiscard]] std::string to_string(Backend b);

struct EndpointRule {
  std::string address;              // "ip:port" the DNAT goes to
  double probability = 0;           // share of new connections, 0..1
  std::string chain;                // KUBE-SEP-* (or the nftables endpoint chain)
  bool hairpin_masquerade = false;  // the endpoint's own traffic is marked for masquerade
};

struct ServiceRule {
  std::string name;  // "ns/svc:port" from the comment; empty when there is none
  std::string ip;    // ClusterIP (or external / load-balancer IP)
  int port = 0;
  std::string protocol;             // tcp, udp, sctp
  std::string kind = "cluster IP";  // "cluster IP", "external IP", "loadbalancer IP"
  std::string chain;  // KUBE-SVC-*, KUBE-EXT-*, KUBE-FW-* (or the nftables service chain)
  std::vector<EndpointRule> endpoints;
  bool rejects = false;  // "has no endpoints": filter REJECT for this ip:port
  // KUBE-MARK-MASQ for traffic from outside the cluster CIDR ("! -s <cidr>"), with that CIDR.
  bool masquerade_off_cluster = false;
  std::string cluster_cidr;
  std::vector<int> node_ports;  // KUBE-NODEPORTS entries leading to the same Service chain
  Backend backend = Backend::kNone;
  // Rules of its Service and endpoint chains netdoctor does not decode (-m u32, -m string, an
  // unknown target: Rule::uncertain), "nat CHAIN #N: text", at most kMaxUncertain of them. The
  // endpoints above assume they never match: whoever judges the Service must say so.
  std::vector<std::string> uncertain;
  static constexpr std::size_t kMaxUncertain = 8;

  // "ns" and "svc" of the name, empty when unnamed.
  [[nodiscard]] std::string ns() const;
  [[nodiscard]] std::string service() const;
  [[nodiscard]] std::string port_name() const;
};

// Every ip:port/protocol of nat KUBE-SERVICES and filter KUBE-SERVICES (rejects), in rule order.
[[nodiscard]] std::vector<ServiceRule> services_from_iptables(const Ruleset& rules,
                                                              Backend backend);

}  // namespace netdoctor::rules
