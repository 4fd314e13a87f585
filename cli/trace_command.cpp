// `netdoctor trace --from REF --to IP:PORT[/tcp|udp]`: the flow through the node's rules, hop
// by hop, then the flow itself, probed from inside the source pod.
#include <regex>

#include "cli/commands.h"
#include "cli/session.h"
#include "core/duration.h"
#include "core/safe_stream.h"
#include "inventory/ref.h"
#include "netns/runner.h"
#include "probes/net/tcp.h"
#include "probes/pod/pod_layer.h"
#include "probes/sources.h"
#include "report/model.h"
#include "rules/read.h"
#include "rules/render.h"

namespace netdoctor::cli {
namespace {

struct Destination {
  std::string ip;
  int port = 0;
  std::string protocol = "tcp";
};

Result<Destination> parse_destination(const std::string& text) {
  static const std::regex re(R"(^(\d{1,3}(?:\.\d{1,3}){3}):(\d{1,5})(?:/(tcp|udp))?$)");
  std::smatch m;
  if (!std::regex_match(text, m, re) || std::stoi(m[2]) < 1 || std::stoi(m[2]) > 65535) {
    return fail(ErrorCode::kInvalidInput,
                "malformed --to \"" + text + "\": expected IP:PORT[/tcp|udp]");
  }
  return Destination{m[1], std::stoi(m[2]), m[3].matched ? std::string(m[3]) : "tcp"};
}

void probe_flow(const probes::SourcePod& src, const Destination& dst,
                std::chrono::milliseconds timeout, std::ostream& out) {
  out << "\nprobe from " << src.display << ": ";
  if (dst.protocol != "tcp") {
    out << "not probed (only TCP flows are probed)\n";
    return;
  }
  auto ns = netns::Netns::open_path(src.netns.path);
  auto r = ns ? netns::run_in(*ns, [&] { return probes::tcp_connect(dst.ip, dst.port, timeout); })
              : Result<probes::ConnectResult>(tl::unexpected(ns.error()));
  if (!r) {
    out << "could not run: " << r.error().message() << "\n";
    return;
  }
  out << "TCP " << dst.ip << ":" << dst.port << " " << probes::to_string(r->outcome) << " in "
      << r->elapsed.count() / 1000.0 << " ms" << (r->detail.empty() ? "" : " (" + r->detail + ")")
      << "\n";
}

}  // namespace

int run_trace(const TraceOptions& o, std::ostream& out, std::ostream& err) {
  auto dst = parse_destination(o.to);
  auto ref = inventory::parse_ref(o.from);
  auto timeout = parse_duration(o.timeout);
  for (const Error* e : {dst ? nullptr : &dst.error(), ref ? nullptr : &ref.error(),
                         timeout ? nullptr : &timeout.error()}) {
    if (e != nullptr) {
      print_error(err, e->message());
      return report::kExitUsage;
    }
  }
  int code = 0;
  auto session = open_session({o.inventory, "node", o.kubeconfig}, err, code);
  if (!session) return code;
  auto sources = probes::resolve_sources({*ref}, session->discovery, session->inv(), session->mode,
                                         {.allow_userns = o.allow_userns});
  if (!sources) {
    print_error(err, sources.error().message());
    return report::kExitUsage;
  }
  const auto& src = sources->front();
  auto self = netns::Netns::current();
  auto snap =
      self ? rules::read_rules(*self) : Result<rules::RuleSnapshot>(tl::unexpected(self.error()));
  if (!snap) {
    print_error(err, "cannot read the node's rules: " + snap.error().message());
    // The rules are all trace follows: without CAP_NET_ADMIN it is a missing privilege.
    return snap.error().code == ErrorCode::kPermission ? report::kExitPrivilege
                                                       : report::kExitUsage;
  }
  rules::Packet p;
  p.src = src.ip;
  p.dst = dst->ip;
  p.protocol = dst->protocol;
  p.dport = static_cast<uint16_t>(dst->port);
  p.in_iface = probes::pod_link_facts(src.netns, &session->discovery.self_links).host_bridge;
  p.local_addresses = session->discovery.self_links.ipv4_addresses();
  auto t = rules::trace(snap->ruleset, p);
  if (!t) {
    print_error(err, t.error().message());
    return report::kExitUsage;
  }
  {
    TerminalSafeStream safe(out);  // rule comments, pod names and errors, made safe to print
    rules::print_trace(safe, *t);
    probe_flow(src, *dst, *timeout, safe);
  }
  return t->with_verdict(rules::Verdict::kDrop).empty() &&
                 t->with_verdict(rules::Verdict::kReject).empty()
             ? report::kExitHealthy
             : report::kExitFaulty;
}

}  // namespace netdoctor::cli
