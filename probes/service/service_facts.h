// What the service layer collects before it judges anything: the Services that matter to one
// source pod (from the inventory, the node's proxy rules and the pod's environment) and the
// outcomes of the TCP connects made from the pod. Passive structs only: service_eval turns
// them into checks, so unit tests can feed hand-made or recorded facts without root.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "probes/net/tcp.h"
#include "rules/compare.h"
#include "rules/services.h"

namespace netdoctor::probes {

// One TCP connect from the source pod's namespace.
struct ConnectProbe {
  std::string target;                   // "ip:port" connected to
  std::optional<ConnectResult> result;  // nullopt when the probe could not run
  std::string error;                    // why it could not run
};

// One ClusterIP:port/protocol of a Service, with everything known about it.
struct ServiceTarget {
  std::string
      name;  // "ns/svc:port" with the port's name (as kube-proxy's comments), else its number
  std::string service;  // "ns/svc"
  std::string ip;       // ClusterIP
  int port = 0;
  std::string protocol = "tcp";  // lower case
  bool in_inventory = false;
  // Ready endpoints "ip:port" from the EndpointSlices; from the rules when there is no inventory.
  std::vector<std::string> endpoints;
  std::optional<rules::ServiceRule> rule;  // the node's rule; nullopt when none or not read
  std::vector<rules::ServiceDiff> diffs;   // rules vs EndpointSlices for this port
  // Why the source targets it, empty when it does not: "--to", "WEB_SERVICE_HOST=10.96.100.10
  // in the pod's environment".
  std::string reference;
  bool named_by_user = false;  // given with --to
  // Running pods its selector matches: with none ready, such a Service is broken, not unused.
  std::vector<std::string> selected_pods;
  std::string selector;  // "app=web", for evidence
  bool probe = true;     // false beyond max_services: only failing rule checks are reported
  // Set when it is not probed because another layer probes the same backend from this source
  // (kube-dns: the dns layer; default/kubernetes: the apiserver layer): the reason of the skip.
  std::string left_to;
  std::vector<ConnectProbe> via_cluster_ip;  // several attempts, to meet each endpoint
  // When any of those failed, the same number of attempts once more after them: a dropped SYN
  // (a small accept queue, a busy node) passes the second time, a broken path does not. Empty
  // when nothing failed or the round did not run.
  std::vector<ConnectProbe> via_cluster_ip_again;
};

// The source pod's host-side bridge port, read on the node (node mode only).
struct HairpinPort {
  std::string veth;             // host-side veth of the source pod
  std::string bridge;           // the bridge it is a port of
  std::optional<bool> hairpin;  // IFLA_BRPORT_MODE; nullopt when it could not be read
  std::string error;
};

struct ServiceFacts {
  std::string source;         // display name of the source pod
  std::string source_ip;      // its IPv4 address
  bool rules_read = false;    // the node's proxy rules were read (node mode)
  std::string rules_error;    // why they could not be read on a node (a missing capability)
  std::string rules_backend;  // "iptables-legacy", ...
  std::vector<std::string> rule_notes;
  std::vector<ServiceTarget> targets;
  std::map<std::string, ConnectProbe> endpoints;     // direct connects, by "ip:port"
  std::optional<HairpinPort> hairpin_port;           // node mode, when the source is an endpoint
  std::map<std::string, std::string> endpoint_pods;  // "ip" -> "ns/pod (node)" for evidence
};

}  // namespace netdoctor::probes
