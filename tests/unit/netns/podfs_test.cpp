#include "netns/podfs.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace netdoctor::netns {
namespace {
namespace fs = std::filesystem;

class PodRoot : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() / ("nd-podfs-" + std::to_string(::getpid()));
    fs::create_directories(root_ / "etc");
    fs::create_directories(root_ / "run/config");
    std::ofstream(root_ / "run/config/resolv.conf") << "nameserver 10.96.0.10\n";
    // An absolute symlink, as containers often have: it must resolve inside the container.
    fs::create_symlink("/run/config/resolv.conf", root_ / "etc/resolv.conf");
    fs::create_symlink("/etc/hostname-outside", root_ / "etc/escape");
    fs::create_symlink("../../../../../../etc/passwd", root_ / "etc/dotdot");
  }
  void TearDown() override { fs::remove_all(root_); }
  fs::path root_;
};

TEST_F(PodRoot, AbsoluteSymlinkResolvesInsideTheContainer) {
  auto text = read_file_in_root(root_.string(), "/etc/resolv.conf");
  ASSERT_TRUE(text.has_value()) << text.error().message();
  EXPECT_EQ(*text, "nameserver 10.96.0.10\n");
}

TEST_F(PodRoot, DotDotCannotEscapeTheRoot) {
  // /etc/passwd exists on the prober's host but not in the container.
  auto text = read_file_in_root(root_.string(), "/etc/dotdot");
  ASSERT_FALSE(text.has_value());
  EXPECT_EQ(text.error().code, ErrorCode::kNotFound);
}

TEST_F(PodRoot, MissingFileNamesThePath) {
  auto text = read_file_in_root(root_.string(), "/etc/nope");
  ASSERT_FALSE(text.has_value());
  EXPECT_NE(text.error().message().find(root_.string() + "/etc/nope"), std::string::npos);
  EXPECT_NE(text.error().message().find("No such file"), std::string::npos);
}

TEST_F(PodRoot, OversizedFileIsAnErrorNotAnAllocation) {
  std::ofstream(root_ / "etc/big") << std::string(5000, 'x');
  auto text = read_file_in_root(root_.string(), "/etc/big", 1000);
  ASSERT_FALSE(text.has_value());
  EXPECT_NE(text.error().message().find("larger than 1000 bytes"), std::string::npos);
}

TEST(Environ, ParsesNulSeparatedRecords) {
  static const char kRaw[] = "A=1\0KUBERNETES_SERVICE_HOST=10.96.0.1\0NOEQ\0=x\0B=a=b\0";
  const std::string raw(kRaw, sizeof kRaw - 1);
  auto env = parse_environ(raw);
  EXPECT_EQ(env.size(), 3u);
  EXPECT_EQ(env["KUBERNETES_SERVICE_HOST"], "10.96.0.1");
  EXPECT_EQ(env["B"], "a=b");
}

TEST(Environ, ReadsOwnProcess) {
  // /proc/self/environ is the environment at exec time, which ctest and shells always fill.
  auto env = read_environ(::getpid());
  ASSERT_TRUE(env.has_value()) << env.error().message();
  EXPECT_FALSE(env->empty());
}

}  // namespace
}  // namespace netdoctor::netns
