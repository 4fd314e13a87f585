// `netdoctor explain CODE`: the catalogue's entry for a finding code.
#include "cli/commands.h"
#include "cli/session.h"
#include "report/catalogue.h"
#include "report/explain.h"
#include "report/model.h"

namespace netdoctor::cli {

int run_explain(const std::string& code, std::ostream& out, std::ostream& err) {
  const report::CodeInfo* info = report::find_code(code);
  if (info == nullptr) {
    std::string known;
    for (const auto& c : report::all_codes()) known += (known.empty() ? "" : ", ") + c.code;
    print_error(err, "unknown finding code \"" + code + "\" (known: " + known + ")");
    return report::kExitUsage;
  }
  report::write_explain(out, *info);
  return report::kExitHealthy;
}

}  // namespace netdoctor::cli
