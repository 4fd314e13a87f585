#include "core/safe_stream.h"

#include <gtest/gtest.h>

#include <sstream>

namespace netdoctor {
namespace {

TEST(TerminalSafeStream, ControlsBecomeQuestionMarksNewlinesStay) {
  std::ostringstream out;
  {
    TerminalSafeStream safe(out);
    safe << "comment \x1b]0;owned\x07 pod\xe2\x80\xae"
            "1\n"
         << 42 << '\n';
  }
  EXPECT_EQ(out.str(), "comment ?]0;owned? pod?1\n42\n");
}

// A character split between two writes (or a chunk boundary) is kept whole, and a control split
// the same way is still caught.
TEST(TerminalSafeStream, SequencesSplitAcrossWrites) {
  std::ostringstream out;
  {
    TerminalSafeStream safe(out);
    safe << "a\xe2";
    safe.flush();
    safe << "\x86\x92"
            "b\xc2";
    safe.flush();
    safe << "\x9b"
            "c";
  }
  EXPECT_EQ(out.str(), "a→b?c");
}

TEST(TerminalSafeStream, LongOutputStreamsWhole) {
  std::ostringstream out;
  std::string want;
  {
    TerminalSafeStream safe(out);
    for (int i = 0; i < 5000; ++i) {
      safe << "→\x9b";
      want += "→?";
    }
  }
  EXPECT_EQ(out.str(), want);
}

// What is left unfinished at the end is not valid UTF-8: it is written as '?'.
TEST(TerminalSafeStream, UnfinishedTailAtTheEnd) {
  std::ostringstream out;
  {
    TerminalSafeStream safe(out);
    safe << "x\xe2\x86";
  }
  EXPECT_EQ(out.str(), "x??");
}

}  // namespace
}  // namespace netdoctor
