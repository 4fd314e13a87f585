// Source pods: the namespaces a diagnosis probes from, resolved from --from REFs (or chosen by
// default) against what discovery saw on this host and what the inventory says.
#pragma once

#include <string>
#include <vector>

#include "core/result.h"
#include "inventory/inventory.h"
#include "inventory/ref.h"
#include "netns/containers.h"
#include "netns/discover.h"
#include "netns/mode.h"

namespace netdoctor::probes {

struct SourcePod {
  std::string display;  // "default/client" when known, else "ip:10.244.1.4"
  std::string pod;      // "ns/name" when the inventory names it
  std::string ip;
  netns::NetnsInfo netns;   // includes path, pids, links, locality
  bool self = false;        // the prober's own namespace (pod mode)
  pid_t preferred_pid = 0;  // the process named by --from pid:N: its files are read first

  // Reads the pod's files from the container that has each (netns/containers.h).
  [[nodiscard]] netns::PodReader reader() const {
    return netns::pod_reader(netns.pids, preferred_pid);
  }
};

// A pod-like namespace for `netdoctor pods`: local to this node, or named by the inventory.
struct PodListing {
  netns::NetnsInfo netns;
  std::string pod;  // "ns/name" when known
};

// Names a namespace with the inventory: the pod whose IP one of its addresses is.
[[nodiscard]] std::string pod_name_for(const netns::NetnsInfo& info,
                                       const inventory::Inventory* inventory);

// The namespaces `netdoctor pods` lists: local pods, and with `all` every other namespace.
[[nodiscard]] std::vector<PodListing> list_pods(const netns::Discovery& discovery,
                                                const inventory::Inventory* inventory, bool all);

// Every pod of this node that discovery saw, named with the inventory when it can be.
[[nodiscard]] std::vector<SourcePod> local_pods(const netns::Discovery& discovery,
                                                const inventory::Inventory* inventory);

struct SourceOptions {
  // Take a namespace owned by another user namespace when an address names it (--allow-userns).
  bool allow_userns = false;
};

// Resolves REFs; with none, picks the default (node mode: every local pod; pod mode: itself).
// Unknown pods, namespaces that are not visible and REFs that need an inventory are errors
// (kInvalidInput / kNotFound) naming the REF. An address (ip:, or a pod's) carried by several
// namespaces picks this node's pod among them, else is refused naming them all (kInvalidInput).
[[nodiscard]] Result<std::vector<SourcePod>> resolve_sources(
    const std::vector<inventory::Ref>& refs, const netns::Discovery& discovery,
    const inventory::Inventory* inventory, netns::RunMode mode, const SourceOptions& options = {});

}  // namespace netdoctor::probes
