// Shared by the libFuzzer harnesses of tests/fuzz: each harness is one .cpp file defining
// LLVMFuzzerTestOneInput, linked either with libFuzzer (NETDOCTOR_FUZZ=ON, scripts/fuzz.sh) or
// with replay_main.cpp, which runs it over its committed corpus as an ordinary ctest test.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>

// A property the code under test promises; a violation aborts, which libFuzzer reports as a
// crash (with the input saved) and the replay test as a failure.
#define ND_FUZZ_CHECK(cond, what)                                                             \
  do {                                                                                        \
    if (!(cond)) {                                                                            \
      std::fprintf(stderr, "fuzz check failed at %s:%d: %s: %s\n", __FILE__, __LINE__, #cond, \
                   std::string(what).c_str());                                                \
      std::abort();                                                                           \
    }                                                                                         \
  } while (0)

namespace netdoctor::fuzz {

inline std::string_view as_text(const uint8_t* data, size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// A recorded file of tests/testdata (a lab ruleset, a lab inventory) that a harness combines
// with its input; aborts when missing, since the harness would then test less than it says.
inline std::string testdata(const std::string& name) {
  std::ifstream in(std::string(ND_TESTDATA) + "/" + name, std::ios::binary);
  ND_FUZZ_CHECK(in.good(), "cannot read testdata " + name);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace netdoctor::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);
