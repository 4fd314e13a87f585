#include "probes/service/service_eval.h"

#include <algorithm>
#include <cstdio>
#include <map>

#include "core/text.h"

namespace netdoctor::probes {
namespace {

using report::Check;
using report::Status;

std::string ip_of(const std::string& ip_port) {
  return ip_port.substr(0, ip_port.rfind(':'));
}

std::string where(const ServiceTarget& t) {
  return t.ip + ":" + std::to_string(t.port) + "/" + t.protocol;
}

bool connected(const ConnectProbe& p) {
  return p.result && p.result->outcome == ConnectOutcome::kConnected;
}
bool failed(const ConnectProbe& p) {
  return p.result && !connected(p);
}
// Connected only on the confirming attempt: the first timed out.
bool recovered(const ConnectProbe& p) {
  return p.result && p.result->recovered();
}

std::string fmt_ms(std::chrono::microseconds us) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f ms", static_cast<double>(us.count()) / 1000.0);
  return buf;
}

std::string describe(const ConnectProbe& p) {
  if (!p.result) return "not run: " + p.error;
  if (recovered(p)) {
    return "connected on the second attempt from " + p.result->local + " in " +
           fmt_ms(p.result->elapsed) + " (the first: " + p.result->first_attempt + ")";
  }
  if (connected(p)) return "connected from " + p.result->local + " in " + fmt_ms(p.result->elapsed);
  std::string out = to_string(p.result->outcome);
  if (!p.result->detail.empty()) out += " (" + p.result->detail + ")";
  return out;
}

// "3 connected, 1 timeout" over the attempts that ran.
std::string tally(const std::vector<ConnectProbe>& probes) {
  std::map<std::string, int> n;
  for (const auto& p : probes) n[p.result ? to_string(p.result->outcome) : "not run"]++;
  std::string out;
  for (const auto& [what, count] : n)
    out += (out.empty() ? "" : ", ") + std::to_string(count) + " " + what;
  return out;
}

int count_failed(const std::vector<ConnectProbe>& probes) {
  return static_cast<int>(std::count_if(probes.begin(), probes.end(), failed));
}

bool ran_any(const std::vector<ConnectProbe>& probes) {
  return std::any_of(probes.begin(), probes.end(),
                     [](const auto& p) { return p.result.has_value(); });
}

const rules::EndpointRule* rule_endpoint(const ServiceTarget& t, const std::string& ep) {
  if (!t.rule) return nullptr;
  for (const auto& e : t.rule->endpoints) {
    if (e.address == ep) return &e;
  }
  return nullptr;
}

// "KUBE-SEP-X: DNAT to 10.244.2.3:80, 50% of new connections (from KUBE-SVC-Y)".
std::string sep_evidence(const ServiceTarget& t, const rules::EndpointRule& e) {
  char share[32];
  std::snprintf(share, sizeof share, "%.0f%%", e.probability * 100);
  return t.name + ": " + (e.chain.empty() ? "(no chain)" : e.chain) + ": DNAT to " + e.address +
         ", " + share + " of new connections (from " + t.rule->chain + ")";
}

// "a, b, c", or "none" for an empty list.
std::string list_or_none(const std::vector<std::string>& v) {
  std::string out = join(v, ", ");
  return out.empty() ? "none" : out;
}

Check make(const ServiceFacts& f, const std::string& id) {
  Check c;
  c.id = id;
  c.source = f.source;
  return c;
}

// "10.244.2.3" of "10.244.2.3:80", "fd00::3" of "[fd00::3]:80".
std::string host_of(const std::string& endpoint) {
  if (!endpoint.empty() && endpoint.front() == '[') {
    return endpoint.substr(1, endpoint.find(']') - 1);
  }
  const auto colon = endpoint.rfind(':');
  if (colon == std::string::npos || endpoint.find(':') != colon) return endpoint;
  return endpoint.substr(0, colon);
}

// A check about one Service port concerns its ClusterIP, the Service and its endpoints.
Check make(const ServiceFacts& f, const std::string& id, const ServiceTarget& t) {
  Check c = make(f, id);
  c.subjects.push_back(t.ip);
  c.subjects.push_back(t.service);
  for (const auto& ep : t.endpoints) c.subjects.push_back(host_of(ep));
  return c;
}

std::string rules_id(const ServiceTarget& t) {
  return "service.rules:" + t.name;
}
std::string clusterip_id(const ServiceTarget& t) {
  return "service.clusterip:" + t.name;
}
std::string hairpin_id(const ServiceTarget& t) {
  return "service.hairpin:" + t.name;
}
std::string endpoint_id(const std::string& ep) {
  return "service.endpoint:" + ep;
}

// Services whose backends a higher layer judges: a dead CoreDNS or API server is that layer's
// finding (dns-server-unreachable, apiserver-unreachable, or egress-no-snat for an API server
// outside the pod network). Here their endpoints' failures only warn, so the lowest failing
// layer stays the one that explains them; their rules are still this layer's.

void defer_to_owner(const std::string& service, Check& c) {
  const std::string owner = owner_layer(service);
  if (owner.empty() || c.status != Status::kFail || c.code != report::Code("endpoint-unreachable"))
    return;
  c.status = Status::kWarn;
  c.summary += " (the " + owner + " layer judges this backend)";
}

bool rules_missing(const ServiceTarget& t) {
  return std::any_of(t.diffs.begin(), t.diffs.end(),
                     [](const auto& d) { return d.kind == rules::DiffKind::kServiceMissing; });
}

Check rules_check(const ServiceFacts& f, const ServiceTarget& t) {
  Check c = make(f, rules_id(t), t);
  if (rules_missing(t)) {
    c.status = Status::kFail;
    c.code = "service-rules-missing";
    c.summary = "the node's proxy rules do not implement " + t.name + " (" + where(t) + ")";
    c.evidence.push_back("no rule for " + where(t) + " in nat KUBE-SERVICES nor filter " +
                         "KUBE-SERVICES (backend " + f.rules_backend + ")");
    c.evidence.push_back("the EndpointSlices list ready: " + list_or_none(t.endpoints));
    for (const auto& n : f.rule_notes) c.evidence.push_back("note: " + n);
    return c;
  }
  if (!t.diffs.empty()) {
    c.status = Status::kFail;
    c.code = "endpoints-stale";
    c.summary = "the node's rules for " + t.name + " lead elsewhere than its EndpointSlices";
    for (const auto& d : t.diffs) {
      c.evidence.push_back(d.summary);
      if (const auto* e = rule_endpoint(t, d.endpoint)) c.evidence.push_back(sep_evidence(t, *e));
    }
    c.evidence.push_back("the EndpointSlices list ready: " + list_or_none(t.endpoints));
    return c;
  }
  const std::size_t n = t.rule ? t.rule->endpoints.size() : 0;
  c.summary = t.rule && t.rule->rejects && n == 0
                  ? "the rules reject " + where(t) + " (no endpoints), as the inventory says"
                  : "the rules lead " + where(t) + " to the " + std::to_string(n) +
                        " ready endpoint" + (n == 1 ? "" : "s") + " of the EndpointSlices";
  // Rules netdoctor cannot decode might send the traffic elsewhere: the comparison holds only
  // if they never match. No finding of its own (the connects through the ClusterIP judge the
  // traffic), but the uncertainty is said.
  if (t.rule && !t.rule->uncertain.empty()) {
    c.summary += " (uncertain: " + std::to_string(t.rule->uncertain.size()) +
                 " rule(s) on the way are not decoded and assumed not to match)";
    for (const auto& u : t.rule->uncertain) c.evidence.push_back("uncertain: " + u);
  }
  return c;
}

// A Service without endpoints is a fault only for someone who uses it. The kubelet puts every
// Service of the namespace into the environment, so a service link alone is weak: it counts
// when pods the selector matches are running (the endpoints should be there), or when --to
// named the Service.
Check no_endpoints_check(const ServiceFacts& f, const ServiceTarget& t) {
  Check c = make(f, clusterip_id(t), t);
  const bool used = t.named_by_user || (!t.reference.empty() && !t.selected_pods.empty());
  c.status = used ? Status::kFail : Status::kWarn;
  c.code = "service-no-endpoints";
  c.summary = t.name + " has no ready endpoint: connections to " + where(t) + " are rejected";
  c.evidence.push_back(t.in_inventory
                           ? "the EndpointSlices of " + t.service + " list no ready endpoint"
                           : "the node's rules list no endpoint for " + where(t));
  if (t.rule && t.rule->rejects) {
    c.evidence.push_back("filter KUBE-SERVICES rejects " + where(t) + " (\"" + t.name +
                         " has no endpoints\")");
  }
  if (!t.reference.empty()) c.evidence.push_back("referenced: " + t.reference);
  if (!t.selector.empty()) {
    c.evidence.push_back("selector " + t.selector +
                         " matches running pods: " + list_or_none(t.selected_pods));
  }
  if (!used) {
    c.summary += t.reference.empty()
                     ? "; nothing here targets it"
                     : "; only the kubelet's service link names it and no pod it selects runs";
  }
  return c;
}

}  // namespace

