// The HTTP side of `netdoctor serve`, planned from its options before anything starts: the
// connection limits, the TLS certificate and key, and who may read /report.json (the report
// is off unless --report-token-file, --report-auth kube or --report-auth none says otherwise).
#pragma once

#include <optional>
#include <ostream>

#include "cli/commands.h"
#include "cli/http_server.h"
#include "cli/report_access.h"

namespace netdoctor::cli {

struct ServeHttpPlan {
  HttpServer::Limits limits;
  HttpServer::Tls tls;
  ReportAccessOptions access;
};

// Checks the options and reads the TLS files; with --report-auth kube, finds the API server
// (--kubeconfig, $KUBECONFIG, ~/.kube/config or the service account) once, to fail now rather
// than at the first request. On bad usage writes one line to `err` and returns nullopt (exit 2).
// `log` receives the report access's later messages.
[[nodiscard]] std::optional<ServeHttpPlan> plan_serve_http(const ServeOptions& options,
                                                           std::ostream& err, std::ostream* log);

}  // namespace netdoctor::cli
