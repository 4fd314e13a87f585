// Follows one packet through a node's iptables rules, as the kernel would for the first packet
// of a connection: nat PREROUTING (or OUTPUT for the node's own traffic) with its Service DNAT,
// then filter FORWARD / INPUT / OUTPUT to a verdict, then nat POSTROUTING for masquerade.
//
// Where the kernel picks at random (statistic match), the trace branches: each Outcome is one
// possible path with its probability. Where a rule depends on something the rules alone cannot
// tell (an unknown match, an ipset, a bridge port, connection history), the rule is reported
// as uncertain and the walk continues as if it did not match. This is what `netdoctor trace`
// prints and what the filter-drop, forward-policy-drop, egress-no-snat and pod-snat checks use.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/result.h"
#include "rules/ruleset.h"

namespace netdoctor::rules {

struct Packet {
  std::string src;  // IPv4
  std::string dst;
  std::string protocol = "tcp";  // tcp, udp, sctp, icmp
  uint16_t sport = 0;            // 0: unknown (rules matching on it become uncertain)
  uint16_t dport = 0;
  std::string in_iface;            // empty: unknown; ignored for locally generated packets
  std::string out_iface;           // empty: unknown
  bool locally_generated = false;  // sent by the node itself: nat OUTPUT, filter OUTPUT
  bool dst_local = false;          // the (original) destination is one of the node's addresses
  bool src_local = false;
  // Further node addresses, so that addrtype LOCAL also holds after DNAT to one of them.
  std::vector<std::string> local_addresses;
};

// One rule the packet went through (or the policy that ended a built-in chain).
struct Hop {
  std::string table;
  std::string chain;
  int position = 0;  // 0 for the chain's policy
  std::string rule;  // "-A CHAIN ..." or "policy DROP"
  std::string comment;
  std::string action;  // "jump KUBE-SVC-X", "DNAT 10.0.0.1:80", "DROP", "uncertain: ..."
  bool uncertain = false;
};

enum class Verdict { kAccept, kDrop, kReject, kUndecided };

// The rule (or policy) that decided a stage.
struct Decision {
  Verdict verdict = Verdict::kUndecided;
  std::string table;
  std::string chain;
  int position = 0;  // 0: the chain's policy
  std::string rule;
  std::string comment;
  [[nodiscard]] bool by_policy() const { return position == 0; }
};

struct Outcome {
  double probability = 1;
  std::vector<Hop> path;
  std::string dnat;  // "ip:port" the destination was rewritten to, empty if none
  std::string dst_after_nat;
  Decision filter;           // the filter table's decision (kAccept when no rule stopped it)
  bool masqueraded = false;  // MASQUERADE or SNAT in nat POSTROUTING
  Decision snat_rule;        // the rule that masqueraded, when any
  std::vector<std::string> uncertain;  // rules that might have changed the result
};

struct Trace {
  Packet packet;
  std::vector<Outcome> outcomes;  // probabilities sum to 1
  [[nodiscard]] bool uncertain() const;
  // The outcomes a verdict is reached by: all DROP/REJECT ones, for example.
  [[nodiscard]] std::vector<const Outcome*> with_verdict(Verdict v) const;
};

// The whole path. Fails only on a packet it cannot represent (bad address, no protocol).
[[nodiscard]] Result<Trace> trace(const Ruleset& rules, const Packet& packet);

// Only nat POSTROUTING: does this packet leave source-NATed? For egress-no-snat (pod → outside)
// and pod-snat (pod → pod). The packet mark starts at 0, as for a packet that no Service rule
// marked; use trace() for Service traffic.
[[nodiscard]] Result<Outcome> evaluate_postrouting(const Ruleset& rules, const Packet& packet);

[[nodiscard]] std::string to_string(Verdict v);

}  // namespace netdoctor::rules
