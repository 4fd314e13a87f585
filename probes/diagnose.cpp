#include "probes/diagnose.h"

#include <algorithm>

#include "probes/node/node_layer.h"
#include "probes/pod/pod_layer.h"
#include "probes/same_node/same_node_layer.h"

#include <future>

namespace netdoctor::probes {
namespace {

using report::Layer;

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

PodLinkFacts pod_facts(const SourcePod& src, const netns::Discovery& d) {
  PodLinkFacts f;
  f.pod = src.netns.links;
  f.pod_interface = src.netns.pod_interface;
  if (src.netns.local && src.netns.host_veth_index > 0) {
    if (const auto* peer = d.self_links.find(src.netns.host_veth_index)) {
      f.host_veth = *peer;
      if (const auto* bridge = d.self_links.find(peer->master)) f.host_bridge = bridge->name;
    }
  }
  return f;
}

void run_pod_layer(report::Report& r, const std::vector<SourcePod>& sources,
                   const DiagnoseContext& ctx) {
  for (const auto& src : sources) {
    // The links were read inside the pod's namespace during discovery, moments ago.
    for (auto& c : evaluate_pod_layer(pod_facts(src, *ctx.discovery), src.display)) {
      report::add_check(r, Layer::kPod, std::move(c));
    }
  }
}

void run_node_layer(report::Report& r, const DiagnoseContext& ctx) {
  if (ctx.mode == netns::RunMode::kPod) {
    report::add_check(r, Layer::kNode,
                      skipped(Layer::kNode,
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
    report::add_check(r, Layer::kNode, std::move(c));
  }
}

void run_same_node(report::Report& r, const std::vector<SourcePod>& sources,
                   const DiagnoseContext& ctx, const DiagnoseOptions& options) {
  SameNodeOptions o;
  o.timeout = options.timeout;
  const bool node_probe = ctx.mode == netns::RunMode::kNode;
  // Targets are every pod of this node, not only the sources asked for.
  const std::vector<SourcePod> peers = local_pods(*ctx.discovery, ctx.inventory);
  std::vector<std::future<std::vector<report::Check>>> running;
  for (const auto& src : sources) {
    running.push_back(std::async(std::launch::async, [&, node_probe] {
      return run_same_node_layer(src, peers, node_probe, o);
    }));
  }
  for (auto& f : running) {
    for (auto& c : f.get()) report::add_check(r, Layer::kSameNode, std::move(c));
  }
}

}  // namespace

report::Report diagnose(const std::vector<SourcePod>& sources, const DiagnoseContext& ctx,
                        const DiagnoseOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  report::Report r = report::make_report();
  r.mode = netns::to_string(ctx.mode);
  r.node = ctx.node;
  for (const auto& s : sources) r.sources.push_back({s.pod, s.ip, s.netns.path});

  for (Layer layer : report::kAllLayers) {
    if (!selected(options, layer)) {
      report::add_check(r, layer, skipped(layer, "not selected (--layers)"));
    } else if (layer == Layer::kNode) {
      run_node_layer(r, ctx);
    } else if (layer == Layer::kPod) {
      run_pod_layer(r, sources, ctx);
    } else if (layer == Layer::kSameNode) {
      run_same_node(r, sources, ctx, options);
    } else {
      report::add_check(r, layer, skipped(layer, "this layer's checks are not implemented yet"));
    }
  }
  r.duration_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::steady_clock::now() - start)
                      .count();
  return r;
}

}  // namespace netdoctor::probes
