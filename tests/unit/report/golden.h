// Golden-file comparison for the writers' tests. ND_UPDATE_GOLDEN=1 rewrites the files from the
// current output instead of comparing; review the diff before committing it.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

namespace netdoctor::report::fixtures {

inline std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

inline void expect_equal_to_file(const std::string& actual, const std::string& path) {
  if (std::getenv("ND_UPDATE_GOLDEN") != nullptr) {
    std::ofstream(path, std::ios::binary) << actual;
    return;
  }
  std::string expected = read_file(path);
  ASSERT_FALSE(expected.empty()) << path << " is missing or empty";
  EXPECT_EQ(actual, expected) << "differs from " << path
                              << " (ND_UPDATE_GOLDEN=1 rewrites it from the current output)";
}

inline void expect_golden(const std::string& actual, const std::string& name) {
  expect_equal_to_file(actual, std::string(ND_TESTDATA) + "/report/" + name);
}

}  // namespace netdoctor::report::fixtures
