#include "report/model.h"

#include <gtest/gtest.h>

#include "sample_reports.h"

namespace netdoctor::report {
namespace {

using fixtures::make_check;

LayerResult layer_with(std::initializer_list<Status> statuses) {
  LayerResult layer{Layer::kDns, {}};
  for (Status status : statuses) layer.checks.push_back(make_check("dns.x", "", status, "", ""));
  return layer;
}

TEST(ReportModel, LayerNamesRoundTrip) {
  const char* names[] = {"node",    "pod", "same-node", "cross-node",
                         "service", "dns", "apiserver", "egress"};
  for (size_t i = 0; i < kAllLayers.size(); ++i) {
    EXPECT_EQ(to_string(kAllLayers[i]), names[i]);
    EXPECT_EQ(layer_from_string(names[i]), kAllLayers[i]);
  }
  EXPECT_EQ(layer_from_string("Node"), std::nullopt);
  EXPECT_EQ(layer_from_string(""), std::nullopt);
  EXPECT_EQ(layer_from_string("crossnode"), std::nullopt);
}

TEST(ReportModel, StatusNames) {
  EXPECT_EQ(to_string(Status::kPass), "pass");
  EXPECT_EQ(to_string(Status::kWarn), "warn");
  EXPECT_EQ(to_string(Status::kSkip), "skip");
  EXPECT_EQ(to_string(Status::kFail), "fail");
}

TEST(ReportModel, LayerStatusRules) {
  EXPECT_EQ(layer_with({}).status(), Status::kSkip);
  EXPECT_EQ(layer_with({Status::kSkip}).status(), Status::kSkip);
  EXPECT_EQ(layer_with({Status::kSkip, Status::kPass}).status(), Status::kPass);
  EXPECT_EQ(layer_with({Status::kPass, Status::kWarn, Status::kSkip}).status(), Status::kWarn);
  EXPECT_EQ(layer_with({Status::kWarn, Status::kFail, Status::kPass}).status(), Status::kFail);
  EXPECT_EQ(layer_with({Status::kSkip, Status::kFail}).status(), Status::kFail);
  EXPECT_EQ(layer_with({Status::kPass, Status::kPass}).status(), Status::kPass);
}

TEST(ReportModel, MakeReportHasEveryLayerInOrder) {
  Report report = make_report();
  ASSERT_EQ(report.layers.size(), kAllLayers.size());
  for (size_t i = 0; i < kAllLayers.size(); ++i) {
    EXPECT_EQ(report.layers[i].layer, kAllLayers[i]);
    EXPECT_TRUE(report.layers[i].checks.empty());
  }
  EXPECT_TRUE(report.healthy());
  EXPECT_EQ(exit_status(report), kExitHealthy);
}

TEST(ReportModel, AddCheckGoesToItsLayer) {
  Report report = make_report();
  add_check(report, Layer::kService, make_check("service.a", "", Status::kPass, "", ""));
  add_check(report, Layer::kService, make_check("service.b", "", Status::kPass, "", ""));
  ASSERT_EQ(report.layers[4].checks.size(), 2u);
  EXPECT_EQ(report.layers[4].checks[1].id, "service.b");
}

TEST(ReportModel, AddCheckInsertsAMissingLayerInOrder) {
  Report report;
  add_check(report, Layer::kDns, make_check("dns.a", "", Status::kPass, "", ""));
  add_check(report, Layer::kNode, make_check("node.a", "", Status::kPass, "", ""));
  add_check(report, Layer::kService, make_check("service.a", "", Status::kPass, "", ""));
  ASSERT_EQ(report.layers.size(), 3u);
  EXPECT_EQ(report.layers[0].layer, Layer::kNode);
  EXPECT_EQ(report.layers[1].layer, Layer::kService);
  EXPECT_EQ(report.layers[2].layer, Layer::kDns);
}

TEST(ReportModel, WarningsAndSkipsStayHealthy) {
  Report report = make_report();
  add_check(report, Layer::kService,
            make_check("service.endpoints", "", Status::kWarn, "service-no-endpoints", ""));
  add_check(report, Layer::kEgress, make_check("egress.layer", "", Status::kSkip, "", ""));
  EXPECT_TRUE(report.healthy());
  EXPECT_EQ(exit_status(report), 0);
  add_check(report, Layer::kPod,
            make_check("pod.address", "", Status::kFail, "pod-no-address", ""));
  EXPECT_FALSE(report.healthy());
  EXPECT_EQ(exit_status(report), 1);
}

TEST(ReportModel, SampleReports) {
  EXPECT_TRUE(fixtures::healthy_report().healthy());
  EXPECT_FALSE(fixtures::faulty_report().healthy());
}

}  // namespace
}  // namespace netdoctor::report
