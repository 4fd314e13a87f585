#include "probes/net/http.h"

#include <curl/curl.h>
#include <openssl/crypto.h>

#include <sys/socket.h>
#include <unistd.h>

#include <memory>
#include <mutex>

#include "core/redact.h"
#include "probes/net/resolv_conf.h"

namespace netdoctor::probes {
namespace {

struct EasyDeleter {
  void operator()(CURL* h) const { curl_easy_cleanup(h); }
};
using Easy = std::unique_ptr<CURL, EasyDeleter>;

struct SlistDeleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};
using Slist = std::unique_ptr<curl_slist, SlistDeleter>;

// Whether the socket curl closes had completed its TCP handshake: a connected socket has a
// peer. curl closes a failed transfer's socket before curl_easy_perform returns.
int on_close_socket(void* user, curl_socket_t fd) {
  sockaddr_storage peer{};
  socklen_t len = sizeof peer;
  if (::getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &len) == 0) {
    *static_cast<bool*>(user) = true;
  }
  return ::close(fd);
}

struct Sink {
  std::string* body;
  std::size_t max;
};

// Keeps the first bytes of the body and discards the rest (returning the full size, so the
// transfer goes on: a large answer is no failure).
std::size_t on_body(char* data, std::size_t size, std::size_t n, void* user) {
  auto* sink = static_cast<Sink*>(user);
  const std::size_t len = size * n;
  if (sink->body->size() < sink->max) {
    sink->body->append(data, std::min(len, sink->max - sink->body->size()));
  }
  return len;
}

// "host:port" of a URL "scheme://host:port/...", for CURLOPT_RESOLVE.
std::string host_port_of(const std::string& url) {
  const auto start = url.find("://");
  if (start == std::string::npos) return {};
  const auto end = url.find('/', start + 3);
  return url.substr(start + 3, end == std::string::npos ? std::string::npos : end - start - 3);
}

// The host of a URL, without brackets.
std::string host_of(const std::string& url) {
  std::string hp = host_port_of(url);
  if (hp.starts_with('[')) return hp.substr(1, hp.find(']') - 1);
  return hp.substr(0, hp.rfind(':'));
}

// Replaces the path of `url` with `path`.
std::string with_path(const std::string& url, const std::string& path) {
  const auto start = url.find("://");
  const auto slash = url.find('/', start == std::string::npos ? 0 : start + 3);
  return (slash == std::string::npos ? url : url.substr(0, slash)) + path;
}

struct Prepared {
  Easy easy;
  Slist headers;
  Slist resolve;
  bool tcp_established = false;  // set by on_close_socket
};

// Settings shared by every transfer: no proxy, no redirects, no signals (threads), no
// connection to anything but the pinned address.
bool prepare(Prepared& p, const HttpRequest& r, char* errbuf) {
  CURL* h = p.easy.get();
  const long timeout = static_cast<long>(r.timeout.count() > 0 ? r.timeout.count() : 1);
  bool ok = curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L) == CURLE_OK;
  ok &= curl_easy_setopt(h, CURLOPT_CLOSESOCKETFUNCTION, on_close_socket) == CURLE_OK;
  ok &= curl_easy_setopt(h, CURLOPT_CLOSESOCKETDATA, &p.tcp_established) == CURLE_OK;
  ok &= curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf) == CURLE_OK;
  ok &= curl_easy_setopt(h, CURLOPT_PROXY, "") == CURLE_OK;  // never the prober's http_proxy
  ok &= curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L) == CURLE_OK;
  ok &= curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https") == CURLE_OK;
  ok &= curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout) == CURLE_OK;
  ok &= curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, timeout) == CURLE_OK;
  ok &= curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, r.verify ? 1L : 0L) == CURLE_OK;
  ok &= curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, r.verify ? 2L : 0L) == CURLE_OK;
  if (!r.ca_pem.empty()) {
    curl_blob blob{const_cast<char*>(r.ca_pem.data()), r.ca_pem.size(), CURL_BLOB_COPY};
    ok &= curl_easy_setopt(h, CURLOPT_CAINFO_BLOB, &blob) == CURLE_OK;
  }
  if (!r.connect_ip.empty()) {
    p.resolve.reset(curl_slist_append(nullptr, (host_port_of(r.url) + ":" + r.connect_ip).c_str()));
    ok &= curl_easy_setopt(h, CURLOPT_RESOLVE, p.resolve.get()) == CURLE_OK;
  }
  if (!r.bearer_token.empty()) {
    p.headers.reset(
        curl_slist_append(nullptr, ("Authorization: Bearer " + r.bearer_token).c_str()));
    ok &= curl_easy_setopt(h, CURLOPT_HTTPHEADER, p.headers.get()) == CURLE_OK;
  }
  return ok;
}

long long info_time(CURL* h, CURLINFO what) {
  curl_off_t v = 0;
  return curl_easy_getinfo(h, what, &v) == CURLE_OK ? static_cast<long long>(v) : 0;
}

