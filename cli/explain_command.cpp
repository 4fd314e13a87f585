// `netdoctor explain CODE`: the catalogue's entry for a finding code.
#include "cli/commands.h"
#include "cli/session.h"
#include "report/catalogue.h"
#include "report/explain.h"
#include "report/model.h"

namespace netdoctor::cli {

int run_explain(const std::string& code, std::ostream& out, std::ostream& err) {
  const std::optional<report::Code> known_code = report::Code::find(code);
  const report::CodeInfo* info = known_code ? report::find_code(*known_code) : nullptr;
  if (info == nullptr) {
    std::string known;
    for (const auto& c : report::all_codes()) known += (known.empty() ? "" : ", ") + c.code.str();
    print_error(err, "unknown finding code \"" + code + "\" (known: " + known + ")");
    return report::kExitUsage;
  }
  report::write_explain(out, *info);
  return report::kExitHealthy;
}

}  // namespace netdoctor::cli
