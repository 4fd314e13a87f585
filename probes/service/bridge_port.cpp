#include "probes/service/bridge_port.h"

#include <netlink/netlink.h>
#include <netlink/route/link.h>
#include <netlink/route/link/bridge.h>
#include <sys/socket.h>

#include <memory>

namespace netdoctor::probes {
namespace {

struct SockDeleter {
  void operator()(nl_sock* s) const { nl_socket_free(s); }
};
struct CacheDeleter {
  void operator()(nl_cache* c) const { nl_cache_put(c); }
};

}  // namespace

Result<BridgePortFlags> read_bridge_port(int ifindex) {
  std::unique_ptr<nl_sock, SockDeleter> sock(nl_socket_alloc());
  if (!sock) return fail(ErrorCode::kSystem, "cannot allocate netlink socket");
  if (int err = nl_connect(sock.get(), NETLINK_ROUTE); err < 0) {
    return fail(ErrorCode::kSystem, std::string("cannot connect rtnetlink: ") + nl_geterror(err));
  }
  // Only an AF_BRIDGE dump carries the bridge's view of its ports (IFLA_PROTINFO).
  nl_cache* raw = nullptr;
  if (int err = rtnl_link_alloc_cache(sock.get(), AF_BRIDGE, &raw); err < 0) {
    return fail(ErrorCode::kSystem, std::string("cannot list bridge ports: ") + nl_geterror(err));
  }
  std::unique_ptr<nl_cache, CacheDeleter> cache(raw);
  for (nl_object* o = nl_cache_get_first(raw); o; o = nl_cache_get_next(o)) {
    auto* link = reinterpret_cast<rtnl_link*>(o);
    if (rtnl_link_get_ifindex(link) != ifindex) continue;
    // libnl asserts (APPBUG) when asked for bridge flags of a link without bridge data.
    if (!rtnl_link_is_bridge(link)) {
      return fail(ErrorCode::kUnsupported,
                  "no bridge port information for ifindex " + std::to_string(ifindex));
    }
    const int flags = rtnl_link_bridge_get_flags(link);
    if (flags < 0) {
      return fail(ErrorCode::kUnsupported, "no bridge port information for ifindex " +
                                               std::to_string(ifindex) + ": " + nl_geterror(flags));
    }
    const char* name = rtnl_link_get_name(link);
    return BridgePortFlags{name ? name : "", ifindex, (flags & RTNL_BRIDGE_HAIRPIN_MODE) != 0};
  }
  return fail(ErrorCode::kNotFound, "ifindex " + std::to_string(ifindex) + " is not a bridge port");
}

}  // namespace netdoctor::probes
