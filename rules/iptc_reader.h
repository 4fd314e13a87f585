// Reads legacy iptables (the kernel's x_tables) straight from the kernel through the ip_tables
// shim, without spawning a binary, in the network namespace of the calling thread. Each kernel
// rule becomes a Rule directly: the shim decodes matches and targets into the tokens
// iptables-save would print, and the same option interpreters as the text parser fill the model,
// so both readers give the same Ruleset for the same rules (no text round trip).
//
// Asking the kernel for a table creates it when the namespace has none yet, so only the tables
// listed in /proc/thread-self/net/ip_tables_names are read. (/proc/net/ shows the thread-group
// leader's namespace, not this thread's.)
#pragma once

#include <string>
#include <vector>

#include "core/result.h"
#include "rules/ruleset.h"

namespace netdoctor::rules {

// The legacy tables the calling thread's namespace has; empty when x_tables is not loaded.
[[nodiscard]] Result<std::vector<std::string>> legacy_table_names();

// Every listed legacy table, in the order iptables-legacy-save prints them.
[[nodiscard]] Result<Ruleset> read_legacy_iptc();

}  // namespace netdoctor::rules
