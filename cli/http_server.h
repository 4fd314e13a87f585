// A small HTTP/1.1 server for `netdoctor serve` on libmicrohttpd: one internal thread polls
// every connection (epoll), at most `max_connections` at once, idle ones closed after
// `idle_timeout`; GET and HEAD only. The handler runs on that thread and must be quick: serve
// hands it pre-rendered text.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "core/result.h"

struct MHD_Daemon;

namespace netdoctor::cli {

struct HttpReply {
  unsigned status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
};

// Called with the request path (no query string).
using HttpHandler = std::function<HttpReply(const std::string& path)>;

struct ListenAddress {
  std::string host;  // an IPv4 or IPv6 address; "" = every IPv4 address
  int port = 0;      // 0: any free port
};

// "ADDR:PORT", "[IPv6]:PORT" or ":PORT". Errors are kInvalidInput:
// `malformed --listen "x": expected ADDR:PORT, e.g. 0.0.0.0:9464 or [::1]:9464`.
[[nodiscard]] Result<ListenAddress> parse_listen(const std::string& text);

class HttpServer {
 public:
  struct Limits {
    unsigned max_connections = 16;
    std::chrono::seconds idle_timeout{10};
  };

  // Listens and starts the server thread. Errors name the address and the errno
  // (`cannot listen on 127.0.0.1:9464: Address already in use`).
  [[nodiscard]] static Result<std::unique_ptr<HttpServer>> start(const ListenAddress& address,
                                                                 HttpHandler handler,
                                                                 Limits limits);
  // Stops the thread and closes the listener and every connection.
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // The port listened on (the kernel's choice when 0 was asked).
  [[nodiscard]] int port() const { return port_; }

 private:
  HttpServer() = default;
  HttpHandler handler_;
  MHD_Daemon* daemon_ = nullptr;
  int port_ = 0;

  friend struct HttpServerAccess;
};

}  // namespace netdoctor::cli
