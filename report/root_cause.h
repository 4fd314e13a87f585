// Root-cause selection: which failing check explains the others. For now a layer model: the
// lowest failing layer's first failure explains every failure above it from the same source.
// A dependency model between codes (a missing masquerade explains an unreachable API server)
// can refine it later without changing the callers.
#pragma once

#include "report/model.h"

namespace netdoctor::report {

// First, a warning whose code is a cause in the explanations table (report/explains.h) becomes a
// failure when a failing check it explains, concerning a common subject, confirms it (the node's
// missing masquerade, confirmed by the cluster DNS's upstream failing).
// Sets report.root_cause (nullopt when no check failed) and marks each explained failing check
// with explained_by = the root cause's check id. The remedy comes from the catalogue. A check
// whose explained_by is already set keeps it. A root cause from a check without a source (a
// node-wide finding) explains the failures of every source.
void assign_root_cause(Report& report);

}  // namespace netdoctor::report