void collect(CURL* h, HttpResult& out) {
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &out.http_status);
  long err = 0;
  curl_easy_getinfo(h, CURLINFO_OS_ERRNO, &err);
  out.os_errno = static_cast<int>(err);
  out.times.namelookup_us = info_time(h, CURLINFO_NAMELOOKUP_TIME_T);
  out.times.connect_us = info_time(h, CURLINFO_CONNECT_TIME_T);
  out.times.appconnect_us = info_time(h, CURLINFO_APPCONNECT_TIME_T);
  out.times.starttransfer_us = info_time(h, CURLINFO_STARTTRANSFER_TIME_T);
  out.times.total_us = info_time(h, CURLINFO_TOTAL_TIME_T);
  char* ip = nullptr;
  if (curl_easy_getinfo(h, CURLINFO_PRIMARY_IP, &ip) == CURLE_OK && ip) out.primary_ip = ip;
  curl_easy_getinfo(h, CURLINFO_PRIMARY_PORT, &out.primary_port);
  if (curl_easy_getinfo(h, CURLINFO_LOCAL_IP, &ip) == CURLE_OK && ip) out.local_ip = ip;
}

HttpResult setup_failure(const std::string& why) {
  HttpResult r;
  r.curl_code = CURLE_FAILED_INIT;
  r.error = why;
  return r;
}

}  // namespace

ThreadTlsRelease::~ThreadTlsRelease() {
  OPENSSL_thread_stop();
}

void ensure_curl_initialised() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

std::vector<HttpResult> http_get(const HttpRequest& request,
                                 const std::vector<std::string>& paths) {
  ensure_curl_initialised();
  // curl's own resolver would use the prober's /etc/resolv.conf: names must come pinned.
  if (request.connect_ip.empty() && !dns::is_ip_address(host_of(request.url))) {
    return {setup_failure("\"" + host_of(request.url) + "\" was not resolved through the pod")};
  }
  Prepared p;
  p.easy.reset(curl_easy_init());
  char errbuf[CURL_ERROR_SIZE] = {};
  if (!p.easy || !prepare(p, request, errbuf))
    return {setup_failure("cannot set up a curl handle")};
  std::vector<std::string> urls;
  for (const auto& path : paths) urls.push_back(with_path(request.url, path));
  if (urls.empty()) urls.push_back(request.url);
  std::vector<HttpResult> results;
  for (const auto& url : urls) {
    HttpResult out;
    errbuf[0] = '\0';
    Sink sink{&out.body, request.max_body};
    curl_easy_setopt(p.easy.get(), CURLOPT_URL, url.c_str());
    curl_easy_setopt(p.easy.get(), CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(p.easy.get(), CURLOPT_WRITEDATA, &sink);
    p.tcp_established = false;
    out.curl_code = static_cast<int>(curl_easy_perform(p.easy.get()));
    collect(p.easy.get(), out);
    out.times.tcp_established = p.tcp_established || out.times.connect_us > 0;
    // curl's words may quote a URL it was given; no proxy is ever set here (CURLOPT_PROXY ""),
    // but a URL's userinfo still never reaches a report.
    if (!out.ok()) {
      out.error = redact_userinfo(errbuf[0] ? errbuf : curl_easy_strerror(CURLcode(out.curl_code)));
    }
    results.push_back(std::move(out));
    if (!results.back().ok()) break;
  }
  return results;
}

std::vector<PeerCert> fetch_peer_chain(const HttpRequest& request) {
  ensure_curl_initialised();
  HttpRequest r = request;
  r.verify = false;
  r.bearer_token.clear();  // nothing of the pod's goes to an unverified peer
  Prepared p;
  p.easy.reset(curl_easy_init());
  char errbuf[CURL_ERROR_SIZE] = {};
  if (!p.easy || !prepare(p, r, errbuf)) return {};
  CURL* h = p.easy.get();
  curl_easy_setopt(h, CURLOPT_URL, r.url.c_str());
  curl_easy_setopt(h, CURLOPT_CERTINFO, 1L);
  curl_easy_setopt(h, CURLOPT_CONNECT_ONLY, 1L);  // the handshake only, no request
  if (curl_easy_perform(h) != CURLE_OK) return {};
  curl_certinfo* info = nullptr;
  std::vector<PeerCert> chain;
  if (curl_easy_getinfo(h, CURLINFO_CERTINFO, &info) != CURLE_OK || info == nullptr) return chain;
  for (int i = 0; i < info->num_of_certs; ++i) {
    PeerCert cert;
    for (curl_slist* f = info->certinfo[i]; f; f = f->next) {
      const std::string field = f->data;
      if (field.rfind("Subject:", 0) == 0) cert.subject = field.substr(8);
      if (field.rfind("Issuer:", 0) == 0) cert.issuer = field.substr(7);
    }
    chain.push_back(std::move(cert));
  }
  return chain;
}

}  // namespace netdoctor::probes
