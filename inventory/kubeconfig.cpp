// Kubeconfig and in-cluster configuration. The YAML document is converted to JSON first, so
// that every field is read through JsonReader and a wrong type anywhere becomes one located
// error line ("users[0].user.token: expected string, got object"), never an exception.
#include "inventory/kubeconfig.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <nlohmann/json.hpp>

#include "core/fd.h"
#include "core/redact.h"
#include "inventory/json_reader.h"

namespace netdoctor::inventory {

namespace {

using detail::ErrorSink;
using detail::JsonReader;
using nlohmann::json;

// A kubeconfig, a certificate or a token is small; anything larger is not one.
constexpr size_t kMaxFileBytes = size_t{16} << 20;

Result<std::string> read_small_file(const std::string& path, const std::string& what) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return fail_errno(errno, "cannot read " + what + " \"" + path + "\"");
  std::string text;
  char buffer[16384];
  for (;;) {
    ssize_t n = ::read(fd.get(), buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail_errno(errno, "cannot read " + what + " \"" + path + "\"");
    if (n == 0) return text;
    if (text.size() + static_cast<size_t>(n) > kMaxFileBytes) {
      return fail(ErrorCode::kInvalidInput,
                  "cannot read " + what + " \"" + path + "\": larger than 16 MiB");
    }
    text.append(buffer, static_cast<size_t>(n));
  }
}

// YAML 1.1 as kubectl's parser reads it, reduced to what a kubeconfig holds: plain scalars
// true/false are booleans, null/~/empty are null, every other scalar is a string.
json to_json(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Map: {
      json out = json::object();
      for (const auto& kv : node) out[kv.first.Scalar()] = to_json(kv.second);
      return out;
    }
    case YAML::NodeType::Sequence: {
      json out = json::array();
      for (const auto& item : node) out.push_back(to_json(item));
      return out;
    }
    case YAML::NodeType::Scalar: {
      const std::string& s = node.Scalar();
      if (node.Tag() == "?") {
        if (s == "true" || s == "True" || s == "TRUE") return true;
        if (s == "false" || s == "False" || s == "FALSE") return false;
        if (s.empty() || s == "null" || s == "Null" || s == "NULL" || s == "~") return nullptr;
      }
      return s;
    }
    default:
      return nullptr;
  }
}

// Standard base64 (the *-data fields); nullopt when it is not base64.
std::optional<std::string> decode_base64(const std::string& text) {
  std::string out(text.size() / 4 * 3 + 3, '\0');
  EVP_ENCODE_CTX* ctx = EVP_ENCODE_CTX_new();
  if (ctx == nullptr) return std::nullopt;
  EVP_DecodeInit(ctx);
  int len = 0;
  int final_len = 0;
  auto* dst = reinterpret_cast<unsigned char*>(out.data());
  const int rc =
      EVP_DecodeUpdate(ctx, dst, &len, reinterpret_cast<const unsigned char*>(text.data()),
                       static_cast<int>(text.size()));
  const int frc = rc < 0 ? -1 : EVP_DecodeFinal(ctx, dst + len, &final_len);
  EVP_ENCODE_CTX_free(ctx);
  if (rc < 0 || frc < 0) return std::nullopt;
  out.resize(static_cast<size_t>(len + final_len));
  return out;
}

std::string dir_of(const std::string& path) {
  const auto slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

// The entry of a named list (clusters, users, contexts) whose "name" is `name`.
JsonReader find_named(const JsonReader& list, const std::string& name) {
  for (const JsonReader& entry : list.elements()) {
    if (entry["name"].str() == name) return entry;
  }
  return JsonReader(nullptr, "", "", nullptr);
}

// Reads "<key>-data" (base64) or "<key>" (a file, relative to the kubeconfig's directory).
// Returns false after recording an error.
bool data_or_file(const JsonReader& parent, const std::string& key, const std::string& base_dir,
                  std::string& out, ErrorSink& sink) {
  const JsonReader data = parent[key + "-data"];
  if (data.present()) {
    auto decoded = decode_base64(data.str());
    if (sink.failed()) return false;
    if (!decoded) {
      data.fail("not base64");
      return false;
    }
    out = std::move(*decoded);
    return true;
  }
  const std::string file = parent[key].str();
  if (sink.failed() || file.empty()) return !sink.failed();
  const std::string path = file.starts_with('/') ? file : base_dir + "/" + file;
  auto text = read_small_file(path, key);
  if (!text) {
    parent[key].fail(text.error().message());
    return false;
  }
  out = std::move(*text);
  return true;
}

std::string in_quotes(const std::string& s) {
  return "\"" + s + "\"";
}

bool read_cluster(const JsonReader& cluster, const std::string& base_dir, ApiServerConfig& c,
                  ErrorSink& sink) {
  c.server = cluster["server"].required_str();
  while (c.server.ends_with('/')) c.server.pop_back();
  c.insecure_skip_tls_verify = cluster["insecure-skip-tls-verify"].boolean(false);
  c.proxy_url = cluster["proxy-url"].str();
  if (!cluster["tls-server-name"].str().empty()) {
    cluster["tls-server-name"].fail("not supported (the server's certificate must name it)");
  }
  if (sink.failed()) return false;
  if (!c.server.starts_with("https://") && !c.server.starts_with("http://")) {
    cluster["server"].fail("expected an https:// or http:// URL, got " +
                           in_quotes(mask_userinfo(c.server)));
    return false;
  }
  return data_or_file(cluster, "certificate-authority", base_dir, c.ca_pem, sink);
}

bool read_user(const JsonReader& user, const std::string& base_dir, ApiServerConfig& c,
               ErrorSink& sink) {
  if (user["exec"].present() || user["auth-provider"].present()) {
    user[user["exec"].present() ? "exec" : "auth-provider"].fail(
        "credential plugins are not supported: use a kubeconfig with a token or a client "
        "certificate (e.g. a service account's)");
    return false;
  }
  c.token = user["token"].str();
  const std::string token_file = user["tokenFile"].str();
  c.username = user["username"].str();
  c.password = user["password"].str();
  if (sink.failed()) return false;
  if (c.token.empty() && !token_file.empty()) {
    const std::string path = token_file.starts_with('/') ? token_file : base_dir + "/" + token_file;
    auto text = read_small_file(path, "token file");
    if (!text) {
      user["tokenFile"].fail(text.error().message());
      return false;
    }
    c.token = *text;
    while (!c.token.empty() && std::isspace(static_cast<unsigned char>(c.token.back()))) {
      c.token.pop_back();
    }
  }
  if (!data_or_file(user, "client-certificate", base_dir, c.client_cert_pem, sink)) return false;
  if (!data_or_file(user, "client-key", base_dir, c.client_key_pem, sink)) return false;
  if (c.client_cert_pem.empty() != c.client_key_pem.empty()) {
    user[c.client_cert_pem.empty() ? "client-certificate" : "client-key"].fail(
        "missing (a client certificate needs its key and the key its certificate)");
    return false;
  }
  return true;
}

Result<ApiServerConfig> parse_document(const json& doc, const std::string& path,
                                       const std::string& context_override) {
  const std::string origin = "kubeconfig " + in_quotes(path);
  if (!doc.is_object()) {
    return fail(ErrorCode::kInvalidInput, origin + ": expected a mapping (a kubeconfig), got " +
                                              std::string(detail::type_name(doc)));
  }
  ErrorSink sink;
  JsonReader root(&doc, "", "", &sink);
  const std::string context_name =
      context_override.empty() ? root["current-context"].str() : context_override;
  const auto problem = [&](const std::string& what) {
    return fail(ErrorCode::kInvalidInput, origin + ": " + what);
  };
  if (sink.failed()) return problem(sink.first);
  if (context_name.empty()) return problem("no current-context (name one with a context)");
  JsonReader context = find_named(root["contexts"], context_name);
  if (sink.failed()) return problem(sink.first);
  if (!context.present()) return problem("context " + in_quotes(context_name) + " is not defined");
  context = context["context"].as_object("context " + in_quotes(context_name));
  const std::string cluster_name = context["cluster"].required_str();
  const std::string user_name = context["user"].str();
  if (sink.failed()) return problem(sink.first);

  ApiServerConfig c;
  c.origin = origin + " (context " + in_quotes(context_name) + ")";
  const std::string base_dir = dir_of(path);
  JsonReader cluster = find_named(root["clusters"], cluster_name);
  if (sink.failed()) return problem(sink.first);
  if (!cluster.present()) return problem("cluster " + in_quotes(cluster_name) + " is not defined");
  cluster = cluster["cluster"].as_object("cluster " + in_quotes(cluster_name));
  if (!read_cluster(cluster, base_dir, c, sink)) return problem(sink.first);
  if (!user_name.empty()) {
    JsonReader user = find_named(root["users"], user_name);
    if (sink.failed()) return problem(sink.first);
    if (!user.present()) return problem("user " + in_quotes(user_name) + " is not defined");
    user = user["user"].as_object("user " + in_quotes(user_name));
    if (!read_user(user, base_dir, c, sink)) return problem(sink.first);
  }
  return c;
}

std::string env_of(const InClusterEnv& where, const char* name) {
  if (!where.env.empty()) {
    auto it = where.env.find(name);
    return it == where.env.end() ? std::string() : it->second;
  }
  const char* value = std::getenv(name);
  return value == nullptr ? std::string() : std::string(value);
}

}  // namespace

Result<ApiServerConfig> parse_kubeconfig(std::string_view text, const std::string& path,
                                         const std::string& context) {
  json doc;
  try {
    doc = to_json(YAML::Load(std::string(text)));
  } catch (const YAML::Exception& e) {
    return fail(ErrorCode::kInvalidInput, "kubeconfig " + in_quotes(path) +
                                              ": not valid YAML: line " +
                                              std::to_string(e.mark.line + 1) + ", column " +
                                              std::to_string(e.mark.column + 1) + ": " + e.msg);
  }
  return parse_document(doc, path, context);
}

Result<ApiServerConfig> load_kubeconfig(const std::string& path, const std::string& context) {
  auto text = read_small_file(path, "kubeconfig");
  if (!text) {
    Error e = text.error();
    e.code = ErrorCode::kInvalidInput;  // an unreadable kubeconfig is bad input (exit 2)
    return tl::unexpected(e);
  }
  return parse_kubeconfig(*text, path, context);
}

std::string default_kubeconfig_path(const InClusterEnv& where) {
  const auto exists = [](const std::string& p) {
    struct stat st {};
    return !p.empty() && ::stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode);
  };
  const std::string list = env_of(where, "KUBECONFIG");
  if (!list.empty()) {
    std::size_t start = 0;
    while (start <= list.size()) {
      const std::size_t end = std::min(list.find(':', start), list.size());
      const std::string p = list.substr(start, end - start);
      if (exists(p)) return p;
      start = end + 1;
    }
    return {};  // kubectl does not fall back to ~/.kube/config when KUBECONFIG is set
  }
  const std::string home = env_of(where, "HOME");
  const std::string p = home.empty() ? std::string() : home + "/.kube/config";
  return exists(p) ? p : std::string();
}

