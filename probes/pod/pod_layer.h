// Layer `pod`: the pod's own end of the network. Its interface is up, carries an IPv4 address,
// a default route leaves through it, and its veth peer on the node is up.
//
// Collect, then interpret: collect_pod_facts reads the kernel (in the pod's netns and the
// node's), evaluate_pod_layer turns the facts into checks and is pure.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "netns/discover.h"
#include "netns/links.h"
#include "probes/layer.h"
#include "probes/net/pod_links.h"
#include "report/model.h"

namespace netdoctor::probes {

[[nodiscard]] std::vector<report::Check> evaluate_pod_layer(const PodLinkFacts& facts,
                                                            const std::string& source);

// `ip link`-like one-line description used as evidence: "eth0: mtu 1500 state UP <UP,LOWER_UP>".
[[nodiscard]] std::string describe(const netns::Interface& itf);

// The layer's entry point (probes/layer.h).
[[nodiscard]] std::unique_ptr<LayerRun> start_pod_layer(const Scene& scene,
                                                        const DiagnoseOptions& options);

}  // namespace netdoctor::probes
