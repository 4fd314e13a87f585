// What `netdoctor serve` exposes on /metrics, in the Prometheus text exposition format 0.0.4:
// the last diagnosis (status of every check and layer, findings per code, the root cause, layer
// durations), probe latency histograms over every run, run counters and the last run's time.
// The state is plain data, updated once per run by the serve loop; rendering is a pure function,
// so tests parse what it writes.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>

#include "report/model.h"

namespace netdoctor::cli {

// A Prometheus histogram of durations in seconds. Fixed buckets: its memory never grows.
struct Histogram {
  static constexpr std::array<double, 14> kBounds = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                                                     0.25,  0.5,    1,     2.5,  5,     10,   30};
  std::array<std::uint64_t, kBounds.size()> buckets{};  // observations <= bound, not cumulative
  std::uint64_t count = 0;
  double sum = 0;

  void observe(double seconds);
};

struct MonitorMetrics {
  std::string version;                   // netdoctor_build_info
  double interval_seconds = 0;           // --interval
  std::optional<report::Report> report;  // the last diagnosis that finished; replaced each run
  double report_timestamp = 0;           // when it finished, Unix seconds
  std::uint64_t runs_healthy = 0;
  std::uint64_t runs_faulty = 0;
  std::uint64_t runs_failed = 0;  // no report: inventory, discovery or privilege error
  double last_run_timestamp = 0;  // when the last run (any result) finished, Unix seconds
  double last_run_seconds = 0;
  bool last_run_ok = false;
  // Every non-skipped check's duration, per layer, over every run.
  std::array<Histogram, report::kAllLayers.size()> probe_seconds{};

  // A run that produced `r`: counters, histograms, and `r` becomes the last report.
  void record_report(report::Report r, double end_unix, double seconds);
  // A run that failed before producing a report; the previous report stays.
  void record_failure(double end_unix, double seconds);
};

// Writes every metric with its HELP and TYPE lines.
void write_metrics(std::ostream& out, const MonitorMetrics& metrics);

// A label value escaped as the text format wants it (backslash, double quote, newline), with
// control characters, bidirectional overrides and bytes that are not UTF-8 replaced by '?'.
[[nodiscard]] std::string escape_label_value(std::string_view value);

}  // namespace netdoctor::cli
