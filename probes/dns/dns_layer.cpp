#include "probes/dns/dns_layer.h"

#include <sys/stat.h>

#include <cerrno>
#include <exception>
#include <future>

#include "netns/netns.h"
#include "netns/podfs.h"
#include "netns/runner.h"
#include "probes/dns/dns_eval.h"

namespace netdoctor::probes {
namespace dns {
namespace {

// Time past the per-question timeout to wait for the resolver thread before giving up on it:
// thread start, setns and channel set-up. resolve_all bounds itself; this only guards a bug.
constexpr std::chrono::milliseconds kThreadSlack{1000};

void add_dns_service(DnsContext& c, const inventory::Inventory* inv, const DnsLayerOptions& o) {
  const std::optional<ClusterDns> found = o.cluster_dns ? std::nullopt : find_cluster_dns(inv);
  const ClusterDns* dns = o.cluster_dns ? o.cluster_dns : (found ? &*found : nullptr);
  if (dns != nullptr) {
    c.dns_service = dns->service;
    c.dns_ip = dns->ip;
    c.dns_udp_port = dns->udp_port;
    c.dns_tcp_port = dns->tcp_port;
    for (const auto& e : dns->endpoints) {
      c.endpoints.push_back({e.ip, e.pod, e.udp_port, e.tcp_port});
    }
    return;
  }
  // No kube-dns in the inventory: the pod's first nameserver stands for the DNS Service.
  const auto ns = c.pod_nameservers();
  if (ns.empty()) return;
  c.dns_ip = ns.front();
  if (const auto* other = inv ? inv->find_service_by_cluster_ip(c.dns_ip) : nullptr) {
    c.dns_service = other->display_name();
  }
}

}  // namespace

PodResolv read_pod_resolv(const netns::PodReader& reader) {
  PodResolv r;
  if (reader.empty()) {
    r.detail = "no process in the pod";
    return r;
  }
  if (reader.order().front().sandbox) {
    // Only the sandbox is left (the app containers exited or are restarting): a pause
    // container has no resolv.conf of the pod, which says nothing about the app's.
    r.state = ResolvState::kUnreadable;
    r.detail = "only the pod's sandbox (" + reader.order().front().describe() +
               ") is running, and it does not mount the pod's resolv.conf";
    return r;
  }
  auto text = reader.read_head("/etc/resolv.conf", kResolvConfReadLimit);
  if (text) {
    r.state = ResolvState::kRead;
    r.text = std::move(text->content);
    r.truncated = text->truncated;
    r.from = text->from.describe();
    return r;
  }
  r.detail = text.error().message();
  const pid_t pid = reader.order().front().pid;
  struct stat st {};
  const bool alive = ::stat(("/proc/" + std::to_string(pid)).c_str(), &st) == 0;
  const bool enoent = text.error().sys_errno == ENOENT || text.error().code == ErrorCode::kNotFound;
  r.state = enoent && alive ? ResolvState::kMissing : ResolvState::kUnreadable;
  return r;
}

DnsContext build_context(const SourcePod& src, const PodResolv& resolv,
                         const inventory::Inventory* inv, const DnsLayerOptions& o) {
  DnsContext c;
  c.source = src.display;
  c.have_inventory = inv != nullptr;
  c.resolv_state = resolv.state;
  c.resolv_detail = resolv.detail;
  c.resolv_from = resolv.from;
  if (resolv.state == ResolvState::kRead) {
    c.resolv = parse_resolv_conf_head(resolv.text, resolv.truncated);
  }
  if (const auto slash = src.pod.find('/'); slash != std::string::npos) {
    c.pod_namespace = src.pod.substr(0, slash);
  }
  c.cluster_domain = !o.cluster_domain.empty()
                         ? o.cluster_domain
                         : cluster_domain_from_search(c.resolv.search, c.pod_namespace);
  add_dns_service(c, inv, o);
  c.outside_names = o.outside_names;
  if (c.outside_names.empty() && !o.default_outside_name.empty()) {
    c.outside_names.push_back(o.default_outside_name);
  }
  return c;
}

void ask_in_netns(const std::string& netns_path, DnsFacts& facts,
                  std::chrono::milliseconds timeout) {
  if (facts.plan.empty()) return;
  auto ns = netns::Netns::open_path(netns_path);
  if (!ns) {
    facts.not_asked = "cannot ask from the pod: " + ns.error().message();
    return;
  }
  std::vector<DnsQuery> queries;
  for (const auto& p : facts.plan) queries.push_back(p.query);
  // The thread owns copies of everything it reads, so it may outlive a wait that gave up.
  auto future = netns::run_in_async(
      *ns, [queries = std::move(queries), timeout] { return resolve_all(queries, timeout); });
  if (future.wait_for(timeout + kThreadSlack) != std::future_status::ready) {
    facts.not_asked = "the resolver thread did not finish within " +
                      std::to_string((timeout + kThreadSlack).count()) + " ms";
    return;
  }
  auto answers = future.get();
  if (!answers) {
    facts.not_asked = "cannot ask from the pod: " + answers.error().message();
    return;
  }
  facts.answers = std::move(*answers);
}

}  // namespace dns

std::vector<report::Check> run_dns_layer(const SourcePod& src,
                                         const inventory::Inventory* inventory,
                                         const DnsLayerOptions& o) {
  dns::DnsFacts facts;
  facts.context = dns::build_context(src, dns::read_pod_resolv(src.reader()), inventory, o);
  facts.plan = dns::plan_queries(facts.context);
  const std::string path =
      !src.netns.path.empty()
          ? src.netns.path
          : (src.netns.pid() > 0 ? "/proc/" + std::to_string(src.netns.pid()) + "/ns/net"
                                 : std::string());
  if (path.empty()) {
    facts.not_asked = "the pod's network namespace is unknown";
  } else {
    dns::ask_in_netns(path, facts, o.timeout);
  }
  return dns::evaluate_dns(facts);
}

namespace {

class DnsRun final : public LayerRun {
 public:
  DnsRun(const Scene& s, const DiagnoseOptions& options) : inv_(s.inv()) {
    o_.timeout = options.timeout;
    o_.cluster_dns = s.cluster_dns ? &*s.cluster_dns : nullptr;
    o_.outside_names = dns::outside_names_from_urls(options.egress_urls);
  }
  Checks source(const SourcePod& src) override { return run_dns_layer(src, inv_, o_); }

 private:
  const inventory::Inventory* inv_;
  DnsLayerOptions o_;
};

}  // namespace

std::unique_ptr<LayerRun> start_dns_layer(const Scene& scene, const DiagnoseOptions& options) {
  return std::make_unique<DnsRun>(scene, options);
}

}  // namespace netdoctor::probes
