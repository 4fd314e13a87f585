// What every command that looks at the host needs first: the inventory (when given), the
// namespaces discovery sees, the run mode and the node's name, and the privilege check.
#pragma once

#include <memory>
#include <optional>
#include <ostream>
#include <string>

#include "inventory/inventory.h"
#include "inventory/kubeconfig.h"
#include "netns/discover.h"
#include "netns/mode.h"

namespace netdoctor::cli {

struct SessionOptions {
  std::string inventory_path;  // empty: none
  std::string mode;            // "", "node" or "pod": override detection
  // Without an inventory file: list the cluster from the API server of this kubeconfig, or
  // (when empty) of the pod's service account when netdoctor runs in-cluster.
  std::string kubeconfig;
};

struct Session {
  std::optional<inventory::Inventory> inventory;
  netns::Discovery discovery;
  netns::RunMode mode = netns::RunMode::kNode;
  std::string node;

  [[nodiscard]] const inventory::Inventory* inv() const {
    return inventory ? &*inventory : nullptr;
  }
};

// Opens a session; on failure writes one line to `err` and returns the exit status (2 for bad
// input, 3 for a missing capability) in `exit_code`.
[[nodiscard]] std::optional<Session> open_session(const SessionOptions& options, std::ostream& err,
                                                  int& exit_code);

// The cluster's objects, from where kubectl would take them: the --inventory file, else the API
// server of --kubeconfig, else of $KUBECONFIG / ~/.kube/config, else of the pod's service account
// (in-cluster); nullopt when there is none. A source the user named that fails is an error (bad
// input, exit 2), and so is an implicit one that answers wrongly (TLS, 401/403). An implicit
// source whose API server gives no answer at all is a warning on `err` and the run goes on without
// the objects: an unreachable API server is what netdoctor diagnoses, not bad input.
[[nodiscard]] Result<std::optional<inventory::Inventory>> load_cluster(
    const std::string& inventory_path, const std::string& kubeconfig, std::ostream& err);

// The API server kubectl would talk to: that of --kubeconfig, else of $KUBECONFIG /
// ~/.kube/config, else the pod's service account (in-cluster); nullopt when there is none. Read
// afresh on each call, so that a rotated service-account token is picked up.
[[nodiscard]] Result<std::optional<inventory::ApiServerConfig>> find_api_server(
    const std::string& kubeconfig);

// "netdoctor: " + message, one line.
void print_error(std::ostream& err, const std::string& message);

}  // namespace netdoctor::cli
