// DNS answers as c-ares hands them to the resolver's callback: a status and the reply's raw
// bytes (whatever a server, or something on the path, sent). The resolver's reading of them
// (read_answer: ares_parse_a_reply, the addresses) and the dns layer's judgement when every
// question of the lab's client-a got that answer.
//
// Input: byte 0 picks the callback status (0 = ARES_SUCCESS, the only one with a reply; other
// values are passed as c-ares status codes), the rest is the reply.
#include "fuzz_util.h"
#include "inventory/inventory.h"
#include "probes/dns/dns_eval.h"
#include "probes/dns/dns_layer.h"
#include "probes/net/resolver.h"

namespace {

using namespace netdoctor;
using namespace netdoctor::probes::dns;

const DnsFacts& lab_facts() {
  static const DnsFacts facts = [] {
    auto inv = inventory::parse_inventory(fuzz::testdata("lab/inventory.json"), "lab");
    ND_FUZZ_CHECK(inv, "lab inventory does not parse");
    probes::SourcePod src;
    src.display = src.pod = "default/client-a";
    src.ip = "10.244.1.3";
    probes::dns::PodResolv resolv;
    resolv.state = ResolvState::kRead;
    resolv.text = fuzz::testdata("lab/client-a.resolv.conf");
    DnsFacts f;
    f.context = build_context(src, resolv, &*inv, probes::DnsLayerOptions{});
    f.plan = plan_queries(f.context);
    ND_FUZZ_CHECK(!f.plan.empty(), "no question planned for the lab's client-a");
    return f;
  }();
  return facts;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const int status = data[0] < 0x80 ? 0 : data[0] & 0x1f;  // mostly replies
  DnsAnswer answer = read_answer(status, data + 1, static_cast<int>(size - 1));
  ND_FUZZ_CHECK(answer.outcome == Outcome::kAnswer || answer.addresses.empty(),
                "addresses without an answer");
  (void)to_string(answer.outcome);
  (void)server_answered(answer.outcome);
  answer.elapsed = std::chrono::microseconds(size);

  DnsFacts facts = lab_facts();
  facts.answers.assign(facts.plan.size(), answer);
  ND_FUZZ_CHECK(!evaluate_dns(facts).empty(), "the dns layer gave no check");
  // Half of the questions answered: the layer tells the paths apart.
  for (size_t i = 0; i < facts.answers.size(); i += 2) {
    facts.answers[i].outcome = Outcome::kTimeout;
    facts.answers[i].addresses.clear();
  }
  (void)evaluate_dns(facts);
  return 0;
}
