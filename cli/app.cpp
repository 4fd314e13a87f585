// Command-line parsing with CLI11: builds the subcommands, dispatches, and turns parse errors
// into exit status 2. Nothing else lives here.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdlib>
#include <iostream>

#include "cli/commands.h"
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

void add_diagnose(CLI::App& app, DiagnoseOptions& o) {
  auto* cmd = app.add_subcommand("diagnose", "Run every layer's checks and print the report");
  cmd->add_option("--from", o.from,
                  "source pod: NAMESPACE/NAME, ip:A.B.C.D, pid:N or a netns path (repeatable)");
  cmd->add_option("--inventory", o.inventory, "kubectl get ... -o json output ('-' = stdin)");
  cmd->add_option("--egress", o.egress, "outside target URL for the egress layer (repeatable)");
  cmd->add_option("--to", o.to, "a pod IP to reach besides the default targets (repeatable)");
  cmd->add_option("-o,--output", o.output,
                  "text, json, markdown, or dot (the path picture as Graphviz DOT)")
      ->check(CLI::IsMember({"text", "json", "markdown", "dot"}));
  cmd->add_option("--picture", o.picture,
                  "also write the path picture to FILE: .svg (needs Graphviz's dot), .dot, .mmd");
  cmd->add_option("--timeout", o.timeout, "per-probe timeout, e.g. 500ms, 2s")->default_str("1s");
  cmd->add_option("--deadline", o.deadline,
                  "the whole run ends by then; unfinished layers are reported as skipped "
                  "(default: 10 x --timeout, at least 5s)");
  cmd->add_option("--parallel", o.parallel, "per-source probe tasks running at once")
      ->default_str("32");
  cmd->add_option("--layers", o.layers, "only these layers, comma separated");
  cmd->add_option("--mode", o.mode, "override run-mode detection: node or pod")
      ->check(CLI::IsMember({"node", "pod"}));
  cmd->add_flag("-v,--verbose", o.verbose, "list every check, also the passing ones");
  add_kubeconfig(cmd, o.kubeconfig);
}

void add_serve(CLI::App& app, ServeOptions& o) {
  auto* cmd = app.add_subcommand(
      "serve", "Diagnose this node's pods every interval; serve /metrics, /report.json, /healthz");
  cmd->add_option("--listen", o.listen, "ADDR:PORT to serve on, e.g. 0.0.0.0:9464")->required();
  cmd->add_option("--interval", o.interval, "time between two diagnoses, e.g. 30s")
      ->default_str("30s");
  cmd->add_option("--max-connections", o.max_connections, "HTTP connections at once")
      ->default_str("16")
      ->check(CLI::Range(1u, 1024u));
  DiagnoseOptions& d = o.diagnose;
  cmd->add_option("--from", d.from, "source pod REF (repeatable); default: every pod here");
  cmd->add_option("--inventory", d.inventory, "kubectl get ... -o json output, read every run");
  cmd->add_option("--egress", d.egress, "outside target URL for the egress layer (repeatable)");
  cmd->add_option("--to", d.to, "a pod IP to reach besides the default targets (repeatable)");
  cmd->add_option("--timeout", d.timeout, "per-probe timeout, e.g. 500ms, 2s")->default_str("1s");
  cmd->add_option("--deadline", d.deadline, "each run's deadline; default 10 x timeout, >= 5s");
  cmd->add_option("--layers", d.layers, "only these layers, comma separated");
  add_kubeconfig(cmd, d.kubeconfig);
}

}  // namespace

int run(int argc, char** argv) {
  CLI::App app{"netdoctor: walks the Kubernetes pod-network troubleshooting ladder"};
  app.require_subcommand(1);
  PodsOptions pods;
  DiagnoseOptions diag;
  std::string code;
  add_pods(app, pods);
  add_diagnose(app, diag);
  ServeOptions serve;
  add_serve(app, serve);
  ServicesOptions services;
  auto* svc = app.add_subcommand("services", "List the Services the node's proxy rules implement");
  svc->add_option("--inventory", services.inventory, "compare with this inventory's endpoints");
  svc->add_option("-o,--output", services.output, "text or json")
      ->check(CLI::IsMember({"text", "json"}));
  add_kubeconfig(svc, services.kubeconfig);
  TraceOptions trace;
  auto* tr = app.add_subcommand("trace", "Follow one flow through the node's rules and probe it");
  tr->add_option("--from", trace.from, "source pod REF")->required();
  tr->add_option("--to", trace.to, "destination IP:PORT[/tcp|udp]")->required();
  tr->add_option("--inventory", trace.inventory, "kubectl get ... -o json output");
  tr->add_option("--timeout", trace.timeout, "probe timeout")->default_str("1s");
  add_kubeconfig(tr, trace.kubeconfig);
  app.add_subcommand("explain", "Explain a finding code")
      ->add_option("CODE", code, "finding code, e.g. pod-link-down")
      ->required();
  app.add_subcommand("version", "Version, build flags and library versions");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? 0 : report::kExitUsage;
  }
  const std::string name = app.get_subcommands().front()->get_name();
  if (name == "pods") return run_pods(pods, std::cout, std::cerr);
  if (name == "diagnose") {
    diag.color = color_wanted() && diag.output == "text";
    return run_diagnose(diag, std::cout, std::cerr);
  }
  if (name == "serve") return run_serve(serve, std::cout, std::cerr);
  if (name == "services") return run_services(services, std::cout, std::cerr);
  if (name == "trace") return run_trace(trace, std::cout, std::cerr);
  if (name == "explain") return run_explain(code, std::cout, std::cerr);
  if (name == "version") return run_version(std::cout);
  return report::kExitUsage;
}

}  // namespace netdoctor::cli
