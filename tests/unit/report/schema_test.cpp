// The JSON writer's output validates against docs/report.schema.json (the published schema of
// netdoctor.report/v1), checked by tests/schema/validate_report.py with Debian's
// python3-jsonschema; and the validator rejects reports that break the contract, so a pass
// means something.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
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

// Runs the validator on a JSON text; returns its exit status.
int validate(const std::string& json_text, const std::string& name) {
  const std::string path = ::testing::TempDir() + "schema-" + name + ".json";
  std::ofstream(path) << json_text;
  const int rc = std::system((kPython + " " + kSource + "/tests/schema/validate_report.py " +
                              kSource + "/docs/report.schema.json " + path)
                                 .c_str());
  std::remove(path.c_str());
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
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

}  // namespace
}  // namespace netdoctor::report
