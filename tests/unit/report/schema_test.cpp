// The JSON writer's output validates against docs/report.schema.json (the published schema of
// netdoctor.report/v1), checked by tests/schema/validate_report.py with Debian's
// python3-jsonschema; and the validator rejects reports that break the contract, so a pass
// means something.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "report/json_writer.h"
#include "report/root_cause.h"
#include "sample_reports.h"

namespace netdoctor::report {
namespace {

const std::string kSource = ND_SOURCE_DIR;
const std::string kPython = "/usr/bin/python3";

bool validator_available() {
  return std::system((kPython + " -c 'import jsonschema' 2>/dev/null").c_str()) == 0;
}

// Runs the validator on a report file; returns its exit status, and what it printed in *output
// when given.
int validate_file(const std::string& path, std::string* output = nullptr) {
  const std::string out_path = path + ".out";
  std::string command = kPython + " " + kSource + "/tests/schema/validate_report.py " + kSource +
                        "/docs/report.schema.json " + path;
  if (output != nullptr) command += " >" + out_path;
  const int rc = std::system(command.c_str());
  if (output != nullptr) {
    std::ifstream in(out_path);
    std::ostringstream text;
    text << in.rdbuf();
    *output = text.str();
    std::remove(out_path.c_str());
  }
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

// Runs the validator on a JSON text; returns its exit status.
int validate(const std::string& json_text, const std::string& name, std::string* output = nullptr) {
  const std::string path = ::testing::TempDir() + "schema-" + name + ".json";
  std::ofstream(path) << json_text;
  const int rc = validate_file(path, output);
  std::remove(path.c_str());
  return rc;
}

// The check of the report with that id and source.
nlohmann::ordered_json& check_of(nlohmann::ordered_json& report, const std::string& id,
                                 const std::string& source) {
  for (auto& layer : report["layers"]) {
    for (auto& c : layer["checks"]) {
      if (c["id"] == id && c["source"] == source) return c;
    }
  }
  ADD_FAILURE() << "no check " << id << " from " << source;
  static nlohmann::ordered_json none;
  return none;
}

class ReportSchema : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!validator_available()) GTEST_SKIP() << "python3-jsonschema is not installed";
  }
};

TEST_F(ReportSchema, HealthyReportIsValid) {
  EXPECT_EQ(validate(to_json(fixtures::healthy_report()).dump(), "healthy"), 0);
}

TEST_F(ReportSchema, FaultyReportWithRootCauseAndExplanationsIsValid) {
  Report r = fixtures::faulty_report();
  assign_root_cause(r);
  ASSERT_TRUE(r.root_cause.has_value());
  EXPECT_EQ(validate(to_json(r).dump(), "faulty"), 0);
}

TEST_F(ReportSchema, EmptyReportIsValid) {
  EXPECT_EQ(validate(to_json(make_report()).dump(), "empty"), 0);
}

TEST_F(ReportSchema, ContractBreachesAreRejected) {
  Report r = fixtures::faulty_report();
  assign_root_cause(r);
  const auto good = to_json(r);

  auto no_verdict = good;
  no_verdict.erase("verdict");
  EXPECT_EQ(validate(no_verdict.dump(), "no-verdict"), 1);

  auto fail_without_code = good;
  for (auto& layer : fail_without_code["layers"]) {
    for (auto& c : layer["checks"]) {
      if (c["status"] == "fail") c.erase("code");
    }
  }
  EXPECT_EQ(validate(fail_without_code.dump(), "no-code"), 1);

  auto faulty_without_cause = good;
  faulty_without_cause["root_cause"] = nullptr;
  EXPECT_EQ(validate(faulty_without_cause.dump(), "no-cause"), 1);

  auto dangling = good;
  dangling["root_cause"]["check_id"] = "node.nothing-like-this";
  EXPECT_EQ(validate(dangling.dump(), "dangling"), 1);

  auto missing_layer = good;
  missing_layer["layers"].erase(missing_layer["layers"].begin());
  EXPECT_EQ(validate(missing_layer.dump(), "missing-layer"), 1);

  auto bad_status = good;
  bad_status["layers"][0]["status"] = "broken";
  EXPECT_EQ(validate(bad_status.dump(), "bad-status"), 1);
}

// The sample reports of the writers' golden tests are reports the contract allows.
TEST_F(ReportSchema, GoldenJsonFilesAreValid) {
  for (const char* name : {"healthy.json", "faulty.json"}) {
    std::string output;
    EXPECT_EQ(validate_file(std::string(ND_TESTDATA) + "/report/" + name, &output), 0)
        << name << ":\n"
        << output;
  }
}

