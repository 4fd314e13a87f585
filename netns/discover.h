// Finds every network namespace on the host without any container-runtime API: the named ones
// in /var/run/netns and those of every process in /proc, deduplicated by inode. Each is entered
// on its own thread to read its interfaces and addresses and to learn whether it is a pod of
// this node: its veth's peer lives in the prober's own namespace.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "core/result.h"
#include "netns/links.h"
#include "netns/netns.h"

namespace netdoctor::netns {

struct NetnsInfo {
  NetnsId id;
  std::string path;  // a path that opens it: /var/run/netns/NAME, else /proc/PID/ns/net
  std::vector<std::string> names;  // its names under /var/run/netns
  std::vector<pid_t> pids;         // processes living in it (lowest first, at most a few)
  LinkSnapshot links;
  std::string error;  // why it could not be read, when it could not

  // Filled when a veth of this namespace has its peer in the prober's namespace.
  bool peer_here = false;
  // A pod of this node: its veth peer is here and, like every CNI's host-side veth (bridge
  // port, calico's cali*, cilium's lxc*), carries no address of its own. A peer that carries
  // one is the node's own uplink, as when the node itself lives in a namespace.
  bool local = false;
  std::string pod_interface;  // the pod side of that veth, e.g. "eth0"
  int host_veth_index = 0;    // ifindex of the peer in the prober's namespace
  // Owned by a user namespace other than the host's (netns.h): --from does not take it by
  // address unless asked (--allow-userns).
  bool foreign_userns = false;

  // The first IPv4 address of the pod interface (else of any interface but lo).
  [[nodiscard]] std::string primary_ip() const;
  [[nodiscard]] pid_t pid() const { return pids.empty() ? 0 : pids.front(); }
};

struct DiscoverOptions {
  std::string netns_dir = "/var/run/netns";
  std::string proc_dir = "/proc";
  std::size_t max_parallel = 16;  // namespaces entered at once
  std::size_t max_pids = 32;      // pids remembered per namespace (a pod: its containers)
};

struct Discovery {
  NetnsId self;
  LinkSnapshot self_links;        // the prober's own namespace
  std::vector<NetnsInfo> others;  // every other namespace, ordered by path
};

// Candidate namespaces from the filesystem alone (no entering): ids, paths, names, pids.
[[nodiscard]] std::vector<NetnsInfo> list_namespaces(const DiscoverOptions& options,
                                                     const NetnsId& self);

// Lists, enters and reads every namespace but the prober's own.
[[nodiscard]] Result<Discovery> discover(const DiscoverOptions& options = {});

// Reads one namespace (as discover does for each); `self` is the prober's namespace.
void inspect(NetnsInfo& info, const Netns& self);

}  // namespace netdoctor::netns
