// The --egress targets: http://, https:// and tcp://host:port URLs, parsed by hand so that a
// malformed argument becomes a clear message naming it, never an exception or a probe of
// something else. Pure: no resolution happens here.
#pragma once

#include <string>
#include <string_view>

#include "core/result.h"

namespace netdoctor::probes {

enum class EgressScheme { kHttp, kHttps, kTcp };

struct EgressUrl {
  std::string text;  // the URL as given: the check id is built from it
  EgressScheme scheme = EgressScheme::kHttp;
  std::string host;  // a name or an IPv4 literal (an IPv6 literal without brackets)
  int port = 0;      // explicit, else the scheme's default (80, 443)
  std::string path;  // "/..." with query, "/" when absent; unused for tcp://
  bool host_is_ip = false;

  // The URL curl is given: scheme, host, port and path, never userinfo.
  [[nodiscard]] std::string request_url() const;
};

[[nodiscard]] std::string_view to_string(EgressScheme scheme);

// Parses one --egress argument. Errors are kInvalidInput naming the URL and what is wrong:
// unknown scheme, empty host, a port outside 1..65535, tcp:// without a port, spaces or
// control characters.
[[nodiscard]] Result<EgressUrl> parse_egress_url(std::string_view text);

}  // namespace netdoctor::probes
