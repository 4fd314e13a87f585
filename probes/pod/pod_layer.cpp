#include "probes/pod/pod_layer.h"

#include "probes/net/routes.h"

#include <cctype>

namespace netdoctor::probes {
namespace {

using report::Check;
using report::Status;

bool link_is_up(const netns::Interface& itf) {
  return itf.admin_up && itf.lower_up;
}

Check make(const std::string& id, const std::string& source) {
  Check c;
  c.id = id;
  c.source = source;
  return c;
}

Check check_link(const netns::Interface& itf, const std::string& source) {
  Check c = make("pod.link-up", source);
  c.evidence.push_back(describe(itf));
  if (link_is_up(itf)) {
    c.summary = itf.name + " is up";
    return c;
  }
  c.status = Status::kFail;
  c.code = "pod-link-down";
  c.summary = !itf.admin_up ? itf.name + " is administratively down in the pod"
                            : itf.name + " has no carrier (its veth peer on the node is down)";
  return c;
}

Check check_address(const netns::Interface& itf, const std::string& source) {
  Check c = make("pod.address", source);
  if (!itf.addrs.empty()) {
    const auto& a = itf.addrs.front();
    c.summary = itf.name + " has " + a.address + "/" + std::to_string(a.prefix);
    return c;
  }
  c.status = Status::kFail;
  c.code = "pod-no-address";
  c.summary = itf.name + " has no IPv4 address";
  c.evidence.push_back(describe(itf));
  return c;
}

Check check_default_route(const PodLinkFacts& facts, const std::string& source) {
  Check c = make("pod.default-route", source);
  if (const netns::Route* def = facts.pod.default_route()) {
    c.summary = "default route " + describe_route(*def);
    return c;
  }
  c.status = Status::kFail;
  c.code = "pod-no-default-route";
  c.summary = "the pod has no default route";
  for (const auto& r : facts.pod.routes) c.evidence.push_back("route: " + describe_route(r));
  if (facts.pod.routes.empty()) c.evidence.push_back("the main routing table is empty");
  return c;
}

Check check_peer(const PodLinkFacts& facts, const std::string& source) {
  Check c = make("pod.veth-peer-up", source);
  if (!facts.host_veth) {
    c.status = Status::kSkip;
    c.summary = "the veth peer is not in this namespace (pod mode, or a pod of another node)";
    return c;
  }
  const auto& peer = *facts.host_veth;
  c.evidence.push_back("node side: " + describe(peer) +
                       (facts.host_bridge.empty() ? "" : " master " + facts.host_bridge));
  if (peer.admin_up) {
    c.summary = "veth peer " + peer.name + " is up on the node";
    return c;
  }
  c.status = Status::kFail;
  c.code = "pod-link-down";
  c.summary = "veth peer " + peer.name + " is down on the node";
  return c;
}

}  // namespace

std::string describe(const netns::Interface& itf) {
  std::string flags;
  if (itf.admin_up) flags += "UP";
  if (itf.lower_up) flags += flags.empty() ? "LOWER_UP" : ",LOWER_UP";
  if (!itf.lower_up && itf.admin_up) flags += ",NO-CARRIER";
  std::string state = itf.operstate;
  for (auto& ch : state) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  return itf.name + ": <" + flags + "> mtu " + std::to_string(itf.mtu) + " state " + state;
}

std::vector<Check> evaluate_pod_layer(const PodLinkFacts& facts, const std::string& source) {
  std::vector<Check> checks;
  const netns::Interface* itf = pod_interface(facts);
  if (itf == nullptr) {
    Check c = make("pod.interface", source);
    c.status = Status::kFail;
    c.code = "pod-no-address";
    c.summary = "the pod has no network interface besides loopback";
    checks.push_back(c);
    return checks;
  }
  checks.push_back(check_link(*itf, source));
  checks.push_back(check_address(*itf, source));
  checks.push_back(check_default_route(facts, source));
  checks.push_back(check_peer(facts, source));
  return checks;
}

namespace {

// The links were read inside the pod's namespace during discovery, moments ago.
class PodRun final : public LayerRun {
 public:
  explicit PodRun(const Scene& scene) : s_(scene) {}
  bool probes() const override { return false; }
  Checks source(const SourcePod& src) override {
    return evaluate_pod_layer(s_.links_of(src.netns), src.display);
  }

 private:
  const Scene& s_;
};

}  // namespace

std::unique_ptr<LayerRun> start_pod_layer(const Scene& scene, const DiagnoseOptions& /*options*/) {
  return std::make_unique<PodRun>(scene);
}

}  // namespace netdoctor::probes
