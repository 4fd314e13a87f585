// `diagnose --picture FILE`: the report's path picture written as SVG (rendered by Graphviz's
// `dot` when it is installed), DOT (.dot, .gv) or Mermaid (.mmd).
#pragma once

#include <ostream>
#include <string>

#include "report/model.h"

namespace netdoctor::cli {

// Writes the picture; problems (no hops, dot missing, unwritable file) go to `err` as one line.
// Returns false when nothing could be written.
bool write_picture(const report::Report& report, const std::string& file, std::ostream& err);

}  // namespace netdoctor::cli
