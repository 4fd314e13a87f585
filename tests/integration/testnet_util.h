// A small namespace-built setup for integration tests: one "node" namespace with a bridge and
// N "pods", each a namespace wired to the bridge with a veth, as the CNI bridge plugin would.
// Names carry the test process's pid, so parallel runs cannot collide; the destructor removes
// everything, also when the test failed.
#pragma once

#include <string>
#include <vector>

namespace netdoctor::testing {

// Whether the test can build namespaces (root with CAP_SYS_ADMIN and CAP_NET_ADMIN).
bool can_build_namespaces();

// Runs a shell command; returns its exit status. Output goes to the test log.
int sh(const std::string& command);

// Runs a shell command and returns its standard output; `status` receives the exit status.
std::string sh_output(const std::string& command, int* status = nullptr);

struct TestPod {
  std::string netns;      // name under /var/run/netns
  std::string ip;         // 10.250.0.(10+i)
  std::string host_veth;  // the node-side veth name
};

class TestNet {
 public:
  explicit TestNet(int pods = 2);
  ~TestNet();
  TestNet(const TestNet&) = delete;
  TestNet& operator=(const TestNet&) = delete;

  [[nodiscard]] const std::string& node() const { return node_; }
  [[nodiscard]] const std::vector<TestPod>& pods() const { return pods_; }
  [[nodiscard]] bool ok() const { return ok_; }

  // Runs the netdoctor binary inside the node namespace.
  std::string netdoctor(const std::string& args, int* status = nullptr) const;

 private:
  std::string prefix_;
  std::string node_;
  std::vector<TestPod> pods_;
  bool ok_ = false;
};

}  // namespace netdoctor::testing
