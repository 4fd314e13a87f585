// Parses one iptables rule as iptables-save prints it (and iptables-restore accepts it): the
// arguments after "-A CHAIN". The options are interpreted by match_options.h, which the kernel
// reader (iptc_reader.h) shares, so both produce the same model for the same rule.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "rules/ruleset.h"

namespace netdoctor::rules {

struct Token {
  std::string text;
  bool quoted = false;  // a quoted token is always a value, even when it starts with '-'
};

// Splits a line the way iptables-restore does: whitespace separates, double or single quotes
// group, a backslash escapes the next character. An unterminated quote is an error.
[[nodiscard]] Result<std::vector<Token>> tokenize(std::string_view line);

// Parses rule arguments ("-s 10.0.0.0/8 -m comment --comment x -j ACCEPT"). Unknown modules,
// options and targets are kept, not rejected; only structural errors (an option with no match
// to belong to, a missing value) fail. `rule.chain` and `rule.position` are left for the caller.
[[nodiscard]] Result<Rule> parse_rule_args(std::string_view args);

// Decides, once a table is complete, whether each -j/-g names one of its chains: a target that
// is neither a known extension nor a chain of the table becomes kUnknown (e.g. a jump to a
// chain that was deleted), and an upper-case name such as DOCKER that is a chain becomes kChain,
// with the chain's index in Target::chain_index.
void resolve_chain_targets(Table& table);

// Quotes a value as iptables-save does (xtables_save_string): bare when it consists only of
// letters, digits, '_' and '-', else in double quotes with '"', '\\' and '\'' escaped.
[[nodiscard]] std::string quote_value(std::string_view value);

}  // namespace netdoctor::rules
