// `netdoctor diagnose`: every layer's checks from each source pod, as one layered report.
#include <arpa/inet.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <sstream>

#include "cli/commands.h"
#include "cli/diagnose_run.h"
#include "cli/picture.h"
#include "cli/progress.h"
#include "cli/session.h"
#include "core/capabilities.h"
#include "core/duration.h"
#include "inventory/ref.h"
#include "probes/diagnose.h"
#include "probes/egress/url.h"
#include "report/json_writer.h"
#include "report/markdown_writer.h"
#include "report/path.h"
#include "report/root_cause.h"
#include "report/text_writer.h"

namespace netdoctor::cli {
namespace {

Result<std::vector<report::Layer>> parse_layers(const std::string& list) {
  std::vector<report::Layer> layers;
  std::stringstream ss(list);
  std::string name;
  while (std::getline(ss, name, ',')) {
    if (name.empty()) continue;
    auto layer = report::layer_from_string(name);
    if (!layer) {
      std::string known;
      for (report::Layer l : report::kAllLayers) {
        known += (known.empty() ? "" : ",") + std::string(report::to_string(l));
      }
      return fail(ErrorCode::kInvalidInput,
                  "unknown layer \"" + name + "\" (layers: " + known + ")");
    }
    layers.push_back(*layer);
  }
  return layers;
}

Result<std::vector<inventory::Ref>> parse_refs(const std::vector<std::string>& from) {
  std::vector<inventory::Ref> refs;
  for (const auto& text : from) {
    auto ref = inventory::parse_ref(text);
    if (!ref) return tl::unexpected(ref.error());
    refs.push_back(*ref);
  }
  return refs;
}

void write_report(const DiagnoseOptions& o, const report::Report& r, std::ostream& out) {
  if (o.output == "json") {
    report::write_json(out, r);
  } else if (o.output == "markdown") {
    report::write_markdown(out, r);
  } else if (o.output == "dot") {
    out << report::path_dot(report::fault_path(r));
  } else {
    report::write_text(out, r, report::TextOptions{o.color, o.verbose});
  }
}

// CAP_NET_RAW and CAP_NET_ADMIN are not needed to enter anything: without them the run goes
// on, the checks that need them are skipped naming them, and this says so up front.
void warn_missing_net_capabilities(netns::RunMode mode, std::ostream& err) {
  std::vector<Capability> wanted{Capability::kNetRaw};
  if (mode == netns::RunMode::kNode) wanted.push_back(Capability::kNetAdmin);
  for (const Capability c : missing_capabilities(wanted)) {
    print_error(err, "warning: missing capability " + to_string(c) + ": the checks that need it (" +
                         (c == Capability::kNetRaw ? "ICMP probes, packet capture"
                                                   : "the node's iptables/nftables rules") +
                         ") are skipped");
  }
}

}  // namespace

std::optional<DiagnosePlan> plan_diagnose(const DiagnoseOptions& o, std::ostream& err) {
  DiagnosePlan plan;
  auto timeout = parse_duration(o.timeout);
  auto layers = parse_layers(o.layers);
  auto refs = parse_refs(o.from);
  for (const Error* e : {timeout ? nullptr : &timeout.error(), layers ? nullptr : &layers.error(),
                         refs ? nullptr : &refs.error()}) {
    if (e != nullptr) {
      print_error(err, e->message());
      return std::nullopt;
    }
  }
  plan.probe.timeout = *timeout;
  // The whole run ends by the deadline; by default ten probe timeouts, at least 5 seconds.
  plan.probe.deadline = std::max(std::chrono::milliseconds(5000), 10 * *timeout);
  if (!o.deadline.empty()) {
    auto deadline = parse_duration(o.deadline);
    if (!deadline) {
      print_error(err, deadline.error().message());
      return std::nullopt;
    }
    plan.probe.deadline = *deadline;
  }
  if (o.parallel < 1) {
    print_error(err, "--parallel must be at least 1");
    return std::nullopt;
  }
  plan.probe.parallel = static_cast<std::size_t>(o.parallel);
  plan.probe.layers = *layers;
  plan.refs = *refs;
  plan.sources.allow_userns = o.allow_userns;
  for (const auto& url : o.egress) {
    if (auto parsed = probes::parse_egress_url(url); !parsed) {
      print_error(err, parsed.error().message());
      return std::nullopt;
    }
  }
  plan.probe.egress_urls = o.egress;
  for (const auto& ip : o.to) {
    in_addr a{};
    if (inet_pton(AF_INET, ip.c_str(), &a) != 1) {
      print_error(err, "malformed --to \"" + ip + "\": expected a pod IPv4 address");
      return std::nullopt;
    }
  }
  plan.probe.to = o.to;
  plan.session = {o.inventory, o.mode, o.kubeconfig};
  return plan;
}

std::optional<report::Report> run_diagnosis(const DiagnosePlan& plan, std::ostream& err,
                                            int& exit_code) {
  const auto start = std::chrono::steady_clock::now();
  auto session = open_session(plan.session, err, exit_code);
  if (!session) return std::nullopt;
  auto sources = probes::resolve_sources(plan.refs, session->discovery, session->inv(),
                                         session->mode, plan.sources);
  if (!sources) {
    print_error(err, sources.error().message());
    exit_code = report::kExitUsage;
    return std::nullopt;
  }
  if (sources->empty()) {
    print_error(err,
                "no pods to diagnose: no pod network namespace is local to this node "
                "(name one with --from)");
    exit_code = report::kExitUsage;
    return std::nullopt;
  }
  probes::DiagnoseContext ctx{session->mode, session->node, &session->discovery, session->inv()};
  report::Report r = probes::diagnose(*sources, ctx, plan.probe);
  report::assign_root_cause(r);
  // The whole run, discovery included: what the user waited for.
  r.duration_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::steady_clock::now() - start)
                      .count();
  return r;
}

int run_diagnose(const DiagnoseOptions& o, std::ostream& out, std::ostream& err) {
  auto plan = plan_diagnose(o, err);
  if (!plan) return report::kExitUsage;
  std::shared_ptr<ProgressLine> progress;
  if (progress_wanted(o.output)) {
    progress = std::make_shared<ProgressLine>(stderr, report::kAllLayers.size());
    plan->probe.on_layer = progress_callback(progress);
  }
  int code = 0;
  auto r = run_diagnosis(*plan, err, code);
  if (progress) progress->finish();
  if (!r) return code;
  warn_missing_net_capabilities(r->mode == "pod" ? netns::RunMode::kPod : netns::RunMode::kNode,
                                err);
  write_report(o, *r, out);
  if (!o.picture.empty()) write_picture(*r, o.picture, err);
  return r->healthy() ? report::kExitHealthy : report::kExitFaulty;
}

}  // namespace netdoctor::cli
