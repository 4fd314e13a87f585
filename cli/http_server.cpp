// The server runs libmicrohttpd without its internal thread: one thread of ours calls
// MHD_run_wait and, between two calls, closes the connections that outlived the request
// timeout (shutdown(2) of their socket; libmicrohttpd then sees the end of the stream and
// closes them itself). Doing that on the thread that runs libmicrohttpd means a connection is
// never touched after it was closed. Deferred answers run on worker threads: the connection is
// suspended meanwhile and resumed with the reply.
#include "cli/http_server.h"

#include <fcntl.h>
#include <microhttpd.h>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <deque>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>

namespace netdoctor::cli {

namespace {

using Clock = std::chrono::steady_clock;

constexpr int kBacklog = 64;
// Requests are a line and a few headers (a bearer token is a few kB at most): 16 KiB per
// connection bounds the memory of 256 connections to 4 MiB.
constexpr std::size_t kConnectionMemory = 16 * 1024;
// libmicrohttpd's messages and ours, at most this many a minute: a flood of connections over
// the limits must not become a flood of log lines.
constexpr int kLogLinesPerMinute = 6;
// TLS 1.2 and 1.3 only.
constexpr const char* kTlsPriorities = "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2";

class ThrottledLog {
 public:
  explicit ThrottledLog(std::ostream* out) : out_(out) {}

  void write(const std::string& line) {
    std::lock_guard<std::mutex> lock(mutex_);
    last_ = line;
    if (out_ == nullptr) return;
    const auto now = Clock::now();
    if (now - window_ > std::chrono::minutes(1)) {
      if (suppressed_ > 0) {
        *out_ << "netdoctor serve: http: (" << suppressed_ << " more messages suppressed)\n";
      }
      window_ = now;
      lines_ = 0;
      suppressed_ = 0;
    }
    if (lines_ >= kLogLinesPerMinute) {
      ++suppressed_;
      return;
    }
    ++lines_;
    *out_ << "netdoctor serve: http: " << line << std::endl;
  }
  std::string last() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return last_;
  }

