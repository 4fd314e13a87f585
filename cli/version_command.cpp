// `netdoctor version`: version, build flags and the versions of the libraries linked in.
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/version.h"

namespace netdoctor::cli {

int run_version(std::ostream& out) {
  out << "netdoctor " << kVersion << " (" << kGitDescribe << ")\n"
      << "build: " << kBuildType << ", " << kCompiler << (kSanitize[0] ? ", sanitize=" : "")
      << kSanitize << "\n"
      << "libraries: nlohmann-json " << NLOHMANN_JSON_VERSION_MAJOR << "."
      << NLOHMANN_JSON_VERSION_MINOR << "." << NLOHMANN_JSON_VERSION_PATCH << ", " << kLibnl
      << "\n";
  return 0;
}

}  // namespace netdoctor::cli
