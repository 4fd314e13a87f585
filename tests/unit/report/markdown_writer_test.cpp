#include "report/markdown_writer.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sstream>

#include "golden.h"
#include "sample_reports.h"

namespace netdoctor::report {
namespace {

using ::testing::HasSubstr;

std::string markdown_of(const Report& report) {
  std::ostringstream out;
  write_markdown(out, report);
  return out.str();
}

TEST(MarkdownWriter, GoldenHealthy) {
  fixtures::expect_golden(markdown_of(fixtures::healthy_report()), "healthy.md");
}

TEST(MarkdownWriter, GoldenFaulty) {
  fixtures::expect_golden(markdown_of(fixtures::faulty_report()), "faulty.md");
}

TEST(MarkdownWriter, PipesAndBackticksCannotBreakTheTable) {
  Report report = make_report();
  add_check(report, Layer::kSameNode,
            fixtures::make_check("same-node.filter", "a|b", Status::kFail, "filter-drop",
                                 "rule `x` | drops",
                                 {"-A FORWARD -m comment --comment \"a`b\" -j DROP"}));
  std::string text = markdown_of(report);
  EXPECT_THAT(
      text,
      HasSubstr("| `same-node.filter` | a\\|b | fail | `filter-drop` | rule `x` \\| drops |"));
  EXPECT_THAT(text, HasSubstr("  - ``-A FORWARD -m comment --comment \"a`b\" -j DROP``"));
}

TEST(MarkdownWriter, AngleBracketsAreNotHtml) {
  Report report = make_report();
  add_check(
      report, Layer::kPod,
      fixtures::make_check("pod.x", "", Status::kPass, "", "peer is <none>", {"<b>kept</b>"}));
  std::string text = markdown_of(report);
  EXPECT_THAT(text, HasSubstr("| peer is \\<none> |"));
  EXPECT_THAT(text, HasSubstr("  - `<b>kept</b>`"));
}

TEST(MarkdownWriter, EmptyLayerSaysSo) {
  EXPECT_THAT(markdown_of(make_report()), HasSubstr("### egress: skip\n\nNo checks ran.\n"));
}

}  // namespace
}  // namespace netdoctor::report
