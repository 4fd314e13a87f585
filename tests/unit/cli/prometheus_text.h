// A strict reader of the Prometheus text exposition format 0.0.4, for tests: it parses what
// `netdoctor serve` writes back into samples and refuses anything a Prometheus server would
// refuse (bad names, bad escapes, a sample before its TYPE, a family split in two, a histogram
// whose buckets are not cumulative or whose +Inf bucket differs from _count). Header-only so
// that the unit tests and the lab test share it.
#pragma once

#include <cmath>
#include <cstdlib>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace netdoctor::testing {

struct PromSample {
  std::string name;
  std::map<std::string, std::string> labels;
  double value = 0;
};

struct PromText {
  std::vector<PromSample> samples;
  std::map<std::string, std::string> types;  // family → counter, gauge, histogram, ...
  std::map<std::string, std::string> help;
  std::string error;  // the first problem, with its line number; empty when valid

  // Samples named `name` whose labels include every pair of `labels`.
  [[nodiscard]] std::vector<const PromSample*> find(
      const std::string& name, const std::map<std::string, std::string>& labels = {}) const {
    std::vector<const PromSample*> out;
    for (const auto& s : samples) {
      if (s.name != name) continue;
      bool match = true;
      for (const auto& [k, v] : labels) {
        auto it = s.labels.find(k);
        if (it == s.labels.end() || it->second != v) match = false;
      }
      if (match) out.push_back(&s);
    }
    return out;
  }
  // The value of the only sample that matches; nullopt when none or several match.
  [[nodiscard]] std::optional<double> value(
      const std::string& name, const std::map<std::string, std::string>& labels = {}) const {
    auto found = find(name, labels);
    if (found.size() != 1) return std::nullopt;
    return found[0]->value;
  }
};

namespace prom_detail {

inline bool name_char(char c, bool first, bool colon) {
  const bool alpha =
      (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (colon && c == ':');
  return alpha || (!first && c >= '0' && c <= '9');
}

inline bool valid_name(const std::string& s, bool colon) {
  if (s.empty()) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    if (!name_char(s[i], i == 0, colon)) return false;
  }
  return true;
}

// The family a sample belongs to: histogram samples carry a suffix.
inline std::string family_of(const std::string& name, const std::map<std::string, std::string>& t) {
  for (const char* suffix : {"_bucket", "_sum", "_count"}) {
    const std::string sfx = suffix;
    if (name.size() > sfx.size() && name.ends_with(sfx)) {
      const std::string base = name.substr(0, name.size() - sfx.size());
      auto it = t.find(base);
      if (it != t.end() && (it->second == "histogram" || it->second == "summary")) return base;
    }
  }
  return name;
}

inline bool parse_value(const std::string& s, double& v) {
  if (s == "+Inf")
    v = HUGE_VAL;
  else if (s == "-Inf")
    v = -HUGE_VAL;
  else if (s == "NaN")
    v = NAN;
  else {
    char* end = nullptr;
    v = std::strtod(s.c_str(), &end);
    return !s.empty() && end == s.c_str() + s.size();
  }
  return true;
}

// Parses `{a="x",b="y"}` starting at text[i] == '{'; leaves i after '}'.
inline std::string parse_labels(const std::string& text, size_t& i,
                                std::map<std::string, std::string>& labels) {
  ++i;
  while (i < text.size() && text[i] != '}') {
    size_t eq = text.find('=', i);
    if (eq == std::string::npos) return "label without '='";
    std::string key = text.substr(i, eq - i);
    if (!valid_name(key, false)) return "bad label name \"" + key + "\"";
    if (eq + 1 >= text.size() || text[eq + 1] != '"') return "label value not quoted";
    std::string value;
    size_t j = eq + 2;
    for (; j < text.size() && text[j] != '"'; ++j) {
      if (text[j] == '\\') {
        if (++j >= text.size()) return "dangling backslash";
        if (text[j] == 'n')
          value += '\n';
        else if (text[j] == '\\' || text[j] == '"')
          value += text[j];
        else
          return std::string("bad escape \\") + text[j];
      } else {
        value += text[j];
      }
    }
    if (j >= text.size()) return "unterminated label value";
    if (!labels.emplace(key, value).second) return "label \"" + key + "\" twice";
    i = j + 1;
    if (i < text.size() && text[i] == ',') ++i;
  }
  if (i >= text.size()) return "unterminated label set";
  ++i;
  return {};
}

inline std::string check_histograms(const PromText& p) {
  for (const auto& [family, type] : p.types) {
    if (type != "histogram") continue;
    // Group the buckets by their labels other than le.
    std::map<std::map<std::string, std::string>, std::vector<std::pair<double, double>>> series;
    for (const auto& s : p.samples) {
      if (s.name != family + "_bucket") continue;
      auto labels = s.labels;
      auto le = labels.find("le");
      if (le == labels.end()) return family + "_bucket without le";
      double bound = 0;
      if (!parse_value(le->second, bound)) return family + ": bad le \"" + le->second + "\"";
      labels.erase(le);
      series[labels].emplace_back(bound, s.value);
    }
    for (const auto& [labels, buckets] : series) {
      for (size_t i = 1; i < buckets.size(); ++i) {
        if (buckets[i].first <= buckets[i - 1].first) return family + ": le not increasing";
        if (buckets[i].second < buckets[i - 1].second) return family + ": buckets not cumulative";
      }
      if (buckets.empty() || !std::isinf(buckets.back().first)) return family + ": no +Inf bucket";
      const PromSample* count = nullptr;
      for (const auto& s : p.samples) {
        if (s.name == family + "_count" && s.labels == labels) count = &s;
      }
      if (count == nullptr) return family + ": no _count";
      if (count->value != buckets.back().second) return family + ": +Inf bucket != _count";
    }
  }
  return {};
}

}  // namespace prom_detail

