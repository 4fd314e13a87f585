// The finding-code type: codes written in the source are checked at compile time (a misspelt one
// is a build error: tests/compile_fail), text from outside goes through Code::find.
#include "report/codes.h"

#include <gtest/gtest.h>

#include <map>
#include <sstream>
#include <string>

namespace netdoctor::report {
namespace {

static_assert(Code().empty());
static_assert(Code("").empty());
static_assert(Code("pod-link-down").name() == "pod-link-down");
static_assert(Code::find("pod-link-down") == Code("pod-link-down"));
static_assert(!Code::find("pod-link-dwn").has_value());

TEST(Code, FindTakesOnlyListedNames) {
  for (std::string_view name : kCodeNames) {
    const std::optional<Code> code = Code::find(std::string(name));
    ASSERT_TRUE(code.has_value()) << name;
    EXPECT_EQ(code->name(), name);
    EXPECT_FALSE(code->empty());
  }
  EXPECT_FALSE(Code::find("no-such-code").has_value());
  EXPECT_FALSE(Code::find("").has_value());
  EXPECT_FALSE(Code::find("IP-FORWARD-DISABLED").has_value());
  EXPECT_FALSE(Code::find("pod-link-down ").has_value());
}

TEST(Code, EmptyIsNoCode) {
  Code code;
  EXPECT_TRUE(code.empty());
  EXPECT_EQ(code.name(), "");
  EXPECT_EQ(code.str(), "");
  EXPECT_EQ(code, Code(""));
  EXPECT_NE(code, Code("probe-error"));
}

TEST(Code, ComparesWithCodesAndText) {
  const Code code = "route-missing";
  EXPECT_EQ(code, Code("route-missing"));
  EXPECT_NE(code, Code("mtu-blackhole"));
  EXPECT_TRUE(code == "route-missing");
  EXPECT_TRUE("route-missing" == code);
  EXPECT_TRUE(code != "route-misssing");  // text: compared at run time, not checked
  EXPECT_TRUE(code == std::string("route-missing"));
  EXPECT_TRUE(std::string_view("route-missing") == code);
  const char* text = "route-missing";
  EXPECT_TRUE(code == text);
  EXPECT_EQ(code.str(), "route-missing");
}

TEST(Code, OrdersByName) {
  EXPECT_LT(Code("mtu-blackhole"), Code("route-missing"));
  EXPECT_LT(Code(), Code("filter-drop"));
  std::map<Code, int> counts;
  ++counts["route-missing"];
  ++counts[Code("route-missing")];
  ++counts["filter-drop"];
  ASSERT_EQ(counts.size(), 2u);
  EXPECT_EQ(counts.begin()->first, "filter-drop");
  EXPECT_EQ(counts.at("route-missing"), 2);
}

TEST(Code, PrintsItsName) {
  std::ostringstream out;
  out << Code("hairpin-broken") << "|" << Code();
  EXPECT_EQ(out.str(), "hairpin-broken|");
  EXPECT_EQ(::testing::PrintToString(Code("hairpin-broken")), "hairpin-broken");
}

}  // namespace
}  // namespace netdoctor::report
