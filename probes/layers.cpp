// The layer registry: one line a layer, bottom up (report::kAllLayers' order).
#include "probes/apiserver/apiserver_layer.h"
#include "probes/cross_node/cross_node_layer.h"
#include "probes/dns/dns_layer.h"
#include "probes/egress/egress_layer.h"
#include "probes/layer.h"
#include "probes/node/node_layer.h"
#include "probes/pod/pod_layer.h"
#include "probes/same_node/same_node_layer.h"
#include "probes/service/service_layer.h"

namespace netdoctor::probes {

using report::Layer;

const std::vector<LayerDef>& layer_registry() {
  static const std::vector<LayerDef> registry = {
      {Layer::kNode, start_node_layer},           {Layer::kPod, start_pod_layer},
      {Layer::kSameNode, start_same_node_layer},  {Layer::kCrossNode, start_cross_node_layer},
      {Layer::kService, start_service_layer},     {Layer::kDns, start_dns_layer},
      {Layer::kApiserver, start_apiserver_layer}, {Layer::kEgress, start_egress_layer},
  };
  return registry;
}

report::Check skip_check(Layer layer, const std::string& why, const std::string& source) {
  report::Check c;
  c.id = std::string(report::to_string(layer)) + ".layer";
  c.source = source;
  c.status = report::Status::kSkip;
  c.summary = why;
  return c;
}

}  // namespace netdoctor::probes
