// The rule model shared by every reader: tables of chains of rules, with the matches and targets
// netdoctor understands parsed into fields, and everything else kept verbatim. A reader (text
// parser, the kernel's ip_tables, iptables-nft-save) fills it; the service model and the
// evaluator only read it.
//
// Unknown matches and targets are never an error: they stay in the rule as written and make the
// evaluation of that rule "uncertain", so a trace can say "this rule might decide" instead of
// guessing.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace netdoctor::rules {

// An IPv4 prefix; /32 for a single address.
struct Cidr {
  uint32_t addr = 0;  // host byte order
  int prefix = 0;
  [[nodiscard]] bool contains(uint32_t ip) const;
  [[nodiscard]] std::string to_string() const;
  friend bool operator==(const Cidr&, const Cidr&) = default;
};

// "10.0.0.1" → host-order address; nullopt when malformed.
[[nodiscard]] std::optional<uint32_t> parse_ipv4(std::string_view text);
// "10.0.0.0/8", "10.0.0.1" (/32) or "10.0.0.0/255.0.0.0".
[[nodiscard]] std::optional<Cidr> parse_cidr(std::string_view text);
[[nodiscard]] std::string ipv4_to_string(uint32_t ip);

// -s / -d.
struct AddressMatch {
  bool present = false;
  bool negated = false;
  Cidr cidr;
  friend bool operator==(const AddressMatch&, const AddressMatch&) = default;
};

// -i / -o; a trailing '+' matches every interface with that prefix.
struct InterfaceMatch {
  bool present = false;
  bool negated = false;
  std::string name;
  [[nodiscard]] bool matches(std::string_view iface) const;  // ignores `negated`
  friend bool operator==(const InterfaceMatch&, const InterfaceMatch&) = default;
};

struct PortRange {
  uint16_t low = 0;
  uint16_t high = 0;
  [[nodiscard]] bool contains(uint16_t port) const { return port >= low && port <= high; }
  friend bool operator==(const PortRange&, const PortRange&) = default;
};

enum class MatchKind : uint8_t {
  kPorts,      // -m tcp/udp/sctp: --sport/--dport
  kMultiport,  // -m multiport --dports/--sports/--ports
  kComment,
  kAddrtype,
  kConntrack,  // --ctstate
  kState,      // --state
  kMark,
  kStatistic,
  kRecent,
  kPhysdev,
  kSet,
  kLength,
  kPkttype,
  kUnknown,  // a module netdoctor does not know: kept verbatim
};

// A value held out of line, copied with its owner: for fields that most objects leave empty.
template <class T>
class Boxed {
 public:
  Boxed() = default;
  Boxed(const Boxed& o) : p_(o.p_ ? std::make_unique<T>(*o.p_) : nullptr) {}
  Boxed& operator=(const Boxed& o) {
    if (this != &o) p_ = o.p_ ? std::make_unique<T>(*o.p_) : nullptr;
    return *this;
  }
  Boxed(Boxed&&) noexcept = default;
  Boxed& operator=(Boxed&&) noexcept = default;
  ~Boxed() = default;
  [[nodiscard]] const T* get() const { return p_.get(); }
  T& get_or_create() {
    if (!p_) p_ = std::make_unique<T>();
    return *p_;
  }

 private:
  std::unique_ptr<T> p_;
};

// The fields of the less common match kinds.
struct MatchExtra {
  std::vector<PortRange> ports;  // multiport --ports (either direction)
  bool ports_negated = false;
  std::string src_type, dst_type;  // addrtype: LOCAL, UNICAST, ...
  bool src_type_negated = false, dst_type_negated = false;
  std::vector<std::string> states;  // conntrack --ctstate / state --state, upper case
  bool states_negated = false;
  std::string recent_command;  // --set, --rcheck, --update, --remove
  std::string recent_name;
  std::string pkttype;  // unicast, broadcast, multicast
  bool pkttype_negated = false;
  PortRange length;  // kLength, reused as a u16 range
  bool length_negated = false;
};

