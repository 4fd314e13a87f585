// Command-line parsing: `diagnose` and `serve` take the same diagnosis options (one function adds
// them to both), and serve's reach the diagnosis plan the way diagnose's do.
#include "cli/app.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sstream>
#include <vector>

#include "cli/diagnose_run.h"

namespace netdoctor::cli {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

struct Parsed {
  std::optional<int> status;  // nullopt: the subcommand is to run
  CommandLine line;
  std::string out;
  std::string err;
};

Parsed parse(std::vector<std::string> args) {
  args.insert(args.begin(), "netdoctor");
  std::vector<const char*> argv;
  for (const std::string& a : args) argv.push_back(a.c_str());
  Parsed p;
  std::ostringstream out;
  std::ostringstream err;
  p.status = parse_command_line(static_cast<int>(argv.size()), argv.data(), p.line, out, err);
  p.out = out.str();
  p.err = err.str();
  return p;
}

// Every diagnosis option, as both subcommands take them.
const std::vector<std::string> kDiagnosisFlags = {"--from",      "default/client",
                                                  "--from",      "ip:10.244.1.4",
                                                  "--inventory", "cluster.json",
                                                  "--egress",    "https://example.com/",
                                                  "--to",        "10.244.2.3",
                                                  "--timeout",   "500ms",
                                                  "--deadline",  "7s",
                                                  "--parallel",  "4",
                                                  "--layers",    "dns,egress"};

std::vector<std::string> with(std::vector<std::string> head, const std::vector<std::string>& tail) {
  head.insert(head.end(), tail.begin(), tail.end());
  return head;
}

TEST(CommandLine, ServeAcceptsParallelAndItReachesThePlan) {
  const Parsed p = parse({"serve", "--listen", "127.0.0.1:9464", "--parallel", "4"});
  ASSERT_FALSE(p.status) << p.err;
  EXPECT_EQ(p.line.command, "serve");
  EXPECT_EQ(p.line.serve.diagnose.parallel, 4);
  std::ostringstream err;
  const auto plan = plan_diagnose(p.line.serve.diagnose, err);
  ASSERT_TRUE(plan) << err.str();
  EXPECT_EQ(plan->probe.parallel, 4u);
}

TEST(CommandLine, ServeParallelDefaultsAsDiagnose) {
  const Parsed serve = parse({"serve", "--listen", "127.0.0.1:9464"});
  const Parsed diagnose = parse({"diagnose"});
  ASSERT_FALSE(serve.status) << serve.err;
  ASSERT_FALSE(diagnose.status) << diagnose.err;
  EXPECT_EQ(serve.line.serve.diagnose.parallel, 32);
  EXPECT_EQ(diagnose.line.diagnose.parallel, 32);
}

TEST(CommandLine, DiagnoseAndServeTakeTheSameDiagnosisOptions) {
  const Parsed d = parse(with({"diagnose"}, kDiagnosisFlags));
  const Parsed s = parse(with({"serve", "--listen", "127.0.0.1:9464"}, kDiagnosisFlags));
  ASSERT_FALSE(d.status) << d.err;
  ASSERT_FALSE(s.status) << s.err;
  const DiagnoseOptions& a = d.line.diagnose;
  const DiagnoseOptions& b = s.line.serve.diagnose;
  EXPECT_THAT(a.from, ElementsAre("default/client", "ip:10.244.1.4"));
  EXPECT_EQ(a.from, b.from);
  EXPECT_EQ(a.inventory, "cluster.json");
  EXPECT_EQ(a.inventory, b.inventory);
  EXPECT_EQ(a.egress, b.egress);
  EXPECT_EQ(a.to, b.to);
  EXPECT_EQ(a.timeout, "500ms");
  EXPECT_EQ(a.timeout, b.timeout);
  EXPECT_EQ(a.deadline, b.deadline);
  EXPECT_EQ(a.parallel, 4);
  EXPECT_EQ(a.parallel, b.parallel);
  EXPECT_EQ(a.layers, b.layers);

  std::ostringstream err;
  const auto pa = plan_diagnose(a, err);
  const auto pb = plan_diagnose(b, err);
  ASSERT_TRUE(pa && pb) << err.str();
  EXPECT_EQ(pa->probe.timeout, pb->probe.timeout);
  EXPECT_EQ(pa->probe.deadline, pb->probe.deadline);
  EXPECT_EQ(pa->probe.parallel, pb->probe.parallel);
  EXPECT_EQ(pa->probe.layers, pb->probe.layers);
  EXPECT_EQ(pa->probe.egress_urls, pb->probe.egress_urls);
  EXPECT_EQ(pa->probe.to, pb->probe.to);
  EXPECT_EQ(pa->refs.size(), 2u);
  EXPECT_EQ(pb->refs.size(), 2u);
  EXPECT_EQ(pa->session.inventory_path, pb->session.inventory_path);
}

TEST(CommandLine, ServeChecksParallelAsDiagnoseDoes) {
  const Parsed zero = parse({"serve", "--listen", "127.0.0.1:9464", "--parallel", "0"});
  ASSERT_FALSE(zero.status) << zero.err;
  std::ostringstream err;
  EXPECT_FALSE(plan_diagnose(zero.line.serve.diagnose, err));
  EXPECT_THAT(err.str(), HasSubstr("--parallel must be at least 1"));

  const Parsed word = parse({"serve", "--listen", "127.0.0.1:9464", "--parallel", "many"});
  EXPECT_EQ(word.status, 2);
  EXPECT_THAT(word.err, HasSubstr("--parallel"));
}

TEST(CommandLine, ServeKeepsItsOwnOptionsAndHelpListsParallel) {
  const Parsed p = parse({"serve", "--listen", "0.0.0.0:9464", "--interval", "5s",
                          "--max-connections", "8", "--kubeconfig", "kube.yaml"});
  ASSERT_FALSE(p.status) << p.err;
  EXPECT_EQ(p.line.serve.listen, "0.0.0.0:9464");
  EXPECT_EQ(p.line.serve.interval, "5s");
  EXPECT_EQ(p.line.serve.max_connections, 8u);
  EXPECT_EQ(p.line.serve.diagnose.kubeconfig, "kube.yaml");

  EXPECT_EQ(parse({"serve", "--listen", "127.0.0.1:1", "--inventory", "a.json", "--kubeconfig",
                   "kube.yaml"})
                .status,
            2);
  const Parsed help = parse({"serve", "--help"});
  EXPECT_EQ(help.status, 0);
  EXPECT_THAT(help.out, HasSubstr("--parallel"));
}

TEST(CommandLine, ServeSecurityOptions) {
  Parsed p = parse({"serve", "--listen", "[10.0.0.7]:9464"});
  ASSERT_FALSE(p.status) << p.err;
  EXPECT_EQ(p.line.serve.report_auth, "");  // /report.json off
  EXPECT_FALSE(p.line.serve.no_report);
  EXPECT_EQ(p.line.serve.max_connections, 256u);
  EXPECT_EQ(p.line.serve.max_connections_per_ip, 8u);
  EXPECT_EQ(p.line.serve.request_timeout, "10s");
  EXPECT_EQ(p.line.serve.report_auth_resource, "/report.json");

  p = parse({"serve", "--listen", ":1", "--report-auth", "kube", "--report-auth-resource",
             "nodes/proxy", "--tls-cert", "c.pem", "--tls-key", "k.pem", "--max-connections-per-ip",
             "0", "--request-timeout", "3s"});
  ASSERT_FALSE(p.status) << p.err;
  EXPECT_EQ(p.line.serve.report_auth, "kube");
  EXPECT_EQ(p.line.serve.report_auth_resource, "nodes/proxy");
  EXPECT_EQ(p.line.serve.tls_cert, "c.pem");
  EXPECT_EQ(p.line.serve.tls_key, "k.pem");
  EXPECT_EQ(p.line.serve.max_connections_per_ip, 0u);
  EXPECT_EQ(p.line.serve.request_timeout, "3s");

  p = parse({"serve", "--listen", ":1", "--report-token-file", "/t"});
  ASSERT_FALSE(p.status) << p.err;
  EXPECT_EQ(p.line.serve.report_token_file, "/t");

  EXPECT_EQ(parse({"serve", "--listen", ":1", "--report-auth", "open"}).status, 2);
  EXPECT_EQ(parse({"serve", "--listen", ":1", "--no-report", "--report-auth", "none"}).status, 2);
  EXPECT_EQ(parse({"serve", "--listen", ":1", "--no-report", "--report-token-file", "t"}).status,
            2);
  const Parsed cert_alone = parse({"serve", "--listen", ":1", "--tls-cert", "c.pem"});
  EXPECT_EQ(cert_alone.status, 2);
  EXPECT_THAT(cert_alone.err, HasSubstr("--tls-key"));
  EXPECT_EQ(parse({"serve", "--listen", ":1", "--tls-key", "k.pem"}).status, 2);
}

}  // namespace
}  // namespace netdoctor::cli
