// Findings across sources: on a node, every layer runs from every local pod, so one finding (a
// Service without endpoints, a dead peer) comes back once per source. The text and Markdown
// reports show it once, with the sources that saw it; the JSON keeps one check per source.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "report/model.h"

namespace netdoctor::report {

// The checks of one layer that say the same thing from different sources, in report order.
// Two checks are the same finding when they have the same id (which names the target for every
// check that probes one: "same-node.ping:default/web-1", "service.clusterip:default/web:http"),
// status, code, explained_by and subjects (as a set), both have a source or neither has, and,
// unless they pass, the same summary once each source's own name and address are taken out of
// it. So two targets' findings never merge (their ids or subjects differ), nor two different
// observations of one target ("2 of 3 connects failed" and "3 of 3"); passing checks merge
// whatever their numbers (round-trip times, counts, the pod's own veth).
struct Finding {
  std::vector<const Check*> checks;  // at least one; the first is the one shown
  std::vector<std::string> sources;  // the checks' non-empty sources, first seen first, no repeats
  bool details_differ = false;       // the checks' summaries or evidence are not all the same

  [[nodiscard]] const Check& first() const { return *checks.front(); }
};

// The layer's checks as findings, in the order of each finding's first check.
[[nodiscard]] std::vector<Finding> group_checks(const Report& report, const LayerResult& layer);

// Whether two checks of one layer are the same finding (the rule above).
[[nodiscard]] bool same_finding(const Report& report, const Check& a, const Check& b);

// `summary` with the source's display name and its address replaced by "<source>", where they
// stand as whole words: what is left is the same for every source that saw the same thing.
[[nodiscard]] std::string without_source(const Report& report, const std::string& summary,
                                         const std::string& source);

// How many sources list the finding: "default/a, default/b and 3 more" (at most `shown` names).
[[nodiscard]] std::string source_list(const std::vector<std::string>& sources,
                                      std::size_t shown = 8);

// The sources that saw the root cause's finding (the root cause's check and those of the same
// finding); empty without a root cause or when its check has no source.
[[nodiscard]] std::vector<std::string> root_cause_sources(const Report& report);

}  // namespace netdoctor::report
