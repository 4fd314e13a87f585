#include "report/group.h"

#include <algorithm>
#include <cctype>
#include <string_view>
#include <unordered_map>

namespace netdoctor::report {

namespace {

// The address of a source, by its display name: "default/client" is the pod of that name among
// the report's sources (or topology), "ip:10.244.1.7" is its own address.
std::string address_of(const Report& report, const std::string& source) {
  if (source.starts_with("ip:")) return source.substr(3);
  for (const Source& s : report.sources) {
    if (!s.pod.empty() && s.pod == source) return s.ip;
  }
  for (const Topology& t : report.topology) {
    if (t.source == source) return t.source_ip;
  }
  return {};
}

// Characters that continue a name or an address: "default/pod-1" is not a word of
// "default/pod-10", nor "10.244.1.5" of "10.244.1.50" or of "110.244.1.5".
bool word_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '_';
}

bool starts_word(std::string_view text, std::size_t at) {
  if (at == 0) return true;
  const char before = text[at - 1];
  return !word_char(before) && before != '.' && before != '/';
}

bool ends_word(std::string_view text, std::size_t end) {
  if (end >= text.size()) return true;
  const char after = text[end];
  if (word_char(after)) return false;
  // "10.244.1.5." ends a sentence; "10.244.1.5.3" or "pod-1.default" go on.
  return !(after == '.' && end + 1 < text.size() && word_char(text[end + 1]));
}

void replace_words(std::string& text, const std::string& word, std::string_view with) {
  if (word.empty()) return;
  std::size_t at = 0;
  while ((at = text.find(word, at)) != std::string::npos) {
    if (starts_word(text, at) && ends_word(text, at + word.size())) {
      text.replace(at, word.size(), with);
      at += with.size();
    } else {
      at += 1;
    }
  }
}

std::vector<std::string> sorted(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
  return v;
}

}  // namespace

std::string without_source(const Report& report, const std::string& summary,
                           const std::string& source) {
  std::string out = summary;
  if (source.empty()) return out;
  replace_words(out, source, "<source>");
  replace_words(out, address_of(report, source), "<source>");
  return out;
}

namespace {

// What makes two checks of one layer the same finding (see group.h), as one string: the parts
// joined by a byte that none of them holds.
std::string finding_key(const Report& report, const Check& check) {
  constexpr char kSep = '\x1f';
  std::string key = check.id;
  key += kSep;
  key += to_string(check.status);
  key += kSep + check.code.str() + kSep + check.explained_by + kSep;
  key += check.source.empty() ? "node-wide" : "per-source";
  for (const std::string& subject : sorted(check.subjects)) key += kSep + subject;
  key += kSep;
  if (check.status != Status::kPass) key += without_source(report, check.summary, check.source);
  return key;
}

}  // namespace

bool same_finding(const Report& report, const Check& a, const Check& b) {
  return finding_key(report, a) == finding_key(report, b);
}

std::vector<Finding> group_checks(const Report& report, const LayerResult& layer) {
  std::vector<Finding> out;
  std::unordered_map<std::string, std::size_t> index;  // finding_key → its place in out
  for (const Check& check : layer.checks) {
    const auto [it, added] = index.try_emplace(finding_key(report, check), out.size());
    if (added) {
      out.push_back(Finding{{&check}, {}, false});
    } else {
      Finding& finding = out[it->second];
      const Check& first = finding.first();
      finding.details_differ = finding.details_differ || check.summary != first.summary ||
                               check.evidence != first.evidence;
      finding.checks.push_back(&check);
    }
    auto& sources = out[it->second].sources;
    if (!check.source.empty() &&
        std::find(sources.begin(), sources.end(), check.source) == sources.end()) {
      sources.push_back(check.source);
    }
  }
  return out;
}

std::string source_list(const std::vector<std::string>& sources, std::size_t shown) {
  std::string out;
  const std::size_t named = std::min(sources.size(), std::max<std::size_t>(shown, 1));
  for (std::size_t i = 0; i < named; ++i) out += (i == 0 ? "" : ", ") + sources[i];
  if (sources.size() > named) out += " and " + std::to_string(sources.size() - named) + " more";
  return out;
}

std::vector<std::string> root_cause_sources(const Report& report) {
  const Check* root = root_cause_check(report);
  if (root == nullptr || root->source.empty()) return {};
  for (const LayerResult& layer : report.layers) {
    if (layer.layer != report.root_cause->layer) continue;
    for (const Finding& finding : group_checks(report, layer)) {
      if (std::find(finding.checks.begin(), finding.checks.end(), root) != finding.checks.end()) {
        return finding.sources;
      }
    }
  }
  return {root->source};
}

}  // namespace netdoctor::report
