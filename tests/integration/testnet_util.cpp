#include "testnet_util.h"

#include <unistd.h>

#include <array>
#include <cstdio>
#include <iostream>
#include <memory>

#include "core/capabilities.h"

namespace netdoctor::testing {

bool can_build_namespaces() {
  return ::geteuid() == 0 && has_capability(Capability::kSysAdmin) &&
         has_capability(Capability::kNetAdmin);
}

int sh(const std::string& command) {
  const int rc = std::system(command.c_str());
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : 128;
}

std::string sh_output(const std::string& command, int* status) {
  std::string out;
  FILE* p = ::popen(command.c_str(), "r");
  if (p == nullptr) {
    if (status) *status = 127;
    return out;
  }
  std::array<char, 4096> buf{};
  size_t n = 0;
  while ((n = std::fread(buf.data(), 1, buf.size(), p)) > 0) out.append(buf.data(), n);
  const int rc = ::pclose(p);
  if (status) *status = WIFEXITED(rc) ? WEXITSTATUS(rc) : 128;
  return out;
}

TestNet::TestNet(int pods) : prefix_("ndit" + std::to_string(::getpid())) {
  node_ = prefix_ + "-node";
  std::string script =
      "set -e; ip netns add " + node_ + "; ip -n " + node_ + " link set lo up; ip -n " + node_ +
      " link add cni0 type bridge; ip -n " + node_ + " addr add 10.250.0.1/24 dev cni0; ip -n " +
      node_ + " link set cni0 up; ip netns exec " + node_ + " sysctl -qw net.ipv4.ip_forward=1;";
  for (int i = 0; i < pods; ++i) {
    TestPod p;
    p.netns = prefix_ + "-pod" + std::to_string(i);
    p.ip = "10.250.0." + std::to_string(10 + i);
    p.host_veth = "vethit" + std::to_string(i);
    script += "ip netns add " + p.netns + "; ip -n " + p.netns + " link set lo up;" + "ip -n " +
              node_ + " link add " + p.host_veth + " type veth peer name eth0 netns " + p.netns +
              ";" + "ip -n " + node_ + " link set " + p.host_veth + " master cni0 up;" + "ip -n " +
              p.netns + " addr add " + p.ip + "/24 dev eth0; ip -n " + p.netns +
              " link set eth0 up;" + "ip -n " + p.netns + " route add default via 10.250.0.1;";
    pods_.push_back(p);
  }
  ok_ = sh(script) == 0;
}

TestNet::~TestNet() {
  for (const auto& p : pods_) sh("ip netns del " + p.netns + " 2>/dev/null");
  sh("ip netns del " + node_ + " 2>/dev/null");
}

std::string TestNet::netdoctor(const std::string& args, int* status) const {
  return sh_output("ip netns exec " + node_ + " " + ND_BINARY + " " + args, status);
}

}  // namespace netdoctor::testing
