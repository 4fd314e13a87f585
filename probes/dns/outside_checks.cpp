// dns.upstream and dns.search-path: what the pod gets for names outside the cluster.
#include <algorithm>

#include "core/text.h"
#include "probes/dns/dns_eval.h"
#include "probes/dns/dns_evidence.h"

namespace netdoctor::probes::dns {
namespace {

using report::Check;
using report::Status;

Check skip(std::string id, const DnsFacts& f, std::string why) {
  return make_check(std::move(id), f.context.source, Status::kSkip, "", std::move(why));
}

// Which server the upstream is judged through: the DNS Service when it answers cluster names,
// else the first endpoint that does (so a broken Service path is not blamed on the upstream).
// Empty `who` when no cluster DNS server answers at all.
struct UpstreamVia {
  Role role = Role::kUpstreamService;
  std::string who;
};

UpstreamVia upstream_via(const DnsFacts& f) {
  const auto& c = f.context;
  const std::string service = "the cluster DNS " + c.dns_ip;
  // Without a cluster name there is nothing to tell a working server by: judge the Service.
  if (c.cluster_name().empty() || authoritative(f.find(Role::kServiceName))) {
    return {Role::kUpstreamService, c.dns_ip.empty() ? std::string() : service};
  }
  if (!c.endpoints.empty() &&
      authoritative(f.find(Role::kEndpointName, Transport::kUdp, c.endpoints.front().ip))) {
    return {Role::kUpstreamEndpoint, "the DNS endpoint " + c.endpoints.front().ip +
                                         " (asked directly: the Service does not answer)"};
  }
  return {Role::kUpstreamService, {}};
}

// Outcomes after which glibc and c-ares go on to the next search domain; any other (a timeout,
// REFUSED, no server) ends the search there, with that error.
bool search_goes_on(const DnsAnswer& a) {
  return a.outcome == Outcome::kNxDomain || a.outcome == Outcome::kNoData ||
         a.outcome == Outcome::kServFail || a.outcome == Outcome::kAnswer;
}

}  // namespace

Check check_upstream(const DnsFacts& f) {
  const auto& c = f.context;
  const std::string id = "dns.upstream";
  if (c.outside_names.empty()) return skip(id, f, "no outside name to ask");
  if (!f.not_asked.empty()) return skip(id, f, f.not_asked);
  const auto via = upstream_via(f);
  if (via.who.empty()) {
    return skip(id, f,
                "no cluster DNS server answers cluster names (see dns.service-udp): the "
                "upstream cannot be judged");
  }
  std::vector<std::string> evidence, failed, resolved;
  std::chrono::microseconds slowest{0};
  for (std::size_t i = 0; i < f.plan.size() && i < f.answers.size(); ++i) {
    if (f.plan[i].role != via.role) continue;
    const auto& a = f.answers[i];
    evidence.push_back(describe(f.plan[i].query, a));
    slowest = std::max(slowest, a.elapsed);
    const std::string item = f.plan[i].target + " (" + result_text(a) + ")";
    (authoritative(&a) ? resolved : failed).push_back(item);
  }
  if (evidence.empty()) return skip(id, f, "not asked");
  Check out;
  if (!failed.empty()) {
    const std::string list = join(failed, ", ");
    const std::string what = c.cluster_name().empty() ? " does not resolve outside names: "
                                                      : " answers cluster names but not outside "
                                                        "names: ";
    out = make_check(id, c.source, Status::kFail, "dns-upstream-failure", via.who + what + list);
  } else {
    const std::string list = join(resolved, ", ");
    out = make_check(id, c.source, Status::kPass, "",
                     via.who + " resolves outside names through its upstream: " + list);
  }
  out.evidence = std::move(evidence);
  out.duration_ms = duration_ms(slowest);
  return out;
}

std::vector<std::string> search_stoppers(const DnsFacts& f) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < f.plan.size() && i < f.answers.size(); ++i) {
    if (f.plan[i].role == Role::kSearchDomain && !search_goes_on(f.answers[i])) {
      out.push_back(f.plan[i].target + " (" + result_text(f.answers[i]) + ")");
    }
  }
  return out;
}

