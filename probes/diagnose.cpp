#include "probes/diagnose.h"

#include <algorithm>

#include "probes/apiserver/apiserver_layer.h"
#include "probes/cross_node/cross_node_layer.h"
#include "probes/dns/dns_facts.h"
#include "probes/dns/dns_layer.h"
#include "probes/egress/egress_layer.h"
#include "probes/net/http.h"
#include "probes/net/routes.h"
#include "probes/node/forward.h"
#include "probes/node/node_layer.h"
#include "probes/pod/pod_layer.h"
#include "probes/same_node/same_node_layer.h"
#include "probes/service/service_layer.h"
#include "probes/task_limit.h"
#include "probes/topology.h"

#include <atomic>
#include <future>
#include <memory>
#include <mutex>
#include <thread>

namespace netdoctor::probes {
namespace {

using report::Layer;
using Checks = std::vector<report::Check>;

bool selected(const DiagnoseOptions& o, Layer layer) {
  return o.layers.empty() || std::find(o.layers.begin(), o.layers.end(), layer) != o.layers.end();
}

report::Check skipped(Layer layer, const std::string& why) {
  report::Check c;
  c.id = std::string(report::to_string(layer)) + ".layer";
  c.status = report::Status::kSkip;
  c.summary = why;
  return c;
}

const netns::LinkSnapshot* node_links_of(const DiagnoseContext& ctx) {
  return ctx.mode == netns::RunMode::kNode ? &ctx.discovery->self_links : nullptr;
}

void run_pod_layer(Checks& out, const std::vector<SourcePod>& sources, const DiagnoseContext& ctx) {
  for (const auto& src : sources) {
    // The links were read inside the pod's namespace during discovery, moments ago.
    for (auto& c : evaluate_pod_layer(pod_link_facts(src.netns, node_links_of(ctx)), src.display)) {
      out.push_back(std::move(c));
    }
  }
}

// Representative pod flows the node forwards: between two of its pods over the bridge, and
// from one of them to a pod of another node.
std::vector<ForwardFlow> pod_flows(const DiagnoseContext& ctx) {
  std::vector<ForwardFlow> flows;
  const auto pods = local_pods(*ctx.discovery, ctx.inventory);
  if (pods.empty() || pods[0].ip.empty()) return flows;
  const auto facts = pod_link_facts(pods[0].netns, &ctx.discovery->self_links);
  const std::string bridge = facts.host_bridge;
  if (pods.size() > 1 && !pods[1].ip.empty()) {
    flows.push_back({pods[0].ip, pods[1].ip, bridge, bridge});
  }
  const auto remote = remote_targets(ctx.inventory, ctx.node, ctx.discovery->self_links);
  if (!remote.empty()) {
    const auto route = lookup_route(ctx.discovery->self_links, remote[0].ip);
    flows.push_back({pods[0].ip, remote[0].ip, bridge, route ? route->dev : ""});
  }
  return flows;
}

void run_node_layer(Checks& out, const DiagnoseContext& ctx) {
  if (ctx.mode == netns::RunMode::kPod) {
    out.push_back(skipped(Layer::kNode,
                          "running inside a pod: the node's settings are not "
                          "visible (run netdoctor on the node or in the "
                          "privileged debug pod)"));
    return;
  }
  const auto start = std::chrono::steady_clock::now();
  // The prober runs in the node's namespace: /proc/sys/net of any of its threads is the node's.
  auto checks = evaluate_node_layer(collect_node_facts(ctx.discovery->self_links));
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::steady_clock::now() - start)
                      .count();
  for (auto& c : checks) {
    c.duration_ms = ms;
    out.push_back(std::move(c));
  }
  if (ctx.rules == nullptr) {
    out.push_back(
        skipped(Layer::kNode, "the node's iptables rules could not be read" +
                                  (ctx.rules_error.empty() ? "" : ": " + ctx.rules_error)));
    return;
  }
  out.push_back(check_forward_policy(ctx.rules->ruleset, pod_flows(ctx)));
}

void run_same_node(Checks& out, const std::vector<SourcePod>& sources, const DiagnoseContext& ctx,
                   const DiagnoseOptions& options) {
  SameNodeOptions o;
  o.timeout = options.timeout;
  const std::vector<std::string> node_ips = ctx.mode == netns::RunMode::kNode
                                                ? ctx.discovery->self_links.ipv4_addresses()
                                                : std::vector<std::string>{};
  const rules::Ruleset* rules = ctx.rules ? &ctx.rules->ruleset : nullptr;
  // Targets are every pod of this node, not only the sources asked for.
  const std::vector<SourcePod> peers = local_pods(*ctx.discovery, ctx.inventory);
  if (ctx.mode == netns::RunMode::kPod && peers.empty()) {
    out.push_back(skipped(Layer::kSameNode,
                          "running inside a pod: the other pods of this node are not visible "
                          "(run netdoctor on the node or in the privileged debug pod for "
                          "same-node checks)"));
    return;
  }
  std::vector<std::future<std::vector<report::Check>>> running;
  for (const auto& src : sources) {
    running.push_back(std::async(std::launch::async, [&] {
      const auto slot = take_slot(ctx.limit);
      return run_same_node_layer(src, peers, {node_ips, node_links_of(ctx), rules}, o);
    }));
  }
  for (auto& f : running) {
    for (auto& c : f.get()) out.push_back(std::move(c));
  }
}

// --to addresses that are not pods of this node (those are probed by same-node anyway).
void add_to_targets(std::vector<RemoteTarget>& targets, const std::vector<std::string>& to,
                    const DiagnoseContext& ctx) {
  const auto local = local_pods(*ctx.discovery, ctx.inventory);
  for (const auto& ip : to) {
    const bool is_local =
        std::any_of(local.begin(), local.end(), [&](const SourcePod& p) { return p.ip == ip; });
    const bool known = std::any_of(targets.begin(), targets.end(),
                                   [&](const RemoteTarget& t) { return t.ip == ip; });
    if (is_local || known) continue;
    RemoteTarget t{"to:" + ip, ip, "", "", ""};
    if (ctx.inventory) {
      if (const auto* pod = ctx.inventory->find_pod_by_ip(ip)) {
        t.display = pod->display_name();
        t.node = pod->node;
        if (const auto* node = ctx.inventory->find_node(pod->node)) {
          t.node_ip = node->internal_ips.empty() ? "" : node->internal_ips.front();
          t.pod_cidr = node->pod_cidrs.empty() ? "" : node->pod_cidrs.front();
        }
      }
    }
    targets.push_back(t);
  }
}

void run_cross_node(Checks& out, const std::vector<SourcePod>& sources, const DiagnoseContext& ctx,
                    const DiagnoseOptions& options) {
  CrossNodeOptions o;
  o.timeout = options.timeout;
  const bool on_node = ctx.mode == netns::RunMode::kNode;
  auto targets = remote_targets(ctx.inventory, ctx.node, ctx.discovery->self_links);
  add_to_targets(targets, options.to, ctx);
  if (targets.empty()) {
    out.push_back(skipped(Layer::kCrossNode,
                          "no pod on another node is known (give "
                          "--inventory, or the node has no routes to "
                          "other pod networks)"));
    return;
  }
  // The node's underlay pings run alongside the pods' probes: a failure costs one timeout.
  auto node_pings = std::async(std::launch::async, [&] {
    return on_node ? ping_remote_nodes(targets, o) : std::map<std::string, EchoResult>{};
  });
  std::vector<std::future<std::vector<CrossProbe>>> running;
  for (const auto& src : sources) {
    running.push_back(std::async(std::launch::async, [&] {
      const auto slot = take_slot(ctx.limit);
      return probe_remote_pods(src, targets, o);
    }));
  }
  const auto pings = node_pings.get();
  std::vector<std::vector<CrossProbe>> probes;
  for (auto& f : running) probes.push_back(f.get());
  std::optional<NodeView> view;
  if (on_node) {
    if (auto v = read_node_view()) view = std::move(*v);
  }
  for (std::size_t i = 0; i < sources.size(); ++i) {
    for (auto& p : probes[i]) {
      if (auto it = pings.find(p.target.node_ip); it != pings.end()) p.node_ping = it->second;
    }
    for (auto& c : evaluate_cross_node(sources[i].display, probes[i], view ? &*view : nullptr)) {
      out.push_back(std::move(c));
    }
  }
}

// Runs `layer(src)` for every source at once and collects the checks in source order.
template <class F>
void per_source(Checks& out, const std::vector<SourcePod>& sources, TaskLimit* limit, F layer) {
  std::vector<std::future<Checks>> running;
  for (const auto& src : sources) {
    running.push_back(std::async(std::launch::async, [&] {
      const auto slot = take_slot(limit);
      return layer(src);
    }));
  }
  for (auto& f : running) {
    for (auto& c : f.get()) out.push_back(std::move(c));
  }
}

void run_service(Checks& out, const std::vector<SourcePod>& sources, const DiagnoseContext& ctx,
                 const DiagnoseOptions& options) {
  const ServiceContext sc{ctx.inventory, ctx.rules, node_links_of(ctx), ctx.rules_error,
                          ctx.rule_services};
  ServiceOptions o;
  o.timeout = options.timeout;
  o.to_services = options.to;
  per_source(out, sources, ctx.limit,
             [&](const SourcePod& src) { return run_service_layer(src, sc, o); });
}

void run_apiserver(Checks& out, const std::vector<SourcePod>& sources, const DiagnoseContext& ctx,
                   const DiagnoseOptions& options) {
  const ApiserverContext ac{ctx.inventory, ctx.rules, node_links_of(ctx), ctx.rule_services};
  const ApiserverOptions o{options.timeout};
  per_source(out, sources, ctx.limit,
             [&](const SourcePod& src) { return run_apiserver_layer(src, ac, o); });
}

void run_egress(Checks& out, const std::vector<SourcePod>& sources, const DiagnoseContext& ctx,
                const DiagnoseOptions& options) {
  const EgressContext ec{ctx.inventory, ctx.rules, node_links_of(ctx)};
  const EgressOptions o{options.timeout, options.egress_urls};
  per_source(out, sources, ctx.limit,
             [&](const SourcePod& src) { return run_egress_layer(src, ec, o); });
}

void run_dns(Checks& out, const std::vector<SourcePod>& sources, const DiagnoseContext& ctx,
             const DiagnoseOptions& options) {
  DnsLayerOptions o;
  o.timeout = options.timeout;
  o.outside_names = dns::outside_names_from_urls(options.egress_urls);
  per_source(out, sources, ctx.limit,
             [&](const SourcePod& src) { return run_dns_layer(src, ctx.inventory, o); });
}

}  // namespace

