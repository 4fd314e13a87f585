// Reads legacy iptables (the kernel's x_tables) through libiptc, without spawning a binary, in
// the network namespace of the calling thread: run it on a thread entered with netns::run_in.
//
// libiptc creates a table as a side effect of opening one the namespace does not have yet, so
// only the tables listed in /proc/thread-self/net/ip_tables_names are opened. (/proc/net/ shows
// the thread-group leader's namespace, not this thread's.)
#pragma once

#include <string>
#include <vector>

#include "core/result.h"
#include "rules/ruleset.h"

namespace netdoctor::rules {

// The legacy tables the calling thread's namespace has; empty when x_tables is not loaded.
[[nodiscard]] Result<std::vector<std::string>> legacy_table_names();

// Every listed legacy table, rendered through the libiptc shim and parsed as iptables-save text.
[[nodiscard]] Result<Ruleset> read_legacy_iptc();

}  // namespace netdoctor::rules