Check check_search_path(const DnsFacts& f) {
  const auto& c = f.context;
  const std::string id = "dns.search-path";
  if (c.resolv_state != ResolvState::kRead || c.pod_nameservers().empty()) {
    return skip(id, f, "the pod's resolv.conf is not available or names no nameserver");
  }
  if (c.outside_names.empty()) return skip(id, f, "no outside name to ask");
  const std::string& name = c.outside_names.front();
  const auto* search = f.find(Role::kOutsideSearch, Transport::kUdp, name);
  const auto* direct = f.find(Role::kOutsideDirect, Transport::kUdp, name);
  if (!search || !direct) return skip(id, f, f.not_asked.empty() ? "not asked" : f.not_asked);
  const std::size_t extra = search_expansions(c, name);
  std::vector<std::string> evidence = {
      "ndots " + std::to_string(c.resolv.ndots) + ", " + std::to_string(c.resolv.search.size()) +
          " search domains: " + name + " costs " + std::to_string(extra) +
          " lookup(s) through the search domains before the name itself",
      describe(f.plan[static_cast<std::size_t>(search - f.answers.data())].query, *search),
      describe(f.plan[static_cast<std::size_t>(direct - f.answers.data())].query, *direct)};
  Check out;
  if (!authoritative(direct)) {
    out = skip(id, f,
               "the pod's nameservers do not resolve " + name + " directly either (" +
                   result_text(*direct) + "): see dns.upstream and dns.resolv-conf");
  } else if (search->outcome != direct->outcome && !has_address(search)) {
    // Each search domain was also asked on its own: name the ones that end the search.
    const std::vector<std::string> stopping = search_stoppers(f);
    std::size_t asked = 0;
    for (std::size_t i = 0; i < f.plan.size() && i < f.answers.size(); ++i) {
      if (f.plan[i].role != Role::kSearchDomain) continue;
      ++asked;
      evidence.push_back(describe(f.plan[i].query, f.answers[i]));
    }
    if (!stopping.empty() || asked == 0) {
      const std::string list = join(stopping, ", ");
      out =
          make_check(id, c.source, Status::kFail, "dns-resolv-conf-invalid",
                     name + " resolves when asked as is, but not through the pod's search path (" +
                         result_text(*search) + "): " +
                         (list.empty() ? "a search domain that times out or fails stops the search"
                                       : "the search stops at " + list +
                                             ", which answers neither NXDOMAIN nor an address: "
                                             "musl (Alpine images) and c-ares give up there, "
                                             "glibc still asks the name as is last"));
      evidence.emplace_back(kCauseResolvConf);
    } else {
      // Every domain answers on its own and the name resolves as is: the search only ran out of
      // time, one question after another (seen on a node at load 20). Slow, not broken.
      out = make_check(id, c.source, Status::kWarn, "dns-search-path-slow",
                       name + " did not resolve through the search path within one timeout (" +
                           result_text(*search) + "), though each of its " + std::to_string(asked) +
                           " search domains answers when asked alone and the name resolves as is: "
                           "the lookups one after another are too slow");
    }
  } else if (extra >= kSlowExpansions || search->elapsed - direct->elapsed >= kSlowSearch) {
    out = make_check(id, c.source, Status::kWarn, "dns-search-path-slow",
                     name + " costs " + std::to_string(extra) +
                         " failed lookup(s) before the real one: " + ms_text(search->elapsed) +
                         " through the search path, " + ms_text(direct->elapsed) + " as is");
  } else {
    out = make_check(id, c.source, Status::kPass, "",
                     name + " resolves through the search path in " + ms_text(search->elapsed) +
                         " (" + ms_text(direct->elapsed) + " as is)");
  }
  out.evidence = std::move(evidence);
  out.duration_ms = duration_ms(search->elapsed);
  return out;
}

}  // namespace netdoctor::probes::dns
