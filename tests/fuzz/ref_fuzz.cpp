// The REF syntax of `--from REF` (NAMESPACE/NAME, ip:A.B.C.D, pid:N, a netns path), typed by a
// person: the parser and its promise parse_ref(to_string(ref)) == ref.
#include "fuzz_util.h"
#include "inventory/ref.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace netdoctor::inventory;
  const auto ref = parse_ref(netdoctor::fuzz::as_text(data, size));
  if (!ref) {
    ND_FUZZ_CHECK(!ref.error().message().empty(), "an error without a message");
    return 0;
  }
  const std::string text = to_string(*ref);
  const auto again = parse_ref(text);
  ND_FUZZ_CHECK(again, "\"" + text + "\" does not parse back: " + again.error().message());
  ND_FUZZ_CHECK(again->kind == ref->kind && again->ns == ref->ns && again->name == ref->name &&
                    again->ip == ref->ip && again->path == ref->path && again->pid == ref->pid,
                "\"" + text + "\" parses back to another REF");
  return 0;
}
