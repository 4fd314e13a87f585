#include "report/model.h"

#include <algorithm>

namespace netdoctor::report {

namespace {

// The names of the contract, indexed by the enum's value.
constexpr std::array<std::string_view, 8> kLayerNames = {
    "node", "pod", "same-node", "cross-node", "service", "dns", "apiserver", "egress"};

}  // namespace

std::string_view to_string(Layer layer) {
  return kLayerNames.at(static_cast<size_t>(layer));
}

std::string_view to_string(Status status) {
  switch (status) {
    case Status::kPass:
      return "pass";
    case Status::kWarn:
      return "warn";
    case Status::kSkip:
      return "skip";
    case Status::kFail:
      return "fail";
  }
  return "unknown";
}

std::optional<Layer> layer_from_string(std::string_view name) {
  for (Layer layer : kAllLayers) {
    if (to_string(layer) == name) return layer;
  }
  return std::nullopt;
}

// A skipped check does not hide the passes around it: a layer with one pass and one skip ran
// and passed. Only a layer where nothing ran at all is skipped.
Status LayerResult::status() const {
  auto any = [this](Status wanted) {
    return std::any_of(checks.begin(), checks.end(),
                       [wanted](const Check& check) { return check.status == wanted; });
  };
  if (any(Status::kFail)) return Status::kFail;
  if (any(Status::kWarn)) return Status::kWarn;
  if (any(Status::kPass)) return Status::kPass;
  return Status::kSkip;
}

bool Report::healthy() const {
  return std::none_of(layers.begin(), layers.end(),
                      [](const LayerResult& layer) { return layer.status() == Status::kFail; });
}

Report make_report() {
  Report report;
  for (Layer layer : kAllLayers) report.layers.push_back(LayerResult{layer, {}});
  return report;
}

void add_check(Report& report, Layer layer, Check check) {
  auto it = std::find_if(report.layers.begin(), report.layers.end(),
                         [layer](const LayerResult& result) { return result.layer == layer; });
  if (it == report.layers.end()) {
    // A report not made by make_report: insert the layer where the contract's order puts it.
    it = std::find_if(report.layers.begin(), report.layers.end(),
                      [layer](const LayerResult& result) { return result.layer > layer; });
    it = report.layers.insert(it, LayerResult{layer, {}});
  }
  it->checks.push_back(std::move(check));
}

void explain(Check& check, Code code, std::string by) {
  check.explained_by = by;
  for (Cause& cause : check.causes) {
    if (cause.code == code && (cause.check.empty() || cause.check == by)) {
      cause.check = std::move(by);
      return;
    }
  }
  check.causes.push_back({code, std::move(by)});
}

const Check* root_cause_check(const Report& report) {
  if (!report.root_cause) return nullptr;
  const RootCause& cause = *report.root_cause;
  for (const LayerResult& layer : report.layers) {
    if (layer.layer != cause.layer) continue;
    for (const Check& check : layer.checks) {
      if (check.status == Status::kFail && check.id == cause.check_id &&
          check.source == cause.source && check.code == cause.code) {
        return &check;
      }
    }
  }
  return nullptr;
}

int exit_status(const Report& report) {
  return report.healthy() ? kExitHealthy : kExitFaulty;
}

}  // namespace netdoctor::report
