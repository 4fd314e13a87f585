#include "report/text_writer.h"

#include "report/path.h"

#include <algorithm>
#include <sstream>
#include <string>
#include <vector>

#include "core/text.h"
#include "report/group.h"
#include "report/wrap.h"

namespace netdoctor::report {

namespace {

constexpr size_t kWidth = 100;
constexpr std::string_view kCheckIndent = "    ";
constexpr std::string_view kSummaryIndent = "      ";
constexpr std::string_view kDetailIndent = "        ";

constexpr std::string_view kReset = "\033[0m";
constexpr std::string_view kBold = "\033[1m";
constexpr std::string_view kDim = "\033[2m";
constexpr std::string_view kRed = "\033[31m";
constexpr std::string_view kGreen = "\033[32m";
constexpr std::string_view kYellow = "\033[33m";

std::string_view symbol(Status status) {
  switch (status) {
    case Status::kPass:
      return "✔";
    case Status::kFail:
      return "✘";
    case Status::kWarn:
      return "!";
    case Status::kSkip:
      return "-";
  }
  return "?";
}

std::string_view colour_of(Status status) {
  switch (status) {
    case Status::kPass:
      return kGreen;
    case Status::kFail:
      return kRed;
    case Status::kWarn:
      return kYellow;
    case Status::kSkip:
      return kDim;
  }
  return {};
}

// Text from outside (an iptables comment, a process name, a pod's resolv.conf or environment)
// must not drive the terminal: control characters (escape sequences included), C1 controls,
// bidirectional overrides and bytes that are not UTF-8 become '?' (core/text.h terminal_safe).
// Newlines are the callers' to handle.
std::string clean(std::string_view text) {
  return terminal_safe(text, true);
}

// Each line of a possibly multi-line text, indented.
void write_block(std::ostream& out, std::string_view text, std::string_view indent) {
  std::istringstream lines{clean(text)};
  std::string line;
  while (std::getline(lines, line)) out << indent << line << '\n';
}

class Painter {
 public:
  explicit Painter(bool enabled) : enabled_(enabled) {}
  [[nodiscard]] std::string operator()(std::string_view colour, std::string_view text) const {
    if (!enabled_ || colour.empty() || text.empty()) return std::string(text);
    return std::string(colour) + std::string(text) + std::string(kReset);
  }

