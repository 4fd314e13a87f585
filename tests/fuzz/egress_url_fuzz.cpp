// The --egress URLs (http://, https://, tcp://host:port): the parser, the URL handed to curl
// (which must parse back to the same target) and the names the dns layer resolves from them.
#include "fuzz_util.h"
#include "probes/dns/dns_facts.h"
#include "probes/egress/url.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace netdoctor::probes;
  const std::string text(netdoctor::fuzz::as_text(data, size));
  (void)dns::outside_names_from_urls({text});
  const auto url = parse_egress_url(text);
  if (!url) {
    ND_FUZZ_CHECK(!url.error().message().empty(), "an error without a message");
    return 0;
  }
  ND_FUZZ_CHECK(url->port >= 1 && url->port <= 65535, "port out of range");
  ND_FUZZ_CHECK(!url->host.empty() && url->path.starts_with('/'), "no host or path");
  const std::string request = url->request_url();
  const auto again = parse_egress_url(request);
  ND_FUZZ_CHECK(again, "curl's URL \"" + request + "\" does not parse: " + again.error().message());
  ND_FUZZ_CHECK(again->scheme == url->scheme && again->host == url->host &&
                    again->port == url->port && again->path == url->path,
                "curl's URL \"" + request + "\" names another target");
  return 0;
}
