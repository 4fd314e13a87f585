// Which finding may explain which: data beside the finding catalogue, read by root-cause
// selection and written into docs/codes.md. A row says that a failure with code `cause`
// explains a failure with code `effect`: always (the network implies it, whatever the checks
// saw), or when the check of `effect` states a condition its own probes observed (`when`).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "report/codes.h"
#include "report/model.h"

namespace netdoctor::report {

// What a check saw that lets another finding explain it.
enum class When {
  kAlways,  // nothing needs to be seen: the network implies it
  // A Service's endpoints answer when asked directly, its ClusterIP does not: the Service path on
  // this node (the node's forwarding and filtering, the proxy's rules) is broken.
  kServicePathBroken,
  // The destination is outside the pod network and the node's rules do not source-NAT the pod's
  // traffic toward it.
  kNotMasqueraded,
};

struct Explanation {
  Code cause;   // a finding code
  Code effect;  // the finding code it explains
  When when = When::kAlways;
  std::string why;  // one sentence for docs/codes.md
};

// Every row, in the catalogue's order of effects.
[[nodiscard]] const std::vector<Explanation>& explanations();

// Whether a `cause` finding may explain an `effect` finding under `when`.
[[nodiscard]] bool may_explain(Code cause, Code effect, When when);

// The causes a check with code `effect` states when it saw `when`: one Cause (unlinked) per row.
[[nodiscard]] std::vector<Cause> causes_for(Code effect, When when);

[[nodiscard]] std::string_view to_string(When when);

}  // namespace netdoctor::report
