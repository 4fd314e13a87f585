#include "cli/http_server.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cerrno>
#include <charconv>
#include <cstring>

#include "core/fd.h"

namespace netdoctor::cli {

namespace {

constexpr int kBacklog = 16;

std::string describe(const ListenAddress& a) {
  const std::string host = a.host.empty() ? "0.0.0.0" : a.host;
  return (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" +
         std::to_string(a.port);
}

tl::unexpected<Error> malformed(const std::string& text, const std::string& why) {
  return fail(ErrorCode::kInvalidInput, "malformed --listen \"" + text + "\": " + why +
                                            " (expected ADDR:PORT, e.g. 0.0.0.0:9464, "
                                            "127.0.0.1:9464, [::1]:9464 or :9464)");
}

// A bound, listening socket for the address.
Result<Fd> listen_on(const ListenAddress& a) {
  sockaddr_storage storage{};
  socklen_t len = 0;
  int family = AF_INET;
  if (a.host.find(':') != std::string::npos) {
    family = AF_INET6;
    auto* sin6 = reinterpret_cast<sockaddr_in6*>(&storage);
    sin6->sin6_family = AF_INET6;
    sin6->sin6_port = htons(static_cast<uint16_t>(a.port));
    if (inet_pton(AF_INET6, a.host.c_str(), &sin6->sin6_addr) != 1) {
      return fail(ErrorCode::kInvalidInput, "cannot listen on " + describe(a) + ": bad address");
    }
    len = sizeof *sin6;
  } else {
    auto* sin = reinterpret_cast<sockaddr_in*>(&storage);
    sin->sin_family = AF_INET;
    sin->sin_port = htons(static_cast<uint16_t>(a.port));
    const std::string host = a.host.empty() ? "0.0.0.0" : a.host;
    if (inet_pton(AF_INET, host.c_str(), &sin->sin_addr) != 1) {
      return fail(ErrorCode::kInvalidInput, "cannot listen on " + describe(a) + ": bad address");
    }
    len = sizeof *sin;
  }
  Fd fd(::socket(family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (!fd) return fail_errno(errno, "cannot listen on " + describe(a));
  const int one = 1;
  ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&storage), len) != 0 ||
      ::listen(fd.get(), kBacklog) != 0) {
    return fail_errno(errno, "cannot listen on " + describe(a));
  }
  return fd;
}

int bound_port(int fd) {
  sockaddr_storage storage{};
  socklen_t len = sizeof storage;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&storage), &len) != 0) return 0;
  if (storage.ss_family == AF_INET6) {
    return ntohs(reinterpret_cast<sockaddr_in6*>(&storage)->sin6_port);
  }
  return ntohs(reinterpret_cast<sockaddr_in*>(&storage)->sin_port);
}

MHD_Result queue(MHD_Connection* connection, const HttpReply& reply, bool head) {
  MHD_Response* response = MHD_create_response_from_buffer(
      head ? 0 : reply.body.size(), const_cast<char*>(reply.body.data()), MHD_RESPMEM_MUST_COPY);
  if (response == nullptr) return MHD_NO;
  MHD_add_response_header(response, MHD_HTTP_HEADER_CONTENT_TYPE, reply.content_type.c_str());
  MHD_add_response_header(response, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
  if (reply.status == MHD_HTTP_METHOD_NOT_ALLOWED) {
    MHD_add_response_header(response, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
  }
  const MHD_Result rc = MHD_queue_response(connection, reply.status, response);
  MHD_destroy_response(response);
  return rc;
}

}  // namespace

struct HttpServerAccess {
  // libmicrohttpd's access handler: called once with the headers (answer then, a GET has no
  // body), and for uploads again with data, which nobody here accepts.
  static MHD_Result on_request(void* cls, MHD_Connection* connection, const char* url,
                               const char* method, const char* /*version*/,
                               const char* /*upload_data*/, size_t* upload_data_size,
                               void** /*con_cls*/) {
    auto* server = static_cast<HttpServer*>(cls);
    const bool head = std::strcmp(method, MHD_HTTP_METHOD_HEAD) == 0;
    if (!head && std::strcmp(method, MHD_HTTP_METHOD_GET) != 0) {
      *upload_data_size = 0;  // discard any body
      return queue(
          connection,
          {MHD_HTTP_METHOD_NOT_ALLOWED, "text/plain; charset=utf-8", "only GET and HEAD\n"}, false);
    }
    HttpReply reply;
    try {
      reply = server->handler_(url == nullptr ? "/" : url);
    } catch (const std::exception& e) {
      reply = {MHD_HTTP_INTERNAL_SERVER_ERROR, "text/plain; charset=utf-8",
               std::string(e.what()) + "\n"};
    }
    return queue(connection, reply, head);
  }
};

Result<ListenAddress> parse_listen(const std::string& text) {
  const auto colon = text.rfind(':');
  if (colon == std::string::npos) return malformed(text, "no port");
  ListenAddress a;
  a.host = text.substr(0, colon);
  if (a.host.starts_with('[')) {
    if (!a.host.ends_with(']')) return malformed(text, "unclosed [");
    a.host = a.host.substr(1, a.host.size() - 2);
    in6_addr v6{};
    if (inet_pton(AF_INET6, a.host.c_str(), &v6) != 1) {
      return malformed(text, "not an IPv6 address");
    }
  } else if (!a.host.empty()) {
    in_addr v4{};
    if (inet_pton(AF_INET, a.host.c_str(), &v4) != 1) {
      return malformed(text, "not an IPv4 address (IPv6 goes in brackets)");
    }
  }
  const std::string port = text.substr(colon + 1);
  auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), a.port);
  if (port.empty() || ec != std::errc() || end != port.data() + port.size() || a.port < 0 ||
      a.port > 65535) {
    return malformed(text, "port must be a number from 0 to 65535");
  }
  return a;
}

Result<std::unique_ptr<HttpServer>> HttpServer::start(const ListenAddress& address,
                                                      HttpHandler handler, Limits limits) {
  auto fd = listen_on(address);
  if (!fd) return tl::unexpected(fd.error());
  std::unique_ptr<HttpServer> server(new HttpServer);
  server->handler_ = std::move(handler);
  server->port_ = bound_port(fd->get());
  const unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG;
  server->daemon_ =
      MHD_start_daemon(flags, 0, nullptr, nullptr, &HttpServerAccess::on_request, server.get(),
                       MHD_OPTION_LISTEN_SOCKET, fd->get(), MHD_OPTION_CONNECTION_LIMIT,
                       limits.max_connections, MHD_OPTION_CONNECTION_TIMEOUT,
                       static_cast<unsigned>(limits.idle_timeout.count()), MHD_OPTION_END);
  if (server->daemon_ == nullptr) {
    return fail(ErrorCode::kSystem,
                "cannot start the HTTP server on " + describe(address) + " (libmicrohttpd)");
  }
  fd->release();  // the daemon closes it when it stops
  return server;
}

HttpServer::~HttpServer() {
  if (daemon_ != nullptr) MHD_stop_daemon(daemon_);
}

}  // namespace netdoctor::cli
