#include "probes/diagnose.h"

#include <atomic>
#include <future>
#include <latch>
#include <memory>
#include <thread>

#include "probes/layer.h"
#include "probes/net/http.h"
#include "probes/topology.h"

namespace netdoctor::probes {
namespace {

using report::Layer;

std::atomic<bool> g_left_running{false};

// One part of one layer's work: its node-wide part (source null) or its part for one source.
struct Task {
  std::size_t layer = 0;  // index into Job::layers
  const SourcePod* source = nullptr;
};

// Everything the workers read, owned by them and diagnose() together: a task the deadline
// leaves behind still finds it all alive.
struct Job {
  Scene scene;
  DiagnoseOptions options;
  std::vector<Layer> layers;                    // report::kAllLayers
  std::vector<std::unique_ptr<LayerRun>> runs;  // per layer; null when not selected
  std::vector<Task> tasks;                      // in the order they start
  std::vector<std::promise<Checks>> done;       // per task
  std::vector<std::atomic<int>> left;           // per layer: tasks not finished
  std::vector<std::atomic<bool>> started;       // per layer: on_layer(layer, false) was called
  std::atomic<std::size_t> next{0};
  std::atomic<bool> cancelled{false};

  Job(Scene s, const DiagnoseOptions& o, std::size_t layer_count)
      : scene(std::move(s)), options(o), left(layer_count), started(layer_count) {}
};

// Runs one task: the layer's part, or a skip check when the layer is not selected. The one
// place where an exception becomes a check.
Checks run_task(Job& job, const Task& t) {
  const Layer layer = job.layers[t.layer];
  const std::string source = t.source ? t.source->display : std::string();
  try {
    const ThreadTlsRelease release;  // the apiserver layer reads CAs with libcrypto
    LayerRun* run = job.runs[t.layer].get();
    if (run == nullptr) return {skip_check(layer, "not selected (--layers)")};
    return t.source ? run->source(*t.source) : run->node();
  } catch (const std::exception& e) {
    return {skip_check(layer, std::string("internal error: ") + e.what(), source)};
  } catch (...) {
    return {skip_check(layer, "internal error", source)};
  }
}

// A worker: takes the next task until there is none. A task not started when diagnose() gave
// up (the deadline) is not started at all.
void work(std::shared_ptr<Job> job, std::shared_ptr<std::latch> exited) {
  for (;;) {
    const std::size_t i = job->next.fetch_add(1);
    if (i >= job->tasks.size()) break;
    const Task& t = job->tasks[i];
    const Layer layer = job->layers[t.layer];
    const auto& on_layer = job->options.on_layer;
    Checks out;
    if (!job->cancelled) {
      if (!job->started[t.layer].exchange(true) && on_layer) on_layer(layer, false);
      out = run_task(*job, t);
    }
    if (job->left[t.layer].fetch_sub(1) == 1 && on_layer) on_layer(layer, true);
    job->done[i].set_value(std::move(out));
  }
  // Let go of the job before saying so: once every worker is out, diagnose() holds the last
  // reference and frees the scene (the rules: 120 MB on a 10,000-Service node) on the caller's
  // thread before it returns, not some worker after it (serve trims the heap after a run).
  job.reset();
  exited->count_down();
}

// The tasks, in the order they start: every layer's node-wide part, then the parts that only
// read the scene, then, source by source, the parts that probe.
void plan_tasks(Job& job) {
  for (std::size_t l = 0; l < job.layers.size(); ++l) job.tasks.push_back({l, nullptr});
  for (const bool probing : {false, true}) {
    for (const SourcePod& src : job.scene.sources) {
      for (std::size_t l = 0; l < job.layers.size(); ++l) {
        const LayerRun* run = job.runs[l].get();
        if (run == nullptr || !run->per_source() || run->probes() != probing) continue;
        job.tasks.push_back({l, &src});
      }
    }
  }
  job.done.resize(job.tasks.size());
  for (const Task& t : job.tasks) job.left[t.layer].fetch_add(1);
}

}  // namespace

bool layers_left_running() {
  return g_left_running.load();
}

report::Report diagnose(const std::vector<SourcePod>& sources, const DiagnoseContext& given,
                        const DiagnoseOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  const auto& registry = layer_registry();
  auto job = std::make_shared<Job>(gather_scene(sources, given, options), options, registry.size());
  for (const LayerDef& def : registry) {
    job->layers.push_back(def.layer);
    job->runs.push_back(options.selected(def.layer) ? def.start(job->scene, options) : nullptr);
  }
  plan_tasks(*job);
  std::vector<std::future<Checks>> results;
  for (auto& p : job->done) results.push_back(p.get_future());

  // Every layer runs at once: a diagnosis costs about its slowest probe, not the sum.
  const std::size_t workers =
      std::min(std::max<std::size_t>(options.parallel, 1), job->tasks.size());
  auto exited = std::make_shared<std::latch>(static_cast<std::ptrdiff_t>(workers));
  for (std::size_t w = 0; w < workers; ++w) std::thread(work, job, exited).detach();

  report::Report r = report::make_report();
  r.mode = netns::to_string(given.mode);
  r.node = given.node;
  for (const auto& s : sources) r.sources.push_back({s.pod, s.ip, s.netns.path});
  // The path picture's facts, read while the probes run (no probing of its own).
  for (const auto& src : job->scene.sources) {
    r.topology.push_back(topology_of(src, job->scene, options));
  }
  const auto deadline = start + options.deadline;
  bool cut = false;
  // Each layer's checks: its node-wide part first, then its sources in the order given.
  for (std::size_t l = 0; l < job->layers.size(); ++l) {
    const Layer layer = job->layers[l];
    for (std::size_t i = 0; i < job->tasks.size(); ++i) {
      const Task& t = job->tasks[i];
      if (t.layer != l) continue;
      if (options.deadline.count() > 0 &&
          results[i].wait_until(deadline) != std::future_status::ready) {
        cut = true;
        auto c = skip_check(layer,
                            "did not finish within the deadline of " +
                                std::to_string(options.deadline.count()) +
                                " ms (--deadline): its probes were still running",
                            t.source ? t.source->display : "");
        c.code = "deadline-exceeded";
        report::add_check(r, layer, std::move(c));
        continue;
      }
      for (auto& c : results[i].get()) report::add_check(r, layer, std::move(c));
    }
  }
  if (cut) {
    job->cancelled = true;
    g_left_running = true;
  } else {
    exited->wait();  // every worker is out: the scene is freed here, below
  }
  job.reset();
  r.duration_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::steady_clock::now() - start)
                      .count();
  return r;
}

}  // namespace netdoctor::probes
