#include "inventory/ref.h"

#include <arpa/inet.h>

#include <charconv>
#include <climits>
#include <cstdio>
#include <optional>

namespace netdoctor::inventory {

namespace {

constexpr std::string_view kExpected = "expected NAMESPACE/NAME, ip:A.B.C.D, pid:N or a netns path";

// Quotes user input for a message, escaping what would break the line or the quotes.
std::string quote(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    auto byte = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (byte < 0x20 || byte == 0x7f) {
      char escaped[8];
      std::snprintf(escaped, sizeof escaped, "\\x%02x", byte);
      out += escaped;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

tl::unexpected<Error> malformed(std::string_view text, std::string_view problem) {
  return fail(ErrorCode::kInvalidInput,
              "malformed REF " + quote(text) + ": " + std::string(problem));
}

bool is_ipv4(std::string_view text) {
  in_addr addr{};
  return ::inet_pton(AF_INET, std::string(text).c_str(), &addr) == 1;
}

// A positive int, digits only: "+5", " 5" and "5x" are not process ids.
std::optional<int> parse_pid(std::string_view text, bool& overflow) {
  overflow = false;
  if (text.empty() || text.find_first_not_of("0123456789") != std::string_view::npos) {
    return std::nullopt;
  }
  long long value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec == std::errc::result_out_of_range || value > INT_MAX) {
    overflow = true;
    return std::nullopt;
  }
  if (ec != std::errc() || end != text.data() + text.size() || value <= 0) return std::nullopt;
  return static_cast<int>(value);
}

// A DNS-1123 label: lowercase letters, digits and '-', starting and ending alphanumeric.
bool is_dns_label(std::string_view text) {
  if (text.empty() || text.size() > 63) return false;
  auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  if (!alnum(text.front()) || !alnum(text.back())) return false;
  for (char c : text) {
    if (!alnum(c) && c != '-') return false;
  }
  return true;
}

// A DNS-1123 subdomain: labels joined by '.', at most 253 characters (pod names are these).
bool is_dns_subdomain(std::string_view text) {
  if (text.empty() || text.size() > 253) return false;
  size_t start = 0;
  for (;;) {
    size_t dot = text.find('.', start);
    if (!is_dns_label(text.substr(start, dot - start))) return false;
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

Result<Ref> parse_pod_name(std::string_view text) {
  size_t slash = text.find('/');
  std::string_view ns = text.substr(0, slash);
  std::string_view name = text.substr(slash + 1);
  if (ns.empty()) return malformed(text, "the namespace is empty (expected NAMESPACE/NAME)");
  if (name.empty()) return malformed(text, "the name is empty (expected NAMESPACE/NAME)");
  if (name.find('/') != std::string_view::npos) {
    return malformed(text, "too many '/' (expected NAMESPACE/NAME)");
  }
  if (!is_dns_label(ns)) {
    return malformed(text, "namespace " + quote(ns) +
                               " is not a DNS-1123 label (lowercase letters, digits and '-', "
                               "at most 63 characters)");
  }
  if (!is_dns_subdomain(name)) {
    return malformed(text, "pod name " + quote(name) +
                               " is not a DNS-1123 subdomain (lowercase letters, digits, '-' "
                               "and '.', at most 253 characters)");
  }
  Ref ref;
  ref.kind = Ref::Kind::kPodName;
  ref.ns = std::string(ns);
  ref.name = std::string(name);
  return ref;
}

}  // namespace

Result<Ref> parse_ref(std::string_view text) {
  if (text.empty()) return malformed(text, std::string("empty; ") + std::string(kExpected));
  if (text.find('\0') != std::string_view::npos) return malformed(text, "contains a NUL byte");
  Ref ref;
  if (text.starts_with("ip:")) {
    std::string_view address = text.substr(3);
    if (!is_ipv4(address)) {
      return malformed(text, quote(address) + " is not an IPv4 address (expected ip:A.B.C.D)");
    }
    ref.kind = Ref::Kind::kIp;
    ref.ip = std::string(address);
    return ref;
  }
  if (text.starts_with("pid:")) {
    bool overflow = false;
    std::optional<int> pid = parse_pid(text.substr(4), overflow);
    if (overflow) return malformed(text, "pid is out of range (1-2147483647)");
    if (!pid) return malformed(text, "expected pid:N with N a positive integer");
    ref.kind = Ref::Kind::kPid;
    ref.pid = *pid;
    return ref;
  }
  if (text.front() == '/') {
    ref.kind = Ref::Kind::kNetnsPath;
    ref.path = std::string(text);
    return ref;
  }
  if (text.find('/') != std::string_view::npos) return parse_pod_name(text);
  // Bare addresses and numbers are the likeliest slips; say what was probably meant.
  bool overflow = false;
  std::string hint;
  if (is_ipv4(text)) hint = " (did you mean ip:" + std::string(text) + "?)";
  if (parse_pid(text, overflow)) hint = " (did you mean pid:" + std::string(text) + "?)";
  return malformed(text, std::string(kExpected) + hint);
}

std::string to_string(const Ref& ref) {
  switch (ref.kind) {
    case Ref::Kind::kPodName:
      return ref.ns + "/" + ref.name;
    case Ref::Kind::kIp:
      return "ip:" + ref.ip;
    case Ref::Kind::kPid:
      return "pid:" + std::to_string(ref.pid);
    case Ref::Kind::kNetnsPath:
      return ref.path;
  }
  return {};
}

}  // namespace netdoctor::inventory
