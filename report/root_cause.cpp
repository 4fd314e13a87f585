#include "report/root_cause.h"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "report/catalogue.h"
#include "report/explains.h"

namespace netdoctor::report {

namespace {

// The failing check, not already explained, that carries finding `code`, preferring one of the
// same source as `check`; nullptr when there is none.
Check* carrier(Report& report, const Check& check, Code code) {
  Check* any = nullptr;
  for (LayerResult& result : report.layers) {
    for (Check& other : result.checks) {
      if (other.status != Status::kFail || &other == &check || !other.explained_by.empty() ||
          other.code != code) {
        continue;
      }
      if (other.source.empty() || other.source == check.source) return &other;
      if (any == nullptr) any = &other;
    }
  }
  return any;
}

bool shares_subject(const Check& a, const Check& b) {
  return std::any_of(a.subjects.begin(), a.subjects.end(), [&](const std::string& s) {
    return std::find(b.subjects.begin(), b.subjects.end(), s) != b.subjects.end();
  });
}

// Whether failing check `effect` confirms the warning `warn`: it reports the same finding, or a
// finding the warning's code explains (always, or as the effect's own probes saw: it states the
// cause), and the two concern a common subject.
bool confirms(const Check& effect, const Check& warn) {
  if (effect.status != Status::kFail || !shares_subject(effect, warn)) return false;
  if (effect.code == warn.code) return true;
  if (may_explain(warn.code, effect.code, When::kAlways)) return true;
  return std::any_of(effect.causes.begin(), effect.causes.end(),
                     [&](const Cause& c) { return c.code == warn.code; });
}

// A warning whose finding is a cause in the explanations table (a node fact that is harmless on
// some networks: pod traffic not masqueraded where the outside routes the pod network) becomes a
// failure when a failure it explains confirms it. The confirming failure of the same code (the
// egress layer's own egress-no-snat) is then explained by it.
void confirm_warnings(Report& report) {
  const auto& rows = explanations();
  for (LayerResult& wl : report.layers) {
    for (Check& warn : wl.checks) {
      if (warn.status != Status::kWarn || warn.code.empty() || warn.subjects.empty()) continue;
      const bool is_cause = std::any_of(rows.begin(), rows.end(),
                                        [&](const Explanation& e) { return e.cause == warn.code; });
      if (!is_cause) continue;
      std::vector<Check*> by;
      for (LayerResult& el : report.layers) {
        for (Check& effect : el.checks) {
          if (&effect != &warn && confirms(effect, warn)) by.push_back(&effect);
        }
      }
      if (by.empty()) continue;
      warn.status = Status::kFail;
      warn.evidence.push_back("confirmed by " + by.front()->id +
                              (by.front()->source.empty() ? "" : " from " + by.front()->source) +
                              ": " + std::string(by.front()->code.name()) + " (" +
                              std::to_string(by.size()) + " failing check" +
                              (by.size() == 1 ? "" : "s") + " it explains)");
      for (Check* effect : by) {
        if (effect->code == warn.code && effect->explained_by.empty()) {
          effect->explained_by = warn.id;
          effect->causes.push_back({warn.code, warn.id});
        }
      }
    }
  }
}

// Links each failing check to the first of its causes that a failing check of the report
// carries: the causes it states, then those the explanations table implies for its code.
void link_causes(Report& report) {
  for (LayerResult& result : report.layers) {
    for (Check& check : result.checks) {
      if (check.status != Status::kFail || !check.explained_by.empty()) continue;
      for (Cause& cause : check.causes) {
        if (Check* by = carrier(report, check, cause.code); by != nullptr) {
          cause.check = by->id;
          check.explained_by = by->id;
          break;
        }
      }
      if (!check.explained_by.empty()) continue;
      for (Cause& cause : causes_for(check.code, When::kAlways)) {
        if (Check* by = carrier(report, check, cause.code); by != nullptr) {
          cause.check = by->id;
          check.explained_by = by->id;
          check.causes.push_back(std::move(cause));
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

// An address or network among a check's subjects ("10.244.2.3", "10.244.2.0/24", "fd00::/64").
struct Net {
  int family = AF_INET;
  std::array<std::uint8_t, 16> bytes{};
  int prefix = 32;
};

std::optional<Net> parse_net(const std::string& subject) {
  const auto slash = subject.find('/');
  const std::string addr = subject.substr(0, slash);
  Net n;
  if (inet_pton(AF_INET, addr.c_str(), n.bytes.data()) == 1) {
    n.family = AF_INET;
    n.prefix = 32;
  } else if (inet_pton(AF_INET6, addr.c_str(), n.bytes.data()) == 1) {
    n.family = AF_INET6;
    n.prefix = 128;
  } else {
    return std::nullopt;
  }
  if (slash != std::string::npos) {
    const std::string bits = subject.substr(slash + 1);
    int prefix = -1;
    const auto [end, ec] = std::from_chars(bits.data(), bits.data() + bits.size(), prefix);
    if (ec != std::errc() || end != bits.data() + bits.size() || prefix < 0 || prefix > n.prefix) {
      return std::nullopt;
    }
    n.prefix = prefix;
  }
  return n;
}

bool contains(const Net& net, const Net& addr) {
  if (net.family != addr.family) return false;
  for (int bit = 0; bit < net.prefix; ++bit) {
    const auto mask = static_cast<std::uint8_t>(0x80u >> (bit % 8));
    if ((net.bytes[bit / 8] & mask) != (addr.bytes[bit / 8] & mask)) return false;
  }
  return true;
}

std::vector<Net> nets_of(const Check& check) {
  std::vector<Net> out;
  for (const std::string& s : check.subjects) {
    if (auto n = parse_net(s)) out.push_back(*n);
  }
  return out;
}

// Whether a failure of a higher layer depends on what the root cause breaks. A node or pod
// finding breaks everything of its source. A path finding (same-node, cross-node, service)
// breaks the destinations among its subjects (a network: every address in it): a check whose
// subjects name addresses depends on it only through one of them, or through a pod or node
// both name. A check that names no address, or a root that names none, is taken as dependent.
bool depends_on(const Check& root, Layer root_layer, const Check& check) {
  if (root_layer == Layer::kNode || root_layer == Layer::kPod) return true;
  for (const std::string& s : check.subjects) {
    if (!parse_net(s) &&
        std::find(root.subjects.begin(), root.subjects.end(), s) != root.subjects.end()) {
      return true;
    }
  }
  const std::vector<Net> cut = nets_of(root);
  const std::vector<Net> named = nets_of(check);
  if (cut.empty() || named.empty()) return true;
  return std::any_of(named.begin(), named.end(), [&](const Net& n) {
    return std::any_of(cut.begin(), cut.end(), [&](const Net& c) { return contains(c, n); });
  });
}

RootCause make_root_cause(Layer layer, const Check& check) {
  RootCause cause;
  cause.layer = layer;
  cause.code = check.code;
  cause.summary = check.summary;
  cause.evidence = check.evidence;
  if (const CodeInfo* info = find_code(check.code)) cause.remedy = info->remedy;
  cause.check_id = check.id;
  cause.source = check.source;
  return cause;
}

}  // namespace

void assign_root_cause(Report& report) {
  report.root_cause.reset();
  confirm_warnings(report);
  link_causes(report);
  Layer root_layer = Layer::kNode;
  const Check* root = lowest_failure(report, root_layer);
  if (root == nullptr) {
    // Every failure names another as its cause (a cycle): fall back to the lowest failure.
    for (LayerResult& result : report.layers) {
      for (Check& check : result.checks) {
        check.explained_by.clear();
        for (Cause& cause : check.causes) cause.check.clear();
      }
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
      const bool same_source = source.empty() || check.source == source;
      if (check.status == Status::kFail && same_source && check.explained_by.empty() &&
          depends_on(*root, root_layer, check)) {
        check.explained_by = report.root_cause->check_id;
        check.causes.push_back({report.root_cause->code, report.root_cause->check_id});
      }
    }
  }
}

}  // namespace netdoctor::report
