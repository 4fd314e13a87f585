// iptables-save text (iptables-legacy-save, iptables-nft-save, the libiptc reader's rendering):
// the parser and rule parser, the printer's round trip, the Service model and the packet
// evaluator over whatever the text holds (jump loops, odd matches, huge numbers).
#include "fuzz_util.h"
#include "rules/evaluate.h"
#include "rules/iptables_save.h"
#include "rules/services.h"

namespace {

using namespace netdoctor::rules;

Packet packet(const char* src, const char* dst, const char* proto, uint16_t dport) {
  Packet p;
  p.src = src;
  p.dst = dst;
  p.protocol = proto;
  p.sport = 40000;
  p.dport = dport;
  p.in_iface = "cni0";
  p.out_iface = "eth0";
  p.local_addresses = {"172.30.0.11"};
  return p;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto parsed = parse_iptables_save(netdoctor::fuzz::as_text(data, size), "fuzz");
  if (!parsed) {
    ND_FUZZ_CHECK(!parsed.error().message().empty(), "an error without a message");
    return 0;
  }
  // The printer's promise: what it prints parses back to the same rules.
  const std::string printed = to_iptables_save(*parsed);
  const auto again = parse_iptables_save(printed, "printed");
  ND_FUZZ_CHECK(again, "printed rules do not parse: " + again.error().message());
  ND_FUZZ_CHECK(to_iptables_save(*again) == printed, "printing is not stable");
  ND_FUZZ_CHECK(again->rule_count() == parsed->rule_count(), "rules lost in the round trip");

  (void)services_from_iptables(*parsed, Backend::kIptablesLegacy);
  for (const Packet& p : {packet("10.244.1.3", "10.96.0.10", "udp", 53),
                          packet("10.244.1.3", "10.96.100.10", "tcp", 80),
                          packet("10.244.1.3", "203.0.113.10", "tcp", 443)}) {
    if (auto t = trace(*parsed, p)) {
      double total = 0;
      for (const Outcome& o : t->outcomes) total += o.probability;
      ND_FUZZ_CHECK(t->outcomes.empty() || (total > 0.999 && total < 1.001),
                    "outcome probabilities sum to " + std::to_string(total));
    }
    (void)evaluate_postrouting(*parsed, p);
  }
  return 0;
}
