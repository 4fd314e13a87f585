// Compiled, never run, by the tests code_spelling_correct (must compile) and code_spelling_misspelt
// (must not: a finding code missing from report/codes.h is a build error). Both compile this same
// file; only ND_MISSPELT differs.
#include "report/model.h"

void set_code(netdoctor::report::Check& check) {
#ifdef ND_MISSPELT
  check.code = "pod-link-dwn";
#else
  check.code = "pod-link-down";
#endif
}
