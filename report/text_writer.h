// The report for a terminal: the verdict, the root cause first, then a compact tree by layer.
#pragma once

#include <ostream>

#include "report/model.h"

namespace netdoctor::report {

struct TextOptions {
  bool color = false;    // ANSI colours: green pass, red fail, yellow warn, dim skip
  bool verbose = false;  // list passed checks too, not only their count
};

void write_text(std::ostream& out, const Report& report, const TextOptions& options);

}  // namespace netdoctor::report
