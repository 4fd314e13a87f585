// Parsing of human durations given on the command line: "500ms", "2s", "1m", "1.5s".
#pragma once

#include <chrono>
#include <string_view>

#include "core/result.h"

namespace netdoctor {

[[nodiscard]] Result<std::chrono::milliseconds> parse_duration(std::string_view text);

}  // namespace netdoctor
