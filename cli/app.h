// Command-line parsing apart from running, so that a test can parse a command line without
// running anything.
#pragma once

#include <optional>
#include <ostream>
#include <string>

#include "cli/commands.h"

namespace netdoctor::cli {

// Every subcommand's options; parsing fills those of the one named in `command`.
struct CommandLine {
  std::string command;  // pods, diagnose, serve, services, trace, explain or version
  PodsOptions pods;
  DiagnoseOptions diagnose;
  ServeOptions serve;
  ServicesOptions services;
  TraceOptions trace;
  std::string code;  // explain's CODE
};

// Parses argv (argv[0] is the program) into `line`. Returns nullopt when `line.command` is to
// run; otherwise the exit status to end with, 0 after --help and 2 for bad usage, with CLI11's
// message written to `out` or `err`.
[[nodiscard]] std::optional<int> parse_command_line(int argc, const char* const* argv,
                                                    CommandLine& line, std::ostream& out,
                                                    std::ostream& err);

}  // namespace netdoctor::cli
