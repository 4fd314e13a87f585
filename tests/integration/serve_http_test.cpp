// The monitor's HTTP server (libmicrohttpd) on loopback: answers, methods, a busy address named
// in the error, the connection limit and the idle timeout. Needs no root.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>

#include "cli/http_server.h"
#include "core/fd.h"
#include "http_client_util.h"
#include "testnet_util.h"

namespace netdoctor::cli {
namespace {

using testing::connect_to;
using testing::read_all;
using testing::request;

HttpServer::Limits limits(unsigned max_connections = 16,
                          std::chrono::seconds idle = std::chrono::seconds(10)) {
  HttpServer::Limits l;
  l.max_connections = max_connections;
  l.idle_timeout = idle;
  return l;
}

HttpAnswer answer(const HttpRequest& request) {
  if (request.path == "/metrics") return HttpReply{200, "text/plain; version=0.0.4", "m 1\n"};
  return HttpReply{404, "text/plain", "not found\n"};
}

std::unique_ptr<HttpServer> start(HttpServer::Limits l = limits()) {
  auto s = HttpServer::start({"127.0.0.1", 0}, answer, l);
  EXPECT_TRUE(s) << s.error().message();
  return s ? std::move(*s) : nullptr;
}

TEST(ServeHttp, AnswersGetAndHeadRefusesOtherMethods) {
  auto server = start();
  ASSERT_TRUE(server);
  ASSERT_GT(server->port(), 0);
  const std::string get = request(server->port(), "GET", "/metrics?x=1");
  EXPECT_EQ(get.rfind("HTTP/1.1 200", 0), 0u) << get;
  EXPECT_NE(get.find("Content-Type: text/plain; version=0.0.4"), std::string::npos) << get;
  EXPECT_TRUE(get.ends_with("\r\n\r\nm 1\n")) << get;
  const std::string head = request(server->port(), "HEAD", "/metrics");
  EXPECT_EQ(head.rfind("HTTP/1.1 200", 0), 0u) << head;
  EXPECT_TRUE(head.ends_with("\r\n\r\n")) << head;
  EXPECT_EQ(request(server->port(), "GET", "/nope").rfind("HTTP/1.1 404", 0), 0u);
  const std::string post = request(server->port(), "POST", "/metrics");
  EXPECT_EQ(post.rfind("HTTP/1.1 405", 0), 0u) << post;
  EXPECT_NE(post.find("Allow: GET, HEAD"), std::string::npos) << post;
}

TEST(ServeHttp, BusyAddressIsNamed) {
  auto first = start();
  ASSERT_TRUE(first);
  auto second = HttpServer::start({"127.0.0.1", first->port()}, answer, limits());
  ASSERT_FALSE(second);
  EXPECT_EQ(
      second.error().message(),
      "cannot listen on 127.0.0.1:" + std::to_string(first->port()) + ": Address already in use");
}

TEST(ServeHttp, ConnectionLimitAndIdleTimeout) {
  auto server = start(limits(2, std::chrono::seconds(2)));
  ASSERT_TRUE(server);
  Fd a = connect_to(server->port());
  Fd b = connect_to(server->port());
  ASSERT_TRUE(a && b);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  // A third connection is over the limit: it waits in the backlog, unanswered...
  Fd c = connect_to(server->port());
  ASSERT_TRUE(c);
  const std::string req = "GET /metrics HTTP/1.0\r\n\r\n";
  ASSERT_GT(::send(c.get(), req.data(), req.size(), MSG_NOSIGNAL), 0);
  const auto sent = std::chrono::steady_clock::now();
  EXPECT_EQ(read_all(c.get(), 500), "<silence>");
  // ...until the idle timeout closes the two idle ones; then it is served.
  const std::string late = read_all(c.get(), 5000);
  const double waited =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - sent).count();
  EXPECT_EQ(late.rfind("HTTP/1.1 200", 0), 0u) << late;
  EXPECT_GT(waited, 1.0);
  EXPECT_EQ(read_all(a.get(), 1000), "");  // closed by the server
  EXPECT_EQ(read_all(b.get(), 1000), "");
}

TEST(ServeHttp, StoppingClosesTheListener) {
  auto server = start();
  ASSERT_TRUE(server);
  const int port = server->port();
  server.reset();
  EXPECT_FALSE(connect_to(port));
}

// The binary: bad usage is 2 with one line; without the capabilities a node needs, the first
// run fails and serve exits 3 naming them instead of serving errors forever.
TEST(ServeCli, BadUsageAndMissingCapability) {
  using testing::sh_output;
  int status = -1;
  std::string err = sh_output(std::string(ND_BINARY) + " serve --listen nope 2>&1", &status);
  EXPECT_EQ(status, 2);
  EXPECT_EQ(err.rfind("netdoctor: malformed --listen \"nope\"", 0), 0u) << err;
  err = sh_output(std::string(ND_BINARY) + " serve --listen 127.0.0.1:0 --interval 10ms 2>&1",
                  &status);
  EXPECT_EQ(status, 2);
  EXPECT_EQ(err, "netdoctor: --interval must be at least 100ms\n");
  if (::geteuid() != 0) GTEST_SKIP() << "dropping to nobody needs root";
  err = sh_output("timeout 20 setpriv --reuid=65534 --regid=65534 --clear-groups " +
                      std::string(ND_BINARY) + " serve --listen 127.0.0.1:0 2>&1",
                  &status);
  EXPECT_EQ(status, 3) << err;
  EXPECT_NE(err.find("missing capability CAP_SYS_ADMIN"), std::string::npos) << err;
}

}  // namespace
}  // namespace netdoctor::cli
