#include "rules/match_options.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <map>

namespace netdoctor::rules::detail {

namespace {

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

std::vector<std::string> split(std::string_view s, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  while (true) {
    size_t pos = s.find(sep, start);
    out.emplace_back(s.substr(start, pos - start));
    if (pos == std::string_view::npos) return out;
    start = pos + 1;
  }
}

// "80,443,8000:8080".
std::optional<std::vector<PortRange>> parse_port_list(std::string_view text) {
  std::vector<PortRange> out;
  size_t start = 0;
  while (true) {
    size_t pos = text.find(',', start);
    auto range = parse_port_range(text.substr(start, pos - start));
    if (!range) return std::nullopt;
    out.push_back(*range);
    if (pos == std::string_view::npos) return out;
    start = pos + 1;
  }
}

// "v" or "v/m".
bool parse_value_mask(std::string_view text, uint32_t& value, uint32_t& mask) {
  auto slash = text.find('/');
  auto v = parse_u32(text.substr(0, slash));
  if (!v) return false;
  value = *v;
  mask = 0xffffffff;
  if (slash == std::string_view::npos) return true;
  auto m = parse_u32(text.substr(slash + 1));
  if (!m) return false;
  mask = *m;
  return true;
}

std::optional<double> parse_double(std::string_view text) {
  double d = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), d);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return d;
}

std::optional<int> parse_int(std::string_view text) {
  int v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return v;
}

// Options of the port matches (tcp/udp/sctp) and multiport. Returns false when not understood.
bool apply_ports(Match& m, std::string_view opt, std::string_view value, bool neg) {
  auto list = parse_port_list(value);
  if (!list) return false;
  if (m.kind == MatchKind::kPorts && list->size() != 1) return false;
  if (opt == "--dport" || opt == "--destination-port" || opt == "--dports" ||
      opt == "--destination-ports") {
    m.dports = std::move(*list);
    m.dports_negated = neg;
  } else if (opt == "--sport" || opt == "--source-port" || opt == "--sports" ||
             opt == "--source-ports") {
    m.sports = std::move(*list);
    m.sports_negated = neg;
  } else if (opt == "--ports" && m.kind == MatchKind::kMultiport) {
    m.set_extra().ports = std::move(*list);
    m.set_extra().ports_negated = neg;
  } else {
    return false;
  }
  return true;
}

bool apply_known(Match& m, std::string_view opt, std::span<const std::string_view> vals, bool neg) {
  const std::string_view v = vals.empty() ? std::string_view() : vals.front();
  switch (m.kind) {
    case MatchKind::kPorts:
    case MatchKind::kMultiport:
      return vals.size() == 1 && apply_ports(m, opt, v, neg);
    case MatchKind::kComment:
      if (opt != "--comment" || vals.size() != 1) return false;
      m.comment = v;
      return true;
    case MatchKind::kAddrtype:
      if (opt == "--src-type") {
        m.set_extra().src_type = upper(v);
        m.set_extra().src_type_negated = neg;
      } else if (opt == "--dst-type") {
        m.set_extra().dst_type = upper(v);
        m.set_extra().dst_type_negated = neg;
      } else {
        return false;  // --limit-iface-in/out need the route's interface: uncertain
      }
      return vals.size() == 1;
    case MatchKind::kConntrack:
    case MatchKind::kState:
      if (opt != (m.kind == MatchKind::kState ? "--state" : "--ctstate") || vals.size() != 1) {
        return false;
      }
      m.set_extra().states = split(upper(v), ',');
      m.set_extra().states_negated = neg;
      return true;
    case MatchKind::kMark:
      m.mark_negated = neg;
      return opt == "--mark" && vals.size() == 1 && parse_value_mask(v, m.mark, m.mark_mask);
    case MatchKind::kStatistic:
      if (opt == "--mode") {
        m.stat_mode = v;
        return v == "random" || v == "nth";
      }
      if (opt == "--probability") {
        auto p = parse_double(v);
        m.stat_negated = m.stat_negated || neg;
        if (!p || *p < 0 || *p > 1) return false;
        m.probability = *p;
        return true;
      }
      if (opt == "--every" || opt == "--packet") {
        auto n = parse_int(v);
        m.stat_negated = m.stat_negated || neg;
        if (!n || *n < 0) return false;
        (opt == "--every" ? m.every : m.packet) = *n;
        return true;
      }
      return false;
    case MatchKind::kRecent:
      if (opt == "--set" || opt == "--rcheck" || opt == "--update" || opt == "--remove") {
        m.set_extra().recent_command = opt;
      } else if (opt == "--name") {
        m.set_extra().recent_name = v;
      }
      // Every other recent option (--seconds, --reap, --mask, --rsource, ...) only refines
      // the check; the evaluator treats a check as "no history" either way.
      return true;
    case MatchKind::kPkttype:
      m.set_extra().pkttype = v;
      m.set_extra().pkttype_negated = neg;
      return opt == "--pkt-type" && vals.size() == 1;
    case MatchKind::kLength: {
      auto r = parse_port_range(v);
      if (opt != "--length" || !r) return false;
      m.set_extra().length = *r;
      m.set_extra().length_negated = neg;
      return true;
    }
    case MatchKind::kPhysdev:
    case MatchKind::kSet:
    case MatchKind::kUnknown:
      // Parsed for display; their outcome depends on bridge ports and set contents that the
      // rules do not hold, so the evaluator always treats them as uncertain.
      return true;
  }
  return false;
}

}  // namespace

