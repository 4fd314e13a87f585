#include "rules/iptc_reader.h"

#include <array>
#include <cerrno>
#include <fstream>
#include <memory>
#include <span>
#include <string_view>
#include <unordered_map>

#include "core/heap.h"
#include "rules/iptc_shim.h"
#include "rules/match_options.h"

namespace netdoctor::rules {

namespace {

using Handle = std::unique_ptr<nd_ipt, decltype(&nd_ipt_free)>;

std::string_view view(const nd_ipt_str& s) {
  return {s.text, s.len};
}

std::string_view view(const nd_ipt_token& t) {
  return {t.text, t.len};
}

// As parse_cidr reads what iptables-save prints: the prefix length of the mask (a mask that is
// not a prefix, which iptables prints dotted, counts its leading ones).
AddressMatch address(bool negated, uint32_t addr, uint32_t mask) {
  int prefix = 0;
  while (prefix < 32 && (mask & (0x80000000u >> prefix))) ++prefix;
  const uint32_t bits = prefix == 0 ? 0 : ~0u << (32 - prefix);
  return AddressMatch{true, negated, Cidr{addr & bits, prefix}};
}

// Fills a rule from the shim's decoding. The tokens go through the same option interpreters as
// the text parser's, so both readers agree on every field. Returns true when the target still
// has to be checked against the table's chains (see resolve).
bool convert(const nd_ipt_rule& in, Rule& r) {
  if (in.has_src) r.src = address(in.src_negated != 0, in.src, in.src_mask);
  if (in.has_dst) r.dst = address(in.dst_negated != 0, in.dst, in.dst_mask);
  if (in.in.len > 0) r.in = InterfaceMatch{true, in.in_negated != 0, std::string(view(in.in))};
  if (in.out.len > 0) {
    r.out = InterfaceMatch{true, in.out_negated != 0, std::string(view(in.out))};
  }
  if (in.protocol.len > 0) {
    r.protocol.assign(view(in.protocol));
    r.protocol_negated = in.protocol_negated != 0;
  }
  r.fragment = in.fragment != 0;
  r.fragment_negated = in.fragment_negated != 0;
  r.text.assign(view(in.text));

  const std::span<const nd_ipt_token> tokens(in.tokens, in.token_count);
  size_t matches = 0;
  for (const nd_ipt_token& t : tokens) matches += t.kind == ND_IPT_MATCH;
  r.matches.reserve(matches);
  Match* match = nullptr;
  bool in_target = false, jump = false;
  std::array<std::string_view, 4> values;
  for (size_t i = 0; i < tokens.size();) {
    const nd_ipt_token& t = tokens[i];
    if (t.kind == ND_IPT_MATCH) {
      match = &r.matches.emplace_back();
      match->kind = detail::match_kind(view(t));
      match->module.assign(view(t));
      in_target = false;
      ++i;
    } else if (t.kind == ND_IPT_TARGET) {
      r.target.name.assign(view(t));
      r.target.kind = t.jump ? TargetKind::kChain : detail::target_kind(view(t));
      r.target.chain_index = t.jump ? static_cast<int>(t.chain) : -1;
      r.target.is_goto = t.is_goto != 0;
      jump = t.jump != 0;
      in_target = true;
      ++i;
    } else if (t.kind == ND_IPT_OPTION) {
      size_t n = 0, k = i + 1;
      for (; k < tokens.size() && tokens[k].kind == ND_IPT_VALUE; ++k) {
        if (n < values.size()) values[n++] = view(tokens[k]);
      }
      const std::span<const std::string_view> vals(values.data(), n);
      if (in_target) {
        detail::apply_target_option(r.target, view(t), vals);
      } else if (match != nullptr) {
        detail::apply_match_option(*match, view(t), vals, t.negated != 0);
      }
      i = k;
    } else {
      ++i;  // a value without an option: the shim never writes one
    }
  }
  return !jump && (r.target.kind == TargetKind::kChain || r.target.kind == TargetKind::kUnknown);
}

// A target that is neither a jump nor a known verdict or extension is a chain only when the
// table has a chain of that name (as resolve_chain_targets decides for the text parser).
void resolve(const Table& table, const std::vector<Rule*>& rules) {
  if (rules.empty()) return;
  std::unordered_map<std::string_view, int> index;
  for (const Chain& c : table.chains) index.emplace(c.name, static_cast<int>(index.size()));
  for (Rule* r : rules) {
    auto it = index.find(r->target.name);
    r->target.kind = it != index.end() ? TargetKind::kChain : TargetKind::kUnknown;
    r->target.chain_index = it != index.end() ? it->second : -1;
  }
}

Result<Table> read_table(const std::string& name) {
  int err = 0;
  char msg[256] = {};
  Handle h(nd_ipt_read(name.c_str(), &err, msg, sizeof msg), &nd_ipt_free);
  if (!h) {
    std::string what = "cannot read legacy iptables table \"" + name + "\" (" + msg + ")";
    if (err == EPERM || err == EACCES) {
      return fail(ErrorCode::kPermission, what + ": needs CAP_NET_ADMIN");
    }
    return fail_errno(err, what);
  }
  // The model takes about twice the kernel's bytes (a kube-proxy rule is ~600 bytes there):
  // grow the heap for it in one go rather than a page at a time.
  const HeapReserve reserve(3 * nd_ipt_size(h.get()));
  Table table;
  table.name = name;
  table.chains.resize(nd_ipt_chain_count(h.get()));
  std::vector<Rule*> unresolved;
  for (size_t c = 0; c < table.chains.size(); ++c) {
    Chain& chain = table.chains[c];
    chain.name = nd_ipt_chain_name(h.get(), c);
    const char* policy = nd_ipt_chain_policy(h.get(), c);
    chain.builtin = policy != nullptr;
    if (policy != nullptr) chain.policy = policy;
    const size_t count = nd_ipt_rule_count(h.get(), c);
    chain.rules.reserve(count);  // exact: the pointers in `unresolved` stay valid
    for (size_t i = 0; i < count; ++i) {
      nd_ipt_rule in;
      const int rc = nd_ipt_rule_get(h.get(), c, i, &in);
      if (rc != 0) {
        const std::string where = "legacy table \"" + name + "\" chain \"" + chain.name +
                                  "\" rule " + std::to_string(i + 1);
        if (rc == -1) return fail_errno(ENOMEM, "cannot decode " + where);
        return fail(ErrorCode::kSystem, "malformed rule from the kernel: " + where);
      }
      Rule& rule = chain.rules.emplace_back();
      rule.chain = chain.name;
      rule.position = static_cast<int>(i) + 1;
      if (convert(in, rule)) unresolved.push_back(&rule);
    }
    nd_ipt_release(h.get(), c);
  }
  resolve(table, unresolved);
  return table;
}

}  // namespace

Result<std::vector<std::string>> legacy_table_names() {
  const char* path = "/proc/thread-self/net/ip_tables_names";
  std::ifstream in(path);
  std::vector<std::string> names;
  if (!in) {
    // The file exists only once ip_tables is loaded; no module means no legacy tables.
    if (errno == ENOENT) return names;
    return fail_errno(errno, std::string("cannot read ") + path);
  }
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) names.push_back(line);
  }
  return names;
}

Result<Ruleset> read_legacy_iptc() {
  auto names = legacy_table_names();
  if (!names) return tl::unexpected(names.error());
  Ruleset rules;
  rules.tables.reserve(names->size());
  for (const std::string& name : *names) {
    auto table = read_table(name);
    if (!table) return tl::unexpected(table.error());
    rules.tables.push_back(std::move(*table));
  }
  return rules;
}

}  // namespace netdoctor::rules
