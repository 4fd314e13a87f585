#include "inventory/ref.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace netdoctor::inventory {
namespace {

using ::testing::HasSubstr;

std::string ref_error(std::string_view text) {
  Result<Ref> ref = parse_ref(text);
  EXPECT_FALSE(ref) << "parsed: " << text;
  if (ref) return {};
  EXPECT_EQ(ref.error().code, ErrorCode::kInvalidInput);
  return ref.error().message();
}

TEST(Ref, PodName) {
  Result<Ref> ref = parse_ref("kube-system/coredns-5d78c9869d-8fvxl");
  ASSERT_TRUE(ref) << ref.error().message();
  EXPECT_EQ(ref->kind, Ref::Kind::kPodName);
  EXPECT_EQ(ref->ns, "kube-system");
  EXPECT_EQ(ref->name, "coredns-5d78c9869d-8fvxl");
  EXPECT_EQ(to_string(*ref), "kube-system/coredns-5d78c9869d-8fvxl");
}

TEST(Ref, PodNameMayContainDots) {
  Result<Ref> ref = parse_ref("default/web.v2-0");
  ASSERT_TRUE(ref);
  EXPECT_EQ(ref->name, "web.v2-0");
}

TEST(Ref, Ip) {
  Result<Ref> ref = parse_ref("ip:10.244.1.4");
  ASSERT_TRUE(ref);
  EXPECT_EQ(ref->kind, Ref::Kind::kIp);
  EXPECT_EQ(ref->ip, "10.244.1.4");
  EXPECT_EQ(to_string(*ref), "ip:10.244.1.4");
}

TEST(Ref, Pid) {
  Result<Ref> ref = parse_ref("pid:4242");
  ASSERT_TRUE(ref);
  EXPECT_EQ(ref->kind, Ref::Kind::kPid);
  EXPECT_EQ(ref->pid, 4242);
  EXPECT_EQ(to_string(*ref), "pid:4242");
  ref = parse_ref("pid:2147483647");
  ASSERT_TRUE(ref);
  EXPECT_EQ(ref->pid, 2147483647);
}

TEST(Ref, NetnsPath) {
  Result<Ref> ref = parse_ref("/var/run/netns/cni-1234");
  ASSERT_TRUE(ref);
  EXPECT_EQ(ref->kind, Ref::Kind::kNetnsPath);
  EXPECT_EQ(ref->path, "/var/run/netns/cni-1234");
  EXPECT_EQ(to_string(*ref), "/var/run/netns/cni-1234");
  ref = parse_ref("/proc/4242/ns/net");
  ASSERT_TRUE(ref);
  EXPECT_EQ(ref->path, "/proc/4242/ns/net");
}

TEST(Ref, RoundTrips) {
  for (const char* text : {"a/b", "ip:1.2.3.4", "pid:1", "/run/netns/x"}) {
    Result<Ref> ref = parse_ref(text);
    ASSERT_TRUE(ref) << text;
    EXPECT_EQ(to_string(*ref), text);
  }
}

TEST(Ref, GenericError) {
  EXPECT_EQ(ref_error("client"),
            "malformed REF \"client\": expected NAMESPACE/NAME, ip:A.B.C.D, pid:N or a netns path");
  EXPECT_EQ(
      ref_error(""),
      "malformed REF \"\": empty; expected NAMESPACE/NAME, ip:A.B.C.D, pid:N or a netns path");
  EXPECT_EQ(ref_error("pod:default/x"),
            "malformed REF \"pod:default/x\": namespace \"pod:default\" is not a DNS-1123 label "
            "(lowercase letters, digits and '-', at most 63 characters)");
}

TEST(Ref, HintsForBareAddressAndNumber) {
  EXPECT_THAT(ref_error("10.244.1.4"), HasSubstr("(did you mean ip:10.244.1.4?)"));
  EXPECT_THAT(ref_error("4242"), HasSubstr("(did you mean pid:4242?)"));
}

TEST(Ref, BadIp) {
  EXPECT_EQ(ref_error("ip:10.244.1"),
            "malformed REF \"ip:10.244.1\": \"10.244.1\" is not an IPv4 address (expected "
            "ip:A.B.C.D)");
  EXPECT_THAT(ref_error("ip:256.1.1.1"), HasSubstr("is not an IPv4 address"));
  EXPECT_THAT(ref_error("ip:"), HasSubstr("\"\" is not an IPv4 address"));
  EXPECT_THAT(ref_error("ip:fd00::1"), HasSubstr("is not an IPv4 address"));
  EXPECT_THAT(ref_error("ip:10.0.0.1 "), HasSubstr("is not an IPv4 address"));
}

TEST(Ref, BadPid) {
  EXPECT_EQ(ref_error("pid:0"),
            "malformed REF \"pid:0\": expected pid:N with N a positive integer");
  EXPECT_THAT(ref_error("pid:-5"), HasSubstr("positive integer"));
  EXPECT_THAT(ref_error("pid:+5"), HasSubstr("positive integer"));
  EXPECT_THAT(ref_error("pid:12ab"), HasSubstr("positive integer"));
  EXPECT_THAT(ref_error("pid:"), HasSubstr("positive integer"));
  EXPECT_EQ(ref_error("pid:2147483648"),
            "malformed REF \"pid:2147483648\": pid is out of range (1-2147483647)");
  EXPECT_THAT(ref_error("pid:99999999999999999999999"), HasSubstr("out of range"));
}

TEST(Ref, BadPodName) {
  EXPECT_EQ(ref_error("default/"),
            "malformed REF \"default/\": the name is empty (expected NAMESPACE/NAME)");
}

TEST(Ref, SlashFirstIsAPath) {
  // "/x" is a netns path by the contract, even if unlikely; resolving it will say if it exists.
  EXPECT_TRUE(parse_ref("/x"));
}

TEST(Ref, BadPodNameParts) {
  EXPECT_EQ(ref_error("a/b/c"), "malformed REF \"a/b/c\": too many '/' (expected NAMESPACE/NAME)");
  EXPECT_THAT(ref_error("Default/web"), HasSubstr("namespace \"Default\" is not a DNS-1123 label"));
  EXPECT_THAT(ref_error("default/Web"), HasSubstr("pod name \"Web\" is not a DNS-1123 subdomain"));
  EXPECT_THAT(ref_error("default/-web"), HasSubstr("not a DNS-1123 subdomain"));
  EXPECT_THAT(ref_error("default/web..x"), HasSubstr("not a DNS-1123 subdomain"));
  EXPECT_THAT(ref_error("default/web_1"), HasSubstr("not a DNS-1123 subdomain"));
  EXPECT_THAT(ref_error("my.ns/web"), HasSubstr("not a DNS-1123 label"));
  EXPECT_THAT(ref_error(std::string(64, 'a') + "/web"), HasSubstr("not a DNS-1123 label"));
  EXPECT_TRUE(parse_ref(std::string(63, 'a') + "/web"));
}

TEST(Ref, ControlCharactersAreEscaped) {
  std::string message = ref_error("bad\nref\x01\"");
  EXPECT_EQ(message.find('\n'), std::string::npos);
  EXPECT_THAT(message, HasSubstr("\"bad\\x0aref\\x01\\\"\""));
  EXPECT_THAT(ref_error(std::string("pid:1\0", 6)), HasSubstr("contains a NUL byte"));
}

}  // namespace
}  // namespace netdoctor::inventory
