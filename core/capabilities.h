// The capabilities netdoctor needs, checked up front so a missing one is named (exit 3) instead
// of surfacing later as an EPERM deep inside a probe.
#pragma once

#include <string>
#include <vector>

namespace netdoctor {

enum class Capability { kSysAdmin, kNetAdmin, kNetRaw, kSysPtrace };

[[nodiscard]] std::string to_string(Capability cap);  // "CAP_SYS_ADMIN"

// Whether the calling thread has `cap` in its effective set.
[[nodiscard]] bool has_capability(Capability cap);

// The ones of `needed` that are missing, in order.
[[nodiscard]] std::vector<Capability> missing_capabilities(const std::vector<Capability>& needed);

}  // namespace netdoctor