namespace {

std::atomic<bool> g_left_running{false};

// Everything a layer's thread reads, owned by the threads (and diagnose()) together: a layer
// the deadline leaves behind still finds it all alive.
struct Shared {
  std::vector<SourcePod> sources;
  DiagnoseOptions options;
  netns::Discovery discovery;
  std::optional<inventory::Inventory> inventory;
  std::optional<rules::RuleSnapshot> rules;
  // The Services the rules implement, made once for the service and apiserver layers of every
  // source, by whichever of them needs it first: on a 10,000-Service node it is 25 MB, which
  // each source used to build twice.
  mutable std::vector<rules::ServiceRule> rule_services;
  mutable std::once_flag rule_services_made;
  DiagnoseContext ctx;
  TaskLimit limit;

  Shared(const std::vector<SourcePod>& s, const DiagnoseContext& given, const DiagnoseOptions& o)
      : sources(s),
        options(o),
        discovery(*given.discovery),
        limit(static_cast<std::ptrdiff_t>(o.parallel)) {
    if (given.inventory != nullptr) inventory = *given.inventory;
    std::string rules_error = given.rules_error;
    if (given.rules != nullptr) {
      rules = *given.rules;
    } else if (given.mode == netns::RunMode::kNode) {
      // Read once (libiptc: a few milliseconds) and shared by every layer that judges a flow.
      // A failure (without CAP_NET_ADMIN) costs only the checks that judge rules: they are
      // skipped with this reason, the rest of the run goes on.
      auto self = netns::Netns::current();
      auto snap = self ? rules::read_rules(*self) : tl::unexpected(self.error());
      if (snap) {
        rules = std::move(*snap);
      } else {
        rules_error = snap.error().message();
      }
    }
    ctx = given;
    ctx.rules_error = rules_error;
    ctx.discovery = &discovery;
    ctx.inventory = inventory ? &*inventory : nullptr;
    ctx.rules = rules ? &*rules : nullptr;
    ctx.rule_services = rules ? &rule_services : nullptr;
    ctx.limit = &limit;
  }
};

Checks run_layer(Layer layer, const Shared& sh) {
  Checks out;
  const DiagnoseContext& ctx = sh.ctx;
  const DiagnoseOptions& options = sh.options;
  const auto& sources = sh.sources;
  if ((layer == Layer::kService || layer == Layer::kApiserver) && sh.rules &&
      selected(options, layer)) {
    std::call_once(sh.rule_services_made, [&] { sh.rule_services = rules::services(*sh.rules); });
  }
  if (!selected(options, layer)) {
    out.push_back(skipped(layer, "not selected (--layers)"));
  } else if (layer == Layer::kNode) {
    run_node_layer(out, ctx);
  } else if (layer == Layer::kPod) {
    run_pod_layer(out, sources, ctx);
  } else if (layer == Layer::kSameNode) {
    run_same_node(out, sources, ctx, options);
  } else if (layer == Layer::kCrossNode) {
    run_cross_node(out, sources, ctx, options);
  } else if (layer == Layer::kService) {
    run_service(out, sources, ctx, options);
  } else if (layer == Layer::kDns) {
    run_dns(out, sources, ctx, options);
  } else if (layer == Layer::kApiserver) {
    run_apiserver(out, sources, ctx, options);
  } else if (layer == Layer::kEgress) {
    run_egress(out, sources, ctx, options);
  }
  return out;
}

}  // namespace

