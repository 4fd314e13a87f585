#include "report/explains.h"

#include <algorithm>

#include "report/catalogue.h"

namespace netdoctor::report {

namespace {

constexpr std::string_view kServicePath =
    "its Service's endpoints answer directly while its ClusterIP does not, so the failure lies "
    "on the Service path this finding breaks";

std::vector<Explanation> build() {
  std::vector<Explanation> rows = {
      {"egress-no-snat", "dns-upstream-failure", When::kAlways,
       "the cluster DNS forwards outside names from a pod: its upstream traffic needs the same "
       "masquerade as any pod's egress"},
      {"egress-no-snat", "egress-dns-failure", When::kAlways,
       "an outside name is resolved by the cluster DNS's upstream, which needs the masquerade"},
      {"dns-upstream-failure", "egress-dns-failure", When::kAlways,
       "an outside name the cluster DNS cannot forward does not resolve in the pod either"},
      {"egress-no-snat", "apiserver-unreachable", When::kNotMasqueraded,
       "the API server is outside the pod network, no endpoint answers, and the node does not "
       "masquerade the pod's traffic to it"},
  };
  // Any failure of the node's forwarding or of the Service layer may break a Service path.
  for (const Code effect : {Code("dns-server-unreachable"), Code("apiserver-unreachable")}) {
    for (const CodeInfo& info : all_codes()) {
      if (info.any_layer || (info.layer != Layer::kNode && info.layer != Layer::kService)) {
        continue;
      }
      rows.push_back({info.code, effect, When::kServicePathBroken, std::string(kServicePath)});
    }
  }
  return rows;
}

}  // namespace

const std::vector<Explanation>& explanations() {
  static const std::vector<Explanation> rows = build();
  return rows;
}

bool may_explain(Code cause, Code effect, When when) {
  const auto& rows = explanations();
  return std::any_of(rows.begin(), rows.end(), [&](const Explanation& e) {
    return e.cause == cause && e.effect == effect && e.when == when;
  });
}

std::vector<Cause> causes_for(Code effect, When when) {
  std::vector<Cause> out;
  for (const Explanation& e : explanations()) {
    if (e.effect == effect && e.when == when) out.push_back({e.cause, ""});
  }
  return out;
}

std::string_view to_string(When when) {
  switch (when) {
    case When::kAlways:
      return "always";
    case When::kServicePathBroken:
      return "the Service's endpoints answer directly, its ClusterIP does not";
    case When::kNotMasqueraded:
      return "the node does not masquerade the pod's traffic to the destination";
  }
  return "";
}

}  // namespace netdoctor::report
