// Robustness: thousands of damaged variants of the recorded inventory (bytes flipped, cut,
// values swapped for other JSON types) must each parse or fail with one line, never throw or
// crash. Deterministic (fixed seed), so a failure reproduces; run under ASan/UBSan in CI builds.
#include <gtest/gtest.h>

#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>

#include "inventory/inventory.h"

namespace netdoctor::inventory {
namespace {

std::string cluster_text() {
  std::ifstream in(std::string(ND_TESTDATA) + "/inventory/cluster.json");
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

void expect_clean(std::string_view text) {
  Result<Inventory> inv;
  ASSERT_NO_THROW(inv = parse_inventory(text, "m.json"));
  if (!inv) {
    EXPECT_EQ(inv.error().code, ErrorCode::kInvalidInput);
    EXPECT_EQ(inv.error().message().find('\n'), std::string::npos) << inv.error().message();
    EXPECT_EQ(inv.error().message().rfind("m.json: ", 0), 0u) << inv.error().message();
  }
}

TEST(InventoryMutation, FlippedBytesAndCuts) {
  const std::string original = cluster_text();
  ASSERT_FALSE(original.empty());
  std::mt19937 rng(20240514);
  for (int round = 0; round < 500; ++round) {
    std::string text = original;
    int flips = 1 + static_cast<int>(rng() % 4);
    for (int i = 0; i < flips; ++i) text[rng() % text.size()] = static_cast<char>(rng() % 256);
    if (round % 3 == 0) text.resize(rng() % text.size());
    expect_clean(text);
  }
}

// Replaces each value, one at a time, with every JSON type, then recurses into it.
void visit(nlohmann::json& node, const std::function<void()>& check, int depth) {
  static const nlohmann::json kReplacements[] = {nullptr, 7, "x", nlohmann::json::array(),
                                                 nlohmann::json::object()};
  if (depth > 5) return;
  if (node.is_object() || node.is_array()) {
    for (auto& child : node) {
      nlohmann::json saved = child;
      for (const nlohmann::json& replacement : kReplacements) {
        child = replacement;
        check();
      }
      child = saved;
      visit(child, check, depth + 1);
    }
  }
}

TEST(InventoryMutation, EveryFieldWithEveryType) {
  // One item of each kind is enough: the parser treats items of a kind alike.
  nlohmann::json doc = nlohmann::json::parse(cluster_text());
  nlohmann::json items = nlohmann::json::array();
  for (int index : {1, 3, 12, 17}) items.push_back(doc["items"][index]);
  doc["items"] = items;
  visit(
      doc, [&] { expect_clean(doc.dump()); }, 0);
}

}  // namespace
}  // namespace netdoctor::inventory
