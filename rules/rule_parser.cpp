#include "rules/rule_parser.h"

#include <cctype>
#include <string_view>
#include <unordered_map>

#include "core/text.h"
#include "rules/match_options.h"

namespace netdoctor::rules {

namespace {

Error bad(const std::string& what) {
  return Error{ErrorCode::kInvalidInput, 0, what};
}

bool is_option(const Token& t) {
  return !t.quoted && t.text.size() > 1 && t.text[0] == '-';
}

// The state of one rule being parsed: where the next "--option" belongs.
struct RuleBuilder {
  Rule rule;
  Match* match = nullptr;  // the last -m group
  bool in_target = false;

  Result<void> basic(const std::string& opt, const std::string& value, bool neg);
  Result<void> option(const std::string& opt, const std::vector<std::string>& values, bool neg);
};

Result<void> set_address(AddressMatch& a, const std::string& value, bool neg) {
  auto cidr = parse_cidr(value);
  if (!cidr) return tl::unexpected(bad("bad address \"" + value + "\""));
  a = AddressMatch{true, neg, *cidr};
  return {};
}

Result<void> RuleBuilder::basic(const std::string& opt, const std::string& value, bool neg) {
  if (opt == "-s" || opt == "--source" || opt == "--src") return set_address(rule.src, value, neg);
  if (opt == "-d" || opt == "--destination" || opt == "--dst") {
    return set_address(rule.dst, value, neg);
  }
  if (opt == "-i" || opt == "--in-interface") {
    rule.in = InterfaceMatch{true, neg, value};
  } else if (opt == "-o" || opt == "--out-interface") {
    rule.out = InterfaceMatch{true, neg, value};
  } else {  // -p
    rule.protocol = lower(value);
    rule.protocol_negated = neg;
  }
  return {};
}

Result<void> RuleBuilder::option(const std::string& opt, const std::vector<std::string>& values,
                                 bool neg) {
  std::vector<std::string_view> views(values.begin(), values.end());
  if (in_target) {
    detail::apply_target_option(rule.target, opt, views);
    return {};
  }
  if (match == nullptr) {
    // "-p tcp --dport 80" without "-m tcp": iptables loads the protocol's match implicitly.
    if (rule.protocol.empty() || detail::match_kind(rule.protocol) != MatchKind::kPorts) {
      return tl::unexpected(bad("option " + opt + " without a match module"));
    }
    rule.matches.push_back(Match{MatchKind::kPorts, rule.protocol});
    match = &rule.matches.back();
  }
  detail::apply_match_option(*match, opt, views, neg);
  return {};
}

bool takes_basic_value(const std::string& t) {
  return t == "-s" || t == "--source" || t == "--src" || t == "-d" || t == "--destination" ||
         t == "--dst" || t == "-i" || t == "--in-interface" || t == "-o" ||
         t == "--out-interface" || t == "-p" || t == "--protocol";
}

}  // namespace

Result<std::vector<Token>> tokenize(std::string_view line) {
  std::vector<Token> out;
  size_t i = 0;
  while (i < line.size()) {
    if (std::isspace(static_cast<unsigned char>(line[i]))) {
      ++i;
      continue;
    }
    Token tok;
    char quote = 0;
    for (; i < line.size(); ++i) {
      char c = line[i];
      if (quote == 0 && std::isspace(static_cast<unsigned char>(c))) break;
      if (c == '\\' && i + 1 < line.size()) {
        tok.text += line[++i];
      } else if (quote != 0 && c == quote) {
        quote = 0;
      } else if (quote == 0 && (c == '"' || c == '\'')) {
        quote = c;
        tok.quoted = true;
      } else {
        tok.text += c;
      }
    }
    if (quote != 0) return tl::unexpected(bad("unterminated quote"));
    out.push_back(std::move(tok));
  }
  return out;
}

Result<Rule> parse_rule_args(std::string_view args) {
  auto tokens = tokenize(args);
  if (!tokens) return tl::unexpected(tokens.error());
  const std::vector<Token>& t = *tokens;
  RuleBuilder b;
  size_t start = args.find_first_not_of(" \t");
  size_t end = args.find_last_not_of(" \t\r\n");
  b.rule.text =
      start == std::string_view::npos ? "" : std::string(args.substr(start, end - start + 1));
  bool neg = false;
  for (size_t i = 0; i < t.size();) {
    const std::string& tok = t[i].text;
    if (tok == "!" && !t[i].quoted) {
      neg = true;
      ++i;
      continue;
    }
    if (!is_option(t[i])) return tl::unexpected(bad("unexpected \"" + tok + "\""));
    auto value = [&](size_t k) -> Result<std::string> {
      if (k >= t.size() || is_option(t[k])) return tl::unexpected(bad(tok + " needs a value"));
      return t[k].text;
    };
    if (takes_basic_value(tok)) {
      auto v = value(i + 1);
      if (!v) return tl::unexpected(v.error());
      if (auto r = b.basic(tok == "--protocol" ? "-p" : tok, *v, neg); !r) {
        return tl::unexpected(r.error());
      }
      i += 2;
    } else if (tok == "-f" || tok == "--fragment") {
      b.rule.fragment = true, b.rule.fragment_negated = neg;
      ++i;
    } else if (tok == "-m" || tok == "--match") {
      auto v = value(i + 1);
      if (!v) return tl::unexpected(v.error());
      b.rule.matches.push_back(Match{detail::match_kind(*v), *v});
      b.match = &b.rule.matches.back();
      b.in_target = false;
      i += 2;
    } else if (tok == "-j" || tok == "--jump" || tok == "-g" || tok == "--goto") {
      auto v = value(i + 1);
      if (!v) return tl::unexpected(v.error());
      b.rule.target.name = *v;
      b.rule.target.kind = detail::target_kind(*v);
      b.rule.target.is_goto = tok == "-g" || tok == "--goto";
      b.in_target = true;
      i += 2;
    } else if (tok == "-c" || tok == "--set-counters") {
      i += 3;  // packet and byte counters: not part of the rule's meaning
    } else {
      std::vector<std::string> values;
      size_t k = i + 1;
      for (; k < t.size() && !is_option(t[k]) && !(t[k].text == "!" && !t[k].quoted); ++k) {
        values.push_back(t[k].text);
      }
      if (auto r = b.option(tok, values, neg); !r) return tl::unexpected(r.error());
      i = k;
    }
    neg = false;
  }
  if (neg) return tl::unexpected(bad("\"!\" at the end of the rule"));
  return std::move(b.rule);
}

void resolve_chain_targets(Table& table) {
  std::unordered_map<std::string_view, int> index;
  index.reserve(table.chains.size());
  for (const Chain& chain : table.chains) {
    index.emplace(chain.name, static_cast<int>(index.size()));
  }
  for (Chain& chain : table.chains) {
    for (Rule& rule : chain.rules) {
      Target& t = rule.target;
      if (t.kind != TargetKind::kChain && t.kind != TargetKind::kUnknown) continue;
      auto it = index.find(t.name);
      t.kind = it != index.end() ? TargetKind::kChain : TargetKind::kUnknown;
      t.chain_index = it != index.end() ? it->second : -1;
    }
  }
}

std::string quote_value(std::string_view value) {
  bool bare = !value.empty();
  for (char c : value) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-') bare = false;
  }
  if (bare) return std::string(value);
  std::string out = "\"";
  for (char c : value) {
    if (c == '"' || c == '\\' || c == '\'') out += '\\';
    out += c;
  }
  return out + "\"";
}

}  // namespace netdoctor::rules
