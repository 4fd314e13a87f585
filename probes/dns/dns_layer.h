// Layer `dns`: resolves as the pod resolves, and tells the DNS server, the Service path to it,
// the pod's resolver config and the upstream apart.
//
// From inside the pod's network namespace it asks, all at once: the cluster name
// kubernetes.default.svc.<domain> and the short name kubernetes.default through the pod's own
// resolv.conf (what the application sees); the cluster name of the DNS Service ClusterIP and of
// every DNS endpoint directly, over UDP and TCP; outside names of the cluster DNS (upstream),
// and one outside name through the pod's search path (its cost). A healthy layer costs about its
// slowest answer, a faulty one about one timeout.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "inventory/inventory.h"
#include "probes/dns/dns_facts.h"
#include "probes/layer.h"
#include "probes/sources.h"
#include "report/model.h"

namespace netdoctor::probes {

struct DnsLayerOptions {
  // Per question (one try each); the whole layer returns within about this.
  std::chrono::milliseconds timeout{1000};
  // Outside names to resolve through the cluster DNS: the host names of the --egress targets
  // (dns::outside_names_from_urls); when empty, default_outside_name.
  std::vector<std::string> outside_names;
  std::string default_outside_name = "example.test";
  // The cluster domain; empty: taken from the pod's search list (never assumed).
  std::string cluster_domain;
  // The cluster DNS Service as the scene found it once for every source; null: looked up in
  // the inventory.
  const ClusterDns* cluster_dns = nullptr;
};

// Runs the layer for one source pod: reads its resolv.conf through src.netns.pid() (skipped
// with a reason when the pod has no process), enters src.netns.path on a thread of its own and
// asks there. `inventory` may be null (then the DNS Service is the pod's first nameserver and no
// endpoint is asked). An exception is left to the scheduler, which makes it a skip check;
// returns within about o.timeout.
[[nodiscard]] std::vector<report::Check> run_dns_layer(const SourcePod& src,
                                                       const inventory::Inventory* inventory,
                                                       const DnsLayerOptions& o);

// The layer's entry point (probes/layer.h).
[[nodiscard]] std::unique_ptr<LayerRun> start_dns_layer(const Scene& scene,
                                                        const DiagnoseOptions& options);

namespace dns {

// The pod's resolv.conf as read (or why not).
struct PodResolv {
  ResolvState state = ResolvState::kNoProcess;
  std::string detail;
  std::string text;
  bool truncated = false;  // `text` is the file's first kResolvConfReadLimit bytes
  std::string from;        // the container it was read from ("pid 1234 (nginx)")
};

// Reads /etc/resolv.conf from an app container of the pod (not its sandbox, whose mounts are not
// the app's): no container at all is kNoProcess, only a sandbox is kUnreadable (skipped).
[[nodiscard]] PodResolv read_pod_resolv(const netns::PodReader& reader);

// The context from what was read and the inventory: pure, for tests.
[[nodiscard]] DnsContext build_context(const SourcePod& src, const PodResolv& resolv,
                                       const inventory::Inventory* inventory,
                                       const DnsLayerOptions& o);

// Asks the plan's questions from a fresh thread inside the namespace at `netns_path`, waiting
// at most about `timeout`; fills facts.answers, or facts.not_asked with the reason.
void ask_in_netns(const std::string& netns_path, DnsFacts& facts,
                  std::chrono::milliseconds timeout);

}  // namespace dns
}  // namespace netdoctor::probes
