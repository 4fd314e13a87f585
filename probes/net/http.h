// HTTP(S) GETs with libcurl from the calling thread's network namespace.
//
// The easy handle opens its socket in perform, on the calling thread: the caller puts that
// thread in the pod's namespace (netns::run_in) and creates the handle there too, so nothing
// is ever bound to the prober's namespace. curl never resolves a name itself (its resolver
// would read the prober's /etc/resolv.conf): names are pinned with CURLOPT_RESOLVE to an
// address the caller resolved through the pod's DNS, and the prober's proxy variables are off.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

#include "probes/net/phase.h"

namespace netdoctor::probes {

struct HttpRequest {
  std::string url;           // scheme://host:port/path
  std::string connect_ip;    // when the host is a name: the address to use (CURLOPT_RESOLVE)
  std::string ca_pem;        // CA bundle to verify against; empty: the prober's default
  bool verify = true;        // peer and host name (IP SAN for an address)
  std::string bearer_token;  // sent as "Authorization: Bearer ..." when not empty
  std::chrono::milliseconds timeout{1000};  // whole transfer
  std::size_t max_body = 512;               // bytes of the body kept for evidence
};

struct HttpResult {
  int curl_code = 0;  // CURLcode; 0 is success
  std::string error;  // curl's error buffer, when it failed
  int os_errno = 0;   // errno of the failed connect, when any
  long http_status = 0;
  PhaseTimes times;
  std::string primary_ip;  // the address connected to
  long primary_port = 0;
  std::string local_ip;  // the source address the kernel chose
  std::string body;      // the first max_body bytes
  [[nodiscard]] bool ok() const { return curl_code == 0; }
};

// GETs each path in turn over one handle (and one connection when the server keeps it),
// stopping after the first transfer that fails below HTTP. `paths` replace the path of
// `request.url`'s; with no path the URL itself is fetched once.
[[nodiscard]] std::vector<HttpResult> http_get(const HttpRequest& request,
                                               const std::vector<std::string>& paths = {});

struct PeerCert {
  std::string subject;
  std::string issuer;
};

// The certificate chain the server presents, fetched by a handshake with verification off.
// Only for reporting why verification failed: nothing sent or received over it is trusted.
[[nodiscard]] std::vector<PeerCert> fetch_peer_chain(const HttpRequest& request);

// Initialises libcurl once per process; safe from any thread (http_get calls it too).
void ensure_curl_initialised();

// Frees the calling thread's OpenSSL state (error queue, random generator) when it goes out of
// scope. Probe and layer threads are detached and hand back their result before they end: left
// to the thread-exit handler, that state could still be being freed while the process exits
// (LeakSanitizer saw 57 such blocks once). A thread that touched libcurl or libcrypto holds one
// of these around that work, so its state is gone before its result is delivered.
class ThreadTlsRelease {
 public:
  ThreadTlsRelease() = default;
  ThreadTlsRelease(const ThreadTlsRelease&) = delete;
  ThreadTlsRelease& operator=(const ThreadTlsRelease&) = delete;
  ~ThreadTlsRelease();
};

}  // namespace netdoctor::probes
