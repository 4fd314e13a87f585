#include "probes/service/service_layer.h"

#include <algorithm>

#include "netns/runner.h"
#include "probes/net/pod_links.h"
#include "probes/service/bridge_port.h"
#include "probes/service/service_eval.h"
#include "probes/service/service_probe.h"
#include "probes/service/service_select.h"

namespace netdoctor::probes {
namespace {

using Clock = std::chrono::steady_clock;

std::string namespace_of(const std::string& pod) {
  const auto slash = pod.find('/');
  return slash == std::string::npos ? std::string() : pod.substr(0, slash);
}

// Which pod each endpoint address is, for evidence ("default/web-2 on node2").
std::map<std::string, std::string> endpoint_pods(const std::vector<ServiceTarget>& targets,
                                                 const inventory::Inventory* inv) {
  std::map<std::string, std::string> out;
  if (inv == nullptr) return out;
  for (const auto& t : targets) {
    for (const auto& ep : t.endpoints) {
      const std::string ip = ep.substr(0, ep.rfind(':'));
      if (const auto* pod = inv->find_pod_by_ip(ip)) {
        out[ip] = pod->display_name() + (pod->node.empty() ? "" : " on " + pod->node);
      }
    }
  }
  return out;
}

// The source's bridge port on the node, with its hairpin flag read over netlink from a thread
// in the node's namespace (the process's, /proc/self: the prober runs in the node's netns).
HairpinPort read_hairpin_port(const SourcePod& src, const ServiceContext& ctx) {
  HairpinPort port;
  const auto known = ctx.pod_links ? ctx.pod_links->find(src.netns.path)
                                   : std::map<std::string, PodLinkFacts>::const_iterator{};
  const PodLinkFacts links = ctx.pod_links && known != ctx.pod_links->end()
                                 ? known->second
                                 : pod_link_facts(src.netns, ctx.node_links);
  if (!links.host_veth) {
    port.error = "the pod's veth peer is not visible on this node";
    return port;
  }
  port.veth = links.host_veth->name;
  port.bridge = links.host_bridge;
  auto node = netns::Netns::open_path("/proc/self/ns/net");
  if (!node) {
    port.error = node.error().message();
    return port;
  }
  const int index = links.host_veth->index;
  auto flags = netns::run_in(*node, [index] { return read_bridge_port(index); });
  if (flags) {
    port.hairpin = flags->hairpin;
  } else {
    port.error = flags.error().message();
  }
  return port;
}

bool needs_hairpin(const ServiceFacts& f) {
  return std::any_of(f.targets.begin(), f.targets.end(), [&](const ServiceTarget& t) {
    return t.probe && t.protocol == "tcp" && source_is_endpoint(t, f.source_ip);
  });
}

void mark_not_run(ServiceFacts& f, const std::string& why) {
  for (auto& t : f.targets) t.via_cluster_ip.push_back({t.ip, std::nullopt, why});
}

}  // namespace

ServiceFacts collect_service_facts(const SourcePod& src, const ServiceContext& ctx,
                                   const ServiceOptions& o) {
  ServiceFacts f;
  f.source = src.display;
  f.source_ip = src.ip;
  f.rules_error = ctx.rules_error;
  if (ctx.rules) {
    f.rules_read = true;
    f.rules_backend = rules::to_string(ctx.rules->backend);
    f.rule_notes = ctx.rules->notes;
  }
  SelectInput in;
  in.inventory = ctx.inventory;
  in.rules = ctx.rules ? ctx.rule_services : nullptr;
  // Every container's service links (the sandbox has none).
  in.environ = src.reader().environ();
  in.source_namespace = namespace_of(src.pod);
  in.to_services = o.to_services;
  in.max_services = o.max_services;
  f.targets = select_targets(in);
  if (o.sources > kFewSources) {
    // Node scale: the dns and apiserver layers connect to these backends from every source
    // already; the service layer keeps their rules check and does not double the load.
    for (auto& t : f.targets) {
      const std::string owner = owner_layer(t.service);
      if (!t.probe || owner.empty() ||
          std::find(o.other_layers.begin(), o.other_layers.end(), owner) == o.other_layers.end()) {
        continue;
      }
      t.probe = false;
      t.left_to = "the " + owner + " layer probes " + t.service + "'s backends from this pod";
    }
  }
  f.endpoint_pods = endpoint_pods(f.targets, ctx.inventory);
  if (ctx.node_links && needs_hairpin(f)) f.hairpin_port = read_hairpin_port(src, ctx);
  auto ns = netns::Netns::open_path(src.netns.path);
  if (!ns) {
    mark_not_run(f, ns.error().message());
    return f;
  }
  run_service_probes(*ns, f, o.timeout, o.sources);
  return f;
}

std::vector<report::Check> run_service_layer(const SourcePod& src, const ServiceContext& ctx,
                                             const ServiceOptions& o) {
  const auto start = Clock::now();
  auto checks = evaluate_service_layer(collect_service_facts(src, ctx, o));
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
  for (auto& c : checks) c.duration_ms = ms;
  return checks;
}

namespace {

class ServiceRun final : public LayerRun {
 public:
  ServiceRun(const Scene& s, const DiagnoseOptions& options)
      : ctx_{s.inv(),       s.rule_snapshot(), s.node_links(),
             s.rules_error, s.services(),      &s.pod_links} {
    o_.timeout = options.timeout;
    o_.to_services = options.to;
    o_.sources = s.sources.size();
    for (const auto layer : {report::Layer::kDns, report::Layer::kApiserver}) {
      if (options.selected(layer)) o_.other_layers.emplace_back(report::to_string(layer));
    }
  }
  Checks source(const SourcePod& src) override { return run_service_layer(src, ctx_, o_); }

 private:
  const ServiceContext ctx_;
  ServiceOptions o_;
};

}  // namespace

std::unique_ptr<LayerRun> start_service_layer(const Scene& scene, const DiagnoseOptions& options) {
  return std::make_unique<ServiceRun>(scene, options);
}

}  // namespace netdoctor::probes
