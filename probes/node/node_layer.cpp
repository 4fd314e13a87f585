#include "probes/node/node_layer.h"
#include "probes/net/routes.h"
#include "probes/node/forward.h"
#include "probes/node/masquerade_check.h"

#include <fstream>

namespace netdoctor::probes {
namespace {

using report::Check;
using report::Status;

std::optional<std::string> read_sysctl(const std::string& path) {
  std::ifstream in(path);
  std::string value;
  if (!in || !std::getline(in, value)) return std::nullopt;
  return value;
}

Check check_ip_forward(const NodeFacts& f) {
  Check c;
  c.id = "node.ip-forward";
  if (!f.ip_forward) {
    c.status = Status::kSkip;
    c.summary = "net.ipv4.ip_forward could not be read";
    return c;
  }
  c.evidence.push_back("net.ipv4.ip_forward = " + *f.ip_forward);
  if (*f.ip_forward == "1") {
    c.summary = "the node forwards IPv4";
    return c;
  }
  c.status = Status::kFail;
  c.code = "ip-forward-disabled";
  c.summary = "the node does not forward IPv4: pod traffic cannot leave the node";
  return c;
}

Check check_bridge_nf(const NodeFacts& f) {
  Check c;
  c.id = "node.bridge-nf";
  if (f.bridges.empty()) {
    c.status = Status::kSkip;
    c.summary = "no bridge on this node: bridged traffic does not apply";
    return c;
  }
  const std::string bridges = [&] {
    std::string s;
    for (const auto& b : f.bridges) s += (s.empty() ? "" : ", ") + b;
    return s;
  }();
  if (!f.bridge_nf_call_iptables) {
    c.status = Status::kFail;
    c.code = "bridge-nf-disabled";
    c.summary = "br_netfilter is not loaded: traffic bridged on " + bridges + " skips iptables";
    c.evidence.push_back("/proc/sys/net/bridge/bridge-nf-call-iptables does not exist");
    return c;
  }
  c.evidence.push_back("net.bridge.bridge-nf-call-iptables = " + *f.bridge_nf_call_iptables);
  if (*f.bridge_nf_call_iptables == "1") {
    c.summary = "traffic bridged on " + bridges + " passes iptables";
    return c;
  }
  c.status = Status::kFail;
  c.code = "bridge-nf-disabled";
  c.summary = "traffic bridged on " + bridges +
              " skips iptables: Service replies from a same-node endpoint are not un-NATed";
  return c;
}

}  // namespace

NodeFacts collect_node_facts(const netns::LinkSnapshot& node_links, const std::string& proc_sys) {
  NodeFacts f;
  f.ip_forward = read_sysctl(proc_sys + "/net/ipv4/ip_forward");
  f.bridge_nf_call_iptables = read_sysctl(proc_sys + "/net/bridge/bridge-nf-call-iptables");
  for (const auto& itf : node_links.interfaces) {
    if (itf.kind == "bridge") f.bridges.push_back(itf.name);
  }
  return f;
}

std::vector<Check> evaluate_node_layer(const NodeFacts& facts) {
  return {check_ip_forward(facts), check_bridge_nf(facts)};
}

namespace {

// Representative pod flows the node forwards: between two of its pods over the bridge, and
// from one of them to a pod of another node.
std::vector<ForwardFlow> pod_flows(const Scene& s) {
  std::vector<ForwardFlow> flows;
  const auto& pods = s.local_pods;
  if (pods.empty() || pods[0].ip.empty()) return flows;
  const std::string bridge = s.links_of(pods[0].netns).host_bridge;
  if (pods.size() > 1 && !pods[1].ip.empty()) {
    flows.push_back({pods[0].ip, pods[1].ip, bridge, bridge});
  }
  if (!s.remote_targets.empty()) {
    const auto route = lookup_route(s.discovery.self_links, s.remote_targets[0].ip);
    flows.push_back({pods[0].ip, s.remote_targets[0].ip, bridge, route ? route->dev : ""});
  }
  return flows;
}

class NodeRun final : public LayerRun {
 public:
  NodeRun(const Scene& scene, const DiagnoseOptions& options) : s_(scene), o_(options) {}
  bool per_source() const override { return false; }
  Checks node() override {
    if (!s_.on_node()) {
      return {skip_check(report::Layer::kNode,
                         "running inside a pod: the node's settings are not visible (run "
                         "netdoctor on the node or in the privileged debug pod)")};
    }
    const auto start = std::chrono::steady_clock::now();
    // The prober runs in the node's namespace: /proc/sys/net of any of its threads is the node's.
    Checks out = evaluate_node_layer(collect_node_facts(s_.discovery.self_links));
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                        std::chrono::steady_clock::now() - start)
                        .count();
    for (auto& c : out) c.duration_ms = ms;
    if (!s_.rules) {
      out.push_back(skip_check(report::Layer::kNode,
                               "the node's iptables rules could not be read" +
                                   (s_.rules_error.empty() ? "" : ": " + s_.rules_error)));
    } else {
      out.push_back(check_forward_policy(s_.rules->ruleset, pod_flows(s_)));
      out.push_back(check_masquerade(s_, masquerade_flows(s_, o_)));
    }
    return out;
  }

 private:
  const Scene& s_;
  const DiagnoseOptions o_;
};

}  // namespace

std::unique_ptr<LayerRun> start_node_layer(const Scene& scene, const DiagnoseOptions& options) {
  return std::make_unique<NodeRun>(scene, options);
}

}  // namespace netdoctor::probes
