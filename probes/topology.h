// What the path picture needs to know about a source pod's way out: its veth and bridge, this
// node, the overlay and underlay toward another node and one of its pods, the cluster DNS, the
// API server and the first outside target. Read from the scene; no probing.
#pragma once

#include "probes/options.h"
#include "probes/scene.h"
#include "report/model.h"

namespace netdoctor::probes {

[[nodiscard]] report::Topology topology_of(const SourcePod& source, const Scene& scene,
                                           const DiagnoseOptions& options);

}  // namespace netdoctor::probes
