#include "rules/backend.h"

namespace netdoctor::rules {

Detection detect_backend(const BackendFacts& f) {
  Detection d;
  if (f.legacy_rules > 0 || f.legacy_hint) d.present.push_back(Backend::kIptablesLegacy);
  if (f.nft_rules > 0 || f.nft_hint) d.present.push_back(Backend::kIptablesNft);
  if (f.nftables_proxy) d.present.push_back(Backend::kNftables);
  if (f.ipvs) d.present.push_back(Backend::kIpvs);
  d.mixed = f.legacy_rules > 0 && f.nft_rules > 0;
  if (f.nftables_proxy) {
    d.backend = Backend::kNftables;
    d.reason = "table ip kube-proxy exists (kube-proxy nftables mode)";
  } else if (f.ipvs) {
    d.backend = Backend::kIpvs;
    d.reason = "IPVS virtual services exist (kube-proxy ipvs mode)";
  } else if (f.nft_hint) {
    d.backend = Backend::kIptablesNft;
    d.reason = "KUBE-IPTABLES-HINT/KUBE-KUBELET-CANARY in the nft mangle table";
  } else if (f.legacy_hint) {
    d.backend = Backend::kIptablesLegacy;
    d.reason = "KUBE-IPTABLES-HINT/KUBE-KUBELET-CANARY in the legacy mangle table";
  } else if (f.legacy_rules > f.nft_rules) {
    d.backend = Backend::kIptablesLegacy;
    d.reason = "more legacy rules (" + std::to_string(f.legacy_rules) + ") than nft rules (" +
               std::to_string(f.nft_rules) + ")";
  } else if (f.nft_rules > 0) {
    d.backend = Backend::kIptablesNft;
    d.reason = "nft rules (" + std::to_string(f.nft_rules) + ") at least as many as legacy (" +
               std::to_string(f.legacy_rules) + ")";
  } else {
    d.reason = "no iptables, nftables or IPVS rules";
  }
  return d;
}

}  // namespace netdoctor::rules
