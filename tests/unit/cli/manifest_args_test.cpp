// The DaemonSet's command line, read from images/k8s/daemonset.yaml with yaml-cpp, is one that
// this netdoctor accepts: the kubelet substitutes $(HOST_IP) (an IPv4 or an IPv6 node
// address), and the result parses, listens on that address and the port the probes ask,
// guards /report.json, and the probes ask /healthz. tests/deploy checks the manifests' shape;
// this checks them against the binary's own parser.
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "cli/app.h"
#include "cli/http_listen.h"

namespace netdoctor::cli {
namespace {

const std::string kDaemonSet = std::string(ND_SOURCE_DIR) + "/images/k8s/daemonset.yaml";

YAML::Node monitor_container() {
  const YAML::Node doc = YAML::LoadFile(kDaemonSet);
  return doc["spec"]["template"]["spec"]["containers"][0];
}

// The args as the kubelet passes them: $(VAR) replaced by the value of env VAR.
std::vector<std::string> expanded_args(const YAML::Node& container, const std::string& host_ip) {
  std::vector<std::string> args = {"netdoctor"};
  for (const auto& a : container["args"]) {
    args.push_back(
        std::regex_replace(a.as<std::string>(), std::regex(R"(\$\(HOST_IP\))"), host_ip));
  }
  return args;
}

TEST(ManifestArgs, TheMonitorsCommandLineParsesForEitherFamily) {
  const YAML::Node c = monitor_container();
  ASSERT_TRUE(c["env"]);
  bool host_ip = false;
  for (const auto& e : c["env"]) {
    if (e["name"].as<std::string>() == "HOST_IP") {
      host_ip = e["valueFrom"]["fieldRef"]["fieldPath"].as<std::string>() == "status.hostIP";
    }
  }
  EXPECT_TRUE(host_ip) << "HOST_IP comes from status.hostIP";
  for (const std::string ip : {"10.0.0.7", "fd00::7"}) {
    const auto args = expanded_args(c, ip);
    std::vector<const char*> argv;
    for (const auto& a : args) argv.push_back(a.c_str());
    CommandLine line;
    std::ostringstream out;
    std::ostringstream err;
    ASSERT_FALSE(parse_command_line(static_cast<int>(argv.size()), argv.data(), line, out, err))
        << err.str();
    EXPECT_EQ(line.command, "serve");
    auto listen = parse_listen(line.serve.listen);
    ASSERT_TRUE(listen) << listen.error().message();
    EXPECT_EQ(listen->host, ip);
    EXPECT_EQ(listen->port, c["ports"][0]["containerPort"].as<int>());
    EXPECT_TRUE(line.serve.report_auth == "kube" || !line.serve.report_token_file.empty())
        << "/report.json guarded";
    EXPECT_FALSE(line.serve.no_report);
    for (const char* probe : {"livenessProbe", "readinessProbe"}) {
      EXPECT_EQ(c[probe]["httpGet"]["path"].as<std::string>(), "/healthz") << probe;
      EXPECT_EQ(c[probe]["httpGet"]["port"].as<int>(), listen->port) << probe;
    }
  }
}

}  // namespace
}  // namespace netdoctor::cli
