// Runs a program and collects its output: for the few readers that must use one
// (iptables-nft-save). The child is spawned from the calling thread, so it inherits that
// thread's network namespace: call it from a thread entered with netns::run_in.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "core/result.h"

namespace netdoctor::rules {

struct CommandOutput {
  int exit_status = 0;  // 128+signal when killed
  std::string out;
  std::string err;
};

// Looks argv[0] up in PATH (plus /usr/sbin and /sbin, where iptables lives). Fails when the
// program cannot be started or outlives `timeout` (it is then killed).
[[nodiscard]] Result<CommandOutput> run_command(const std::vector<std::string>& argv,
                                                std::chrono::milliseconds timeout);

}  // namespace netdoctor::rules
