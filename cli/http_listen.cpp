#include "cli/http_listen.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cerrno>
#include <charconv>

namespace netdoctor::cli {

namespace {

tl::unexpected<Error> malformed(const std::string& text, const std::string& why) {
  return fail(ErrorCode::kInvalidInput, "malformed --listen \"" + text + "\": " + why +
                                            " (expected ADDR:PORT, e.g. 0.0.0.0:9464, "
                                            "127.0.0.1:9464, [::1]:9464 or :9464)");
}

bool is_ipv4(const std::string& host) {
  in_addr v4{};
  return inet_pton(AF_INET, host.c_str(), &v4) == 1;
}

bool is_ipv6(const std::string& host) {
  in6_addr v6{};
  return inet_pton(AF_INET6, host.c_str(), &v6) == 1;
}

}  // namespace

std::string describe(const ListenAddress& a) {
  const std::string host = a.host.empty() ? "0.0.0.0" : a.host;
  return (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" +
         std::to_string(a.port);
}

Result<ListenAddress> parse_listen(const std::string& text) {
  const auto colon = text.rfind(':');
  if (colon == std::string::npos) return malformed(text, "no port");
  ListenAddress a;
  a.host = text.substr(0, colon);
  if (a.host.starts_with('[')) {
    if (!a.host.ends_with(']')) return malformed(text, "unclosed [");
    a.host = a.host.substr(1, a.host.size() - 2);
    if (!is_ipv6(a.host) && !is_ipv4(a.host)) {
      return malformed(text, "not an IPv6 or IPv4 address in the brackets");
    }
  } else if (!a.host.empty() && !is_ipv4(a.host)) {
    return malformed(text, "not an IPv4 address (IPv6 goes in brackets)");
  }
  const std::string port = text.substr(colon + 1);
  auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), a.port);
  if (port.empty() || ec != std::errc() || end != port.data() + port.size() || a.port < 0 ||
      a.port > 65535) {
    return malformed(text, "port must be a number from 0 to 65535");
  }
  return a;
}

Result<Fd> listen_socket(const ListenAddress& a, int backlog) {
  sockaddr_storage storage{};
  socklen_t len = 0;
  int family = AF_INET;
  if (a.host.find(':') != std::string::npos) {
    family = AF_INET6;
    auto* sin6 = reinterpret_cast<sockaddr_in6*>(&storage);
    sin6->sin6_family = AF_INET6;
    sin6->sin6_port = htons(static_cast<uint16_t>(a.port));
    if (inet_pton(AF_INET6, a.host.c_str(), &sin6->sin6_addr) != 1) {
      return fail(ErrorCode::kInvalidInput, "cannot listen on " + describe(a) + ": bad address");
    }
    len = sizeof *sin6;
  } else {
    auto* sin = reinterpret_cast<sockaddr_in*>(&storage);
    sin->sin_family = AF_INET;
    sin->sin_port = htons(static_cast<uint16_t>(a.port));
    const std::string host = a.host.empty() ? "0.0.0.0" : a.host;
    if (inet_pton(AF_INET, host.c_str(), &sin->sin_addr) != 1) {
      return fail(ErrorCode::kInvalidInput, "cannot listen on " + describe(a) + ": bad address");
    }
    len = sizeof *sin;
  }
  Fd fd(::socket(family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (!fd) return fail_errno(errno, "cannot listen on " + describe(a));
  const int one = 1;
  ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&storage), len) != 0 ||
      ::listen(fd.get(), backlog) != 0) {
    return fail_errno(errno, "cannot listen on " + describe(a));
  }
  return fd;
}

int bound_port(int fd) {
  sockaddr_storage storage{};
  socklen_t len = sizeof storage;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&storage), &len) != 0) return 0;
  if (storage.ss_family == AF_INET6) {
    return ntohs(reinterpret_cast<sockaddr_in6*>(&storage)->sin6_port);
  }
  return ntohs(reinterpret_cast<sockaddr_in*>(&storage)->sin_port);
}

}  // namespace netdoctor::cli