std::string owner_layer(const std::string& service) {
  if (service == "kube-system/kube-dns") return "dns";
  if (service == "default/kubernetes") return "apiserver";
  return {};
}

bool source_is_endpoint(const ServiceTarget& t, const std::string& source_ip) {
  if (source_ip.empty()) return false;
  return std::any_of(t.endpoints.begin(), t.endpoints.end(),
                     [&](const std::string& e) { return ip_of(e) == source_ip; });
}

namespace {

// The first endpoint of the target that failed its direct connect, if any.
const ConnectProbe* failing_endpoint(const ServiceFacts& f, const ServiceTarget& t) {
  for (const auto& ep : t.endpoints) {
    auto it = f.endpoints.find(ep);
    if (it != f.endpoints.end() && failed(it->second)) return &it->second;
  }
  return nullptr;
}

// Names what explains failed ClusterIP connects: the rules, a dead endpoint, or hairpin.
void explain_clusterip(const ServiceFacts& f, const ServiceTarget& t, Check& c) {
  if (rules_missing(t)) {
    c.code = "service-rules-missing";
    report::explain(c, c.code, rules_id(t));
  } else if (!t.diffs.empty()) {
    c.code = "endpoints-stale";
    report::explain(c, c.code, rules_id(t));
  } else if (const ConnectProbe* ep = failing_endpoint(f, t)) {
    c.code = "endpoint-unreachable";
    report::explain(c, c.code, endpoint_id(ep->target));
    c.evidence.push_back("endpoint " + ep->target + " fails directly: " + describe(*ep));
  } else if (source_is_endpoint(t, f.source_ip)) {
    c.code = "hairpin-broken";
    report::explain(c, c.code, hairpin_id(t));
  } else {
    c.code = "endpoint-unreachable";
    c.evidence.push_back("every endpoint answers a direct connect: the ClusterIP path fails");
  }
}

Check clusterip_check(const ServiceFacts& f, const ServiceTarget& t) {
  Check c = make(f, clusterip_id(t), t);
  const auto& probes = t.via_cluster_ip;
  const int bad = count_failed(probes);
  const int ran = static_cast<int>(std::count_if(
      probes.begin(), probes.end(), [](const auto& p) { return p.result.has_value(); }));
  if (ran == 0) {
    c.status = Status::kSkip;
    c.summary = "not probed: " + (probes.empty() ? std::string("no attempt") : probes[0].error);
    return c;
  }
  c.evidence.push_back("TCP connects to " + where(t) + ": " + tally(probes));
  if (bad == 0) {
    c.summary = std::to_string(ran) + " connects through " + where(t) + " succeeded";
    return c;
  }
  const auto& again = t.via_cluster_ip_again;
  if (ran_any(again) && count_failed(again) == 0) {
    // Asked again, every connect went through: a dropped SYN (a small accept queue, a busy
    // node), not a broken path. Reported with its counts, never a root cause on its own.
    c.status = Status::kWarn;
    c.code = "intermittent";
    c.summary = std::to_string(bad) + " of " + std::to_string(ran) + " connects through " +
                where(t) + " (" + t.name + ") failed, then all " + std::to_string(again.size()) +
                " connected when asked again";
    c.evidence.push_back("asked again: " + tally(again));
    return c;
  }
  c.status = Status::kFail;
  c.summary = std::to_string(bad) + " of " + std::to_string(ran) + " connects through " + where(t) +
              " (" + t.name + ") failed";
  if (ran_any(again)) c.evidence.push_back("asked again: " + tally(again));
  for (const auto& p : probes) {
    if (failed(p)) c.evidence.push_back("connect " + p.target + ": " + describe(p));
  }
  explain_clusterip(f, t, c);
  if (c.code == report::Code("endpoint-unreachable") && c.explained_by.empty() && bad < ran) {
    // Some connects fail, others pass, and every endpoint answers directly: nothing explains
    // the failures. Intermittent, reported with its counts, never a root cause on its own.
    c.status = Status::kWarn;
    c.code = "intermittent";
    c.summary = std::to_string(bad) + " of " + std::to_string(ran) + " connects through " +
                where(t) + " (" + t.name + ") failed even when confirmed, the others connected";
    return c;
  }
  defer_to_owner(t.service, c);
  return c;
}

// The direct connect to the source's own endpoint of the Service (its target port may differ
// from the Service's port), or nullptr.
const ConnectProbe* self_probe(const ServiceFacts& f, const ServiceTarget& t) {
  for (const auto& ep : t.endpoints) {
    if (ip_of(ep) != f.source_ip) continue;
    if (auto it = f.endpoints.find(ep); it != f.endpoints.end()) return &it->second;
  }
  return nullptr;
}

bool others_answer(const ServiceFacts& f, const ServiceTarget& t) {
  for (const auto& ep : t.endpoints) {
    if (ip_of(ep) == f.source_ip) continue;
    auto it = f.endpoints.find(ep);
    if (it != f.endpoints.end() && failed(it->second)) return false;
  }
  return true;
}

std::string port_evidence(const HairpinPort& p) {
  if (!p.hairpin) return "hairpin flag of " + p.veth + " not read: " + p.error;
  const std::string bridge = " (bridge " + (p.bridge.empty() ? std::string("?") : p.bridge) + ")";
  return (*p.hairpin ? "hairpin on for " : "hairpin off on ") + p.veth + bridge;
}

Check hairpin_check(const ServiceFacts& f, const ServiceTarget& t) {
  Check c = make(f, hairpin_id(t), t);
  const auto& port = f.hairpin_port;
  const bool flag_off = port && port->hairpin && !*port->hairpin;
  const int bad = count_failed(t.via_cluster_ip);
  const int bad_again = count_failed(t.via_cluster_ip_again);
  // Failures only count as hairpin when every other endpoint answers: then the only path that
  // differs is the one where the DNAT picks the source itself.
  // And the pod must answer itself by its own address: a dead server is no hairpin problem.
  // And they must come back when asked again: a broken hairpin fails every time the DNAT picks
  // the pod, a dropped SYN (its own small accept queue, busy with the others) does not.
  const ConnectProbe* self = self_probe(f, t);
  const bool self_ok = self == nullptr || !failed(*self);
  const bool inferred = bad > 0 && bad_again > 0 && self_ok && others_answer(f, t) &&
                        !rules_missing(t) && t.diffs.empty();
  if (port) c.evidence.push_back(port_evidence(*port));
  if (!flag_off && !self_ok) {
    c.status = Status::kSkip;
    c.summary = "not judged: " + f.source + "'s own endpoint does not answer a direct connect";
    return c;
  }
  if (!flag_off && !inferred) {
    if (bad > 0 && !ran_any(t.via_cluster_ip_again)) {
      c.status = Status::kSkip;
      c.summary = "not judged: " + std::to_string(bad) + " connects through " + where(t) +
                  " failed and were not asked again";
      return c;
    }
    if (bad > 0 && bad_again == 0) {
      c.summary = "no sign of a broken hairpin: " + std::to_string(bad) + " connects through " +
                  where(t) + " failed, none of " + std::to_string(t.via_cluster_ip_again.size()) +
                  " when asked again";
      return c;
    }
    c.summary = f.source + " reaches itself through " + t.name + " (" + where(t) + ")";
    return c;
  }
  c.status = Status::kFail;
  c.code = "hairpin-broken";
  c.summary = f.source + " cannot reach itself through its own Service " + t.name;
  if (bad > 0) {
    c.evidence.push_back(std::to_string(bad) + " of " + std::to_string(t.via_cluster_ip.size()) +
                         " connects from the pod to " + where(t) +
                         " failed, while every other endpoint answers directly");
  }
  if (bad_again > 0) {
    c.evidence.push_back("asked again, " + std::to_string(bad_again) + " of " +
                         std::to_string(t.via_cluster_ip_again.size()) + " failed again");
  }
  if (self) c.evidence.push_back("the pod reaches itself by its own address: " + describe(*self));
  if (!port)
    c.evidence.push_back("the bridge port's hairpin flag is not visible from inside the pod");
  return c;
}

Check endpoint_check(const ServiceFacts& f, const ConnectProbe& p) {
  Check c = make(f, endpoint_id(p.target));
  c.subjects = {host_of(p.target)};
  if (!p.result) {
    c.status = Status::kSkip;
    c.summary = "not probed: " + p.error;
    return c;
  }
  std::vector<std::string> behind;
  std::string owned;  // a Service it backs; judged elsewhere when all of them are
  bool all_owned = true;
  for (const auto& t : f.targets) {
    if (std::find(t.endpoints.begin(), t.endpoints.end(), p.target) == t.endpoints.end()) continue;
    behind.push_back(t.name);
    if (owner_layer(t.service).empty()) all_owned = false;
    owned = t.service;
    if (const auto* e = rule_endpoint(t, p.target); e && !connected(p)) {
      c.evidence.push_back(sep_evidence(t, *e));
    }
  }
  if (recovered(p)) {
    c.status = Status::kWarn;
    c.code = "intermittent";
    c.summary = "endpoint " + p.target + " of " + list_or_none(behind) +
                " accepted the connection only when asked again (1 of 2 attempts timed out)";
    c.evidence.push_back("TCP connect " + f.source + " -> " + p.target + ": " + describe(p));
    return c;
  }
  if (connected(p)) {
    c.summary = "endpoint " + p.target + " of " + list_or_none(behind) + " accepts connections";
    return c;
  }
  c.status = Status::kFail;
  c.code = "endpoint-unreachable";
  const std::string outcome = to_string(p.result->outcome);
  c.summary = "endpoint " + p.target + " of " + list_or_none(behind) +
              " does not accept connections (" + outcome + ")";
  c.evidence.insert(c.evidence.begin(),
                    "TCP connect " + f.source + " -> " + p.target + ": " + describe(p));
  if (auto it = f.endpoint_pods.find(ip_of(p.target)); it != f.endpoint_pods.end()) {
    c.evidence.push_back("endpoint pod " + it->second);
  }
  if (all_owned && !behind.empty()) defer_to_owner(owned, c);
  return c;
}

void target_checks(const ServiceFacts& f, const ServiceTarget& t, std::vector<Check>& out) {
  if (!t.probe && !t.left_to.empty()) {
    if (f.rules_read && t.in_inventory) out.push_back(rules_check(f, t));
    Check c = make(f, clusterip_id(t), t);
    c.status = Status::kSkip;
    c.summary = "not probed here: " + t.left_to;
    out.push_back(std::move(c));
    return;
  }
  if (!t.probe) {
    // Beyond max_services only a rules failure is worth a line.
    if (f.rules_read && !t.diffs.empty()) out.push_back(rules_check(f, t));
    return;
  }
  if (f.rules_read && t.in_inventory) out.push_back(rules_check(f, t));
  if (t.endpoints.empty()) {
    out.push_back(no_endpoints_check(f, t));
    return;
  }
  if (t.protocol != "tcp") {
    Check c = make(f, clusterip_id(t), t);
    c.status = Status::kSkip;
    c.summary = where(t) + " is not TCP: the dns layer checks DNS over UDP";
    out.push_back(std::move(c));
    return;
  }
  out.push_back(clusterip_check(f, t));
  if (source_is_endpoint(t, f.source_ip)) out.push_back(hairpin_check(f, t));
}

}  // namespace

