#include "probes/cross_node/cross_node_layer.h"
#include <algorithm>
#include <mutex>

#include <arpa/inet.h>

#include <future>

#include "netns/runner.h"
#include "probes/net/routes.h"

namespace netdoctor::probes {
namespace {

using report::Check;
using report::Status;
using Clock = std::chrono::steady_clock;

std::string echo_line(const std::string& what, const EchoResult& e) {
  return what + ": " + to_string(e.outcome) + (e.detail.empty() ? "" : " (" + e.detail + ")");
}

const netns::Neighbour* find_neighbour(const NodeView& n, const std::string& ip, int ifindex) {
  for (const auto& nb : n.neighbours) {
    if (nb.ip == ip && nb.ifindex == ifindex) return &nb;
  }
  return nullptr;
}

const netns::FdbEntry* find_fdb(const NodeView& n, const std::string& mac, int ifindex) {
  for (const auto& e : n.fdb) {
    if (e.mac == mac && e.ifindex == ifindex && !e.dst.empty()) return &e;
  }
  return nullptr;
}

// The overlay's forwarding state for a route through a VXLAN device: the gateway's neighbour
// (the remote VTEP's MAC) and that MAC's FDB entry (the remote node's underlay address).
bool explain_overlay(const NodeView& n, const netns::Route& route, const netns::Interface& dev,
                     const RemoteTarget& t, Check& c) {
  const auto* nb = find_neighbour(n, route.gateway, dev.index);
  if (nb == nullptr || nb->mac.empty() || nb->state.find("FAILED") != std::string::npos) {
    c.code = "overlay-fdb-missing";
    c.summary = "no neighbour entry for the remote VTEP " + route.gateway + " on " + dev.name;
    c.evidence.push_back("ip neigh show " + route.gateway + " dev " + dev.name + ": " +
                         (nb ? nb->state : std::string("no entry")));
    return true;
  }
  c.evidence.push_back("neighbour " + route.gateway + " lladdr " + nb->mac + " " + nb->state);
  const auto* fdb = find_fdb(n, nb->mac, dev.index);
  const std::string want = t.node_ip.empty() ? "the remote node" : t.node_ip;
  if (fdb == nullptr) {
    c.code = "overlay-fdb-missing";
    c.summary = dev.name + " has no FDB entry for VTEP " + nb->mac + " (expected dst " + want + ")";
    c.evidence.push_back("bridge fdb show dev " + dev.name + ": no entry for " + nb->mac);
    return true;
  }
  c.evidence.push_back("fdb " + fdb->mac + " dev " + dev.name + " dst " + fdb->dst);
  if (!t.node_ip.empty() && fdb->dst != t.node_ip) {
    c.code = "overlay-fdb-missing";
    c.summary = dev.name + "'s FDB entry for " + nb->mac + " points at " + fdb->dst + ", not at " +
                t.node_ip;
    return true;
  }
  return false;
}

void explain_failure(const CrossProbe& p, const NodeView* n, Check& c) {
  const RemoteTarget& t = p.target;
  if (n == nullptr) {
    c.code = "remote-pod-unreachable";
    c.summary = t.display + " on another node does not answer (node-side checks not visible here)";
    return;
  }
  const auto route = lookup_route(n->links, t.ip);
  if (!route || route->dst == "default") {
    c.code = "route-missing";
    c.summary = "the node has no route to " + (t.pod_cidr.empty() ? t.ip : t.pod_cidr) +
                (t.node.empty() ? "" : " (pods of " + t.node + ")");
    c.evidence.push_back("ip route get " + t.ip + ": " +
                         (route ? describe_route(*route) : std::string("unreachable")));
    return;
  }
  c.evidence.push_back("ip route get " + t.ip + ": " + describe_route(*route));
  const netns::Interface* dev = n->links.find(route->oif);
  if (dev && dev->kind == "vxlan" && explain_overlay(*n, *route, *dev, t, c)) return;
  c.code = "underlay-blocked";
  if (p.node_ping && p.node_ping->outcome == EchoOutcome::kReply) {
    c.summary = "node " + (t.node.empty() ? t.node_ip : t.node) +
                " answers on the underlay, but pod traffic to it does not arrive";
  } else if (p.node_ping) {
    c.summary =
        "node " + (t.node.empty() ? t.node_ip : t.node) + " does not answer on the underlay either";
  } else {
    c.code = "remote-pod-unreachable";
    c.summary = t.display + " does not answer; route and overlay look right";
    return;
  }
  c.evidence.push_back(echo_line("ICMP echo node -> " + t.node_ip, *p.node_ping));
}

Check evaluate_one(const std::string& source, const CrossProbe& p, const NodeView* n) {
  Check c;
  c.id = "cross-node.ping:" + p.target.display;
  c.source = source;
  c.duration_ms = p.duration_ms;
  const std::string flow =
      "ICMP echo " + source + " -> " + p.target.display + " (" + p.target.ip + ")";
  if (!p.small) {
    c.status = Status::kSkip;
    c.summary = "probe not run: " + p.error;
    return c;
  }
  if (p.small->outcome == EchoOutcome::kReply) {
    c.summary = "reply from " + p.target.ip + " in " + format_ms(p.small->rtt);
    const bool flaky = p.small->recovered() || (p.full && p.full->recovered());
    if (flaky) {
      // Answered, but only when asked again: a lost echo, counted, never a failure.
      c.status = Status::kWarn;
      c.code = "intermittent";
      c.summary = p.target.display + " answered only the confirming echo" +
                  std::string(p.small->recovered() ? "" : " of full size") + " (1 of 2 lost)";
      c.evidence.push_back(flow + ": the first echo: " +
                           (p.small->recovered() ? p.small->first_attempt : p.full->first_attempt));
    }
    if (!p.full) return c;
    const std::string full = std::to_string(p.full_size) + "-byte echo with DF";
    if (p.full->outcome == EchoOutcome::kReply) {
      if (!flaky) c.summary += "; " + full + " passes";
    } else if (p.full->outcome == EchoOutcome::kTooBig) {
      c.summary += "; path MTU below the pod's (" + p.full->detail + "), reported by ICMP";
    } else {
      c.status = Status::kFail;
      c.code = "mtu-blackhole";
      c.summary = "small packets to " + p.target.display + " pass, " + full +
                  " vanish without an ICMP error";
      c.evidence.push_back(flow + " (84 bytes): reply in " + format_ms(p.small->rtt));
      c.evidence.push_back(echo_line(flow + " (" + full + ")", *p.full));
    }
    return c;
  }
  c.status = Status::kFail;
  c.evidence.push_back(echo_line(flow, *p.small));
  explain_failure(p, n, c);
  return c;
}

// What a cross-node check concerns: the remote pod, its node and, when the finding breaks the
// path to that node (route, overlay, underlay, MTU), every address of the node's pod network.
std::vector<std::string> subjects_of(const RemoteTarget& t, const Check& c) {
  std::vector<std::string> out{t.ip};
  if (t.display.find('/') != std::string::npos && t.display.find(' ') == std::string::npos) {
    out.push_back(t.display);
  }
  if (!t.node.empty()) out.push_back("node:" + t.node);
  const bool path =
      c.code == report::Code("route-missing") || c.code == report::Code("overlay-fdb-missing") ||
      c.code == report::Code("underlay-blocked") || c.code == report::Code("mtu-blackhole");
  if (path && !t.pod_cidr.empty()) out.push_back(t.pod_cidr);
  return out;
}

}  // namespace

std::vector<Check> evaluate_cross_node(const std::string& source,
                                       const std::vector<CrossProbe>& probes, const NodeView* n) {
  std::vector<Check> out;
  for (const auto& p : probes) out.push_back(evaluate_one(source, p, n));
  // A pod that does not answer while another pod of the same node does: the route, the overlay
  // and the underlay carry traffic to that node, so the fault is the pod's (or the inventory
  // names a pod that is gone), not the path's.
  for (std::size_t i = 0; i < probes.size(); ++i) {
    const CrossProbe& p = probes[i];
    if (!p.small || p.small->outcome == EchoOutcome::kReply || p.target.node.empty()) continue;
    for (const auto& other : probes) {
      if (&other == &p || other.target.node != p.target.node || !other.small ||
          other.small->outcome != EchoOutcome::kReply) {
        continue;
      }
      Check& c = out[i];
      c.code = "remote-pod-unreachable";
      c.summary = p.target.display + " does not answer, while " + other.target.display +
                  " on the same node " + p.target.node +
                  " does: the path to that node works; the pod itself is down or gone";
      c.evidence.resize(1);  // the failed echo; the path's facts are not the explanation
      c.evidence.push_back("ICMP echo " + source + " -> " + other.target.display + " (" +
                           other.target.ip + "): reply in " + format_ms(other.small->rtt));
      break;
    }
  }
  for (std::size_t i = 0; i < probes.size(); ++i)
    out[i].subjects = subjects_of(probes[i].target, out[i]);
  return out;
}

Result<NodeView> read_node_view() {
  // The prober lives in the node's namespace: a plain new thread reads it, no setns needed.
  return std::async(std::launch::async,
                    []() -> Result<NodeView> {
                      NodeView v;
                      auto links = netns::read_links();
                      if (!links) return tl::unexpected(links.error());
                      v.links = std::move(*links);
                      if (auto nb = netns::read_neighbours()) v.neighbours = std::move(*nb);
                      if (auto fdb = netns::read_fdb()) v.fdb = std::move(*fdb);
                      return v;
                    })
      .get();
}

namespace {

// --to addresses that are not pods of this node (those are probed by same-node anyway).
std::vector<RemoteTarget> with_to_targets(const Scene& s, const std::vector<std::string>& to) {
  std::vector<RemoteTarget> targets = s.remote_targets;
  for (const auto& ip : to) {
    const bool is_local = std::any_of(s.local_pods.begin(), s.local_pods.end(),
                                      [&](const SourcePod& p) { return p.ip == ip; });
    const bool known = std::any_of(targets.begin(), targets.end(),
                                   [&](const RemoteTarget& t) { return t.ip == ip; });
    if (is_local || known) continue;
    RemoteTarget t{"to:" + ip, ip, "", "", ""};
    if (const auto* inv = s.inv()) {
      if (const auto* pod = inv->find_pod_by_ip(ip)) {
        t.display = pod->display_name();
        t.node = pod->node;
        if (const auto* node = inv->find_node(pod->node)) {
          t.node_ip = node->internal_ips.empty() ? "" : node->internal_ips.front();
          t.pod_cidr = node->pod_cidrs.empty() ? "" : node->pod_cidrs.front();
        }
      }
    }
    targets.push_back(t);
  }
  return targets;
}

// The node's underlay pings start with the layer and run alongside the pods' probes: a failure
// costs one timeout. The node's view (routes, neighbours, FDB) is read once, after the first
// source's probes, so that the neighbour entries they resolved are in it.
class CrossNodeRun final : public LayerRun {
 public:
  CrossNodeRun(const Scene& scene, const DiagnoseOptions& options)
      : s_(scene), targets_(with_to_targets(scene, options.to)) {
    o_.timeout = options.timeout;
    if (s_.on_node() && !targets_.empty()) {
      pings_ = std::async(std::launch::async, [targets = targets_, o = o_] {
                 return ping_remote_nodes(targets, o);
               }).share();
    }
  }
  ~CrossNodeRun() override {
    if (pings_.valid()) pings_.wait();
  }
  bool per_source() const override { return !targets_.empty(); }
  Checks node() override {
    if (!targets_.empty()) return {};
    return {skip_check(report::Layer::kCrossNode,
                       "no pod on another node is known (give --inventory, or the node has no "
                       "routes to other pod networks)")};
  }
  Checks source(const SourcePod& src) override {
    auto probes = probe_remote_pods(src, targets_, o_);
    const NodeView* view = nullptr;
    if (s_.on_node()) {
      std::call_once(view_read_, [this] {
        if (auto v = read_node_view()) view_ = std::move(*v);
      });
      view = view_ ? &*view_ : nullptr;
      const auto& pings = pings_.get();
      for (auto& p : probes) {
        if (auto it = pings.find(p.target.node_ip); it != pings.end()) p.node_ping = it->second;
      }
    }
    return evaluate_cross_node(src.display, probes, view);
  }

 private:
  const Scene& s_;
  const std::vector<RemoteTarget> targets_;
  CrossNodeOptions o_;
  std::shared_future<std::map<std::string, EchoResult>> pings_;
  std::once_flag view_read_;
  std::optional<NodeView> view_;
};

}  // namespace

std::unique_ptr<LayerRun> start_cross_node_layer(const Scene& scene,
                                                 const DiagnoseOptions& options) {
  return std::make_unique<CrossNodeRun>(scene, options);
}

}  // namespace netdoctor::probes
