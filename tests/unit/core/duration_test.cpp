#include "core/duration.h"

#include <gtest/gtest.h>

namespace netdoctor {
namespace {

using std::chrono::milliseconds;

TEST(Duration, ParsesUnits) {
  EXPECT_EQ(parse_duration("500ms").value(), milliseconds(500));
  EXPECT_EQ(parse_duration("2s").value(), milliseconds(2000));
  EXPECT_EQ(parse_duration("1.5s").value(), milliseconds(1500));
  EXPECT_EQ(parse_duration("1m").value(), milliseconds(60000));
  EXPECT_EQ(parse_duration("3").value(), milliseconds(3000));
}

TEST(Duration, RejectsGarbageWithTheInputNamed) {
  for (const char* bad : {"", "ms", "-1s", "5h", "1e400s", "nan", "2 s", "99999999m"}) {
    auto d = parse_duration(bad);
    ASSERT_FALSE(d.has_value()) << bad;
    EXPECT_EQ(d.error().code, ErrorCode::kInvalidInput);
    EXPECT_NE(d.error().message().find("invalid duration \"" + std::string(bad) + "\""),
              std::string::npos);
  }
}

TEST(ErrorMessage, AppendsStrerror) {
  auto e = fail_errno(ENOENT, "cannot open network namespace \"/x\"");
  EXPECT_EQ(e.value().code, ErrorCode::kNotFound);
  EXPECT_EQ(e.value().message(), "cannot open network namespace \"/x\": No such file or directory");
  EXPECT_EQ(fail_errno(EPERM, "x").value().code, ErrorCode::kPermission);
}

}  // namespace
}  // namespace netdoctor
