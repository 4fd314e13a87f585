// A pod's service-account ca.crt (read from the container): the certificate subjects named
// next to an untrusted API server certificate. OpenSSL parses; the project's part is the
// bounds and the handles around it.
#include "fuzz_util.h"
#include "probes/apiserver/ca_info.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto subjects =
      netdoctor::probes::certificate_subjects(std::string(netdoctor::fuzz::as_text(data, size)));
  ND_FUZZ_CHECK(subjects.size() <= 64, "more subjects than certificates read");
  return 0;
}