bool in_cluster_available(const InClusterEnv& where) {
  return !env_of(where, "KUBERNETES_SERVICE_HOST").empty() &&
         ::access((where.dir + "/token").c_str(), F_OK) == 0;
}

Result<ApiServerConfig> in_cluster_config(const InClusterEnv& where) {
  const std::string host = env_of(where, "KUBERNETES_SERVICE_HOST");
  std::string port = env_of(where, "KUBERNETES_SERVICE_PORT");
  if (host.empty()) {
    return fail(ErrorCode::kInvalidInput,
                "in-cluster service account: KUBERNETES_SERVICE_HOST is not set");
  }
  if (port.empty()) port = "443";
  ApiServerConfig c;
  c.origin = "in-cluster service account (" + where.dir + ")";
  // An IPv6 ClusterIP needs brackets in a URL.
  c.server =
      "https://" + (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" + port;
  for (auto [file, out] : {std::pair{"token", &c.token}, std::pair{"ca.crt", &c.ca_pem}}) {
    const std::string path = where.dir + "/" + file;
    auto text = read_small_file(path, std::string("service-account ") + file);
    if (!text) return fail(ErrorCode::kInvalidInput, text.error().message());
    *out = std::move(*text);
    while (!out->empty() && std::isspace(static_cast<unsigned char>(out->back()))) out->pop_back();
    if (out->empty()) {
      return fail(ErrorCode::kInvalidInput,
                  "in-cluster service account: \"" + path + "\" is empty");
    }
  }
  return c;
}

}  // namespace netdoctor::inventory
