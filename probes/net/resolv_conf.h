// A pod's resolver configuration: /etc/resolv.conf parsed the way glibc's resolver reads it,
// keeping what glibc would silently drop, so that the checks can say what the pod really uses.
//
// The parser is pure (text in, struct out) because the file comes from a pod and may hold
// anything: it bounds what it keeps, so a 1 MB file of garbage costs one linear pass.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace netdoctor::probes::dns {

// glibc's limits (resolv.h MAXNS, MAXDNSRCH): nameservers beyond the third are ignored;
// search domains beyond the sixth (or past 256 characters) are dropped by older glibc.
inline constexpr std::size_t kGlibcMaxNameservers = 3;
inline constexpr std::size_t kGlibcMaxSearch = 6;
inline constexpr std::size_t kGlibcMaxSearchChars = 256;
// glibc caps options ndots at 15.
inline constexpr int kGlibcMaxNdots = 15;
// RFC 1035: a domain name is at most 255 bytes on the wire, 253 written out (without the final
// dot), each label at most 63. A longer search domain is not a name: it is reported, never kept.
inline constexpr std::size_t kMaxDomainNameBytes = 253;
inline constexpr std::size_t kMaxLabelBytes = 63;

struct ResolvConf {
  // Every nameserver line's address, in file order, duplicates included (glibc uses the first 3).
  std::vector<std::string> nameservers;
  // The search list; the last `search` or `domain` line wins, as in glibc. Only valid names are
  // kept, and only the first kGlibcMaxSearch of them: that is the list the pod's resolver uses
  // and netdoctor asks with, and a hostile file cannot make every report carry thousands.
  std::vector<std::string> search;
  std::size_t search_count = 0;  // the valid entries of that line, also those beyond the sixth
  std::size_t search_chars = 0;  // their bytes, each plus one separator (glibc's measure)
  // Entries of that line that are not domain names (too long, a label too long), each as
  // "\"<first 40 bytes>...\" (N bytes): longer than 253 bytes" (at most kMaxInvalidSearch).
  std::vector<std::string> invalid_search;
  std::size_t invalid_search_count = 0;  // all of them
  int ndots = 1;                         // glibc's default when no `options ndots:N` is given
  bool ndots_set = false;
  int timeout_s = 5;  // options timeout:N (glibc default 5)
  int attempts = 2;   // options attempts:N (glibc default 2)
  bool rotate = false;
  // Lines glibc ignores or misreads, each "line N: why" (at most kMaxProblems kept).
  std::vector<std::string> problems;
  std::size_t problem_count = 0;  // all of them, also those not kept
  bool crlf = false;              // some line ended in "\r\n"
  bool has_directive = false;     // at least one nameserver/search/domain/options line
  // Only the first kResolvConfReadLimit bytes of a larger file were read (glibc reads it all).
  bool truncated = false;
};

// How much of a pod's resolv.conf is read; the rest of a larger file is left unjudged. What is
// kept from it is bounded apart from that (search domains, problems), so a report stays small.
inline constexpr std::size_t kResolvConfReadLimit = 1 << 20;
// How many invalid search entries are described in evidence (the rest are counted).
inline constexpr std::size_t kMaxInvalidSearch = 3;

// Why `name` is not a domain name (RFC 1035 lengths, one final dot allowed), empty when it is.
[[nodiscard]] std::string invalid_domain_name(std::string_view name);

// Parses resolv.conf text. Never fails: what cannot be understood becomes a problem line.
[[nodiscard]] ResolvConf parse_resolv_conf(std::string_view text);

// The same for the head of a file cut at kResolvConfReadLimit (`truncated`): the cut last line
// is dropped and the result says it was truncated.
[[nodiscard]] ResolvConf parse_resolv_conf_head(std::string_view text, bool truncated);

// The cluster domain taken from the search list, never assumed: the part after ".svc." of the
// entry "<namespace>.svc.<domain>" (preferring the pod's own namespace when given), else of an
// entry "svc.<domain>". Empty when the search list names none.
[[nodiscard]] std::string cluster_domain_from_search(const std::vector<std::string>& search,
                                                     std::string_view pod_namespace = {});

// Whether `text` is a literal IPv4 or IPv6 address (an IPv6 zone "%eth0" is allowed).
[[nodiscard]] bool is_ip_address(std::string_view text);

}  // namespace netdoctor::probes::dns
