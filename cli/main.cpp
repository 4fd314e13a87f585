#include <cstdio>
#include <cstdlib>

#include "cli/commands.h"
#include "probes/diagnose.h"

int main(int argc, char** argv) {
  const int status = netdoctor::cli::run(argc, argv);
  if (netdoctor::probes::layers_left_running()) {
    // A layer the deadline left behind still runs on its own thread: end without the static
    // destructors of the libraries it is using.
    std::fflush(nullptr);
    std::_Exit(status);
  }
  return status;
}
