#include "report/root_cause.h"

#include "report/catalogue.h"

#include <map>
#include <string>
#include <vector>

namespace netdoctor::report {

namespace {

// A failing check may say which finding explains it, with an evidence line "cause: CODE" (a
// finding code, e.g. an API server outside the pod network that fails because the node does
// not masquerade: "cause: egress-no-snat"), or "cause: service" (the ClusterIP fails while the
// endpoints answer: a node or service finding explains it). Links each such check to the
// failing check that carries that finding, preferring one of the same source.
const Check* explaining_check(const Report& report, const Check& check, const std::string& cause) {
  const Check* any = nullptr;
  for (const LayerResult& result : report.layers) {
    const bool service_path = result.layer == Layer::kNode || result.layer == Layer::kService;
    for (const Check& other : result.checks) {
      if (other.status != Status::kFail || other.id == check.id || !other.explained_by.empty()) {
        continue;
      }
      const bool matches = cause == "service" ? service_path : other.code == cause;
      if (!matches) continue;
      if (other.source.empty() || other.source == check.source) return &other;
      if (any == nullptr) any = &other;
    }
  }
  return any;
}

// Causes no check states but the network implies: the cluster DNS forwards outside names from
// a pod, so its upstream traffic needs the same masquerade as any pod's egress.
const std::map<std::string, std::vector<std::string>>& implied_causes() {
  static const std::map<std::string, std::vector<std::string>> causes = {
      {"dns-upstream-failure", {"egress-no-snat"}},
      {"egress-dns-failure", {"dns-upstream-failure", "egress-no-snat"}},
  };
  return causes;
}

std::vector<std::string> causes_of(const Check& check) {
  std::vector<std::string> causes;
  for (const std::string& line : check.evidence) {
    if (line.rfind("cause: ", 0) == 0) causes.push_back(line.substr(7));
  }
  if (auto it = implied_causes().find(check.code); it != implied_causes().end()) {
    causes.insert(causes.end(), it->second.begin(), it->second.end());
  }
  return causes;
}

void link_stated_causes(Report& report) {
  for (LayerResult& result : report.layers) {
    for (Check& check : result.checks) {
      if (check.status != Status::kFail || !check.explained_by.empty()) continue;
      for (const std::string& cause : causes_of(check)) {
        if (const Check* by = explaining_check(report, check, cause)) {
          check.explained_by = by->id;
          break;
        }
      }
    }
  }
}

// The first failing check of the lowest layer that has one. Layers are compared by their place
// in the contract's order, not by their position in the vector, which callers may not keep.
const Check* lowest_failure(const Report& report, Layer& layer) {
  const Check* found = nullptr;
  for (const LayerResult& result : report.layers) {
    if (found != nullptr && result.layer >= layer) continue;
    for (const Check& check : result.checks) {
      if (check.status == Status::kFail && check.explained_by.empty()) {
        layer = result.layer;
        found = &check;
        break;
      }
    }
  }
  return found;
}

RootCause make_root_cause(Layer layer, const Check& check) {
  RootCause cause;
  cause.layer = layer;
  cause.code = check.code;
  cause.summary = check.summary;
  cause.evidence = check.evidence;
  if (const CodeInfo* info = find_code(check.code)) cause.remedy = info->remedy;
  cause.check_id = check.id;
  return cause;
}

}  // namespace

void assign_root_cause(Report& report) {
  report.root_cause.reset();
  link_stated_causes(report);
  Layer root_layer = Layer::kNode;
  const Check* root = lowest_failure(report, root_layer);
  if (root == nullptr) {
    // Every failure names another as its cause (a cycle): fall back to the lowest failure.
    for (LayerResult& result : report.layers) {
      for (Check& check : result.checks) check.explained_by.clear();
    }
    root = lowest_failure(report, root_layer);
  }
  if (root == nullptr) return;
  report.root_cause = make_root_cause(root_layer, *root);
  const std::string source = root->source;
  for (LayerResult& result : report.layers) {
    // Same-layer failures are findings of their own; only a lower layer explains a higher one.
    if (result.layer <= root_layer) continue;
    for (Check& check : result.checks) {
      bool same_source = source.empty() || check.source == source;
      if (check.status == Status::kFail && same_source && check.explained_by.empty()) {
        check.explained_by = report.root_cause->check_id;
      }
    }
  }
}

}  // namespace netdoctor::report
