#include "report/root_cause.h"

#include "report/catalogue.h"

#include <algorithm>
#include <cstdint>
#include <map>
#include <regex>
#include <string>
#include <vector>

namespace netdoctor::report {

namespace {

// A failing check may say which finding explains it, with an evidence line "cause: CODE" (a
// finding code, e.g. an API server outside the pod network that fails because the node does
// not masquerade: "cause: egress-no-snat"), or "cause: service" (the ClusterIP fails while the
// endpoints answer: a node or service finding explains it). Links each such check to the
// failing check that carries that finding, preferring one of the same source.
const Check* explaining_check(const Report& report, const Check& check, const std::string& cause) {
  const Check* any = nullptr;
  for (const LayerResult& result : report.layers) {
    const bool service_path = result.layer == Layer::kNode || result.layer == Layer::kService;
    for (const Check& other : result.checks) {
      if (other.status != Status::kFail || other.id == check.id || !other.explained_by.empty()) {
        continue;
      }
      const bool matches = cause == "service" ? service_path : other.code == cause;
      if (!matches) continue;
      if (other.source.empty() || other.source == check.source) return &other;
      if (any == nullptr) any = &other;
    }
  }
  return any;
}

// Causes no check states but the network implies: the cluster DNS forwards outside names from
// a pod, so its upstream traffic needs the same masquerade as any pod's egress.
const std::map<Code, std::vector<Code>>& implied_causes() {
  static const std::map<Code, std::vector<Code>> causes = {
      {"dns-upstream-failure", {"egress-no-snat"}},
      {"egress-dns-failure", {"dns-upstream-failure", "egress-no-snat"}},
  };
  return causes;
}

std::vector<std::string> causes_of(const Check& check) {
  std::vector<std::string> causes;
  for (const std::string& line : check.evidence) {
    if (line.rfind("cause: ", 0) == 0) causes.push_back(line.substr(7));
  }
  if (auto it = implied_causes().find(check.code); it != implied_causes().end()) {
    for (Code cause : it->second) causes.push_back(cause.str());
  }
  return causes;
}

void link_stated_causes(Report& report) {
  for (LayerResult& result : report.layers) {
    for (Check& check : result.checks) {
      if (check.status != Status::kFail || !check.explained_by.empty()) continue;
      for (const std::string& cause : causes_of(check)) {
        if (const Check* by = explaining_check(report, check, cause)) {
          check.explained_by = by->id;
          break;
        }
      }
    }
  }
}

// The first failing check of the lowest layer that has one. Layers are compared by their place
// in the contract's order, not by their position in the vector, which callers may not keep.
const Check* lowest_failure(const Report& report, Layer& layer) {
  const Check* found = nullptr;
  for (const LayerResult& result : report.layers) {
    if (found != nullptr && result.layer >= layer) continue;
    for (const Check& check : result.checks) {
      if (check.status == Status::kFail && check.explained_by.empty()) {
        layer = result.layer;
        found = &check;
        break;
      }
    }
  }
  return found;
}

// IPv4 literals in a text, each with its prefix when written as a CIDR ("10.244.2.0/24").
struct Net {
  std::uint32_t addr = 0;
  int prefix = 32;
};

std::vector<Net> nets_in(const std::string& text) {
  std::vector<Net> out;
  static const std::regex re(R"((\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})(?:/(\d{1,2}))?)");
  for (auto it = std::sregex_iterator(text.begin(), text.end(), re); it != std::sregex_iterator();
       ++it) {
    const std::smatch& m = *it;
    Net n;
    bool ok = true;
    for (int i = 1; i <= 4; ++i) {
      const int octet = std::stoi(m[i].str());
      ok = ok && octet <= 255;
      n.addr = (n.addr << 8) | static_cast<std::uint32_t>(octet & 0xff);
    }
    if (m[5].matched) n.prefix = std::min(32, std::stoi(m[5].str()));
    if (ok) out.push_back(n);
  }
  return out;
}

bool contains(const Net& net, std::uint32_t addr) {
  const std::uint32_t mask = net.prefix == 0 ? 0 : ~std::uint32_t{0} << (32 - net.prefix);
  return (net.addr & mask) == (addr & mask);
}

// Whether a failure of a higher layer depends on what the root cause breaks. A node or pod
// finding breaks everything of its source. A path finding (same-node, cross-node, service)
// breaks the destinations its id and summary name ("no route to 10.244.2.0/24": every address
// in it): a check that names addresses explains only through one of them. A check that names
// none, or a root that names none, is taken as dependent.
bool depends_on(const Check& root, Layer root_layer, const Check& check) {
  if (root_layer == Layer::kNode || root_layer == Layer::kPod) return true;
  const std::vector<Net> cut = nets_in(root.id + " " + root.summary);
  if (cut.empty()) return true;
  std::string text = check.id + " " + check.summary;
  for (const std::string& line : check.evidence) text += " " + line;
  const std::vector<Net> named = nets_in(text);
  if (named.empty()) return true;
  for (const Net& n : named) {
    for (const Net& c : cut) {
      if (contains(c, n.addr)) return true;
    }
  }
  return false;
}

RootCause make_root_cause(Layer layer, const Check& check) {
  RootCause cause;
  cause.layer = layer;
  cause.code = check.code;
  cause.summary = check.summary;
  cause.evidence = check.evidence;
  if (const CodeInfo* info = find_code(check.code)) cause.remedy = info->remedy;
  cause.check_id = check.id;
  return cause;
}

}  // namespace

void assign_root_cause(Report& report) {
  report.root_cause.reset();
  link_stated_causes(report);
  Layer root_layer = Layer::kNode;
  const Check* root = lowest_failure(report, root_layer);
  if (root == nullptr) {
    // Every failure names another as its cause (a cycle): fall back to the lowest failure.
    for (LayerResult& result : report.layers) {
      for (Check& check : result.checks) check.explained_by.clear();
    }
    root = lowest_failure(report, root_layer);
  }
  if (root == nullptr) return;
  report.root_cause = make_root_cause(root_layer, *root);
  const std::string source = root->source;
  for (LayerResult& result : report.layers) {
    // Same-layer failures are findings of their own; only a lower layer explains a higher one.
    if (result.layer <= root_layer) continue;
    for (Check& check : result.checks) {
      bool same_source = source.empty() || check.source == source;
      if (check.status == Status::kFail && same_source && check.explained_by.empty() &&
          depends_on(*root, root_layer, check)) {
        check.explained_by = report.root_cause->check_id;
      }
    }
  }
}

}  // namespace netdoctor::report
