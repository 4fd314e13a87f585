// kube-proxy's nftables mode as libnftables prints it (`nft -j list table ip kube-proxy`): the
// JSON is the kernel's, relayed by a library, and read into the Service model. Any structure
// must give Services or a kInvalidInput error, never an exception or a crash.
#include "fuzz_util.h"
#include "rules/nft_proxy.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace netdoctor;
  const auto services = rules::services_from_nft_json(fuzz::as_text(data, size));
  if (!services) {
    ND_FUZZ_CHECK(services.error().code == ErrorCode::kInvalidInput, "not an input error");
    return 0;
  }
  for (const rules::ServiceRule& s : *services) {
    (void)s.ns();
    (void)s.service();
    (void)s.port_name();
  }
  return 0;
}
