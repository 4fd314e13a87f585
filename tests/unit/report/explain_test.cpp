#include "report/explain.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sstream>

#include "golden.h"

namespace netdoctor::report {
namespace {

using ::testing::HasSubstr;

std::string explain(Code code) {
  const CodeInfo* info = find_code(code);
  EXPECT_NE(info, nullptr) << code;
  if (info == nullptr) return {};
  std::ostringstream out;
  write_explain(out, *info);
  return out.str();
}

TEST(Explain, SectionsInOrder) {
  std::string text = explain("bridge-nf-disabled");
  size_t at = 0;
  for (const char* section :
       {"bridge-nf-disabled\n\nMeaning\n", "\nLayer\n  node\n", "\nDetected by\n",
        "\nConfirm by hand\n  lsmod | grep br_netfilter\n", "\nFix\n  modprobe br_netfilter\n"}) {
    size_t found = text.find(section, at);
    ASSERT_NE(found, std::string::npos) << section << "\n--- in ---\n" << text;
    at = found;
  }
}

TEST(Explain, ProseWrappedCommandsNot) {
  std::istringstream lines(explain("dns-resolv-conf-invalid"));
  std::string line;
  bool in_commands = false;
  while (std::getline(lines, line)) {
    if (line == "Confirm by hand" || line == "Fix") in_commands = true;
    if (line == "Detected by" || line == "Meaning") in_commands = false;
    if (line.empty()) in_commands = false;
    if (!in_commands) {
      EXPECT_LE(line.size(), 100u) << line;
    }
  }
}

TEST(Explain, ExtraAndAnyLayerAreSaid) {
  std::string text = explain("probe-error");
  EXPECT_THAT(text, HasSubstr("probe-error (extra code, beyond the contract's minimum set)"));
  EXPECT_THAT(text, HasSubstr("Layer\n  any (the layer of the check that reports it)\n"));
  EXPECT_THAT(explain("route-missing"), HasSubstr("Placeholders in <angle brackets>"));
}

TEST(Explain, MeaningIsASentence) {
  EXPECT_THAT(explain("ip-forward-disabled"),
              HasSubstr("Meaning\n  The node does not forward IPv4.\n"));
}

TEST(CodesMarkdown, DocsFileMatchesTheCatalogue) {
  std::ostringstream out;
  write_codes_markdown(out);
  fixtures::expect_equal_to_file(out.str(), std::string(ND_TESTDATA) + "/../../docs/codes.md");
}

TEST(CodesMarkdown, ListsEveryCode) {
  std::ostringstream out;
  write_codes_markdown(out);
  std::string text = out.str();
  for (const CodeInfo& info : all_codes()) {
    EXPECT_THAT(text, HasSubstr("### `" + info.code.str() + "`\n")) << info.code;
    EXPECT_THAT(text, HasSubstr("[`" + info.code.str() + "`](#" + info.code.str() + ")"))
        << info.code;
  }
  EXPECT_EQ(text.find("\n\n\n"), std::string::npos);
  EXPECT_EQ(text.back(), '\n');
}

}  // namespace
}  // namespace netdoctor::report
