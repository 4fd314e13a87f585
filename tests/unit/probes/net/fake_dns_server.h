// A scriptable DNS server for tests, as c-ares's own suite uses: it listens on a loopback
// address and a random port over UDP and TCP (the same port), on its own thread, and answers
// each name as scripted: A records, NXDOMAIN, SERVFAIL, REFUSED, an empty NOERROR, a truncated
// UDP answer (the TC bit, so the client retries over TCP) or silence.
//
// Only the test side builds packets; the code under test leaves all parsing to c-ares. The
// question name is read with c-ares's own ares_expand_name.
#pragma once

#include <ares.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "core/fd.h"

namespace netdoctor::testing {

enum class Reply { kAnswer, kNoData, kNxDomain, kServFail, kRefused, kTruncate, kSilent };

class FakeDnsServer {
 public:
  // Listens on `ip` (a 127.0.0.0/8 address) at a port the kernel picks.
  explicit FakeDnsServer(std::string ip = "127.0.0.1") : ip_(std::move(ip)) {
    for (int attempt = 0; attempt < 20 && !tcp_.valid(); ++attempt) bind_both();
    if (!tcp_.valid()) throw std::runtime_error("cannot bind a UDP and TCP port on " + ip_);
    if (::pipe(stop_) != 0) throw std::runtime_error("pipe");
    thread_ = std::thread([this] { serve(); });
  }
  ~FakeDnsServer() {
    (void)!::write(stop_[1], "x", 1);
    thread_.join();
    ::close(stop_[0]);
    ::close(stop_[1]);
  }
  FakeDnsServer(const FakeDnsServer&) = delete;
  FakeDnsServer& operator=(const FakeDnsServer&) = delete;

  [[nodiscard]] const std::string& ip() const { return ip_; }
  [[nodiscard]] std::uint16_t port() const { return port_; }

  // How to answer `name` (case-insensitive, without the trailing dot); others get `fallback`.
  void script(const std::string& name, Reply reply, std::vector<std::string> addresses = {}) {
    std::lock_guard lock(mu_);
    rules_[lower(name)] = {reply, std::move(addresses)};
  }
  void fallback(Reply reply) {
    std::lock_guard lock(mu_);
    fallback_ = reply;
  }
  [[nodiscard]] int udp_queries() const { return udp_count_; }
  [[nodiscard]] int tcp_queries() const { return tcp_count_; }
  // Every name asked, in order, over either transport.
  [[nodiscard]] std::vector<std::string> asked() const {
    std::lock_guard lock(mu_);
    return asked_;
  }

 private:
  struct Rule {
    Reply reply = Reply::kNxDomain;
    std::vector<std::string> addresses;
  };
  struct Conn {
    Fd fd;
    std::string buf;
  };

  static std::string lower(std::string s) {
    for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
  }

