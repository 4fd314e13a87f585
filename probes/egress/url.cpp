#include "probes/egress/url.h"

#include <algorithm>
#include <charconv>

#include "core/redact.h"
#include "core/text.h"
#include "probes/net/resolv_conf.h"

namespace netdoctor::probes {
namespace {

// The message names the URL without its userinfo: a URL with a password is refused, and the
// refusal must not print the password.
tl::unexpected<Error> bad(std::string_view text, const std::string& why) {
  return fail(ErrorCode::kInvalidInput,
              "invalid --egress URL \"" + mask_userinfo(text) + "\": " + why);
}

// Host names as DNS allows them (letters, digits, '-', '.', '_' for service records).
bool valid_host_name(std::string_view host) {
  if (host.empty() || host.size() > 253 || host.front() == '.' || host.front() == '-') {
    return false;
  }
  return std::all_of(host.begin(), host.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.' || c == '_';
  });
}

Result<int> parse_port(std::string_view text, std::string_view digits) {
  int port = 0;
  const auto* end = digits.data() + digits.size();
  const auto [ptr, ec] = std::from_chars(digits.data(), end, port);
  if (digits.empty() || ec != std::errc() || ptr != end || port < 1 || port > 65535) {
    return bad(text, "port \"" + std::string(digits) + "\" is not a number in 1..65535");
  }
  return port;
}

// Splits "host[:port]" or "[v6][:port]" into host and port text.
Result<std::pair<std::string_view, std::string_view>> split_authority(std::string_view text,
                                                                      std::string_view auth) {
  if (auth.starts_with('[')) {
    const auto close = auth.find(']');
    if (close == std::string_view::npos) return bad(text, "unclosed '[' in the host");
    std::string_view rest = auth.substr(close + 1);
    if (!rest.empty() && !rest.starts_with(':')) return bad(text, "garbage after ']'");
    return std::pair{auth.substr(1, close - 1), rest.empty() ? rest : rest.substr(1)};
  }
  const auto colon = auth.find(':');
  if (colon == std::string_view::npos) return std::pair{auth, std::string_view{}};
  if (auth.find(':', colon + 1) != std::string_view::npos) {
    return bad(text, "more than one ':' (write IPv6 addresses in brackets)");
  }
  return std::pair{auth.substr(0, colon), auth.substr(colon + 1)};
}

}  // namespace

std::string_view to_string(EgressScheme scheme) {
  switch (scheme) {
    case EgressScheme::kHttp:
      return "http";
    case EgressScheme::kHttps:
      return "https";
    case EgressScheme::kTcp:
      return "tcp";
  }
  return "?";
}

std::string EgressUrl::request_url() const {
  const bool v6 = host.find(':') != std::string::npos;
  return std::string(to_string(scheme)) + "://" + (v6 ? "[" + host + "]" : host) + ":" +
         std::to_string(port) + path;
}

Result<EgressUrl> parse_egress_url(std::string_view text) {
  if (text.size() > 2048) return bad(text.substr(0, 64), "longer than 2048 characters");
  if (std::any_of(text.begin(), text.end(),
                  [](char c) { return static_cast<unsigned char>(c) <= ' ' || c == 0x7f; })) {
    return bad(text, "contains spaces or control characters");
  }
  EgressUrl u;
  u.text = std::string(text);
  const auto sep = text.find("://");
  if (sep == std::string_view::npos)
    return bad(text, "no scheme (use http://, https:// or tcp://)");
  const std::string scheme = lower(text.substr(0, sep));
  if (scheme == "http") {
    u.scheme = EgressScheme::kHttp;
  } else if (scheme == "https") {
    u.scheme = EgressScheme::kHttps;
  } else if (scheme == "tcp") {
    u.scheme = EgressScheme::kTcp;
  } else {
    return bad(text, "scheme \"" + scheme + "\" is not http, https or tcp");
  }
  std::string_view rest = text.substr(sep + 3);
  const auto path_at = rest.find_first_of("/?#");
  std::string_view auth = rest.substr(0, path_at);
  if (auth.find('@') != std::string_view::npos)
    return bad(text, "user information is not supported");
  auto parts = split_authority(text, auth);
  if (!parts) return tl::unexpected(parts.error());
  const auto [host, port] = *parts;
  if (host.empty()) return bad(text, "no host");
  u.host = std::string(host);
  u.host_is_ip = dns::is_ip_address(host);
  if (!u.host_is_ip && !valid_host_name(host))
    return bad(text, "\"" + u.host + "\" is not a host name");
  if (!port.empty()) {
    auto p = parse_port(text, port);
    if (!p) return tl::unexpected(p.error());
    u.port = *p;
  } else if (u.scheme == EgressScheme::kTcp) {
    return bad(text, "tcp:// needs a port (tcp://host:port)");
  } else {
    u.port = u.scheme == EgressScheme::kHttps ? 443 : 80;
  }
  if (path_at != std::string_view::npos) {
    std::string_view p = rest.substr(path_at);
    p = p.substr(0, p.find('#'));  // a fragment is never sent
    u.path = p.starts_with('/') ? std::string(p) : "/" + std::string(p);
  }
  if (u.path.empty()) u.path = "/";
  return u;
}

}  // namespace netdoctor::probes
