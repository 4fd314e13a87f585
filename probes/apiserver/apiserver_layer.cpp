#include "probes/apiserver/apiserver_layer.h"

#include <exception>
#include <future>

#include "netns/containers.h"
#include "netns/runner.h"
#include "probes/apiserver/apiserver_eval.h"
#include "probes/apiserver/ca_info.h"
#include "probes/net/http.h"
#include "probes/net/resolv_conf.h"
#include "probes/net/tcp.h"

namespace netdoctor::probes {
namespace {

using Clock = std::chrono::steady_clock;

constexpr const char* kServiceAccount = "/var/run/secrets/kubernetes.io/serviceaccount/";
// Thread start, setns and curl set-up beyond the two bounded phases; only guards a bug.
constexpr std::chrono::milliseconds kThreadSlack{1000};

// The pod's side of the conversation, read once through its process.
struct PodSecrets {
  std::map<std::string, std::string> environ;
  dns::ResolvConf resolv;
  std::string ca_pem;
  std::string token;
};

std::string trim(std::string s) {
  const auto end = s.find_last_not_of(" \t\r\n");
  s.erase(end == std::string::npos ? 0 : end + 1);
  return s.substr(std::min(s.size(), s.find_first_not_of(" \t\r\n")));
}

// The token and CA come from the first container that mounts the service account (the sandbox
// and a sidecar without it do not), the environment from every container, resolv.conf from an
// app container.
PodSecrets read_secrets(const netns::PodReader& reader, ApiPodFacts& pod) {
  PodSecrets s;
  s.environ = reader.environ();
  if (auto conf = reader.read_head("/etc/resolv.conf", dns::kResolvConfReadLimit)) {
    s.resolv = dns::parse_resolv_conf_head(conf->content, conf->truncated);
  }
  auto token = reader.read(std::string(kServiceAccount) + "token", 64 << 10);
  // The CA from the container the token came from, so the two belong together.
  const netns::PodReader from_token =
      token ? netns::PodReader({token->from}) : netns::PodReader(reader.order());
  if (auto ca = from_token.read(std::string(kServiceAccount) + "ca.crt")) {
    s.ca_pem = std::move(ca->content);
    pod.ca_subjects = certificate_subjects(s.ca_pem);
    if (pod.ca_subjects.empty()) pod.ca_problem = "ca.crt holds no PEM certificate";
    if (!token) pod.secrets_from = ca->from.describe();
  } else {
    pod.ca_problem = "no service-account ca.crt: " + ca.error().message();
  }
  if (token) {
    s.token = trim(std::move(token->content));
    pod.secrets_from = token->from.describe();
  } else {
    pod.token_problem = "none sent: " + token.error().message();
  }
  return s;
}

std::string pod_namespace(const SourcePod& src) {
  const auto slash = src.pod.find('/');
  return slash == std::string::npos ? std::string() : src.pod.substr(0, slash);
}

report::Check skip_check(const SourcePod& src, const std::string& why) {
  report::Check c;
  c.id = "apiserver.targets";
  c.source = src.display;
  c.status = report::Status::kSkip;
  c.summary = why;
  return c;
}

// The first endpoint outside the pod network, where a missing masquerade would cut replies.
SnatVerdict judge_endpoint_snat(const std::vector<ApiTarget>& targets, const SourcePod& src,
                                const ApiserverContext& ctx) {
  for (const auto& t : targets) {
    if (t.kind != ApiTargetKind::kEndpoint) continue;
    return judge_masquerade(ctx.rules, ctx.node_links, ctx.inventory, src.ip, t.ip, t.port);
  }
  return {};
}

void probe_all(ApiPodFacts& pod, const PodSecrets& secrets, const std::vector<ApiTarget>& targets,
               const SourcePod& src, std::chrono::milliseconds timeout) {
  const auto start = Clock::now();
  auto ns = netns::Netns::open_path(src.netns.path);
  const auto& all = secrets.resolv.nameservers;
  std::vector<std::future<Result<ApiProbeResult>>> running;
  std::vector<std::string> endpoints;
  for (const auto& t : targets) {
    if (t.kind == ApiTargetKind::kEndpoint) endpoints.push_back(t.ip);
  }
  for (const auto& t : targets) {
    ApiProbePlan plan{t,
                      {all.begin(), all.begin() + std::min<std::size_t>(all.size(), 3)},
                      secrets.ca_pem,
                      secrets.token,
                      timeout,
                      t.kind == ApiTargetKind::kEndpoint ? std::vector<std::string>{} : endpoints};
    if (ns) {
      running.push_back(netns::run_in_async(*ns, [plan = std::move(plan)] {
        const ThreadTlsRelease release;
        return probe_apiserver_in_pod(plan);
      }));
    } else {
      running.emplace_back();
    }
  }
  // The name's lookup, the request, and a timed-out request asked again (apiserver_probe).
  const auto deadline = start + 2 * timeout + std::max(timeout, kConfirmTimeout) + kThreadSlack;
  for (std::size_t i = 0; i < targets.size(); ++i) {
    ApiFacts f;
    f.target = targets[i];
    if (!ns) {
      f.not_probed = ns.error().message();
    } else if (running[i].wait_until(deadline) != std::future_status::ready) {
      f.not_probed = "the probe thread did not finish in time";
    } else if (auto r = running[i].get(); !r) {
      f.not_probed = r.error().message();
    } else {
      f.result = std::move(*r);
    }
    // The target's own cost when its thread measured it, else the time waited for it.
    f.duration_ms =
        f.not_probed.empty()
            ? f.result.elapsed.count()
            : std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
    pod.targets.push_back(std::move(f));
  }
}

std::vector<report::Check> run_layer(const SourcePod& src, const ApiserverContext& ctx,
                                     const ApiserverOptions& o) {
  const netns::PodReader reader = src.reader();
  if (reader.empty()) {
    return {skip_check(src, "no process in the pod to read its service account and environment")};
  }
  ApiPodFacts pod;
  pod.source = src.display;
  const PodSecrets secrets = read_secrets(reader, pod);
  if (secrets.ca_pem.empty() && secrets.token.empty()) {
    return {skip_check(src, "no container of the pod (" + std::to_string(reader.order().size()) +
                                " looked at) mounts a service-account token (" + pod.token_problem +
                                ")")};
  }
  ApiTargetInputs in;
  in.environ = secrets.environ;
  in.inventory = ctx.inventory;
  in.services = ctx.rule_services;
  in.cluster_domain = dns::cluster_domain_from_search(secrets.resolv.search, pod_namespace(src));
  const auto targets = plan_api_targets(in);
  if (targets.empty()) {
    return {skip_check(src,
                       "no API server address known: the pod has no KUBERNETES_SERVICE_HOST, "
                       "and neither an inventory nor the node's rules name default/kubernetes")};
  }
  pod.snat = judge_endpoint_snat(targets, src, ctx);
  probe_all(pod, secrets, targets, src, o.timeout);
  return evaluate_apiserver(pod);
}

}  // namespace

std::vector<report::Check> run_apiserver_layer(const SourcePod& src,
                                               const ApiserverContext& context,
                                               const ApiserverOptions& options) {
  return run_layer(src, context, options);
}

namespace {

class ApiserverRun final : public LayerRun {
 public:
  ApiserverRun(const Scene& s, const DiagnoseOptions& options)
      : ctx_{s.inv(), s.rule_snapshot(), s.node_links(), s.services()}, o_{options.timeout} {}
  Checks source(const SourcePod& src) override { return run_apiserver_layer(src, ctx_, o_); }

 private:
  const ApiserverContext ctx_;
  const ApiserverOptions o_;
};

}  // namespace

std::unique_ptr<LayerRun> start_apiserver_layer(const Scene& scene,
                                                const DiagnoseOptions& options) {
  return std::make_unique<ApiserverRun>(scene, options);
}

}  // namespace netdoctor::probes
