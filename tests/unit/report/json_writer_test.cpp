#include "report/json_writer.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

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
                                     "duration_ms", "explained_by"));
  EXPECT_EQ(service["checks"][0]["explained_by"], "cross-node.route");
  EXPECT_EQ(service["checks"][0]["duration_ms"], 3003);
  EXPECT_THAT(
      keys(doc["layers"][0]["checks"][0]),
      ::testing::ElementsAre("id", "source", "status", "summary", "evidence", "duration_ms"));
  EXPECT_TRUE(doc["layers"][0]["checks"][0]["evidence"].is_array());
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
