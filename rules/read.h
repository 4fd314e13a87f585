// The public entry point for the CLI: read a node's proxy rules whatever the backend, and list
// the Services they implement. Everything runs inside the node's namespace (on the calling
// thread when it is already there, else on a netns::run_in thread), so sockets (ip_tables,
// libnftables) and the iptables-nft-save child bind there.
#pragma once

#include <string>
#include <vector>

#include "core/result.h"
#include "netns/netns.h"
#include "rules/backend.h"
#include "rules/ruleset.h"
#include "rules/services.h"

namespace netdoctor::rules {

struct RuleSnapshot {
  Detection detection;
  Backend backend = Backend::kNone;  // == detection.backend
  // The iptables rules of the chosen backend (legacy or nft); for nftables mode the iptables
  // rules that also exist (CNI, Docker), so the evaluator still sees filter drops.
  Ruleset ruleset;
  std::vector<ServiceRule> direct_services;  // nftables / IPVS mode, read without iptables
  std::vector<std::string> notes;            // "mixed backends: ...", readers that could not run
};

// Detects the backend and reads it. Legacy tables are read straight from the kernel (the
// getsockopt calls libiptc makes), only the tables the namespace has; iptables-nft through
// iptables-nft-save; kube-proxy's nftables table through libnftables.
[[nodiscard]] Result<RuleSnapshot> read_rules(const netns::Netns& node);

// The Services of a snapshot, from whichever backend it holds.
[[nodiscard]] std::vector<ServiceRule> services(const RuleSnapshot& snapshot);

}  // namespace netdoctor::rules
