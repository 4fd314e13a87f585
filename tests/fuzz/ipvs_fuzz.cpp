// kube-proxy's IPVS mode from recorded `ipvsadm-save -n` text: the reader and the Service model
// (weights turned into shares).
#include "fuzz_util.h"
#include "rules/ipvs.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace netdoctor;
  rules::RecordedIpvs reader{std::string(fuzz::as_text(data, size))};
  const auto services = reader.read();
  if (!services) {
    ND_FUZZ_CHECK(services.error().code == ErrorCode::kInvalidInput, "not an input error");
    return 0;
  }
  for (const rules::ServiceRule& s : rules::services_from_ipvs(*services)) {
    double total = 0;
    for (const rules::EndpointRule& e : s.endpoints) {
      ND_FUZZ_CHECK(e.probability >= 0 && e.probability <= 1, "a share outside 0..1");
      total += e.probability;
    }
    ND_FUZZ_CHECK(total < 1.000001, "shares sum above 1: " + std::to_string(total));
  }
  return 0;
}
