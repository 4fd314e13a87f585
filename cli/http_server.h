// A small HTTP/1.1 server for `netdoctor serve` on libmicrohttpd, plain or over TLS (GnuTLS);
// GET and HEAD only. One thread polls every connection (epoll) and runs the handler, which must
// be quick: serve hands it pre-rendered text. An answer that needs the network (a token checked
// with the API server) is deferred: the connection is suspended and the answer computed on one
// of a few worker threads, so that a slow API server never stalls the other connections.
//
// Bounds, so that slow or many clients cannot take the server from everyone else (the kubelet's
// probes included): at most `max_connections` at once and `max_connections_per_ip` from one
// address (more are closed at once), idle connections closed after `idle_timeout`, and every
// connection closed `request_timeout` after it was accepted, even one that keeps trickling
// bytes (libmicrohttpd's own timeout is one of inactivity only). Deferred answers wait in a
// bounded queue; a full queue is a 503.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <ostream>
#include <stop_token>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "cli/http_listen.h"
#include "core/result.h"

namespace netdoctor::cli {

struct HttpReply {
  unsigned status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
  // Extra response headers (WWW-Authenticate, ...).
  std::vector<std::pair<std::string, std::string>> headers = {};
};

struct HttpRequest {
  std::string method;  // GET or HEAD (other methods are answered 405 before any handler)
  std::string path;    // without the query string
  // The Authorization header as sent; "" when absent. Never logged.
  std::string authorization;
};

// An answer computed on a worker thread. `stop` is requested when the server stops: the work
// should then end early (the reply it returns is not sent).
using HttpDeferred = std::function<HttpReply(std::stop_token stop)>;
using HttpAnswer = std::variant<HttpReply, HttpDeferred>;
using HttpHandler = std::function<HttpAnswer(const HttpRequest& request)>;

class HttpServer {
 public:
  struct Limits {
    unsigned max_connections = 256;
    unsigned max_connections_per_ip = 8;  // 0: no limit per address
    std::chrono::seconds idle_timeout{10};
    std::chrono::milliseconds request_timeout{10000};  // a connection's whole life
    unsigned workers = 2;                              // threads computing deferred answers
    std::size_t max_deferred = 32;  // deferred answers waiting or running; more are 503
  };
  struct Tls {
    std::string cert_pem;  // the server's certificate (chain), PEM; empty: plain HTTP
    std::string key_pem;   // its private key, PEM
  };

  // Listens and starts the server threads. Errors name the address and the errno
  // (`cannot listen on 127.0.0.1:9464: Address already in use`), or the TLS problem.
  // libmicrohttpd's own messages (a refused TLS handshake, a connection over the limits) go to
  // `log` prefixed with "netdoctor serve: http: ", at most a few a minute; nullptr: dropped.
  [[nodiscard]] static Result<std::unique_ptr<HttpServer>> start(const ListenAddress& address,
                                                                 HttpHandler handler, Limits limits,
                                                                 Tls tls = {},
                                                                 std::ostream* log = nullptr);
  // Stops the workers (deferred answers still waiting get a 503), then the polling thread, and
  // closes the listener and every connection.
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // The port listened on (the kernel's choice when 0 was asked).
  [[nodiscard]] int port() const;
  [[nodiscard]] bool tls() const;

  struct State;

 private:
  explicit HttpServer(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

// Whether this libmicrohttpd was built with TLS support (Debian's is, with GnuTLS).
[[nodiscard]] bool http_tls_supported();

}  // namespace netdoctor::cli
