// `netdoctor serve`: the monitor. Runs the same diagnosis as `netdoctor diagnose` (every pod on
// this node, rediscovered each run) every --interval, one run at a time, and serves the result
// over HTTP or HTTPS: /metrics (Prometheus), /healthz, and /report.json (the last report, as
// `diagnose -o json`) to whom serve_http.h lets read it. Memory stays bounded: the last report
// replaces the one before, metrics are rendered once per run, histograms have fixed buckets,
// connections are limited in number, per client and in time. SIGTERM or
// SIGINT ends it after the current run (bounded by its deadline): the listener closes and the
// exit status is 0.
#include <malloc.h>
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <ctime>
#include <memory>
#include <mutex>
#include <sstream>

#include "cli/commands.h"
#include "cli/diagnose_run.h"
#include "cli/http_server.h"
#include "cli/metrics.h"
#include "cli/serve_http.h"
#include "cli/session.h"
#include "cli/version.h"
#include "core/duration.h"
#include "report/json_writer.h"

namespace netdoctor::cli {

namespace {

using Clock = std::chrono::steady_clock;

// What the HTTP thread serves: rendered once per run, swapped whole.
struct Snapshot {
  std::string metrics;
  std::string report_json;  // empty until the first report
};

class Monitor {
 public:
  explicit Monitor(std::chrono::milliseconds stale_after) : stale_after_(stale_after) { beat(); }

  void publish(std::shared_ptr<const Snapshot> s) {
    std::lock_guard<std::mutex> lock(mutex_);
    snapshot_ = std::move(s);
  }
  void beat() { heartbeat_ = Clock::now().time_since_epoch().count(); }

  HttpReply handle(const std::string& path) const {
    std::shared_ptr<const Snapshot> s;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      s = snapshot_;
    }
    if (path == "/metrics") {
      return {200, "text/plain; version=0.0.4; charset=utf-8", s ? s->metrics : std::string()};
    }
    if (path == "/report.json") {
      if (!s || s->report_json.empty()) {
        return {503, "application/json", "{\"error\": \"no diagnosis has finished yet\"}\n"};
      }
      return {200, "application/json", s->report_json};
    }
    if (path == "/healthz") {
      const auto since = Clock::now() - Clock::time_point(Clock::duration(heartbeat_.load()));
      if (since > stale_after_) {
        return {
            503, "text/plain; charset=utf-8",
            "stalled: no diagnosis finished for " +
                std::to_string(std::chrono::duration_cast<std::chrono::seconds>(since).count()) +
                "s\n"};
      }
      return {200, "text/plain; charset=utf-8", "ok\n"};
    }
    if (path == "/") {
      return {200, "text/plain; charset=utf-8",
              "netdoctor serve: /metrics (Prometheus), /healthz, /report.json (the last report, "
              "when serve's --report-auth lets you read it)\n"};
    }
    return {404, "text/plain; charset=utf-8", "not found: try /metrics, /report.json, /healthz\n"};
  }

 private:
  mutable std::mutex mutex_;
  std::shared_ptr<const Snapshot> snapshot_;
  std::atomic<Clock::rep> heartbeat_{0};
  std::chrono::milliseconds stale_after_;
};

double unix_now() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// The first line of what run_diagnosis wrote, without the "netdoctor: " prefix.
std::string first_line(const std::string& text) {
  std::string line = text.substr(0, text.find('\n'));
  if (line.starts_with("netdoctor: ")) line.erase(0, 11);
  return line;
}

// One log line per change of outcome, so that a steady state writes nothing.
std::string outcome(const std::optional<report::Report>& r, const std::string& error) {
  if (!r) return "failed: " + error;
  if (!r->root_cause) return r->healthy() ? "healthy" : "faulty";
  return "faulty: root cause " + std::string(to_string(r->root_cause->layer)) + "/" +
         r->root_cause->code.str();
}

// Waits until `deadline` or a termination signal (blocked in every thread, taken here). A
// signal that came during the run is taken at once, also when the run outlasted the interval.
bool wait_for_signal(Clock::time_point deadline, const sigset_t& signals, int& signal) {
  for (;;) {
    const auto left = std::max(Clock::duration::zero(), deadline - Clock::now());
    const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(left).count();
    timespec ts{static_cast<time_t>(ns / 1000000000), static_cast<long>(ns % 1000000000)};
    const int got = ::sigtimedwait(&signals, nullptr, &ts);
    if (got > 0) {
      signal = got;
      return true;
    }
    if (errno != EINTR) return false;  // EAGAIN: the time is up
  }
}

// One run: diagnosis, metrics, the snapshot the HTTP thread serves. Returns the exit code of a
// failed run (0 when it produced a report) and its one-line outcome.
int run_once(const DiagnosePlan& plan, MonitorMetrics& metrics, Monitor& monitor,
             std::string& summary) {
  const auto start = Clock::now();
  std::ostringstream errors;
  int code = 0;
  auto r = run_diagnosis(plan, errors, code);
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  auto snapshot = std::make_shared<Snapshot>();
  std::string error = first_line(errors.str());
  summary = outcome(r, error);
  if (r) {
    std::ostringstream json;
    report::write_json(json, *r);
    snapshot->report_json = std::move(json).str();
    metrics.record_report(std::move(*r), unix_now(), seconds);
    code = 0;
  } else {
    metrics.record_failure(unix_now(), seconds);
  }
  std::ostringstream text;
  write_metrics(text, metrics);
  snapshot->metrics = std::move(text).str();
  if (snapshot->report_json.empty() && metrics.report) {
    // A failed run keeps serving the last report.
    std::ostringstream json;
    report::write_json(json, *metrics.report);
    snapshot->report_json = std::move(json).str();
  }
  monitor.publish(std::move(snapshot));
  monitor.beat();
  // The run's threads freed what they allocated, but glibc keeps freed memory in its arenas:
  // hand it back, so that the resident size between runs is the monitor's, not the last run's.
  malloc_trim(0);
  return code;
}

}  // namespace

