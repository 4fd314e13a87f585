// The JSON report, schema netdoctor.report/v1 of the contract: what scripts and tests parse.
#pragma once

#include <nlohmann/json.hpp>
#include <ostream>

#include "report/model.h"

namespace netdoctor::report {

inline constexpr std::string_view kSchema = "netdoctor.report/v1";

// The report as a JSON document whose keys keep the contract's order (ordered_json); convert
// with `nlohmann::json j = to_json(report);` when the order does not matter. Beyond the
// contract, root_cause also carries "check_id", the check it comes from. Every check carries
// "causes" ([{"code", "check"}], "check" only when linked) and "subjects" (strings), both
// written even when empty.
[[nodiscard]] nlohmann::ordered_json to_json(const Report& report);

// to_json pretty-printed with 2 spaces and a trailing newline. Bytes that are not UTF-8 (an
// iptables comment, a process name) are replaced by U+FFFD rather than failing the report.
void write_json(std::ostream& out, const Report& report);

}  // namespace netdoctor::report