bool layers_left_running() {
  return g_left_running.load();
}

report::Report diagnose(const std::vector<SourcePod>& sources, const DiagnoseContext& given,
                        const DiagnoseOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  const auto shared = std::make_shared<const Shared>(sources, given, options);
  report::Report r = report::make_report();
  r.mode = netns::to_string(given.mode);
  r.node = given.node;
  for (const auto& s : sources) r.sources.push_back({s.pod, s.ip, s.netns.path});

  // Every layer runs at once: a diagnosis costs about its slowest probe, not the sum. Each
  // layer thread is detached and owns `shared`, so the deadline can leave it behind.
  std::vector<std::future<Checks>> layers;
  for (Layer layer : report::kAllLayers) {
    std::promise<Checks> done;
    layers.push_back(done.get_future());
    std::thread([shared = shared, layer, done = std::move(done)]() mutable {
      if (shared->options.on_layer) shared->options.on_layer(layer, false);
      Checks out;
      try {
        const ThreadTlsRelease release;  // the apiserver layer reads CAs with libcrypto
        out = run_layer(layer, *shared);
      } catch (const std::exception& e) {
        out = {skipped(layer, std::string("internal error: ") + e.what())};
      } catch (...) {
        out = {skipped(layer, "internal error")};
      }
      if (shared->options.on_layer) shared->options.on_layer(layer, true);
      // Let go of `shared` before delivering: once every layer is in, diagnose() holds the last
      // reference and frees the rules (120 MB on a 10,000-Service node) on the caller's thread
      // before it returns, not some layer thread after it (serve trims the heap after a run).
      shared.reset();
      done.set_value(std::move(out));
    }).detach();
  }
  // The path picture's facts, read while the probes run (no probing of its own).
  const auto peers = local_pods(shared->discovery, shared->ctx.inventory);
  for (const auto& src : sources) {
    r.topology.push_back(topology_of(src, peers, shared->ctx, options));
  }
  const auto deadline = start + options.deadline;
  for (std::size_t i = 0; i < layers.size(); ++i) {
    const Layer layer = report::kAllLayers[i];
    if (options.deadline.count() > 0 &&
        layers[i].wait_until(deadline) != std::future_status::ready) {
      g_left_running = true;
      auto cut = skipped(layer, "did not finish within the deadline of " +
                                    std::to_string(options.deadline.count()) +
                                    " ms (--deadline): its probes were still running");
      cut.code = "deadline-exceeded";
      report::add_check(r, layer, std::move(cut));
      continue;
    }
    for (auto& c : layers[i].get()) report::add_check(r, layer, std::move(c));
  }
  r.duration_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::steady_clock::now() - start)
                      .count();
  return r;
}

}  // namespace netdoctor::probes
