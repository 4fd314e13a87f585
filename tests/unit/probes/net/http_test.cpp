// http_get against a one-shot HTTP server on loopback: the token is sent, curl never resolves a
// name itself, and failures land in the right phase. No root, no network beyond 127.0.0.1.
#include "probes/net/http.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <future>

namespace netdoctor::probes {
namespace {

// Accepts one connection, keeps the request it read, answers `reply` and closes.
class OneShotServer {
 public:
  explicit OneShotServer(std::string reply) : reply_(std::move(reply)) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(fd_, 1) != 0 ||
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
      return;
    }
    port_ = ntohs(a.sin_port);
    request_ = std::async(std::launch::async, [this] { return serve(); });
  }
  ~OneShotServer() {
    ::shutdown(fd_, SHUT_RDWR);
    ::close(fd_);
  }
  [[nodiscard]] int port() const { return port_; }
  std::string request() {
    return request_.valid() &&
                   request_.wait_for(std::chrono::seconds(2)) == std::future_status::ready
               ? request_.get()
               : std::string();
  }

 private:
  std::string serve() {
    const int c = ::accept(fd_, nullptr, nullptr);
    if (c < 0) return {};
    std::string req;
    char buf[2048];
    while (req.find("\r\n\r\n") == std::string::npos) {
      const ssize_t n = ::read(c, buf, sizeof buf);
      if (n <= 0) break;
      req.append(buf, static_cast<std::size_t>(n));
    }
    [[maybe_unused]] const ssize_t w = ::write(c, reply_.data(), reply_.size());
    ::close(c);
    return req;
  }
  std::string reply_;
  int fd_ = -1;
  int port_ = 0;
  std::future<std::string> request_;
};

// A loopback port nothing listens on: bound, then closed.
int closed_port() {
  OneShotServer s("");
  const int port = s.port();
  return port;
}

TEST(CurlProbe, SendsTheTokenAndKeepsTheStatus) {
  OneShotServer server(
      "HTTP/1.1 401 Unauthorized\r\nContent-Length: 2\r\nConnection: close\r\n\r\nno");
  ASSERT_NE(server.port(), 0);
  HttpRequest r;
  r.url = "http://127.0.0.1:" + std::to_string(server.port()) + "/readyz";
  r.bearer_token = "tok-123";
  const auto results = http_get(r);
  ASSERT_EQ(results.size(), 1u);
  EXPECT_TRUE(results[0].ok()) << results[0].error;
  EXPECT_EQ(results[0].http_status, 401);
  EXPECT_EQ(results[0].body, "no");
  const std::string req = server.request();
  EXPECT_NE(req.find("GET /readyz "), std::string::npos) << req;
  EXPECT_NE(req.find("Authorization: Bearer tok-123"), std::string::npos) << req;
}

TEST(CurlProbe, NamesArePinnedNeverResolvedByCurl) {
  HttpRequest r;
  r.url = "http://example.test:80/";
  const auto refused = http_get(r);
  ASSERT_EQ(refused.size(), 1u);
  EXPECT_EQ(refused[0].curl_code, CURLE_FAILED_INIT);
  EXPECT_NE(refused[0].error.find("not resolved through the pod"), std::string::npos);

  OneShotServer server("HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
  r.url = "http://api.example.test:" + std::to_string(server.port()) + "/";
  r.connect_ip = "127.0.0.1";
  const auto pinned = http_get(r);
  ASSERT_EQ(pinned.size(), 1u);
  EXPECT_EQ(pinned[0].http_status, 200) << pinned[0].error;
  EXPECT_EQ(pinned[0].primary_ip, "127.0.0.1");
  EXPECT_NE(server.request().find("Host: api.example.test"), std::string::npos);
}

TEST(CurlProbe, RefusedIsTheConnectPhase) {
  HttpRequest r;
  r.url = "http://127.0.0.1:" + std::to_string(closed_port()) + "/";
  const auto results = http_get(r, {"/readyz", "/version"});
  ASSERT_EQ(results.size(), 1u);  // stops after the first transport failure
  EXPECT_EQ(classify_failure(results[0].curl_code, results[0].times, false), Phase::kConnect);
  EXPECT_EQ(results[0].os_errno, ECONNREFUSED);
}

TEST(CurlProbe, PlainHttpAnsweringHttpsIsTheTlsPhase) {
  OneShotServer server("HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n");
  HttpRequest r;
  r.url = "https://127.0.0.1:" + std::to_string(server.port()) + "/";
  // The server waits for an HTTP request that never comes: the handshake times out.
  r.timeout = std::chrono::milliseconds(300);
  const auto results = http_get(r);
  ASSERT_EQ(results.size(), 1u);
  EXPECT_FALSE(results[0].ok());
  EXPECT_EQ(classify_failure(results[0].curl_code, results[0].times, true), Phase::kTls)
      << results[0].curl_code << " " << results[0].error;
}

}  // namespace
}  // namespace netdoctor::probes
