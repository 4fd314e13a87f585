#include "netns/netns.h"

#include <gtest/gtest.h>

#include "netns/runner.h"

namespace netdoctor::netns {
namespace {

TEST(Netns, OpeningAMissingPathNamesItAndTheErrno) {
  auto ns = Netns::open_path("/var/run/netns/does-not-exist-nd");
  ASSERT_FALSE(ns.has_value());
  EXPECT_EQ(ns.error().message(),
            "cannot open network namespace \"/var/run/netns/does-not-exist-nd\": No such file or "
            "directory");
}

TEST(Netns, ARegularFileIsNotANamespace) {
  auto ns = Netns::open_path("/proc/self/status");
  ASSERT_FALSE(ns.has_value());
  EXPECT_EQ(ns.error().code, ErrorCode::kInvalidInput);
  EXPECT_NE(ns.error().message().find("is not a network namespace file"), std::string::npos);
}

TEST(Netns, CurrentMatchesProcSelf) {
  auto ns = Netns::current();
  ASSERT_TRUE(ns.has_value()) << ns.error().message();
  EXPECT_EQ(ns->id(), stat_netns("/proc/self/ns/net").value());
}

TEST(Netns, OpenPidOfAGonePidFails) {
  auto ns = Netns::open_pid(0x3fffffff);
  ASSERT_FALSE(ns.has_value());
  EXPECT_NE(ns.error().message().find("cannot open process"), std::string::npos);
}

TEST(Runner, ExceptionsBecomeErrors) {
  auto self = Netns::current();
  ASSERT_TRUE(self.has_value());
  // Entering one's own namespace needs CAP_SYS_ADMIN; without it the error must say so.
  auto r = run_in(*self, []() -> int { throw std::runtime_error("boom"); });
  ASSERT_FALSE(r.has_value());
  const auto msg = r.error().message();
  EXPECT_TRUE(msg.find("boom") != std::string::npos ||
              msg.find("cannot enter network namespace") != std::string::npos)
      << msg;
}

}  // namespace
}  // namespace netdoctor::netns
