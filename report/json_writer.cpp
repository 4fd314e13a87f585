#include "report/json_writer.h"

#include <utility>

#include "core/text.h"

namespace netdoctor::report {

namespace {

using nlohmann::ordered_json;

ordered_json check_json(const Check& check) {
  ordered_json out;
  out["id"] = check.id;
  out["source"] = check.source;
  out["status"] = to_string(check.status);
  // The contract requires a code on failures and warnings; a skip may carry one too
  // (capability-missing), so any non-empty code is written.
  if (!check.code.empty()) out["code"] = check.code.name();
  out["summary"] = check.summary;
  out["evidence"] = check.evidence;
  out["duration_ms"] = check.duration_ms;
  if (!check.explained_by.empty()) out["explained_by"] = check.explained_by;
  // Always present, empty or not, so that consumers need not test for them; a cause's "check"
  // only once it names a check of this report.
  out["causes"] = ordered_json::array();
  for (const Cause& cause : check.causes) {
    ordered_json item;
    item["code"] = cause.code.name();
    if (!cause.check.empty()) item["check"] = cause.check;
    out["causes"].push_back(std::move(item));
  }
  out["subjects"] = check.subjects;
  return out;
}

ordered_json layer_json(const LayerResult& layer) {
  ordered_json out;
  out["layer"] = to_string(layer.layer);
  out["status"] = to_string(layer.status());
  out["checks"] = ordered_json::array();
  for (const Check& check : layer.checks) out["checks"].push_back(check_json(check));
  return out;
}

ordered_json root_cause_json(const std::optional<RootCause>& cause) {
  if (!cause) return nullptr;
  ordered_json out;
  out["layer"] = to_string(cause->layer);
  out["code"] = cause->code.name();
  out["summary"] = cause->summary;
  out["evidence"] = cause->evidence;
  out["remedy"] = cause->remedy;
  out["check_id"] = cause->check_id;
  return out;
}

// Every layer of the contract appears, in its order, even when the report lacks one.
ordered_json layers_json(const Report& report) {
  ordered_json out = ordered_json::array();
  for (Layer layer : kAllLayers) {
    LayerResult merged{layer, {}};
    for (const LayerResult& result : report.layers) {
      if (result.layer != layer) continue;
      merged.checks.insert(merged.checks.end(), result.checks.begin(), result.checks.end());
    }
    out.push_back(layer_json(merged));
  }
  return out;
}

}  // namespace

ordered_json to_json(const Report& report) {
  ordered_json out;
  out["schema"] = kSchema;
  out["mode"] = report.mode;
  out["node"] = report.node;
  out["sources"] = ordered_json::array();
  for (const Source& source : report.sources) {
    out["sources"].push_back({{"pod", source.pod}, {"ip", source.ip}, {"netns", source.netns}});
  }
  out["verdict"] = report.healthy() ? "healthy" : "faulty";
  out["root_cause"] = root_cause_json(report.root_cause);
  out["layers"] = layers_json(report);
  out["duration_ms"] = report.duration_ms;
  return out;
}

// Strings from outside are written as they are (the same values), but DEL, C1 controls and
// bidirectional overrides as \u escapes (core/text.h json_escape_controls), and bytes that are
// not UTF-8 as U+FFFD: the document is safe to read in a terminal.
void write_json(std::ostream& out, const Report& report) {
  out << json_escape_controls(
             to_json(report).dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace))
      << '\n';
}

}  // namespace netdoctor::report
