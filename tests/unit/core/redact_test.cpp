#include "core/redact.h"

#include <gtest/gtest.h>

namespace netdoctor {
namespace {

TEST(MaskUserinfo, EverythingBeforeTheLastAtGoes) {
  EXPECT_EQ(mask_userinfo("http://alice:s3cr@t@proxy:3128"), "http://***@proxy:3128");
  EXPECT_EQ(mask_userinfo("http://TOKEN-abc123@proxy:8080"), "http://***@proxy:8080");
  EXPECT_EQ(mask_userinfo("http://u:pw@proxy:3128/"), "http://***@proxy:3128/");
  // Unencoded '/', '?', '#' in a password: a URL parser would end the authority there.
  EXPECT_EQ(mask_userinfo("http://bob:p/a?s#s@proxy:3128"), "http://***@proxy:3128");
  EXPECT_EQ(mask_userinfo("socks5h://u:p@socks:1080"), "socks5h://***@socks:1080");
}

TEST(MaskUserinfo, ValuesWithoutASchemeToo) {
  EXPECT_EQ(mask_userinfo("alice:pw@proxy:3128"), "***@proxy:3128");
  EXPECT_EQ(mask_userinfo("TOKEN@proxy"), "***@proxy");
  EXPECT_EQ(mask_userinfo("a:b@c://x@proxy"), "***@proxy");  // no valid scheme before "://"
}

TEST(MaskUserinfo, ValuesWithoutUserinfoAreKept) {
  EXPECT_EQ(mask_userinfo("http://proxy:3128"), "http://proxy:3128");
  EXPECT_EQ(mask_userinfo(".svc,10.0.0.0/8,localhost"), ".svc,10.0.0.0/8,localhost");
  EXPECT_EQ(mask_userinfo(""), "");
}

TEST(UserinfoOf, IsWhatMaskDrops) {
  EXPECT_EQ(userinfo_of("http://alice:s3cr@t@proxy:3128"), "alice:s3cr@t");
  EXPECT_EQ(userinfo_of("alice:pw@proxy"), "alice:pw");
  EXPECT_EQ(userinfo_of("http://proxy:3128"), "");
}

// libcurl's messages quote the proxy URL they were given.
TEST(RedactUserinfo, UrlsInsideMessages) {
  EXPECT_EQ(redact_userinfo("Unsupported proxy syntax in 'http://alice:s3cr@t@proxy:3128': Bad"),
            "Unsupported proxy syntax in 'http://***@proxy:3128': Bad");
  EXPECT_EQ(redact_userinfo("Unsupported proxy scheme for \"socks9://TOKEN@proxy\""),
            "Unsupported proxy scheme for \"socks9://***@proxy\"");
  EXPECT_EQ(redact_userinfo("Could not resolve proxy: proxy.example"),
            "Could not resolve proxy: proxy.example");
  EXPECT_EQ(redact_userinfo("in alice:pw@proxy:3128 and more"), "in ***@proxy:3128 and more");
}

TEST(RedactUserinfo, KnownSecretsAlsoWithBlanksAndQuotes) {
  const std::vector<std::string> known{"http://al ice:pa'ss@proxy:3128", "http://proxy:1"};
  const std::string out =
      redact_userinfo("proxy 'http://al ice:pa'ss@proxy:3128' refused, user al ice:pa'ss", known);
  EXPECT_EQ(out.find("al ice"), std::string::npos) << out;
  EXPECT_EQ(out.find("pa'ss"), std::string::npos) << out;
  EXPECT_NE(out.find("@proxy:3128"), std::string::npos) << out;
}

}  // namespace
}  // namespace netdoctor
