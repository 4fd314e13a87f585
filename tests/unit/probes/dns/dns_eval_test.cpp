// The dns layer's judgement on hand-made facts: each lab fault's answers give its finding.
#include "probes/dns/dns_eval.h"
#include "report/explains.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <optional>

namespace netdoctor::probes::dns {
namespace {

using namespace std::chrono_literals;
using report::Check;
using report::Status;

constexpr const char* kKubeletConf =
    "search default.svc.cluster.local svc.cluster.local cluster.local\n"
    "nameserver 10.96.0.10\noptions ndots:5\n";

DnsContext context(const std::string& resolv = kKubeletConf) {
  DnsContext c;
  c.source = "default/client-a";
  c.resolv_state = ResolvState::kRead;
  c.resolv = parse_resolv_conf(resolv);
  c.pod_namespace = "default";
  c.cluster_domain = cluster_domain_from_search(c.resolv.search, "default");
  c.dns_service = "kube-system/kube-dns";
  c.dns_ip = "10.96.0.10";
  c.have_inventory = true;
  c.endpoints = {{"10.244.1.2", "kube-system/coredns-0"}};
  c.outside_names = {"example.test"};
  return c;
}

// Every question answered at once: cluster names with the kubernetes ClusterIP, outside
// names with the internet host, in about a millisecond.
DnsFacts healthy(DnsContext c = context()) {
  DnsFacts f;
  f.context = std::move(c);
  f.plan = plan_queries(f.context);
  for (const auto& p : f.plan) {
    DnsAnswer a;
    a.outcome = Outcome::kAnswer;
    if (p.role == Role::kSearchDomain) {  // example.test.<search domain>: no such name
      a.outcome = Outcome::kNxDomain;
      a.elapsed = 900us;
      f.answers.push_back(a);
      continue;
    }
    const bool outside = p.role == Role::kUpstreamService || p.role == Role::kUpstreamEndpoint ||
                         p.role == Role::kOutsideSearch || p.role == Role::kOutsideDirect;
    a.addresses = {outside ? "203.0.113.10" : "10.96.0.1"};
    a.elapsed = 900us;
    f.answers.push_back(a);
  }
  return f;
}

void set(DnsFacts& f, Role role, Outcome o, std::optional<Transport> t = {},
         std::chrono::microseconds elapsed = 1000ms) {
  bool any = false;
  for (std::size_t i = 0; i < f.plan.size(); ++i) {
    if (f.plan[i].role != role || (t && f.plan[i].query.transport != *t)) continue;
    f.answers[i].outcome = o;
    f.answers[i].addresses.clear();
    if (o == Outcome::kAnswer) f.answers[i].addresses = {"10.96.0.1"};
    f.answers[i].elapsed = elapsed;
    any = true;
  }
  ASSERT_TRUE(any) << "no planned question with that role";
}

const Check& by_id(const std::vector<Check>& checks, const std::string& id) {
  auto it = std::find_if(checks.begin(), checks.end(), [&](const Check& c) { return c.id == id; });
  if (it == checks.end()) throw std::runtime_error("no check " + id);
  return *it;
}

bool has_evidence(const Check& c, std::string_view text) {
  return std::any_of(c.evidence.begin(), c.evidence.end(),
                     [&](const std::string& e) { return e.find(text) != std::string::npos; });
}

std::vector<std::string> failing(const std::vector<Check>& checks) {
  std::vector<std::string> ids;
  for (const auto& c : checks) {
    if (c.status == Status::kFail) ids.push_back(c.id + "=" + c.code.str());
  }
  return ids;
}

TEST(DnsEval, HealthyPodPassesEveryCheckInOrder) {
  const auto checks = evaluate_dns(healthy());
  std::vector<std::string> ids;
  for (const auto& c : checks) {
    ids.push_back(c.id);
    EXPECT_EQ(c.status, Status::kPass) << c.id << ": " << c.summary;
    EXPECT_EQ(c.source, "default/client-a");
    EXPECT_TRUE(c.code.empty()) << c.id;
  }
  EXPECT_EQ(ids, (std::vector<std::string>{
                     "dns.resolv-conf", "dns.cluster-name", "dns.short-name", "dns.service-udp",
                     "dns.service-tcp", "dns.endpoint-udp:10.244.1.2",
                     "dns.endpoint-tcp:10.244.1.2", "dns.upstream", "dns.search-path"}));
  const auto& svc = by_id(checks, "dns.service-udp");
  EXPECT_EQ(svc.evidence.at(0),
            "udp 10.96.0.10:53 kubernetes.default.svc.cluster.local: 10.96.0.1 in 0.9 ms");
  EXPECT_EQ(svc.duration_ms, 1);
}

TEST(DnsEval, DnsServerDownFailsServiceAndEndpointsWithCauseServer) {
  auto f = healthy();
  for (Role r : {Role::kPodFqdn, Role::kPodShort, Role::kServiceName, Role::kEndpointName,
                 Role::kUpstreamService, Role::kUpstreamEndpoint, Role::kOutsideSearch,
                 Role::kOutsideDirect}) {
    set(f, r, Outcome::kTimeout);
  }
  const auto checks = evaluate_dns(f);
  const auto& svc = by_id(checks, "dns.service-udp");
  EXPECT_EQ(svc.status, Status::kFail);
  EXPECT_EQ(svc.code, "dns-server-unreachable");
  EXPECT_TRUE(has_evidence(svc, kCauseServer));
  EXPECT_TRUE(svc.causes.empty()) << "the DNS server itself is the finding";
  EXPECT_TRUE(has_evidence(svc, "timeout after 1000 ms"));
  EXPECT_NE(svc.summary.find("no DNS endpoint answers either"), std::string::npos);
  EXPECT_EQ(by_id(checks, "dns.endpoint-tcp:10.244.1.2").code, "dns-server-unreachable");
  EXPECT_EQ(by_id(checks, "dns.cluster-name").code, "dns-server-unreachable");
  EXPECT_EQ(by_id(checks, "dns.resolv-conf").status, Status::kPass);
  // The upstream cannot be blamed when no cluster DNS server answers.
  EXPECT_EQ(by_id(checks, "dns.upstream").status, Status::kSkip);
  EXPECT_EQ(by_id(checks, "dns.search-path").status, Status::kSkip);
}

TEST(DnsEval, ServiceSilentButEndpointsAnswerIsTheServicePath) {
  auto f = healthy();
  for (Role r : {Role::kPodFqdn, Role::kPodShort, Role::kServiceName, Role::kUpstreamService,
                 Role::kOutsideSearch, Role::kOutsideDirect}) {
    set(f, r, Outcome::kTimeout);
  }
  const auto checks = evaluate_dns(f);
  for (const char* id : {"dns.service-udp", "dns.service-tcp", "dns.cluster-name"}) {
    const auto& c = by_id(checks, id);
    EXPECT_EQ(c.status, Status::kFail) << id;
    EXPECT_EQ(c.code, "dns-server-unreachable") << id;
    EXPECT_TRUE(has_evidence(c, kCauseService)) << id;
    // As data: any failure of the node's forwarding or of the service layer may explain it.
    EXPECT_EQ(c.causes,
              report::causes_for("dns-server-unreachable", report::When::kServicePathBroken))
        << id;
    EXPECT_NE(
        std::find(c.causes.begin(), c.causes.end(), report::Cause{"service-rules-missing", ""}),
        c.causes.end())
        << id;
  }
  // The Service's checks concern the ClusterIP it asked (and the Service); an endpoint's, that
  // endpoint.
  const auto& udp = by_id(checks, "dns.service-udp").subjects;
  EXPECT_NE(std::find(udp.begin(), udp.end(), "10.96.0.10"), udp.end());
  EXPECT_EQ(by_id(checks, "dns.endpoint-udp:10.244.1.2").subjects,
            std::vector<std::string>{"10.244.1.2"});
  EXPECT_NE(by_id(checks, "dns.service-udp").summary.find("endpoints answer directly (10.244.1.2)"),
            std::string::npos);
  EXPECT_NE(by_id(checks, "dns.cluster-name").summary.find("its endpoints do"), std::string::npos);
  EXPECT_EQ(by_id(checks, "dns.endpoint-udp:10.244.1.2").status, Status::kPass);
  // The upstream is judged through the endpoint, and works.
  const auto& up = by_id(checks, "dns.upstream");
  EXPECT_EQ(up.status, Status::kPass) << up.summary;
  EXPECT_NE(up.summary.find("the DNS endpoint 10.244.1.2"), std::string::npos);
}

TEST(DnsEval, UpstreamFailureFailsOnlyTheUpstream) {
  auto f = healthy();
  for (Role r : {Role::kUpstreamService, Role::kUpstreamEndpoint, Role::kOutsideSearch,
                 Role::kOutsideDirect}) {
    set(f, r, Outcome::kServFail, {}, 3ms);
  }
  const auto checks = evaluate_dns(f);
  EXPECT_EQ(failing(checks), std::vector<std::string>{"dns.upstream=dns-upstream-failure"});
  const auto& up = by_id(checks, "dns.upstream");
  EXPECT_NE(up.summary.find("answers cluster names but not outside names: example.test (SERVFAIL)"),
            std::string::npos)
      << up.summary;
  EXPECT_TRUE(has_evidence(up, "udp 10.96.0.10:53 example.test: SERVFAIL in 3.0 ms"));
  EXPECT_EQ(by_id(checks, "dns.search-path").status, Status::kSkip);
}

TEST(DnsEval, UpstreamAnsweringNxdomainIsAWorkingUpstream) {
  auto f = healthy();
  set(f, Role::kUpstreamService, Outcome::kNxDomain);
  EXPECT_EQ(by_id(evaluate_dns(f), "dns.upstream").status, Status::kPass);
}

TEST(DnsEval, WrongNameserverIsTheResolvConf) {
  auto f =
      healthy(context("search default.svc.cluster.local svc.cluster.local cluster.local\n"
                      "nameserver 10.96.0.100\noptions ndots:5\n"));
  for (Role r : {Role::kPodFqdn, Role::kPodShort, Role::kOutsideSearch, Role::kOutsideDirect}) {
    set(f, r, Outcome::kTimeout);
  }
  const auto checks = evaluate_dns(f);
  const auto& rc = by_id(checks, "dns.resolv-conf");
  EXPECT_EQ(rc.status, Status::kFail);
  EXPECT_EQ(rc.code, "dns-resolv-conf-invalid");
  EXPECT_NE(rc.summary.find("asks 10.96.0.100, not the cluster DNS Service kube-system/kube-dns"),
            std::string::npos)
      << rc.summary;
  EXPECT_TRUE(has_evidence(rc, "nameserver 10.96.0.100"));
  const auto& name = by_id(checks, "dns.cluster-name");
  EXPECT_EQ(name.code, "dns-resolv-conf-invalid");
  EXPECT_TRUE(has_evidence(name, kCauseResolvConf));
  EXPECT_EQ(by_id(checks, "dns.service-udp").status, Status::kPass);
  EXPECT_EQ(by_id(checks, "dns.upstream").status, Status::kPass);
}

TEST(DnsEval, NodeLocalCacheThatAnswersIsFine) {
  auto f =
      healthy(context("search default.svc.cluster.local svc.cluster.local cluster.local\n"
                      "nameserver 169.254.20.10\noptions ndots:5\n"));
  const auto checks = evaluate_dns(f);
  EXPECT_TRUE(failing(checks).empty());
  EXPECT_NE(by_id(checks, "dns.resolv-conf").summary.find("yet it answers cluster names"),
            std::string::npos);
}

TEST(DnsEval, MissingNameIsNameNotFound) {
  auto f = healthy();
  for (Role r : {Role::kPodFqdn, Role::kPodShort, Role::kServiceName, Role::kEndpointName}) {
    set(f, r, Outcome::kNxDomain, {}, 1ms);
  }
  const auto checks = evaluate_dns(f);
  EXPECT_EQ(by_id(checks, "dns.service-udp").code, "dns-name-not-found");
  EXPECT_EQ(by_id(checks, "dns.endpoint-tcp:10.244.1.2").code, "dns-name-not-found");
  EXPECT_EQ(by_id(checks, "dns.cluster-name").code, "dns-name-not-found");
  // The servers answer: outside names are still judged.
  EXPECT_EQ(by_id(checks, "dns.upstream").status, Status::kPass);
}

TEST(DnsEval, ShortNameFailingAloneIsTheSearchList) {
  auto f = healthy();
  set(f, Role::kPodShort, Outcome::kNxDomain, {}, 2ms);
  const Check c = by_id(evaluate_dns(f), "dns.short-name");
  EXPECT_EQ(c.code, "dns-resolv-conf-invalid");
  EXPECT_NE(c.summary.find("the full name resolves"), std::string::npos);
}

TEST(DnsEval, TcpOnlyFailureFailsTheTcpCheck) {
  auto f = healthy();
  set(f, Role::kServiceName, Outcome::kTimeout, Transport::kTcp);
  set(f, Role::kEndpointName, Outcome::kTimeout, Transport::kTcp);
  EXPECT_EQ(failing(evaluate_dns(f)),
            (std::vector<std::string>{"dns.service-tcp=dns-server-unreachable",
                                      "dns.endpoint-tcp:10.244.1.2=dns-server-unreachable"}));
}

TEST(DnsEval, ServfailForAClusterNameIsABrokenServer) {
  auto f = healthy();
  set(f, Role::kServiceName, Outcome::kServFail, Transport::kUdp, 2ms);
  const Check c = by_id(evaluate_dns(f), "dns.service-udp");
  EXPECT_EQ(c.code, "dns-server-unreachable");
  EXPECT_TRUE(has_evidence(c, "SERVFAIL"));
  EXPECT_TRUE(has_evidence(c, kCauseServer));
}

TEST(DnsEval, SearchPathWarnings) {
  auto f = healthy(
      context("search default.svc.cluster.local svc.cluster.local cluster.local a.corp b.corp\n"
              "nameserver 10.96.0.10\noptions ndots:5\n"));
  auto c = by_id(evaluate_dns(f), "dns.search-path");
  EXPECT_EQ(c.status, Status::kWarn);
  EXPECT_EQ(c.code, "dns-search-path-slow");
  EXPECT_NE(c.summary.find("costs 5 failed lookup(s)"), std::string::npos) << c.summary;
  // Kubernetes' default three domains: fine when fast, a warning when measurably slow.
  f = healthy();
  EXPECT_EQ(by_id(evaluate_dns(f), "dns.search-path").status, Status::kPass);
  set(f, Role::kOutsideSearch, Outcome::kAnswer, {}, 180ms);
  EXPECT_EQ(by_id(evaluate_dns(f), "dns.search-path").status, Status::kWarn);
  // The search timed out as a whole, but every domain answers NXDOMAIN when asked alone and the
  // name resolves as is: the lookups one after another were slow (a loaded node), not broken.
  set(f, Role::kOutsideSearch, Outcome::kTimeout);
  c = by_id(evaluate_dns(f), "dns.search-path");
  EXPECT_EQ(c.status, Status::kWarn);
  EXPECT_EQ(c.code, "dns-search-path-slow");
  EXPECT_NE(c.summary.find("each of its 3 search domains answers"), std::string::npos) << c.summary;
}

TEST(DnsEval, SearchDomainThatTimesOutIsNamed) {
  // A search domain that times out stops the search: the name fails for the application, and
  // the domain asked alone times out too.
  auto f = healthy();
  set(f, Role::kOutsideSearch, Outcome::kTimeout);
  for (std::size_t i = 0; i < f.plan.size(); ++i) {
    if (f.plan[i].role == Role::kSearchDomain && f.plan[i].target == "svc.cluster.local") {
      f.answers[i].outcome = Outcome::kTimeout;
    }
  }
  const Check c = by_id(evaluate_dns(f), "dns.search-path");
  EXPECT_EQ(c.status, Status::kFail);
  EXPECT_EQ(c.code, "dns-resolv-conf-invalid");
  EXPECT_NE(c.summary.find("the search stops at svc.cluster.local (timeout"), std::string::npos)
      << c.summary;
  EXPECT_EQ(c.summary.find("default.svc.cluster.local ("), std::string::npos) << c.summary;
  EXPECT_TRUE(has_evidence(c, "example.test.svc.cluster.local."));
  EXPECT_TRUE(has_evidence(c, kCauseResolvConf));
  // REFUSED ends the search too; SERVFAIL does not (glibc and c-ares go on to the next domain).
  for (std::size_t i = 0; i < f.plan.size(); ++i) {
    if (f.plan[i].role == Role::kSearchDomain) {
      f.answers[i].outcome =
          f.plan[i].target == "cluster.local" ? Outcome::kRefused : Outcome::kServFail;
    }
  }
  const Check refused = by_id(evaluate_dns(f), "dns.search-path");
  EXPECT_EQ(refused.code, "dns-resolv-conf-invalid");
  EXPECT_NE(refused.summary.find("the search stops at cluster.local (REFUSED"), std::string::npos)
      << refused.summary;
}

TEST(DnsEval, SearchDomainsArePlannedOnlyWhenTheSearchListIsUsed) {
  auto names = [](const DnsContext& c) {
    std::vector<std::string> out;
    for (const auto& p : plan_queries(c)) {
      if (p.role != Role::kSearchDomain) continue;
      EXPECT_FALSE(p.query.search) << p.query.name;
      out.push_back(p.target + "=" + p.query.name);
    }
    return out;
  };
  EXPECT_EQ(
      names(context()),
      (std::vector<std::string>{"default.svc.cluster.local=example.test.default.svc.cluster.local.",
                                "svc.cluster.local=example.test.svc.cluster.local.",
                                "cluster.local=example.test.cluster.local."}));
  auto absolute = context();
  absolute.outside_names = {"example.test."};
  EXPECT_TRUE(names(absolute).empty());
  // As many dots as ndots: the name is tried as is first and the search list is not needed.
  auto dotted = context("search a.corp\nnameserver 10.96.0.10\noptions ndots:1\n");
  EXPECT_TRUE(names(dotted).empty());
  EXPECT_EQ(search_expansions(dotted, "host"), 1U);
}

TEST(DnsEval, ResolvConfLimitsWarnAndAHiddenClusterDnsFails) {
  auto f = healthy(context(
      "search default.svc.cluster.local svc.cluster.local cluster.local a b c d\n"
      "nameserver 10.96.0.10\nnameserver 10.0.0.2\nnameserver 10.0.0.3\nnameserver 10.0.0.4\n"
      "options ndots:5\n"));
  auto c = check_resolv_conf(f);
  EXPECT_EQ(c.status, Status::kWarn);
  EXPECT_EQ(c.code, "dns-resolv-conf-invalid");
  EXPECT_NE(c.summary.find("4 nameservers"), std::string::npos);
  EXPECT_TRUE(has_evidence(c, "7 search domains"));
  f =
      healthy(context("search default.svc.cluster.local\nnameserver 10.0.0.2\nnameserver 10.0.0.3\n"
                      "nameserver 10.0.0.4\nnameserver 10.96.0.10\n"));
  c = check_resolv_conf(f);
  EXPECT_EQ(c.status, Status::kFail);
  EXPECT_NE(c.summary.find("comes after the third nameserver"), std::string::npos);
}

// A megabyte search domain is named invalid (RFC 1035), appears cut in the evidence, and is in
// no question netdoctor asks.
TEST(DnsEval, OverlongSearchDomainIsReportedCut) {
  const std::string huge(1 << 20, 'z');
  auto f = healthy(context("search default.svc.cluster.local svc.cluster.local cluster.local " +
                           huge + "\nnameserver 10.96.0.10\noptions ndots:5\n"));
  for (const auto& p : f.plan) {
    EXPECT_EQ(p.query.name.find("zzzz"), std::string::npos);
    for (const auto& d : p.query.domains) EXPECT_LE(d.size(), 253u);
  }
  auto c = check_resolv_conf(f);
  EXPECT_EQ(c.status, Status::kWarn);
  EXPECT_EQ(c.code, "dns-resolv-conf-invalid");
  EXPECT_NE(c.summary.find("not a valid domain name"), std::string::npos) << c.summary;
  EXPECT_TRUE(has_evidence(c, "(1048576 bytes): longer than 253 bytes"));
  std::size_t total = c.summary.size();
  for (const auto& e : c.evidence) total += e.size();
  EXPECT_LT(total, 2000u) << "the search domain was copied into the check";
}

TEST(DnsEval, ResolvConfMissingEmptyOrLoopback) {
  auto f = healthy();
  f.context.resolv_state = ResolvState::kMissing;
  f.context.resolv_detail = "cannot open \"/etc/resolv.conf\": No such file or directory";
  EXPECT_EQ(check_resolv_conf(f).code, "dns-resolv-conf-invalid");
  f = healthy(context("# nothing\n"));
  EXPECT_EQ(check_resolv_conf(f).status, Status::kFail);
  EXPECT_NE(check_resolv_conf(f).summary.find("empty"), std::string::npos);
  f = healthy(context("search default.svc.cluster.local\nnameserver 127.0.0.53\n"));
  set(f, Role::kPodFqdn, Outcome::kConnRefused, {}, 1ms);
  EXPECT_NE(check_resolv_conf(f).summary.find("loopback"), std::string::npos);
}

TEST(DnsEval, NoProcessSkipsThePodViewButAsksTheServers) {
  auto c = context();
  c.resolv_state = ResolvState::kNoProcess;
  c.resolv = {};
  c.cluster_domain = "cluster.local";  // given by the caller
  auto f = healthy(c);
  const auto checks = evaluate_dns(f);
  EXPECT_EQ(by_id(checks, "dns.resolv-conf").status, Status::kSkip);
  EXPECT_EQ(by_id(checks, "dns.cluster-name").status, Status::kSkip);
  EXPECT_EQ(by_id(checks, "dns.search-path").status, Status::kSkip);
  EXPECT_EQ(by_id(checks, "dns.service-udp").status, Status::kPass);
  EXPECT_EQ(by_id(checks, "dns.upstream").status, Status::kPass);
}

TEST(DnsEval, NothingAskedIsSkippedWithTheReasonNeverFailed) {
  DnsFacts f;
  f.context = context();
  f.plan = plan_queries(f.context);
  f.not_asked = "cannot ask from the pod: cannot enter network namespace \"/x\"";
  for (const auto& c : evaluate_dns(f)) {
    EXPECT_NE(c.status, Status::kFail) << c.id;
    if (c.id != "dns.resolv-conf") {
      EXPECT_EQ(c.status, Status::kSkip) << c.id;
      EXPECT_NE(c.summary.find("cannot"), std::string::npos) << c.id << ": " << c.summary;
    }
  }
}

TEST(DnsEval, WithoutInventoryTheEndpointsAreSkipped) {
  auto c = context();
  c.dns_service.clear();
  c.endpoints.clear();
  c.have_inventory = false;
  const auto checks = evaluate_dns(healthy(c));
  EXPECT_EQ(by_id(checks, "dns.endpoints").status, Status::kSkip);
  EXPECT_NE(by_id(checks, "dns.service-udp").summary.find("the pod's first nameserver"),
            std::string::npos);
  EXPECT_TRUE(failing(checks).empty());
}

}  // namespace
}  // namespace netdoctor::probes::dns
