#include <csignal>
#include <cstdio>
#include <cstdlib>

#include "cli/commands.h"
#include "core/privileges.h"
#include "probes/diagnose.h"

int main(int argc, char** argv) {
  // Before any thread: every thread inherits what is left. A child that goes away while it is
  // written to (dot, a client of serve) is an EPIPE, never the end of the process.
  std::signal(SIGPIPE, SIG_IGN);
  if (auto dropped = netdoctor::drop_privileges(); !dropped) {
    std::fprintf(stderr, "netdoctor: warning: %s\n", dropped.error().message().c_str());
  }
  const int status = netdoctor::cli::run(argc, argv);
  if (netdoctor::probes::layers_left_running()) {
    // A layer the deadline left behind still runs on its own thread: end without the static
    // destructors of the libraries it is using.
    std::fflush(nullptr);
    std::_Exit(status);
  }
  return status;
}
