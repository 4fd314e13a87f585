#include "probes/node/node_layer.h"

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

}  // namespace netdoctor::probes
