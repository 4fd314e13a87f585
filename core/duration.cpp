#include "core/duration.h"

#include <cmath>
#include <cstdlib>
#include <string>

namespace netdoctor {

Result<std::chrono::milliseconds> parse_duration(std::string_view text) {
  const std::string s(text);
  auto bad = [&] {
    return fail(ErrorCode::kInvalidInput,
                "invalid duration \"" + s + "\" (expected e.g. 500ms, 2s, 1m)");
  };
  if (s.empty()) return bad();
  char* end = nullptr;
  const double value = std::strtod(s.c_str(), &end);
  if (end == s.c_str() || !std::isfinite(value) || value < 0) return bad();
  const std::string unit(end);
  double ms = 0;
  if (unit == "ms") {
    ms = value;
  } else if (unit == "s" || unit.empty()) {
    ms = value * 1000;
  } else if (unit == "m") {
    ms = value * 60'000;
  } else {
    return bad();
  }
  if (ms > 24.0 * 3600 * 1000) return bad();
  return std::chrono::milliseconds(static_cast<long long>(std::llround(ms)));
}

}  // namespace netdoctor
