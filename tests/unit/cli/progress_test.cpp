#include "cli/progress.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <string>

namespace netdoctor::cli {
namespace {

std::string contents(std::FILE* f) {
  std::fflush(f);
  std::rewind(f);
  std::string out;
  char buf[256];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) out.append(buf, n);
  return out;
}

TEST(ProgressLine, CountsDoneLayersAndNamesTheRunningOnes) {
  std::FILE* f = std::tmpfile();
  ASSERT_NE(f, nullptr);
  ProgressLine line(f, 8);
  line.update(report::Layer::kDns, false);
  line.update(report::Layer::kNode, false);
  EXPECT_EQ(line.text(), "netdoctor: 0/8 layers done · running: node, dns");
  line.update(report::Layer::kNode, true);
  EXPECT_EQ(line.text(), "netdoctor: 1/8 layers done · running: dns");
  line.update(report::Layer::kDns, true);
  EXPECT_EQ(line.text(), "netdoctor: 2/8 layers done");
  line.finish();
  const std::string written = contents(f);
  // Each update rewrites the line in place; finish erases it, so nothing stays on screen.
  EXPECT_EQ(written.rfind("\r\033[K"), written.size() - 4);
  EXPECT_NE(written.find("\r\033[Knetdoctor: 1/8 layers done · running: dns"), std::string::npos);
  std::fclose(f);
}

TEST(ProgressLine, NothingAfterFinish) {
  std::FILE* f = std::tmpfile();
  ASSERT_NE(f, nullptr);
  ProgressLine line(f, 8);
  line.finish();
  line.update(report::Layer::kEgress, false);  // a layer the deadline left behind
  line.update(report::Layer::kEgress, true);
  EXPECT_EQ(contents(f), "\r\033[K");
  std::fclose(f);
}

TEST(ProgressLine, NeverForJson) {
  // Whatever stderr is, a JSON report gets no progress line.
  EXPECT_FALSE(progress_wanted("json"));
}

}  // namespace
}  // namespace netdoctor::cli
