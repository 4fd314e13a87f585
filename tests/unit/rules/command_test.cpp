#include "rules/command.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

namespace netdoctor::rules {
namespace {

// Whatever PATH says, programs come from the fixed list, and the child sees only PATH and
// LC_ALL.
TEST(RunCommand, FixedPathAndAMinimalEnvironment) {
  const char* old = std::getenv("PATH");
  const std::string saved = old ? old : "";
  ::setenv("PATH", "/nonexistent", 1);
  ::setenv("ND_SECRET_FOR_TEST", "s3cr3t", 1);
  auto r = run_command({"sh", "-c", "env | sort"}, std::chrono::seconds(5));
  ::setenv("PATH", saved.c_str(), 1);
  ::unsetenv("ND_SECRET_FOR_TEST");
  ASSERT_TRUE(r.has_value()) << r.error().message();
  EXPECT_EQ(r->exit_status, 0);
  // sh adds PWD (and may add SHLVL, _): nothing of ours but PATH and LC_ALL.
  EXPECT_NE(r->out.find(std::string("PATH=") + kCommandPath + "\n"), std::string::npos) << r->out;
  EXPECT_NE(r->out.find("LC_ALL=C\n"), std::string::npos) << r->out;
  EXPECT_EQ(r->out.find("s3cr3t"), std::string::npos) << r->out;
}

// A descriptor opened without O_CLOEXEC is not inherited.
TEST(RunCommand, OnlyTheStandardDescriptorsAreInherited) {
  const int leaked = ::open("/dev/null", O_RDONLY);  // no O_CLOEXEC on purpose
  ASSERT_GE(leaked, 3);
  auto r = run_command({"sh", "-c", "ls /proc/$$/fd"}, std::chrono::seconds(5));
  ::close(leaked);
  ASSERT_TRUE(r.has_value()) << r.error().message();
  EXPECT_EQ(r->out, "0\n1\n2\n") << "the child's descriptors";
}

TEST(RunCommand, OutputIsCapped) {
  CommandOptions o;
  o.max_output = 100000;
  auto r = run_command({"sh", "-c", "head -c 10000000 /dev/zero"}, o);
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message().find("wrote more than 100000 bytes"), std::string::npos)
      << r.error().message();
}

// Input larger than a pipe holds goes in while the output comes out: no deadlock.
TEST(RunCommand, InputAndOutputFlowTogether) {
  CommandOptions o;
  o.input.assign(1 << 20, 'x');
  auto r = run_command({"cat"}, o);
  ASSERT_TRUE(r.has_value()) << r.error().message();
  EXPECT_EQ(r->out.size(), std::size_t{1} << 20);
}

TEST(RunCommand, TimeoutKillsTheChild) {
  auto r = run_command({"sleep", "10"}, std::chrono::milliseconds(200));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kTimeout);
}

TEST(RunCommand, AMissingProgramIsNamed) {
  auto r = run_command({"no-such-program-nd"}, std::chrono::seconds(1));
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message().find("no-such-program-nd"), std::string::npos);
}

}  // namespace
}  // namespace netdoctor::rules
