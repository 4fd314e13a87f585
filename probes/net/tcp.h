// TCP connect from the calling thread's network namespace, with the failure classified the way
// a person reads it: refused (something answered, nothing listens), timeout (packets vanish),
// unreachable (an ICMP error came back), no route (the namespace has no route at all).
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "core/result.h"

namespace netdoctor::probes {

enum class ConnectOutcome { kConnected, kRefused, kTimeout, kUnreachable, kNoRoute, kError };

struct ConnectResult {
  ConnectOutcome outcome = ConnectOutcome::kTimeout;
  std::chrono::microseconds elapsed{0};
  std::string detail;         // strerror or "no answer within N ms"
  std::string local;          // "10.244.1.4:40312": the source the kernel chose
  int attempts = 1;           // 2 when a timeout was confirmed by a second connect
  std::string first_attempt;  // with 2 attempts: how the first ended ("no answer within 1000 ms")

  // The first attempt failed and the confirmation connected: intermittent, not down.
  [[nodiscard]] bool recovered() const {
    return attempts > 1 && outcome == ConnectOutcome::kConnected;
  }
};

// How long a confirming connect waits: past the kernel's first SYN retransmit (1 s).
inline constexpr std::chrono::milliseconds kConfirmTimeout{1300};

[[nodiscard]] const char* to_string(ConnectOutcome outcome);

// One connect, under the probe gate (probes/net/gate.h); `behind`: the addresses it may really
// reach (a ClusterIP's endpoints), bounded as well.
[[nodiscard]] Result<ConnectResult> tcp_connect(const std::string& ip, int port,
                                                std::chrono::milliseconds timeout,
                                                const std::vector<std::string>& behind = {});

// A connect whose timeout is confirmed once: a second connect waiting at least kConfirmTimeout.
// Refused and unreachable are answers, not silence: they are not asked again. The result is the
// second attempt's, with attempts = 2 and the first's detail.
[[nodiscard]] Result<ConnectResult> tcp_connect_confirmed(const std::string& ip, int port,
                                                          std::chrono::milliseconds timeout);

}  // namespace netdoctor::probes
