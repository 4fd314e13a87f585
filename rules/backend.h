// Which backend holds a node's proxy rules, decided as kube-proxy's image does it
// (kubernetes-sigs/iptables-wrappers): kubelet's KUBE-IPTABLES-HINT (or the older
// KUBE-KUBELET-CANARY) in the nft mangle table means iptables-nft; else whichever of legacy and
// nft holds more rules. kube-proxy's own nftables table and IPVS are reported beside it, and
// rules in both legacy and nft are reported as mixed: the kernel runs both.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "rules/services.h"

namespace netdoctor::rules {

struct BackendFacts {
  size_t legacy_rules = 0;
  bool legacy_hint = false;     // hint chain in the legacy mangle table
  size_t nft_rules = 0;         // rules of iptables-nft tables
  bool nft_hint = false;        // hint chain in the nft mangle table
  bool nftables_proxy = false;  // table ip kube-proxy
  bool ipvs = false;            // IPVS services present
};

struct Detection {
  Backend backend = Backend::kNone;  // the one kube-proxy's wrapper would pick
  std::vector<Backend> present;      // every backend holding rules
  bool mixed = false;                // both legacy and nft iptables hold rules
  std::string reason;
};

[[nodiscard]] Detection detect_backend(const BackendFacts& facts);

}  // namespace netdoctor::rules
