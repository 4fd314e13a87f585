#include "probes/net/icmp.h"

#include <arpa/inet.h>
#include <linux/errqueue.h>
#include <netinet/ip.h>
#include <netinet/ip_icmp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <vector>

#include "core/fd.h"
#include "probes/net/gate.h"

namespace netdoctor::probes {
namespace {

using Clock = std::chrono::steady_clock;

uint16_t checksum(const uint8_t* data, size_t len) {
  uint32_t sum = 0;
  for (size_t i = 0; i + 1 < len; i += 2) sum += static_cast<uint32_t>(data[i] << 8 | data[i + 1]);
  if (len % 2) sum += static_cast<uint32_t>(data[len - 1] << 8);
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return htons(static_cast<uint16_t>(~sum));
}

std::vector<uint8_t> build_echo(uint16_t id, uint16_t seq, int packet_size) {
  const size_t icmp_len = static_cast<size_t>(std::max(packet_size - 20, 8));
  std::vector<uint8_t> pkt(icmp_len, 0xa5);
  icmphdr hdr{};
  hdr.type = ICMP_ECHO;
  hdr.un.echo.id = htons(id);
  hdr.un.echo.sequence = htons(seq);
  std::memcpy(pkt.data(), &hdr, sizeof hdr);
  const uint16_t sum = checksum(pkt.data(), pkt.size());
  std::memcpy(pkt.data() + 2, &sum, 2);
  return pkt;
}

Result<Fd> open_socket(const EchoOptions& o) {
  Fd fd(::socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_ICMP));
  if (!fd) {
    if (errno == EPERM || errno == EACCES) {
      return fail(ErrorCode::kPermission, "ICMP probe needs CAP_NET_RAW (raw socket refused)");
    }
    return fail_errno(errno, "cannot open raw ICMP socket");
  }
  const int on = 1;
  const int pmtu = o.dont_fragment ? IP_PMTUDISC_PROBE : IP_PMTUDISC_DONT;
  ::setsockopt(fd.get(), IPPROTO_IP, IP_MTU_DISCOVER, &pmtu, sizeof pmtu);
  ::setsockopt(fd.get(), IPPROTO_IP, IP_RECVERR, &on, sizeof on);
  ::setsockopt(fd.get(), IPPROTO_IP, IP_TTL, &o.ttl, sizeof o.ttl);
  return fd;
}

// Reads one queued error (ICMP error for our packet, or a local one) off the error queue.
bool read_error_queue(int fd, EchoResult& r) {
  uint8_t data[512];
  uint8_t control[512];
  sockaddr_in from{};
  iovec iov{data, sizeof data};
  msghdr msg{};
  msg.msg_name = &from;
  msg.msg_namelen = sizeof from;
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  if (::recvmsg(fd, &msg, MSG_ERRQUEUE | MSG_DONTWAIT) < 0) return false;
  for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level != IPPROTO_IP || c->cmsg_type != IP_RECVERR) continue;
    sock_extended_err ee{};
    std::memcpy(&ee, CMSG_DATA(c), sizeof ee);
    const auto* offender = reinterpret_cast<const sockaddr_in*>(
        SO_EE_OFFENDER(reinterpret_cast<sock_extended_err*>(CMSG_DATA(c))));
    char buf[INET_ADDRSTRLEN] = "?";
    if (offender->sin_family == AF_INET) inet_ntop(AF_INET, &offender->sin_addr, buf, sizeof buf);
    if (ee.ee_errno == EMSGSIZE) {
      r.outcome = EchoOutcome::kTooBig;
      r.mtu = static_cast<int>(ee.ee_info);
      r.detail = std::string("packet too big, next-hop mtu ") + std::to_string(ee.ee_info) +
                 (ee.ee_origin == SO_EE_ORIGIN_ICMP ? std::string(" (from ") + buf + ")" : "");
    } else {
      r.outcome = EchoOutcome::kUnreachable;
      r.detail = std::string(std::strerror(static_cast<int>(ee.ee_errno))) +
                 (ee.ee_origin == SO_EE_ORIGIN_ICMP ? std::string(" (from ") + buf + ")" : "");
    }
    return true;
  }
  return false;
}

// Whether `buf` (an IP packet as raw sockets deliver it) is the echo reply to our probe.
bool is_our_reply(const uint8_t* buf, ssize_t n, uint16_t id, in_addr_t target) {
  if (n < static_cast<ssize_t>(sizeof(iphdr))) return false;
  iphdr ip{};
  std::memcpy(&ip, buf, sizeof ip);
  const size_t hl = static_cast<size_t>(ip.ihl) * 4;
  if (n < static_cast<ssize_t>(hl + sizeof(icmphdr)) || ip.saddr != target) return false;
  icmphdr icmp{};
  std::memcpy(&icmp, buf + hl, sizeof icmp);
  return icmp.type == ICMP_ECHOREPLY && ntohs(icmp.un.echo.id) == id;
}

