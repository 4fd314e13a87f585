// The probing half of the cross-node layer: echoes from inside the source pod and from the node.
#include <future>

#include "netns/runner.h"
#include "probes/cross_node/cross_node_layer.h"
#include "probes/net/pod_links.h"

namespace netdoctor::probes {
namespace {

using Clock = std::chrono::steady_clock;

int pod_mtu(const SourcePod& src) {
  PodLinkFacts f;
  f.pod = src.netns.links;
  f.pod_interface = src.netns.pod_interface;
  const netns::Interface* itf = pod_interface(f);
  return itf ? static_cast<int>(itf->mtu) : 0;
}

// One target, from inside the source pod (a task of the run's pool in its namespace).
CrossProbe probe_one(const RemoteTarget& t, int mtu, std::chrono::milliseconds timeout) {
  const auto start = Clock::now();
  CrossProbe p;
  p.target = t;
  EchoOptions small;
  small.timeout = timeout;
  auto r = icmp_echo_confirmed(t.ip, small);
  if (!r) {
    p.error = r.error().message();
  } else {
    p.small = *r;
    if (r->outcome == EchoOutcome::kReply && mtu > 84) {
      EchoOptions full = small;
      full.packet_size = mtu;
      full.dont_fragment = true;
      p.full_size = mtu;
      // A lost full-size echo is no MTU blackhole until a second one is lost too.
      if (auto f = icmp_echo_confirmed(t.ip, full)) p.full = *f;
    }
  }
  p.duration_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
  return p;
}

}  // namespace

std::vector<CrossProbe> probe_remote_pods(const SourcePod& src,
                                          const std::vector<RemoteTarget>& targets,
                                          const CrossNodeOptions& o) {
  std::vector<CrossProbe> out;
  auto ns = netns::Netns::open_path(src.netns.path);
  if (!ns) {
    for (const auto& t : targets) {
      if (out.size() >= o.max_targets) break;
      CrossProbe p;
      p.target = t;
      p.error = ns.error().message();
      out.push_back(p);
    }
    return out;
  }
  const int mtu = pod_mtu(src);
  std::vector<std::future<Result<CrossProbe>>> running;
  for (const auto& t : targets) {
    if (running.size() >= o.max_targets) break;
    running.push_back(netns::start_in(
        o.pool, *ns, [t, mtu, timeout = o.timeout] { return probe_one(t, mtu, timeout); }));
  }
  for (std::size_t i = 0; i < running.size(); ++i) {
    auto r = running[i].get();
    if (r) {
      out.push_back(std::move(*r));
    } else {
      CrossProbe p;
      p.target = targets[i];
      p.error = r.error().message();
      out.push_back(std::move(p));
    }
  }
  return out;
}

NodePings start_node_pings(const std::vector<RemoteTarget>& targets, const CrossNodeOptions& o) {
  NodePings running;
  for (std::size_t i = 0; i < targets.size() && i < o.max_targets; ++i) {
    const RemoteTarget& t = targets[i];
    if (t.node_ip.empty() || running.count(t.node_ip)) continue;
    // In the prober's (the node's) namespace.
    running[t.node_ip] = netns::start_here(o.pool, [ip = t.node_ip, timeout = o.timeout] {
                           EchoOptions e;
                           e.timeout = timeout;
                           return icmp_echo_confirmed(ip, e);
                         }).share();
  }
  return running;
}

std::map<std::string, EchoResult> ping_remote_nodes(const std::vector<RemoteTarget>& targets,
                                                    const CrossNodeOptions& o) {
  std::map<std::string, EchoResult> out;
  for (const auto& [ip, f] : start_node_pings(targets, o)) {
    if (const auto& r = f.get(); r) out[ip] = *r;
  }
  return out;
}

}  // namespace netdoctor::probes
