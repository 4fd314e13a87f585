#include "probes/egress/url.h"

#include <gtest/gtest.h>

namespace netdoctor::probes {
namespace {

TEST(EgressUrl, HttpDefaultsPortAndPath) {
  auto u = parse_egress_url("http://example.test");
  ASSERT_TRUE(u) << u.error().message();
  EXPECT_EQ(u->scheme, EgressScheme::kHttp);
  EXPECT_EQ(u->host, "example.test");
  EXPECT_EQ(u->port, 80);
  EXPECT_EQ(u->path, "/");
  EXPECT_FALSE(u->host_is_ip);
  EXPECT_EQ(u->request_url(), "http://example.test:80/");
}

TEST(EgressUrl, HttpsWithPortPathAndQuery) {
  auto u = parse_egress_url("HTTPS://203.0.113.10:8443/a/b?x=1#frag");
  ASSERT_TRUE(u) << u.error().message();
  EXPECT_EQ(u->scheme, EgressScheme::kHttps);
  EXPECT_EQ(u->port, 8443);
  EXPECT_EQ(u->path, "/a/b?x=1");
  EXPECT_TRUE(u->host_is_ip);
  EXPECT_EQ(u->text, "HTTPS://203.0.113.10:8443/a/b?x=1#frag");
}

TEST(EgressUrl, TcpNeedsAPort) {
  auto ok = parse_egress_url("tcp://203.0.113.99:80");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->scheme, EgressScheme::kTcp);
  EXPECT_EQ(ok->port, 80);
  auto bad = parse_egress_url("tcp://203.0.113.99");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().context.find("needs a port"), std::string::npos);
}

TEST(EgressUrl, Ipv6InBrackets) {
  auto u = parse_egress_url("http://[2001:db8::1]:8080/");
  ASSERT_TRUE(u) << u.error().message();
  EXPECT_EQ(u->host, "2001:db8::1");
  EXPECT_TRUE(u->host_is_ip);
  EXPECT_EQ(u->request_url(), "http://[2001:db8::1]:8080/");
}

TEST(EgressUrl, GarbageIsAClearError) {
  for (const char* text :
       {"", "example.test", "ftp://example.test/", "http://", "http://:80/", "http://a b/",
        "http://host:0/", "http://host:65536/", "http://host:8x/", "http://user:pw@host/",
        "http://[::1/", "http://a:1:2/", "http://-bad/", "http://ex%41mple/", "tcp://h:"}) {
    auto u = parse_egress_url(text);
    EXPECT_FALSE(u) << text;
    if (!u) {
      EXPECT_EQ(u.error().code, ErrorCode::kInvalidInput);
      EXPECT_NE(u.error().context.find("invalid --egress URL"), std::string::npos) << text;
    }
  }
}

// A URL with a password is refused without printing the password, whatever it holds.
TEST(EgressUrl, RefusalDoesNotPrintTheUserinfo) {
  for (const char* text : {"http://alice:s3cr@t@proxy:3128/", "http://TOKEN-abc123@host/",
                           "https://alice:pa/ss@host/", "tcp://alice:s3cr@t@host:5432"}) {
    auto u = parse_egress_url(text);
    ASSERT_FALSE(u) << text;
    const std::string message = u.error().message();
    for (const char* secret : {"alice", "s3cr", "TOKEN", "abc123", "pa/ss"}) {
      EXPECT_EQ(message.find(secret), std::string::npos) << message;
    }
    EXPECT_NE(message.find("***@"), std::string::npos) << message;
  }
}

TEST(EgressUrl, HugeInputIsRejectedQuickly) {
  auto u = parse_egress_url("http://" + std::string(5000, 'a'));
  ASSERT_FALSE(u);
  EXPECT_LT(u.error().context.size(), 200u);
}

}  // namespace
}  // namespace netdoctor::probes
