// The path picture: the hops a source pod's packets cross (pod → veth → bridge → node →
// overlay → remote node → destination, or → Service/DNS/API server/outside), with the hop the
// root cause sits on marked. Drawn as Graphviz DOT, Mermaid (for Markdown) and one text line.
#pragma once

#include <string>
#include <vector>

#include "report/model.h"

namespace netdoctor::report {

struct Hop {
  enum class State { kOk, kFailed, kNotReached };
  std::string name;    // "pod", "veth", "bridge", "node", "overlay", "underlay", ...
  std::string label;   // what it is here: "default/client-a 10.244.1.3", "cni0"
  std::string detail;  // the failing hop's finding code; empty otherwise
  State state = State::kOk;
};

// The hops of the flow the root cause concerns (healthy: toward a pod of another node, else of
// this node), from the topology of the root cause's own source (RootCause::source; a node-wide
// root cause, without a source, and a healthy report use the first topology). The destination is
// what the root cause's check concerns: its subjects (the peer pod, the remote pod and its node)
// or the target its id names (a Service, a DNS or API server endpoint, an egress URL); without
// one, the topology's example peer. Empty without topology, and when the root cause's source has
// none: never another pod's path.
[[nodiscard]] std::vector<Hop> fault_path(const Report& report);

// Where on the path a finding code sits ("node", "overlay", ...); empty when it has no hop.
[[nodiscard]] std::string hop_of_code(Code code);

[[nodiscard]] std::string path_dot(const std::vector<Hop>& hops);
[[nodiscard]] std::string path_mermaid(const std::vector<Hop>& hops);
// "client-a 10.244.1.3 → eth0/veth1 → cni0 → node1 ✗ → ..."
[[nodiscard]] std::string path_line(const std::vector<Hop>& hops);

}  // namespace netdoctor::report
