// The catalogue must hold every code of the contract's table, in its layer, with all fields.
#include "report/catalogue.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

namespace netdoctor::report {
namespace {

struct ContractCode {
  Layer layer;
  Code code;
};

// Copied from the contract's "Finding codes (minimum)" table; keep in step with it.
const ContractCode kContractCodes[] = {
    {Layer::kNode, "ip-forward-disabled"},
    {Layer::kNode, "bridge-nf-disabled"},
    {Layer::kNode, "forward-policy-drop"},
    {Layer::kPod, "pod-link-down"},
    {Layer::kPod, "pod-no-address"},
    {Layer::kPod, "pod-no-default-route"},
    {Layer::kSameNode, "pod-unreachable"},
    {Layer::kSameNode, "filter-drop"},
    {Layer::kSameNode, "neighbor-failed"},
    {Layer::kSameNode, "pod-snat"},
    {Layer::kCrossNode, "route-missing"},
    {Layer::kCrossNode, "overlay-fdb-missing"},
    {Layer::kCrossNode, "underlay-blocked"},
    {Layer::kCrossNode, "mtu-blackhole"},
    {Layer::kService, "service-rules-missing"},
    {Layer::kService, "service-no-endpoints"},
    {Layer::kService, "endpoint-unreachable"},
    {Layer::kService, "endpoints-stale"},
    {Layer::kService, "hairpin-broken"},
    {Layer::kDns, "dns-server-unreachable"},
    {Layer::kDns, "dns-resolv-conf-invalid"},
    {Layer::kDns, "dns-upstream-failure"},
    {Layer::kDns, "dns-name-not-found"},
    {Layer::kApiserver, "apiserver-unreachable"},
    {Layer::kApiserver, "apiserver-tls-untrusted"},
    {Layer::kApiserver, "apiserver-unauthorized"},
    {Layer::kEgress, "egress-no-snat"},
    {Layer::kEgress, "egress-unreachable"},
    {Layer::kEgress, "egress-dns-failure"},
};

TEST(Catalogue, HasEveryContractCodeInItsLayer) {
  for (const ContractCode& expected : kContractCodes) {
    const CodeInfo* info = find_code(expected.code);
    ASSERT_NE(info, nullptr) << expected.code;
    EXPECT_EQ(info->code, expected.code);
    EXPECT_EQ(info->layer, expected.layer) << expected.code;
    EXPECT_FALSE(info->extra) << expected.code << " is a contract code";
    EXPECT_FALSE(info->any_layer) << expected.code;
  }
}

TEST(Catalogue, ContractMeaningsAreTheTitles) {
  EXPECT_EQ(find_code("ip-forward-disabled")->title, "the node does not forward IPv4");
  EXPECT_EQ(find_code("filter-drop")->title,
            "a filter rule drops the flow; the evidence names the rule (chain, position, comment)");
  EXPECT_EQ(find_code("egress-dns-failure")->title,
            "the outside name does not resolve from the pod");
}

TEST(Catalogue, EveryEntryIsComplete) {
  for (const CodeInfo& info : all_codes()) {
    SCOPED_TRACE(info.code);
    EXPECT_FALSE(info.title.empty());
    EXPECT_FALSE(info.detection.empty());
    EXPECT_FALSE(info.confirm.empty());
    EXPECT_FALSE(info.remedy.empty());
    EXPECT_EQ(info.title.find('\n'), std::string::npos);
    EXPECT_NE(info.confirm.front(), '\n');
    EXPECT_NE(info.confirm.back(), '\n');
    EXPECT_NE(info.remedy.front(), '\n');
    EXPECT_NE(info.remedy.back(), '\n');
    EXPECT_EQ(info.code.name().find_first_not_of("abcdefghijklmnopqrstuvwxyz-"), std::string::npos);
  }
}

TEST(Catalogue, CodesAreUnique) {
  std::set<Code> seen;
  for (const CodeInfo& info : all_codes()) EXPECT_TRUE(seen.insert(info.code).second) << info.code;
}

TEST(Catalogue, OrderedByLayerContractCodesFirstAnyLayerLast) {
  const std::vector<CodeInfo>& codes = all_codes();
  for (size_t i = 1; i < codes.size(); ++i) {
    const CodeInfo& a = codes[i - 1];
    const CodeInfo& b = codes[i];
    SCOPED_TRACE(a.code.str() + " before " + b.code.str());
    if (a.any_layer) {
      EXPECT_TRUE(b.any_layer);
    } else if (!b.any_layer) {
      EXPECT_LE(a.layer, b.layer);
      if (a.layer == b.layer) {
        EXPECT_LE(a.extra, b.extra);
      }
    }
  }
}

TEST(Catalogue, ExtrasAreMarked) {
  size_t contract = std::size(kContractCodes);
  size_t extras = 0;
  for (const CodeInfo& info : all_codes()) extras += info.extra;
  EXPECT_EQ(all_codes().size(), contract + extras);
  const Code extra_codes[] = {"pod-not-found", "probe-error", "capability-missing",
                              "conntrack-table-full", "dns-search-path-slow"};
  for (Code code : extra_codes) {
    const CodeInfo* info = find_code(code);
    ASSERT_NE(info, nullptr) << code;
    EXPECT_TRUE(info->extra) << code;
  }
  EXPECT_TRUE(find_code("probe-error")->any_layer);
}

TEST(Catalogue, NoEntryForTheEmptyCode) {
  EXPECT_EQ(find_code(Code()), nullptr);
}

// The list of codes (report/codes.h) and the catalogue hold the same codes: each code of the list
// has exactly one entry, and each entry's code is in the list.
TEST(Catalogue, EveryListedCodeHasExactlyOneEntry) {
  for (std::string_view name : kCodeNames) {
    const auto entries = std::count_if(all_codes().begin(), all_codes().end(),
                                       [name](const CodeInfo& info) { return info.code == name; });
    EXPECT_EQ(entries, 1) << name;
  }
}

TEST(Catalogue, EveryEntryIsListed) {
  EXPECT_EQ(all_codes().size(), kCodeNames.size());
  for (const CodeInfo& info : all_codes()) {
    EXPECT_NE(std::find(kCodeNames.begin(), kCodeNames.end(), info.code.name()), kCodeNames.end())
        << info.code;
    EXPECT_EQ(Code::find(info.code.name()), info.code);
  }
}

TEST(Catalogue, RemediesNameTheExpectedCommands) {
  EXPECT_THAT(find_code("bridge-nf-disabled")->remedy,
              ::testing::AllOf(::testing::HasSubstr("modprobe br_netfilter"),
                               ::testing::HasSubstr("net.bridge.bridge-nf-call-iptables=1")));
  EXPECT_THAT(find_code("forward-policy-drop")->remedy,
              ::testing::HasSubstr("iptables -P FORWARD ACCEPT"));
  EXPECT_THAT(find_code("ip-forward-disabled")->remedy,
              ::testing::HasSubstr("sysctl -w net.ipv4.ip_forward=1"));
  EXPECT_THAT(find_code("route-missing")->remedy, ::testing::HasSubstr("kube-flannel"));
}

}  // namespace
}  // namespace netdoctor::report
