// The report model: what every layer's checks produce and every writer prints.
// It mirrors the JSON schema netdoctor.report/v1 of the contract (docs in ../shared/design).
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "report/codes.h"

namespace netdoctor::report {

// Layers bottom up, in the contract's order; the JSON lists them in this order.
enum class Layer { kNode, kPod, kSameNode, kCrossNode, kService, kDns, kApiserver, kEgress };
inline constexpr std::array<Layer, 8> kAllLayers = {
    Layer::kNode,    Layer::kPod, Layer::kSameNode,  Layer::kCrossNode,
    Layer::kService, Layer::kDns, Layer::kApiserver, Layer::kEgress};

enum class Status { kPass, kWarn, kSkip, kFail };

[[nodiscard]] std::string_view to_string(Layer layer);
[[nodiscard]] std::string_view to_string(Status status);
[[nodiscard]] std::optional<Layer> layer_from_string(std::string_view name);

// A finding that explains a check: `code` names the catalogue's finding (required), `check`
// the id of the check of the same report that carries it, once known. A check states the causes
// it can tell from its own probes (an API server outside the pod network that the node does
// not masquerade to: egress-no-snat); root-cause selection fills `check` and adds the cause it
// infers (a lower layer's failure of the same source). Never parsed from text.
struct Cause {
  Code code;
  std::string check;  // empty: not (yet) linked to a check
  bool operator==(const Cause&) const = default;
};

struct Check {
  std::string id;      // "<layer>.<what>", e.g. "pod.link-up"
  std::string source;  // the source pod's display name ("default/client" or "ip:10.244.1.4")
  Status status = Status::kPass;
  Code code;  // finding code; required when status is kFail or kWarn
  std::string summary;
  std::vector<std::string> evidence;
  long long duration_ms = 0;
  std::string explained_by;   // id of the check that explains this one, when any
  std::vector<Cause> causes;  // findings that may explain it (see Cause)
  // What the check concerns, for telling which failures a path finding explains: addresses
  // ("10.244.2.3", "fd00::5"), networks ("10.244.2.0/24"), pods ("default/web-1") and nodes
  // ("node:node2"). Empty: the check concerns its source as a whole.
  std::vector<std::string> subjects;
};

// Marks `check` as explained by the check `by` of the same report, which carries finding
// `code`: sets explained_by and records the cause. For a layer that knows, from its own probes,
// which of its checks explains another.
void explain(Check& check, Code code, std::string by);

struct LayerResult {
  Layer layer = Layer::kNode;
  std::vector<Check> checks;
  // The worst status of its checks; a layer without checks is kSkip.
  [[nodiscard]] Status status() const;
};

struct Source {
  std::string pod;    // "ns/name" when known, else empty
  std::string ip;     // the pod's IPv4 address
  std::string netns;  // "/proc/PID/ns/net" or a netns path
};

struct RootCause {
  Layer layer = Layer::kNode;
  Code code;
  std::string summary;
  std::vector<std::string> evidence;
  std::string remedy;
  std::string check_id;  // the check the root cause comes from
  // That check's source (empty for a node-wide check). Check ids repeat across sources
  // ("pod.link-up" of every pod), so the id alone does not tell which pod's check it is. Not
  // part of the JSON root_cause (the check with that id, source and code is in its layer).
  std::string source;
};

// The network a source pod's packets cross, as diagnose found it: what the path picture
// (report/path.h) draws. Empty strings are parts that were not seen (pod mode, no inventory).
struct Topology {
  std::string source;  // the source's display name
  std::string source_ip;
  std::string pod_iface;    // "eth0"
  std::string veth;         // the veth peer on the node
  std::string bridge;       // "cni0"
  std::string node;         // this node's name
  std::string node_ip;      // its underlay address
  std::string local_peer;   // another pod of this node ("default/web-1 10.244.1.4")
  std::string overlay;      // the device toward other nodes' pods ("flannel.1")
  std::string underlay;     // the device toward other nodes ("eth0")
  std::string remote_node;  // another node and one of its pods
  std::string remote_node_ip;
  std::string remote_pod;
  std::string remote_ip;
  std::string dns_service;   // the cluster DNS ClusterIP
  std::string dns_endpoint;  // one of its endpoints
  std::string
      apiserver;        // the API server's ClusterIP and endpoint ("10.96.0.1 -> 172.30.0.2:6443")
  std::string outside;  // the first --egress target
};

struct Report {
  std::string mode = "node";  // "node" or "pod"
  std::string node;
  std::vector<Source> sources;
  std::vector<LayerResult> layers;  // always all of kAllLayers, in order
  std::optional<RootCause> root_cause;
  long long duration_ms = 0;
  std::vector<Topology> topology;  // one per source, when diagnose could see it

  [[nodiscard]] bool healthy() const;  // no check failed
};

// An empty report with every layer present and no checks.
[[nodiscard]] Report make_report();

// Adds a check to the report's layer of that name.
void add_check(Report& report, Layer layer, Check check);

// The check the root cause comes from: the failing check of its layer with its id, source and
// code. nullptr without a root cause or when the report has no such check.
[[nodiscard]] const Check* root_cause_check(const Report& report);

// Exit statuses of the contract.
inline constexpr int kExitHealthy = 0;
inline constexpr int kExitFaulty = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitPrivilege = 3;

// kExitHealthy when no check failed, else kExitFaulty (warnings and skips keep a run healthy).
[[nodiscard]] int exit_status(const Report& report);

}  // namespace netdoctor::report
