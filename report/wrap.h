// Text layout shared by the plain-text writers: terminal width of UTF-8 text and word wrap.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace netdoctor::report {

// Columns on a terminal, counting each code point as one (true of the text netdoctor prints:
// ASCII, the status symbols and the middle dot).
[[nodiscard]] size_t display_width(std::string_view text);

// Greedy word wrap into lines of at most `width` columns, each starting with `indent`. A word
// longer than a line stays whole rather than being cut; runs of spaces become one.
[[nodiscard]] std::vector<std::string> wrap(std::string_view text, std::string_view indent,
                                            size_t width);

}  // namespace netdoctor::report
