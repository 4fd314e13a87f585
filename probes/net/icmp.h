// ICMP echo from the calling thread's network namespace, over a raw socket (CAP_NET_RAW).
//
// Ping sockets (SOCK_DGRAM/IPPROTO_ICMP) need the caller's gid inside the namespace's
// net.ipv4.ping_group_range, which is "1 0" in a new namespace; netdoctor never changes a
// pod's sysctls to make a probe work, so it uses a raw socket and reports a missing
// CAP_NET_RAW by name.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "core/result.h"

namespace netdoctor::probes {

enum class EchoOutcome {
  kReply,        // an echo reply came back
  kTimeout,      // nothing came back within the timeout
  kUnreachable,  // an ICMP error came back (destination unreachable, ...)
  kTooBig,       // the packet exceeds a known MTU (local EMSGSIZE or ICMP frag-needed)
  kSendError,    // sending failed locally (no route, network unreachable, ...)
};

struct EchoResult {
  EchoOutcome outcome = EchoOutcome::kTimeout;
  std::chrono::microseconds rtt{0};
  std::string detail;  // "from 10.244.1.1: host unreachable", "mtu 1400", strerror
  std::string reply_from;
  int mtu = 0;                // next-hop MTU when kTooBig
  int attempts = 1;           // 2 when silence was confirmed by a second echo
  std::string first_attempt;  // with 2 attempts: how the first ended

  // The first echo got no answer and the confirming one did: intermittent, not down.
  [[nodiscard]] bool recovered() const { return attempts > 1 && outcome == EchoOutcome::kReply; }
};

struct EchoOptions {
  std::chrono::milliseconds timeout{1000};
  int packet_size = 84;        // whole IP packet, header included (84 = ping's default)
  bool dont_fragment = false;  // IP_PMTUDISC_PROBE: DF set, cached PMTU ignored
  int ttl = 64;
  uint16_t id = 0;  // ICMP identifier; 0 picks a fresh one (see next_echo_id)
};

// A fresh ICMP identifier: concurrent probes (and a capture waiting for one) tell theirs apart.
[[nodiscard]] uint16_t next_echo_id();

[[nodiscard]] const char* to_string(EchoOutcome outcome);

// A round-trip time as evidence shows it: "0.25 ms".
[[nodiscard]] std::string format_ms(std::chrono::microseconds us);

// Sends one echo request to `ip` and waits for the answer. Errors (as opposed to outcomes) are
// only for probes that could not be attempted: no CAP_NET_RAW, a malformed address.
[[nodiscard]] Result<EchoResult> icmp_echo(const std::string& ip, const EchoOptions& options);

// An echo whose silence (kTimeout) is confirmed once by a second echo (a fresh identifier, the
// same size and timeout): the result is the second's, with attempts = 2. An ICMP
// error or a local send error is an answer and is not asked again.
[[nodiscard]] Result<EchoResult> icmp_echo_confirmed(const std::string& ip,
                                                     const EchoOptions& options);

}  // namespace netdoctor::probes
