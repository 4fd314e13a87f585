#include "report/explain.h"

#include "report/explains.h"
#include "report/wrap.h"

#include <sstream>
#include <string>
#include <vector>

namespace netdoctor::report {

namespace {

constexpr size_t kWidth = 100;
constexpr std::string_view kIndent = "  ";

constexpr std::string_view kPlaceholderNote =
    "Placeholders in <angle brackets> stand for values from the report's evidence; <pod-pid> is "
    "any process inside the pod (`netdoctor pods` lists one per pod).";

void write_wrapped(std::ostream& out, std::string_view text, std::string_view indent) {
  for (const std::string& line : wrap(text, indent, kWidth)) out << line << '\n';
}

void write_lines(std::ostream& out, std::string_view text, std::string_view indent) {
  std::istringstream lines{std::string(text)};
  std::string line;
  while (std::getline(lines, line)) out << indent << line << '\n';
}

std::string sentence(std::string_view text) {
  std::string out(text);
  if (!out.empty() && out[0] >= 'a' && out[0] <= 'z') out[0] = static_cast<char>(out[0] - 32);
  if (!out.empty() && out.back() != '.') out += '.';
  return out;
}

std::string layer_name(const CodeInfo& info) {
  return info.any_layer ? std::string("any (the layer of the check that reports it)")
                        : std::string(to_string(info.layer));
}

// Markdown prose: a placeholder such as <pod-pid> would otherwise be taken for an HTML tag.
std::string md(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '<') out += '\\';
    out += c;
  }
  return out;
}

bool has_placeholders(const CodeInfo& info) {
  return info.confirm.find('<') != std::string::npos || info.remedy.find('<') != std::string::npos;
}

void write_markdown_entry(std::ostream& out, const CodeInfo& info) {
  out << "### `" << info.code << "`\n\n";
  out << md(sentence(info.title)) << "\n\n";
  out << "- **Layer:** " << layer_name(info) << (info.extra ? " (extra code)" : "") << "\n";
  out << "- **Detected by:** " << md(info.detection) << "\n\n";
  out << "Confirm by hand:\n\n```sh\n" << info.confirm << "\n```\n\n";
  out << "Fix:\n\n```sh\n" << info.remedy << "\n```\n\n";
}

// Entries end with a blank line and sections start with one; squeeze runs of blank lines into
// one, as Markdown linters want, and end with exactly one newline.
std::string squeeze_blank_lines(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '\n' && out.size() >= 2 && out[out.size() - 1] == '\n' &&
        out[out.size() - 2] == '\n') {
      continue;
    }
    out += c;
  }
  while (out.size() >= 2 && out[out.size() - 1] == '\n' && out[out.size() - 2] == '\n')
    out.pop_back();
  return out;
}

}  // namespace

void write_explain(std::ostream& out, const CodeInfo& info) {
  out << info.code << (info.extra ? " (extra code, beyond the contract's minimum set)" : "")
      << "\n\n";
  out << "Meaning\n";
  write_wrapped(out, sentence(info.title), kIndent);
  out << "\nLayer\n" << kIndent << layer_name(info) << "\n";
  out << "\nDetected by\n";
  write_wrapped(out, info.detection, kIndent);
  out << "\nConfirm by hand\n";
  write_lines(out, info.confirm, kIndent);
  out << "\nFix\n";
  write_lines(out, info.remedy, kIndent);
  if (has_placeholders(info)) {
    out << '\n';
    write_wrapped(out, kPlaceholderNote, "");
  }
}

// The explanations table (report/explains.cpp), one row per effect and condition.
void write_explanations_markdown(std::ostream& out) {
  out << "\n## Which finding explains which\n\n"
         "The root cause is the lowest layer's failure that nothing explains. A failure is "
         "explained by another failing check of the report when that check's code is one of its "
         "causes: those its check states from what its own probes saw (`when` below), and those "
         "the network always implies. A node or pod failure also explains every failure of its "
         "source above it, a path failure (same-node, cross-node, service) those of its source "
         "above it whose subjects (addresses, networks, pods, nodes) it cuts off. Only these "
         "fields decide, never a summary or evidence text; the JSON report lists them as "
         "`causes` and `subjects`.\n\n"
         "| Finding | Explained by | When | Why |\n|---|---|---|---|\n";
  const auto& rows = explanations();
  std::vector<bool> done(rows.size(), false);
  for (std::size_t i = 0; i < rows.size(); ++i) {
    if (done[i]) continue;
    std::string causes;
    std::string why;
    for (std::size_t j = i; j < rows.size(); ++j) {
      if (rows[j].effect != rows[i].effect || rows[j].when != rows[i].when) continue;
      causes += (causes.empty() ? "" : ", ") +
                ("[`" + rows[j].cause.str() + "`](#" + rows[j].cause.str() + ")");
      if (why.find(rows[j].why) == std::string::npos) {
        why += (why.empty() ? "" : "; ") + rows[j].why;
      }
      done[j] = true;
    }
    out << "| [`" << rows[i].effect << "`](#" << rows[i].effect << ") | " << causes << " | "
        << md(std::string(to_string(rows[i].when))) << " | " << md(why) << " |\n";
  }
}

void write_codes_markdown(std::ostream& sink) {
  std::ostringstream out;
  out << "# Finding codes\n\n"
         "<!-- Generated by write_codes_markdown() from the catalogue in report/catalogue_*.cpp; "
         "do not edit by hand. The unit test CodesMarkdown fails when the two differ; run it "
         "with ND_UPDATE_GOLDEN=1 to rewrite this file. -->\n\n"
         "Every finding a check can report, bottom layer first; `netdoctor explain CODE` prints "
         "the same text. Codes marked *extra* go beyond the contract's minimum set. "
      << md(kPlaceholderNote) << "\n\n";
  out << "| Layer | Code | Meaning |\n|---|---|---|\n";
  for (const CodeInfo& info : all_codes()) {
    out << "| " << (info.any_layer ? "any" : to_string(info.layer)) << " | [`" << info.code
        << "`](#" << info.code << ")" << (info.extra ? " *extra*" : "") << " | " << md(info.title)
        << " |\n";
  }
  write_explanations_markdown(out);
  std::string section;
  for (const CodeInfo& info : all_codes()) {
    std::string heading = info.any_layer ? "any layer" : std::string(to_string(info.layer));
    if (heading != section) {
      out << "\n## " << heading << "\n\n";
      section = heading;
    }
    write_markdown_entry(out, info);
  }
  sink << squeeze_blank_lines(out.str());
}

}  // namespace netdoctor::report
