// Route lookup over a namespace's IPv4 main table, as the kernel's FIB would answer for a
// destination (longest prefix wins), on the snapshot netdoctor already read. Pure, so the
// cross-node checks can explain a lookup in tests without a kernel.
#pragma once

#include <optional>
#include <string>

#include "netns/links.h"

namespace netdoctor::probes {

// Whether `ip` lies in `cidr` ("10.244.2.0/24"; "default" contains everything).
[[nodiscard]] bool cidr_contains(const std::string& cidr, const std::string& ip);

// The main-table route the kernel would pick for `ip`, or nullopt when there is none.
[[nodiscard]] std::optional<netns::Route> lookup_route(const netns::LinkSnapshot& links,
                                                       const std::string& ip);

// "10.244.2.0/24 via 10.244.2.0 dev flannel.1 onlink"
[[nodiscard]] std::string describe_route(const netns::Route& route);

}  // namespace netdoctor::probes
