// `netdoctor services`: the Services the node's proxy rules implement, compared with the
// inventory's EndpointSlices when one is given.
#include "cli/commands.h"
#include "cli/session.h"
#include "report/model.h"
#include "rules/compare.h"
#include "rules/read.h"
#include "rules/render.h"

namespace netdoctor::cli {

int run_services(const ServicesOptions& options, std::ostream& out, std::ostream& err) {
  int code = 0;
  auto session = open_session({options.inventory, "node", options.kubeconfig}, err, code);
  if (!session) return code;
  auto self = netns::Netns::current();
  if (!self) {
    print_error(err, self.error().message());
    return report::kExitUsage;
  }
  auto snap = rules::read_rules(*self);
  if (!snap) {
    print_error(err, "cannot read the node's rules: " + snap.error().message());
    return snap.error().code == ErrorCode::kPermission ? report::kExitPrivilege
                                                       : report::kExitUsage;
  }
  out << "backend: " << snap->detection.reason << "\n";
  for (const auto& n : snap->notes) out << "note: " << n << "\n";
  const auto services = rules::services(*snap);
  rules::print_services(out, services);
  if (!session->inventory) return report::kExitHealthy;
  const auto diffs = rules::compare_with_inventory(services, *session->inventory);
  out << "\ncompared with the inventory: " << diffs.size() << " difference"
      << (diffs.size() == 1 ? "" : "s") << "\n";
  for (const auto& d : diffs) out << "  " << d.summary << "\n";
  return diffs.empty() ? report::kExitHealthy : report::kExitFaulty;
}

}  // namespace netdoctor::cli
