#include "probes/net/capture.h"

#include <gtest/gtest.h>

#include <vector>

namespace netdoctor::probes {
namespace {

// An Ethernet frame carrying an ICMP echo request 10.244.1.3 -> 10.244.1.4, id 0x1234.
std::vector<uint8_t> echo_frame() {
  std::vector<uint8_t> f = {
      0,    1,   2, 3,  4,    5,    6,    7, 8,  9, 10, 11, 0x08, 0x00,  // ethernet, IPv4
      0x45, 0,   0, 28, 0,    0,    0x40, 0, 64, 1, 0,  0,               // IPv4 header, proto ICMP
      10,   244, 1, 3,  10,   244,  1,    4,                             // src, dst
      8,    0,   0, 0,  0x12, 0x34, 0,    1};                            // echo request, id, seq
  return f;
}

TEST(ParseEchoFrame, ReadsAddressesAndId) {
  const auto f = echo_frame();
  auto seen = parse_echo_frame(DLT_EN10MB, f.data(), f.size());
  ASSERT_TRUE(seen.has_value());
  EXPECT_EQ(seen->src, "10.244.1.3");
  EXPECT_EQ(seen->dst, "10.244.1.4");
  EXPECT_EQ(seen->id, 0x1234);
}

TEST(ParseEchoFrame, RejectsEverythingElseWithoutReadingPastTheEnd) {
  auto f = echo_frame();
  for (size_t len = 0; len < f.size(); ++len) {
    EXPECT_FALSE(parse_echo_frame(DLT_EN10MB, f.data(), len).has_value()) << len;
  }
  f[34] = 0;  // echo reply
  EXPECT_FALSE(parse_echo_frame(DLT_EN10MB, f.data(), f.size()).has_value());
  f = echo_frame();
  f[23] = 6;  // TCP
  EXPECT_FALSE(parse_echo_frame(DLT_EN10MB, f.data(), f.size()).has_value());
  f = echo_frame();
  f[14] = 0x4f;  // header length beyond the frame
  EXPECT_FALSE(parse_echo_frame(DLT_EN10MB, f.data(), f.size()).has_value());
  EXPECT_FALSE(parse_echo_frame(12345, f.data(), f.size()).has_value());
}

TEST(ParseEchoFrame, RawIpFrames) {
  const auto f = echo_frame();
  auto seen = parse_echo_frame(DLT_RAW, f.data() + 14, f.size() - 14);
  ASSERT_TRUE(seen.has_value());
  EXPECT_EQ(seen->src, "10.244.1.3");
}

}  // namespace
}  // namespace netdoctor::probes
