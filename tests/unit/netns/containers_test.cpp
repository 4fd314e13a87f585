#include "netns/containers.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace netdoctor::netns {
namespace {
namespace fs = std::filesystem;
using namespace std::string_literals;

const std::string kToken = "/run/secrets/kubernetes.io/serviceaccount/token";
const std::string kId(64, 'a');

// A fake /proc holding one pod shaped as on a real node: the sandbox (pid 100, "pause", bare
// environment, no pod files), a sidecar (pid 150: resolv.conf, no service account, its own
// variables), the app container (pids 200 and 201 share its mounts: resolv.conf, token,
// KUBERNETES_*).
class FakePod : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("nd-containers-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    options_.proc_dir = (dir_ / "proc").string();
    options_.containerd_dir = (dir_ / "containerd").string();
    options_.crio_dir = (dir_ / "crio").string();
    process(100, "pause", "mnt:[1]", "PATH=/bin\0"s);
    process(150, "logger", "mnt:[3]", "PATH=/bin\0HOSTNAME=web-1\0HTTP_PROXY=p\0"s);
    file(150, "/etc/resolv.conf", "nameserver 10.96.0.10 # sidecar\n");
    const std::string app_env =
        "PATH=/usr/bin\0HOSTNAME=web-1\0KUBERNETES_SERVICE_HOST=10.96.0.1\0"s;
    process(200, "nginx", "mnt:[2]", app_env);
    process(201, "nginx", "mnt:[2]", app_env);
    file(200, "/etc/resolv.conf", "nameserver 10.96.0.10 # app\n");
    file(200, kToken, "app-token");
  }
  void TearDown() override { fs::remove_all(dir_); }

  fs::path pid_dir(pid_t pid) const { return dir_ / "proc" / std::to_string(pid); }
  void process(pid_t pid, const std::string& comm, const std::string& mnt, const std::string& env) {
    fs::create_directories(pid_dir(pid) / "ns");
    fs::create_directories(pid_dir(pid) / "root");
    std::ofstream(pid_dir(pid) / "comm") << comm << "\n";
    std::ofstream(pid_dir(pid) / "environ", std::ios::binary) << env;
    fs::create_symlink(mnt, pid_dir(pid) / "ns/mnt");
  }
  void file(pid_t pid, const std::string& path, const std::string& text) {
    const fs::path p = pid_dir(pid) / "root" / path.substr(1);
    fs::create_directories(p.parent_path());
    std::ofstream(p) << text;
  }
  fs::path dir_;
  ContainerOptions options_;
};

TEST_F(FakePod, GroupsProcessesByMountNamespaceAndFindsThePauseSandbox) {
  const auto c = pod_containers({201, 200, 150, 100}, options_);
  ASSERT_EQ(c.size(), 3U);
  EXPECT_EQ(c[0].pid, 100);
  EXPECT_TRUE(c[0].sandbox);
  EXPECT_EQ(c[1].pid, 150);
  EXPECT_FALSE(c[1].sandbox);
  EXPECT_EQ(c[2].pid, 200);  // 201 shares its mounts
  EXPECT_EQ(c[2].comm, "nginx");
  EXPECT_EQ(c[2].describe(), "pid 200 (nginx)");
}

TEST_F(FakePod, VanishedProcessesAreLeftOut) {
  const auto c = pod_containers({100, 999}, options_);
  ASSERT_EQ(c.size(), 1U);
  EXPECT_EQ(c[0].pid, 100);
}

TEST_F(FakePod, TheTokenComesFromTheContainerThatMountsIt) {
  const auto reader = pod_reader({100, 150, 200, 201}, 0, options_);
  auto token = reader.read(kToken);
  ASSERT_TRUE(token.has_value()) << token.error().message();
  EXPECT_EQ(token->content, "app-token");
  EXPECT_EQ(token->from.pid, 200);
}

TEST_F(FakePod, ResolvConfComesFromAnAppContainerNeverTheSandbox) {
  const auto reader = pod_reader({100, 150, 200}, 0, options_);
  EXPECT_EQ(reader.order().back().pid, 100);  // the sandbox is tried last
  auto conf = reader.read_head("/etc/resolv.conf", 4096);
  ASSERT_TRUE(conf.has_value());
  EXPECT_EQ(conf->from.pid, 150);  // the first app container by pid
  EXPECT_FALSE(conf->truncated);
}

