#include "rules/evaluate.h"

#include <algorithm>

#include "rules/match_options.h"
#include "rules/rule_match.h"

namespace netdoctor::rules {

namespace {

// Jumps deeper than this are a loop (iptables itself refuses loops; a hand-made model may not).
constexpr int kMaxDepth = 64;
// Random branches multiply; past this many paths further statistic rules count as uncertain.
constexpr size_t kMaxBranches = 1024;
// Rules looked at in one trace, over every path and stage. A loop-free rule set can still cost
// exponential time: chains that each jump twice to the next one are walked 2^depth times. A
// 50,000-Service kube-proxy rule set (bench/gen_rules.awk) stays well below it; past the
// budget the walk gives up as uncertain instead of hanging.
constexpr size_t kMaxVisits = 200'000;
// Hops recorded per path; a real one has a dozen. Bounds what each random branch copies.
constexpr size_t kMaxPath = 256;

// One possible path of the packet so far.
struct Flow {
  PacketState pkt;
  Outcome out;
  Decision stop;  // set when a rule ended the current table's traversal
  bool stopped = false;
  bool cut = false;  // the visit budget ran out on this path (noted once)
};

struct Branch {
  Flow flow;
  bool returned = true;  // fell off / RETURNed rather than reaching a verdict
};

std::string rule_line(const Rule& r) {
  return "-A " + r.chain + (r.text.empty() ? "" : " " + r.text);
}

Decision decision(const std::string& table, const Rule& r, Verdict v) {
  return Decision{v, table, r.chain, r.position, rule_line(r), r.comment()};
}

// DNAT --to-destination ip[-ip][:port[-port]]: the first address and port of the range.
void apply_dnat(PacketState& p, const std::string& to) {
  std::string ip = to.substr(0, to.find(':'));
  ip = ip.substr(0, ip.find('-'));
  if (auto addr = parse_ipv4(ip)) p.dst = *addr;
  if (auto colon = to.find(':'); colon != std::string::npos) {
    std::string port = to.substr(colon + 1);
    if (auto range = detail::parse_port_range(port.substr(0, port.find('-')))) p.dport = range->low;
  }
  p.dnat_done = true;
}

class Walker {
 public:
  // `visits` is the trace's budget of rule visits, shared by every walker of the trace.
  Walker(const Table& table, size_t& visits) : table_(table), visits_(visits) {}
  std::vector<Branch> run(const Chain& chain, Flow flow, size_t from, int depth);

 private:
  // Applies a rule that matched; returns false when the flow left the chain (into `out`).
  bool apply(const Rule& rule, const Chain& chain, Flow& flow, size_t index, int depth,
             std::vector<Branch>& out);
  void hop(Flow& flow, const Rule& r, const std::string& action, bool uncertain = false) const {
    if (flow.out.path.size() < kMaxPath) {
      flow.out.path.push_back(
          Hop{table_.name, r.chain, r.position, rule_line(r), r.comment(), action, uncertain});
    }
    if (uncertain)
      flow.out.uncertain.push_back(table_.name + " " + r.chain + " #" + std::to_string(r.position) +
                                   ": " + action);
  }

