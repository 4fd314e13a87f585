// `netdoctor services`: the Services the node's proxy rules implement, compared with the
// inventory's EndpointSlices when one is given; as text or as JSON (schema
// netdoctor.services/v1).
#include <nlohmann/json.hpp>

#include <memory>
#include <vector>

#include "cli/commands.h"
#include "cli/session.h"
#include "core/safe_stream.h"
#include "core/text.h"
#include "inventory/apiserver_client.h"
#include "inventory/kubeconfig.h"
#include "report/model.h"
#include "rules/compare.h"
#include "rules/read.h"
#include "rules/render.h"

namespace netdoctor::cli {
namespace {

using json = nlohmann::ordered_json;  // fields in the order written

json or_null(const std::string& s) {
  return s.empty() ? json(nullptr) : json(s);
}

const char* to_string(rules::DiffKind kind) {
  switch (kind) {
    case rules::DiffKind::kServiceMissing:
      return "service-missing";
    case rules::DiffKind::kEndpointStale:
      return "endpoint-stale";
    case rules::DiffKind::kEndpointMissing:
      return "endpoint-missing";
  }
  return "?";
}

json service_json(const rules::ServiceRule& s) {
  json endpoints = json::array();
  for (const rules::EndpointRule& e : s.endpoints) {
    endpoints.push_back({{"address", e.address},
                         {"probability", e.probability},
                         {"chain", or_null(e.chain)},
                         {"hairpin_masquerade", e.hairpin_masquerade}});
  }
  return {{"name", or_null(s.name)},
          {"namespace", or_null(s.ns())},
          {"service", or_null(s.service())},
          {"port_name", or_null(s.port_name())},
          {"ip", s.ip},
          {"port", s.port},
          {"protocol", s.protocol},
          {"kind", s.kind},
          {"backend", rules::to_string(s.backend)},
          {"chain", or_null(s.chain)},
          {"endpoints", std::move(endpoints)},
          {"rejects", s.rejects},
          {"masquerade_off_cluster", s.masquerade_off_cluster},
          {"cluster_cidr", or_null(s.cluster_cidr)},
          {"node_ports", s.node_ports}};
}

// Writes `value` as json::dump(2) would print it `depth` levels deep inside a document.
void write_nested(std::ostream& out, const json& value, int depth) {
  // Comments and names from the node's rules may hold anything: bytes that are not UTF-8 become
  // U+FFFD, controls and bidirectional overrides \u escapes (core/text.h).
  const std::string text =
      json_escape_controls(value.dump(2, ' ', false, json::error_handler_t::replace));
  const std::string pad(static_cast<size_t>(2 * depth), ' ');
  size_t start = 0;
  while (true) {
    const size_t nl = text.find('\n', start);
    if (nl == std::string::npos) {
      out.write(text.data() + start, static_cast<std::streamsize>(text.size() - start));
      return;
    }
    out.write(text.data() + start, static_cast<std::streamsize>(nl + 1 - start));
    out << pad;
    start = nl + 1;
  }
}

// The document is what dump(2) prints for {"schema", ..., "services": [...], "differences"},
// written one Service at a time: a node with 10,000 Services would otherwise build a tree of
// hundreds of thousands of values and a 10 MB string before printing anything.
void write_json(std::ostream& out, const rules::RuleSnapshot& snap,
                const std::vector<rules::ServiceRule>& services,
                const std::vector<rules::ServiceDiff>* diffs) {
  json present = json::array();
  for (rules::Backend b : snap.detection.present) present.push_back(rules::to_string(b));
  const json head = {
      {"schema", "netdoctor.services/v1"},       {"backend", rules::to_string(snap.backend)},
      {"backend_reason", snap.detection.reason}, {"backends_present", std::move(present)},
      {"mixed", snap.detection.mixed},           {"notes", snap.notes}};
  out << "{\n";
  for (const auto& [key, value] : head.items()) {
    out << "  " << json(key).dump() << ": ";
    write_nested(out, value, 1);
    out << ",\n";
  }
  out << "  \"services\": [";
  for (size_t i = 0; i < services.size(); ++i) {
    out << (i == 0 ? "\n    " : ",\n    ");
    write_nested(out, service_json(services[i]), 2);
  }
  out << (services.empty() ? "],\n" : "\n  ],\n");
  json d = nullptr;
  if (diffs != nullptr) {
    d = json::array();
    for (const rules::ServiceDiff& x : *diffs) {
      d.push_back({{"kind", to_string(x.kind)},
                   {"service", or_null(x.service)},
                   {"port_name", or_null(x.port_name)},
                   {"ip", x.ip},
                   {"port", x.port},
                   {"protocol", x.protocol},
                   {"endpoint", or_null(x.endpoint)},
                   {"summary", x.summary}});
    }
  }
  out << "  \"differences\": ";
  write_nested(out, d, 1);
  out << "\n}\n";
}

void write_text(std::ostream& out, const rules::RuleSnapshot& snap,
                const std::vector<rules::ServiceRule>& services,
                const std::vector<rules::ServiceDiff>* diffs) {
  out << "backend: " << snap.detection.reason << "\n";
  for (const auto& n : snap.notes) out << "note: " << n << "\n";
  rules::print_services(out, services);
  if (diffs == nullptr) return;
  out << "\ncompared with the inventory: " << diffs->size() << " difference"
      << (diffs->size() == 1 ? "" : "s") << "\n";
  for (const auto& d : *diffs) out << "  " << d.summary << "\n";
}

// The snapshot of a large node is hundreds of thousands of small objects. Freeing them one by one
// right before the process exits costs more than printing them, so the command hands the snapshot
// here instead: it stays reachable (no leak report) and goes back with the process's memory.
void keep_until_exit(rules::RuleSnapshot&& snap) {
  static auto* kept = new std::vector<std::unique_ptr<rules::RuleSnapshot>>;
  kept->push_back(std::make_unique<rules::RuleSnapshot>(std::move(snap)));
}

}  // namespace

int run_services(const ServicesOptions& options, std::ostream& out, std::ostream& err) {
  // The inventory from where open_session would take it, without open_session's discovery of the
  // host's namespaces: reading this namespace's own rules needs none of it, and discovery enters
  // every namespace on the host, one thread each.
  auto cluster = load_cluster(options.inventory, options.kubeconfig, err);
  if (!cluster) {
    print_error(err, cluster.error().message());
    return report::kExitUsage;
  }
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
  const auto services = rules::services(*snap);
  std::vector<rules::ServiceDiff> diffs;
  if (*cluster) diffs = rules::compare_with_inventory(services, **cluster);
  const auto* compared = *cluster ? &diffs : nullptr;
  if (options.output == "json") {
    write_json(out, *snap, services, compared);
  } else {
    TerminalSafeStream safe(out);  // rule comments and names, made safe to print
    write_text(safe, *snap, services, compared);
  }
  keep_until_exit(std::move(*snap));
  return diffs.empty() ? report::kExitHealthy : report::kExitFaulty;
}

}  // namespace netdoctor::cli
