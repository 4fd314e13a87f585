// The dns layer's judgement: facts (context, questions, answers) in, checks out, no I/O.
//
// Failures are told apart by which servers answer which questions:
//   - the pod's own view (its resolv.conf) fails, the DNS Service answers: the pod's config;
//   - the ClusterIP is silent, the DNS endpoints answer directly: the Service path on this node
//     (proxy rules, or bridge-nf for pods beside the DNS pod) — evidence "cause: service";
//   - the endpoints are silent too: the DNS server itself — evidence "cause: dns-server";
//   - cluster names resolve, outside names do not: the upstream;
//   - a server answers NXDOMAIN for kubernetes.default.svc.<domain>: the name is missing.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "probes/dns/dns_facts.h"
#include "report/model.h"

namespace netdoctor::probes::dns {

// The evidence line, for people, that attributes a failing DNS Service: "cause: service" (the
// endpoints answer), "cause: dns-server" (they do not), "cause: unknown" (no endpoints to ask).
// Root-cause selection never reads it: a Service-path attribution is also stated as data, the
// check's causes (report::causes_for(code, When::kServicePathBroken)).
inline constexpr std::string_view kCauseService = "cause: service";
inline constexpr std::string_view kCauseServer = "cause: dns-server";
inline constexpr std::string_view kCauseResolvConf = "cause: resolv-conf";
inline constexpr std::string_view kCauseUnknown = "cause: unknown";

// An outside name costing this many failed lookups first is worth a warning (Kubernetes'
// default, 3 search domains with ndots 5, stays below it); so is a search path that adds
// kSlowSearch to a lookup whatever the count.
inline constexpr std::size_t kSlowExpansions = 4;
inline constexpr std::chrono::milliseconds kSlowSearch{100};

// Every check of the layer, in a fixed order: dns.resolv-conf, dns.cluster-name,
// dns.short-name, dns.service-udp, dns.service-tcp, dns.endpoint-udp:<ip>...,
// dns.endpoint-tcp:<ip>..., dns.upstream, dns.search-path.
[[nodiscard]] std::vector<report::Check> evaluate_dns(const DnsFacts& facts);

// Parts of evaluate_dns that live in their own files.
// dns.resolv-conf (resolv_conf_check.cpp).
[[nodiscard]] report::Check check_resolv_conf(const DnsFacts& facts);
// dns.upstream and dns.search-path (outside_checks.cpp).
[[nodiscard]] report::Check check_upstream(const DnsFacts& facts);
[[nodiscard]] report::Check check_search_path(const DnsFacts& facts);
// The search domains that end a search, each with what it answered ("corp.test (REFUSED)"):
// asked alone (Role::kSearchDomain), they neither resolved nor said NXDOMAIN, NODATA or
// SERVFAIL, after which glibc and c-ares would have gone on to the next domain.
[[nodiscard]] std::vector<std::string> search_stoppers(const DnsFacts& facts);

}  // namespace netdoctor::probes::dns
