// Interprets the options of the match modules and targets netdoctor understands. Internal to
// the readers (the iptables-save text parser and the kernel reader): each function fills the parsed
// fields, or records the option as unknown (which makes evaluation uncertain) when it cannot make
// sense of it. Never fails.
#pragma once

#include <optional>
#include <span>
#include <string_view>

#include "rules/ruleset.h"

namespace netdoctor::rules::detail {

// What a match or target name means, before any option is read.
[[nodiscard]] MatchKind match_kind(std::string_view module);
[[nodiscard]] TargetKind target_kind(std::string_view name);

// Applies one option ("--dport" with values {"80"}) to a match or target. The text parser and
// the kernel reader both go through these, so both give the same model for the same rule.
void apply_match_option(Match& match, std::string_view option,
                        std::span<const std::string_view> values, bool negated);
void apply_target_option(Target& target, std::string_view option,
                         std::span<const std::string_view> values);

// "80", "80:90", ":90", "80:"; nullopt when malformed.
[[nodiscard]] std::optional<PortRange> parse_port_range(std::string_view text);
// Decimal or 0x-prefixed hexadecimal.
[[nodiscard]] std::optional<uint32_t> parse_u32(std::string_view text);

}  // namespace netdoctor::rules::detail
