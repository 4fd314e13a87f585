// Inventory lookups and loading from a file or standard input. Lookups are linear scans: an
// inventory holds at most some thousands of objects and is searched a few times per run.
#include "inventory/inventory.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <unordered_set>

#include "core/fd.h"
#include "core/text.h"

namespace netdoctor::inventory {

namespace {

// Refuses inputs no kubectl dump reaches, so that `--inventory /dev/zero` ends with an error
// instead of eating the machine's memory.
constexpr size_t kMaxInventoryBytes = size_t{512} << 20;

bool contains(const std::vector<std::string>& values, std::string_view value) {
  return std::find(values.begin(), values.end(), value) != values.end();
}

// An unreadable inventory is bad input (exit status 2), not a missing privilege, so EACCES
// stays kSystem; only a missing file is kNotFound.
tl::unexpected<Error> read_error(int err, const std::string& what) {
  ErrorCode code = err == ENOENT ? ErrorCode::kNotFound : ErrorCode::kSystem;
  return tl::unexpected<Error>(Error{code, err, "cannot read inventory " + what});
}

Result<std::string> read_all(int fd, const std::string& what) {
  std::string text;
  char buffer[65536];
  for (;;) {
    ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return read_error(errno, what);
    if (n == 0) return text;
    if (text.size() + static_cast<size_t>(n) > kMaxInventoryBytes) {
      return fail(ErrorCode::kInvalidInput,
                  "cannot read inventory " + what + ": larger than 512 MiB, not a kubectl dump");
    }
    text.append(buffer, static_cast<size_t>(n));
  }
}

}  // namespace

const Pod* Inventory::find_pod(std::string_view ns, std::string_view name) const {
  for (const Pod& pod : pods) {
    if (pod.ns == ns && pod.name == name) return &pod;
  }
  return nullptr;
}

const Pod* Inventory::find_pod_by_ip(std::string_view ip) const {
  const Pod* found = nullptr;
  for (const Pod& pod : pods) {
    if (pod.host_network || ip.empty() || (pod.ip != ip && !contains(pod.ips, ip))) continue;
    if (pod.phase == "Running") return &pod;
    if (found == nullptr) found = &pod;
  }
  return found;
}

const Service* Inventory::find_service(std::string_view ns, std::string_view name) const {
  for (const Service& service : services) {
    if (service.ns == ns && service.name == name) return &service;
  }
  return nullptr;
}

const Service* Inventory::find_service_by_cluster_ip(std::string_view ip) const {
  if (ip.empty()) return nullptr;
  for (const Service& service : services) {
    if (service.cluster_ip == ip || contains(service.cluster_ips, ip)) return &service;
  }
  return nullptr;
}

const Node* Inventory::find_node(std::string_view name) const {
  for (const Node& node : nodes) {
    if (node.name == name) return &node;
  }
  return nullptr;
}

const Node* Inventory::find_node_by_ip(std::string_view ip) const {
  for (const Node& node : nodes) {
    if (contains(node.internal_ips, ip)) return &node;
  }
  return nullptr;
}

std::vector<const EndpointSlice*> Inventory::slices_of(std::string_view ns,
                                                       std::string_view service) const {
  std::vector<const EndpointSlice*> out;
  for (const EndpointSlice& slice : slices) {
    if (slice.ns == ns && slice.service == service) out.push_back(&slice);
  }
  return out;
}

std::vector<std::string> Inventory::endpoint_ips(std::string_view ns,
                                                 std::string_view service) const {
  std::vector<std::string> out;
  for (const EndpointSlice* slice : slices_of(ns, service)) {
    // FQDN slices name hosts, not addresses a probe could compare with proxy rules.
    if (slice->address_type == "FQDN") continue;
    for (const Endpoint& endpoint : slice->endpoints) {
      if (!endpoint.ready) continue;
      for (const std::string& address : endpoint.addresses) {
        if (!contains(out, address)) out.push_back(address);
      }
    }
  }
  return out;
}

std::vector<std::string> Inventory::ready_endpoints(const Service& service,
                                                    const ServicePort& port) const {
  std::vector<std::string> out;
  std::unordered_set<std::string> seen;
  for (const EndpointSlice* slice : slices_of(service.ns, service.name)) {
    if (!slice->address_type.empty() && slice->address_type != "IPv4") continue;
    for (const EndpointPort& ep : slice->ports) {
      if (ep.name != port.name || lower(ep.protocol) != lower(port.protocol) || ep.port == 0)
        continue;
      for (const Endpoint& e : slice->endpoints) {
        if (!e.ready) continue;
        for (const std::string& address : e.addresses) {
          std::string endpoint = address + ":" + std::to_string(ep.port);
          if (seen.insert(endpoint).second) out.push_back(std::move(endpoint));
        }
      }
    }
  }
  return out;
}

Result<Inventory> load_inventory(const std::string& path) {
  if (path == "-") {
    Result<std::string> text = read_all(STDIN_FILENO, "from standard input");
    if (!text) return tl::unexpected(text.error());
    return parse_inventory(*text, "<stdin>");
  }
  std::string what = "\"" + path + "\"";
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return read_error(errno, what);
  Result<std::string> text = read_all(fd.get(), what);
  if (!text) return tl::unexpected(text.error());
  return parse_inventory(*text, path);
}

}  // namespace netdoctor::inventory
