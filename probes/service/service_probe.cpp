#include "probes/service/service_probe.h"

#include <algorithm>
#include <future>
#include <utility>

#include "netns/runner.h"
#include "probes/net/tcp.h"
#include "probes/service/service_eval.h"

namespace netdoctor::probes {
namespace {

using Pending = std::future<Result<ConnectResult>>;

bool probed(const ServiceTarget& t) {
  return t.probe && t.protocol == "tcp" && !t.endpoints.empty();
}

// A connect under the probe gate. Straight to an endpoint, a timeout is confirmed once before
// it counts. Through a ClusterIP it is not: a second connect would be translated to another
// endpoint at random, which confirms nothing about the first; a ClusterIP's partial failures
// are judged against the endpoints' confirmed direct connects instead (service_eval).
Pending start(const netns::Netns& ns, const std::string& ip, int port,
              std::chrono::milliseconds timeout, bool confirm,
              std::vector<std::string> behind = {}) {
  return netns::run_in_async(ns, [ip, port, timeout, confirm, behind = std::move(behind)] {
    return confirm ? tcp_connect_confirmed(ip, port, timeout)
                   : tcp_connect(ip, port, timeout, behind);
  });
}

// The endpoints' addresses: where a connect to the ClusterIP really goes.
std::vector<std::string> endpoint_ips(const ServiceTarget& t) {
  std::vector<std::string> out;
  for (const auto& ep : t.endpoints) out.push_back(ep.substr(0, ep.rfind(':')));
  return out;
}

ConnectProbe finish(std::string target, Pending& pending) {
  ConnectProbe p;
  p.target = std::move(target);
  auto r = pending.get();
  if (r) {
    p.result = std::move(*r);
  } else {
    p.error = r.error().message();
  }
  return p;
}

// Splits "ip:port"; port 0 when malformed (the connect then fails and is reported).
std::pair<std::string, int> split(const std::string& ip_port) {
  const auto colon = ip_port.rfind(':');
  if (colon == std::string::npos) return {ip_port, 0};
  int port = 0;
  for (char c : ip_port.substr(colon + 1)) {
    if (c < '0' || c > '9' || port > 65535) return {ip_port.substr(0, colon), 0};
    port = port * 10 + (c - '0');
  }
  return {ip_port.substr(0, colon), port};
}

}  // namespace

int cluster_ip_attempts(const ServiceTarget& t, const std::string& source_ip, std::size_t sources) {
  if (source_is_endpoint(t, source_ip)) return 12;
  if (sources > kFewSources) return 2;
  const int n = static_cast<int>(t.endpoints.size());
  return std::clamp(2 * n, 2, 8);
}

void run_service_probes(const netns::Netns& ns, ServiceFacts& facts,
                        std::chrono::milliseconds timeout, std::size_t sources) {
  // Start everything first, then collect: the connects overlap and the layer waits for the
  // slowest one only.
  std::vector<std::vector<Pending>> via(facts.targets.size());
  std::vector<std::pair<std::string, Pending>> direct;
  for (std::size_t i = 0; i < facts.targets.size(); ++i) {
    const ServiceTarget& t = facts.targets[i];
    if (!probed(t)) continue;
    for (int a = cluster_ip_attempts(t, facts.source_ip, sources); a > 0; --a) {
      via[i].push_back(start(ns, t.ip, t.port, timeout, false, endpoint_ips(t)));
    }
    for (const auto& ep : t.endpoints) {
      if (std::any_of(direct.begin(), direct.end(), [&](const auto& d) { return d.first == ep; }))
        continue;
      auto [ip, port] = split(ep);
      direct.emplace_back(ep, start(ns, ip, port, timeout, true));
    }
  }
  // A Service whose ClusterIP connects failed is asked once more, as many times, while the
  // endpoints' confirmations run: a ClusterIP connect cannot be confirmed one by one (the next
  // one is translated to another endpoint at random), but a round can. Failures that do not
  // come back are intermittent, never a broken path (service_eval).
  std::vector<std::vector<Pending>> again(facts.targets.size());
  for (std::size_t i = 0; i < via.size(); ++i) {
    ServiceTarget& t = facts.targets[i];
    const std::string where = t.ip + ":" + std::to_string(t.port);
    for (auto& pending : via[i]) t.via_cluster_ip.push_back(finish(where, pending));
    const bool any_failed =
        std::any_of(t.via_cluster_ip.begin(), t.via_cluster_ip.end(), [](const ConnectProbe& p) {
          return p.result && p.result->outcome != ConnectOutcome::kConnected;
        });
    if (!any_failed) continue;
    for (std::size_t a = 0; a < t.via_cluster_ip.size(); ++a) {
      again[i].push_back(start(ns, t.ip, t.port, timeout, false, endpoint_ips(t)));
    }
  }
  for (auto& [ep, pending] : direct) facts.endpoints[ep] = finish(ep, pending);
  for (std::size_t i = 0; i < again.size(); ++i) {
    ServiceTarget& t = facts.targets[i];
    const std::string where = t.ip + ":" + std::to_string(t.port);
    for (auto& pending : again[i]) t.via_cluster_ip_again.push_back(finish(where, pending));
  }
}

}  // namespace netdoctor::probes
