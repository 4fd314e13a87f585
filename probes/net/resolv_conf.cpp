#include "probes/net/resolv_conf.h"

#include <arpa/inet.h>

#include <algorithm>
#include <charconv>

namespace netdoctor::probes::dns {
namespace {

// Bounds on what is kept from a file that may be hostile or garbage.
constexpr std::size_t kMaxKept = 64;
constexpr std::size_t kMaxProblems = 20;
constexpr std::size_t kSnippet = 40;

bool is_blank(char c) {
  return c == ' ' || c == '\t' || c == '\r';
}

std::vector<std::string_view> split_words(std::string_view s) {
  std::vector<std::string_view> words;
  std::size_t i = 0;
  while (i < s.size() && words.size() < kMaxKept) {
    while (i < s.size() && is_blank(s[i])) ++i;
    const std::size_t start = i;
    while (i < s.size() && !is_blank(s[i])) ++i;
    if (i > start) words.push_back(s.substr(start, i - start));
  }
  return words;
}

// A short printable excerpt for evidence: a garbage line must not put control bytes in a report.
std::string snippet(std::string_view s) {
  std::string out;
  for (char c : s.substr(0, kSnippet)) {
    const auto u = static_cast<unsigned char>(c);
    out += (u >= 0x20 && u < 0x7f) ? c : '?';
  }
  if (s.size() > kSnippet) out += "...";
  return out;
}

void add_problem(ResolvConf& rc, std::size_t line, const std::string& why) {
  ++rc.problem_count;
  if (rc.problems.size() < kMaxProblems) {
    rc.problems.push_back("line " + std::to_string(line) + ": " + why);
  }
}

// glibc matches a keyword only at the very start of a line, followed by a blank.
bool keyword(std::string_view line, std::string_view word, std::string_view& rest) {
  if (line.size() <= word.size() || line.substr(0, word.size()) != word) return false;
  if (line[word.size()] != ' ' && line[word.size()] != '\t') return false;
  rest = line.substr(word.size() + 1);
  return true;
}

void parse_nameserver(ResolvConf& rc, std::size_t n, std::string_view rest) {
  const auto words = split_words(rest);
  if (words.empty()) return add_problem(rc, n, "nameserver without an address");
  // glibc ignores whatever follows the address, including a comment.
  std::string_view addr = words.front();
  addr = addr.substr(0, addr.find_first_of(";#"));
  if (!is_ip_address(addr)) {
    return add_problem(rc, n, "nameserver \"" + snippet(addr) + "\" is not an IP address: ignored");
  }
  if (rc.nameservers.size() < kMaxKept) rc.nameservers.emplace_back(addr);
}

int option_number(ResolvConf& rc, std::size_t n, std::string_view opt, std::string_view value,
                  int cap) {
  int v = 0;
  const auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
  if (ec != std::errc() || ptr != value.data() + value.size() || v < 0) {
    add_problem(rc, n, "options " + std::string(opt) + ":" + snippet(value) + " is not a number");
    return 0;  // glibc reads it with atoi
  }
  if (v > cap) {
    add_problem(rc, n,
                "options " + std::string(opt) + ":" + std::to_string(v) + " is capped at " +
                    std::to_string(cap));
    return cap;
  }
  return v;
}

void parse_options(ResolvConf& rc, std::size_t n, std::string_view rest) {
  for (std::string_view w : split_words(rest)) {
    const auto colon = w.find(':');
    const std::string_view name = w.substr(0, colon);
    const std::string_view value = colon == std::string_view::npos ? "" : w.substr(colon + 1);
    if (name == "ndots" && colon != std::string_view::npos) {
      rc.ndots = option_number(rc, n, name, value, kGlibcMaxNdots);
      rc.ndots_set = true;
    } else if (name == "timeout" && colon != std::string_view::npos) {
      rc.timeout_s = std::max(1, option_number(rc, n, name, value, 30));
    } else if (name == "attempts" && colon != std::string_view::npos) {
      rc.attempts = std::max(1, option_number(rc, n, name, value, 5));
    } else if (w == "rotate") {
      rc.rotate = true;
    }
    // Other options (edns0, single-request, use-vc, ...) change nothing the checks judge.
  }
}

// One search entry: kept when it is a name and the list is not full, else counted, and an
// invalid one described (cut) for the evidence.
void add_search_entry(ResolvConf& rc, std::string_view w) {
  if (const std::string why = invalid_domain_name(w); !why.empty()) {
    ++rc.invalid_search_count;
    if (rc.invalid_search.size() < kMaxInvalidSearch) {
      rc.invalid_search.push_back("\"" + snippet(w) + "\" (" + std::to_string(w.size()) +
                                  " bytes): " + why);
    }
    return;
  }
  ++rc.search_count;
  rc.search_chars += w.size() + 1;
  if (rc.search.size() < kGlibcMaxSearch) rc.search.emplace_back(w);
}

// Every word of the line, without split_words's bound: the entries are counted, not kept.
void parse_search(ResolvConf& rc, std::string_view rest, bool first_only) {
  rc.search.clear();
  rc.search_count = rc.search_chars = rc.invalid_search_count = 0;
  rc.invalid_search.clear();
  std::size_t i = 0;
  while (i < rest.size()) {
    while (i < rest.size() && is_blank(rest[i])) ++i;
    const std::size_t start = i;
    while (i < rest.size() && !is_blank(rest[i])) ++i;
    if (i == start) break;
    add_search_entry(rc, rest.substr(start, i - start));
    if (first_only) break;
  }
}

void parse_line(ResolvConf& rc, std::size_t n, std::string_view line) {
  if (line.empty() || line.front() == '#' || line.front() == ';') return;
  if (std::all_of(line.begin(), line.end(), is_blank)) return;
  std::string_view rest;
  if (keyword(line, "nameserver", rest)) {
    parse_nameserver(rc, n, rest);
  } else if (keyword(line, "search", rest)) {
    parse_search(rc, rest, false);  // the last search/domain line replaces earlier ones
  } else if (keyword(line, "domain", rest)) {
    parse_search(rc, rest, true);  // `domain X` is a search list of one
  } else if (keyword(line, "options", rest)) {
    parse_options(rc, n, rest);
  } else if (keyword(line, "sortlist", rest)) {
    return;  // affects address order only
  } else if (is_blank(line.front())) {
    return add_problem(rc, n,
                       "starts with a blank, so glibc ignores it: \"" + snippet(line) + "\"");
  } else {
    return add_problem(rc, n, "not a resolv.conf directive, ignored: \"" + snippet(line) + "\"");
  }
  rc.has_directive = true;
}

}  // namespace

ResolvConf parse_resolv_conf(std::string_view text) {
  ResolvConf rc;
  std::size_t n = 0;
  while (!text.empty()) {
    ++n;
    const auto nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    if (!line.empty() && line.back() == '\r') {
      rc.crlf = true;
      line.remove_suffix(1);
    }
    parse_line(rc, n, line);
  }
  return rc;
}

std::string cluster_domain_from_search(const std::vector<std::string>& search,
                                       std::string_view pod_namespace) {
  auto after_svc = [](std::string_view entry, std::string_view prefix) -> std::string {
    if (entry.size() <= prefix.size() || entry.substr(0, prefix.size()) != prefix) return {};
    std::string domain(entry.substr(prefix.size()));
    while (!domain.empty() && domain.back() == '.') domain.pop_back();
    return domain;
  };
  if (!pod_namespace.empty()) {
    const std::string prefix = std::string(pod_namespace) + ".svc.";
    for (const auto& s : search) {
      if (auto d = after_svc(s, prefix); !d.empty()) return d;
    }
  }
  for (const auto& s : search) {
    const auto dot = s.find('.');
    if (dot != std::string::npos && dot > 0) {
      if (auto d = after_svc(std::string_view(s).substr(dot + 1), "svc."); !d.empty()) return d;
    }
  }
  for (const auto& s : search) {
    if (auto d = after_svc(s, "svc."); !d.empty()) return d;
  }
  return {};
}

std::string invalid_domain_name(std::string_view name) {
  if (name.ends_with('.')) name.remove_suffix(1);
  if (name.size() > kMaxDomainNameBytes) {
    return "longer than " + std::to_string(kMaxDomainNameBytes) + " bytes, not a domain name";
  }
  std::size_t label = 0;
  for (char c : name) {
    label = c == '.' ? 0 : label + 1;
    if (label > kMaxLabelBytes) {
      return "a label longer than " + std::to_string(kMaxLabelBytes) + " bytes, not a domain name";
    }
  }
  return {};
}

bool is_ip_address(std::string_view text) {
  if (text.empty() || text.size() > 64) return false;
  std::string s(text.substr(0, text.find('%')));
  unsigned char buf[16];
  return ::inet_pton(AF_INET, s.c_str(), buf) == 1 || ::inet_pton(AF_INET6, s.c_str(), buf) == 1;
}

ResolvConf parse_resolv_conf_head(std::string_view text, bool truncated) {
  if (truncated) text = text.substr(0, text.rfind('\n') + 1);  // npos + 1 == 0: no full line
  ResolvConf rc = parse_resolv_conf(text);
  rc.truncated = truncated;
  return rc;
}

}  // namespace netdoctor::probes::dns
