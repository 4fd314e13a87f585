// Names the phase an HTTP(S) or TCP probe failed in, from curl's result code and the phase
// timestamps curl recorded, so that a finding can say "TLS handshake" rather than "error 35".
// Pure: tests feed it codes and timings without any network.
#pragma once

#include <string>
#include <string_view>

namespace netdoctor::probes {

enum class Phase { kSetup, kDns, kRoute, kConnect, kTls, kHttp };

[[nodiscard]] std::string_view to_string(Phase phase);

// curl's cumulative timestamps from the start of the transfer (CURLINFO_*_TIME_T), in
// microseconds; 0 means the phase was never reached.
struct PhaseTimes {
  long long namelookup_us = 0;
  long long connect_us = 0;
  long long appconnect_us = 0;  // TLS handshake done (https only)
  long long starttransfer_us = 0;
  long long total_us = 0;
  // The TCP handshake completed. curl 7.88 counts the TLS handshake as part of connecting and
  // leaves connect_us at 0 when TLS then times out, so the socket is asked (getpeername).
  bool tcp_established = false;
};

// The phase a failed transfer stopped in. `curl_code` is a CURLcode other than CURLE_OK;
// `tls` says whether a handshake was due. A timeout or a dropped connection is placed by the
// last phase that completed: curl reports both the same way whatever the phase.
[[nodiscard]] Phase classify_failure(int curl_code, const PhaseTimes& times, bool tls);

// Whether the failure is about the peer's certificate (not its reachability).
[[nodiscard]] bool is_certificate_failure(int curl_code);

// How a connect() failure reads for a person: "refused", "timed out", "host unreachable".
[[nodiscard]] std::string describe_connect_errno(int os_errno);

// Each phase's own duration ("connect 0.4 ms, TLS 3.1 ms, HTTP 0.8 ms"), for evidence.
[[nodiscard]] std::string describe_times(const PhaseTimes& times, bool tls);

}  // namespace netdoctor::probes
