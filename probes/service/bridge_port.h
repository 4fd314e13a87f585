// The bridge-port flags of one interface, read as the bridge keeps them (IFLA_PROTINFO of an
// AF_BRIDGE link dump). Hairpin mode lets a frame leave by the port it came in: without it a pod
// cannot reach itself through its own Service, because the DNAT sends its packet back to it.
//
// /sys/class/net/<bridge>/brif/<port>/hairpin_mode would show the namespace of the sysfs mount
// (the host's), not the node's: the flags are asked over netlink from the node's namespace.
#pragma once

#include <string>

#include "core/result.h"

namespace netdoctor::probes {

struct BridgePortFlags {
  std::string port;  // interface name
  int ifindex = 0;
  bool hairpin = false;
};

// Reads the flags of port `ifindex` from the calling thread's namespace (call it from a thread
// in the node's namespace). kNotFound when the interface is not a bridge port.
[[nodiscard]] Result<BridgePortFlags> read_bridge_port(int ifindex);

}  // namespace netdoctor::probes
