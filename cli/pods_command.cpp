// `netdoctor pods`: the pod network namespaces this host can see.
#include <nlohmann/json.hpp>

#include <iomanip>
#include <sstream>

#include "cli/commands.h"
#include "cli/session.h"
#include "core/text.h"
#include "probes/sources.h"

namespace netdoctor::cli {
namespace {

nlohmann::json to_json(const probes::PodListing& p, const netns::Discovery& d) {
  const auto& n = p.netns;
  nlohmann::json j;
  j["netns"] = n.path;
  j["names"] = n.names;
  j["pid"] = n.pid() > 0 ? nlohmann::json(n.pid()) : nlohmann::json(nullptr);
  j["pids"] = n.pids;
  j["ips"] = n.links.ipv4_addresses();
  j["interface"] = n.pod_interface;
  j["local"] = n.local;
  const auto* peer = d.self_links.find(n.host_veth_index);
  j["host_veth"] = (n.local && peer) ? nlohmann::json(peer->name) : nlohmann::json(nullptr);
  j["pod"] = p.pod.empty() ? nlohmann::json(nullptr) : nlohmann::json(p.pod);
  j["error"] = n.error.empty() ? nlohmann::json(nullptr) : nlohmann::json(n.error);
  return j;
}

// Pod names come from the inventory, netns paths from file names under /var/run/netns, errors
// from the system: each is made safe to print (core/text.h terminal_safe).
void write_table(std::ostream& out, const std::vector<probes::PodListing>& pods) {
  out << std::left << std::setw(28) << "POD" << std::setw(18) << "IP" << std::setw(7) << "LOCAL"
      << std::setw(8) << "PID"
      << "NETNS\n";
  for (const auto& p : pods) {
    const auto& n = p.netns;
    out << std::setw(28) << (p.pod.empty() ? "-" : terminal_safe(p.pod)) << std::setw(18)
        << (n.primary_ip().empty() ? "-" : n.primary_ip()) << std::setw(7)
        << (n.local ? "yes" : "no") << std::setw(8) << (n.pid() > 0 ? std::to_string(n.pid()) : "-")
        << terminal_safe(n.path);
    if (!n.error.empty()) out << "  (" << terminal_safe(n.error) << ")";
    out << "\n";
  }
}

}  // namespace

int run_pods(const PodsOptions& options, std::ostream& out, std::ostream& err) {
  int code = 0;
  auto session = open_session({options.inventory, "", options.kubeconfig}, err, code);
  if (!session) return code;
  const auto pods = probes::list_pods(session->discovery, session->inv(), options.all);
  if (options.output == "json") {
    nlohmann::json j = nlohmann::json::array();
    for (const auto& p : pods) j.push_back(to_json(p, session->discovery));
    out << json_escape_controls(j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace))
        << "\n";
  } else {
    write_table(out, pods);
  }
  return 0;
}

}  // namespace netdoctor::cli
