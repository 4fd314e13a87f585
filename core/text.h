// Small string helpers the whole tool shares, so that every list in evidence is joined and every
// protocol or scheme name is compared the same way.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace netdoctor {

// The non-empty `parts`, in order, with `sep` between each two: join({"a", "", "b"}, ", ") is
// "a, b", join({"pod", ""}, " ") is "pod". Empty when every part is.
[[nodiscard]] std::string join(const std::vector<std::string>& parts, std::string_view sep);

// `text` with ASCII letters in lower case ("TCP" → "tcp"); other bytes are kept as they are.
[[nodiscard]] std::string lower(std::string_view text);

}  // namespace netdoctor
