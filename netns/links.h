// Interfaces, IPv4 addresses and IPv4 routes of the calling thread's network namespace, read
// with libnl. Call these from a thread inside the namespace (netns::run_in): the netlink socket
// binds to the namespace of the thread that connects it.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/result.h"

namespace netdoctor::netns {

struct Ipv4Addr {
  std::string address;  // "10.244.1.4"
  int prefix = 0;       // 24
};

struct Interface {
  int index = 0;
  std::string name;
  std::string kind;  // "veth", "bridge", "vxlan", ... ("" for a plain device)
  bool admin_up = false;
  bool lower_up = false;  // carrier (IFF_LOWER_UP)
  std::string operstate;  // "up", "down", "lowerlayerdown", "unknown", ...
  unsigned mtu = 0;
  std::string mac;
  int master = 0;         // ifindex of the bridge it is enslaved to, 0 if none
  int link = 0;           // IFLA_LINK: a veth's peer ifindex (in the peer's namespace)
  int link_netnsid = -1;  // IFLA_LINK_NETNSID: the peer's namespace, as this namespace numbers it
  std::vector<Ipv4Addr> addrs;
};

struct Route {
  std::string dst;  // "default" or "10.244.2.0/24"
  std::string gateway;
  int oif = 0;
  std::string dev;
  bool onlink = false;
  unsigned table = 0;
};

struct LinkSnapshot {
  std::vector<Interface> interfaces;
  std::vector<Route> routes;  // IPv4 routes of the main table

  [[nodiscard]] const Interface* find(int index) const;
  [[nodiscard]] const Interface* find(const std::string& name) const;
  [[nodiscard]] const Route* default_route() const;
  // Every IPv4 address of every interface except loopback.
  [[nodiscard]] std::vector<std::string> ipv4_addresses() const;
};

struct Neighbour {
  std::string ip;
  std::string mac;
  int ifindex = 0;
  std::string state;  // "REACHABLE", "STALE", "FAILED", "INCOMPLETE", "PERMANENT", ...
};

// A bridge/VXLAN forwarding entry (`bridge fdb`): for VXLAN, `dst` is the remote VTEP.
struct FdbEntry {
  std::string mac;
  std::string dst;  // NDA_DST, empty when the entry has none
  int ifindex = 0;
  std::string state;
};

// Reads links, addresses and routes of the calling thread's namespace.
[[nodiscard]] Result<LinkSnapshot> read_links();

// IPv4 neighbours (ARP entries) of the calling thread's namespace.
[[nodiscard]] Result<std::vector<Neighbour>> read_neighbours();

// Bridge and VXLAN forwarding entries (AF_BRIDGE neighbours) of the calling thread's namespace.
[[nodiscard]] Result<std::vector<FdbEntry>> read_fdb();

// The id the calling thread's namespace uses for the namespace open as `netns_fd`
// (RTM_GETNSID), or nullopt when it has assigned none. It is what IFLA_LINK_NETNSID refers to.
[[nodiscard]] Result<std::optional<int>> nsid_of(int netns_fd);

}  // namespace netdoctor::netns
