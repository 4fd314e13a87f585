// TCP and ICMP probes against loopback: the kernel answers, nothing is mocked.
#include "probes/net/tcp.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/capabilities.h"
#include "core/fd.h"
#include "probes/net/icmp.h"

namespace netdoctor::probes {
namespace {

// A listening socket on 127.0.0.1 with a kernel-chosen port.
struct Listener {
  Listener() : fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
        ::listen(fd.get(), 4) == 0 &&
        ::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&a), &len) == 0) {
      port = ntohs(a.sin_port);
    }
  }
  Fd fd;
  int port = 0;
};

TEST(TcpConnect, ConnectsToAListener) {
  Listener l;
  ASSERT_GT(l.port, 0);
  auto r = tcp_connect("127.0.0.1", l.port, std::chrono::milliseconds(500));
  ASSERT_TRUE(r.has_value()) << r.error().message();
  EXPECT_EQ(r->outcome, ConnectOutcome::kConnected);
  EXPECT_EQ(r->local.rfind("127.0.0.1:", 0), 0u) << r->local;
}

TEST(TcpConnect, ClosedPortIsRefused) {
  int port = 0;
  {
    Listener l;  // learn a free port, then close it
    port = l.port;
  }
  auto r = tcp_connect("127.0.0.1", port, std::chrono::milliseconds(500));
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->outcome, ConnectOutcome::kRefused);
  EXPECT_EQ(r->detail, "Connection refused");
}

TEST(TcpConnect, BadInputIsAnError) {
  EXPECT_FALSE(tcp_connect("300.1.1.1", 80, std::chrono::milliseconds(10)).has_value());
  EXPECT_FALSE(tcp_connect("127.0.0.1", 0, std::chrono::milliseconds(10)).has_value());
  EXPECT_FALSE(tcp_connect("127.0.0.1", 70000, std::chrono::milliseconds(10)).has_value());
}

TEST(IcmpEcho, LoopbackAnswersOrTheMissingCapabilityIsNamed) {
  EchoOptions o;
  o.timeout = std::chrono::milliseconds(500);
  auto r = icmp_echo("127.0.0.1", o);
  if (!has_capability(Capability::kNetRaw)) {
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code, ErrorCode::kPermission);
    EXPECT_NE(r.error().message().find("CAP_NET_RAW"), std::string::npos);
    return;
  }
  ASSERT_TRUE(r.has_value()) << r.error().message();
  EXPECT_EQ(r->outcome, EchoOutcome::kReply) << r->detail;
  EXPECT_EQ(r->reply_from, "127.0.0.1");
}

TEST(IcmpEcho, OversizedWithDontFragmentIsTooBigLocally) {
  if (!has_capability(Capability::kNetRaw)) GTEST_SKIP() << "needs CAP_NET_RAW";
  EchoOptions o;
  o.timeout = std::chrono::milliseconds(300);
  o.dont_fragment = true;
  o.packet_size = 65536 + 100;  // beyond loopback's MTU (65536)
  auto r = icmp_echo("127.0.0.1", o);
  ASSERT_TRUE(r.has_value()) << r.error().message();
  EXPECT_NE(r->outcome, EchoOutcome::kReply);
}

}  // namespace
}  // namespace netdoctor::probes
