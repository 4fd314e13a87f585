#include "probes/same_node/same_node_layer.h"

#include <algorithm>
#include <future>
#include <memory>

#include "netns/pool.h"
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

// A peer's link facts: the scene's, else read from its discovery facts.
PodLinkFacts links_of(const SourcePod& pod, const SameNodeContext& ctx) {
  if (ctx.pod_links != nullptr) {
    if (auto it = ctx.pod_links->find(pod.netns.path); it != ctx.pod_links->end()) {
      return it->second;
    }
  }
  return pod_link_facts(pod.netns, ctx.node_links);
}

// What the echo's thread brings back from the sender's namespace.
struct Sent {
  Result<EchoResult> echo;
  std::optional<netns::Neighbour> neighbour;  // read there when the echo got no reply
};

Sent send_echo(const std::string& ip, const EchoOptions& o) {
  // Silence is confirmed once; the capture watches the first echo, by which a second silence
  // is judged.
  Sent sent{icmp_echo_confirmed(ip, o), std::nullopt};
  if (sent.echo && sent.echo->outcome != EchoOutcome::kReply) {
    if (auto neigh = netns::read_neighbours()) {
      for (const auto& n : *neigh) {
        if (n.ip == ip) sent.neighbour = n;
      }
    }
  }
  return sent;
}

// One echo, sent from a namespace (`from`; null: the prober's own, the node's) and watched
// arriving in the receiver's. Each step is a task of the run's pool that waits for nothing of
// the pool: the capture is opened in the receiver's namespace (a pcap handle stays bound to
// the namespace it was activated in, and may then be read from any thread), the echo is sent
// from the sender's, and the capture is read here once the echo is done.
struct Probe {
  const netns::Netns* from = nullptr;
  std::optional<Receiver> rx;
  EchoOptions echo;
  PairProbe p;
  Clock::time_point start;
  std::future<Result<Capture>> opening;
  std::optional<Capture> capture;
  std::future<Result<Sent>> sending;
};

// How long a capture is read after its echo ended: the frame, if it came, is already there;
// only the capture's 10 ms buffer and the scheduler delay it.
constexpr std::chrono::milliseconds kCaptureGrace{200};

void open_capture(Probe& pr, netns::Pool* pool) {
  pr.start = Clock::now();
  if (!pr.rx) return;
  pr.opening = netns::start_in(pool, *pr.rx->ns, [itf = pr.rx->interface] {
    return Capture::open(itf, "icmp[icmptype] == icmp-echo");
  });
}

void send(Probe& pr, netns::Pool* pool) {
  pr.echo.id = next_echo_id();
  if (pr.opening.valid()) {
    pr.p.captured = true;
    pr.p.expected_sources = pr.rx->expected_sources;
    if (auto cap = pr.opening.get()) {
      pr.capture.emplace(std::move(*cap));
    } else {
      pr.p.capture_error = cap.error().message();
    }
  }
  auto fn = [ip = pr.p.target_ip, o = pr.echo] { return send_echo(ip, o); };
  pr.sending = pr.from ? netns::start_in(pool, *pr.from, fn) : netns::start_here(pool, fn);
}

void finish(Probe& pr, Clock::time_point read_until) {
  auto sent = pr.sending.get();
  if (!sent) {
    pr.p.error = sent.error().message();
  } else if (!sent->echo) {
    pr.p.error = sent->echo.error().message();
  } else {
    pr.p.echo = *sent->echo;
    pr.p.neighbour = sent->neighbour;
  }
  if (pr.capture) {
    const auto left =
        std::max(std::chrono::milliseconds(0),
                 std::chrono::duration_cast<std::chrono::milliseconds>(read_until - Clock::now()));
    if (auto seen = pr.capture->wait_echo(pr.echo.id, left)) pr.p.seen_source = seen->src;
    pr.capture.reset();
  }
  pr.p.duration_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - pr.start).count();
}

// Runs every probe at once: captures first, then the echoes, then the captures are read.
void run_probes(std::vector<Probe>& probes, netns::Pool* pool) {
  for (auto& pr : probes) open_capture(pr, pool);
  for (auto& pr : probes) send(pr, pool);
  for (auto& pr : probes) pr.sending.wait();
  const auto read_until = Clock::now() + kCaptureGrace;
  for (auto& pr : probes) finish(pr, read_until);
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
  std::vector<Probe> probes;
  probes.reserve(chosen.size() + 1);
  std::vector<std::string> bridges;  // each peer's bridge, to judge a FORWARD drop
  for (const SourcePod* peer_ptr : chosen) {
    const SourcePod& peer = *peer_ptr;
    Probe pr;
    pr.from = &*ns;
    pr.echo.timeout = o.timeout;
    pr.p.target = peer.display;
    pr.p.target_ip = peer.ip;
    if (auto peer_ns = netns::Netns::open_path(peer.netns.path); peer_ns && !src.ip.empty()) {
      receivers.push_back(std::move(*peer_ns));
      pr.rx = Receiver{&receivers.back(),
                       peer.netns.pod_interface.empty() ? "eth0" : peer.netns.pod_interface,
                       {src.ip}};
    }
    const PodLinkFacts peer_links = links_of(peer, ctx);
    for (auto& c : evaluate_pod_layer(peer_links, peer.display)) {
      if (c.status == Status::kFail && !pr.p.target_fault) pr.p.target_fault = c;
    }
    bridges.push_back(ctx.node_links != nullptr ? peer_links.host_bridge : std::string());
    probes.push_back(std::move(pr));
  }
  const std::size_t peers = probes.size();
  if (!node_ips.empty() && !src.ip.empty()) {
    // The node probes the source from its own namespace, the prober's.
    Probe pr;
    pr.echo.timeout = o.timeout;
    pr.p.target = src.display;
    pr.p.target_ip = src.ip;
    pr.rx = Receiver{&*ns, src_itf, node_ips};
    probes.push_back(std::move(pr));
  }
  run_probes(probes, ctx.pool);
  std::vector<PairProbe> done;
  for (std::size_t i = 0; i < peers; ++i) {
    PairProbe& p = probes[i].p;
    if (ctx.rules && p.echo && p.echo->outcome != EchoOutcome::kReply) {
      p.forward_block = forward_block(*ctx.rules, {src.ip, chosen[i]->ip, bridges[i], bridges[i]});
    }
    done.push_back(std::move(p));
  }
  std::vector<Check> out = evaluate_same_node(src.display, done, "same-node.ping");
  if (probes.size() > peers) {
    for (auto& c : evaluate_same_node("node", {probes.back().p}, "same-node.node-to-pod")) {
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
    ctx_.pool = s_.pool;
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
