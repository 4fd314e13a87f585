// The finding-code catalogue: for every code a check may report, what it means, how netdoctor
// detects it, how to confirm it by hand and how to fix it. `netdoctor explain CODE`, the root
// cause's remedy and docs/codes.md all come from here, so the text is written for the on-call
// engineer who reads it at 3 a.m. A new code goes into the list of report/codes.h and gets its
// entry in one of report/catalogue_*.cpp.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "report/model.h"

namespace netdoctor::report {

struct CodeInfo {
  Layer layer = Layer::kNode;
  Code code;
  std::string title;      // one line: the contract's meaning of the code
  std::string detection;  // prose: what netdoctor looks at to report it
  // Shell snippets, one command per line; lines starting with "# " are comments. Placeholders in
  // angle brackets (<pod-pid>, <cluster-ip>) stand for values from the report's evidence.
  std::string confirm;
  std::string remedy;
  bool extra = false;      // beyond the contract's minimum table
  bool any_layer = false;  // reported by checks of any layer (`layer` is then only a home)
};

// The code's entry; nullptr for the empty code. Text from outside goes through Code::find first.
[[nodiscard]] const CodeInfo* find_code(Code code);

// Every code, by layer bottom up, the contract's codes of a layer before its extras, codes of
// any layer last.
[[nodiscard]] const std::vector<CodeInfo>& all_codes();

}  // namespace netdoctor::report
