// The subjects of the certificates in a PEM bundle (the pod's service-account ca.crt), so that
// an untrusted API server certificate can be reported next to what the pod expected.
#pragma once

#include <string>
#include <vector>

namespace netdoctor::probes {

// One line per certificate ("CN = ndlab-cluster-ca, O = ..."), in file order. Text that is
// not PEM or holds no certificate gives an empty list; parsing never throws.
[[nodiscard]] std::vector<std::string> certificate_subjects(const std::string& pem);

}  // namespace netdoctor::probes
