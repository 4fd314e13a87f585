#include "probes/egress/egress_layer.h"

#include <exception>
#include <future>

#include "netns/containers.h"
#include "netns/runner.h"
#include "probes/egress/egress_eval.h"
#include "probes/egress/egress_probe.h"
#include "probes/net/http.h"
#include "probes/net/resolv_conf.h"
#include "probes/net/routes.h"

namespace netdoctor::probes {
namespace {

using Clock = std::chrono::steady_clock;

// Thread start, setns and curl set-up beyond the two bounded phases; only guards a bug.
constexpr std::chrono::milliseconds kThreadSlack{1000};

// What every target of one pod shares: read once, outside the namespace.
struct PodView {
  dns::ResolvConf resolv;
  std::vector<std::string> proxy_env;
  std::string ca_pem;
  std::string unreadable;  // why the pod's resolv.conf could not be read
};

// resolv.conf and the trust store from an app container (not the sandbox), the proxy variables
// from every container's environment.
PodView read_pod_view(const netns::PodReader& reader) {
  PodView v;
  if (reader.empty()) {
    v.unreadable = "no process in the pod to read its resolv.conf through";
    return v;
  }
  if (auto text = reader.read_head("/etc/resolv.conf", dns::kResolvConfReadLimit)) {
    v.resolv = dns::parse_resolv_conf_head(text->content, text->truncated);
  } else {
    v.unreadable = "the pod's resolv.conf: " + text.error().message();
  }
  v.proxy_env = proxy_variables(reader.environ());
  // The pod's own trust store, as its applications would use; absent: the prober's default.
  if (auto bundle = reader.read("/etc/ssl/certs/ca-certificates.crt", 4 << 20)) {
    v.ca_pem = std::move(bundle->content);
  }
  return v;
}

std::string route_text(const netns::LinkSnapshot& links, const std::string& ip) {
  const auto route = lookup_route(links, ip);
  return route ? describe_route(*route) : std::string();
}

// Starts one target's in-pod probe; the thread owns copies of what it reads.
std::future<Result<EgressInPod>> start_probe(const netns::Netns& ns, const EgressFacts& f,
                                             const PodView& view, std::chrono::milliseconds t) {
  EgressPlan plan;
  plan.url = f.url;
  const auto& all = view.resolv.nameservers;
  plan.nameservers.assign(all.begin(), all.begin() + std::min<std::size_t>(all.size(), 3));
  plan.search = view.resolv.search;
  plan.ndots = view.resolv.ndots;
  plan.ca_pem = view.ca_pem;
  plan.timeout = t;
  return netns::run_in_async(ns, [plan = std::move(plan)] {
    const ThreadTlsRelease release;
    return probe_egress_in_pod(plan);
  });
}

void finish(EgressFacts& f, std::future<Result<EgressInPod>>& fut, const SourcePod& src,
            const EgressContext& ctx, Clock::time_point deadline) {
  if (fut.wait_until(deadline) != std::future_status::ready) {
    f.not_probed = "the probe thread did not finish in time";
    return;
  }
  auto r = fut.get();
  if (!r) {
    f.not_probed = r.error().message();
    return;
  }
  f.duration_ms = r->elapsed.count();
  f.dns = r->dns;
  f.target_ip = r->target_ip;
  f.probe = r->probe;
  if (f.resolved_needed && !f.probe.ran) return;  // the name did not resolve
  f.pod_route = route_text(src.netns.links, f.target_ip);
  if (ctx.node_links) f.node_route = route_text(*ctx.node_links, f.target_ip);
  f.snat =
      judge_masquerade(ctx.rules, ctx.node_links, ctx.inventory, src.ip, f.target_ip, f.url.port);
}

report::Check skip_check(const SourcePod& src, const std::string& why) {
  report::Check c;
  c.id = "egress.targets";
  c.source = src.display;
  c.status = report::Status::kSkip;
  c.summary = why;
  return c;
}

std::vector<report::Check> run_layer(const SourcePod& src, const EgressContext& ctx,
                                     const EgressOptions& o) {
  if (o.egress_urls.empty()) return {skip_check(src, "no --egress target given")};
  const auto start = Clock::now();
  const PodView view = read_pod_view(src.reader());
  auto ns = netns::Netns::open_path(src.netns.path);
  std::vector<EgressFacts> facts(o.egress_urls.size());
  std::vector<std::future<Result<EgressInPod>>> running(facts.size());
  for (std::size_t i = 0; i < facts.size(); ++i) {
    EgressFacts& f = facts[i];
    f.source = src.display;
    f.url_text = o.egress_urls[i];
    f.proxy_env = view.proxy_env;
    auto url = parse_egress_url(f.url_text);
    if (!url) {
      f.url_error = url.error().message();
      continue;
    }
    f.url = *url;
    f.resolved_needed = !f.url.host_is_ip;
    f.nameservers = view.resolv.nameservers;
    if (f.resolved_needed && !view.unreadable.empty()) {
      f.not_probed = view.unreadable;
    } else if (!ns) {
      f.not_probed = ns.error().message();
    } else {
      running[i] = start_probe(*ns, f, view, o.timeout);
    }
  }
  const auto deadline = start + 2 * o.timeout + kThreadSlack;
  std::vector<report::Check> out;
  for (std::size_t i = 0; i < facts.size(); ++i) {
    if (running[i].valid()) finish(facts[i], running[i], src, ctx, deadline);
    if (facts[i].duration_ms == 0) {  // not measured on a probing thread: the time waited
      facts[i].duration_ms =
          std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
    }
    out.push_back(evaluate_egress(facts[i]));
  }
  return out;
}

}  // namespace

std::vector<report::Check> run_egress_layer(const SourcePod& src, const EgressContext& context,
                                            const EgressOptions& options) {
  return run_layer(src, context, options);
}

namespace {

class EgressRun final : public LayerRun {
 public:
  EgressRun(const Scene& s, const DiagnoseOptions& options)
      : ctx_{s.inv(), s.rule_snapshot(), s.node_links()},
        o_{options.timeout, options.egress_urls} {}
  Checks source(const SourcePod& src) override { return run_egress_layer(src, ctx_, o_); }

 private:
  const EgressContext ctx_;
  const EgressOptions o_;
};

}  // namespace

std::unique_ptr<LayerRun> start_egress_layer(const Scene& scene, const DiagnoseOptions& options) {
  return std::make_unique<EgressRun>(scene, options);
}

}  // namespace netdoctor::probes
