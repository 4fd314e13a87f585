#include "core/redact.h"

#include <cctype>
#include <cstdlib>

namespace netdoctor {
namespace {

// Where the part after "scheme://" starts, or 0 when `value` does not begin with a scheme.
std::size_t after_scheme(std::string_view value) {
  const auto sep = value.find("://");
  if (sep == std::string_view::npos || sep == 0) return 0;
  for (std::size_t i = 0; i < sep; ++i) {
    const auto c = static_cast<unsigned char>(value[i]);
    const bool ok =
        std::isalpha(c) || (i > 0 && (std::isdigit(c) || c == '+' || c == '-' || c == '.'));
    if (!ok) return 0;
  }
  return sep + 3;
}

bool is_word_end(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\'' || c == '"' || c == '`' ||
         c == '<' || c == '>';
}

}  // namespace

std::string mask_userinfo(std::string_view value) {
  const std::size_t start = after_scheme(value);
  const auto at = value.rfind('@');
  if (at == std::string_view::npos || at < start) return std::string(value);
  return std::string(value.substr(0, start)) + std::string(kMasked) + std::string(value.substr(at));
}

std::string userinfo_of(std::string_view value) {
  const std::size_t start = after_scheme(value);
  const auto at = value.rfind('@');
  if (at == std::string_view::npos || at < start) return {};
  return std::string(value.substr(start, at - start));
}

std::string redact_userinfo(std::string_view text, const std::vector<std::string>& known) {
  // The known secrets first: a word split at a blank or quote inside a password would otherwise
  // leave part of it for this pass to miss.
  std::string in(text);
  for (const std::string& value : known) {
    const std::string secret = userinfo_of(value);
    if (secret.empty()) continue;
    for (auto at = in.find(secret); at != std::string::npos;
         at = in.find(secret, at + kMasked.size())) {
      in.replace(at, secret.size(), kMasked);
    }
  }
  std::string out;
  out.reserve(in.size());
  std::size_t i = 0;
  while (i < in.size()) {
    if (is_word_end(in[i])) {
      out += in[i++];
      continue;
    }
    std::size_t end = i;
    while (end < in.size() && !is_word_end(in[end])) ++end;
    out += mask_userinfo(std::string_view(in).substr(i, end - i));
    i = end;
  }
  return out;
}

std::vector<std::string> proxy_settings_from_environment() {
  std::vector<std::string> out;
  for (const char* name : {"http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy",
                           "ALL_PROXY", "no_proxy", "NO_PROXY"}) {
    const char* value = std::getenv(name);
    if (value != nullptr && *value != '\0') out.emplace_back(value);
  }
  return out;
}

}  // namespace netdoctor