// One `-m NAME options...` group. Only the fields of its kind are meaningful. The fields of the
// common kinds (comment, ports, statistic, mark) are members; those of the others live in
// extra(): a node with 10,000 Services has about 200,000 matches, and each byte of a match costs
// memory that reading the rules must fill.
struct Match {
  MatchKind kind = MatchKind::kUnknown;
  std::string module;  // as written after -m ("tcp", "comment", ...)
  // Options of a known module that netdoctor does not understand (e.g. --tcp-flags): their
  // presence makes evaluation uncertain.
  std::vector<std::string> unknown_options;

  std::vector<PortRange> dports, sports;  // kPorts, kMultiport
  bool dports_negated = false, sports_negated = false;
  std::string comment;
  uint32_t mark = 0, mark_mask = 0xffffffff;
  bool mark_negated = false;
  bool stat_negated = false;
  std::string stat_mode;      // "random" or "nth"
  double probability = 1;     // statistic random
  int every = 0, packet = 0;  // statistic nth

  // multiport --ports, addrtype, conntrack/state, recent, pkttype, length; empty for the others.
  [[nodiscard]] const MatchExtra& extra() const;
  MatchExtra& set_extra() { return boxed_extra.get_or_create(); }

  Boxed<MatchExtra> boxed_extra;  // through extra() and set_extra()
};

enum class TargetKind : uint8_t {
  kNone,  // no -j: the rule only counts
  kAccept,
  kDrop,
  kReject,
  kReturn,
  kDnat,
  kSnat,
  kMasquerade,
  kMark,
  kLog,      // and other targets that never stop traversal
  kChain,    // a user chain, by -j or -g
  kUnknown,  // a target netdoctor does not know: kept verbatim
};

struct Target {
  TargetKind kind = TargetKind::kNone;
  bool is_goto = false;
  bool random_fully = false;
  // kChain: where the chain is in its table's chains, as the readers found it (-1: unknown,
  // look it up by name). Table::target_chain uses it.
  int chain_index = -1;
  // MARK, normalised to --set-xmark semantics: mark = (mark & ~mask) ^ value.
  uint32_t xmark_value = 0, xmark_mask = 0;
  std::string name;  // as written after -j/-g
  std::vector<std::string> unknown_options;
  std::string to;        // DNAT --to-destination / SNAT --to-source: "ip[:port]"
  std::string to_ports;  // MASQUERADE --to-ports
  std::string reject_with;
};

struct Rule {
  std::string chain;
  int position = 0;  // 1-based within its chain, as `iptables -L --line-numbers` counts
  AddressMatch src, dst;
  InterfaceMatch in, out;
  std::string protocol;  // lower case; empty = all
  bool protocol_negated = false;
  bool fragment = false, fragment_negated = false;
  std::vector<Match> matches;
  Target target;
  std::string text;  // the rule's arguments after "-A CHAIN", as iptables-save prints them

  // The first comment, or empty.
  [[nodiscard]] std::string comment() const;
  // True when a match or the target was not understood, so evaluation cannot be sure.
  [[nodiscard]] bool uncertain() const;
  [[nodiscard]] const Match* find(MatchKind kind) const;
};

struct Chain {
  std::string name;
  bool builtin = false;
  std::string policy;  // ACCEPT or DROP for built-ins; empty for user chains
  std::vector<Rule> rules;
};

struct Table {
  std::string name;
  std::vector<Chain> chains;
  [[nodiscard]] const Chain* find(std::string_view chain) const;
  [[nodiscard]] Chain* find(std::string_view chain);
  // The chain a kChain target jumps to: by its index when the reader recorded one, else by name
  // (find is linear: a node with 10,000 Services has 40,000 chains). Null when missing.
  [[nodiscard]] const Chain* target_chain(const Target& target) const;
};

struct Ruleset {
  std::vector<Table> tables;
  [[nodiscard]] const Table* find(std::string_view table) const;
  [[nodiscard]] const Chain* chain(std::string_view table, std::string_view chain) const;
  [[nodiscard]] size_t rule_count() const;
};

}  // namespace netdoctor::rules
