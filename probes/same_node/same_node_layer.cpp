#include "probes/same_node/same_node_layer.h"

#include <future>

#include "netns/runner.h"

namespace netdoctor::probes {
namespace {

using report::Check;
using report::Status;
using Clock = std::chrono::steady_clock;

std::string fmt_ms(std::chrono::microseconds us) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f ms", static_cast<double>(us.count()) / 1000.0);
  return buf;
}

bool neighbour_failed(const std::optional<netns::Neighbour>& n) {
  return n && (n->state.find("FAILED") != std::string::npos ||
               n->state.find("INCOMPLETE") != std::string::npos);
}

Check evaluate_one(const std::string& source, const PairProbe& p, const std::string& prefix) {
  Check c;
  c.id = prefix + ":" + p.target;
  c.source = source;
  c.duration_ms = p.duration_ms;
  const std::string flow = "ICMP echo " + source + " -> " + p.target + " (" + p.target_ip + ")";
  if (!p.echo) {
    c.status = Status::kSkip;
    c.summary = "probe not run: " + p.error;
    return c;
  }
  if (p.echo->outcome == EchoOutcome::kReply) {
    c.summary = "reply from " + p.target_ip + " in " + fmt_ms(p.echo->rtt);
    return c;
  }
  c.status = Status::kFail;
  c.evidence.push_back(flow + ": " + to_string(p.echo->outcome) +
                       (p.echo->detail.empty() ? "" : " (" + p.echo->detail + ")"));
  if (p.neighbour) {
    c.evidence.push_back("neighbour " + p.neighbour->ip + " lladdr " +
                         (p.neighbour->mac.empty() ? "-" : p.neighbour->mac) + " " +
                         p.neighbour->state);
  }
  if (neighbour_failed(p.neighbour)) {
    c.code = "neighbor-failed";
    c.summary = "ARP for " + p.target_ip + " fails: nothing on the bridge answers for it";
    return c;
  }
  c.code = "pod-unreachable";
  c.summary = p.target + " (" + p.target_ip + ") does not answer";
  return c;
}

// One probe, run on a thread inside the namespace `ns`.
PairProbe probe_in(const netns::Netns& ns, std::string target, std::string ip,
                   std::chrono::milliseconds timeout) {
  const auto start = Clock::now();
  PairProbe p;
  p.target = std::move(target);
  p.target_ip = std::move(ip);
  auto r = netns::run_in(ns, [&p, timeout] {
    EchoOptions o;
    o.timeout = timeout;
    auto echo = icmp_echo(p.target_ip, o);
    if (!echo) {
      p.error = echo.error().message();
      return;
    }
    p.echo = *echo;
    if (echo->outcome == EchoOutcome::kReply) return;
    if (auto neigh = netns::read_neighbours()) {
      for (const auto& n : *neigh) {
        if (n.ip == p.target_ip) p.neighbour = n;
      }
    }
  });
  if (!r) p.error = r.error().message();
  p.duration_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
  return p;
}

}  // namespace

std::vector<Check> evaluate_same_node(const std::string& source,
                                      const std::vector<PairProbe>& probes,
                                      const std::string& id_prefix) {
  std::vector<Check> out;
  for (const auto& p : probes) out.push_back(evaluate_one(source, p, id_prefix));
  return out;
}

std::vector<Check> run_same_node_layer(const SourcePod& src, const std::vector<SourcePod>& peers,
                                       bool node_probe, const SameNodeOptions& o) {
  std::vector<Check> out;
  auto ns = netns::Netns::open_path(src.netns.path);
  if (!ns) {
    Check c;
    c.id = "same-node.enter";
    c.source = src.display;
    c.status = Status::kSkip;
    c.summary = "cannot enter the source: " + ns.error().message();
    return {c};
  }
  std::vector<std::future<PairProbe>> pod_probes;
  for (const auto& peer : peers) {
    if (peer.netns.id == src.netns.id || peer.ip.empty()) continue;
    if (pod_probes.size() >= o.max_targets) break;
    pod_probes.push_back(std::async(std::launch::async, [&ns, &peer, &o] {
      return probe_in(*ns, peer.display, peer.ip, o.timeout);
    }));
  }
  std::future<PairProbe> node;
  if (node_probe && !src.ip.empty()) {
    // The prober lives in the node's namespace: a new thread there needs no setns.
    node = std::async(std::launch::async, [&src, &o] {
      auto self = netns::Netns::current();
      return self ? probe_in(*self, "node", src.ip, o.timeout) : PairProbe{};
    });
  }
  std::vector<PairProbe> pods;
  for (auto& f : pod_probes) pods.push_back(f.get());
  out = evaluate_same_node(src.display, pods, "same-node.ping");
  if (node.valid()) {
    PairProbe p = node.get();
    p.target = src.display;
    for (auto& c : evaluate_same_node("node", {p}, "same-node.node-to-pod")) out.push_back(c);
  }
  return out;
}

}  // namespace netdoctor::probes
