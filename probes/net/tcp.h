// TCP connect from the calling thread's network namespace, with the failure classified the way
// a person reads it: refused (something answered, nothing listens), timeout (packets vanish),
// unreachable (an ICMP error came back), no route (the namespace has no route at all).
#pragma once

#include <chrono>
#include <string>

#include "core/result.h"

namespace netdoctor::probes {

enum class ConnectOutcome { kConnected, kRefused, kTimeout, kUnreachable, kNoRoute, kError };

struct ConnectResult {
  ConnectOutcome outcome = ConnectOutcome::kTimeout;
  std::chrono::microseconds elapsed{0};
  std::string detail;  // strerror or "no answer within N ms"
  std::string local;   // "10.244.1.4:40312": the source the kernel chose
};

[[nodiscard]] const char* to_string(ConnectOutcome outcome);

[[nodiscard]] Result<ConnectResult> tcp_connect(const std::string& ip, int port,
                                                std::chrono::milliseconds timeout);

}  // namespace netdoctor::probes