  void bind_both() {
    Fd udp(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    sockaddr_in a{};
    a.sin_family = AF_INET;
    ::inet_pton(AF_INET, ip_.c_str(), &a.sin_addr);
    if (::bind(udp.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) return;
    socklen_t len = sizeof a;
    ::getsockname(udp.get(), reinterpret_cast<sockaddr*>(&a), &len);
    Fd tcp(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    const int one = 1;
    ::setsockopt(tcp.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (::bind(tcp.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) return;
    if (::listen(tcp.get(), 16) != 0) return;
    port_ = ntohs(a.sin_port);
    udp_ = std::move(udp);
    tcp_ = std::move(tcp);
  }

  // The reply to one query packet; empty means stay silent.
  std::string respond(const std::string& q, bool over_tcp) {
    if (q.size() < 12) return {};
    char* name = nullptr;
    long enclen = 0;
    const auto* base = reinterpret_cast<const unsigned char*>(q.data());
    if (ares_expand_name(base + 12, base, static_cast<int>(q.size()), &name, &enclen) !=
        ARES_SUCCESS) {
      return {};
    }
    const std::string qname = lower(name);
    ares_free_string(name);
    if (q.size() < 12 + static_cast<std::size_t>(enclen) + 4) return {};
    Rule rule;
    {
      std::lock_guard lock(mu_);
      asked_.push_back(qname);
      auto it = rules_.find(qname);
      rule = it != rules_.end() ? it->second : Rule{fallback_, {}};
    }
    (over_tcp ? tcp_count_ : udp_count_)++;
    if (rule.reply == Reply::kSilent) return {};
    int rcode = 0;
    if (rule.reply == Reply::kNxDomain) rcode = 3;
    if (rule.reply == Reply::kServFail) rcode = 2;
    if (rule.reply == Reply::kRefused) rcode = 5;
    const bool truncated = rule.reply == Reply::kTruncate && !over_tcp;
    const bool answers =
        rule.reply == Reply::kAnswer || (rule.reply == Reply::kTruncate && over_tcp);
    std::string r = q.substr(0, 12 + enclen + 4);  // header and question, copied
    r[2] = static_cast<char>(0x80 | (q[2] & 0x79) | (truncated ? 0x02 : 0));  // QR, opcode, RD
    r[3] = static_cast<char>(0x80 | rcode);                                   // RA, rcode
    const std::size_t n = answers ? rule.addresses.size() : 0;
    r[4] = 0, r[5] = 1, r[6] = 0, r[7] = static_cast<char>(n);
    r[8] = r[9] = r[10] = r[11] = 0;
    for (std::size_t i = 0; i < n; ++i) {
      unsigned char rr[16] = {0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 30, 0, 4};
      ::inet_pton(AF_INET, rule.addresses[i].c_str(), rr + 12);
      r.append(reinterpret_cast<const char*>(rr), sizeof rr);
    }
    return r;
  }

  void on_udp() {
    char buf[1500];
    sockaddr_in from{};
    socklen_t len = sizeof from;
    const ssize_t n =
        ::recvfrom(udp_.get(), buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&from), &len);
    if (n <= 0) return;
    const std::string r = respond(std::string(buf, static_cast<std::size_t>(n)), false);
    if (!r.empty())
      ::sendto(udp_.get(), r.data(), r.size(), 0, reinterpret_cast<sockaddr*>(&from), len);
  }

  // Reads from a TCP client; false when the connection is finished.
  bool on_tcp(Conn& c) {
    char buf[1500];
    const ssize_t n = ::read(c.fd.get(), buf, sizeof buf);
    if (n <= 0) return false;
    c.buf.append(buf, static_cast<std::size_t>(n));
    while (c.buf.size() >= 2) {
      const std::size_t len =
          (static_cast<unsigned char>(c.buf[0]) << 8) | static_cast<unsigned char>(c.buf[1]);
      if (c.buf.size() < 2 + len) break;
      const std::string r = respond(c.buf.substr(2, len), true);
      c.buf.erase(0, 2 + len);
      if (r.empty()) continue;
      const std::string framed =
          std::string{static_cast<char>(r.size() >> 8), static_cast<char>(r.size() & 0xff)} + r;
      (void)!::write(c.fd.get(), framed.data(), framed.size());
    }
    return true;
  }

  void serve() {
    std::vector<Conn> conns;
    for (;;) {
      std::vector<pollfd> fds = {
          {stop_[0], POLLIN, 0}, {udp_.get(), POLLIN, 0}, {tcp_.get(), POLLIN, 0}};
      for (auto& c : conns) fds.push_back({c.fd.get(), POLLIN, 0});
      if (::poll(fds.data(), fds.size(), -1) < 0) continue;
      if (fds[0].revents) return;
      if (fds[1].revents) on_udp();
      if (fds[2].revents)
        conns.push_back({Fd(::accept4(tcp_.get(), nullptr, nullptr, SOCK_CLOEXEC)), {}});
      for (std::size_t i = 3, k = 0; i < fds.size(); ++i, ++k) {
        if (fds[i].revents && !on_tcp(conns[k])) conns[k].fd.reset();
      }
      std::erase_if(conns, [](const Conn& c) { return !c.fd.valid(); });
    }
  }

  std::string ip_;
  std::uint16_t port_ = 0;
  Fd udp_;
  Fd tcp_;
  int stop_[2] = {-1, -1};
  std::thread thread_;
  mutable std::mutex mu_;
  std::map<std::string, Rule> rules_;
  Reply fallback_ = Reply::kNxDomain;
  std::vector<std::string> asked_;
  std::atomic<int> udp_count_{0};
  std::atomic<int> tcp_count_{0};
};

}  // namespace netdoctor::testing
