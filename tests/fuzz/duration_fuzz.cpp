// Durations given on the command line (--timeout 500ms, 2s, 1m, 1.5s): any text gives a
// duration in 0..24 h or an input error.
#include "core/duration.h"
#include "fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace netdoctor;
  const auto d = parse_duration(fuzz::as_text(data, size));
  if (!d) {
    ND_FUZZ_CHECK(d.error().code == ErrorCode::kInvalidInput, "not an input error");
    return 0;
  }
  ND_FUZZ_CHECK(d->count() >= 0 && d->count() <= 24LL * 3600 * 1000,
                "duration out of range: " + std::to_string(d->count()));
  return 0;
}