  const Table& table_;
  size_t& visits_;
  size_t branches_ = 1;
};

std::vector<Branch> Walker::run(const Chain& chain, Flow flow, size_t from, int depth) {
  std::vector<Branch> out;
  if (depth > kMaxDepth) {
    flow.out.uncertain.push_back("jumps nested deeper than " + std::to_string(kMaxDepth) +
                                 " at chain " + chain.name);
    out.push_back(Branch{std::move(flow), true});
    return out;
  }
  for (size_t i = from; i < chain.rules.size(); ++i) {
    if (visits_ >= kMaxVisits) {
      if (!flow.cut) {
        flow.out.uncertain.push_back("walk stopped after " + std::to_string(kMaxVisits) +
                                     " rules at chain " + chain.name +
                                     " (the chains jump into each other too often)");
        flow.cut = true;
      }
      break;
    }
    ++visits_;
    const Rule& rule = chain.rules[i];
    MatchResult m = match_rule(rule, flow.pkt);
    if (m.result == Tri::kYes && m.probability < 1 && branches_ >= kMaxBranches) {
      m = MatchResult{Tri::kMaybe, 1, "too many random branches"};
    }
    if (m.result == Tri::kNo) continue;
    if (m.result == Tri::kMaybe) {
      hop(flow, rule, "uncertain (" + m.why + "), assumed not to match", true);
      continue;
    }
    if (m.probability < 1) {
      // The kernel picks at random: follow both the path that skips this rule and the one
      // that takes it, each with its share of the probability.
      ++branches_;
      Flow skip = flow;
      skip.out.probability *= 1 - m.probability;
      auto rest = run(chain, std::move(skip), i + 1, depth);
      out.insert(out.end(), std::make_move_iterator(rest.begin()),
                 std::make_move_iterator(rest.end()));
      flow.out.probability *= m.probability;
    }
    if (!apply(rule, chain, flow, i, depth, out)) return out;
  }
  out.push_back(Branch{std::move(flow), true});
  return out;
}

bool Walker::apply(const Rule& rule, const Chain& chain, Flow& flow, size_t index, int depth,
                   std::vector<Branch>& out) {
  const Target& t = rule.target;
  auto stop = [&](Verdict v, const std::string& action) {
    hop(flow, rule, action);
    flow.stop = decision(table_.name, rule, v);
    flow.stopped = true;
    out.push_back(Branch{std::move(flow), false});
    return false;
  };
  switch (t.kind) {
    case TargetKind::kNone:
    case TargetKind::kLog:
      hop(flow, rule, t.kind == TargetKind::kLog ? "log" : "count");
      return true;
    case TargetKind::kMark:
      flow.pkt.mark = (flow.pkt.mark & ~t.xmark_mask) ^ t.xmark_value;
      hop(flow, rule, "mark");
      return true;
    case TargetKind::kUnknown:
      hop(flow, rule, "target " + t.name + " not understood, assumed to continue", true);
      return true;
    case TargetKind::kReturn:
      hop(flow, rule, "return");
      out.push_back(Branch{std::move(flow), true});
      return false;
    case TargetKind::kAccept:
      return stop(Verdict::kAccept, "ACCEPT");
    case TargetKind::kDrop:
      return stop(Verdict::kDrop, "DROP");
    case TargetKind::kReject:
      return stop(Verdict::kReject, "REJECT" + (t.reject_with.empty() ? "" : " " + t.reject_with));
    case TargetKind::kDnat:
      apply_dnat(flow.pkt, t.to);
      flow.out.dnat = t.to;
      return stop(Verdict::kAccept, "DNAT " + t.to);
    case TargetKind::kSnat:
    case TargetKind::kMasquerade:
      flow.pkt.snat_done = true;
      flow.out.masqueraded = true;
      flow.out.snat_rule = decision(table_.name, rule, Verdict::kAccept);
      return stop(Verdict::kAccept, t.kind == TargetKind::kSnat ? "SNAT " + t.to : "MASQUERADE");
    case TargetKind::kChain:
      break;
  }
  const Chain* child = table_.target_chain(t);
  if (child == nullptr) {
    hop(flow, rule, "jump to missing chain " + t.name, true);
    return true;
  }
  hop(flow, rule, (t.is_goto ? "goto " : "jump ") + t.name);
  auto sub = run(*child, std::move(flow), 0, depth + 1);
  bool continued = false;
  for (Branch& b : sub) {
    if (!b.returned || t.is_goto) {
      out.push_back(std::move(b));
    } else if (!continued) {
      flow = std::move(b.flow);  // carries on in this loop
      continued = true;
    } else {
      auto rest = run(chain, std::move(b.flow), index + 1, depth);
      out.insert(out.end(), std::make_move_iterator(rest.begin()),
                 std::make_move_iterator(rest.end()));
    }
  }
  return continued;
}

// Runs one built-in chain of one table for every flow; a flow that falls off gets the policy.
std::vector<Flow> run_stage(const Ruleset& rules, const std::string& table_name,
                            const std::string& chain_name, std::vector<Flow> flows,
                            size_t& visits) {
  const Table* table = rules.find(table_name);
  const Chain* chain = table ? table->find(chain_name) : nullptr;
  std::vector<Flow> out;
  for (Flow& f : flows) {
    f.stopped = false;
    if (chain == nullptr) {
      f.stop = Decision{Verdict::kAccept, table_name, chain_name, 0, "no such chain", ""};
      out.push_back(std::move(f));
      continue;
    }
    Walker walker(*table, visits);
    for (Branch& b : walker.run(*chain, std::move(f), 0, 0)) {
      if (b.returned) {
        Verdict v = chain->policy == "DROP" ? Verdict::kDrop : Verdict::kAccept;
        b.flow.stop = Decision{v, table_name, chain_name, 0, "policy " + chain->policy, ""};
        b.flow.out.path.push_back(Hop{table_name, chain_name, 0, "policy " + chain->policy, "",
                                      "policy " + chain->policy});
      }
      out.push_back(std::move(b.flow));
    }
  }
  return out;
}

Result<PacketState> initial_state(const Packet& p) {
  auto src = parse_ipv4(p.src);
  auto dst = parse_ipv4(p.dst);
  if (!src) return fail(ErrorCode::kInvalidInput, "bad source address \"" + p.src + "\"");
  if (!dst) return fail(ErrorCode::kInvalidInput, "bad destination address \"" + p.dst + "\"");
  if (p.protocol.empty()) return fail(ErrorCode::kInvalidInput, "packet without a protocol");
  PacketState s;
  s.src = *src, s.dst = *dst, s.protocol = p.protocol, s.sport = p.sport, s.dport = p.dport;
  s.in_iface = p.in_iface, s.out_iface = p.out_iface, s.locally_generated = p.locally_generated;
  if (p.dst_local) s.local.insert(*dst);
  if (p.src_local || p.locally_generated) s.local.insert(*src);
  for (const std::string& a : p.local_addresses) {
    auto ip = parse_ipv4(a);
    if (!ip) return fail(ErrorCode::kInvalidInput, "bad local address \"" + a + "\"");
    s.local.insert(*ip);
  }
  return s;
}

Outcome finish(Flow& f) {
  f.out.dst_after_nat = ipv4_to_string(f.pkt.dst);
  return std::move(f.out);
}

}  // namespace

Result<Trace> trace(const Ruleset& rules, const Packet& packet) {
  auto state = initial_state(packet);
  if (!state) return tl::unexpected(state.error());
  std::vector<Flow> flows(1);
  flows[0].pkt = *state;
  size_t visits = 0;
  flows = run_stage(rules, "nat", packet.locally_generated ? "OUTPUT" : "PREROUTING",
                    std::move(flows), visits);
  Trace result{packet, {}};
  std::vector<Flow> filtered;
  for (Flow& f : flows) {
    if (f.stopped && f.stop.verdict != Verdict::kAccept) {  // a DROP in the nat table
      f.out.filter = f.stop;
      result.outcomes.push_back(finish(f));
      continue;
    }
    // The routing decision after DNAT: delivered here (INPUT) or passed on (FORWARD).
    bool local = !packet.locally_generated && f.pkt.is_local(f.pkt.dst);
    const char* chain = packet.locally_generated ? "OUTPUT" : local ? "INPUT" : "FORWARD";
    for (Flow& g : run_stage(rules, "filter", chain, {std::move(f)}, visits)) {
      g.out.filter = g.stop;
      if (g.stop.verdict != Verdict::kAccept || (local && !packet.locally_generated)) {
        result.outcomes.push_back(finish(g));  // dropped, or delivered without POSTROUTING
      } else {
        filtered.push_back(std::move(g));
      }
    }
  }
  for (Flow& f : run_stage(rules, "nat", "POSTROUTING", std::move(filtered), visits)) {
    result.outcomes.push_back(finish(f));
  }
  return result;
}

Result<Outcome> evaluate_postrouting(const Ruleset& rules, const Packet& packet) {
  auto state = initial_state(packet);
  if (!state) return tl::unexpected(state.error());
  std::vector<Flow> flows(1);
  flows[0].pkt = *state;
  size_t visits = 0;
  flows = run_stage(rules, "nat", "POSTROUTING", std::move(flows), visits);
  // Without statistic rules in POSTROUTING there is one path; with them, report the first
  // masquerading one, as "can this packet leave NATed".
  auto it =
      std::find_if(flows.begin(), flows.end(), [](const Flow& f) { return f.out.masqueraded; });
  Flow& chosen = it != flows.end() ? *it : flows.front();
  chosen.out.filter = Decision{Verdict::kAccept, "", "", 0, "not evaluated", ""};
  return finish(chosen);
}

bool Trace::uncertain() const {
  return std::any_of(outcomes.begin(), outcomes.end(),
                     [](const Outcome& o) { return !o.uncertain.empty(); });
}

std::vector<const Outcome*> Trace::with_verdict(Verdict v) const {
  std::vector<const Outcome*> out;
  for (const Outcome& o : outcomes) {
    if (o.filter.verdict == v) out.push_back(&o);
  }
  return out;
}

std::string to_string(Verdict v) {
  switch (v) {
    case Verdict::kAccept:
      return "ACCEPT";
    case Verdict::kDrop:
      return "DROP";
    case Verdict::kReject:
      return "REJECT";
    case Verdict::kUndecided:
      return "UNDECIDED";
  }
  return "?";
}

}  // namespace netdoctor::rules
