#include "report/group.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <sstream>

#include "report/json_writer.h"
#include "report/markdown_writer.h"
#include "report/text_writer.h"
#include "sample_reports.h"

namespace netdoctor::report {
namespace {

using fixtures::make_check;
using fixtures::node_scale_report;
using fixtures::ScaleFault;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

std::string text_of(const Report& report, TextOptions options = {}) {
  std::ostringstream out;
  write_text(out, report, options);
  return out.str();
}

std::string markdown_of(const Report& report) {
  std::ostringstream out;
  write_markdown(out, report);
  return out.str();
}

long lines_of(const std::string& text) {
  return std::count(text.begin(), text.end(), '\n');
}

std::size_t occurrences(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

const std::vector<std::string> kThree = {"default/client-a", "default/web-1", "default/web-2"};

Report with_sources(const std::vector<std::string>& pods) {
  Report r = make_report();
  int host = 3;
  for (const std::string& pod : pods) {
    r.sources.push_back({pod, "10.244.1." + std::to_string(host++), ""});
  }
  return r;
}

Check no_endpoints(const std::string& source, const std::string& service, const std::string& ip) {
  return make_check(
      "service.clusterip:" + service + ":http", source, Status::kFail, "service-no-endpoints",
      service + ":http has no ready endpoint: connections to " + ip + ":80/tcp are rejected",
      {"the EndpointSlices of " + service + " list no ready endpoint"}, 1, {ip, service});
}

// The example: one Service without endpoints, seen from the three pods of a node.
Report one_service_three_sources() {
  Report r = with_sources(kThree);
  for (const std::string& pod : kThree) {
    add_check(r, Layer::kService, no_endpoints(pod, "default/orphan", "10.96.45.7"));
  }
  assign_root_cause(r);
  return r;
}

const LayerResult& layer_of(const Report& r, Layer layer) {
  return *std::find_if(r.layers.begin(), r.layers.end(),
                       [&](const LayerResult& l) { return l.layer == layer; });
}

TEST(Group, OneFindingFromThreeSourcesIsOneEntry) {
  const Report r = one_service_three_sources();
  const auto findings = group_checks(r, layer_of(r, Layer::kService));
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_EQ(findings[0].checks.size(), 3u);
  EXPECT_THAT(findings[0].sources,
              ElementsAre("default/client-a", "default/web-1", "default/web-2"));
  EXPECT_FALSE(findings[0].details_differ);

  const std::string text = text_of(r);
  EXPECT_EQ(occurrences(text, "✘ service.clusterip:default/orphan:http"), 1u) << text;
  EXPECT_EQ(occurrences(text, "the EndpointSlices of default/orphan list no ready endpoint"), 2u)
      << "once under the root cause, once under the finding\n"
      << text;
  EXPECT_THAT(text,
              HasSubstr("    ✘ service.clusterip:default/orphan:http\n      default/orphan:http "
                        "has no ready endpoint: connections to 10.96.45.7:80/tcp are "
                        "rejected\n      [service-no-endpoints]\n      seen from 3 sources: "
                        "default/client-a, default/web-1, default/web-2\n        the "
                        "EndpointSlices of default/orphan list no ready endpoint\n"));
  // The layer line still counts checks, as the JSON has them.
  EXPECT_THAT(text, HasSubstr("service     fail  3 failed\n"));
}

TEST(Group, TwoServicesWithoutEndpointsStayTwoEntries) {
  Report r = with_sources(kThree);
  for (const std::string& pod : kThree) {
    add_check(r, Layer::kService, no_endpoints(pod, "default/orphan", "10.96.45.7"));
    add_check(r, Layer::kService, no_endpoints(pod, "default/lonely", "10.96.45.8"));
  }
  assign_root_cause(r);
  const auto findings = group_checks(r, layer_of(r, Layer::kService));
  ASSERT_EQ(findings.size(), 2u);
  EXPECT_EQ(findings[0].first().id, "service.clusterip:default/orphan:http");
  EXPECT_EQ(findings[1].first().id, "service.clusterip:default/lonely:http");
  EXPECT_EQ(findings[1].sources.size(), 3u);
}

TEST(Group, SameIdButDifferentSubjectsStaySeparate) {
  // An id without a target ("dns.service-udp") concerns what its subjects say: two different
  // DNS Services (two pods with different resolv.conf) are two findings.
  Report r = with_sources({"default/a", "default/b"});
  add_check(r, Layer::kDns,
            make_check("dns.service-udp", "default/a", Status::kFail, "dns-server-unreachable",
                       "no answer", {}, 1, {"10.96.0.10"}));
  add_check(r, Layer::kDns,
            make_check("dns.service-udp", "default/b", Status::kFail, "dns-server-unreachable",
                       "no answer", {}, 1, {"10.96.0.11"}));
  EXPECT_EQ(group_checks(r, layer_of(r, Layer::kDns)).size(), 2u);
  // The order of the subjects does not matter.
  EXPECT_TRUE(same_finding(
      r, make_check("x", "default/a", Status::kPass, "", "", {}, 1, {"1.1.1.1", "a/b"}),
      make_check("x", "default/b", Status::kPass, "", "", {}, 1, {"a/b", "1.1.1.1"})));
}

TEST(Group, SummariesThatDifferOnlyByTheSourceMerge) {
  Report r = with_sources({"default/web-1", "default/web-10", "ip:10.244.1.7"});
  r.sources[2] = {"", "10.244.1.7", ""};
  auto hairpin = [](const std::string& source, const std::string& name) {
    return make_check("service.hairpin:default/web:http", source, Status::kFail, "hairpin-broken",
                      name + " cannot reach itself through its own Service default/web:http",
                      {"hairpin off on veth-" + source}, 1, {"10.96.0.20", "default/web"});
  };
  add_check(r, Layer::kService, hairpin("default/web-1", "default/web-1"));
  add_check(r, Layer::kService, hairpin("default/web-10", "default/web-10"));
  // A source without a pod name is shown as "ip:ADDRESS" and its summaries name the address.
  add_check(r, Layer::kService, hairpin("ip:10.244.1.7", "10.244.1.7"));
  const auto findings = group_checks(r, layer_of(r, Layer::kService));
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_EQ(findings[0].sources.size(), 3u);
  EXPECT_TRUE(findings[0].details_differ);
  const std::string text = text_of(r);
  EXPECT_THAT(text, HasSubstr("      seen from 3 sources: default/web-1, default/web-10, "
                              "ip:10.244.1.7 (details as seen from\n      default/web-1)\n"
                              "        hairpin off on veth-default/web-1\n"))
      << text;

  // The source's own address, as a whole word only: 10.244.1.3 is not part of 10.244.1.30.
  EXPECT_EQ(without_source(r, "eth0 has 10.244.1.7/24, not 10.244.1.70", "ip:10.244.1.7"),
            "eth0 has <source>/24, not 10.244.1.70");
  EXPECT_EQ(without_source(r, "default/web-10 and default/web-1.", "default/web-1"),
            "default/web-10 and <source>.");
}

TEST(Group, DifferentObservationsOfOneTargetStaySeparate) {
  Report r = with_sources({"default/a", "default/b", "default/c"});
  for (const auto& [source, summary] : std::vector<std::pair<std::string, std::string>>{
           {"default/a", "2 of 3 connects through 10.96.0.20:80/tcp (default/web:http) failed"},
           {"default/b", "3 of 3 connects through 10.96.0.20:80/tcp (default/web:http) failed"},
           {"default/c", "2 of 3 connects through 10.96.0.20:80/tcp (default/web:http) failed"}}) {
    add_check(r, Layer::kService,
              make_check("service.clusterip:default/web:http", source, Status::kFail,
                         "endpoint-unreachable", summary, {}, 1, {"10.96.0.20", "default/web"}));
  }
  const auto findings = group_checks(r, layer_of(r, Layer::kService));
  ASSERT_EQ(findings.size(), 2u);
  EXPECT_THAT(findings[0].sources, ElementsAre("default/a", "default/c"));
  EXPECT_THAT(findings[1].sources, ElementsAre("default/b"));
}

TEST(Group, ExplainedAndUnexplainedStaySeparate) {
  // The root cause explains the failures of its own source only: the others' are findings of
  // their own, and the report must say which is which.
  const Report r = node_scale_report(10, ScaleFault::kLinkDown);
  const auto findings = group_checks(r, layer_of(r, Layer::kService));
  std::vector<std::size_t> failing;
  for (const Finding& f : findings) {
    if (f.first().status == Status::kFail) failing.push_back(f.sources.size());
  }
  EXPECT_THAT(failing, ElementsAre(9u, 1u));
  const std::string text = text_of(r);
  EXPECT_THAT(text, HasSubstr("    ✘ service.clusterip:default/orphan:http  default/pod-07\n"));
  EXPECT_THAT(text, HasSubstr("[service-no-endpoints] (explained by pod.link-up)\n"));
}

TEST(Group, PassesMergeWhateverTheirNumbers) {
  Report r = with_sources({"default/a", "default/b"});
  add_check(r, Layer::kSameNode,
            make_check("same-node.ping:default/web-1", "default/a", Status::kPass, "",
                       "reply from 10.244.1.4 in 0.3 ms", {}, 1, {"10.244.1.4", "default/web-1"}));
  add_check(r, Layer::kSameNode,
            make_check("same-node.ping:default/web-1", "default/b", Status::kPass, "",
                       "reply from 10.244.1.4 in 0.5 ms", {}, 1, {"10.244.1.4", "default/web-1"}));
  // Another target is another finding, passing or not.
  add_check(r, Layer::kSameNode,
            make_check("same-node.ping:default/web-2", "default/b", Status::kPass, "",
                       "reply from 10.244.1.5 in 0.5 ms", {}, 1, {"10.244.1.5", "default/web-2"}));
  const std::string text = text_of(r, {.verbose = true});
  EXPECT_THAT(text,
              HasSubstr("    ✔ same-node.ping:default/web-1  reply from 10.244.1.4 in 0.3 ms\n"
                        "      seen from 2 sources: default/a, default/b (details as seen "
                        "from default/a)\n"
                        "    ✔ same-node.ping:default/web-2  default/b  reply from "
                        "10.244.1.5 in 0.5 ms\n"))
      << text;
}

TEST(Group, SourceListNamesEightThenCounts) {
  std::vector<std::string> sources;
  for (int i = 1; i <= 30; ++i) sources.push_back("p" + std::to_string(i));
  EXPECT_EQ(source_list(sources), "p1, p2, p3, p4, p5, p6, p7, p8 and 22 more");
  sources.resize(8);
  EXPECT_EQ(source_list(sources), "p1, p2, p3, p4, p5, p6, p7, p8");
  EXPECT_EQ(source_list({"a", "b", "c"}, 2), "a, b and 1 more");
  EXPECT_EQ(source_list({}), "");
}

TEST(Group, RootCauseSaysFromHowManySources) {
  const Report r = one_service_three_sources();
  ASSERT_TRUE(r.root_cause);
  EXPECT_EQ(r.root_cause->source, "default/client-a");
  EXPECT_THAT(root_cause_sources(r),
              ElementsAre("default/client-a", "default/web-1", "default/web-2"));
  EXPECT_THAT(text_of(r), HasSubstr("Root cause: service-no-endpoints in layer service (check "
                                    "service.clusterip:default/orphan:http)\n  default/orphan:http "
                                    "has no ready endpoint: connections to 10.96.45.7:80/tcp are "
                                    "rejected\n  seen from 3 sources: default/client-a, "
                                    "default/web-1, default/web-2\n"));
  EXPECT_THAT(markdown_of(r), HasSubstr("\nSeen from 3 sources: `default/client-a`, "
                                        "`default/web-1`, `default/web-2`.\n"));
  // One source: nothing to add.
  const Report one = node_scale_report(10, ScaleFault::kLinkDown);
  EXPECT_THAT(root_cause_sources(one), ElementsAre("default/pod-07"));
  EXPECT_THAT(text_of(one), Not(HasSubstr("  seen from 1 source")));
}

TEST(Group, MarkdownListsTheSourcesInOneRow) {
  const std::string md = markdown_of(one_service_three_sources());
  EXPECT_THAT(md, HasSubstr("| `service.clusterip:default/orphan:http` | 3 sources: "
                            "`default/client-a`, `default/web-1`, `default/web-2` | fail | "
                            "`service-no-endpoints` |"));
  EXPECT_EQ(occurrences(md, "| `service.clusterip:default/orphan:http` |"), 1u);
  EXPECT_THAT(md, HasSubstr("- `service.clusterip:default/orphan:http` (default/client-a; seen "
                            "from 3 sources):\n  - `the EndpointSlices"));
}

TEST(Group, JsonKeepsOneCheckPerSource) {
  const auto json = to_json(one_service_three_sources());
  const auto& service = json["layers"][4];
  ASSERT_EQ(service["layer"], "service");
  ASSERT_EQ(service["checks"].size(), 3u);
  EXPECT_EQ(service["checks"][2]["source"], "default/web-2");
  EXPECT_FALSE(json["root_cause"].contains("source"));
}

// Issue 16: on a node of N pods the report must not repeat every finding N times. The text
// report of 30 sources was 433 lines verbose and healthy, 232 lines with one fault seen from
// every source (624 verbose); grouped, it is 77, 62 and 98. What still grows with the sources
// is the header, one line per source; the lists of sources name eight and count the rest.
TEST(NodeScale, EachAddedSourceCostsTheTextReportOneHeaderLine) {
  for (const ScaleFault fault : {ScaleFault::kNone, ScaleFault::kServiceNoEndpoints}) {
    for (const bool verbose : {false, true}) {
      const long ten = lines_of(text_of(node_scale_report(10, fault), {.verbose = verbose}));
      const long thirty = lines_of(text_of(node_scale_report(30, fault), {.verbose = verbose}));
      const long more = lines_of(text_of(node_scale_report(110, fault), {.verbose = verbose}));
      SCOPED_TRACE(::testing::Message()
                   << "fault " << static_cast<int>(fault) << " verbose " << verbose << ": " << ten
                   << ", " << thirty << ", " << more << " lines");
      EXPECT_LE(thirty - ten, 20);
      EXPECT_LE(more - thirty, 80);
      // Apart from the header, a node of 30 pods reads like a short report.
      EXPECT_LE(thirty - 30, verbose ? 70 : 35);
    }
  }
}

TEST(NodeScale, ListsOfSourcesFitInOneHundredColumns) {
  std::istringstream lines(
      text_of(node_scale_report(110, ScaleFault::kServiceNoEndpoints), {.verbose = true}));
  std::string line;
  bool in_fix = false;
  while (std::getline(lines, line)) {
    if (line == "  Fix:") in_fix = true;
    if (line.empty()) in_fix = false;
    if (in_fix || line.starts_with("        ")) continue;  // commands and evidence, as they are
    std::size_t columns = 0;
    for (char c : line) columns += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
    EXPECT_LE(columns, 100u) << line;
  }
}

TEST(NodeScale, MarkdownDoesNotGrowWithTheSources) {
  for (const ScaleFault fault : {ScaleFault::kNone, ScaleFault::kServiceNoEndpoints}) {
    const long ten = lines_of(markdown_of(node_scale_report(10, fault)));
    EXPECT_EQ(lines_of(markdown_of(node_scale_report(110, fault))), ten);
  }
}

TEST(NodeScale, TheFaultSeenFromEverySourceIsOneEntry) {
  const std::string text = text_of(node_scale_report(30, ScaleFault::kServiceNoEndpoints));
  EXPECT_EQ(occurrences(text, "✘ service.clusterip:default/orphan:http"), 1u) << text;
  EXPECT_THAT(text, HasSubstr("      seen from 30 sources: default/pod-01, default/pod-02, "
                              "default/pod-03, default/pod-04,\n      default/pod-05, "
                              "default/pod-06, default/pod-07, default/pod-08 and 22 more\n"));
}

}  // namespace
}  // namespace netdoctor::report
