// Writers of the catalogue for people: `netdoctor explain CODE` and docs/codes.md.
#pragma once

#include <ostream>

#include "report/catalogue.h"

namespace netdoctor::report {

// One code as plain text, sections Meaning / Layer / Detected by / Confirm by hand / Fix; prose
// wrapped to 100 columns, commands never wrapped so they can be pasted.
void write_explain(std::ostream& out, const CodeInfo& info);

// The whole catalogue as Markdown: the content of docs/codes.md (a unit test keeps them equal).
void write_codes_markdown(std::ostream& out);

}  // namespace netdoctor::report
