// Interprets the options of the match modules and targets netdoctor understands. Internal to
// the rule parser: each function fills the parsed fields, or records the option as unknown
// (which makes evaluation uncertain) when it cannot make sense of it. Never fails.
#pragma once

#include <string>
#include <vector>

#include "rules/ruleset.h"

namespace netdoctor::rules::detail {

// What a match or target name means, before any option is read.
[[nodiscard]] MatchKind match_kind(const std::string& module);
[[nodiscard]] TargetKind target_kind(const std::string& name);

// Applies one option ("--dport" with values {"80"}) to a match or target.
void apply_match_option(Match& match, const std::string& option,
                        const std::vector<std::string>& values, bool negated);
void apply_target_option(Target& target, const std::string& option,
                         const std::vector<std::string>& values);

// "80", "80:90", ":90", "80:"; nullopt when malformed.
[[nodiscard]] std::optional<PortRange> parse_port_range(const std::string& text);
// Decimal or 0x-prefixed hexadecimal.
[[nodiscard]] std::optional<uint32_t> parse_u32(const std::string& text);

}  // namespace netdoctor::rules::detail
