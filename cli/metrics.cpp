#include "cli/metrics.h"

#include <algorithm>
#include <charconv>
#include <map>
#include <utility>
#include <vector>

#include "core/text.h"

namespace netdoctor::cli {

namespace {

using report::Layer;
using report::Status;

constexpr std::array<Status, 4> kStatuses = {Status::kPass, Status::kWarn, Status::kFail,
                                             Status::kSkip};

std::size_t layer_index(Layer layer) {
  return static_cast<std::size_t>(layer);
}

// A sample value as Go's strconv would print it: shortest round-trip form.
std::string number(double value) {
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
  return ec == std::errc() ? std::string(buf, end) : std::string("NaN");
}

using Labels = std::vector<std::pair<std::string_view, std::string_view>>;

class Writer {
 public:
  explicit Writer(std::ostream& out) : out_(out) {}

  void header(std::string_view name, std::string_view type, std::string_view help) {
    out_ << "# HELP " << name << ' ' << help << "\n# TYPE " << name << ' ' << type << '\n';
  }

  void sample(std::string_view name, const Labels& labels, const std::string& value) {
    out_ << name;
    if (!labels.empty()) {
      out_ << '{';
      for (std::size_t i = 0; i < labels.size(); ++i) {
        out_ << (i == 0 ? "" : ",") << labels[i].first << "=\""
             << escape_label_value(labels[i].second) << '"';
      }
      out_ << '}';
    }
    out_ << ' ' << value << '\n';
  }
  void sample(std::string_view name, const Labels& labels, double value) {
    sample(name, labels, number(value));
  }

