#include "core/text.h"

#include <gtest/gtest.h>

namespace netdoctor {
namespace {

TEST(Text, JoinPutsTheSeparatorBetweenParts) {
  EXPECT_EQ(join({"10.0.0.1", "10.0.0.2", "10.0.0.3"}, ", "), "10.0.0.1, 10.0.0.2, 10.0.0.3");
  EXPECT_EQ(join({"default.svc.cluster.local", "svc.cluster.local"}, " "),
            "default.svc.cluster.local svc.cluster.local");
  EXPECT_EQ(join({"only"}, ", "), "only");
  EXPECT_EQ(join({}, ", "), "");
}

TEST(Text, JoinLeavesEmptyPartsOut) {
  EXPECT_EQ(join({"pod", ""}, " "), "pod");
  EXPECT_EQ(join({"", "10.244.1.4"}, " "), "10.244.1.4");
  EXPECT_EQ(join({"a", "", "b"}, " / "), "a / b");
  EXPECT_EQ(join({"", ""}, ", "), "");
}

TEST(Text, LowerChangesAsciiLettersOnly) {
  EXPECT_EQ(lower("TCP"), "tcp");
  EXPECT_EQ(lower("HttpS"), "https");
  EXPECT_EQ(lower("sctp-1.2_X"), "sctp-1.2_x");
  EXPECT_EQ(lower(""), "");
  EXPECT_EQ(lower("\xC3\x89T\xC3\x89"), "\xC3\x89t\xC3\x89");  // UTF-8 bytes kept
}

// Hostile strings as a pod can put them in its resolv.conf, environment or name: every control
// a terminal acts on becomes '?', in all its spellings.
TEST(TerminalSafe, C0ControlsAndEscapeSequences) {
  EXPECT_EQ(terminal_safe("a\x1b[2Jb\x07\x08\x7f"), "a?[2Jb???");
  EXPECT_EQ(terminal_safe("x\ty\rz"), "x?y?z");
  EXPECT_EQ(terminal_safe("one\ntwo"), "one?two");
  EXPECT_EQ(terminal_safe("one\ntwo", true), "one\ntwo");
  EXPECT_EQ(terminal_safe(std::string("nul\0byte", 8)), "nul?byte");
}

TEST(TerminalSafe, C1ControlsAsUtf8AndAsLoneBytes) {
  // U+009B (CSI) and U+0085 (NEL) written as UTF-8, U+0080 and U+009F at the range's ends.
  EXPECT_EQ(terminal_safe("a\xc2\x9b"
                          "31mb"),
            "a?31mb");
  EXPECT_EQ(terminal_safe("\xc2\x80\xc2\x85\xc2\x9f"), "???");
  // The same as lone bytes (CSI in an 8-bit terminal): not UTF-8, so '?'.
  EXPECT_EQ(terminal_safe("a\x9b"
                          "31mb\x85"),
            "a?31mb?");
  // U+00A0 and U+00E9 right after the range are text.
  EXPECT_EQ(terminal_safe("\xc2\xa0\xc3\xa9"), "\xc2\xa0\xc3\xa9");
}

TEST(TerminalSafe, BidirectionalOverridesIsolatesAndMarks) {
  // "Trojan Source": U+202E RIGHT-TO-LEFT OVERRIDE turns "exe.txt" around on screen.
  EXPECT_EQ(terminal_safe("web-1\xe2\x80\xaetxt.exe"), "web-1?txt.exe");
  for (const char* mark : {"\xe2\x80\xaa", "\xe2\x80\xab", "\xe2\x80\xac", "\xe2\x80\xad",
                           "\xe2\x80\xae", "\xe2\x81\xa6", "\xe2\x81\xa7", "\xe2\x81\xa8",
                           "\xe2\x81\xa9", "\xe2\x80\x8e", "\xe2\x80\x8f", "\xd8\x9c"}) {
    EXPECT_EQ(terminal_safe(std::string("a") + mark + "b"), "a?b") << mark;
  }
  // Neighbours of those ranges are ordinary text: U+2029, U+202F, U+2065 (unassigned), U+206A.
  EXPECT_EQ(terminal_safe("\xe2\x80\xa9\xe2\x80\xaf"), "\xe2\x80\xa9\xe2\x80\xaf");
}

TEST(TerminalSafe, InvalidUtf8BecomesQuestionMarks) {
  EXPECT_EQ(terminal_safe("\xff\xfe"), "??");
  EXPECT_EQ(terminal_safe("\xc0\xaf"), "??");            // overlong '/'
  EXPECT_EQ(terminal_safe("\xed\xa0\x80"), "???");       // a surrogate
  EXPECT_EQ(terminal_safe("\xe2\x80"), "??");            // cut short
  EXPECT_EQ(terminal_safe("\xf4\x90\x80\x80"), "????");  // past U+10FFFF
}

TEST(TerminalSafe, OrdinaryTextIsKept) {
  const std::string text = "✔ same-node.ping:default/web-1  pod → veth → bridge ✗ 😀 ünïcode";
  EXPECT_EQ(terminal_safe(text), text);
}

TEST(CompleteUtf8Prefix, StopsBeforeAnUnfinishedSequence) {
  EXPECT_EQ(complete_utf8_prefix("abc"), 3u);
  EXPECT_EQ(complete_utf8_prefix("ab\xe2\x80"), 2u);
  EXPECT_EQ(complete_utf8_prefix("ab\xe2\x80\x94"), 5u);
  EXPECT_EQ(complete_utf8_prefix("ab\xc2"), 2u);
  EXPECT_EQ(complete_utf8_prefix("\xf0\x9f\x98"), 0u);
  EXPECT_EQ(complete_utf8_prefix("\xf0\x9f\x98\x80"), 4u);
  EXPECT_EQ(complete_utf8_prefix("ab\xff"), 3u);  // not a lead: nothing to wait for
}

TEST(JsonEscapeControls, SameValuesNoRawControls) {
  const std::string in =
      "{\"pod\": \"a\xc2\x9b"
      "b\xe2\x80\xae"
      "c\x7f\", \"ok\": \"→ ✔\"}";
  EXPECT_EQ(json_escape_controls(in), "{\"pod\": \"a\\u009bb\\u202ec\\u007f\", \"ok\": \"→ ✔\"}");
}

TEST(CapBytes, CutsAtACharacterAndSaysHowLong) {
  EXPECT_EQ(cap_bytes("short", 10), "short");
  EXPECT_EQ(cap_bytes(std::string(100, 'a'), 10), "aaaaaaaaaa … (100 bytes)");
  // "é" is two bytes: the cut does not split it.
  EXPECT_EQ(cap_bytes("aaaa\xc3\xa9zz", 5), "aaaa … (8 bytes)");
}

}  // namespace
}  // namespace netdoctor
