// The subcommands. Each takes its parsed options and the output streams and returns the exit
// status; main.cpp only parses and dispatches.
#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace netdoctor::cli {

struct PodsOptions {
  std::string inventory;
  std::string kubeconfig;       // list the cluster from this kubeconfig's API server
  std::string output = "text";  // text | json
  bool all = false;             // also namespaces that are neither local nor known pods
};

struct DiagnoseOptions {
  std::vector<std::string> from;
  bool allow_userns = false;  // --from by address may take a namespace of another user namespace
  std::string inventory;
  std::string kubeconfig;  // list the cluster from this kubeconfig's API server
  std::vector<std::string> egress;
  std::vector<std::string> to;  // extra pod IPs to reach
  std::string output = "text";  // text | json | markdown | dot
  std::string picture;          // --picture FILE (.svg, .dot, .mmd)
  std::string timeout = "1s";
  std::string deadline;  // the whole run; empty: 10 x timeout, at least 5s
  int parallel = 32;     // per-source probe tasks at once
  std::string layers;    // comma separated; empty: all
  std::string mode;      // "", node, pod
  bool verbose = false;
  bool color = false;  // decided by main: a terminal and no NO_COLOR
};

struct ServicesOptions {
  std::string inventory;
  std::string kubeconfig;
  std::string output = "text";  // text | json
};

struct TraceOptions {
  std::string from;
  bool allow_userns = false;
  std::string to;  // IP:PORT[/tcp|udp]
  std::string inventory;
  std::string kubeconfig;
  std::string timeout = "1s";
};

// `netdoctor serve`: the diagnosis of `diagnose` every interval, served over HTTP.
struct ServeOptions {
  std::string listen;            // ADDR:PORT
  std::string interval = "30s";  // between the starts of two runs
  unsigned max_connections = 256;
  unsigned max_connections_per_ip = 8;
  std::string request_timeout = "10s";  // a connection's whole life
  // Who may read /report.json: "" (off unless a token file is given), none, kube, token.
  std::string report_auth;
  std::string report_token_file;
  std::string report_auth_resource = "/report.json";
  bool no_report = false;
  std::string tls_cert;  // PEM files: serve HTTPS
  std::string tls_key;
  DiagnoseOptions diagnose;  // what each run does (inventory, egress, timeout, layers, ...)
};

int run_serve(const ServeOptions& options, std::ostream& out, std::ostream& err);
int run_services(const ServicesOptions& options, std::ostream& out, std::ostream& err);
int run_trace(const TraceOptions& options, std::ostream& out, std::ostream& err);
int run_pods(const PodsOptions& options, std::ostream& out, std::ostream& err);
int run_diagnose(const DiagnoseOptions& options, std::ostream& out, std::ostream& err);
int run_explain(const std::string& code, std::ostream& out, std::ostream& err);
int run_version(std::ostream& out);

// Parses argv and runs the chosen subcommand (what main does).
int run(int argc, char** argv);

}  // namespace netdoctor::cli
