// Where netdoctor runs: on a node (host network namespace, pods visible beside it) or in a pod
// (its own netns is the pod's, as in a `kubectl debug` ephemeral container).
#pragma once

#include <string>
#include <vector>

#include "netns/discover.h"

namespace netdoctor::netns {

enum class RunMode { kNode, kPod };

[[nodiscard]] const char* to_string(RunMode mode);

// Node when a pod's veth peer lives here, or when this namespace holds a bridge or overlay
// device; pod when this namespace's default route leaves through a veth whose peer lives in
// another namespace; node otherwise (a node without pods yet).
[[nodiscard]] RunMode detect_mode(const Discovery& discovery);

// The node's name: the inventory node one of `self_ips` belongs to, else the hostname.
// `node_ips` maps node name → its addresses.
[[nodiscard]] std::string detect_node_name(
    const std::vector<std::string>& self_ips,
    const std::vector<std::pair<std::string, std::vector<std::string>>>& node_ips);

}  // namespace netdoctor::netns
