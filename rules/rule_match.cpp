#include "rules/rule_match.h"

#include <algorithm>
#include <map>

namespace netdoctor::rules {

namespace {

// Combines the answers of the parts of a rule: all parts are ANDed, so one "no" wins over any
// "cannot tell".
struct Combined {
  MatchResult r;
  void add(bool yes) {
    if (!yes) r.result = Tri::kNo;
  }
  void maybe(const std::string& why) {
    if (r.result == Tri::kYes) {
      r.result = Tri::kMaybe;
      r.why = why;
    }
  }
};

bool is_multicast(uint32_t ip) {
  return (ip >> 28) == 0xe;
}

std::string canonical_protocol(const std::string& p) {
  static const std::map<std::string, std::string> numbers = {
      {"6", "tcp"}, {"17", "udp"}, {"1", "icmp"}, {"132", "sctp"}, {"all", ""}, {"0", ""}};
  auto it = numbers.find(p);
  return it == numbers.end() ? p : it->second;
}

bool in_ranges(const std::vector<PortRange>& ranges, uint16_t port) {
  return std::any_of(ranges.begin(), ranges.end(),
                     [&](const PortRange& r) { return r.contains(port); });
}

// Whether an address is of an addrtype type ("LOCAL", "UNICAST", ...); nullopt when the rules
// alone cannot tell (subnet broadcast, blackhole routes).
std::optional<bool> has_addrtype(const PacketState& p, uint32_t ip, const std::string& types) {
  bool any = false;
  size_t start = 0;
  while (start <= types.size()) {
    size_t end = types.find(',', start);
    std::string t = types.substr(start, end == std::string::npos ? std::string::npos : end - start);
    if (t == "LOCAL") {
      any = any || p.is_local(ip);
    } else if (t == "UNICAST") {
      any = any || (!p.is_local(ip) && !is_multicast(ip) && ip != 0xffffffff);
    } else if (t == "MULTICAST") {
      any = any || is_multicast(ip);
    } else if (t == "BROADCAST") {
      if (ip == 0xffffffff)
        any = true;
      else if (!p.is_local(ip) && !is_multicast(ip))
        return std::nullopt;
    } else {
      return std::nullopt;
    }
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return any;
}

void match_ports(Combined& c, const Match& m, const PacketState& p) {
  if (m.kind == MatchKind::kPorts && canonical_protocol(m.module) != p.protocol) {
    c.add(false);  // a tcp match never matches a udp packet
    return;
  }
  if (!m.dports.empty()) c.add(in_ranges(m.dports, p.dport) != m.dports_negated);
  if (const MatchExtra& x = m.extra(); !x.ports.empty()) {
    if (in_ranges(x.ports, p.dport) != x.ports_negated) return;
    if (p.sport == 0)
      c.maybe("source port unknown");
    else
      c.add(in_ranges(x.ports, p.sport) != x.ports_negated);
  }
  if (!m.sports.empty()) {
    if (p.sport == 0)
      c.maybe("source port unknown");
    else
      c.add(in_ranges(m.sports, p.sport) != m.sports_negated);
  }
}

void match_states(Combined& c, const Match& m, const PacketState& p) {
  // The first packet of a connection: NEW, plus the NAT status conntrack has recorded by then.
  bool any = false;
  for (const std::string& s : m.extra().states) {
    any = any || s == "NEW" || (s == "DNAT" && p.dnat_done) || (s == "SNAT" && p.snat_done);
  }
  c.add(any != m.extra().states_negated);
}

void match_statistic(Combined& c, const Match& m) {
  double p = m.stat_mode == "nth" ? (m.every > 0 ? 1.0 / m.every : 1.0) : m.probability;
  if (m.stat_negated) p = 1 - p;
  if (p <= 0)
    c.add(false);
  else
    c.r.probability *= p;
}

void match_one(Combined& c, const Match& m, const PacketState& p) {
  if (!m.unknown_options.empty()) {
    c.maybe("-m " + m.module + " " + m.unknown_options.front() + " not understood");
    return;
  }
  switch (m.kind) {
    case MatchKind::kPorts:
    case MatchKind::kMultiport:
      return match_ports(c, m, p);
    case MatchKind::kComment:
      return;
    case MatchKind::kAddrtype:
      for (auto [type, ip, neg] :
           {std::tuple{m.extra().src_type, p.src, m.extra().src_type_negated},
            std::tuple{m.extra().dst_type, p.dst, m.extra().dst_type_negated}}) {
        if (type.empty()) continue;
        auto is = has_addrtype(p, ip, type);
        if (!is)
          c.maybe("address type " + type + " of " + ipv4_to_string(ip));
        else
          c.add(*is != neg);
      }
      return;
    case MatchKind::kConntrack:
    case MatchKind::kState:
      return match_states(c, m, p);
    case MatchKind::kMark:
      return c.add(((p.mark & m.mark_mask) == m.mark) != m.mark_negated);
    case MatchKind::kStatistic:
      return match_statistic(c, m);
    case MatchKind::kRecent:
      // Session affinity: a first connection has no history, so checks fail and --set passes.
      return c.add(m.extra().recent_command == "--set" || m.extra().recent_command.empty());
    case MatchKind::kPkttype: {
      std::string kind = is_multicast(p.dst)   ? "multicast"
                         : p.dst == 0xffffffff ? "broadcast"
                                               : "unicast";
      return c.add((kind == m.extra().pkttype) != m.extra().pkttype_negated);
    }
    case MatchKind::kLength:
      return c.maybe("packet length unknown");
    case MatchKind::kPhysdev:
      return c.maybe("bridge port (physdev) unknown");
    case MatchKind::kSet:
      return c.maybe("ipset contents unknown");
    case MatchKind::kUnknown:
      return c.maybe("match -m " + m.module + " not understood");
  }
}

void match_interface(Combined& c, const InterfaceMatch& m, const std::string& iface,
                     const char* what) {
  if (!m.present) return;
  if (iface.empty())
    c.maybe(std::string(what) + " interface unknown");
  else
    c.add(m.matches(iface) != m.negated);
}

}  // namespace

bool PacketState::is_local(uint32_t ip) const {
  return (ip >> 24) == 127 || local.count(ip) > 0;
}

MatchResult match_rule(const Rule& rule, const PacketState& p) {
  Combined c;
  if (rule.src.present) c.add(rule.src.cidr.contains(p.src) != rule.src.negated);
  if (rule.dst.present) c.add(rule.dst.cidr.contains(p.dst) != rule.dst.negated);
  if (!rule.protocol.empty()) {
    std::string proto = canonical_protocol(rule.protocol);
    if (!proto.empty()) c.add((proto == p.protocol) != rule.protocol_negated);
  }
  if (rule.fragment) c.add(rule.fragment_negated);  // a first packet is never a fragment
  match_interface(c, rule.in, p.in_iface, "input");
  match_interface(c, rule.out, p.out_iface, "output");
  for (const Match& m : rule.matches) {
    if (c.r.result == Tri::kNo) break;
    match_one(c, m, p);
  }
  if (c.r.result != Tri::kYes) c.r.probability = 1;
  return c.r;
}

}  // namespace netdoctor::rules