 private:
  std::ostream& out_;
};

void write_runs(Writer& w, const MonitorMetrics& m) {
  w.header("netdoctor_build_info", "gauge", "netdoctor's version; always 1.");
  w.sample("netdoctor_build_info", {{"version", m.version}}, 1);
  w.header("netdoctor_interval_seconds", "gauge", "Time between the starts of two diagnoses.");
  w.sample("netdoctor_interval_seconds", {}, m.interval_seconds);
  w.header("netdoctor_runs_total", "counter",
           "Diagnoses run, by result: healthy, faulty (a check failed) or error (no report).");
  w.sample("netdoctor_runs_total", {{"result", "healthy"}}, static_cast<double>(m.runs_healthy));
  w.sample("netdoctor_runs_total", {{"result", "faulty"}}, static_cast<double>(m.runs_faulty));
  w.sample("netdoctor_runs_total", {{"result", "error"}}, static_cast<double>(m.runs_failed));
  w.header("netdoctor_last_run_timestamp_seconds", "gauge",
           "When the last diagnosis finished, whatever its result (Unix time).");
  w.sample("netdoctor_last_run_timestamp_seconds", {}, m.last_run_timestamp);
  w.header("netdoctor_last_run_duration_seconds", "gauge", "How long the last diagnosis took.");
  w.sample("netdoctor_last_run_duration_seconds", {}, m.last_run_seconds);
  w.header("netdoctor_last_run_success", "gauge",
           "1 when the last diagnosis produced a report, 0 when it failed before (see the log).");
  w.sample("netdoctor_last_run_success", {}, m.last_run_ok ? 1 : 0);
}

void write_checks(Writer& w, const report::Report& r) {
  w.header("netdoctor_check_status", "gauge",
           "Each check of the last report: 1 for its status, 0 for the other statuses.");
  for (const auto& layer : r.layers) {
    for (const auto& c : layer.checks) {
      for (Status s : kStatuses) {
        w.sample("netdoctor_check_status",
                 {{"layer", to_string(layer.layer)},
                  {"check", c.id},
                  {"source", c.source},
                  {"code", c.code.name()},
                  {"status", to_string(s)}},
                 c.status == s ? 1 : 0);
      }
    }
  }
  // Failing and warning checks counted per code: an alert on a code needs no check id.
  std::map<std::tuple<Layer, report::Code, Status>, int> findings;
  for (const auto& layer : r.layers) {
    for (const auto& c : layer.checks) {
      if (c.status == Status::kFail || c.status == Status::kWarn) {
        ++findings[{layer.layer, c.code, c.status}];
      }
    }
  }
  w.header("netdoctor_findings", "gauge",
           "Failing and warning checks of the last report, per layer, code and status.");
  for (const auto& [key, n] : findings) {
    const auto& [layer, code, status] = key;
    w.sample("netdoctor_findings",
             {{"layer", to_string(layer)}, {"code", code.name()}, {"status", to_string(status)}},
             n);
  }
}

void write_layers(Writer& w, const report::Report& r) {
  w.header("netdoctor_layer_status", "gauge",
           "Each layer of the last report: 1 for its status (the worst of its checks), 0 for the "
           "others.");
  for (const auto& layer : r.layers) {
    for (Status s : kStatuses) {
      w.sample("netdoctor_layer_status",
               {{"layer", to_string(layer.layer)}, {"status", to_string(s)}},
               layer.status() == s ? 1 : 0);
    }
  }
  w.header("netdoctor_layer_checks", "gauge",
           "Checks of each layer in the last report, by status.");
  for (const auto& layer : r.layers) {
    for (Status s : kStatuses) {
      const auto n = std::count_if(layer.checks.begin(), layer.checks.end(),
                                   [&](const report::Check& c) { return c.status == s; });
      w.sample("netdoctor_layer_checks",
               {{"layer", to_string(layer.layer)}, {"status", to_string(s)}},
               static_cast<double>(n));
    }
  }
  w.header("netdoctor_layer_duration_seconds", "gauge",
           "The slowest check of each layer in the last report.");
  for (const auto& layer : r.layers) {
    long long ms = 0;
    for (const auto& c : layer.checks) ms = std::max(ms, c.duration_ms);
    w.sample("netdoctor_layer_duration_seconds", {{"layer", to_string(layer.layer)}},
             static_cast<double>(ms) / 1000.0);
  }
}

void write_report(Writer& w, const MonitorMetrics& m) {
  const report::Report& r = *m.report;
  w.header("netdoctor_report_timestamp_seconds", "gauge",
           "When the diagnosis of the last report finished (Unix time).");
  w.sample("netdoctor_report_timestamp_seconds", {}, m.report_timestamp);
  w.header("netdoctor_healthy", "gauge", "1 when no check of the last report failed, else 0.");
  w.sample("netdoctor_healthy", {}, r.healthy() ? 1 : 0);
  w.header("netdoctor_sources", "gauge", "Source pods the last report diagnosed from.");
  w.sample("netdoctor_sources", {}, static_cast<double>(r.sources.size()));
  w.header("netdoctor_report_duration_seconds", "gauge", "How long the last report's run took.");
  w.sample("netdoctor_report_duration_seconds", {}, static_cast<double>(r.duration_ms) / 1000.0);
  w.header("netdoctor_root_cause", "gauge",
           "The root cause of the last report, 1; absent while healthy.");
  if (r.root_cause) {
    w.sample("netdoctor_root_cause",
             {{"layer", to_string(r.root_cause->layer)},
              {"code", r.root_cause->code.name()},
              {"check", r.root_cause->check_id}},
             1);
  }
  write_layers(w, r);
  write_checks(w, r);
}

void write_histograms(Writer& w, const MonitorMetrics& m) {
  w.header("netdoctor_probe_duration_seconds", "histogram",
           "Duration of every check that ran (not skipped), per layer, over every diagnosis.");
  for (Layer layer : report::kAllLayers) {
    const Histogram& h = m.probe_seconds[layer_index(layer)];
    const std::string_view name = to_string(layer);
    std::uint64_t cumulative = 0;
    for (std::size_t i = 0; i < Histogram::kBounds.size(); ++i) {
      cumulative += h.buckets[i];
      const std::string le = number(Histogram::kBounds[i]);
      w.sample("netdoctor_probe_duration_seconds_bucket", {{"layer", name}, {"le", le}},
               static_cast<double>(cumulative));
    }
    w.sample("netdoctor_probe_duration_seconds_bucket", {{"layer", name}, {"le", "+Inf"}},
             static_cast<double>(h.count));
    w.sample("netdoctor_probe_duration_seconds_sum", {{"layer", name}}, h.sum);
    w.sample("netdoctor_probe_duration_seconds_count", {{"layer", name}},
             static_cast<double>(h.count));
  }
}

}  // namespace

void Histogram::observe(double seconds) {
  ++count;
  sum += seconds;
  for (std::size_t i = 0; i < kBounds.size(); ++i) {
    if (seconds <= kBounds[i]) {
      ++buckets[i];
      return;
    }
  }
}

void MonitorMetrics::record_report(report::Report r, double end_unix, double seconds) {
  for (const auto& layer : r.layers) {
    for (const auto& c : layer.checks) {
      if (c.status == Status::kSkip) continue;
      probe_seconds[layer_index(layer.layer)].observe(static_cast<double>(c.duration_ms) / 1000.0);
    }
  }
  ++(r.healthy() ? runs_healthy : runs_faulty);
  report = std::move(r);
  report_timestamp = end_unix;
  last_run_timestamp = end_unix;
  last_run_seconds = seconds;
  last_run_ok = true;
}

void MonitorMetrics::record_failure(double end_unix, double seconds) {
  ++runs_failed;
  last_run_timestamp = end_unix;
  last_run_seconds = seconds;
  last_run_ok = false;
}

std::string escape_label_value(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  // Check ids and sources carry names from outside: what a terminal acts on, and bytes that are
  // not UTF-8 (the exposition format is UTF-8), become '?' (core/text.h terminal_safe).
  for (char c : terminal_safe(value, true)) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

void write_metrics(std::ostream& out, const MonitorMetrics& metrics) {
  Writer w(out);
  write_runs(w, metrics);
  if (metrics.report) write_report(w, metrics);
  write_histograms(w, metrics);
}

}  // namespace netdoctor::cli
