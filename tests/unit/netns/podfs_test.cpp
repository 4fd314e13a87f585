#include "netns/podfs.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>

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

// A FIFO in the pod's root: refused without waiting for a writer (the old open for reading with
// O_NONBLOCK read it as an empty file; without O_NONBLOCK it would hang the prober).
TEST_F(PodRoot, FifoIsNotARegularFile) {
  ASSERT_EQ(::mkfifo((root_ / "etc/fifo").c_str(), 0600), 0);
  fs::create_symlink("/etc/fifo", root_ / "etc/resolv-fifo");
  for (const char* path : {"/etc/fifo", "/etc/resolv-fifo"}) {
    auto reading = std::async(std::launch::async, [&] {
      bool truncated = false;
      return read_file_head_in_root(root_.string(), path, 4096, truncated);
    });
    if (reading.wait_for(std::chrono::seconds(5)) != std::future_status::ready) {
      // Let the stuck reader go (a writer's open and close give it EOF), then fail.
      const int w = ::open((root_ / "etc/fifo").c_str(), O_WRONLY | O_NONBLOCK);
      if (w >= 0) ::close(w);
      FAIL() << path << ": reading a FIFO waited for a writer";
    }
    auto text = reading.get();
    ASSERT_FALSE(text.has_value()) << path << " read as \"" << *text << "\"";
    EXPECT_EQ(text.error().code, ErrorCode::kInvalidInput);
    EXPECT_NE(text.error().message().find("is not a regular file (a FIFO)"), std::string::npos)
        << text.error().message();
  }
}

TEST_F(PodRoot, DirectoryIsNotARegularFile) {
  fs::create_directories(root_ / "etc/resolv.d");
  auto text = read_file_in_root(root_.string(), "/etc/resolv.d");
  ASSERT_FALSE(text.has_value());
  EXPECT_NE(text.error().message().find("is not a regular file (a directory)"), std::string::npos)
      << text.error().message();
}

// A link to /proc/self/... inside the pod resolves inside the pod's root, never to the prober's
// /proc (here the test root has no /proc: not found).
TEST_F(PodRoot, LinkToProcStaysInsideTheRoot) {
  fs::create_symlink("/proc/self/environ", root_ / "etc/token");
  fs::create_symlink("../../proc/self/status", root_ / "etc/token2");
  for (const char* path : {"/etc/token", "/etc/token2"}) {
    auto text = read_file_in_root(root_.string(), path);
    ASSERT_FALSE(text.has_value()) << path;
    EXPECT_EQ(text.error().code, ErrorCode::kNotFound) << text.error().message();
  }
}

// The kubelet's service-account layout: token → ..data/token → ..2026_x/token (relative links).
TEST_F(PodRoot, ServiceAccountLinksAreFollowed) {
  const fs::path sa = root_ / "var/run/secrets/kubernetes.io/serviceaccount";
  fs::create_directories(sa / "..2026_01_01");
  std::ofstream(sa / "..2026_01_01/token") << "jwt";
  fs::create_directory_symlink("..2026_01_01", sa / "..data");
  fs::create_symlink("..data/token", sa / "token");
  auto text =
      read_file_in_root(root_.string(), "/var/run/secrets/kubernetes.io/serviceaccount/token");
  ASSERT_TRUE(text.has_value()) << text.error().message();
  EXPECT_EQ(*text, "jwt");
}

// Where the root itself holds procfs (a pod's /proc is mounted; here the prober's own), its files
// look regular but are the kernel's: refused for a pod, allowed for the prober's own reads.
TEST(PodFiles, ProcfsFilesAreNotPodFiles) {
  for (const char* path : {"/proc/self/status", "/proc/version", "/proc/self/environ"}) {
    auto text = read_file_in_root("/", path);
    ASSERT_FALSE(text.has_value()) << path;
    EXPECT_NE(text.error().message().find("is not a regular file (a kernel interface"),
              std::string::npos)
        << text.error().message();
  }
  auto comm = read_file_in_root("/proc/self", "/comm", 64, FileOrigin::kHost);
  ASSERT_TRUE(comm.has_value()) << comm.error().message();
  EXPECT_FALSE(comm->empty());
}

TEST(PodFiles, DeviceIsNotARegularFile) {
  auto text = read_pod_file(::getpid(), "/dev/null");
  ASSERT_FALSE(text.has_value());
  EXPECT_NE(text.error().message().find("is not a regular file (a character device)"),
            std::string::npos)
      << text.error().message();
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
