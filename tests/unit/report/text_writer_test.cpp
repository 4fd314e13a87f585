#include "report/text_writer.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sstream>

#include "golden.h"
#include "sample_reports.h"

namespace netdoctor::report {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::string text_of(const Report& report, TextOptions options = {}) {
  std::ostringstream out;
  write_text(out, report, options);
  return out.str();
}

size_t columns(const std::string& line) {
  size_t width = 0;
  for (char c : line) width += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return width;
}

TEST(TextWriter, GoldenHealthy) {
  fixtures::expect_golden(text_of(fixtures::healthy_report()), "healthy.txt");
}

TEST(TextWriter, GoldenFaulty) {
  fixtures::expect_golden(text_of(fixtures::faulty_report()), "faulty.txt");
}

TEST(TextWriter, GoldenFaultyVerbose) {
  fixtures::expect_golden(text_of(fixtures::faulty_report(), {.verbose = true}),
                          "faulty-verbose.txt");
}

TEST(TextWriter, GoldenFaultyColour) {
  fixtures::expect_golden(text_of(fixtures::faulty_report(), {.color = true}), "faulty-color.txt");
}

TEST(TextWriter, NoEscapesWithoutColour) {
  EXPECT_THAT(text_of(fixtures::faulty_report()), Not(HasSubstr("\033[")));
  EXPECT_THAT(text_of(fixtures::faulty_report(), {.color = true}), HasSubstr("\033[31m✘"));
}

TEST(TextWriter, PassedChecksOnlyCountedUnlessVerbose) {
  std::string brief = text_of(fixtures::healthy_report());
  EXPECT_THAT(brief, Not(HasSubstr("pod.link-up")));
  EXPECT_THAT(brief, HasSubstr("3 passed"));
  EXPECT_THAT(brief, HasSubstr("dns.search-path"));  // a warning is always listed
  std::string verbose = text_of(fixtures::healthy_report(), {.verbose = true});
  EXPECT_THAT(verbose, HasSubstr("✔ pod.link-up  default/client  eth0 is up"));
}

TEST(TextWriter, RootCauseFirstAndExplainedChecksMarked) {
  std::string text = text_of(fixtures::faulty_report());
  size_t cause = text.find("Root cause: route-missing in layer cross-node");
  ASSERT_NE(cause, std::string::npos);
  EXPECT_LT(cause, text.find("cross-node  "));
  EXPECT_THAT(text, HasSubstr("(explained by cross-node.route)"));
  EXPECT_THAT(text, HasSubstr("netdoctor: FAULTY · node mode on kind-worker · 2 sources"));
}

TEST(TextWriter, LinesFitInOneHundredColumns) {
  // Evidence and remedies are printed as they are (commands must stay pasteable); everything
  // netdoctor lays out itself must fit.
  std::istringstream lines(text_of(fixtures::faulty_report(), {.verbose = true}));
  std::string line;
  bool in_fix = false;
  while (std::getline(lines, line)) {
    if (line == "  Fix:") in_fix = true;
    if (line.empty()) in_fix = false;
    if (in_fix || line.starts_with("        ")) continue;
    EXPECT_LE(columns(line), 100u) << line;
  }
}

TEST(TextWriter, LongSummaryMovesBelowTheCheckId) {
  Report report = make_report();
  add_check(report, Layer::kService,
            fixtures::make_check("service.cluster-ip", "kube-system/coredns-5d78c9869d-8fvxl",
                                 Status::kFail, "endpoint-unreachable", std::string(70, 'x'),
                                 {"evidence line"}));
  std::string text = text_of(report);
  EXPECT_THAT(text,
              HasSubstr("    ✘ service.cluster-ip  kube-system/coredns-5d78c9869d-8fvxl\n      " +
                        std::string(70, 'x') + " [endpoint-unreachable]\n        evidence line\n"));
}

TEST(TextWriter, LayersCutByTheDeadlineAreNamedNextToTheVerdict) {
  Report report = fixtures::healthy_report();
  EXPECT_THAT(text_of(report), Not(HasSubstr("unfinished")));
  for (Layer layer : {Layer::kDns, Layer::kEgress}) {
    add_check(report, layer,
              fixtures::make_check(std::string(to_string(layer)) + ".layer", "", Status::kSkip,
                                   "deadline-exceeded", "did not finish within the deadline"));
  }
  ASSERT_TRUE(report.healthy());  // a skip never fails the verdict ...
  const std::string text = text_of(report);
  // ... so the first line says what it does not cover.
  EXPECT_EQ(text.substr(0, text.find('\n'))
                .find("HEALTHY (unfinished within the deadline: dns, egress) · pod mode"),
            std::string("netdoctor: ").size())
      << text;
  EXPECT_THAT(text, HasSubstr("[deadline-exceeded]"));
}

TEST(TextWriter, OutsideTextCannotDriveTheTerminal) {
  Report report = make_report();
  add_check(report, Layer::kSameNode,
            fixtures::make_check("same-node.filter", "", Status::kFail, "filter-drop",
                                 "dropped\nby a rule", {"comment \"\033[2J\"", "two\nlines"}));
  std::string text = text_of(report);
  EXPECT_THAT(text, Not(HasSubstr("\033")));
  EXPECT_THAT(text, HasSubstr("dropped by a rule [filter-drop]\n"));
  EXPECT_THAT(text, HasSubstr("        comment \"?[2J\"\n        two\n        lines\n"));
}

TEST(TextWriter, LongHeadWithoutSummary) {
  Report report = make_report();
  add_check(report, Layer::kPod,
            fixtures::make_check("pod.link-up", std::string(120, 'p'), Status::kSkip, "", ""));
  std::string text = text_of(report);
  EXPECT_THAT(text, HasSubstr("    - pod.link-up  " + std::string(120, 'p') + "\n- same-node"));
}

TEST(TextWriter, ExplanationNoteIsNeverSplit) {
  Report report = make_report();
  Check check = fixtures::make_check("dns.cluster-name", "default/client", Status::kFail,
                                     "dns-server-unreachable", std::string(60, 'y'));
  check.explained_by = "cross-node.route";
  add_check(report, Layer::kDns, check);
  check.summary = "";
  add_check(report, Layer::kDns, check);
  std::string text = text_of(report);
  EXPECT_THAT(text,
              HasSubstr("\n      " + std::string(60, 'y') +
                        " [dns-server-unreachable]\n      (explained by cross-node.route)\n"));
  EXPECT_THAT(
      text,
      HasSubstr("default/client  [dns-server-unreachable] (explained by cross-node.route)\n"));
}

}  // namespace
}  // namespace netdoctor::report
