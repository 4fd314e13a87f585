#include "core/text.h"

#include <gtest/gtest.h>

namespace netdoctor {
namespace {

TEST(Text, JoinPutsTheSeparatorBetweenParts) {
  EXPECT_EQ(join({"10.0.0.1", "10.0.0.2", "10.0.0.3"}, ", "), "10.0.0.1, 10.0.0.2, 10.0.0.3");
  EXPECT_EQ(join({"default.svc.cluster.local", "svc.cluster.local"}, " "),
            "default.svc.cluster.local svc.cluster.local");
  EXPECT_EQ(join({"only"}, ", "), "only");
  EXPECT_EQ(join({}, ", "), "");
}

TEST(Text, JoinLeavesEmptyPartsOut) {
  EXPECT_EQ(join({"pod", ""}, " "), "pod");
  EXPECT_EQ(join({"", "10.244.1.4"}, " "), "10.244.1.4");
  EXPECT_EQ(join({"a", "", "b"}, " / "), "a / b");
  EXPECT_EQ(join({"", ""}, ", "), "");
}

TEST(Text, LowerChangesAsciiLettersOnly) {
  EXPECT_EQ(lower("TCP"), "tcp");
  EXPECT_EQ(lower("HttpS"), "https");
  EXPECT_EQ(lower("sctp-1.2_X"), "sctp-1.2_x");
  EXPECT_EQ(lower(""), "");
  EXPECT_EQ(lower("\xC3\x89T\xC3\x89"), "\xC3\x89t\xC3\x89");  // UTF-8 bytes kept
}

}  // namespace
}  // namespace netdoctor
