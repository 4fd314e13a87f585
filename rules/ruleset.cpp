#include "rules/ruleset.h"

#include <arpa/inet.h>

#include <charconv>

namespace netdoctor::rules {

namespace {

uint32_t prefix_mask(int prefix) {
  return prefix <= 0 ? 0 : prefix >= 32 ? 0xffffffffu : ~((1u << (32 - prefix)) - 1);
}

}  // namespace

bool Cidr::contains(uint32_t ip) const {
  uint32_t mask = prefix_mask(prefix);
  return (ip & mask) == (addr & mask);
}

std::string Cidr::to_string() const {
  return ipv4_to_string(addr) + "/" + std::to_string(prefix);
}

std::optional<uint32_t> parse_ipv4(std::string_view text) {
  std::string copy(text);
  in_addr a{};
  if (copy.empty() || inet_pton(AF_INET, copy.c_str(), &a) != 1) return std::nullopt;
  return ntohl(a.s_addr);
}

std::string ipv4_to_string(uint32_t ip) {
  in_addr a{};
  a.s_addr = htonl(ip);
  char buf[INET_ADDRSTRLEN] = {};
  inet_ntop(AF_INET, &a, buf, sizeof buf);
  return buf;
}

std::optional<Cidr> parse_cidr(std::string_view text) {
  auto slash = text.find('/');
  auto ip = parse_ipv4(text.substr(0, slash));
  if (!ip) return std::nullopt;
  if (slash == std::string_view::npos) return Cidr{*ip, 32};
  std::string_view rest = text.substr(slash + 1);
  if (rest.find('.') != std::string_view::npos) {
    // A dotted mask, as old iptables versions printed it: count its leading ones.
    auto mask = parse_ipv4(rest);
    if (!mask) return std::nullopt;
    int prefix = 0;
    while (prefix < 32 && (*mask & (0x80000000u >> prefix))) ++prefix;
    if (prefix_mask(prefix) != *mask) return std::nullopt;
    return Cidr{*ip & *mask, prefix};
  }
  int prefix = -1;
  auto [end, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), prefix);
  if (ec != std::errc() || end != rest.data() + rest.size() || prefix < 0 || prefix > 32) {
    return std::nullopt;
  }
  return Cidr{*ip & prefix_mask(prefix), prefix};
}

bool InterfaceMatch::matches(std::string_view iface) const {
  if (!name.empty() && name.back() == '+') {
    return iface.substr(0, name.size() - 1) == std::string_view(name).substr(0, name.size() - 1);
  }
  return iface == name;
}

const MatchExtra& Match::extra() const {
  static const MatchExtra kNone;
  const MatchExtra* e = boxed_extra.get();
  return e ? *e : kNone;
}

std::string Rule::comment() const {
  const Match* m = find(MatchKind::kComment);
  return m ? m->comment : std::string();
}

bool Rule::uncertain() const {
  for (const Match& m : matches) {
    if (m.kind == MatchKind::kUnknown || !m.unknown_options.empty()) return true;
  }
  return target.kind == TargetKind::kUnknown || !target.unknown_options.empty();
}

const Match* Rule::find(MatchKind kind) const {
  for (const Match& m : matches) {
    if (m.kind == kind) return &m;
  }
  return nullptr;
}

const Chain* Table::find(std::string_view chain) const {
  for (const Chain& c : chains) {
    if (c.name == chain) return &c;
  }
  return nullptr;
}

Chain* Table::find(std::string_view chain) {
  for (Chain& c : chains) {
    if (c.name == chain) return &c;
  }
  return nullptr;
}

const Chain* Table::target_chain(const Target& target) const {
  const auto i = static_cast<size_t>(target.chain_index);
  if (target.chain_index >= 0 && i < chains.size() && chains[i].name == target.name) {
    return &chains[i];
  }
  return find(target.name);
}

const Table* Ruleset::find(std::string_view table) const {
  for (const Table& t : tables) {
    if (t.name == table) return &t;
  }
  return nullptr;
}

const Chain* Ruleset::chain(std::string_view table, std::string_view chain) const {
  const Table* t = find(table);
  return t ? t->find(chain) : nullptr;
}

size_t Ruleset::rule_count() const {
  size_t n = 0;
  for (const Table& t : tables) {
    for (const Chain& c : t.chains) n += c.rules.size();
  }
  return n;
}

}  // namespace netdoctor::rules
