// The inventory read from the API server instead of a file: nodes, pods, services and
// endpointslices (discovery.k8s.io/v1) listed with libcurl, over TLS verified against the
// configured CA, page by page (`limit` and `continue`), each page parsed by the same parser as
// `--inventory FILE`. Runs in the calling thread's network namespace (the node's).
#pragma once

#include <chrono>
#include <cstddef>
#include <string>

#include "core/result.h"
#include "inventory/inventory.h"
#include "inventory/kubeconfig.h"

namespace netdoctor::inventory {

struct ListOptions {
  int limit = 500;                           // objects per page, as kubectl asks
  std::chrono::milliseconds timeout{10000};  // per request, connection included
  // A page larger than this is refused: the process's memory stays bounded by it.
  std::size_t max_page_bytes = std::size_t{64} << 20;
  int max_pages = 10000;  // per resource: a server that never ends its list is an error
};

// Lists the four resources and merges the pages into one Inventory, in kubectl's order (nodes,
// pods, services, endpointslices): the same Inventory `kubectl get
// nodes,pods,services,endpointslices -A -o json` would give the file parser. Errors are
// kInvalidInput, one line naming the resource and what failed:
//   listing pods: HTTP 403 Forbidden: pods is forbidden: User "x" cannot list ...
//   listing nodes: TLS: the API server's certificate is not trusted (...): SSL certificate ...
//   listing nodes: cannot connect to https://10.96.0.1:443: Connection refused
[[nodiscard]] Result<Inventory> fetch_inventory(const ApiServerConfig& config,
                                                const ListOptions& options = {});

// The reason phrase of an HTTP status ("Forbidden" for 403); "" when unknown.
[[nodiscard]] std::string http_reason(long status);

}  // namespace netdoctor::inventory