 private:
  bool enabled_;
};

void write_header(std::ostream& out, const Report& report, const Painter& paint) {
  bool healthy = report.healthy();
  out << "netdoctor: " << paint(healthy ? kGreen : kRed, healthy ? "HEALTHY" : "FAULTY");
  // A layer the deadline cut is a skip: say so next to a verdict it could have changed.
  std::string unfinished;
  for (const LayerResult& layer : report.layers) {
    for (const Check& check : layer.checks) {
      if (check.code != Code("deadline-exceeded")) continue;
      unfinished += (unfinished.empty() ? "" : ", ") + std::string(to_string(layer.layer));
      break;
    }
  }
  if (!unfinished.empty()) {
    out << paint(kYellow, " (unfinished within the deadline: " + unfinished + ")");
  }
  out << " · " << report.mode << " mode";
  if (!report.node.empty()) out << " on " << clean(report.node);
  size_t count = report.sources.size();
  out << " · " << count << (count == 1 ? " source" : " sources");
  out << " · " << report.duration_ms << " ms\n";
  for (const Source& source : report.sources) {
    std::string line = "  source";
    for (const std::string* field : {&source.pod, &source.ip, &source.netns}) {
      if (!field->empty()) line += " " + clean(*field);
    }
    out << line << '\n';
  }
}

void write_root_cause(std::ostream& out, const Report& report, const Painter& paint) {
  if (!report.root_cause) return;
  const RootCause& cause = *report.root_cause;
  out << '\n'
      << paint(kBold, "Root cause: " + cause.code.str()) << " in layer " << to_string(cause.layer);
  if (!cause.check_id.empty()) out << " (check " << clean(cause.check_id) << ")";
  out << '\n';
  write_block(out, cause.summary, "  ");
  // One root cause; on a node the same finding may come from many sources: say which.
  if (const auto seen = root_cause_sources(report); seen.size() > 1) {
    const std::string line =
        "seen from " + std::to_string(seen.size()) + " sources: " + clean(source_list(seen));
    for (const std::string& part : wrap(line, "  ", kWidth)) out << part << '\n';
  }
  for (const std::string& line : cause.evidence) write_block(out, line, "      ");
  if (const auto hops = fault_path(report); !hops.empty()) {
    out << "  Path:\n";
    write_block(out, path_line(hops), "    ");
  }
  if (!cause.remedy.empty()) {
    out << "  Fix:\n";
    write_block(out, cause.remedy, "    ");
  }
}

// "1 failed, 2 passed": what a layer line says about its checks.
std::string counts(const LayerResult& layer) {
  size_t failed = 0, warned = 0, skipped = 0, passed = 0, explained = 0;
  for (const Check& check : layer.checks) {
    failed += check.status == Status::kFail;
    warned += check.status == Status::kWarn;
    skipped += check.status == Status::kSkip;
    passed += check.status == Status::kPass;
    explained += check.status == Status::kFail && !check.explained_by.empty();
  }
  std::vector<std::string> parts;
  if (failed > 0) {
    std::string part = std::to_string(failed) + " failed";
    if (explained > 0) part += " (" + std::to_string(explained) + " explained)";
    parts.push_back(part);
  }
  if (warned > 0)
    parts.push_back(std::to_string(warned) + (warned == 1 ? " warning" : " warnings"));
  if (skipped > 0) parts.push_back(std::to_string(skipped) + " skipped");
  if (passed > 0) parts.push_back(std::to_string(passed) + " passed");
  if (parts.empty()) return "no checks";
  std::string out = parts[0];
  for (size_t i = 1; i < parts.size(); ++i) out += ", " + parts[i];
  return out;
}

// The summary on lines of its own under a long check id, wrapped. The explanation note stays in
// one piece: after the summary when it fits, else on a line of its own.
void write_summary_below(std::ostream& out, const std::string& tail, const std::string& note,
                         std::string_view tail_colour, const Painter& paint) {
  std::vector<std::string> lines = wrap(tail, kSummaryIndent, kWidth);
  bool note_own_line =
      !note.empty() &&
      (lines.empty() || display_width(lines.back()) + 1 + display_width(note) > kWidth);
  for (size_t i = 0; i < lines.size(); ++i) {
    out << paint(tail_colour, lines[i]);
    if (i + 1 < lines.size() || note.empty() || note_own_line) out << '\n';
  }
  if (note_own_line) {
    out << kSummaryIndent << paint(kDim, note) << '\n';
  } else if (!note.empty()) {
    out << ' ' << paint(kDim, note) << '\n';
  }
}

// One finding: the first check's id, summary and evidence, and, when several sources saw it, the
// sources instead of the one source (check ids repeat across sources, so the id says which check).
void write_finding(std::ostream& out, const Finding& finding, const Painter& paint) {
  const Check& check = finding.first();
  const bool several = finding.sources.size() > 1;
  std::string head = std::string(symbol(check.status)) + " " + clean(check.id);
  if (!several && !check.source.empty()) head += "  " + clean(check.source);
  std::string tail = clean(check.summary);
  std::replace(tail.begin(), tail.end(), '\n', ' ');
  if (!check.code.empty() && check.status != Status::kPass) {
    tail += (tail.empty() ? "[" : " [") + check.code.str() + "]";
  }
  std::string note =
      check.explained_by.empty() ? "" : "(explained by " + clean(check.explained_by) + ")";
  std::string gap = tail.empty() || note.empty() ? "" : " ";

  std::string_view colour = colour_of(check.status);
  out << kCheckIndent << paint(colour, head);
  std::string_view tail_colour = check.status == Status::kSkip ? kDim : "";
  // One line when it fits, else the summary goes below the id, wrapped, above the evidence.
  if (tail.empty() && note.empty()) {
    out << '\n';
  } else if (display_width(kCheckIndent) + display_width(head) + 2 +
                 display_width(tail + gap + note) <=
             kWidth) {
    out << "  " << paint(tail_colour, tail) << gap << paint(kDim, note) << '\n';
  } else {
    out << '\n';
    write_summary_below(out, tail, note, tail_colour, paint);
  }
  if (several) {
    std::string seen = "seen from " + std::to_string(finding.sources.size()) +
                       " sources: " + clean(source_list(finding.sources));
    if (finding.details_differ) seen += " (details as seen from " + clean(check.source) + ")";
    for (const std::string& line : wrap(seen, kSummaryIndent, kWidth)) {
      out << paint(kDim, line) << '\n';
    }
  }
  for (const std::string& line : check.evidence) write_block(out, line, kDetailIndent);
}

void write_layer(std::ostream& out, const Report& report, const LayerResult& layer,
                 const TextOptions& options, const Painter& paint) {
  Status status = layer.status();
  std::string name(to_string(layer.layer));
  name.resize(12, ' ');
  std::string word(to_string(status));
  word.resize(6, ' ');
  out << paint(colour_of(status), std::string(symbol(status)) + " " + name + word) << counts(layer)
      << '\n';
  for (const Finding& finding : group_checks(report, layer)) {
    if (finding.first().status == Status::kPass && !options.verbose) continue;
    write_finding(out, finding, paint);
  }
}

}  // namespace

void write_text(std::ostream& out, const Report& report, const TextOptions& options) {
  Painter paint(options.color);
  write_header(out, report, paint);
  write_root_cause(out, report, paint);
  out << '\n';
  for (const LayerResult& layer : report.layers) write_layer(out, report, layer, options, paint);
}

}  // namespace netdoctor::report
