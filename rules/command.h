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

struct CommandOptions {
  std::chrono::milliseconds timeout{20000};
  std::size_t max_output = std::size_t{256} << 20;  // stdout and stderr each; 256 MiB
  std::string input;                                // written to its standard input
};

// The only directories a program is looked up in, whatever PATH says, and the child's PATH.
inline constexpr const char* kCommandPath =
    "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

// Spawns argv (argv[0] looked up in kCommandPath; a name with a '/' is taken as is) with
// posix_spawn: no other descriptor than its standard ones, an environment of PATH=kCommandPath
// and LC_ALL=C only, `input` on its standard input. Fails when the program cannot be started,
// outlives the timeout or writes more than max_output (it is then killed).
[[nodiscard]] Result<CommandOutput> run_command(const std::vector<std::string>& argv,
                                                const CommandOptions& options);

[[nodiscard]] inline Result<CommandOutput> run_command(const std::vector<std::string>& argv,
                                                       std::chrono::milliseconds timeout) {
  return run_command(argv, CommandOptions{timeout});
}

}  // namespace netdoctor::rules