std::vector<Check> evaluate_service_layer(const ServiceFacts& f) {
  std::vector<Check> out;
  if (!f.rules_read) {
    Check c = make(f, "service.rules");
    c.status = Status::kSkip;
    c.summary = f.rules_error.empty()
                    ? "the node's proxy rules are not visible here (pod mode, or they could not "
                      "be read)"
                    : "the node's proxy rules could not be read: " + f.rules_error;
    out.push_back(std::move(c));
  }
  if (f.targets.empty()) {
    Check c = make(f, "service.layer");
    c.status = Status::kSkip;
    c.summary =
        "no Service known: give --inventory (or run on the node, where the rules list them)";
    out.push_back(std::move(c));
    return out;
  }
  for (const auto& t : f.targets) target_checks(f, t, out);
  for (const auto& [ep, p] : f.endpoints) out.push_back(endpoint_check(f, p));
  // A hairpin failure explains the ClusterIP check of the same Service.
  for (auto& c : out) {
    if (c.code != report::Code("hairpin-broken") || c.id.rfind("service.clusterip:", 0) != 0)
      continue;
    const std::string hp =
        "service.hairpin:" + c.id.substr(std::string("service.clusterip:").size());
    if (std::none_of(out.begin(), out.end(),
                     [&](const Check& h) { return h.id == hp && h.status == Status::kFail; })) {
      c.explained_by.clear();
      std::erase_if(c.causes, [&](const report::Cause& cause) { return cause.check == hp; });
    }
  }
  // The root cause is the first failing check of the lowest layer: checks that explain
  // others (an endpoint, the rules, the hairpin) come before those they explain.
  std::stable_partition(out.begin(), out.end(),
                        [](const Check& c) { return c.explained_by.empty(); });
  return out;
}

}  // namespace netdoctor::probes
