// Where the API server is and how to authenticate to it: read from a kubeconfig file (the
// shapes kubectl writes: current-context, server, certificate-authority(-data), token(File),
// client-certificate(-data)/client-key(-data), username/password, insecure-skip-tls-verify) or
// from the service account mounted into a pod (in-cluster). The result is plain data; the
// client (apiserver_client.h) turns it into requests.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "core/result.h"

namespace netdoctor::inventory {

struct ApiServerConfig {
  std::string server;  // "https://host:port", no trailing slash
  std::string ca_pem;  // trust anchors; empty: the system's CAs
  bool insecure_skip_tls_verify = false;
  std::string token;            // bearer token
  std::string client_cert_pem;  // client certificate (with client_key_pem)
  std::string client_key_pem;
  std::string username;  // basic authentication, when the kubeconfig uses it
  std::string password;
  std::string proxy_url;  // the cluster's proxy-url; empty: curl's environment defaults
  // Names where this came from in messages, e.g. `kubeconfig "/root/.kube/config" (context
  // "lab")` or `in-cluster service account`.
  std::string origin;
};

// Parses a kubeconfig (YAML or JSON). `path` names it in messages and is the directory that
// relative file references (certificate-authority, tokenFile, ...) resolve against, as kubectl
// does. `context` overrides current-context. Errors are kInvalidInput, one line naming the
// file and what is wrong (`kubeconfig "/x": user "admin": exec plugins are not supported`).
[[nodiscard]] Result<ApiServerConfig> parse_kubeconfig(std::string_view text,
                                                       const std::string& path,
                                                       const std::string& context = "");

// Reads and parses a kubeconfig file.
[[nodiscard]] Result<ApiServerConfig> load_kubeconfig(const std::string& path,
                                                      const std::string& context = "");

// Where the kubelet mounts a pod's service-account token, CA and namespace.
inline constexpr std::string_view kServiceAccountDir =
    "/var/run/secrets/kubernetes.io/serviceaccount";

// The pod's view of the cluster: the service-account directory and the environment the kubelet
// sets (KUBERNETES_SERVICE_HOST, KUBERNETES_SERVICE_PORT). Tests pass their own.
struct InClusterEnv {
  std::string dir = std::string(kServiceAccountDir);
  std::map<std::string, std::string> env;  // empty: the process environment
};

// The kubeconfig kubectl reads when none is named: the first file of $KUBECONFIG (a
// colon-separated list) that exists, else $HOME/.kube/config when it exists; empty when there is
// none (a set KUBECONFIG naming no existing file is none, as for kubectl).
[[nodiscard]] std::string default_kubeconfig_path(const InClusterEnv& where = {});

// Whether netdoctor runs with a service account: the token file exists and
// KUBERNETES_SERVICE_HOST is set.
[[nodiscard]] bool in_cluster_available(const InClusterEnv& where = {});

// The API server behind KUBERNETES_SERVICE_HOST:PORT, trusted through ca.crt, with the token.
// A missing or empty token or CA is kInvalidInput naming the file.
[[nodiscard]] Result<ApiServerConfig> in_cluster_config(const InClusterEnv& where = {});

}  // namespace netdoctor::inventory