// A report of v1 from before causes and subjects (issue 15) still validates when nothing in it
// is explained.
TEST_F(ReportSchema, ChecksWithoutCausesAndSubjectsAreValid) {
  auto report = to_json(fixtures::healthy_report());
  for (auto& layer : report["layers"]) {
    for (auto& c : layer["checks"]) {
      c.erase("causes");
      c.erase("subjects");
    }
  }
  EXPECT_EQ(validate(report.dump(), "no-causes"), 0);
}

TEST_F(ReportSchema, StatedAndLinkedCausesAreValid) {
  Report r = fixtures::faulty_report();
  auto good = to_json(r);
  auto& hairpin = check_of(good, "service.hairpin", "ip:10.244.1.7");
  // A cause not linked to a check (its finding is not in the report), and one linked to a check
  // that is not the explanation chosen.
  hairpin["causes"] = {{{"code", "bridge-nf-disabled"}},
                       {{"code", "route-missing"}, {"check", "cross-node.route"}}};
  hairpin["subjects"] = {"10.244.1.7", "default/web-headless-probe"};
  std::string output;
  EXPECT_EQ(validate(good.dump(), "causes", &output), 0) << output;
}

TEST_F(ReportSchema, MalformedCausesAndSubjectsAreRejected) {
  const auto good = to_json(fixtures::faulty_report());
  const auto with = [&](const nlohmann::ordered_json& causes,
                        const nlohmann::ordered_json& subjects) {
    auto report = good;
    auto& c = check_of(report, "service.hairpin", "ip:10.244.1.7");
    c["causes"] = causes;
    c["subjects"] = subjects;
    return report.dump();
  };
  const auto no_subjects = nlohmann::ordered_json::array();
  EXPECT_EQ(validate(with({{{"check", "cross-node.route"}}}, no_subjects), "cause-no-code"), 1);
  EXPECT_EQ(validate(with({{{"code", "Route Missing"}}}, no_subjects), "cause-bad-code"), 1);
  EXPECT_EQ(validate(with({"route-missing"}, no_subjects), "cause-string"), 1);
  EXPECT_EQ(validate(with({{{"code", "route-missing"}, {"check", ""}}}, no_subjects),
                     "cause-empty-check"),
            1);
  EXPECT_EQ(validate(with(nlohmann::ordered_json::array(), {""}), "empty-subject"), 1);
  EXPECT_EQ(validate(with(nlohmann::ordered_json::array(), {4}), "number-subject"), 1);
  EXPECT_EQ(validate(with(nlohmann::ordered_json::object(), no_subjects), "causes-object"), 1);
}

TEST_F(ReportSchema, CauseNamingNoCheckOfTheReportIsRejected) {
  auto report = to_json(fixtures::faulty_report());
  check_of(report, "service.hairpin", "ip:10.244.1.7")["causes"] = {
      {{"code", "route-missing"}, {"check", "cross-node.route:elsewhere"}}};
  std::string output;
  EXPECT_EQ(validate(report.dump(), "dangling-cause", &output), 1);
  EXPECT_THAT(output, ::testing::HasSubstr("check service.hairpin (source ip:10.244.1.7)"));
  EXPECT_THAT(output, ::testing::HasSubstr("'cross-node.route:elsewhere'"));
}

TEST_F(ReportSchema, ExplainedByThatNoCauseLinksIsRejected) {
  const auto good = to_json(fixtures::faulty_report());

  // No cause at all: a report that says what explains a check but not as data.
  auto no_cause = good;
  check_of(no_cause, "dns.cluster-name", "default/client")["causes"] =
      nlohmann::ordered_json::array();
  std::string output;
  EXPECT_EQ(validate(no_cause.dump(), "explained-no-cause", &output), 1);
  EXPECT_THAT(output, ::testing::HasSubstr("check dns.cluster-name (source default/client)"));
  EXPECT_THAT(output, ::testing::HasSubstr("explained_by 'cross-node.route'"));

  // Causes, none of them linked to the explaining check.
  auto other_cause = good;
  check_of(other_cause, "service.cluster-ip", "default/client")["causes"] = {
      {{"code", "route-missing"}}, {{"code", "hairpin-broken"}, {"check", "service.hairpin"}}};
  EXPECT_EQ(validate(other_cause.dump(), "explained-other-cause", &output), 1);
  EXPECT_THAT(output, ::testing::HasSubstr("check service.cluster-ip (source default/client)"));

  // Older v1 reports (no causes) with an explanation are not finished reports of this version.
  auto older = good;
  check_of(older, "service.cluster-ip", "default/client").erase("causes");
  EXPECT_EQ(validate(older.dump(), "explained-older"), 1);
}

}  // namespace
}  // namespace netdoctor::report
