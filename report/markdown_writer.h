// The report as Markdown, to paste into a ticket: verdict, root cause, a table per layer and the
// evidence as lists.
#pragma once

#include <ostream>

#include "report/model.h"

namespace netdoctor::report {

void write_markdown(std::ostream& out, const Report& report);

}  // namespace netdoctor::report
