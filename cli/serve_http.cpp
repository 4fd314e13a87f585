#include "cli/serve_http.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include "cli/session.h"
#include "core/duration.h"

namespace netdoctor::cli {

namespace {

// A PEM file's text; errors name the option and the file.
Result<std::string> read_pem(const char* option, const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return fail_errno(errno, std::string("cannot read ") + option + " \"" + path + "\"");
  }
  std::ostringstream text;
  text << in.rdbuf();
  std::string pem = std::move(text).str();
  if (pem.find("-----BEGIN ") == std::string::npos) {
    return fail(ErrorCode::kInvalidInput,
                std::string(option) + " \"" + path + "\" holds no PEM block (-----BEGIN ...)");
  }
  return pem;
}

// This node's name for resource attributes: $NODE_NAME (the DaemonSet sets it from
// spec.nodeName), else the host name.
std::string node_name() {
  if (const char* env = std::getenv("NODE_NAME"); env != nullptr && *env != '\0') return env;
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) != 0) return {};
  return host;
}

bool plan_access(const ServeOptions& o, std::ostream& err, ReportAccessOptions& a) {
  std::string mode = o.report_auth;
  if (mode.empty() && !o.report_token_file.empty()) mode = "token";
  if (o.no_report) {
    a.mode = ReportAuthMode::kOff;
    a.off_reason = "serve runs with --no-report";
  } else if (mode.empty()) {
    a.mode = ReportAuthMode::kOff;
    a.off_reason =
        "start serve with --report-auth kube, --report-token-file FILE or, to let anyone read "
        "it, --report-auth none";
  } else if (mode == "token" && o.report_token_file.empty()) {
    print_error(err, "--report-auth token needs --report-token-file FILE");
    return false;
  } else if (mode != "token" && !o.report_token_file.empty()) {
    print_error(err, "--report-token-file goes with --report-auth token, not " + mode);
    return false;
  } else if (mode == "none") {
    a.mode = ReportAuthMode::kNone;
  } else if (mode == "token") {
    a.mode = ReportAuthMode::kToken;
    a.token_file = o.report_token_file;
  } else {
    a.mode = ReportAuthMode::kKube;
  }
  auto resource = parse_reviewed_resource(o.report_auth_resource, node_name());
  if (!resource) {
    print_error(err, resource.error().message());
    return false;
  }
  a.resource = std::move(*resource);
  if (a.mode != ReportAuthMode::kKube) return true;
  const std::string kubeconfig = o.diagnose.kubeconfig;
  auto api = find_api_server(kubeconfig);
  if (!api) {
    print_error(err, "--report-auth kube: " + api.error().message());
    return false;
  }
  if (!*api) {
    print_error(err,
                "--report-auth kube needs the API server: none found (--kubeconfig, "
                "$KUBECONFIG, ~/.kube/config or a pod's service account)");
    return false;
  }
  a.api_server = [kubeconfig]() -> Result<inventory::ApiServerConfig> {
    auto found = find_api_server(kubeconfig);
    if (!found) return tl::unexpected(found.error());
    if (!*found) {
      return fail(ErrorCode::kNotFound,
                  "no API server any more: none of --kubeconfig, $KUBECONFIG, ~/.kube/config or "
                  "a service account is there");
    }
    return std::move(**found);
  };
  return true;
}

}  // namespace

std::optional<ServeHttpPlan> plan_serve_http(const ServeOptions& o, std::ostream& err,
                                             std::ostream* log) {
  ServeHttpPlan plan;
  auto timeout = parse_duration(o.request_timeout);
  if (!timeout || *timeout < std::chrono::milliseconds(500)) {
    print_error(err,
                timeout ? "--request-timeout must be at least 500ms" : timeout.error().message());
    return std::nullopt;
  }
  plan.limits.max_connections = o.max_connections;
  plan.limits.max_connections_per_ip = o.max_connections_per_ip;
  plan.limits.request_timeout = *timeout;
  plan.limits.idle_timeout =
      std::min(std::chrono::seconds(10), std::chrono::ceil<std::chrono::seconds>(*timeout));
  if (!o.tls_cert.empty()) {
    if (!http_tls_supported()) {
      print_error(err, "--tls-cert: this libmicrohttpd was built without TLS support");
      return std::nullopt;
    }
    auto cert = read_pem("--tls-cert", o.tls_cert);
    auto key = cert ? read_pem("--tls-key", o.tls_key) : Result<std::string>();
    if (!cert || !key) {
      print_error(err, (!cert ? cert : key).error().message());
      return std::nullopt;
    }
    plan.tls = {std::move(*cert), std::move(*key)};
  }
  plan.access.log = log;
  if (!plan_access(o, err, plan.access)) return std::nullopt;
  return plan;
}

}  // namespace netdoctor::cli
