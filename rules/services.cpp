#include "rules/services.h"

#include <algorithm>
#include <set>
#include <string_view>

namespace netdoctor::rules {

namespace {

// "ns/svc:p80 cluster IP" → {"ns/svc:p80", "cluster IP"}. kube-proxy's comments always start
// with the service port name; anything without a '/' in its first word is no name.
std::pair<std::string, std::string> split_comment(const std::string& comment) {
  auto space = comment.find(' ');
  std::string first = comment.substr(0, space);
  if (first.find('/') == std::string::npos) return {"", ""};
  return {first, space == std::string::npos ? "" : comment.substr(space + 1)};
}

std::string kind_of_chain(const std::string& chain) {
  if (chain.rfind("KUBE-EXT-", 0) == 0) return "external IP";
  if (chain.rfind("KUBE-FW-", 0) == 0) return "loadbalancer IP";
  return "cluster IP";
}

const Rule* dnat_rule(const Chain& chain) {
  for (const Rule& r : chain.rules) {
    if (r.target.kind == TargetKind::kDnat) return &r;
  }
  return nullptr;
}

bool has_hairpin_masq(const Chain& chain) {
  return std::any_of(chain.rules.begin(), chain.rules.end(), [](const Rule& r) {
    return r.target.name == "KUBE-MARK-MASQ" && r.src.present && !r.src.negated;
  });
}

// A rule that only some packets take for reasons other than chance (source range, address
// type): it does not use up the share of the rules after it.
bool conditional(const Rule& r) {
  return r.src.present || r.dst.present || r.find(MatchKind::kAddrtype) != nullptr;
}

void add_endpoint(ServiceRule& s, EndpointRule ep) {
  for (EndpointRule& e : s.endpoints) {
    if (e.chain == ep.chain) {
      e.probability = std::max(e.probability, ep.probability);
      return;
    }
  }
  s.endpoints.push_back(std::move(ep));
}

// The rules of a Service or endpoint chain that evaluation cannot decide (ServiceRule::uncertain).
void note_uncertain(const Chain& chain, ServiceRule& s) {
  for (const Rule& r : chain.rules) {
    if (!r.uncertain() || s.uncertain.size() >= ServiceRule::kMaxUncertain) continue;
    s.uncertain.push_back("nat " + chain.name + " #" + std::to_string(r.position) + ": " + r.text);
  }
}

// Walks a Service chain down to its endpoint chains, sharing out `share` of the connections
// the way the statistic rules do (each takes probability p of what the rules before it left).
// Chains are followed by the index the readers recorded (Table::target_chain): a node with
// 10,000 Services has 40,000 chains, and a search by name for each jump would dominate.
void collect(const Table& nat, const Chain* chain, double share, int depth, ServiceRule& s) {
  if (chain == nullptr || depth > 8) return;
  const std::string& name = chain->name;
  double remaining = share;
  note_uncertain(*chain, s);
  for (const Rule& r : chain->rules) {
    if (r.target.name == "KUBE-MARK-MASQ") {
      if (r.src.present && r.src.negated) {
        s.masquerade_off_cluster = true;
        s.cluster_cidr = r.src.cidr.to_string();
      }
      continue;
    }
    if (r.target.kind == TargetKind::kDnat) {  // endpoints written straight into the chain
      add_endpoint(s, EndpointRule{r.target.to, remaining, name, false});
      continue;
    }
    if (r.target.kind != TargetKind::kChain) continue;
    const Match* recent = r.find(MatchKind::kRecent);
    if (recent != nullptr && recent->extra().recent_command != "--set") continue;  // affinity
    const Match* stat = r.find(MatchKind::kStatistic);
    double p = stat ? (stat->stat_negated ? 1 - stat->probability : stat->probability) : 1.0;
    if (stat && stat->stat_mode == "nth") p = stat->every > 0 ? 1.0 / stat->every : 1.0;
    double taken = conditional(r) ? share : remaining * p;
    const Chain* child = nat.target_chain(r.target);
    if (child == nullptr) continue;
    if (const Rule* dnat = dnat_rule(*child)) {
      note_uncertain(*child, s);
      add_endpoint(s, EndpointRule{dnat->target.to, taken, child->name, has_hairpin_masq(*child)});
    } else {
      collect(nat, child, taken, depth + 1, s);
    }
    if (!conditional(r)) remaining -= taken;
  }
}

// The first --dport of a rule's port match.
int first_dport(const Rule& r) {
  for (const Match& m : r.matches) {
    if ((m.kind == MatchKind::kPorts || m.kind == MatchKind::kMultiport) && !m.dports.empty()) {
      return m.dports.front().low;
    }
  }
  return 0;
}

// The KUBE-SVC chain an external or node-port chain leads to (itself when it is one).
std::set<std::string> service_chains(const Table& nat, const Target& target) {
  std::set<std::string> out;
  const std::string& name = target.name;
  if (name.rfind("KUBE-SVC-", 0) == 0 || name.rfind("KUBE-SVL-", 0) == 0) return {name};
  if (const Chain* c = nat.target_chain(target)) {
    for (const Rule& r : c->rules) {
      if (r.target.kind != TargetKind::kChain || r.target.name == "KUBE-MARK-MASQ") continue;
      if (r.target.name.rfind("KUBE-SVC-", 0) == 0 || r.target.name.rfind("KUBE-SVL-", 0) == 0) {
        out.insert(r.target.name);
      }
    }
  }
  return out;
}

void add_rejects(const Ruleset& rules, Backend backend, std::vector<ServiceRule>& out) {
  const Chain* chain = rules.chain("filter", "KUBE-SERVICES");
  if (chain == nullptr) return;
  for (const Rule& r : chain->rules) {
    if (r.target.kind != TargetKind::kReject || !r.dst.present) continue;
    ServiceRule s;
    s.name = split_comment(r.comment()).first;
    s.ip = ipv4_to_string(r.dst.cidr.addr);
    s.port = first_dport(r);
    s.protocol = r.protocol;
    s.rejects = true;
    s.backend = backend;
    auto same = std::find_if(out.begin(), out.end(), [&](const ServiceRule& o) {
      return o.ip == s.ip && o.port == s.port && o.protocol == s.protocol;
    });
    if (same != out.end())
      same->rejects = true;
    else
      out.push_back(std::move(s));
  }
}

void add_node_ports(const Table& nat, std::vector<ServiceRule>& out) {
  const Chain* chain = nat.find("KUBE-NODEPORTS");
  if (chain == nullptr) return;
  for (const Rule& r : chain->rules) {
    if (r.target.kind != TargetKind::kChain || r.dst.present) continue;  // skip 127/8 copies
    int port = first_dport(r);
    std::set<std::string> targets = service_chains(nat, r.target);
    for (ServiceRule& s : out) {
      if (s.kind == "cluster IP" && targets.count(s.chain) && port != 0 &&
          std::find(s.node_ports.begin(), s.node_ports.end(), port) == s.node_ports.end()) {
        s.node_ports.push_back(port);
      }
    }
  }
}

}  // namespace

std::vector<ServiceRule> services_from_iptables(const Ruleset& rules, Backend backend) {
  std::vector<ServiceRule> out;
  const Table* nat = rules.find("nat");
  const Chain* entry = nat ? nat->find("KUBE-SERVICES") : nullptr;
  if (entry != nullptr) {
    for (const Rule& r : entry->rules) {
      if (r.target.kind != TargetKind::kChain || !r.dst.present || r.dst.negated) continue;
      ServiceRule s;
      auto [name, kind] = split_comment(r.comment());
      s.name = name;
      s.kind =
          kind.empty() || kind == "cluster IP" || kind == "external IP" || kind == "loadbalancer IP"
              ? (kind.empty() ? kind_of_chain(r.target.name) : kind)
              : kind_of_chain(r.target.name);
      s.ip = ipv4_to_string(r.dst.cidr.addr);
      s.port = first_dport(r);
      s.protocol = r.protocol;
      s.chain = r.target.name;
      s.backend = backend;
      collect(*nat, nat->target_chain(r.target), 1.0, 0, s);
      out.push_back(std::move(s));
    }
    add_node_ports(*nat, out);
  }
  add_rejects(rules, backend, out);
  return out;
}

std::string ServiceRule::ns() const {
  auto slash = name.find('/');
  return slash == std::string::npos ? "" : name.substr(0, slash);
}

std::string ServiceRule::service() const {
  auto slash = name.find('/');
  if (slash == std::string::npos) return "";
  return name.substr(slash + 1, name.find(':', slash) - slash - 1);
}

std::string ServiceRule::port_name() const {
  auto colon = name.find(':', name.find('/'));
  return colon == std::string::npos ? "" : name.substr(colon + 1);
}

std::string to_string(Backend b) {
  switch (b) {
    case Backend::kNone:
      return "none";
    case Backend::kIptablesLegacy:
      return "iptables-legacy";
    case Backend::kIptablesNft:
      return "iptables-nft";
    case Backend::kNftables:
      return "nftables";
    case Backend::kIpvs:
      return "ipvs";
  }
  return "?";
}

}  // namespace netdoctor::rules
