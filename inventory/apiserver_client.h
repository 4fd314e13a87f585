// The inventory read from the API server instead of a file: nodes, pods, services and
// endpointslices (discovery.k8s.io/v1) listed with libcurl, over TLS verified against the
// configured CA, page by page (`limit` and `continue`), each page parsed by the same parser as
// `--inventory FILE`. Runs in the calling thread's network namespace (the node's).
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
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

// One request to the API server beside the lists: serve asks it to review bearer tokens
// (TokenReview, SubjectAccessReview). TLS, CA, credentials and proxy as for the lists.
struct PostOptions {
  std::chrono::milliseconds timeout{5000};  // connection included
  std::size_t max_answer_bytes = std::size_t{1} << 20;
  // Asked while the request runs; true aborts it (an error "cancelled: SERVER").
  std::function<bool()> cancelled;
};

struct ApiResponse {
  long status = 0;
  std::string body;
};

// POSTs `body` (JSON) to `path` and returns the answer whatever its status. Errors are
// transport failures only, worded as for the lists (`POST /apis/...: cannot connect to ...`);
// they never contain what was sent.
[[nodiscard]] Result<ApiResponse> post_json(const ApiServerConfig& config, const std::string& path,
                                            const std::string& body,
                                            const PostOptions& options = {});

// "HTTP 403 Forbidden: <the message of the API server's Status>", or without the message when
// the body is no Status: never the raw body, which may echo what was sent (a TokenReview's
// answer carries the token it reviewed).
[[nodiscard]] std::string http_status_error(long status, const std::string& body);

// The reason phrase of an HTTP status ("Forbidden" for 403); "" when unknown.
[[nodiscard]] std::string http_reason(long status);

}  // namespace netdoctor::inventory
