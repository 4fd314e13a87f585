// The monitor's HTTP server under misbehaving clients, on loopback, without root: the limit per
// client address, the absolute request timeout against a client that trickles bytes, deferred
// answers that do not hold up the others (and a full queue of them), stopping with answers
// still deferred, and HTTPS with a certificate made by openssl for the test.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <future>
#include <sstream>
#include <string>
#include <thread>

#include "apiserver_standin_util.h"
#include "cli/http_server.h"
#include "http_client_util.h"
#include "testnet_util.h"

namespace netdoctor::cli {
namespace {

using Clock = std::chrono::steady_clock;
using testing::connect_from;
using testing::connect_to;
using ::testing::HasSubstr;
using testing::read_all;
using testing::request;

double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

// /fast answers at once; /slow is deferred and takes `slow_ms` (or until the server stops).
HttpHandler handler(int slow_ms, std::atomic<int>* started = nullptr) {
  return [slow_ms, started](const HttpRequest& r) -> HttpAnswer {
    if (r.path == "/slow") {
      return HttpDeferred([slow_ms, started](std::stop_token stop) {
        if (started) ++*started;
        const auto end = Clock::now() + std::chrono::milliseconds(slow_ms);
        while (Clock::now() < end && !stop.stop_requested()) {
          std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        return HttpReply{200, "text/plain", "slow\n"};
      });
    }
    return HttpReply{200, "text/plain", "fast " + r.authorization + "\n"};
  };
}

std::unique_ptr<HttpServer> start(const HttpServer::Limits& limits, int slow_ms = 100,
                                  std::atomic<int>* started = nullptr, HttpServer::Tls tls = {},
                                  std::ostream* log = nullptr) {
  auto s =
      HttpServer::start({"127.0.0.1", 0}, handler(slow_ms, started), limits, std::move(tls), log);
  EXPECT_TRUE(s) << s.error().message();
  return s ? std::move(*s) : nullptr;
}

TEST(ServeHttpLimits, PerAddressLimitClosesTheExtraConnectionsAtOnce) {
  HttpServer::Limits l;
  l.max_connections_per_ip = 2;
  std::ostringstream log;
  auto server = start(l, 100, nullptr, {}, &log);
  ASSERT_TRUE(server);
  Fd a = connect_from("127.0.0.2", server->port());
  Fd b = connect_from("127.0.0.2", server->port());
  ASSERT_TRUE(a && b);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  Fd c = connect_from("127.0.0.2", server->port());
  ASSERT_TRUE(c);  // the kernel accepted it; the server closes it without a word
  const auto t = Clock::now();
  EXPECT_EQ(read_all(c.get(), 2000), "");
  EXPECT_LT(seconds_since(t), 1.0);
  // Another address is served meanwhile.
  Fd d = connect_from("127.0.0.3", server->port());
  ASSERT_TRUE(d);
  const std::string req = "GET /fast HTTP/1.0\r\n\r\n";
  ASSERT_GT(::send(d.get(), req.data(), req.size(), MSG_NOSIGNAL), 0);
  EXPECT_EQ(read_all(d.get()).rfind("HTTP/1.1 200", 0), 0u);
  EXPECT_THAT(log.str(), HasSubstr("netdoctor serve: http: Server reached connection limit"));
}

// libmicrohttpd's own timeout counts inactivity only: a client sending one byte every 200 ms
// would hold its connection forever. The request timeout closes it anyway.
TEST(ServeHttpLimits, RequestTimeoutClosesATricklingClient) {
  HttpServer::Limits l;
  l.request_timeout = std::chrono::milliseconds(1500);
  auto server = start(l);
  ASSERT_TRUE(server);
  Fd fd = connect_to(server->port());
  ASSERT_TRUE(fd);
  const auto t = Clock::now();
  const std::string head = "GET /fast HTTP/1.1\r\nHost: x\r\nX-Slow: ";
  ASSERT_GT(::send(fd.get(), head.data(), head.size(), MSG_NOSIGNAL), 0);
  bool closed = false;
  while (seconds_since(t) < 6 && !closed) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    closed = ::send(fd.get(), "a", 1, MSG_NOSIGNAL) < 0 || read_all(fd.get(), 0) == "";
  }
  const double lived = seconds_since(t);
  EXPECT_TRUE(closed);
  EXPECT_GT(lived, 1.3);
  EXPECT_LT(lived, 3.0);
  // A new client is served as usual.
  EXPECT_EQ(request(server->port(), "GET", "/fast").rfind("HTTP/1.1 200", 0), 0u);
}

TEST(ServeHttpLimits, DeferredAnswersDoNotHoldUpTheOthers) {
  HttpServer::Limits l;
  l.workers = 1;
  l.max_deferred = 2;
  std::atomic<int> started{0};
  auto server = start(l, 1000, &started);
  ASSERT_TRUE(server);
  const int port = server->port();
  auto first = std::async(std::launch::async, [port] { return request(port, "GET", "/slow"); });
  auto second = std::async(std::launch::async, [port] { return request(port, "GET", "/slow"); });
  for (int i = 0; i < 100 && started.load() == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  // Two deferred answers wait or run: a third is refused at once, and /fast is answered at once.
  auto t = Clock::now();
  const std::string third = request(port, "GET", "/slow");
  EXPECT_EQ(third.rfind("HTTP/1.1 503", 0), 0u) << third;
  EXPECT_NE(third.find("Retry-After: 1"), std::string::npos) << third;
  const std::string fast = request(port, "GET", "/fast", {"Authorization: Bearer x"});
  EXPECT_LT(seconds_since(t), 0.5);
  EXPECT_EQ(fast.rfind("HTTP/1.1 200", 0), 0u) << fast;
  EXPECT_TRUE(fast.ends_with("fast Bearer x\n")) << fast;
  const std::string a = first.get();
  const std::string b = second.get();
  EXPECT_EQ(a.rfind("HTTP/1.1 200", 0), 0u) << a;
  EXPECT_TRUE(a.ends_with("slow\n")) << a;
  EXPECT_EQ(b.rfind("HTTP/1.1 200", 0), 0u) << b;
  // HEAD of a deferred answer: headers only.
  const std::string head = request(port, "HEAD", "/slow");
  EXPECT_EQ(head.rfind("HTTP/1.1 200", 0), 0u) << head;
  EXPECT_TRUE(head.ends_with("\r\n\r\n")) << head;
}

// Stopping while an answer is deferred (running, and waiting behind it) ends at once: the
// workers are told to stop and the waiting connections are resumed before the daemon stops
// (libmicrohttpd aborts the process when stopped with a connection suspended).
TEST(ServeHttpLimits, StoppingWithDeferredAnswersEndsPromptly) {
  HttpServer::Limits l;
  l.workers = 1;
  std::atomic<int> started{0};
  auto server = start(l, 30000, &started);
  ASSERT_TRUE(server);
  const int port = server->port();
  Fd a = connect_to(port);
  Fd b = connect_to(port);
  const std::string req = "GET /slow HTTP/1.0\r\n\r\n";
  ASSERT_GT(::send(a.get(), req.data(), req.size(), MSG_NOSIGNAL), 0);
  ASSERT_GT(::send(b.get(), req.data(), req.size(), MSG_NOSIGNAL), 0);
  for (int i = 0; i < 100 && started.load() == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_EQ(started.load(), 1);
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  const auto t = Clock::now();
  server.reset();
  EXPECT_LT(seconds_since(t), 2.0);
  EXPECT_EQ(started.load(), 1);  // the waiting one was not started
}

class Pki {
 public:
  Pki() {
    char tmpl[] = "/tmp/nd-tls-XXXXXX";
    dir_ = ::mkdtemp(tmpl);
    ok_ = testing::make_test_pki(dir_);
  }
  ~Pki() { testing::sh("rm -rf " + dir_); }
  [[nodiscard]] bool ok() const { return ok_; }
  [[nodiscard]] std::string file(const std::string& name) const { return dir_ + "/" + name; }

 private:
  std::string dir_;
  bool ok_ = false;
};

TEST(ServeHttpLimits, ServesHttpsWithTheGivenCertificate) {
  if (testing::sh("command -v openssl >/dev/null && command -v curl >/dev/null") != 0) {
    GTEST_SKIP() << "needs openssl and curl (scripts/setup.sh installs them)";
  }
  ASSERT_TRUE(http_tls_supported()) << "Debian's libmicrohttpd is built with GnuTLS";
  Pki pki;
  ASSERT_TRUE(pki.ok()) << testing::read_text(pki.file("openssl.log"));
  HttpServer::Tls tls{testing::read_text(pki.file("server.crt")),
                      testing::read_text(pki.file("server.key"))};
  auto server = start({}, 100, nullptr, tls);
  ASSERT_TRUE(server);
  EXPECT_TRUE(server->tls());
  const std::string url = "https://127.0.0.1:" + std::to_string(server->port()) + "/fast";
  auto r = testing::curl(url, "--cacert " + pki.file("ca.crt"));
  EXPECT_EQ(r.status, 200) << r.exit_code;
  EXPECT_EQ(r.body, "fast \n");
  // Not trusted without the CA; not spoken to in plain HTTP; nothing older than TLS 1.2.
  EXPECT_NE(testing::curl(url).status, 200);
  EXPECT_NE(testing::curl("http://127.0.0.1:" + std::to_string(server->port()) + "/fast").status,
            200);
  EXPECT_NE(
      testing::curl(url, "--cacert " + pki.file("ca.crt") + " --tlsv1.0 --tls-max 1.1").status,
      200);

  // A key that does not belong to the certificate is refused at start, naming the reason.
  HttpServer::Tls wrong{testing::read_text(pki.file("server.crt")),
                        testing::read_text(pki.file("client.key"))};
  auto bad = HttpServer::start({"127.0.0.1", 0}, handler(1), {}, wrong);
  ASSERT_FALSE(bad);
  EXPECT_THAT(bad.error().message(), HasSubstr("cannot start the HTTPS server on 127.0.0.1:0"));
}

}  // namespace
}  // namespace netdoctor::cli
