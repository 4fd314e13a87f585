#include "probes/net/resolver.h"

#include <ares.h>
#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <poll.h>

#include <algorithm>
#include <memory>
#include <mutex>

#include "probes/net/gate.h"

namespace netdoctor::probes::dns {
namespace {

using Clock = std::chrono::steady_clock;

// Time after the per-try timeout for c-ares to report its own ETIMEOUT before the loop gives up.
constexpr std::chrono::milliseconds kMargin{50};

struct ChannelDeleter {
  void operator()(ares_channel c) const { ares_destroy(c); }
};
using Channel = std::unique_ptr<std::remove_pointer_t<ares_channel>, ChannelDeleter>;

// One question in flight: the callback's only state.
struct Pending {
  DnsAnswer answer;
  Clock::time_point start;
  bool done = false;
};

void init_library() {
  static std::once_flag once;
  std::call_once(once, [] { ares_library_init(ARES_LIB_INIT_ALL); });
}

Outcome classify(int status) {
  switch (status) {
    case ARES_ENODATA:
      return Outcome::kNoData;
    case ARES_ENOTFOUND:
      return Outcome::kNxDomain;
    case ARES_ESERVFAIL:
      return Outcome::kServFail;
    case ARES_EREFUSED:
      return Outcome::kRefused;
    case ARES_ETIMEOUT:
    case ARES_ECANCELLED:  // the loop's deadline passed
    case ARES_EDESTRUCTION:
      return Outcome::kTimeout;
    case ARES_ECONNREFUSED:
      return Outcome::kConnRefused;
    case ARES_EBADNAME:
    case ARES_EBADQUERY:
    case ARES_EBADSTR:
      return Outcome::kBadQuery;
    default:
      return Outcome::kError;
  }
}

void read_addresses(DnsAnswer& answer, const unsigned char* abuf, int alen) {
  ares_addrttl ttls[64];
  int n = 64;
  const int rc = ares_parse_a_reply(abuf, alen, nullptr, ttls, &n);
  if (rc == ARES_ENODATA || (rc == ARES_SUCCESS && n == 0)) {
    answer.outcome = Outcome::kNoData;
  } else if (rc != ARES_SUCCESS) {
    answer.outcome = Outcome::kError;
    answer.detail = std::string("unreadable answer: ") + ares_strerror(rc);
  } else {
    answer.outcome = Outcome::kAnswer;
    for (int i = 0; i < n; ++i) {
      char text[INET_ADDRSTRLEN] = {};
      if (::inet_ntop(AF_INET, &ttls[i].ipaddr, text, sizeof text)) {
        answer.addresses.emplace_back(text);
      }
    }
  }
}

void on_answer(void* arg, int status, int /*timeouts*/, unsigned char* abuf, int alen) {
  auto* p = static_cast<Pending*>(arg);
  if (p->done) return;
  p->done = true;
  p->answer = read_answer(status, abuf, alen);
  p->answer.elapsed =
      std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - p->start);
}

// Fills c-ares's server list; false (with `why`) when an address is not an IP literal.
bool set_servers(ares_channel ch, const std::vector<DnsServer>& servers, std::string& why) {
  std::vector<ares_addr_port_node> nodes(servers.size());
  for (std::size_t i = 0; i < servers.size(); ++i) {
    auto& n = nodes[i];
    const std::string ip = servers[i].ip.substr(0, servers[i].ip.find('%'));
    if (::inet_pton(AF_INET, ip.c_str(), &n.addr.addr4) == 1) {
      n.family = AF_INET;
    } else if (::inet_pton(AF_INET6, ip.c_str(), &n.addr.addr6) == 1) {
      n.family = AF_INET6;
    } else {
      why = "server \"" + servers[i].ip + "\" is not an IP address";
      return false;
    }
    n.udp_port = n.tcp_port = servers[i].port;
    n.next = i + 1 < servers.size() ? &nodes[i + 1] : nullptr;
  }
  if (nodes.empty()) {
    why = "no server to ask";
    return false;
  }
  if (const int rc = ares_set_servers_ports(ch, nodes.data()); rc != ARES_SUCCESS) {
    why = std::string("cannot set servers: ") + ares_strerror(rc);
    return false;
  }
  return true;
}

// A channel configured only from the query: every option that c-ares would otherwise take from
// the prober's /etc/resolv.conf, RES_OPTIONS or LOCALDOMAIN is set explicitly.
Channel make_channel(const DnsQuery& q, std::chrono::milliseconds timeout, std::string& why) {
  ares_options o{};
  o.flags = ARES_FLAG_NOCHECKRESP | (q.transport == Transport::kTcp ? ARES_FLAG_USEVC : 0);
  o.timeout = static_cast<int>(std::max<long long>(1, timeout.count()));
  o.tries = 1;
  o.ndots = std::max(0, q.ndots);
  std::vector<char*> domains;
  std::vector<std::string> storage(q.domains.begin(), q.domains.end());
  for (auto& d : storage) domains.push_back(d.data());
  o.domains = domains.data();
  o.ndomains = static_cast<int>(domains.size());
  char lookups[] = "b";
  o.lookups = lookups;
  o.servers = nullptr;
  o.nservers = 0;
  o.sortlist = nullptr;
  o.nsort = 0;
  const int mask = ARES_OPT_FLAGS | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES | ARES_OPT_NDOTS |
                   ARES_OPT_DOMAINS | ARES_OPT_LOOKUPS | ARES_OPT_SERVERS | ARES_OPT_SORTLIST |
                   ARES_OPT_NOROTATE;
  ares_channel raw = nullptr;
  if (const int rc = ares_init_options(&raw, &o, mask); rc != ARES_SUCCESS) {
    why = std::string("cannot create a c-ares channel: ") + ares_strerror(rc);
    return nullptr;
  }
  Channel ch(raw);
  if (!set_servers(ch.get(), q.servers, why)) return nullptr;
  return ch;
}

int ms_until(Clock::time_point t) {
  const auto left = std::chrono::ceil<std::chrono::milliseconds>(t - Clock::now()).count();
  return static_cast<int>(std::clamp<long long>(left, 0, 60'000));
}

// Collects the channel's sockets into `fds` and shortens `wait_ms` to its next timeout.
void want(ares_channel ch, std::vector<pollfd>& fds, int& wait_ms) {
  ares_socket_t socks[ARES_GETSOCK_MAXNUM];
  const int bits = ares_getsock(ch, socks, ARES_GETSOCK_MAXNUM);
  for (int i = 0; i < ARES_GETSOCK_MAXNUM; ++i) {
    short events = 0;
    if (ARES_GETSOCK_READABLE(bits, i)) events |= POLLIN;
    if (ARES_GETSOCK_WRITABLE(bits, i)) events |= POLLOUT;
    if (events) fds.push_back({socks[i], events, 0});
  }
  timeval tv{};
  if (ares_timeout(ch, nullptr, &tv)) {
    const long long ms = tv.tv_sec * 1000LL + (tv.tv_usec + 999) / 1000;
    wait_ms = static_cast<int>(std::min<long long>(wait_ms, ms));
  }
}

// One round of the loop over every channel still waiting: poll their sockets together, then
// let each channel read, write and expire what is due.
void drive_once(std::vector<Channel>& channels, const std::vector<Pending>& pending,
                Clock::time_point deadline) {
  std::vector<pollfd> fds;
  std::vector<std::size_t> first(channels.size() + 1, 0);
  int wait_ms = ms_until(deadline);
  for (std::size_t i = 0; i < channels.size(); ++i) {
    first[i] = fds.size();
    if (channels[i] && !pending[i].done) want(channels[i].get(), fds, wait_ms);
  }
  first[channels.size()] = fds.size();
  ::poll(fds.data(), fds.size(), wait_ms);
  for (std::size_t i = 0; i < channels.size(); ++i) {
    if (!channels[i] || pending[i].done) continue;
    for (std::size_t k = first[i]; k < first[i + 1]; ++k) {
      const short r = fds[k].revents;
      if (!r) continue;
      const bool rd = (r & (POLLIN | POLLERR | POLLHUP)) != 0;
      ares_process_fd(channels[i].get(), rd ? fds[k].fd : ARES_SOCKET_BAD,
                      (r & POLLOUT) ? fds[k].fd : ARES_SOCKET_BAD);
    }
    // Expires tries whose time is up even when none of the channel's sockets moved.
    ares_process_fd(channels[i].get(), ARES_SOCKET_BAD, ARES_SOCKET_BAD);
  }
}

}  // namespace

DnsAnswer read_answer(int status, const unsigned char* abuf, int alen) {
  DnsAnswer answer;
  if (status == ARES_SUCCESS) {
    read_addresses(answer, abuf, alen);
    return answer;
  }
  answer.outcome = classify(status);
  answer.detail = status == ARES_ECANCELLED || status == ARES_EDESTRUCTION
                      ? "no answer before the deadline"
                      : ares_strerror(status);
  return answer;
}

bool server_answered(Outcome o) {
  return o == Outcome::kAnswer || o == Outcome::kNoData || o == Outcome::kNxDomain ||
         o == Outcome::kServFail || o == Outcome::kRefused;
}

std::string_view to_string(Outcome o) {
  switch (o) {
    case Outcome::kAnswer:
      return "answer";
    case Outcome::kNoData:
      return "no A record (NOERROR, empty)";
    case Outcome::kNxDomain:
      return "NXDOMAIN";
    case Outcome::kServFail:
      return "SERVFAIL";
    case Outcome::kRefused:
      return "REFUSED";
    case Outcome::kTimeout:
      return "timeout";
    case Outcome::kConnRefused:
      return "connection refused";
    case Outcome::kBadQuery:
      return "not asked";
    case Outcome::kError:
      return "error";
  }
  return "error";
}

std::string_view to_string(Transport t) {
  return t == Transport::kTcp ? "tcp" : "udp";
}

namespace {

std::vector<DnsAnswer> resolve_batch(const std::vector<DnsQuery>& queries,
                                     std::chrono::milliseconds timeout) {
  init_library();
  // Declared before the channels: ares_destroy calls the callbacks of what is still open.
  std::vector<Pending> pending(queries.size());
  std::vector<Channel> channels(queries.size());
  const auto start = Clock::now();
  for (std::size_t i = 0; i < queries.size(); ++i) {
    auto& p = pending[i];
    p.start = Clock::now();
    channels[i] = make_channel(queries[i], timeout, p.answer.detail);
    if (!channels[i]) {
      p.done = true;
      p.answer.outcome = Outcome::kBadQuery;
      continue;
    }
    {
      // Held while the question is sent (c-ares sends, or starts its TCP connect, right away).
      const ProbeGate::Permit permit = ProbeGate::instance().acquire(
          queries[i].transport == Transport::kTcp ? ProbeKind::kConnect : ProbeKind::kPing,
          queries[i].servers.empty() ? std::string() : queries[i].servers.front().ip,
          queries[i].behind);
      p.start = Clock::now();
      if (queries[i].search) {
        ares_search(channels[i].get(), queries[i].name.c_str(), ns_c_in, ns_t_a, on_answer, &p);
      } else {
        ares_query(channels[i].get(), queries[i].name.c_str(), ns_c_in, ns_t_a, on_answer, &p);
      }
    }
  }
  // Each question has its own timeout from when the gate let it go.
  const auto deadline = std::max(start, Clock::now()) + timeout + kMargin;
  auto open = [&] {
    return std::any_of(pending.begin(), pending.end(), [](auto& p) { return !p.done; });
  };
  while (open() && Clock::now() < deadline) drive_once(channels, pending, deadline);
  for (std::size_t i = 0; i < channels.size(); ++i) {
    if (channels[i] && !pending[i].done) ares_cancel(channels[i].get());
    if (!pending[i].done) on_answer(&pending[i], ARES_ECANCELLED, 0, nullptr, 0);
  }
  std::vector<DnsAnswer> out;
  out.reserve(pending.size());
  for (auto& p : pending) out.push_back(std::move(p.answer));
  return out;
}

}  // namespace

std::vector<DnsAnswer> resolve_all(const std::vector<DnsQuery>& queries,
                                   std::chrono::milliseconds timeout) {
  std::vector<DnsAnswer> out = resolve_batch(queries, timeout);
  // A question met by silence is asked once more, as the pod's own resolver would (glibc's
  // attempts:2): a lost datagram, or a server briefly overwhelmed, is not a failure.
  std::vector<std::size_t> again;
  for (std::size_t i = 0; i < out.size(); ++i) {
    if (out[i].outcome == Outcome::kTimeout) again.push_back(i);
  }
  if (again.empty()) return out;
  std::vector<DnsQuery> retry;
  for (std::size_t i : again) retry.push_back(queries[i]);
  std::vector<DnsAnswer> second = resolve_batch(retry, timeout);
  for (std::size_t k = 0; k < again.size(); ++k) {
    DnsAnswer& first = out[again[k]];
    DnsAnswer& next = second[k];
    if (server_answered(next.outcome)) {
      next.detail = "answered on the second try (the first: " +
                    (first.detail.empty() ? std::string("timeout") : first.detail) + ")";
      next.attempts = 2;
      first = std::move(next);
    } else {
      first.attempts = 2;
    }
  }
  return out;
}

}  // namespace netdoctor::probes::dns