void wait_for_answer(int fd, uint16_t id, in_addr_t target, Clock::time_point start,
                     const EchoOptions& o, EchoResult& r) {
  const auto deadline = start + o.timeout;
  std::vector<uint8_t> buf(65536);
  for (;;) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) break;
    pollfd pfd{fd, POLLIN, 0};
    if (::poll(&pfd, 1, static_cast<int>(left.count())) <= 0) continue;
    if (pfd.revents & POLLERR) {
      if (read_error_queue(fd, r)) return;
    }
    sockaddr_in from{};
    socklen_t len = sizeof from;
    const ssize_t n = ::recvfrom(fd, buf.data(), buf.size(), MSG_DONTWAIT,
                                 reinterpret_cast<sockaddr*>(&from), &len);
    if (n > 0 && is_our_reply(buf.data(), n, id, target)) {
      r.outcome = EchoOutcome::kReply;
      r.rtt = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - start);
      char b[INET_ADDRSTRLEN];
      r.reply_from = inet_ntop(AF_INET, &from.sin_addr, b, sizeof b);
      return;
    }
  }
  r.outcome = EchoOutcome::kTimeout;
  r.detail = "no answer within " + std::to_string(o.timeout.count()) + " ms";
}

}  // namespace

// Identifiers distinguish concurrent probes: raw ICMP sockets see every ICMP packet.
uint16_t next_echo_id() {
  static std::atomic<uint16_t> counter{static_cast<uint16_t>(::getpid() * 7919)};
  uint16_t id = counter.fetch_add(1);
  return id == 0 ? counter.fetch_add(1) : id;
}

std::string format_ms(std::chrono::microseconds us) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f ms", static_cast<double>(us.count()) / 1000.0);
  return buf;
}

const char* to_string(EchoOutcome outcome) {
  switch (outcome) {
    case EchoOutcome::kReply:
      return "reply";
    case EchoOutcome::kTimeout:
      return "timeout";
    case EchoOutcome::kUnreachable:
      return "unreachable";
    case EchoOutcome::kTooBig:
      return "too big";
    case EchoOutcome::kSendError:
      return "send error";
  }
  return "?";
}

Result<EchoResult> icmp_echo(const std::string& ip, const EchoOptions& o) {
  sockaddr_in dst{};
  dst.sin_family = AF_INET;
  if (inet_pton(AF_INET, ip.c_str(), &dst.sin_addr) != 1) {
    return fail(ErrorCode::kInvalidInput, "not an IPv4 address: \"" + ip + "\"");
  }
  // Held until the echo is sent: echoes to one address are spaced, not serialised by timeouts.
  ProbeGate::Permit permit = ProbeGate::instance().acquire(ProbeKind::kPing, ip);
  auto fd = open_socket(o);
  if (!fd) return tl::unexpected(fd.error());
  const uint16_t id = o.id != 0 ? o.id : next_echo_id();
  const auto pkt = build_echo(id, 1, o.packet_size);
  EchoResult r;
  const auto start = Clock::now();
  // A connected raw socket receives only the target's packets and the errors about them.
  if (::connect(fd->get(), reinterpret_cast<sockaddr*>(&dst), sizeof dst) != 0 ||
      ::send(fd->get(), pkt.data(), pkt.size(), 0) < 0) {
    const int err = errno;
    if (err == EMSGSIZE) {
      r.outcome = EchoOutcome::kTooBig;
      r.detail = "local interface MTU is below " + std::to_string(o.packet_size) + " bytes";
    } else {
      r.outcome = EchoOutcome::kSendError;
      r.detail = std::strerror(err);
    }
    return r;
  }
  permit.release();
  wait_for_answer(fd->get(), id, dst.sin_addr.s_addr, start, o, r);
  return r;
}

Result<EchoResult> icmp_echo_confirmed(const std::string& ip, const EchoOptions& options) {
  auto first = icmp_echo(ip, options);
  if (!first || first->outcome != EchoOutcome::kTimeout) return first;
  EchoOptions again = options;
  again.id = 0;
  auto second = icmp_echo(ip, again);
  if (!second) return first;
  second->attempts = 2;
  second->first_attempt = first->detail.empty() ? "no answer" : first->detail;
  return second;
}

}  // namespace netdoctor::probes
