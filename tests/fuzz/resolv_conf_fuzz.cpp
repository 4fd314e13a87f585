// A pod's /etc/resolv.conf (read from the container, so anything at all): the parser, then what
// the dns layer does with it: the context (cluster domain, DNS Service), the planned questions
// and the layer's judgement with every question answered, and with every question timed out.
#include "fuzz_util.h"
#include "inventory/inventory.h"
#include "probes/dns/dns_eval.h"
#include "probes/dns/dns_layer.h"

namespace {

using namespace netdoctor;
using namespace netdoctor::probes::dns;

const inventory::Inventory& lab_inventory() {
  static const inventory::Inventory inv = [] {
    auto parsed = inventory::parse_inventory(fuzz::testdata("lab/inventory.json"), "lab");
    ND_FUZZ_CHECK(parsed, "lab inventory does not parse");
    return *parsed;
  }();
  return inv;
}

void judge(DnsFacts facts, const DnsAnswer& every) {
  facts.answers.assign(facts.plan.size(), every);
  const auto checks = evaluate_dns(facts);
  ND_FUZZ_CHECK(!checks.empty(), "the dns layer gave no check");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(fuzz::as_text(data, size));
  const ResolvConf rc = parse_resolv_conf(text);
  ND_FUZZ_CHECK(rc.problems.size() <= rc.problem_count, "problem count below the kept problems");
  (void)cluster_domain_from_search(rc.search, "default");

  probes::SourcePod src;
  src.display = "default/client-a";
  src.pod = "default/client-a";
  src.ip = "10.244.1.3";
  probes::dns::PodResolv resolv;
  resolv.state = ResolvState::kRead;
  resolv.text = text;
  probes::DnsLayerOptions options;
  options.outside_names = {"example.test"};
  DnsFacts facts;
  facts.context = build_context(src, resolv, &lab_inventory(), options);
  (void)facts.context.pod_nameservers();
  (void)facts.context.cluster_name();
  facts.plan = plan_queries(facts.context);

  DnsAnswer answered;
  answered.outcome = Outcome::kAnswer;
  answered.addresses = {"10.96.0.1"};
  answered.elapsed = std::chrono::microseconds(800);
  judge(facts, answered);
  DnsAnswer silent;
  silent.outcome = Outcome::kTimeout;
  silent.elapsed = std::chrono::microseconds(1'000'000);
  judge(facts, silent);
  return 0;
}
