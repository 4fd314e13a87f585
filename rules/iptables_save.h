// Parser of iptables-save text, the format both iptables-legacy-save and iptables-nft-save
// print: "*table", ":CHAIN POLICY [packets:bytes]", "-A CHAIN args...", "COMMIT", comments.
// Malformed input gives an error naming the line; nothing in the input can crash it.
#pragma once

#include <string>
#include <string_view>

#include "core/result.h"
#include "rules/ruleset.h"

namespace netdoctor::rules {

// `origin` names the input in errors: "<origin>:<line>: <problem>".
[[nodiscard]] Result<Ruleset> parse_iptables_save(std::string_view text,
                                                  const std::string& origin = "iptables-save");

// Prints a ruleset back in iptables-save format (counters as [0:0]); parse(print(x)) == x.
[[nodiscard]] std::string to_iptables_save(const Ruleset& ruleset);

}  // namespace netdoctor::rules
