// DNS questions asked with c-ares, many at once, from the calling thread's network namespace.
//
// c-ares opens its sockets lazily (in ares_send and again in ares_process for retries and the
// TCP fallback), so every channel is created, driven and destroyed by the one calling thread:
// the caller puts that thread in the pod's netns (netns::run_in) and the sockets are the pod's.
// c-ares 1.18 ties the server list and the transport to a channel, so each question gets its
// own channel; one poll loop drives them all, and the whole batch costs about its slowest
// question, bounded by the timeout.
//
// Nothing is taken from the prober's own /etc/resolv.conf or /etc/hosts: servers, search list,
// ndots, timeout and tries are all given explicitly, and lookups are "b" (DNS only).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace netdoctor::probes::dns {

enum class Transport { kUdp, kTcp };

struct DnsServer {
  std::string ip;  // IPv4 or IPv6 literal
  std::uint16_t port = 53;
};

struct DnsQuery {
  std::string name;
  std::vector<DnsServer> servers;  // asked in order, as glibc does without `rotate`
  Transport transport = Transport::kUdp;
  // With search: the name goes through `domains` as the resolver would (names with fewer
  // than `ndots` dots get the search domains first). Without: the name is asked as is.
  bool search = false;
  std::vector<std::string> domains;
  int ndots = 1;
  // The addresses the first server really is (a DNS Service's endpoints): the probe gate
  // (probes/net/gate.h) spaces the question for them as well.
  std::vector<std::string> behind;
};

// What came back, told apart as far as the wire allows.
enum class Outcome {
  kAnswer,       // NOERROR with at least one A record
  kNoData,       // NOERROR, no A record
  kNxDomain,     // NXDOMAIN
  kServFail,     // SERVFAIL
  kRefused,      // REFUSED
  kTimeout,      // no answer within the timeout
  kConnRefused,  // ICMP port unreachable (UDP) or RST (TCP): nothing listens there
  kBadQuery,     // the question could not be asked (bad server address, bad name)
  kError,        // any other failure; detail says which
};

struct DnsAnswer {
  Outcome outcome = Outcome::kError;
  std::vector<std::string> addresses;  // A records, when kAnswer
  std::string detail;                  // c-ares's own words for failures
  std::chrono::microseconds elapsed{0};
  int attempts = 1;  // 2 when a timeout was asked again (see resolve_all)
};

// Whether a DNS server answered at all (with any rcode): the server and the path to it work.
[[nodiscard]] bool server_answered(Outcome o);

// "answer", "NXDOMAIN", "SERVFAIL", "timeout", ...: the words evidence uses.
[[nodiscard]] std::string_view to_string(Outcome o);
[[nodiscard]] std::string_view to_string(Transport t);

// What one answer handed over by c-ares means: `status` is the ARES_* code of its callback and
// `abuf`/`alen` the reply as received (anything a server sent, so it must never crash here).
// `elapsed` is left for the caller.
[[nodiscard]] DnsAnswer read_answer(int status, const unsigned char* abuf, int alen);

// Asks every question, each started under the probe gate (spaced per server: a DNS server is a
// backend like any other), and waits for all of them: each try times out after `timeout`,
// and the whole call returns by about `timeout` plus a small margin whatever the servers do
// (questions still open then are kTimeout). A question that timed out is asked once more, as the
// pod's resolver would (glibc's attempts:2): then the call costs about two timeouts. Answers are
// in the order of `queries`.
[[nodiscard]] std::vector<DnsAnswer> resolve_all(const std::vector<DnsQuery>& queries,
                                                 std::chrono::milliseconds timeout);

}  // namespace netdoctor::probes::dns
