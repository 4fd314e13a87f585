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

CrossProbe probe_one(const netns::Netns& ns, const RemoteTarget& t, int mtu,
                     const CrossNodeOptions& o) {
  const auto start = Clock::now();
  CrossProbe p;
  p.target = t;
  auto ran = netns::run_in(ns, [&] {
    EchoOptions small;
    small.timeout = o.timeout;
    auto r = icmp_echo_confirmed(t.ip, small);
    if (!r) {
      p.error = r.error().message();
      return;
    }
    p.small = *r;
    if (r->outcome != EchoOutcome::kReply || mtu <= 84) return;
    EchoOptions full = small;
    full.packet_size = mtu;
    full.dont_fragment = true;
    p.full_size = mtu;
    // A lost full-size echo is no MTU blackhole until a second one is lost too.
    if (auto f = icmp_echo_confirmed(t.ip, full)) p.full = *f;
  });
  if (!ran) p.error = ran.error().message();
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
      CrossProbe p;
      p.target = t;
      p.error = ns.error().message();
      out.push_back(p);
    }
    return out;
  }
  const int mtu = pod_mtu(src);
  std::vector<std::future<CrossProbe>> running;
  for (const auto& t : targets) {
    if (running.size() >= o.max_targets) break;
    running.push_back(
        std::async(std::launch::async, [&ns, &t, mtu, &o] { return probe_one(*ns, t, mtu, o); }));
  }
  for (auto& f : running) out.push_back(f.get());
  return out;
}

std::map<std::string, EchoResult> ping_remote_nodes(const std::vector<RemoteTarget>& targets,
                                                    const CrossNodeOptions& o) {
  std::map<std::string, std::future<Result<EchoResult>>> running;
  for (const auto& t : targets) {
    if (t.node_ip.empty() || running.count(t.node_ip)) continue;
    // A plain new thread is in the prober's (the node's) namespace.
    running[t.node_ip] = std::async(std::launch::async, [ip = t.node_ip, &o] {
      EchoOptions e;
      e.timeout = o.timeout;
      return icmp_echo_confirmed(ip, e);
    });
  }
  std::map<std::string, EchoResult> out;
  for (auto& [ip, f] : running) {
    auto r = f.get();
    if (r) out[ip] = *r;
  }
  return out;
}

}  // namespace netdoctor::probes