inline PromText parse_prometheus(const std::string& text) {
  using namespace prom_detail;
  PromText p;
  std::set<std::string> closed;  // families whose samples ended
  std::string current;
  std::istringstream in(text);
  std::string line;
  int n = 0;
  const auto fail = [&](const std::string& why) {
    if (p.error.empty()) p.error = "line " + std::to_string(n) + ": " + why + ": " + line;
  };
  if (!text.empty() && text.back() != '\n') p.error = "no newline at the end";
  while (std::getline(in, line) && p.error.empty()) {
    ++n;
    if (line.empty()) continue;
    if (line.starts_with("# HELP ") || line.starts_with("# TYPE ")) {
      std::istringstream ls(line.substr(7));
      std::string name, rest;
      ls >> name;
      std::getline(ls, rest);
      if (!rest.empty() && rest[0] == ' ') rest.erase(0, 1);
      if (!valid_name(name, true)) fail("bad metric name");
      if (line[2] == 'T') {
        static const std::set<std::string> kTypes = {"counter", "gauge", "histogram", "summary",
                                                     "untyped"};
        if (!kTypes.count(rest)) fail("bad type");
        if (p.types.count(name)) fail("TYPE twice");
        for (const auto& s : p.samples) {
          if (family_of(s.name, p.types) == name || s.name == name) fail("TYPE after samples");
        }
        p.types[name] = rest;
      } else {
        if (p.help.count(name)) fail("HELP twice");
        p.help[name] = rest;
      }
      continue;
    }
    if (line[0] == '#') continue;
    PromSample s;
    size_t i = 0;
    while (i < line.size() && line[i] != '{' && line[i] != ' ') ++i;
    s.name = line.substr(0, i);
    if (!valid_name(s.name, true)) fail("bad metric name");
    if (i < line.size() && line[i] == '{') {
      std::string why = parse_labels(line, i, s.labels);
      if (!why.empty()) fail(why);
    }
    if (i >= line.size() || line[i] != ' ') fail("no value");
    std::string value = i < line.size() ? line.substr(i + 1) : "";
    if (auto sp = value.find(' '); sp != std::string::npos) value.resize(sp);  // timestamp
    if (!parse_value(value, s.value)) fail("bad value \"" + value + "\"");
    const std::string family = family_of(s.name, p.types);
    if (!p.types.count(family)) fail("sample without TYPE");
    if (family != current) {
      if (closed.count(family)) fail("family split in two");
      if (!current.empty()) closed.insert(current);
      current = family;
    }
    p.samples.push_back(std::move(s));
  }
  if (p.error.empty()) p.error = check_histograms(p);
  return p;
}

}  // namespace netdoctor::testing
