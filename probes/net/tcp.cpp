#include "probes/net/tcp.h"

#include <arpa/inet.h>
#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "core/fd.h"
#include "probes/net/gate.h"

namespace netdoctor::probes {
namespace {

using Clock = std::chrono::steady_clock;

ConnectOutcome classify(int err) {
  switch (err) {
    case 0:
      return ConnectOutcome::kConnected;
    case ECONNREFUSED:
      return ConnectOutcome::kRefused;
    case ETIMEDOUT:
      return ConnectOutcome::kTimeout;
    case EHOSTUNREACH:
    case EHOSTDOWN:
      return ConnectOutcome::kUnreachable;
    case ENETUNREACH:
      return ConnectOutcome::kNoRoute;
    default:
      return ConnectOutcome::kError;
  }
}

std::string local_address(int fd) {
  sockaddr_in a{};
  socklen_t len = sizeof a;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) return {};
  char buf[INET_ADDRSTRLEN];
  return std::string(inet_ntop(AF_INET, &a.sin_addr, buf, sizeof buf)) + ":" +
         std::to_string(ntohs(a.sin_port));
}

}  // namespace

const char* to_string(ConnectOutcome outcome) {
  switch (outcome) {
    case ConnectOutcome::kConnected:
      return "connected";
    case ConnectOutcome::kRefused:
      return "refused";
    case ConnectOutcome::kTimeout:
      return "timeout";
    case ConnectOutcome::kUnreachable:
      return "unreachable";
    case ConnectOutcome::kNoRoute:
      return "no route";
    case ConnectOutcome::kError:
      return "error";
  }
  return "?";
}

Result<ConnectResult> tcp_connect(const std::string& ip, int port,
                                  std::chrono::milliseconds timeout,
                                  const std::vector<std::string>& behind) {
  sockaddr_in dst{};
  dst.sin_family = AF_INET;
  dst.sin_port = htons(static_cast<uint16_t>(port));
  if (port <= 0 || port > 65535 || inet_pton(AF_INET, ip.c_str(), &dst.sin_addr) != 1) {
    return fail(ErrorCode::kInvalidInput,
                "not an IPv4 address and port: \"" + ip + ":" + std::to_string(port) + "\"");
  }
  // The permit is held while the handshake is young (kHold), then given back: a silent
  // destination must not serialise every prober's timeout behind it.
  ProbeGate::Permit permit = ProbeGate::instance().acquire(ProbeKind::kConnect, ip, behind);
  Fd fd(::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd) return fail_errno(errno, "cannot open TCP socket");
  ConnectResult r;
  const auto start = Clock::now();
  int err = 0;
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&dst), sizeof dst) != 0) {
    err = errno;
    if (err == EINPROGRESS) {
      pollfd pfd{fd.get(), POLLOUT, 0};
      const auto hold = std::min(timeout, std::chrono::milliseconds(kHold));
      int ready = ::poll(&pfd, 1, static_cast<int>(hold.count()));
      if (ready == 0 && timeout > hold) {
        permit.release();
        ready = ::poll(&pfd, 1, static_cast<int>((timeout - hold).count()));
      }
      if (ready == 0) {
        err = ETIMEDOUT;
      } else {
        socklen_t len = sizeof err;
        ::getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &err, &len);
      }
    }
  }
  r.elapsed = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - start);
  r.outcome = classify(err);
  r.local = local_address(fd.get());
  r.detail = err == ETIMEDOUT ? "no answer within " + std::to_string(timeout.count()) + " ms"
             : err != 0       ? std::strerror(err)
                              : "";
  return r;
}

Result<ConnectResult> tcp_connect_confirmed(const std::string& ip, int port,
                                            std::chrono::milliseconds timeout) {
  auto first = tcp_connect(ip, port, timeout);
  if (!first || first->outcome != ConnectOutcome::kTimeout) return first;
  // Silence may be a SYN the server dropped (a full accept queue, a burst): ask again, long
  // enough for the kernel's first SYN retransmit (after 1 s) to be answered.
  auto second = tcp_connect(ip, port, std::max(timeout, kConfirmTimeout));
  if (!second) return first;
  second->attempts = 2;
  second->first_attempt = first->detail;
  return second;
}

}  // namespace netdoctor::probes