int run_serve(const ServeOptions& o, std::ostream& /*out*/, std::ostream& err) {
  auto plan = plan_diagnose(o.diagnose, err);
  if (!plan) return report::kExitUsage;
  auto interval = parse_duration(o.interval);
  if (!interval || *interval < std::chrono::milliseconds(100)) {
    print_error(err, interval ? "--interval must be at least 100ms" : interval.error().message());
    return report::kExitUsage;
  }
  auto address = parse_listen(o.listen);
  if (!address) {
    print_error(err, address.error().message());
    return report::kExitUsage;
  }
  auto http = plan_serve_http(o, err, &err);
  if (!http) return report::kExitUsage;
  auto access = ReportAccess::create(http->access);
  if (!access) {
    print_error(err, access.error().message());
    return report::kExitUsage;
  }
  // SIGTERM and SIGINT are taken only by sigtimedwait in this thread: block them before any
  // other thread (HTTP, probes) exists, so every thread inherits the mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  // Every run starts dozens of short-lived probe threads; with glibc's default each may get an
  // arena of its own (up to 8 per core) that keeps its freed memory. Two arenas bound that.
  mallopt(M_ARENA_MAX, 2);

  // /healthz fails when no run finished for three intervals plus a run's deadline.
  const auto deadline =
      plan->probe.deadline.count() > 0 ? plan->probe.deadline : std::chrono::milliseconds(60000);
  Monitor monitor(3 * *interval + deadline);
  MonitorMetrics metrics;
  metrics.version = kVersion;
  metrics.interval_seconds = std::chrono::duration<double>(*interval).count();
  // /report.json goes through the access check; everything else is public (see the contract:
  // nothing sensitive is in /metrics or /healthz).
  const auto handler = [&monitor, &report_access = **access](const HttpRequest& r) -> HttpAnswer {
    if (r.path == "/report.json") {
      return report_access.answer(r, [&monitor] { return monitor.handle("/report.json"); });
    }
    return monitor.handle(r.path);
  };
  auto server = HttpServer::start(*address, handler, http->limits, http->tls, &err);
  if (!server) {
    print_error(err, server.error().message());
    return report::kExitUsage;
  }
  err << "netdoctor serve: listening on port " << (*server)->port()
      << ((*server)->tls() ? " (HTTPS)" : " (HTTP)") << ", a diagnosis every " << o.interval
      << "; /metrics, /healthz; /report.json: " << (*access)->describe() << std::endl;

  std::string last;
  int signal = 0;
  for (std::uint64_t run = 1;; ++run) {
    const auto start = Clock::now();
    std::string summary;
    const int code = run_once(*plan, metrics, monitor, summary);
    if (run == 1 && code == report::kExitPrivilege) {
      err << "netdoctor serve: " << summary << std::endl;
      return code;
    }
    if (summary != last) {
      err << "netdoctor serve: run " << run << ": " << summary << std::endl;
      last = summary;
    }
    if (wait_for_signal(start + *interval, signals, signal)) break;
  }
  err << "netdoctor serve: " << (signal == SIGINT ? "SIGINT" : "SIGTERM") << ": stopping after "
      << (metrics.runs_healthy + metrics.runs_faulty + metrics.runs_failed) << " runs" << std::endl;
  server->reset();  // closes the listener and every connection
  return report::kExitHealthy;
}

}  // namespace netdoctor::cli
