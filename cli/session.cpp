#include "cli/session.h"

#include "core/capabilities.h"
#include "core/text.h"
#include "inventory/apiserver_client.h"
#include "inventory/kubeconfig.h"
#include "report/model.h"

namespace netdoctor::cli {
namespace {

int exit_code_for(const Error& e) {
  return e.code == ErrorCode::kPermission ? report::kExitPrivilege : report::kExitUsage;
}

// Entering other namespaces needs CAP_SYS_ADMIN; reading their processes' files and
// namespace links needs CAP_SYS_PTRACE. A pod-mode run probes from where it stands.
bool check_privileges(netns::RunMode mode, std::ostream& err) {
  if (mode == netns::RunMode::kPod) return true;
  const auto missing = missing_capabilities({Capability::kSysAdmin, Capability::kSysPtrace});
  if (missing.empty()) return true;
  std::string names;
  for (auto c : missing) names += (names.empty() ? "" : ", ") + to_string(c);
  print_error(err, "missing capability " + names +
                       ": needed on a node to enter pod network namespaces and read their "
                       "processes (run as root, or grant " +
                       names + ")");
  return false;
}

}  // namespace

// Messages name paths, pods and what the system said: made safe to print (core/text.h).
void print_error(std::ostream& err, const std::string& message) {
  err << "netdoctor: " << terminal_safe(message, true) << "\n";
}

Result<std::optional<inventory::ApiServerConfig>> find_api_server(const std::string& kubeconfig) {
  Result<inventory::ApiServerConfig> config;
  if (!kubeconfig.empty()) {
    config = inventory::load_kubeconfig(kubeconfig);
  } else if (const std::string path = inventory::default_kubeconfig_path(); !path.empty()) {
    config = inventory::load_kubeconfig(path);
  } else if (inventory::in_cluster_available()) {
    config = inventory::in_cluster_config();
  } else {
    return std::nullopt;
  }
  if (!config) return tl::unexpected(config.error());
  return std::move(*config);
}

Result<std::optional<inventory::Inventory>> load_cluster(const std::string& inventory_path,
                                                         const std::string& kubeconfig,
                                                         std::ostream& err) {
  if (!inventory_path.empty()) return inventory::load_inventory(inventory_path);
  auto config = find_api_server(kubeconfig);
  if (!config) return tl::unexpected(config.error());
  if (!*config) return std::nullopt;
  auto listed = inventory::fetch_inventory(**config);
  if (!listed && kubeconfig.empty() && listed.error().code == ErrorCode::kUnreachable) {
    print_error(err, "warning: " + listed.error().message() + " (" + (*config)->origin +
                         "); going on without the cluster's objects, from what this node shows");
    return std::nullopt;
  }
  if (!listed) return tl::unexpected(listed.error());
  return std::move(*listed);
}

std::optional<Session> open_session(const SessionOptions& options, std::ostream& err,
                                    int& exit_code) {
  Session s;
  auto inv = load_cluster(options.inventory_path, options.kubeconfig, err);
  if (!inv) {
    print_error(err, inv.error().message());
    exit_code = report::kExitUsage;
    return std::nullopt;
  }
  s.inventory = std::move(*inv);
  auto d = netns::discover();
  if (!d) {
    print_error(err, d.error().message());
    exit_code = exit_code_for(d.error());
    return std::nullopt;
  }
  s.discovery = std::move(*d);
  if (options.mode == "pod") {
    s.mode = netns::RunMode::kPod;
  } else if (options.mode == "node") {
    s.mode = netns::RunMode::kNode;
  } else {
    s.mode = netns::detect_mode(s.discovery);
  }
  if (!check_privileges(s.mode, err)) {
    exit_code = report::kExitPrivilege;
    return std::nullopt;
  }
  std::vector<std::pair<std::string, std::vector<std::string>>> node_ips;
  if (s.inventory) {
    for (const auto& n : s.inventory->nodes) node_ips.emplace_back(n.name, n.internal_ips);
  }
  s.node = netns::detect_node_name(s.discovery.self_links.ipv4_addresses(), node_ips);
  return s;
}

}  // namespace netdoctor::cli
