#include "probes/topology.h"

#include "probes/cross_node/cross_node_layer.h"
#include "probes/net/routes.h"
#include "probes/pod/pod_layer.h"

namespace netdoctor::probes {

namespace {

// The address of the device a route leaves through.
std::string address_of_dev(const netns::LinkSnapshot& links, const std::string& dev) {
  if (const auto* iface = links.find(dev); iface != nullptr && !iface->addrs.empty()) {
    return iface->addrs.front().address;
  }
  return {};
}

std::string pod_label(const SourcePod& pod) {
  return pod.display == pod.ip || pod.ip.empty() ? pod.display : pod.display + " " + pod.ip;
}

}  // namespace

report::Topology topology_of(const SourcePod& source, const std::vector<SourcePod>& local_pods,
                             const DiagnoseContext& ctx, const DiagnoseOptions& options) {
  report::Topology t;
  t.source = source.display;
  t.source_ip = source.ip;
  t.node = ctx.node;
  const bool on_node = ctx.mode == netns::RunMode::kNode && ctx.discovery != nullptr;
  const netns::LinkSnapshot* node_links = on_node ? &ctx.discovery->self_links : nullptr;
  const PodLinkFacts facts = pod_link_facts(source.netns, node_links);
  t.pod_iface = facts.pod_interface;
  if (facts.host_veth) t.veth = facts.host_veth->name;
  t.bridge = facts.host_bridge;
  for (const SourcePod& peer : local_pods) {
    if (peer.ip != source.ip && !peer.ip.empty()) {
      t.local_peer = pod_label(peer);
      break;
    }
  }
  if (ctx.discovery != nullptr) {
    const auto remote = remote_targets(ctx.inventory, ctx.node, ctx.discovery->self_links);
    if (!remote.empty()) {
      const RemoteTarget& r = remote.front();
      t.remote_pod = r.display;
      t.remote_ip = r.ip;
      t.remote_node = r.node;
      t.remote_node_ip = r.node_ip;
      if (node_links != nullptr) {
        // The overlay device (flannel.1, vxlan.calico, cilium_vxlan, ...), whether or not a
        // route leads there; else the device the remote pods' route leaves through (host-gw).
        for (const auto& iface : node_links->interfaces) {
          if (iface.kind == "vxlan" || iface.kind == "geneve" || iface.kind == "ipip" ||
              iface.kind == "wireguard") {
            t.overlay = iface.name;
            break;
          }
        }
        if (t.overlay.empty()) {
          if (const auto route = lookup_route(*node_links, r.ip))
            t.overlay = route->dev + " (routed)";
        }
        if (!r.node_ip.empty()) {
          if (const auto route = lookup_route(*node_links, r.node_ip)) {
            t.underlay = route->dev;
            t.node_ip = address_of_dev(*node_links, route->dev);
          }
        }
      }
    }
    if (node_links != nullptr && t.underlay.empty()) {
      if (const auto* def = node_links->default_route()) {
        t.underlay = def->dev;
        t.node_ip = address_of_dev(*node_links, def->dev);
      }
    }
  }
  if (ctx.inventory != nullptr) {
    if (const auto* dns = ctx.inventory->find_service("kube-system", "kube-dns")) {
      t.dns_service = dns->cluster_ip;
      const auto eps = ctx.inventory->endpoint_ips("kube-system", "kube-dns");
      if (!eps.empty()) t.dns_endpoint = eps.front();
    }
    if (const auto* api = ctx.inventory->find_service("default", "kubernetes")) {
      t.apiserver = api->cluster_ip;
      const auto eps = ctx.inventory->endpoint_ips("default", "kubernetes");
      if (!eps.empty()) t.apiserver += " → " + eps.front();
    }
  }
  if (!options.egress_urls.empty()) t.outside = options.egress_urls.front();
  return t;
}

}  // namespace netdoctor::probes