std::optional<uint32_t> parse_u32(std::string_view digits) {
  int base = 10;
  if (digits.size() > 2 && digits[0] == '0' && (digits[1] == 'x' || digits[1] == 'X')) {
    base = 16;
    digits.remove_prefix(2);
  }
  uint32_t v = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v, base);
  if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size()) {
    return std::nullopt;
  }
  return v;
}

std::optional<PortRange> parse_port_range(std::string_view text) {
  auto colon = text.find(':');
  auto num = [](std::string_view s, uint16_t dflt) -> std::optional<uint16_t> {
    if (s.empty()) return dflt;
    auto v = parse_int(s);
    if (!v || *v < 0 || *v > 65535) return std::nullopt;
    return static_cast<uint16_t>(*v);
  };
  if (colon == std::string_view::npos) {
    if (text.empty()) return std::nullopt;
    auto p = num(text, 0);
    if (!p) return std::nullopt;
    return PortRange{*p, *p};
  }
  auto lo = num(text.substr(0, colon), 0);
  auto hi = num(text.substr(colon + 1), 65535);
  if (!lo || !hi || *lo > *hi) return std::nullopt;
  return PortRange{*lo, *hi};
}

MatchKind match_kind(std::string_view module) {
  static const std::map<std::string, MatchKind, std::less<>> kinds = {
      {"tcp", MatchKind::kPorts},
      {"udp", MatchKind::kPorts},
      {"sctp", MatchKind::kPorts},
      {"multiport", MatchKind::kMultiport},
      {"comment", MatchKind::kComment},
      {"addrtype", MatchKind::kAddrtype},
      {"conntrack", MatchKind::kConntrack},
      {"state", MatchKind::kState},
      {"mark", MatchKind::kMark},
      {"statistic", MatchKind::kStatistic},
      {"recent", MatchKind::kRecent},
      {"physdev", MatchKind::kPhysdev},
      {"set", MatchKind::kSet},
      {"length", MatchKind::kLength},
      {"pkttype", MatchKind::kPkttype},
  };
  auto it = kinds.find(module);
  return it == kinds.end() ? MatchKind::kUnknown : it->second;
}

TargetKind target_kind(std::string_view name) {
  static const std::map<std::string, TargetKind, std::less<>> kinds = {
      {"ACCEPT", TargetKind::kAccept},
      {"DROP", TargetKind::kDrop},
      {"REJECT", TargetKind::kReject},
      {"RETURN", TargetKind::kReturn},
      {"DNAT", TargetKind::kDnat},
      {"SNAT", TargetKind::kSnat},
      {"MASQUERADE", TargetKind::kMasquerade},
      {"MARK", TargetKind::kMark},
      {"LOG", TargetKind::kLog},
      {"NFLOG", TargetKind::kLog},
  };
  auto it = kinds.find(name);
  if (it != kinds.end()) return it->second;
  // Extension targets are upper case by convention (CT, NOTRACK, TPROXY, ...); anything else
  // names a user chain, which the caller checks against the table.
  bool has_lower = std::any_of(name.begin(), name.end(),
                               [](char c) { return std::islower(static_cast<unsigned char>(c)); });
  return has_lower || name.find('-') != std::string_view::npos ? TargetKind::kChain
                                                               : TargetKind::kUnknown;
}

void apply_match_option(Match& match, std::string_view option,
                        std::span<const std::string_view> values, bool negated) {
  if (!apply_known(match, option, values, negated)) {
    match.unknown_options.emplace_back(option);
  }
}

void apply_target_option(Target& t, std::string_view opt, std::span<const std::string_view> vals) {
  const std::string_view v = vals.empty() ? std::string_view() : vals.front();
  bool ok = true;
  uint32_t value = 0, mask = 0;
  if ((t.kind == TargetKind::kDnat && opt == "--to-destination") ||
      (t.kind == TargetKind::kSnat && opt == "--to-source")) {
    t.to = v;
  } else if (t.kind == TargetKind::kMasquerade && opt == "--to-ports") {
    t.to_ports = v;
  } else if (opt == "--random-fully" || opt == "--random" || opt == "--persistent") {
    t.random_fully = t.random_fully || opt == "--random-fully";
  } else if (t.kind == TargetKind::kReject && opt == "--reject-with") {
    t.reject_with = v;
  } else if (t.kind == TargetKind::kMark && parse_value_mask(v, value, mask)) {
    // iptables' own translations of the MARK variants into --set-xmark (libxt_MARK.c).
    if (opt == "--set-xmark") {
      t.xmark_value = value, t.xmark_mask = mask;
    } else if (opt == "--set-mark") {
      t.xmark_value = value, t.xmark_mask = value | mask;
    } else if (opt == "--or-mark") {
      t.xmark_value = value, t.xmark_mask = value;
    } else if (opt == "--and-mark") {
      t.xmark_value = 0, t.xmark_mask = ~value;
    } else if (opt == "--xor-mark") {
      t.xmark_value = value, t.xmark_mask = 0;
    } else {
      ok = false;
    }
  } else if (t.kind == TargetKind::kLog) {
    ok = true;  // --log-prefix and friends change nothing about the packet
  } else {
    ok = false;
  }
  if (!ok) t.unknown_options.emplace_back(opt);
}

}  // namespace netdoctor::rules::detail
