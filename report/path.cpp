#include "report/path.h"

#include <arpa/inet.h>

#include <functional>
#include <map>
#include <string_view>

#include "core/text.h"

namespace netdoctor::report {

namespace {

// The topology of the root cause's own source. A healthy report, or a root cause without a
// source (a node-wide finding, the same for every pod), draws the first source's; a source that
// has no topology draws nothing rather than another pod's path. (Check ids repeat across
// sources, so the source must come from the root cause, not from the first check of its id.)
const Topology* topology_for(const Report& report) {
  if (report.topology.empty()) return nullptr;
  if (!report.root_cause || report.root_cause->source.empty()) return &report.topology.front();
  for (const Topology& t : report.topology) {
    if (t.source == report.root_cause->source) return &t;
  }
  return nullptr;
}

// What the failing check concerns, from its subjects: the first address, the first pod or
// Service ("ns/name") and the node ("node:NAME"). Networks ("10.244.2.0/24") are left out.
struct Target {
  std::string address;
  std::string name;
  std::string node;
  [[nodiscard]] bool empty() const { return address.empty() && name.empty(); }
};

bool is_address(const std::string& text) {
  unsigned char buf[16];
  return inet_pton(AF_INET, text.c_str(), buf) == 1 || inet_pton(AF_INET6, text.c_str(), buf) == 1;
}

Target target_of(const Check* check) {
  Target out;
  if (check == nullptr) return out;
  for (const std::string& s : check->subjects) {
    if (s.starts_with("node:")) {
      if (out.node.empty()) out.node = s.substr(5);
    } else if (is_address(s)) {
      if (out.address.empty()) out.address = s;
    } else if (const auto slash = s.find('/'); slash != std::string::npos) {
      if (out.name.empty() && !is_address(s.substr(0, slash))) out.name = s;
    }
  }
  return out;
}

// The target named after the check id's ':' ("service.clusterip:default/web:http",
// "dns.endpoint-udp:10.244.0.3"). An egress check's id is its URL, no DNS server.
std::string id_target(const Report& report) {
  if (!report.root_cause || report.root_cause->layer == Layer::kEgress) return {};
  const std::string& id = report.root_cause->check_id;
  const auto colon = id.find(':');
  return colon == std::string::npos ? std::string() : id.substr(colon + 1);
}

// An egress check's id is "egress." and its URL.
std::string egress_url(const Report& report) {
  if (!report.root_cause) return {};
  const std::string& id = report.root_cause->check_id;
  constexpr std::string_view kPrefix = "egress.";
  if (!id.starts_with(kPrefix) || id.find("://") == std::string::npos) return {};
  return id.substr(kPrefix.size());
}

enum class Flow { kSameNode, kCrossNode, kService, kDns, kApiserver, kEgress };

Flow flow_for(const Report& report, const Topology& t) {
  const bool remote = !t.remote_ip.empty();
  if (!report.root_cause) return remote ? Flow::kCrossNode : Flow::kSameNode;
  const Code code = report.root_cause->code;
  switch (report.root_cause->layer) {
    case Layer::kNode:
      // bridge-nf only matters on the bridge; the others also stop routed traffic.
      return code == Code("bridge-nf-disabled") || !remote ? Flow::kSameNode : Flow::kCrossNode;
    case Layer::kPod:
    case Layer::kSameNode:
      return Flow::kSameNode;
    case Layer::kCrossNode:
      return Flow::kCrossNode;
    case Layer::kService:
      return Flow::kService;
    case Layer::kDns:
      return Flow::kDns;
    case Layer::kApiserver:
      return Flow::kApiserver;
    case Layer::kEgress:
      return code == Code("egress-dns-failure") ? Flow::kDns : Flow::kEgress;
  }
  return Flow::kSameNode;
}

}  // namespace

std::string hop_of_code(Code code) {
  struct CodeHop {
    Code code;
    const char* hop;
  };
  static constexpr CodeHop kHops[] = {
      {"pod-no-address", "pod"},
      {"pod-no-default-route", "pod"},
      {"dns-resolv-conf-invalid", "pod"},
      {"pod-link-down", "veth"},
      {"neighbor-failed", "bridge"},
      {"bridge-nf-disabled", "bridge"},
      {"ip-forward-disabled", "node"},
      {"forward-policy-drop", "node"},
      {"filter-drop", "node"},
      {"route-missing", "node"},
      {"pod-snat", "node"},
      {"egress-no-snat", "node"},
      {"service-rules-missing", "node"},
      {"endpoints-stale", "node"},
      {"hairpin-broken", "bridge"},
      {"overlay-fdb-missing", "overlay"},
      {"mtu-blackhole", "overlay"},
      {"underlay-blocked", "underlay"},
      {"pod-unreachable", "destination"},
      {"remote-pod-unreachable", "destination"},
      {"endpoint-unreachable", "destination"},
      {"service-no-endpoints", "destination"},
      {"dns-server-unreachable", "destination"},
      {"dns-name-not-found", "destination"},
      {"dns-upstream-failure", "upstream"},
      {"egress-dns-failure", "upstream"},
      {"apiserver-unreachable", "destination"},
      {"apiserver-tls-untrusted", "destination"},
      {"apiserver-unauthorized", "destination"},
      {"egress-unreachable", "destination"},
  };
  for (const CodeHop& h : kHops) {
    if (h.code == code) return h.hop;
  }
  return {};
}

namespace {

// The hop the root cause's code sits on fails; those after it are not reached.
void mark_failing_hop(const Report& report, std::vector<Hop>& hops) {
  if (!report.root_cause) return;
  const std::string at = hop_of_code(report.root_cause->code);
  for (std::size_t i = 0; i < hops.size(); ++i) {
    if (hops[i].name != at) continue;
    hops[i].state = Hop::State::kFailed;
    hops[i].detail = report.root_cause->code.str();
    for (std::size_t j = i + 1; j < hops.size(); ++j) hops[j].state = Hop::State::kNotReached;
    break;
  }
}

using Add = std::function<void(std::string, std::string)>;

// Toward the failing check's peer of this node, else the topology's example peer.
void same_node_hops(const Topology& t, const Target& to, const std::string& node, const Add& add) {
  add("node", node + " (iptables FORWARD)");
  if (!to.empty()) {
    add("destination", join({to.name, to.address}, " "));
  } else {
    add("destination", t.local_peer.empty() ? "a pod of this node" : t.local_peer);
  }
}

// Toward the failing check's remote pod and node, else the topology's example; the remote
// node's address only where the topology knows it for that node.
void cross_node_hops(const Topology& t, const Target& to, const std::string& node, const Add& add) {
  const bool example = to.empty() || (to.node.empty() && to.address == t.remote_ip);
  const std::string remote_node = example || to.node.empty() ? t.remote_node : to.node;
  const std::string remote_node_ip = remote_node == t.remote_node ? t.remote_node_ip : "";
  add("node", node + " (route)");
  add("overlay", t.overlay.empty() ? "overlay" : t.overlay);
  add("underlay", join({t.underlay, remote_node_ip.empty() ? "" : "→ " + remote_node_ip}, " "));
  add("remote-node", remote_node.empty() ? "remote node" : remote_node);
  if (example) {
    add("destination", join({t.remote_pod, t.remote_ip}, " "));
  } else {
    add("destination", join({to.name, to.address}, " "));
  }
}

}  // namespace

std::vector<Hop> fault_path(const Report& report) {
  const Topology* t = topology_for(report);
  if (t == nullptr) return {};
  std::vector<Hop> hops;
  const Add add = [&](std::string name, std::string label) {
    hops.push_back({std::move(name), std::move(label), "", Hop::State::kOk});
  };
  add("pod", join({t->source, t->source_ip}, " "));
  add("veth", join({t->pod_iface, t->veth}, " / "));
  add("bridge", t->bridge.empty() ? "bridge" : t->bridge);
  const Target to = target_of(root_cause_check(report));
  const std::string named = id_target(report);
  const std::string node = join({t->node.empty() ? "node" : t->node, t->node_ip}, " ");
  switch (flow_for(report, *t)) {
    case Flow::kSameNode:
      same_node_hops(*t, to, node, add);
      break;
    case Flow::kCrossNode:
      cross_node_hops(*t, to, node, add);
      break;
    case Flow::kService: {
      const std::string service = named.empty() ? join({to.name, to.address}, " ") : named;
      add("node", node + " (kube-proxy DNAT)");
      add("destination", service.empty() ? "Service endpoint" : service);
      break;
    }
    case Flow::kDns:
      add("node", node + " (kube-proxy DNAT " +
                      (t->dns_service.empty() ? "kube-dns" : t->dns_service) + ")");
      add("destination", join({"DNS server", named.empty() ? t->dns_endpoint : named}, " "));
      add("upstream", "upstream DNS");
      break;
    case Flow::kApiserver:
      add("node", node + " (kube-proxy DNAT)");
      add("destination", join({"API server", named.empty() ? t->apiserver : named}, " "));
      break;
    case Flow::kEgress: {
      const std::string url = egress_url(report);
      add("node", node + " (masquerade)");
      add("underlay", t->underlay.empty() ? "uplink" : t->underlay);
      add("destination", !url.empty() ? url : t->outside.empty() ? "outside" : t->outside);
      break;
    }
  }
  mark_failing_hop(report, hops);
  return hops;
}

namespace {

// Labels carry names from outside (pods, Services, the egress URL): what a terminal acts on
// (`-o dot` is printed) becomes '?' first (core/text.h terminal_safe).
std::string dot_escape(const std::string& s) {
  std::string out;
  for (char c : terminal_safe(s, true)) {
    if (c == '\n') {
      out += "\\n";  // DOT's line break inside a label
      continue;
    }
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

// Mermaid labels live in ["..."]: quotes become #quot;, and brackets are harmless inside quotes.
std::string mermaid_escape(const std::string& s) {
  std::string out;
  for (char c : terminal_safe(s)) {
    if (c == '"') {
      out += "#quot;";
    } else {
      out += c;
    }
  }
  return out;
}

std::string hop_text(const Hop& h) {
  std::string text = h.name + ": " + h.label;
  if (h.state == Hop::State::kFailed) text += "\n✗ " + h.detail;
  return text;
}

}  // namespace

std::string path_dot(const std::vector<Hop>& hops) {
  std::string out =
      "digraph netdoctor_path {\n  rankdir=LR;\n  node [shape=box, style=\"rounded,filled\", "
      "fontname=\"sans-serif\"];\n";
  for (std::size_t i = 0; i < hops.size(); ++i) {
    const Hop& h = hops[i];
    const char* attrs =
        h.state == Hop::State::kFailed ? "fillcolor=\"#f8d0d0\", color=\"#c00000\", penwidth=2"
        : h.state == Hop::State::kNotReached ? "fillcolor=\"#eeeeee\", fontcolor=\"#888888\""
                                             : "fillcolor=\"#d8f0d8\"";
    out += "  h" + std::to_string(i) + " [label=\"" + dot_escape(hop_text(h)) + "\", " + attrs +
           "];\n";
  }
  for (std::size_t i = 0; i + 1 < hops.size(); ++i) {
    const bool cut = hops[i + 1].state == Hop::State::kNotReached;
    out += "  h" + std::to_string(i) + " -> h" + std::to_string(i + 1) +
           (cut ? " [style=dashed, color=\"#888888\"]" : "") + ";\n";
  }
  out += "}\n";
  return out;
}

std::string path_mermaid(const std::vector<Hop>& hops) {
  std::string out = "flowchart LR\n";
  for (std::size_t i = 0; i < hops.size(); ++i) {
    std::string text = hops[i].name + ": " + hops[i].label;
    if (hops[i].state == Hop::State::kFailed) text += "<br/>✗ " + hops[i].detail;
    out += "  h" + std::to_string(i) + "[\"" + mermaid_escape(text) + "\"]\n";
  }
  for (std::size_t i = 0; i + 1 < hops.size(); ++i) {
    const bool cut = hops[i + 1].state == Hop::State::kNotReached;
    out += "  h" + std::to_string(i) + (cut ? " -.-> h" : " --> h") + std::to_string(i + 1) + "\n";
  }
  for (std::size_t i = 0; i < hops.size(); ++i) {
    if (hops[i].state == Hop::State::kFailed) {
      out += "  style h" + std::to_string(i) + " fill:#f8d0d0,stroke:#c00000,stroke-width:2px\n";
    } else if (hops[i].state == Hop::State::kNotReached) {
      out += "  style h" + std::to_string(i) + " fill:#eeeeee,color:#888888\n";
    }
  }
  return out;
}

std::string path_line(const std::vector<Hop>& hops) {
  std::string out;
  for (std::size_t i = 0; i < hops.size(); ++i) {
    if (i > 0) out += " → ";
    out += hops[i].label;
    if (hops[i].state == Hop::State::kFailed) out += " ✗ (" + hops[i].detail + ")";
  }
  return out;
}

}  // namespace netdoctor::report