 private:
  std::ostream* out_;
  mutable std::mutex mutex_;
  Clock::time_point window_{};
  int lines_ = 0;
  long suppressed_ = 0;
  std::string last_;
};

// One request's state while its answer is computed elsewhere (libmicrohttpd's con_cls).
struct Pending {
  bool head = false;
  std::optional<HttpReply> reply;  // set by the worker, under State::mutex
};

struct Job {
  MHD_Connection* connection = nullptr;
  Pending* pending = nullptr;
  HttpDeferred work;
};

struct Accepted {
  Clock::time_point at;
  bool shut = false;
};

MHD_Result queue(MHD_Connection* connection, const HttpReply& reply, bool head) {
  MHD_Response* response = MHD_create_response_from_buffer(
      head ? 0 : reply.body.size(), const_cast<char*>(reply.body.data()), MHD_RESPMEM_MUST_COPY);
  if (response == nullptr) return MHD_NO;
  MHD_add_response_header(response, MHD_HTTP_HEADER_CONTENT_TYPE, reply.content_type.c_str());
  MHD_add_response_header(response, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
  if (reply.status == MHD_HTTP_METHOD_NOT_ALLOWED) {
    MHD_add_response_header(response, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
  }
  for (const auto& [name, value] : reply.headers) {
    MHD_add_response_header(response, name.c_str(), value.c_str());
  }
  const MHD_Result rc = MHD_queue_response(connection, reply.status, response);
  MHD_destroy_response(response);
  return rc;
}

HttpReply busy() {
  return {MHD_HTTP_SERVICE_UNAVAILABLE,
          "text/plain; charset=utf-8",
          "busy: too many requests waiting for an answer; try again\n",
          {{"Retry-After", "1"}}};
}

}  // namespace

struct HttpServer::State {
  explicit State(std::ostream* out) : log(out) {}

  HttpHandler handler;
  Limits limits;
  Tls tls_files;
  bool tls = false;
  int port = 0;
  MHD_Daemon* daemon = nullptr;
  ThrottledLog log;

  // Only the polling thread touches these.
  std::unordered_map<MHD_Connection*, Accepted> accepted;
  std::thread poller;
  std::atomic<bool> stop_polling{false};

  std::mutex mutex;
  std::condition_variable wake;
  std::deque<Job> jobs;
  std::size_t deferred = 0;  // waiting or running
  bool stopping = false;
  std::stop_source stop;
  std::vector<std::thread> workers;

  void poll() {
    while (!stop_polling.load()) {
      MHD_run_wait(daemon, 250);
      close_old_connections();
    }
  }

  void close_old_connections() {
    const auto now = Clock::now();
    int closed = 0;
    for (auto& [connection, a] : accepted) {
      if (a.shut || now - a.at < limits.request_timeout) continue;
      const MHD_ConnectionInfo* info =
          MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CONNECTION_FD);
      if (info != nullptr) ::shutdown(info->connect_fd, SHUT_RDWR);
      a.shut = true;
      ++closed;
    }
    if (closed > 0) {
      log.write("closed " + std::to_string(closed) + " connection(s) open for longer than " +
                std::to_string(limits.request_timeout.count()) + " ms");
    }
  }

  void work() {
    for (;;) {
      Job job;
      {
        std::unique_lock<std::mutex> lock(mutex);
        wake.wait(lock, [this] { return stopping || !jobs.empty(); });
        if (jobs.empty()) return;  // stopping, nothing left
        job = std::move(jobs.front());
        jobs.pop_front();
      }
      HttpReply reply;
      if (stop.stop_requested()) {
        reply = busy();
      } else {
        try {
          reply = job.work(stop.get_token());
        } catch (const std::exception& e) {
          reply = {MHD_HTTP_INTERNAL_SERVER_ERROR, "text/plain; charset=utf-8",
                   std::string(e.what()) + "\n"};
        }
      }
      {
        std::lock_guard<std::mutex> lock(mutex);
        job.pending->reply = std::move(reply);
        --deferred;
      }
      // After this the polling thread may answer and free `pending`: not touched again.
      MHD_resume_connection(job.connection);
    }
  }

  // Hands `work` to a worker; false when too many wait already (answer busy() then).
  bool defer(MHD_Connection* connection, Pending* pending, HttpDeferred work) {
    std::lock_guard<std::mutex> lock(mutex);
    if (stopping || deferred >= limits.max_deferred) return false;
    ++deferred;
    MHD_suspend_connection(connection);
    jobs.push_back({connection, pending, std::move(work)});
    wake.notify_one();
    return true;
  }
};

struct HttpServerAccess {
  // libmicrohttpd's access handler: called once with the headers (answer then, a GET has no
  // body), and for uploads again with data, which nobody here accepts. A deferred answer
  // suspends the connection; once resumed, libmicrohttpd calls again and the reply is queued.
  static MHD_Result on_request(void* cls, MHD_Connection* connection, const char* url,
                               const char* method, const char* /*version*/,
                               const char* /*upload_data*/, size_t* upload_data_size,
                               void** con_cls) {
    auto* state = static_cast<HttpServer::State*>(cls);
    if (*con_cls != nullptr) {
      auto* pending = static_cast<Pending*>(*con_cls);
      std::optional<HttpReply> reply;
      {
        std::lock_guard<std::mutex> lock(state->mutex);
        reply = std::move(pending->reply);
      }
      *upload_data_size = 0;
      return queue(connection, reply ? *reply : busy(), pending->head);
    }
    const bool head = std::strcmp(method, MHD_HTTP_METHOD_HEAD) == 0;
    if (!head && std::strcmp(method, MHD_HTTP_METHOD_GET) != 0) {
      *upload_data_size = 0;  // discard any body
      return queue(
          connection,
          {MHD_HTTP_METHOD_NOT_ALLOWED, "text/plain; charset=utf-8", "only GET and HEAD\n"}, false);
    }
    HttpRequest request;
    request.method = method;
    request.path = url == nullptr ? "/" : url;
    const char* auth =
        MHD_lookup_connection_value(connection, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
    if (auth != nullptr) request.authorization = auth;
    HttpAnswer answer;
    try {
      answer = state->handler(request);
    } catch (const std::exception& e) {
      answer = HttpReply{MHD_HTTP_INTERNAL_SERVER_ERROR, "text/plain; charset=utf-8",
                         std::string(e.what()) + "\n"};
    }
    if (auto* reply = std::get_if<HttpReply>(&answer)) return queue(connection, *reply, head);
    auto pending = std::make_unique<Pending>();
    pending->head = head;
    if (!state->defer(connection, pending.get(), std::move(std::get<HttpDeferred>(answer)))) {
      return queue(connection, busy(), head);
    }
    *con_cls = pending.release();  // freed by on_completed
    return MHD_YES;
  }

  static void on_completed(void* /*cls*/, MHD_Connection* /*connection*/, void** con_cls,
                           MHD_RequestTerminationCode /*toe*/) {
    delete static_cast<Pending*>(*con_cls);
    *con_cls = nullptr;
  }

  static void on_connection(void* cls, MHD_Connection* connection, void** /*socket_context*/,
                            MHD_ConnectionNotificationCode toe) {
    auto* state = static_cast<HttpServer::State*>(cls);
    if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
      state->accepted[connection] = {Clock::now(), false};
    } else {
      state->accepted.erase(connection);
    }
  }

