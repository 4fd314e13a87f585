// `netdoctor pods`: the pod network namespaces this host can see.
#include <nlohmann/json.hpp>

#include <iomanip>
#include <sstream>

#include "cli/commands.h"
#include "cli/session.h"
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

void write_table(std::ostream& out, const std::vector<probes::PodListing>& pods) {
  out << std::left << std::setw(28) << "POD" << std::setw(18) << "IP" << std::setw(7) << "LOCAL"
      << std::setw(8) << "PID"
      << "NETNS\n";
  for (const auto& p : pods) {
    const auto& n = p.netns;
    out << std::setw(28) << (p.pod.empty() ? "-" : p.pod) << std::setw(18)
        << (n.primary_ip().empty() ? "-" : n.primary_ip()) << std::setw(7)
        << (n.local ? "yes" : "no") << std::setw(8) << (n.pid() > 0 ? std::to_string(n.pid()) : "-")
        << n.path;
    if (!n.error.empty()) out << "  (" << n.error << ")";
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
    out << j.dump(2) << "\n";
  } else {
    write_table(out, pods);
  }
  return 0;
}

}  // namespace netdoctor::cli
