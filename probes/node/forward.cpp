#include "probes/node/forward.h"

namespace netdoctor::probes {

std::optional<rules::Decision> forward_block(const rules::Ruleset& rules, const ForwardFlow& f) {
  rules::Packet p;
  p.src = f.src;
  p.dst = f.dst;
  p.protocol = f.protocol;
  p.in_iface = f.in_iface;
  p.out_iface = f.out_iface;
  auto t = rules::trace(rules, p);
  if (!t) return std::nullopt;
  for (const auto& o : t->outcomes) {
    if (o.filter.verdict == rules::Verdict::kDrop || o.filter.verdict == rules::Verdict::kReject) {
      return o.filter;
    }
  }
  return std::nullopt;
}

std::string describe_decision(const rules::Decision& d) {
  if (d.by_policy()) {
    return d.table + " " + d.chain + " policy " + rules::to_string(d.verdict);
  }
  std::string s = d.table + " " + d.chain + " rule " + std::to_string(d.position) + ": " + d.rule;
  if (!d.comment.empty()) s += " (comment \"" + d.comment + "\")";
  return s;
}

report::Check check_forward_policy(const rules::Ruleset& rules,
                                   const std::vector<ForwardFlow>& flows) {
  report::Check c;
  c.id = "node.forward-policy";
  if (flows.empty()) {
    c.status = report::Status::kSkip;
    c.summary = "no pod flow to judge the FORWARD chain with";
    return c;
  }
  for (const auto& f : flows) {
    auto block = forward_block(rules, f);
    if (!block || !block->by_policy()) continue;
    c.status = report::Status::kFail;
    c.code = "forward-policy-drop";
    c.summary = "the FORWARD chain drops pod traffic by policy and no rule accepts it";
    c.evidence.push_back("flow " + f.src + " -> " + f.dst + " (in " + f.in_iface + ", out " +
                         f.out_iface + "): " + describe_decision(*block));
    return c;
  }
  c.summary = "the FORWARD chain lets pod traffic through";
  for (const auto& f : flows) c.evidence.push_back("flow " + f.src + " -> " + f.dst + ": accepted");
  return c;
}

}  // namespace netdoctor::probes
