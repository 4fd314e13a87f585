// Internal to the catalogue: the entries, split by layers so that each file stays readable.
#pragma once

#include <vector>

#include "report/catalogue.h"

namespace netdoctor::report::detail {

// node, pod and same-node codes.
void add_host_codes(std::vector<CodeInfo>& codes);
// cross-node and service codes.
void add_path_codes(std::vector<CodeInfo>& codes);
// dns, apiserver and egress codes.
void add_cluster_codes(std::vector<CodeInfo>& codes);
// Codes about netdoctor's own view (a source not found, a probe that failed), not the network.
void add_general_codes(std::vector<CodeInfo>& codes);

}  // namespace netdoctor::report::detail
