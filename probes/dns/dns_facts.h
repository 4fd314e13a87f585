// What the dns layer knows before and after asking: the pod's resolver configuration, the
// cluster DNS Service and its endpoints (the context), the questions planned from it, and the
// answers. Planning is pure, so the questions a pod gets are tested without any network.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "probes/net/resolv_conf.h"
#include "probes/net/resolver.h"

namespace netdoctor::probes::dns {

enum class ResolvState {
  kRead,        // read through a process of the pod
  kMissing,     // the pod has no /etc/resolv.conf
  kUnreadable,  // it exists but could not be read (detail says why)
  kNoProcess,   // no process in the pod to read it through
};

struct DnsEndpoint {
  std::string ip;
  std::string pod;  // "kube-system/coredns-0" when the inventory names it
  std::uint16_t udp_port = 53;
  std::uint16_t tcp_port = 53;
};

struct DnsContext {
  std::string source;  // the source pod's display name
  ResolvState resolv_state = ResolvState::kNoProcess;
  std::string resolv_detail;  // why it is not kRead
  std::string resolv_from;    // the container it was read from, when read
  ResolvConf resolv;          // meaningful when kRead
  std::string pod_namespace;
  // From the search list (or given); empty when unknown: never assumed.
  std::string cluster_domain;
  // The cluster DNS Service: the inventory's kube-system/kube-dns, else the pod's first
  // nameserver. dns_ip empty: nothing to ask.
  std::string dns_service;  // "kube-system/kube-dns", or empty when not from the inventory
  std::string dns_ip;
  std::uint16_t dns_udp_port = 53;
  std::uint16_t dns_tcp_port = 53;
  bool have_inventory = false;
  std::vector<DnsEndpoint> endpoints;  // the Service's ready endpoints
  std::vector<std::string> outside_names;

  // The nameservers glibc uses: the first three valid ones.
  [[nodiscard]] std::vector<std::string> pod_nameservers() const;
  // "kubernetes.default.svc.<domain>"; empty when the domain is unknown.
  [[nodiscard]] std::string cluster_name() const;
};

// Why a question is asked: each role feeds one check.
enum class Role {
  kPodFqdn,           // the cluster name as the application asks it (pod's resolv.conf)
  kPodShort,          // "kubernetes.default" through the pod's search path
  kServiceName,       // the cluster name asked of the DNS Service ClusterIP
  kEndpointName,      // the cluster name asked of one DNS endpoint directly
  kUpstreamService,   // an outside name asked of the DNS Service
  kUpstreamEndpoint,  // an outside name asked of the first DNS endpoint
  kOutsideSearch,     // the first outside name through the pod's search path
  kOutsideDirect,     // the same name, absolute, of the pod's nameservers
  kSearchDomain,      // the same name with one search domain appended, absolute (target: domain)
};

struct PlannedQuery {
  Role role = Role::kPodFqdn;
  std::string target;  // the endpoint IP or the outside name the question is about
  DnsQuery query;
};

// How many names the pod's resolver tries through its search list before `name` itself (glibc
// and c-ares: the list first when the name has fewer dots than ndots and no trailing dot).
[[nodiscard]] std::size_t search_expansions(const DnsContext& context, std::string_view name);

// The questions for a context, all to be asked at once.
[[nodiscard]] std::vector<PlannedQuery> plan_queries(const DnsContext& context);

struct DnsFacts {
  DnsContext context;
  std::vector<PlannedQuery> plan;
  std::vector<DnsAnswer> answers;  // one per plan entry, in order
  std::string not_asked;           // why no question could be asked (netns not entered)

  // The answer of the planned question with this role, transport and target; null if none.
  [[nodiscard]] const DnsAnswer* find(Role role, Transport transport = Transport::kUdp,
                                      std::string_view target = {}) const;
};

// Host names of --egress targets (http://, https://, tcp://host:port); IP literals are left
// out, since they need no DNS.
[[nodiscard]] std::vector<std::string> outside_names_from_urls(
    const std::vector<std::string>& urls);

}  // namespace netdoctor::probes::dns
