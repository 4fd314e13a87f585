#include "rules/read.h"

#include <nlohmann/json.hpp>

#include "netns/runner.h"
#include "rules/iptc_reader.h"
#include "rules/nft_proxy.h"
#include "rules/nft_save_reader.h"

namespace netdoctor::rules {

namespace {

struct NftInventory {
  bool iptables_tables = false;  // ip filter/nat/mangle/raw made by iptables-nft
  bool hint = false;
  bool kube_proxy = false;
};

// One `list chains` answers all three questions without reading any rule.
Result<NftInventory> nft_inventory() {
  auto text = nft_json("list chains");
  if (!text) return tl::unexpected(text.error());
  NftInventory inv;
  auto doc = nlohmann::json::parse(*text, nullptr, false);
  if (doc.is_discarded() || !doc.contains("nftables")) return inv;
  for (const auto& item : doc["nftables"]) {
    if (!item.contains("chain") || item["chain"].value("family", "") != "ip") continue;
    std::string table = item["chain"].value("table", "");
    std::string name = item["chain"].value("name", "");
    if (table == "kube-proxy") inv.kube_proxy = true;
    if (table == "filter" || table == "nat" || table == "mangle" || table == "raw") {
      inv.iptables_tables = true;
    }
    if (table == "mangle" && (name == "KUBE-IPTABLES-HINT" || name == "KUBE-KUBELET-CANARY")) {
      inv.hint = true;
    }
  }
  return inv;
}

bool has_hint(const Ruleset& rules) {
  const Table* mangle = rules.find("mangle");
  return mangle && (mangle->find("KUBE-IPTABLES-HINT") || mangle->find("KUBE-KUBELET-CANARY"));
}

// Rules plus built-in chains whose policy is not ACCEPT: how much a ruleset says.
size_t weight(const Ruleset& rules, size_t rule_count) {
  size_t policies = 0;
  for (const auto& t : rules.tables) {
    for (const auto& c : t.chains) {
      if (c.builtin && !c.policy.empty() && c.policy != "ACCEPT") ++policies;
    }
  }
  return rule_count + policies;
}

// Runs inside the node's namespace.
Result<RuleSnapshot> read_here() {
  RuleSnapshot snap;
  BackendFacts facts;
  Ruleset legacy, nft;
  auto legacy_read = read_legacy_iptc();
  if (!legacy_read) return tl::unexpected(legacy_read.error());
  legacy = std::move(*legacy_read);
  facts.legacy_rules = legacy.rule_count();
  facts.legacy_hint = has_hint(legacy);
  auto inv = nft_inventory();
  if (!inv) {
    snap.notes.push_back("nftables not readable: " + inv.error().message());
  } else {
    facts.nft_hint = inv->hint;
    facts.nftables_proxy = inv->kube_proxy;
    if (inv->iptables_tables) {
      auto read = read_iptables_nft_save();
      if (read)
        nft = std::move(*read);
      else
        snap.notes.push_back("iptables-nft rules not readable: " + read.error().message());
      facts.nft_rules = nft.rule_count();
    }
    if (inv->kube_proxy) {
      auto text = nft_json("list table ip kube-proxy");
      auto svcs = text ? services_from_nft_json(*text) : tl::unexpected(text.error());
      if (svcs)
        snap.direct_services = std::move(*svcs);
      else
        snap.notes.push_back("kube-proxy nftables table not readable: " + svcs.error().message());
    }
  }
  snap.detection = detect_backend(facts);
  snap.backend = snap.detection.backend;
  if (snap.detection.mixed) {
    snap.notes.push_back("mixed backends: " + std::to_string(facts.legacy_rules) + " legacy and " +
                         std::to_string(facts.nft_rules) +
                         " nft iptables rules; the kernel applies both");
  }
  // Without kube-proxy's hint, the filter table still matters: a FORWARD policy DROP with no
  // rule at all (Docker's, or a hardened node) is exactly what netdoctor must see.
  bool use_legacy = snap.backend == Backend::kIptablesLegacy ||
                    (snap.backend != Backend::kIptablesNft &&
                     weight(legacy, facts.legacy_rules) > weight(nft, facts.nft_rules));
  snap.ruleset = use_legacy ? std::move(legacy) : std::move(nft);
  return snap;
}

}  // namespace

Result<RuleSnapshot> read_rules(const netns::Netns& node) {
  // Already there (netdoctor on the node itself): read on this thread. A run_in thread would
  // bring a fresh malloc arena that grows by many small mprotect calls while a large rule set
  // is built, where the main thread's heap grows cheaply.
  auto here = netns::current_netns_id();
  if (here && *here == node.id()) return read_here();
  return netns::run_in(node, read_here);
}

std::vector<ServiceRule> services(const RuleSnapshot& snapshot) {
  if (snapshot.backend == Backend::kNftables || snapshot.backend == Backend::kIpvs) {
    return snapshot.direct_services;
  }
  return services_from_iptables(snapshot.ruleset, snapshot.backend);
}

}  // namespace netdoctor::rules
