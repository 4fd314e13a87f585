// The layer contract. A layer is a folder under probes/ with one entry point, `start`, that
// reads the scene (probes/scene.h) and the options and returns the layer's work for this
// diagnosis: a node-wide part, run once, and a part per source pod. The scheduler
// (probes/diagnose.cpp) runs every part of every layer as a task of one bounded pool, turns an
// exception into a skip check, and cuts what the deadline leaves behind. A layer never starts
// threads to run sources in parallel, never catches to make a skip, and never reads the node's
// state that the scene already holds.
//
// Adding a layer: its folder with a `start_<name>_layer` function, its value in report::Layer
// (report/model.h), one line in the registry (probes/layers.cpp), its codes in the catalogue
// (report/catalogue_*.cpp) and, where another finding explains one of them, a row in
// report/explains.cpp.
#pragma once

#include <memory>
#include <vector>

#include "probes/options.h"
#include "probes/scene.h"
#include "report/model.h"

namespace netdoctor::probes {

using Checks = std::vector<report::Check>;

// One layer's work in one diagnosis. Both parts may run at the same time, on different threads,
// and a source's part alongside other sources': an implementation keeps what it shares between
// them immutable, or guards it itself. Either may block up to about two probe timeouts.
class LayerRun {
 public:
  virtual ~LayerRun() = default;
  // Checks about the node or the layer as a whole (source ""), or the reason the layer is
  // skipped. Run once, before the sources' parts are reported.
  [[nodiscard]] virtual Checks node() { return {}; }
  // The checks from one source pod.
  [[nodiscard]] virtual Checks source(const SourcePod& /*src*/) { return {}; }
  // Whether source() has anything to do (false: only node() runs, e.g. when it says why the
  // layer is skipped).
  [[nodiscard]] virtual bool per_source() const { return true; }
  // Whether source() sends probes (false: it only reads the scene, and runs before every part
  // that probes, so the deadline never cuts it).
  [[nodiscard]] virtual bool probes() const { return true; }
};

struct LayerDef {
  report::Layer layer;
  // Starts the layer's work: cheap (no probing); the returned object owns what its parts share.
  // The scene outlives it.
  std::unique_ptr<LayerRun> (*start)(const Scene& scene, const DiagnoseOptions& options);
};

// Every layer, bottom up, in report::kAllLayers' order.
[[nodiscard]] const std::vector<LayerDef>& layer_registry();

// A check that says why a layer (or part of it) did not run: id "<layer>.layer", status skip.
[[nodiscard]] report::Check skip_check(report::Layer layer, const std::string& why,
                                       const std::string& source = "");

}  // namespace netdoctor::probes
