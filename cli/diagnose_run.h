// One diagnosis as `netdoctor diagnose` runs it, split so that other commands (serve) can run
// it again and again: the options are checked once (plan_diagnose), then each run opens a
// fresh session (inventory, discovery, mode), resolves the source pods, runs every selected
// layer and assigns the root cause (run_diagnosis).
#pragma once

#include <optional>
#include <ostream>
#include <vector>

#include "cli/commands.h"
#include "cli/session.h"
#include "inventory/ref.h"
#include "probes/diagnose.h"
#include "report/model.h"

namespace netdoctor::cli {

struct DiagnosePlan {
  probes::DiagnoseOptions probe;
  std::vector<inventory::Ref> refs;  // --from; empty: every pod on this node
  probes::SourceOptions sources;     // how --from is resolved
  SessionOptions session;
};

// Checks `diagnose`'s options (timeout, layers, REFs, egress URLs, --to addresses). On bad
// usage writes one line to `err` and returns nullopt: the exit status is 2.
[[nodiscard]] std::optional<DiagnosePlan> plan_diagnose(const DiagnoseOptions& options,
                                                        std::ostream& err);

// Runs one diagnosis: session, sources, layers, root cause; the report's duration covers all of
// it. On failure (bad input, missing capability, no pod to diagnose) writes one line to `err`,
// sets `exit_code` (2 or 3) and returns nullopt.
[[nodiscard]] std::optional<report::Report> run_diagnosis(const DiagnosePlan& plan,
                                                          std::ostream& err, int& exit_code);

}  // namespace netdoctor::cli
