#include "report/root_cause.h"

#include "report/catalogue.h"

namespace netdoctor::report {

namespace {

// The first failing check of the lowest layer that has one. Layers are compared by their place
// in the contract's order, not by their position in the vector, which callers may not keep.
const Check* lowest_failure(const Report& report, Layer& layer) {
  const Check* found = nullptr;
  for (const LayerResult& result : report.layers) {
    if (found != nullptr && result.layer >= layer) continue;
    for (const Check& check : result.checks) {
      if (check.status == Status::kFail) {
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
  Layer root_layer = Layer::kNode;
  const Check* root = lowest_failure(report, root_layer);
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
