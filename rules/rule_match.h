// Whether one rule matches one packet: yes, no, or "cannot tell from the rules" — the evaluator's
// building block. A statistic match answers yes with a probability below 1, which the evaluator
// turns into two branches.
#pragma once

#include <cstdint>
#include <set>
#include <string>

#include "rules/ruleset.h"

namespace netdoctor::rules {

// The packet as the rules see it at one point of its way: addresses change with DNAT, the mark
// with MARK, the conntrack status with NAT.
struct PacketState {
  uint32_t src = 0, dst = 0;
  std::string protocol;
  uint16_t sport = 0, dport = 0;
  std::string in_iface, out_iface;
  bool locally_generated = false;
  uint32_t mark = 0;
  bool dnat_done = false;
  bool snat_done = false;
  std::set<uint32_t> local;  // the node's addresses (addrtype LOCAL)
  [[nodiscard]] bool is_local(uint32_t ip) const;
};

enum class Tri { kNo, kYes, kMaybe };

struct MatchResult {
  Tri result = Tri::kYes;
  double probability = 1;  // < 1 only for statistic matches
  std::string why;         // for kMaybe: what could not be decided
};

[[nodiscard]] MatchResult match_rule(const Rule& rule, const PacketState& packet);

}  // namespace netdoctor::rules
