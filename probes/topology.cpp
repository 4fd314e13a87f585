#include "probes/topology.h"

#include "probes/net/routes.h"

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

report::Topology topology_of(const SourcePod& source, const Scene& scene,
                             const DiagnoseOptions& options) {
  report::Topology t;
  t.source = source.display;
  t.source_ip = source.ip;
  t.node = scene.node;
  const netns::LinkSnapshot* node_links = scene.node_links();
  const PodLinkFacts& facts = scene.links_of(source.netns);
  t.pod_iface = facts.pod_interface;
  if (facts.host_veth) t.veth = facts.host_veth->name;
  t.bridge = facts.host_bridge;
  for (const SourcePod& peer : scene.local_pods) {
    if (peer.ip != source.ip && !peer.ip.empty()) {
      t.local_peer = pod_label(peer);
      break;
    }
  }
  {
    const auto& remote = scene.remote_targets;
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
  if (scene.cluster_dns) {
    t.dns_service = scene.cluster_dns->ip;
    if (!scene.cluster_dns->endpoints.empty())
      t.dns_endpoint = scene.cluster_dns->endpoints.front().ip;
  }
  if (const auto* inv = scene.inv()) {
    if (const auto* api = inv->find_service("default", "kubernetes")) {
      t.apiserver = api->cluster_ip;
      const auto eps = inv->endpoint_ips("default", "kubernetes");
      if (!eps.empty()) t.apiserver += " → " + eps.front();
    }
  }
  if (!options.egress_urls.empty()) t.outside = options.egress_urls.front();
  return t;
}

}  // namespace netdoctor::probes
