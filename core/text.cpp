#include "core/text.h"

#include <cctype>
#include <cstdio>

namespace netdoctor {
namespace {

struct Decoded {
  char32_t code_point = 0;
  std::size_t length = 0;  // 0: not valid UTF-8 at this position
};

// The length a UTF-8 sequence starting with `lead` has; 0 for a byte that cannot start one.
std::size_t sequence_length(unsigned char lead) {
  if (lead < 0x80) return 1;
  if (lead >= 0xC2 && lead <= 0xDF) return 2;
  if (lead >= 0xE0 && lead <= 0xEF) return 3;
  if (lead >= 0xF0 && lead <= 0xF4) return 4;
  return 0;
}

// One code point at `at`, strictly: no overlong forms, no surrogates, nothing past U+10FFFF.
Decoded decode(std::string_view text, std::size_t at) {
  const auto lead = static_cast<unsigned char>(text[at]);
  const std::size_t length = sequence_length(lead);
  if (length == 0 || at + length > text.size()) return {};
  if (length == 1) return {lead, 1};
  char32_t cp = lead & (0x7F >> length);
  for (std::size_t i = 1; i < length; ++i) {
    const auto byte = static_cast<unsigned char>(text[at + i]);
    if ((byte & 0xC0) != 0x80) return {};
    cp = (cp << 6) | (byte & 0x3F);
  }
  static constexpr char32_t kSmallest[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < kSmallest[length] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return {};
  return {cp, length};
}

}  // namespace

std::string join(const std::vector<std::string>& parts, std::string_view sep) {
  std::string out;
  for (const std::string& part : parts) {
    if (part.empty()) continue;
    if (!out.empty()) out += sep;
    out += part;
  }
  return out;
}

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool is_terminal_control(char32_t cp) {
  return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) || cp == 0x061C || cp == 0x200E || cp == 0x200F ||
         (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069);
}

std::string terminal_safe(std::string_view text, bool keep_newlines) {
  std::string out;
  out.reserve(text.size());
  std::size_t i = 0;
  while (i < text.size()) {
    const Decoded d = decode(text, i);
    if (d.length == 0) {
      out += '?';
      ++i;
      continue;
    }
    if (d.code_point == '\n' && keep_newlines) {
      out += '\n';
    } else if (is_terminal_control(d.code_point)) {
      out += '?';
    } else {
      out.append(text.substr(i, d.length));
    }
    i += d.length;
  }
  return out;
}

std::size_t complete_utf8_prefix(std::string_view text) {
  // Only the last three bytes can begin a sequence that is not finished yet.
  const std::size_t from = text.size() > 3 ? text.size() - 3 : 0;
  for (std::size_t i = text.size(); i > from; --i) {
    const auto byte = static_cast<unsigned char>(text[i - 1]);
    if ((byte & 0xC0) == 0x80) continue;  // a continuation byte: look further back
    const std::size_t length = sequence_length(byte);
    return length > 1 && i - 1 + length > text.size() ? i - 1 : text.size();
  }
  return text.size();
}

std::string json_escape_controls(std::string_view json_text) {
  std::string out;
  out.reserve(json_text.size());
  std::size_t i = 0;
  while (i < json_text.size()) {
    const Decoded d = decode(json_text, i);
    if (d.length == 0) {  // dump's error handler replaces invalid bytes: keep what came
      out += json_text[i++];
      continue;
    }
    // C0 controls other than those dump escapes cannot occur in its output; ASCII text stays.
    if (d.code_point >= 0x7F && is_terminal_control(d.code_point)) {
      char escaped[16];
      std::snprintf(escaped, sizeof escaped, "\\u%04x", static_cast<unsigned>(d.code_point));
      out += escaped;
    } else {
      out.append(json_text.substr(i, d.length));
    }
    i += d.length;
  }
  return out;
}

std::string cap_bytes(std::string_view text, std::size_t max_bytes) {
  if (text.size() <= max_bytes) return std::string(text);
  const std::size_t cut = complete_utf8_prefix(text.substr(0, max_bytes));
  return std::string(text.substr(0, cut)) + " … (" + std::to_string(text.size()) + " bytes)";
}

}  // namespace netdoctor
