#include "http_client_util.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "testnet_util.h"

namespace netdoctor::testing {

Fd connect_from(const std::string& source, int port) {
  Fd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd) return fd;
  sockaddr_in from{};
  from.sin_family = AF_INET;
  if (::inet_pton(AF_INET, source.c_str(), &from.sin_addr) != 1 ||
      ::bind(fd.get(), reinterpret_cast<sockaddr*>(&from), sizeof from) != 0) {
    return Fd();
  }
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) return Fd();
  return fd;
}

std::string read_all(int fd, int timeout_ms) {
  std::string out;
  char buf[4096];
  for (;;) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, timeout_ms) <= 0) return out + "<silence>";
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) return out;
    out.append(buf, static_cast<size_t>(n));
  }
}

std::string request(int port, const std::string& method, const std::string& path,
                    const std::vector<std::string>& headers) {
  Fd fd = connect_to(port);
  if (!fd) return "<no connection>";
  std::string req = method + " " + path + " HTTP/1.0\r\nHost: x\r\n";
  for (const auto& h : headers) req += h + "\r\n";
  req += "\r\n";
  if (::send(fd.get(), req.data(), req.size(), MSG_NOSIGNAL) < 0) return "<send failed>";
  return read_all(fd.get());
}

CurlResult curl(const std::string& url, const std::string& extra) {
  char tmpl[] = "/tmp/nd-curl-XXXXXX";
  const int fd = ::mkstemp(tmpl);
  if (fd >= 0) ::close(fd);
  const std::string headers = std::string(tmpl);
  CurlResult r;
  const std::string out =
      sh_output("curl -sS --max-time 10 -o /dev/stdout -D " + headers + " -w '\\n%{http_code}' " +
                    extra + " '" + url + "' 2>/dev/null",
                &r.exit_code);
  const auto nl = out.rfind('\n');
  r.body = nl == std::string::npos ? std::string() : out.substr(0, nl);
  r.status = std::atoi(out.substr(nl == std::string::npos ? 0 : nl + 1).c_str());
  std::ifstream in(headers);
  std::stringstream ss;
  ss << in.rdbuf();
  r.headers = ss.str();
  std::remove(headers.c_str());
  return r;
}

}  // namespace netdoctor::testing
