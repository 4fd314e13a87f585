// Text output of `netdoctor services` and `netdoctor trace`, written to any stream so that
// tests compare it with golden text.
#pragma once

#include <ostream>
#include <vector>

#include "rules/evaluate.h"
#include "rules/services.h"

namespace netdoctor::rules {

// One block per ClusterIP:port/proto: name, kind, endpoints with their share, backend.
void print_services(std::ostream& out, const std::vector<ServiceRule>& services);

// The packet, then each possible path hop by hop with its probability, the deciding rule and
// whether the packet leaves masqueraded; uncertain rules are flagged.
void print_trace(std::ostream& out, const Trace& trace);

}  // namespace netdoctor::rules
