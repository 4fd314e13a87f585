#include "probes/net/phase.h"

#include <curl/curl.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace netdoctor::probes {

std::string_view to_string(Phase phase) {
  switch (phase) {
    case Phase::kSetup:
      return "setup";
    case Phase::kDns:
      return "DNS";
    case Phase::kRoute:
      return "route";
    case Phase::kConnect:
      return "TCP connect";
    case Phase::kTls:
      return "TLS handshake";
    case Phase::kHttp:
      return "HTTP";
  }
  return "?";
}

bool is_certificate_failure(int curl_code) {
  switch (curl_code) {
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
      return true;
    default:
      return false;
  }
}

Phase classify_failure(int curl_code, const PhaseTimes& t, bool tls) {
  switch (curl_code) {
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_FAILED_INIT:
    case CURLE_URL_MALFORMAT:
    case CURLE_OUT_OF_MEMORY:
    case CURLE_BAD_FUNCTION_ARGUMENT:
      return Phase::kSetup;
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
      return Phase::kDns;
    case CURLE_COULDNT_CONNECT:
      return Phase::kConnect;
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_SSL_ENGINE_NOTFOUND:
    case CURLE_SSL_ENGINE_SETFAILED:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_ENGINE_INITFAILED:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_SHUTDOWN_FAILED:
      return Phase::kTls;
    default:
      break;
  }
  if (is_certificate_failure(curl_code)) return Phase::kTls;
  // Timeouts and dropped connections: the phase after the last one that completed.
  if (t.connect_us == 0 && !t.tcp_established) return Phase::kConnect;
  if (tls && t.appconnect_us == 0) return Phase::kTls;
  return Phase::kHttp;
}

std::string describe_connect_errno(int os_errno) {
  switch (os_errno) {
    case 0:
      return "no answer (timed out)";
    case ECONNREFUSED:
      return "refused (something answered, nothing listens)";
    case ETIMEDOUT:
      return "timed out (packets vanish)";
    case EHOSTUNREACH:
      return "host unreachable (an ICMP error came back)";
    case ENETUNREACH:
      return "network unreachable (no route)";
    default:
      return std::strerror(os_errno);
  }
}

std::string describe_times(const PhaseTimes& t, bool tls) {
  auto ms = [](long long us) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f ms", static_cast<double>(us < 0 ? 0 : us) / 1000.0);
    return std::string(buf);
  };
  std::string out;
  if (t.connect_us > 0) out = "connect " + ms(t.connect_us - t.namelookup_us);
  if (tls && t.appconnect_us > 0) out += ", TLS " + ms(t.appconnect_us - t.connect_us);
  if (t.starttransfer_us > 0) {
    const long long before = tls && t.appconnect_us > 0 ? t.appconnect_us : t.connect_us;
    out += ", HTTP " + ms(t.starttransfer_us - before);
  }
  if (out.empty()) out = "no phase completed";
  return out + " (total " + ms(t.total_us) + ")";
}

}  // namespace netdoctor::probes
