// The monitor's /metrics text: rendered from hand-made reports, parsed back with a strict
// reader of the exposition format, and checked sample by sample.
#include "cli/metrics.h"

#include <gtest/gtest.h>

#include <sstream>

#include "cli/http_server.h"
#include "prometheus_text.h"
#include "report/model.h"
#include "report/root_cause.h"

namespace netdoctor::cli {
namespace {

using report::Layer;
using report::Status;
using testing::parse_prometheus;
using testing::PromText;

report::Check check(std::string id, std::string source, Status status, report::Code code,
                    long long ms) {
  report::Check c;
  c.id = std::move(id);
  c.source = std::move(source);
  c.status = status;
  c.code = code;
  c.summary = "s";
  c.duration_ms = ms;
  return c;
}

// client-a cannot reach its DNS server: two dns failures, the rest passes or is skipped.
report::Report faulty_report() {
  report::Report r = report::make_report();
  r.node = "node1";
  r.sources.push_back({"default/client-a", "10.244.1.3", "/proc/1/ns/net"});
  report::add_check(r, Layer::kNode, check("node.ip-forward", "", Status::kPass, "", 1));
  report::add_check(r, Layer::kPod, check("pod.link-up", "default/client-a", Status::kPass, "", 2));
  report::add_check(
      r, Layer::kDns,
      check("dns.service", "default/client-a", Status::kFail, "dns-server-unreachable", 502));
  report::add_check(r, Layer::kDns,
                    check("dns.endpoint:10.244.1.2", "default/client-a", Status::kFail,
                          "dns-server-unreachable", 498));
  report::add_check(
      r, Layer::kService,
      check("service.empty", "default/client-a", Status::kWarn, "service-no-endpoints", 3));
  report::add_check(r, Layer::kEgress,
                    check("egress.targets", "default/client-a", Status::kSkip, "", 0));
  report::assign_root_cause(r);
  r.duration_ms = 640;
  return r;
}

report::Report healthy_report() {
  report::Report r = report::make_report();
  r.sources.push_back({"default/client-a", "10.244.1.3", "/proc/1/ns/net"});
  report::add_check(r, Layer::kDns, check("dns.service", "default/client-a", Status::kPass, "", 4));
  r.duration_ms = 90;
  return r;
}

PromText render(const MonitorMetrics& m) {
  std::ostringstream out;
  write_metrics(out, m);
  PromText p = parse_prometheus(out.str());
  EXPECT_EQ(p.error, "") << out.str();
  return p;
}

MonitorMetrics fresh() {
  MonitorMetrics m;
  m.version = "0.1.0";
  m.interval_seconds = 30;
  return m;
}

TEST(Metrics, BeforeAnyRunOnlyCountersAndEmptyHistograms) {
  PromText p = render(fresh());
  EXPECT_EQ(p.value("netdoctor_build_info", {{"version", "0.1.0"}}), 1);
  EXPECT_EQ(p.value("netdoctor_interval_seconds"), 30);
  EXPECT_EQ(p.value("netdoctor_runs_total", {{"result", "healthy"}}), 0);
  EXPECT_EQ(p.types["netdoctor_runs_total"], "counter");
  EXPECT_TRUE(p.find("netdoctor_healthy").empty());
  EXPECT_TRUE(p.find("netdoctor_check_status").empty());
  EXPECT_EQ(p.types["netdoctor_probe_duration_seconds"], "histogram");
  EXPECT_EQ(p.value("netdoctor_probe_duration_seconds_count", {{"layer", "dns"}}), 0);
  EXPECT_EQ(p.find("netdoctor_probe_duration_seconds_bucket", {{"layer", "egress"}}).size(),
            Histogram::kBounds.size() + 1);
}

TEST(Metrics, FaultyReportGivesRootCauseChecksLayersAndFindings) {
  MonitorMetrics m = fresh();
  m.record_report(faulty_report(), 1700000000.5, 0.64);
  PromText p = render(m);
  EXPECT_EQ(p.value("netdoctor_runs_total", {{"result", "faulty"}}), 1);
  EXPECT_EQ(p.value("netdoctor_last_run_success"), 1);
  EXPECT_EQ(p.value("netdoctor_last_run_timestamp_seconds"), 1700000000.5);
  EXPECT_EQ(p.value("netdoctor_last_run_duration_seconds"), 0.64);
  EXPECT_EQ(p.value("netdoctor_healthy"), 0);
  EXPECT_EQ(p.value("netdoctor_sources"), 1);
  EXPECT_EQ(p.value("netdoctor_report_duration_seconds"), 0.64);
  ASSERT_EQ(p.find("netdoctor_root_cause").size(), 1u);
  EXPECT_EQ(
      p.value("netdoctor_root_cause",
              {{"layer", "dns"}, {"code", "dns-server-unreachable"}, {"check", "dns.service"}}),
      1);
  // Each check: 1 for its status, 0 for the three others.
  const std::map<std::string, std::string> svc = {{"layer", "dns"},
                                                  {"check", "dns.service"},
                                                  {"source", "default/client-a"},
                                                  {"code", "dns-server-unreachable"}};
  auto with = [](std::map<std::string, std::string> l, const char* status) {
    l["status"] = status;
    return l;
  };
  EXPECT_EQ(p.value("netdoctor_check_status", with(svc, "fail")), 1);
  EXPECT_EQ(p.value("netdoctor_check_status", with(svc, "pass")), 0);
  EXPECT_EQ(p.value("netdoctor_check_status", with(svc, "warn")), 0);
  EXPECT_EQ(p.value("netdoctor_check_status", with(svc, "skip")), 0);
  EXPECT_EQ(p.find("netdoctor_check_status").size(), 6u * 4u);
  EXPECT_EQ(p.value("netdoctor_check_status",
                    {{"check", "node.ip-forward"}, {"source", ""}, {"status", "pass"}}),
            1);
  EXPECT_EQ(p.value("netdoctor_findings",
                    {{"layer", "dns"}, {"code", "dns-server-unreachable"}, {"status", "fail"}}),
            2);
  EXPECT_EQ(p.value("netdoctor_findings",
                    {{"layer", "service"}, {"code", "service-no-endpoints"}, {"status", "warn"}}),
            1);
  EXPECT_EQ(p.value("netdoctor_layer_status", {{"layer", "dns"}, {"status", "fail"}}), 1);
  EXPECT_EQ(p.value("netdoctor_layer_status", {{"layer", "service"}, {"status", "warn"}}), 1);
  EXPECT_EQ(p.value("netdoctor_layer_status", {{"layer", "cross-node"}, {"status", "skip"}}), 1);
  EXPECT_EQ(p.value("netdoctor_layer_checks", {{"layer", "dns"}, {"status", "fail"}}), 2);
  EXPECT_EQ(p.value("netdoctor_layer_duration_seconds", {{"layer", "dns"}}), 0.502);
  EXPECT_EQ(p.find("netdoctor_layer_duration_seconds").size(), 8u);
}

TEST(Metrics, HistogramsAccumulateOverRunsAndSkipSkippedChecks) {
  MonitorMetrics m = fresh();
  m.record_report(faulty_report(), 1, 0.6);
  m.record_report(faulty_report(), 2, 0.6);
  PromText p = render(m);
  // Two runs with two dns checks each (0.502 s and 0.498 s).
  EXPECT_EQ(p.value("netdoctor_probe_duration_seconds_count", {{"layer", "dns"}}), 4);
  EXPECT_DOUBLE_EQ(*p.value("netdoctor_probe_duration_seconds_sum", {{"layer", "dns"}}), 2.0);
  EXPECT_EQ(p.value("netdoctor_probe_duration_seconds_bucket", {{"layer", "dns"}, {"le", "0.25"}}),
            0);
  EXPECT_EQ(p.value("netdoctor_probe_duration_seconds_bucket", {{"layer", "dns"}, {"le", "0.5"}}),
            2);
  EXPECT_EQ(p.value("netdoctor_probe_duration_seconds_bucket", {{"layer", "dns"}, {"le", "1"}}), 4);
  EXPECT_EQ(p.value("netdoctor_probe_duration_seconds_bucket", {{"layer", "dns"}, {"le", "+Inf"}}),
            4);
  EXPECT_EQ(p.value("netdoctor_probe_duration_seconds_count", {{"layer", "egress"}}), 0);
  EXPECT_EQ(p.value("netdoctor_runs_total", {{"result", "faulty"}}), 2);
}

TEST(Metrics, HealedReportDropsTheRootCauseAndReplacesTheChecks) {
  MonitorMetrics m = fresh();
  m.record_report(faulty_report(), 1, 0.6);
  m.record_report(healthy_report(), 2, 0.1);
  PromText p = render(m);
  EXPECT_TRUE(p.find("netdoctor_root_cause").empty());
  EXPECT_EQ(p.types["netdoctor_root_cause"], "gauge");
  EXPECT_EQ(p.value("netdoctor_healthy"), 1);
  EXPECT_EQ(p.find("netdoctor_check_status").size(), 4u);  // only the new report's check
  EXPECT_TRUE(p.find("netdoctor_findings").empty());
  EXPECT_EQ(p.value("netdoctor_runs_total", {{"result", "healthy"}}), 1);
  EXPECT_EQ(p.value("netdoctor_runs_total", {{"result", "faulty"}}), 1);
}

TEST(Metrics, FailedRunKeepsTheLastReport) {
  MonitorMetrics m = fresh();
  m.record_report(faulty_report(), 1, 0.6);
  m.record_failure(5, 0.01);
  PromText p = render(m);
  EXPECT_EQ(p.value("netdoctor_last_run_success"), 0);
  EXPECT_EQ(p.value("netdoctor_runs_total", {{"result", "error"}}), 1);
  EXPECT_EQ(p.value("netdoctor_last_run_timestamp_seconds"), 5);
  EXPECT_EQ(p.value("netdoctor_report_timestamp_seconds"), 1);
  EXPECT_EQ(p.value("netdoctor_healthy"), 0);
  EXPECT_EQ(p.find("netdoctor_root_cause").size(), 1u);
}

TEST(Metrics, LabelValuesAreEscapedAndReadBack) {
  report::Report r = healthy_report();
  const std::string odd = "ns/we\"ird\\pod\nname";
  r.layers[0].checks.push_back(check("node.x", odd, Status::kPass, "", 0));
  MonitorMetrics m = fresh();
  m.record_report(r, 1, 0.1);
  std::ostringstream out;
  write_metrics(out, m);
  EXPECT_NE(out.str().find(R"(source="ns/we\"ird\\pod\nname")"), std::string::npos);
  PromText p = parse_prometheus(out.str());
  ASSERT_EQ(p.error, "");
  EXPECT_EQ(p.value("netdoctor_check_status", {{"source", odd}, {"status", "pass"}}), 1);
  EXPECT_EQ(escape_label_value("a\"b\\c\nd"), R"(a\"b\\c\nd)");
}

// The reader itself refuses what Prometheus refuses, so the tests above can fail.
TEST(Metrics, ReaderRejectsBrokenText) {
  EXPECT_NE(parse_prometheus("x 1\n").error, "");                             // no TYPE
  EXPECT_NE(parse_prometheus("# TYPE x gauge\nx{a=\"\\q\"} 1\n").error, "");  // bad escape
  EXPECT_NE(parse_prometheus("# TYPE x gauge\nx{a=\"b\"} one\n").error, "");  // bad value
  EXPECT_NE(parse_prometheus("# TYPE x gauge\n# TYPE y gauge\nx 1\ny 1\nx 2\n").error, "");
  EXPECT_NE(parse_prometheus("# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} "
                             "1\nh_sum 1\nh_count 1\n")
                .error,
            "");  // not cumulative
  EXPECT_NE(
      parse_prometheus("# TYPE h histogram\nh_bucket{le=\"+Inf\"} 2\nh_sum 1\nh_count 1\n").error,
      "");  // +Inf != count
  EXPECT_EQ(parse_prometheus("# TYPE x gauge\nx{a=\"b\"} 1\n").error, "");
}

// /metrics is open to whoever reaches the port: it carries names and addresses (layers, check
// ids, source pods, codes) but none of a report's summaries, evidence, namespace paths, file
// contents or environment values. A report full of such things renders metrics without them.
TEST(Metrics, CarryNoEvidenceSummaryOrPath) {
  report::Report r = report::make_report();
  r.node = "node1";
  r.sources.push_back({"default/client-a", "10.244.1.3", "/var/run/netns/cni-0d1e-secret-path"});
  report::Check c = check("egress.https://example.com/", "default/client-a", Status::kFail,
                          "egress-unreachable", 12);
  c.summary = "summary-words: HTTPS_PROXY=http://user:s3cret@proxy:3128";
  c.evidence = {"HTTPS_PROXY=http://user:s3cret@proxy:3128", "nameserver 10.96.0.10",
                "-A KUBE-SERVICES -j evidence-rule"};
  report::add_check(r, Layer::kEgress, std::move(c));
  report::Check dns =
      check("dns.resolv-conf", "default/client-a", Status::kWarn, "dns-resolv-conf-invalid", 1);
  dns.evidence = {"search a b c d e f g", "options ndots:5"};
  report::add_check(r, Layer::kDns, std::move(dns));
  report::assign_root_cause(r);
  MonitorMetrics m = fresh();
  m.record_report(std::move(r), 1000, 0.5);
  std::ostringstream out;
  write_metrics(out, m);
  const std::string text = out.str();
  for (const char* secret : {"s3cret", "HTTPS_PROXY", "summary-words", "nameserver", "ndots",
                             "evidence-rule", "cni-0d1e-secret-path", "/proc/", "/var/run"}) {
    EXPECT_EQ(text.find(secret), std::string::npos) << secret << " in\n" << text;
  }
  EXPECT_NE(text.find("check=\"egress.https://example.com/\""), std::string::npos);
}

TEST(Listen, AddressForms) {
  auto a = parse_listen("127.0.0.1:9464");
  ASSERT_TRUE(a) << a.error().message();
  EXPECT_EQ(a->host, "127.0.0.1");
  EXPECT_EQ(a->port, 9464);
  a = parse_listen(":80");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->host, "");
  a = parse_listen("[::1]:0");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->host, "::1");
  EXPECT_EQ(a->port, 0);
  // The manifest's "[$(HOST_IP)]:9464" works for an IPv4 host IP as well.
  a = parse_listen("[10.0.0.7]:9464");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->host, "10.0.0.7");
  EXPECT_EQ(describe(*a), "10.0.0.7:9464");
  for (const char* bad : {"9464", "localhost:9464", "1.2.3.4:", "1.2.3.4:99999", "[::1:80",
                          "::1:80", "1.2.3.4:80x", "[]:80", "[node1]:80"}) {
    auto r = parse_listen(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidInput);
    EXPECT_EQ(r.error().message().rfind(std::string("malformed --listen \"") + bad + "\"", 0), 0u)
        << r.error().message();
  }
}

}  // namespace
}  // namespace netdoctor::cli