TEST_F(FakePod, ThePreferredProcessIsReadFirst) {
  // --from pid:200, or the `kubectl debug --target` container.
  const auto reader = pod_reader({100, 150, 200}, 200, options_);
  auto conf = reader.read("/etc/resolv.conf");
  ASSERT_TRUE(conf.has_value());
  EXPECT_EQ(conf->content, "nameserver 10.96.0.10 # app\n");
}

TEST_F(FakePod, EnvironmentIsEveryContainersMerged) {
  std::map<std::string, PodContainer> origin;
  const auto env = pod_reader({100, 150, 200}, 0, options_).environ(&origin);
  EXPECT_EQ(env.at("KUBERNETES_SERVICE_HOST"), "10.96.0.1");
  EXPECT_EQ(origin.at("KUBERNETES_SERVICE_HOST").pid, 200);
  EXPECT_EQ(env.at("HTTP_PROXY"), "p");
  EXPECT_EQ(origin.at("HTTP_PROXY").pid, 150);
  EXPECT_EQ(env.at("PATH"), "/bin");  // the first app container by pid sets it first
}

TEST_F(FakePod, OnlyTheSandboxHasNoToken) {
  const auto reader = pod_reader({100}, 0, options_);
  auto token = reader.read(kToken);
  ASSERT_FALSE(token.has_value());
  EXPECT_EQ(token.error().code, ErrorCode::kNotFound);
}

TEST_F(FakePod, NoProcessIsAnErrorNotACrash) {
  const PodReader reader({});
  EXPECT_TRUE(reader.empty());
  EXPECT_FALSE(reader.read(kToken).has_value());
  EXPECT_TRUE(reader.environ().empty());
}

TEST_F(FakePod, TheRuntimesConfigNamesContainersAndTheSandbox) {
  // containerd (systemd cgroup driver): the sandbox is not called pause here, the config says.
  std::ofstream(pid_dir(100) / "comm") << "sleep\n";
  std::ofstream(pid_dir(100) / "cgroup")
      << "0::/kubepods.slice/kubepods-pod1.slice/cri-containerd-" << kId << ".scope\n";
  fs::create_directories(dir_ / "containerd" / kId);
  std::ofstream(dir_ / "containerd" / kId / "config.json")
      << R"({"annotations": {"io.kubernetes.cri.container-type": "sandbox"}})";
  // CRI-O, cgroupfs layout.
  const std::string id2(64, 'b');
  std::ofstream(pid_dir(200) / "cgroup") << "12:memory:/kubepods/besteffort/pod1/" << id2 << "\n";
  fs::create_directories(dir_ / "crio" / id2 / "userdata");
  std::ofstream(dir_ / "crio" / id2 / "userdata" / "config.json")
      << R"({"annotations": {"io.kubernetes.cri-o.ContainerType": "container",
                              "io.kubernetes.container.name": "web"}})";
  const auto c = pod_containers({100, 150, 200}, options_);
  ASSERT_EQ(c.size(), 3U);
  EXPECT_TRUE(c[0].sandbox);
  EXPECT_EQ(c[2].name, "web");
  EXPECT_EQ(c[2].describe(), "container web (pid 200)");
}

TEST(ContainerId, FromCgroupLayouts) {
  const std::string id(64, 'c');
  EXPECT_EQ(container_id_from_cgroup("0::/kubepods.slice/x/cri-containerd-" + id + ".scope\n"), id);
  EXPECT_EQ(container_id_from_cgroup("0::/system.slice/crio-" + id + ".scope"), id);
  EXPECT_EQ(container_id_from_cgroup("1:name=systemd:/kubepods/burstable/pod9/" + id + "\n"), id);
  EXPECT_EQ(container_id_from_cgroup("0::/user.slice/session-2.scope\n"), "");
  EXPECT_EQ(container_id_from_cgroup(""), "");
  EXPECT_EQ(container_id_from_cgroup("garbage without slash"), "");
}

TEST(PodReaderOnThisProcess, ReadsItsOwnFiles) {
  const auto reader = pod_reader({::getpid()});
  ASSERT_FALSE(reader.empty());
  EXPECT_FALSE(reader.environ().empty());
}

}  // namespace
}  // namespace netdoctor::netns
