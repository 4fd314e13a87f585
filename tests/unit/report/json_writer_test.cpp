#include "report/json_writer.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <sstream>

#include "golden.h"
#include "sample_reports.h"

namespace netdoctor::report {
namespace {

using fixtures::make_check;
using nlohmann::ordered_json;

std::vector<std::string> keys(const ordered_json& object) {
  std::vector<std::string> out;
  for (const auto& item : object.items()) out.push_back(item.key());
  return out;
}

std::string json_text(const Report& report) {
  std::ostringstream out;
  write_json(out, report);
  return out.str();
}

TEST(JsonWriter, TopLevelKeysInContractOrder) {
  ordered_json doc = to_json(fixtures::healthy_report());
  EXPECT_THAT(keys(doc), ::testing::ElementsAre("schema", "mode", "node", "sources", "verdict",
                                                "root_cause", "layers", "duration_ms"));
  EXPECT_EQ(doc["schema"], "netdoctor.report/v1");
  EXPECT_EQ(doc["mode"], "pod");
  EXPECT_EQ(doc["verdict"], "healthy");
  EXPECT_TRUE(doc["root_cause"].is_null());
  EXPECT_EQ(doc["duration_ms"], 57);
  EXPECT_THAT(keys(doc["sources"][0]), ::testing::ElementsAre("pod", "ip", "netns"));
}

TEST(JsonWriter, EveryLayerInOrderEvenWhenEmpty) {
  ordered_json doc = to_json(make_report());
  ASSERT_EQ(doc["layers"].size(), 8u);
  const char* names[] = {"node",    "pod", "same-node", "cross-node",
                         "service", "dns", "apiserver", "egress"};
  for (size_t i = 0; i < 8; ++i) {
    EXPECT_EQ(doc["layers"][i]["layer"], names[i]);
    EXPECT_EQ(doc["layers"][i]["status"], "skip");
    EXPECT_TRUE(doc["layers"][i]["checks"].is_array());
    EXPECT_THAT(keys(doc["layers"][i]), ::testing::ElementsAre("layer", "status", "checks"));
  }
  EXPECT_TRUE(doc["sources"].is_array());
  EXPECT_TRUE(doc["sources"].empty());
}

TEST(JsonWriter, LayersMissingFromTheModelAreStillWritten) {
  Report report;  // not from make_report: no layers at all
  add_check(report, Layer::kDns, make_check("dns.a", "", Status::kPass, "", "ok"));
  ordered_json doc = to_json(report);
  ASSERT_EQ(doc["layers"].size(), 8u);
  EXPECT_EQ(doc["layers"][5]["status"], "pass");
  EXPECT_EQ(doc["layers"][0]["checks"].size(), 0u);
}

TEST(JsonWriter, CheckKeysAndOptionalFields) {
  ordered_json doc = to_json(fixtures::faulty_report());
  const ordered_json& service = doc["layers"][4];
  EXPECT_EQ(service["layer"], "service");
  EXPECT_EQ(service["status"], "fail");
  EXPECT_THAT(keys(service["checks"][0]),
              ::testing::ElementsAre("id", "source", "status", "code", "summary", "evidence",
                                     "duration_ms", "explained_by", "causes", "subjects"));
  EXPECT_EQ(service["checks"][0]["explained_by"], "cross-node.route");
  EXPECT_EQ(service["checks"][0]["duration_ms"], 3003);
  EXPECT_THAT(keys(doc["layers"][0]["checks"][0]),
              ::testing::ElementsAre("id", "source", "status", "summary", "evidence", "duration_ms",
                                     "causes", "subjects"));
  EXPECT_TRUE(doc["layers"][0]["checks"][0]["evidence"].is_array());
}

// Causes and subjects are written on every check, as empty arrays when it has none, so that
// consumers need not test whether they are there.
TEST(JsonWriter, CausesAndSubjectsAreEmptyArraysWhenNone) {
  Report report = make_report();
  add_check(report, Layer::kPod, make_check("pod.link-up", "default/a", Status::kPass, "", "up"));
  const ordered_json check = to_json(report)["layers"][1]["checks"][0];
  ASSERT_TRUE(check.contains("causes"));
  ASSERT_TRUE(check.contains("subjects"));
  EXPECT_TRUE(check["causes"].is_array());
  EXPECT_TRUE(check["causes"].empty());
  EXPECT_TRUE(check["subjects"].is_array());
  EXPECT_TRUE(check["subjects"].empty());
}

// A cause is {"code", "check"}, "check" only once linked; causes and subjects keep their order.
TEST(JsonWriter, CausesAndSubjectsAsData) {
  Report report = make_report();
  Check check = make_check("apiserver.endpoint:172.30.0.2", "default/a", Status::kFail,
                           "apiserver-unreachable", "172.30.0.2:6443 does not answer");
  check.causes = {{"egress-no-snat", "egress.http://203.0.113.10/"}, {"route-missing", ""}};
  check.subjects = {"172.30.0.2", "fd00::5", "10.244.2.0/24", "default/web-1", "node:node2"};
  check.explained_by = "egress.http://203.0.113.10/";
  add_check(report, Layer::kApiserver, check);
  const ordered_json out = to_json(report)["layers"][6]["checks"][0];
  ASSERT_EQ(out["causes"].size(), 2u);
  EXPECT_THAT(keys(out["causes"][0]), ::testing::ElementsAre("code", "check"));
  EXPECT_EQ(out["causes"][0]["code"], "egress-no-snat");
  EXPECT_EQ(out["causes"][0]["check"], "egress.http://203.0.113.10/");
  EXPECT_THAT(keys(out["causes"][1]), ::testing::ElementsAre("code"));
  EXPECT_EQ(out["causes"][1]["code"], "route-missing");
  EXPECT_EQ(out["subjects"], ordered_json({"172.30.0.2", "fd00::5", "10.244.2.0/24",
                                           "default/web-1", "node:node2"}));
  EXPECT_EQ(out["explained_by"], out["causes"][0]["check"]);
}

// In the sample faulty report every explained check carries its explanation as a linked cause,
// and the path checks name their subjects.
TEST(JsonWriter, SampleFaultyReportLinksExplanationsAsCauses) {
  const ordered_json doc = to_json(fixtures::faulty_report());
  int explained = 0;
  for (const auto& layer : doc["layers"]) {
    for (const auto& c : layer["checks"]) {
      if (!c.contains("explained_by")) continue;
      ++explained;
      EXPECT_TRUE(std::any_of(
          c["causes"].begin(), c["causes"].end(),
          [&](const ordered_json& cause) { return cause.value("check", "") == c["explained_by"]; }))
          << c.dump();
    }
  }
  EXPECT_EQ(explained, 2);
  const ordered_json& dns = doc["layers"][5]["checks"][0];
  EXPECT_EQ(dns["causes"],
            ordered_json::parse(R"([{"code": "route-missing", "check": "cross-node.route"}])"));
  EXPECT_EQ(doc["layers"][3]["checks"][0]["subjects"],
            ordered_json({"10.244.0.5", "10.244.0.0/24", "node:kind-control-plane"}));
}

TEST(JsonWriter, RootCauseObject) {
  ordered_json doc = to_json(fixtures::faulty_report());
  EXPECT_EQ(doc["verdict"], "faulty");
  const ordered_json& cause = doc["root_cause"];
  EXPECT_THAT(keys(cause),
              ::testing::ElementsAre("layer", "code", "summary", "evidence", "remedy", "check_id"));
  EXPECT_EQ(cause["layer"], "cross-node");
  EXPECT_EQ(cause["code"], "route-missing");
  EXPECT_EQ(cause["evidence"].size(), 2u);
  EXPECT_THAT(cause["remedy"].get<std::string>(), ::testing::HasSubstr("kube-flannel"));
}

TEST(JsonWriter, PrettyWithTrailingNewline) {
  std::string text = json_text(make_report());
  EXPECT_EQ(text.substr(0, 4), "{\n  ");
  EXPECT_EQ(text.back(), '\n');
  EXPECT_NE(text[text.size() - 2], '\n');
}

TEST(JsonWriter, InvalidUtf8IsReplacedNotThrown) {
  Report report = make_report();
  add_check(report, Layer::kSameNode,
            make_check("same-node.filter", "", Status::kFail, "filter-drop", "dropped",
                       {"-A FORWARD -m comment --comment \"\xff\xfe\" -j DROP"}));
  std::string text;
  EXPECT_NO_THROW(text = json_text(report));
  EXPECT_THAT(text, ::testing::HasSubstr("\xEF\xBF\xBD"));  // U+FFFD
  EXPECT_TRUE(nlohmann::json::accept(text));
}

TEST(JsonWriter, ConvertsToPlainJson) {
  nlohmann::json plain = to_json(fixtures::faulty_report());
  EXPECT_EQ(plain["root_cause"]["code"], "route-missing");
}

TEST(JsonWriter, GoldenHealthy) {
  fixtures::expect_golden(json_text(fixtures::healthy_report()), "healthy.json");
}

TEST(JsonWriter, GoldenFaulty) {
  fixtures::expect_golden(json_text(fixtures::faulty_report()), "faulty.json");
}

}  // namespace
}  // namespace netdoctor::report
