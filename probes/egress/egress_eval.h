// Judges one egress target's facts into a check: egress-dns-failure when the name does not
// resolve through the pod's resolver, egress-no-snat when the connection fails and no
// masquerade rule covers pod → target, else egress-unreachable naming the failed phase.
// Pure, so every branch is tested with hand-made facts.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "probes/egress/egress_facts.h"
#include "report/model.h"

namespace netdoctor::probes {

[[nodiscard]] report::Check evaluate_egress(const EgressFacts& facts);

// The pod's proxy settings (HTTP_PROXY, HTTPS_PROXY, NO_PROXY, ALL_PROXY, any case) as
// "NAME=value" lines, sorted. A value's userinfo (everything before its last '@') is dropped
// whole ("http://***@proxy:3128", core/redact.h) and a value longer than 256 bytes is cut.
[[nodiscard]] std::vector<std::string> proxy_variables(
    const std::map<std::string, std::string>& environ);

}  // namespace netdoctor::probes