  static void on_log(void* cls, const char* format, va_list ap) {
    char buf[512];
    std::vsnprintf(buf, sizeof buf, format, ap);
    std::string line(buf);
    while (!line.empty() && (line.back() == '\n' || line.back() == ' ')) line.pop_back();
    static_cast<HttpServer::State*>(cls)->log.write(line);
  }
};

bool http_tls_supported() {
  return MHD_is_feature_supported(MHD_FEATURE_TLS) == MHD_YES;
}

HttpServer::HttpServer(std::unique_ptr<State> state) : state_(std::move(state)) {}

int HttpServer::port() const {
  return state_->port;
}

bool HttpServer::tls() const {
  return state_->tls;
}

Result<std::unique_ptr<HttpServer>> HttpServer::start(const ListenAddress& address,
                                                      HttpHandler handler, Limits limits, Tls tls,
                                                      std::ostream* log) {
  const bool https = !tls.cert_pem.empty() || !tls.key_pem.empty();
  if (https && !http_tls_supported()) {
    return fail(ErrorCode::kUnsupported,
                "cannot serve HTTPS: this libmicrohttpd was built without TLS support");
  }
  auto fd = listen_socket(address, kBacklog);
  if (!fd) return tl::unexpected(fd.error());
  // libmicrohttpd closes the socket it is given when it stops, but also on some of its start-up
  // failures (a bad TLS key) and not on others: it gets a duplicate, so that ours is closed here
  // exactly once whatever happens (a failed start may leak the duplicate, never close twice).
  const int mhd_fd = ::fcntl(fd->get(), F_DUPFD_CLOEXEC, 0);
  if (mhd_fd < 0) return fail_errno(errno, "cannot listen on " + describe(address));
  auto state = std::make_unique<State>(log);
  State* s = state.get();
  s->handler = std::move(handler);
  s->limits = limits;
  s->tls_files = std::move(tls);
  s->tls = https;
  s->port = bound_port(fd->get());
  unsigned flags = MHD_USE_EPOLL | MHD_USE_ERROR_LOG | MHD_ALLOW_SUSPEND_RESUME;
  std::vector<MHD_OptionItem> options = {
      {MHD_OPTION_LISTEN_SOCKET, mhd_fd, nullptr},
      {MHD_OPTION_CONNECTION_LIMIT, static_cast<intptr_t>(limits.max_connections), nullptr},
      {MHD_OPTION_PER_IP_CONNECTION_LIMIT, static_cast<intptr_t>(limits.max_connections_per_ip),
       nullptr},
      {MHD_OPTION_CONNECTION_TIMEOUT, static_cast<intptr_t>(limits.idle_timeout.count()), nullptr},
      {MHD_OPTION_CONNECTION_MEMORY_LIMIT, static_cast<intptr_t>(kConnectionMemory), nullptr},
      {MHD_OPTION_NOTIFY_COMPLETED, reinterpret_cast<intptr_t>(&HttpServerAccess::on_completed), s},
      {MHD_OPTION_NOTIFY_CONNECTION, reinterpret_cast<intptr_t>(&HttpServerAccess::on_connection),
       s},
  };
  if (https) {
    flags |= MHD_USE_TLS;
    options.push_back({MHD_OPTION_HTTPS_MEM_CERT, 0, s->tls_files.cert_pem.data()});
    options.push_back({MHD_OPTION_HTTPS_MEM_KEY, 0, s->tls_files.key_pem.data()});
    options.push_back({MHD_OPTION_HTTPS_PRIORITIES, 0, const_cast<char*>(kTlsPriorities)});
  }
  options.push_back({MHD_OPTION_END, 0, nullptr});
  s->daemon = MHD_start_daemon(flags, 0, nullptr, nullptr, &HttpServerAccess::on_request, s,
                               MHD_OPTION_EXTERNAL_LOGGER, &HttpServerAccess::on_log, s,
                               MHD_OPTION_ARRAY, options.data(), MHD_OPTION_END);
  if (s->daemon == nullptr) {
    std::string why = s->log.last();
    return fail(ErrorCode::kInvalidInput,
                std::string("cannot start the ") + (https ? "HTTPS" : "HTTP") + " server on " +
                    describe(address) + (why.empty() ? " (libmicrohttpd)" : ": " + why));
  }
  s->poller = std::thread([s] { s->poll(); });
  for (unsigned i = 0; i < std::max(1u, limits.workers); ++i) {
    s->workers.emplace_back([s] { s->work(); });
  }
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(state)));
}

HttpServer::~HttpServer() {
  State& s = *state_;
  // Workers first: each resumes the connection it holds, so none is suspended when the daemon
  // stops (libmicrohttpd refuses to stop with suspended connections).
  {
    std::lock_guard<std::mutex> lock(s.mutex);
    s.stopping = true;
  }
  s.stop.request_stop();
  s.wake.notify_all();
  for (auto& t : s.workers) t.join();
  s.stop_polling = true;
  if (s.poller.joinable()) s.poller.join();
  MHD_stop_daemon(s.daemon);
}

}  // namespace netdoctor::cli
