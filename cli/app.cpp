// Command-line parsing with CLI11: builds the subcommands, dispatches, and turns parse errors
// into exit status 2. Nothing else lives here.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdlib>
#include <iostream>

#include "cli/app.h"
#include "report/model.h"

namespace netdoctor::cli {
namespace {

bool color_wanted() {
  return ::isatty(STDOUT_FILENO) == 1 && std::getenv("NO_COLOR") == nullptr;
}

// --kubeconfig, the other way to get the inventory: listed from that kubeconfig's API server.
void add_kubeconfig(CLI::App* cmd, std::string& path) {
  cmd->add_option("--kubeconfig", path,
                  "list nodes, pods, services and endpointslices from this kubeconfig's API "
                  "server (default in a pod: its service account)")
      ->excludes("--inventory");
}

void add_pods(CLI::App& app, PodsOptions& o) {
  auto* cmd = app.add_subcommand("pods", "List the pod network namespaces this host can see");
  cmd->add_option("--inventory", o.inventory, "kubectl get ... -o json output ('-' = stdin)");
  cmd->add_option("-o,--output", o.output, "text or json")->check(CLI::IsMember({"text", "json"}));
  cmd->add_flag("--all", o.all, "also namespaces that are neither local nor known pods");
  add_kubeconfig(cmd, o.kubeconfig);
}

// What a diagnosis probes and how, the same for `diagnose` and for each run of `serve`: the
// sources, the inventory, the targets, the timeouts, the parallelism and the layers.
void add_diagnosis_options(CLI::App* cmd, DiagnoseOptions& o) {
  cmd->add_option("--from", o.from,
                  "source pod: NAMESPACE/NAME, ip:A.B.C.D, pid:N or a netns path (repeatable; "
                  "default: every pod here)");
  cmd->add_flag("--allow-userns", o.allow_userns,
                "let --from by address take a namespace owned by another user namespace");
  cmd->add_option("--inventory", o.inventory,
                  "kubectl get ... -o json output ('-' = stdin), read at the start of each run");
  add_kubeconfig(cmd, o.kubeconfig);
  cmd->add_option("--egress", o.egress, "outside target URL for the egress layer (repeatable)");
  cmd->add_option("--to", o.to, "a pod IP to reach besides the default targets (repeatable)");
  cmd->add_option("--timeout", o.timeout, "per-probe timeout, e.g. 500ms, 2s")->default_str("1s");
  cmd->add_option("--deadline", o.deadline,
                  "each run ends by then; unfinished layers are reported as skipped "
                  "(default: 10 x --timeout, at least 5s)");
  cmd->add_option("--parallel", o.parallel, "per-source probe tasks running at once")
      ->default_str("32");
  cmd->add_option("--layers", o.layers, "only these layers, comma separated");
}

void add_diagnose(CLI::App& app, DiagnoseOptions& o) {
  auto* cmd = app.add_subcommand("diagnose", "Run every layer's checks and print the report");
  add_diagnosis_options(cmd, o);
  cmd->add_option("-o,--output", o.output,
                  "text, json, markdown, or dot (the path picture as Graphviz DOT)")
      ->check(CLI::IsMember({"text", "json", "markdown", "dot"}));
  cmd->add_option("--picture", o.picture,
                  "also write the path picture to FILE: .svg (needs Graphviz's dot), .dot, .mmd");
  cmd->add_option("--mode", o.mode, "override run-mode detection: node or pod")
      ->check(CLI::IsMember({"node", "pod"}));
  cmd->add_flag("-v,--verbose", o.verbose, "list every check, also the passing ones");
}

void add_serve(CLI::App& app, ServeOptions& o) {
  auto* cmd = app.add_subcommand(
      "serve", "Diagnose this node's pods every interval; serve /metrics, /healthz, /report.json");
  cmd->add_option("--listen", o.listen, "ADDR:PORT to serve on, e.g. 0.0.0.0:9464")->required();
  cmd->add_option("--interval", o.interval, "time between two diagnoses, e.g. 30s")
      ->default_str("30s");
  cmd->add_option("--max-connections", o.max_connections, "HTTP connections at once")
      ->default_str("256")
      ->check(CLI::Range(1u, 1024u));
  cmd->add_option("--max-connections-per-ip", o.max_connections_per_ip,
                  "HTTP connections at once from one client address (0: no limit)")
      ->default_str("8")
      ->check(CLI::Range(0u, 1024u));
  cmd->add_option("--request-timeout", o.request_timeout,
                  "a connection is closed this long after it was accepted, whatever it sends")
      ->default_str("10s");
  auto* auth = cmd->add_option("--report-auth", o.report_auth,
                               "who may read /report.json: kube (bearer token checked with the "
                               "API server's TokenReview and SubjectAccessReview), token (with "
                               "--report-token-file) or none (anyone); default: off")
                   ->check(CLI::IsMember({"none", "kube", "token"}));
  auto* token = cmd->add_option("--report-token-file", o.report_token_file,
                                "/report.json needs a bearer token equal to this file's content "
                                "(read again when it changes)");
  cmd->add_option("--report-auth-resource", o.report_auth_resource,
                  "with --report-auth kube, what the SubjectAccessReview asks to get: /PATH (a "
                  "non-resource URL) or RESOURCE[.GROUP][/SUBRESOURCE] named after this node")
      ->default_str("/report.json");
  cmd->add_flag("--no-report", o.no_report, "do not serve /report.json (404)")
      ->excludes(auth)
      ->excludes(token);
  auto* cert = cmd->add_option("--tls-cert", o.tls_cert, "serve HTTPS with this certificate (PEM)");
  auto* key = cmd->add_option("--tls-key", o.tls_key, "the certificate's private key (PEM)");
  cert->needs(key);
  key->needs(cert);
  add_diagnosis_options(cmd, o.diagnose);
}

}  // namespace

std::optional<int> parse_command_line(int argc, const char* const* argv, CommandLine& line,
                                      std::ostream& out, std::ostream& err) {
  CLI::App app{"netdoctor: walks the Kubernetes pod-network troubleshooting ladder"};
  app.require_subcommand(1);
  add_pods(app, line.pods);
  add_diagnose(app, line.diagnose);
  add_serve(app, line.serve);
  ServicesOptions& services = line.services;
  auto* svc = app.add_subcommand("services", "List the Services the node's proxy rules implement");
  svc->add_option("--inventory", services.inventory, "compare with this inventory's endpoints");
  svc->add_option("-o,--output", services.output, "text or json")
      ->check(CLI::IsMember({"text", "json"}));
  add_kubeconfig(svc, services.kubeconfig);
  TraceOptions& trace = line.trace;
  auto* tr = app.add_subcommand("trace", "Follow one flow through the node's rules and probe it");
  tr->add_option("--from", trace.from, "source pod REF")->required();
  tr->add_flag("--allow-userns", trace.allow_userns,
               "let --from by address take a namespace owned by another user namespace");
  tr->add_option("--to", trace.to, "destination IP:PORT[/tcp|udp]")->required();
  tr->add_option("--inventory", trace.inventory, "kubectl get ... -o json output");
  tr->add_option("--timeout", trace.timeout, "probe timeout")->default_str("1s");
  add_kubeconfig(tr, trace.kubeconfig);
  app.add_subcommand("explain", "Explain a finding code")
      ->add_option("CODE", line.code, "finding code, e.g. pod-link-down")
      ->required();
  app.add_subcommand("version", "Version, build flags and library versions");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e, out, err);
    return rc == 0 ? 0 : report::kExitUsage;
  }
  line.command = app.get_subcommands().front()->get_name();
  return std::nullopt;
}

int run(int argc, char** argv) {
  CommandLine line;
  if (const auto status = parse_command_line(argc, argv, line, std::cout, std::cerr)) {
    return *status;
  }
  const std::string& name = line.command;
  if (name == "pods") return run_pods(line.pods, std::cout, std::cerr);
  if (name == "diagnose") {
    line.diagnose.color = color_wanted() && line.diagnose.output == "text";
    return run_diagnose(line.diagnose, std::cout, std::cerr);
  }
  if (name == "serve") return run_serve(line.serve, std::cout, std::cerr);
  if (name == "services") return run_services(line.services, std::cout, std::cerr);
  if (name == "trace") return run_trace(line.trace, std::cout, std::cerr);
  if (name == "explain") return run_explain(line.code, std::cout, std::cerr);
  if (name == "version") return run_version(std::cout);
  return report::kExitUsage;
}

}  // namespace netdoctor::cli
