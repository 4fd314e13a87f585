// Small string helpers the whole tool shares, so that every list in evidence is joined, every
// protocol or scheme name is compared the same way, and every byte that came from outside (a
// pod's files and environment, the inventory, the node's rules) is made harmless the same way
// before it reaches a terminal.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace netdoctor {

// The non-empty `parts`, in order, with `sep` between each two: join({"a", "", "b"}, ", ") is
// "a, b", join({"pod", ""}, " ") is "pod". Empty when every part is.
[[nodiscard]] std::string join(const std::vector<std::string>& parts, std::string_view sep);

// `text` with ASCII letters in lower case ("TCP" → "tcp"); other bytes are kept as they are.
[[nodiscard]] std::string lower(std::string_view text);

// Whether the code point is one a terminal or a text renderer acts on instead of showing: C0
// controls and DEL, C1 controls (U+0080..U+009F: in UTF-8 C2 80..C2 9F; 9B is CSI), and the
// bidirectional formatting characters that reorder what is shown (U+202A..U+202E embeddings and
// overrides, U+2066..U+2069 isolates, and the invisible marks U+200E LRM, U+200F RLM, U+061C ALM).
[[nodiscard]] bool is_terminal_control(char32_t code_point);

// `text` safe to print: each code point is_terminal_control says a terminal would act on, and
// each byte that is not part of valid UTF-8 (a lone 0x9B is CSI to a terminal in an 8-bit
// mode), becomes '?'. Newlines are kept when `keep_newlines` (for multi-line blocks); tabs and
// carriage returns never are. Everything else (printable ASCII, "→", "✔") is kept as is.
[[nodiscard]] std::string terminal_safe(std::string_view text, bool keep_newlines = false);

// The length of the longest prefix of `text` that does not end inside a UTF-8 sequence (a
// stream that sanitises chunk by chunk keeps the rest for the next chunk).
[[nodiscard]] std::size_t complete_utf8_prefix(std::string_view text);

// JSON text (as nlohmann::json::dump writes it: valid UTF-8, C0 already escaped) with DEL, the
// C1 controls and the bidirectional formatting characters written as \u escapes instead of raw
// bytes: the same JSON values, but nothing a terminal showing the document would act on. Outside
// strings JSON text is ASCII, so only string contents change.
[[nodiscard]] std::string json_escape_controls(std::string_view json_text);

// At most `max_bytes` of `text` (cut at a UTF-8 boundary), with " … (N bytes)" appended when it
// was cut, so that one huge value from outside is not copied into every report whole.
[[nodiscard]] std::string cap_bytes(std::string_view text, std::size_t max_bytes);

}  // namespace netdoctor
