#include "report/markdown_writer.h"

#include "core/text.h"
#include "report/group.h"
#include "report/path.h"

#include <algorithm>
#include <sstream>
#include <string>
#include <vector>

namespace netdoctor::report {

namespace {

// A code span that survives backticks in the text: the fence is one backtick longer than the
// longest run inside, padded with spaces when the text starts or ends with a backtick.
std::string code(std::string_view text) {
  if (text.empty()) return {};
  size_t longest = 0, run = 0;
  for (char c : text) {
    run = c == '`' ? run + 1 : 0;
    longest = std::max(longest, run);
  }
  std::string fence(longest + 1, '`');
  bool pad = !text.empty() && (text.front() == '`' || text.back() == '`');
  std::string inner = pad ? " " + std::string(text) + " " : std::string(text);
  return fence + inner + fence;
}

// A table cell: one line, and '|' escaped (GFM splits cells on it even inside code spans).
std::string cell(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '|') {
      out += "\\|";
    } else if (c == '\n' || c == '\r') {
      out += ' ';
    } else {
      out += c;
    }
  }
  return out;
}

// Prose that Markdown must not take for HTML: "<none>" or "<pod-pid>" would vanish.
std::string prose(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '<') out += '\\';
    out += c;
  }
  return out;
}

std::string status_cell(const Check& check) {
  std::string out(to_string(check.status));
  if (!check.explained_by.empty()) out += " (explained by " + code(check.explained_by) + ")";
  return out;
}

void write_summary(std::ostream& out, const Report& report) {
  std::string verdict = report.healthy() ? "healthy" : "faulty";
  out << "# netdoctor report: " << verdict << "\n\n";
  out << "| Field | Value |\n|---|---|\n";
  out << "| Verdict | **" << verdict << "** |\n";
  out << "| Mode | " << cell(prose(report.mode)) << " |\n";
  out << "| Node | " << cell(prose(report.node)) << " |\n";
  std::string sources;
  for (const Source& source : report.sources) {
    if (!sources.empty()) sources += "<br>";
    std::string line = source.pod.empty() ? "(unnamed pod)" : code(source.pod);
    if (!source.ip.empty()) line += " " + source.ip;
    if (!source.netns.empty()) line += " " + code(source.netns);
    sources += line;
  }
  out << "| Sources | " << cell(sources.empty() ? "none" : sources) << " |\n";
  out << "| Duration | " << report.duration_ms << " ms |\n";
}

void write_root_cause(std::ostream& out, const Report& report) {
  if (!report.root_cause) return;
  const RootCause& cause = *report.root_cause;
  out << "\n## Root cause: " << code(cause.code.name()) << " (" << to_string(cause.layer)
      << ")\n\n";
  out << prose(cause.summary) << "\n";
  if (!cause.check_id.empty()) out << "\nFound by check " << code(cause.check_id) << ".\n";
  // One root cause; on a node the same finding may come from many sources: say how many.
  if (const auto seen = root_cause_sources(report); seen.size() > 1) {
    std::vector<std::string> named;
    for (const std::string& source : seen) named.push_back(code(source));
    out << "\nSeen from " << seen.size() << " sources: " << source_list(named) << ".\n";
  }
  if (!cause.evidence.empty()) {
    out << "\nEvidence:\n\n";
    for (const std::string& line : cause.evidence) out << "- " << code(line) << "\n";
  }
  if (!cause.remedy.empty()) out << "\nFix:\n\n```sh\n" << cause.remedy << "\n```\n";
}

// The path the packets take, the failing hop marked (Mermaid: GitHub and GitLab draw it).
void write_path(std::ostream& out, const Report& report) {
  const auto hops = fault_path(report);
  if (hops.empty()) return;
  out << "\n## Path\n\n```mermaid\n" << path_mermaid(hops) << "```\n";
}

// Who saw a finding: its one source, or "3 sources: `a`, `b`, `c`" (at most eight named).
std::string sources_cell(const Finding& finding) {
  if (finding.sources.size() <= 1) return prose(finding.first().source);
  std::vector<std::string> named;
  for (const std::string& source : finding.sources) named.push_back(code(source));
  std::string out = std::to_string(finding.sources.size()) + " sources: " + source_list(named);
  if (finding.details_differ) out += " (details as seen from " + code(finding.first().source) + ")";
  return out;
}

void write_layer(std::ostream& out, const Report& report, const LayerResult& layer) {
  out << "\n### " << to_string(layer.layer) << ": " << to_string(layer.status()) << "\n\n";
  if (layer.checks.empty()) {
    out << "No checks ran.\n";
    return;
  }
  // One row per finding: the same finding seen from several sources is one row listing them.
  const std::vector<Finding> findings = group_checks(report, layer);
  out << "| Check | Source | Status | Code | Summary |\n|---|---|---|---|---|\n";
  for (const Finding& finding : findings) {
    const Check& check = finding.first();
    out << "| " << cell(code(check.id)) << " | " << cell(sources_cell(finding)) << " | "
        << cell(status_cell(check)) << " | "
        << cell(check.code.empty() ? "" : code(check.code.name())) << " | "
        << cell(prose(check.summary)) << " |\n";
  }
  bool any_evidence = std::any_of(findings.begin(), findings.end(), [](const Finding& finding) {
    return !finding.first().evidence.empty();
  });
  if (!any_evidence) return;
  out << "\nEvidence:\n\n";
  for (const Finding& finding : findings) {
    const Check& check = finding.first();
    if (check.evidence.empty()) continue;
    out << "- " << code(check.id);
    if (finding.sources.size() > 1) {
      out << " (" << prose(check.source) << "; seen from " << finding.sources.size() << " sources)";
    } else if (!check.source.empty()) {
      out << " (" << prose(check.source) << ")";
    }
    out << ":\n";
    for (const std::string& line : check.evidence) out << "  - " << code(line) << "\n";
  }
}

}  // namespace

// The whole document is made safe at once (core/text.h terminal_safe): it is read in a terminal
// as often as rendered, and every field from outside (pod names, resolv.conf lines, proxy
// settings, rule comments) must neither drive the terminal nor reorder what is shown, in the text
// or inside a code span. Nothing the writer itself adds is a control character.
void write_markdown(std::ostream& out, const Report& report) {
  std::ostringstream doc;
  write_summary(doc, report);
  write_root_cause(doc, report);
  write_path(doc, report);
  doc << "\n## Layers\n";
  for (const LayerResult& layer : report.layers) write_layer(doc, report, layer);
  out << terminal_safe(doc.str(), true);
}

}  // namespace netdoctor::report
