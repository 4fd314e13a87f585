#include "probes/same_node/same_node_layer.h"

#include <algorithm>
#include <future>
#include <memory>

#include "netns/runner.h"
#include "probes/node/forward.h"
#include "probes/pod/pod_layer.h"

namespace netdoctor::probes {
namespace {

using report::Check;
using report::Status;
using Clock = std::chrono::steady_clock;

bool neighbour_failed(const std::optional<netns::Neighbour>& n) {
  return n && (n->state.find("FAILED") != std::string::npos ||
               n->state.find("INCOMPLETE") != std::string::npos);
}

// What a same-node check concerns: the target's address and, when it is a pod, its name.
std::vector<std::string> subjects_of(const PairProbe& p) {
  std::vector<std::string> out{p.target_ip};
  if (p.target.find('/') != std::string::npos) out.push_back(p.target);
  return out;
}

Check evaluate_one(const std::string& source, const PairProbe& p, const std::string& prefix) {
  Check c;
  c.id = prefix + ":" + p.target;
  c.source = source;
  c.subjects = subjects_of(p);
  c.duration_ms = p.duration_ms;
  const std::string flow = "ICMP echo " + source + " -> " + p.target + " (" + p.target_ip + ")";
  if (!p.echo) {
    c.status = Status::kSkip;
    c.summary = "probe not run: " + p.error;
    return c;
  }
  if (p.echo->recovered()) {
    c.status = Status::kWarn;
    c.code = "intermittent";
    c.summary = p.target +
                " answered only the second of 2 echoes (the first: " + p.echo->first_attempt + ")";
    c.evidence.push_back(flow + ": reply to the confirming echo in " + format_ms(p.echo->rtt));
    return c;
  }
  if (p.echo->outcome == EchoOutcome::kReply) {
    c.summary = "reply from " + p.target_ip + " in " + format_ms(p.echo->rtt);
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
  if (p.target_fault) {
    c.code = p.target_fault->code;
    c.summary = p.target + " does not answer: " + p.target_fault->summary;
    for (const auto& e : p.target_fault->evidence) c.evidence.push_back(e);
    return c;
  }
  if (p.forward_block) {
    c.evidence.push_back(describe_decision(*p.forward_block));
    if (p.forward_block->by_policy()) {
      c.code = "pod-unreachable";
      c.summary = p.target + " does not answer: the node's FORWARD policy drops the flow";
    } else {
      c.code = "filter-drop";
      c.summary = "a " + p.forward_block->chain + " rule drops traffic to " + p.target +
                  (p.forward_block->comment.empty() ? "" : " (" + p.forward_block->comment + ")");
    }
    return c;
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

// The no-NAT invariant: the receiver sees the sender's own address. Only probes that arrived
// say anything about it; one that never arrived is the ping check's failure.
std::optional<Check> evaluate_no_nat(const std::string& source, const PairProbe& p,
                                     const std::string& prefix) {
  if (!p.captured || (p.capture_error.empty() && !p.seen_source)) return std::nullopt;
  Check c;
  c.id = prefix + ".no-nat:" + p.target;
  c.source = source;
  c.subjects = subjects_of(p);
  c.duration_ms = p.duration_ms;
  if (!p.capture_error.empty()) {
    c.status = Status::kSkip;
    c.summary = "could not watch the probe arrive: " + p.capture_error;
    return c;
  }
  std::string expected;
  for (const auto& e : p.expected_sources) expected += (expected.empty() ? "" : " or ") + e;
  const bool ok = std::find(p.expected_sources.begin(), p.expected_sources.end(), *p.seen_source) !=
                  p.expected_sources.end();
  c.evidence.push_back("captured in " + p.target + "'s namespace: ICMP echo from " +
                       *p.seen_source + " to " + p.target_ip);
  if (ok) {
    c.summary = p.target + " sees the sender's own address " + *p.seen_source;
    return c;
  }
  c.status = Status::kFail;
  c.code = "pod-snat";
  c.summary = p.target + " sees " + *p.seen_source + " as the source, not " + expected +
              ": the traffic is source-NATed on the way";
  return c;
}

// Where and how to watch the probe arrive: the receiver's namespace and interface.
struct Receiver {
  const netns::Netns* ns = nullptr;
  std::string interface;
  std::vector<std::string> expected_sources;
};

// Starts a capture in the receiver's namespace and waits (at most `timeout`) until it listens.
std::future<Result<std::optional<SeenEcho>>> start_capture(const Receiver& rx, uint16_t id,
                                                           std::chrono::milliseconds timeout) {
  auto ready = std::make_shared<std::promise<void>>();
  auto listening = ready->get_future();
  auto done = netns::run_in_async(
      *rx.ns, [ready, itf = rx.interface, id, timeout]() -> Result<std::optional<SeenEcho>> {
        auto cap = Capture::open(itf, "icmp[icmptype] == icmp-echo");
        ready->set_value();
        if (!cap) return tl::unexpected(cap.error());
        return cap->wait_echo(id, timeout);
      });
  listening.wait_for(timeout);
  return done;
}

// A peer's link facts: the scene's, else read from its discovery facts.
PodLinkFacts links_of(const SourcePod& pod, const SameNodeContext& ctx) {
  if (ctx.pod_links != nullptr) {
    if (auto it = ctx.pod_links->find(pod.netns.path); it != ctx.pod_links->end()) {
      return it->second;
    }
  }
  return pod_link_facts(pod.netns, ctx.node_links);
}

void read_neighbour(PairProbe& p) {
  if (auto neigh = netns::read_neighbours()) {
    for (const auto& n : *neigh) {
      if (n.ip == p.target_ip) p.neighbour = n;
    }
  }
}

// One probe, run on a thread inside the namespace `ns`, watched from the receiver when given.
PairProbe probe_in(const netns::Netns& ns, std::string target, std::string ip,
                   const std::optional<Receiver>& rx, std::chrono::milliseconds timeout) {
  const auto start = Clock::now();
  PairProbe p;
  p.target = std::move(target);
  p.target_ip = std::move(ip);
  EchoOptions o;
  o.timeout = timeout;
  o.id = next_echo_id();
  std::future<Result<std::optional<SeenEcho>>> capture;
  if (rx) capture = start_capture(*rx, o.id, timeout);
  auto r = netns::run_in(ns, [&p, &o] {
    // Silence is confirmed once; the capture watches the first echo, by which a second silence
    // is judged.
    auto echo = icmp_echo_confirmed(p.target_ip, o);
    if (!echo) {
      p.error = echo.error().message();
      return;
    }
    p.echo = *echo;
    if (echo->outcome != EchoOutcome::kReply) read_neighbour(p);
  });
  if (!r) p.error = r.error().message();
  if (capture.valid()) {
    auto seen = capture.get();
    p.captured = true;
    p.expected_sources = rx->expected_sources;
    if (!seen) {
      p.capture_error = seen.error().message();
    } else if (*seen) {
      p.seen_source = (*seen)->src;
    }
  }
  p.duration_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
  return p;
}

}  // namespace

std::vector<Check> evaluate_same_node(const std::string& source,
                                      const std::vector<PairProbe>& probes,
                                      const std::string& id_prefix) {
  std::vector<Check> out;
  for (const auto& p : probes) {
    Check ping = evaluate_one(source, p, id_prefix);
    auto nat = evaluate_no_nat(source, p, id_prefix);
    if (nat && nat->status == Status::kFail) {
      // Replies go to the translated address: the NAT explains a failed ping, so it comes first.
      if (ping.status == Status::kFail) report::explain(ping, nat->code, nat->id);
      out.push_back(*nat);
      out.push_back(ping);
      continue;
    }
    out.push_back(ping);
    if (nat) out.push_back(*nat);
  }
  return out;
}

std::vector<const SourcePod*> same_node_peers(const std::vector<SourcePod>& pods,
                                              const SourcePod& src, std::size_t max_targets) {
  std::vector<const SourcePod*> usable;
  for (const auto& p : pods) {
    if (!p.ip.empty()) usable.push_back(&p);
  }
  const auto self = std::find_if(usable.begin(), usable.end(),
                                 [&](const SourcePod* p) { return p->netns.id == src.netns.id; });
  std::vector<const SourcePod*> out;
  if (usable.size() <= max_targets + 1 || self == usable.end()) {
    for (const SourcePod* p : usable) {
      if (p->netns.id == src.netns.id) continue;
      if (out.size() >= max_targets) break;
      out.push_back(p);
    }
    return out;
  }
  const std::size_t n = usable.size();
  const auto i = static_cast<std::size_t>(self - usable.begin());
  for (const std::size_t step : {std::size_t{1}, std::size_t{2}, n / 2}) {
    const SourcePod* peer = usable[(i + step) % n];
    if (step % n == 0 || std::find(out.begin(), out.end(), peer) != out.end()) continue;
    out.push_back(peer);
  }
  return out;
}

std::vector<Check> run_same_node_layer(const SourcePod& src, const std::vector<SourcePod>& pods,
                                       const SameNodeContext& ctx, const SameNodeOptions& o) {
  const std::vector<const SourcePod*> chosen = same_node_peers(pods, src, o.max_targets);
  const auto& node_ips = ctx.node_ips;
  auto ns = netns::Netns::open_path(src.netns.path);
  if (!ns) {
    Check c;
    c.id = "same-node.enter";
    c.source = src.display;
    c.status = Status::kSkip;
    c.summary = "cannot enter the source: " + ns.error().message();
    return {c};
  }
  const std::string src_itf = src.netns.pod_interface.empty() ? "eth0" : src.netns.pod_interface;
  // Receivers' namespaces stay open until every probe is done.
  std::vector<netns::Netns> receivers;
  receivers.reserve(chosen.size());
  std::vector<std::future<PairProbe>> pod_probes;
  for (const SourcePod* peer_ptr : chosen) {
    const SourcePod& peer = *peer_ptr;
    std::optional<Receiver> rx;
    if (auto peer_ns = netns::Netns::open_path(peer.netns.path); peer_ns && !src.ip.empty()) {
      receivers.push_back(std::move(*peer_ns));
      rx = Receiver{&receivers.back(),
                    peer.netns.pod_interface.empty() ? "eth0" : peer.netns.pod_interface,
                    {src.ip}};
    }
    std::optional<Check> fault;
    const PodLinkFacts peer_links = links_of(peer, ctx);
    for (auto& c : evaluate_pod_layer(peer_links, peer.display)) {
      if (c.status == Status::kFail && !fault) fault = c;
    }
    const std::string bridge = ctx.node_links != nullptr ? peer_links.host_bridge : "";
    pod_probes.push_back(std::async(std::launch::async, [&, rx, fault, bridge] {
      PairProbe p = probe_in(*ns, peer.display, peer.ip, rx, o.timeout);
      p.target_fault = fault;
      if (ctx.rules && p.echo && p.echo->outcome != EchoOutcome::kReply) {
        p.forward_block = forward_block(*ctx.rules, {src.ip, peer.ip, bridge, bridge});
      }
      return p;
    }));
  }
  std::future<PairProbe> node;
  if (!node_ips.empty() && !src.ip.empty()) {
    // The prober lives in the node's namespace: a new thread there needs no setns.
    node = std::async(std::launch::async, [&] {
      auto self = netns::Netns::current();
      if (!self) return PairProbe{};
      return probe_in(*self, src.display, src.ip, Receiver{&*ns, src_itf, node_ips}, o.timeout);
    });
  }
  std::vector<PairProbe> done;
  for (auto& f : pod_probes) done.push_back(f.get());
  std::vector<Check> out = evaluate_same_node(src.display, done, "same-node.ping");
  if (node.valid()) {
    for (auto& c : evaluate_same_node("node", {node.get()}, "same-node.node-to-pod")) {
      out.push_back(c);
    }
  }
  return out;
}

namespace {

// Targets are every pod of this node, not only the sources asked for.
class SameNodeRun final : public LayerRun {
 public:
  SameNodeRun(const Scene& scene, const DiagnoseOptions& options) : s_(scene) {
    o_.timeout = options.timeout;
    if (s_.on_node()) ctx_.node_ips = s_.discovery.self_links.ipv4_addresses();
    ctx_.node_links = s_.node_links();
    ctx_.rules = s_.rules ? &s_.rules->ruleset : nullptr;
    ctx_.pod_links = &s_.pod_links;
  }
  bool per_source() const override { return !blind(); }
  Checks node() override {
    if (!blind()) return {};
    return {skip_check(report::Layer::kSameNode,
                       "running inside a pod: the other pods of this node are not visible (run "
                       "netdoctor on the node or in the privileged debug pod for same-node "
                       "checks)")};
  }
  Checks source(const SourcePod& src) override {
    return run_same_node_layer(src, s_.local_pods, ctx_, o_);
  }

 private:
  bool blind() const { return !s_.on_node() && s_.local_pods.empty(); }
  const Scene& s_;
  SameNodeContext ctx_;
  SameNodeOptions o_;
};

}  // namespace

std::unique_ptr<LayerRun> start_same_node_layer(const Scene& scene,
                                                const DiagnoseOptions& options) {
  return std::make_unique<SameNodeRun>(scene, options);
}

}  // namespace netdoctor::probes
