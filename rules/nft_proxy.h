// kube-proxy's nftables mode (Kubernetes 1.29+): table `ip kube-proxy` with the verdict map
// `service-ips` (ip . proto . port → goto service chain), per-Service chains that pick an
// endpoint chain with `numgen random mod N vmap`, endpoint chains doing `dnat to ip:port`, and
// `no-endpoint-services` for Services without endpoints. Read through libnftables' JSON output
// (never by running nft), parsed here into the same ServiceRule model as iptables.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "rules/services.h"

namespace netdoctor::rules {

// The Services of a `nft -j list table ip kube-proxy` document. Malformed JSON, or JSON that
// is not an nftables document, is a kInvalidInput error.
[[nodiscard]] Result<std::vector<ServiceRule>> services_from_nft_json(std::string_view json);

// Runs one nft command (e.g. "list table ip kube-proxy") through libnftables in the calling
// thread's network namespace and returns its JSON output. A missing table is kNotFound.
[[nodiscard]] Result<std::string> nft_json(const std::string& command);

}  // namespace netdoctor::rules
