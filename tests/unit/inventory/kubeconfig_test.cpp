// Kubeconfig and in-cluster configuration: the shapes kubectl writes, file references relative
// to the kubeconfig, and one clear error line for every broken or unsupported one.
#include "inventory/kubeconfig.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace netdoctor::inventory {
namespace {

using ::testing::HasSubstr;

// "hello CA\n" and "hello cert\n" in base64.
constexpr const char* kCaData = "aGVsbG8gQ0EK";
constexpr const char* kCertData = "aGVsbG8gY2VydAo=";

// A temporary directory removed at the end of the test.
class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/nd-kubeconfig-XXXXXX";
    path_ = ::mkdtemp(tmpl) != nullptr ? tmpl : "";
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  std::string file(const std::string& name, const std::string& text) const {
    std::filesystem::create_directories(std::filesystem::path(path_ + "/" + name).parent_path());
    std::ofstream(path_ + "/" + name) << text;
    return path_ + "/" + name;
  }
  [[nodiscard]] const std::string& path() const { return path_; }

 private:
  std::string path_;
};

const char* const kTwoContexts = R"(apiVersion: v1
kind: Config
current-context: prod
preferences: {}
clusters:
- name: prod-cluster
  cluster:
    server: https://10.0.0.1:6443/
    certificate-authority-data: aGVsbG8gQ0EK
- name: lab
  cluster:
    server: https://172.30.0.2:6443
    insecure-skip-tls-verify: true
    proxy-url: http://proxy.example:3128
contexts:
- name: prod
  context:
    cluster: prod-cluster
    user: admin
    namespace: default
- name: lab
  context: {cluster: lab, user: lab-user}
users:
- name: admin
  user:
    client-certificate-data: aGVsbG8gY2VydAo=
    client-key-data: aGVsbG8ga2V5Cg==
- name: lab-user
  user:
    token: abc.def
)";

Error parse_error(std::string_view text, const std::string& context = "") {
  auto c = parse_kubeconfig(text, "/etc/kube/config", context);
  EXPECT_FALSE(c) << "parsed: " << text;
  if (c) return {};
  EXPECT_EQ(c.error().code, ErrorCode::kInvalidInput);
  EXPECT_EQ(c.error().message().find('\n'), std::string::npos) << c.error().message();
  return c.error();
}

TEST(Kubeconfig, CurrentContextWithEmbeddedCertificates) {
  auto c = parse_kubeconfig(kTwoContexts, "/etc/kube/config");
  ASSERT_TRUE(c) << c.error().message();
  EXPECT_EQ(c->server, "https://10.0.0.1:6443");  // trailing slash dropped
  EXPECT_EQ(c->ca_pem, "hello CA\n");
  EXPECT_EQ(c->client_cert_pem, "hello cert\n");
  EXPECT_EQ(c->client_key_pem, "hello key\n");
  EXPECT_TRUE(c->token.empty());
  EXPECT_FALSE(c->insecure_skip_tls_verify);
  EXPECT_EQ(c->origin, R"(kubeconfig "/etc/kube/config" (context "prod"))");
}

TEST(Kubeconfig, ContextOverrideTokenInsecureAndProxy) {
  auto c = parse_kubeconfig(kTwoContexts, "/etc/kube/config", "lab");
  ASSERT_TRUE(c) << c.error().message();
  EXPECT_EQ(c->server, "https://172.30.0.2:6443");
  EXPECT_EQ(c->token, "abc.def");
  EXPECT_TRUE(c->insecure_skip_tls_verify);
  EXPECT_TRUE(c->ca_pem.empty());
  EXPECT_EQ(c->proxy_url, "http://proxy.example:3128");
}

TEST(Kubeconfig, JsonKubeconfigIsReadToo) {
  auto c = parse_kubeconfig(
      R"({"apiVersion":"v1","kind":"Config","current-context":"c",
          "clusters":[{"name":"k","cluster":{"server":"https://h:443","insecure-skip-tls-verify":true}}],
          "contexts":[{"name":"c","context":{"cluster":"k","user":"u"}}],
          "users":[{"name":"u","user":{"token":"t0k"}}]})",
      "k.json");
  ASSERT_TRUE(c) << c.error().message();
  EXPECT_EQ(c->server, "https://h:443");
  EXPECT_EQ(c->token, "t0k");
  EXPECT_TRUE(c->insecure_skip_tls_verify);
}

TEST(Kubeconfig, FilesResolveRelativeToTheKubeconfig) {
  TempDir dir;
  dir.file("pki/ca.crt", "CA PEM");
  dir.file("pki/admin.crt", "CERT PEM");
  dir.file("pki/admin.key", "KEY PEM");
  dir.file("token", "file-token\n");
  const std::string path = dir.file("conf/../kubeconfig", R"(current-context: x
clusters: [{name: c, cluster: {server: "https://h:6443", certificate-authority: pki/ca.crt}}]
contexts: [{name: x, context: {cluster: c, user: u}}]
users:
- name: u
  user:
    client-certificate: pki/admin.crt
    client-key: )" + dir.path() + R"(/pki/admin.key
    tokenFile: token
)");
  auto c = load_kubeconfig(path);
  ASSERT_TRUE(c) << c.error().message();
  EXPECT_EQ(c->ca_pem, "CA PEM");
  EXPECT_EQ(c->client_cert_pem, "CERT PEM");
  EXPECT_EQ(c->client_key_pem, "KEY PEM");  // absolute path
  EXPECT_EQ(c->token, "file-token");        // trailing newline dropped
}

TEST(Kubeconfig, DataWinsOverFile) {
  auto c = parse_kubeconfig(
      std::string("current-context: x\nclusters: [{name: c, cluster: {server: 'https://h', "
                  "certificate-authority: /nonexistent, certificate-authority-data: ") +
          kCaData + "}}]\ncontexts: [{name: x, context: {cluster: c}}]\n",
      "k");
  ASSERT_TRUE(c) << c.error().message();
  EXPECT_EQ(c->ca_pem, "hello CA\n");
}

TEST(Kubeconfig, BasicAuth) {
  auto c = parse_kubeconfig(
      "current-context: x\nclusters: [{name: c, cluster: {server: 'https://h'}}]\n"
      "contexts: [{name: x, context: {cluster: c, user: u}}]\n"
      "users: [{name: u, user: {username: admin, password: s3cret}}]\n",
      "k");
  ASSERT_TRUE(c) << c.error().message();
  EXPECT_EQ(c->username, "admin");
  EXPECT_EQ(c->password, "s3cret");
}

TEST(Kubeconfig, ErrorsNameTheFileAndTheField) {
  EXPECT_EQ(parse_error("{").message().rfind(
                R"(kubeconfig "/etc/kube/config": not valid YAML: line )", 0),
            0u);
  EXPECT_EQ(parse_error("- a\n- b\n").message(),
            R"(kubeconfig "/etc/kube/config": expected a mapping (a kubeconfig), got array)");
  EXPECT_EQ(parse_error("clusters: []\n").message(),
            R"(kubeconfig "/etc/kube/config": no current-context (name one with a context))");
  EXPECT_EQ(parse_error(kTwoContexts, "staging").message(),
            R"(kubeconfig "/etc/kube/config": context "staging" is not defined)");
  EXPECT_EQ(
      parse_error("current-context: x\ncontexts: [{name: x, context: {cluster: c}}]\n").message(),
      R"(kubeconfig "/etc/kube/config": cluster "c" is not defined)");
  EXPECT_EQ(
      parse_error("current-context: x\ncontexts: [{name: x, context: {user: u}}]\n").message(),
      R"(kubeconfig "/etc/kube/config": context "x": cluster: missing)");
  EXPECT_EQ(parse_error("current-context: x\nclusters: [{name: c, cluster: {server: h:6443}}]\n"
                        "contexts: [{name: x, context: {cluster: c}}]\n")
                .message(),
            R"(kubeconfig "/etc/kube/config": cluster "c": server: expected an https:// or )"
            R"(http:// URL, got "h:6443")");
  EXPECT_THAT(parse_error("current-context: x\nclusters: [{name: c, cluster: {server: "
                          "'https://h', certificate-authority-data: '!!!'}}]\n"
                          "contexts: [{name: x, context: {cluster: c}}]\n")
                  .message(),
              HasSubstr("certificate-authority-data: not base64"));
  EXPECT_THAT(parse_error("current-context: x\nclusters: [{name: c, cluster: {server: "
                          "'https://h', certificate-authority: /nonexistent/ca.crt}}]\n"
                          "contexts: [{name: x, context: {cluster: c}}]\n")
                  .message(),
              HasSubstr(R"(certificate-authority: cannot read certificate-authority )"
                        R"("/nonexistent/ca.crt": No such file or directory)"));
}

TEST(Kubeconfig, WrongTypesAndPluginsAreNamed) {
  const std::string head =
      "current-context: x\nclusters: [{name: c, cluster: {server: 'https://h'}}]\n"
      "contexts: [{name: x, context: {cluster: c, user: u}}]\n";
  EXPECT_EQ(parse_error(head + "users: [{name: u, user: {token: [1, 2]}}]\n").message(),
            R"(kubeconfig "/etc/kube/config": user "u": token: expected string, got array)");
  EXPECT_THAT(parse_error(head + "users: [{name: u, user: {exec: {command: aws}}}]\n").message(),
              HasSubstr(R"(user "u": exec: credential plugins are not supported)"));
  EXPECT_THAT(
      parse_error(head + "users: [{name: u, user: {auth-provider: {name: gcp}}}]\n").message(),
      HasSubstr(R"(user "u": auth-provider: credential plugins are not supported)"));
  EXPECT_EQ(
      parse_error(head + "users: [{name: u, user: {client-certificate-data: " + kCertData + "}}]\n")
          .message(),
      R"(kubeconfig "/etc/kube/config": user "u": client-key: missing (a client )"
      R"(certificate needs its key and the key its certificate))");
  EXPECT_EQ(parse_error(head + "users: []\n").message(),
            R"(kubeconfig "/etc/kube/config": user "u" is not defined)");
  EXPECT_EQ(parse_error("current-context: x\nclusters: {c: 1}\n"
                        "contexts: [{name: x, context: {cluster: c}}]\n")
                .message(),
            R"(kubeconfig "/etc/kube/config": clusters: expected array, got object)");
}

TEST(Kubeconfig, MissingFileIsBadInput) {
  auto c = load_kubeconfig("/nonexistent/kubeconfig");
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().code, ErrorCode::kInvalidInput);
  EXPECT_EQ(c.error().message(),
            R"(cannot read kubeconfig "/nonexistent/kubeconfig": No such file or directory)");
}

// kubectl's default: the first existing file of $KUBECONFIG, else $HOME/.kube/config; a set
// KUBECONFIG that names no existing file means none (no fallback to the home directory).
TEST(Kubeconfig, DefaultPathFollowsKubectl) {
  TempDir dir;
  dir.file("a", "x");
  dir.file("home/.kube/config", "y");
  const std::string a = dir.path() + "/a";
  const std::string home = dir.path() + "/home";
  EXPECT_EQ(default_kubeconfig_path({"", {{"KUBECONFIG", "/nonexistent:" + a}, {"HOME", home}}}),
            a);
  EXPECT_EQ(default_kubeconfig_path({"", {{"KUBECONFIG", "::" + a + ":"}}}), a);
  EXPECT_EQ(default_kubeconfig_path({"", {{"HOME", home}}}), home + "/.kube/config");
  EXPECT_EQ(default_kubeconfig_path({"", {{"KUBECONFIG", "/nonexistent"}, {"HOME", home}}}), "");
  EXPECT_EQ(default_kubeconfig_path({"", {{"HOME", dir.path()}}}), "");        // no .kube/config
  EXPECT_EQ(default_kubeconfig_path({"", {{"KUBECONFIG", dir.path()}}}), "");  // a directory
}

TEST(InCluster, ServiceAccountAndEnvironment) {
  TempDir dir;
  dir.file("token", "sa-token\n");
  dir.file("ca.crt", "CA\n");
  dir.file("namespace", "default");
  InClusterEnv where{
      dir.path(), {{"KUBERNETES_SERVICE_HOST", "10.96.0.1"}, {"KUBERNETES_SERVICE_PORT", "443"}}};
  EXPECT_TRUE(in_cluster_available(where));
  auto c = in_cluster_config(where);
  ASSERT_TRUE(c) << c.error().message();
  EXPECT_EQ(c->server, "https://10.96.0.1:443");
  EXPECT_EQ(c->token, "sa-token");
  EXPECT_EQ(c->ca_pem, "CA");
  EXPECT_FALSE(c->insecure_skip_tls_verify);

  where.env = {{"KUBERNETES_SERVICE_HOST", "fd00::1"}, {"KUBERNETES_SERVICE_PORT", "6443"}};
  EXPECT_EQ(in_cluster_config(where)->server, "https://[fd00::1]:6443");
}

TEST(InCluster, NotAvailableWithoutTokenOrHost) {
  TempDir dir;
  InClusterEnv where{dir.path(), {{"KUBERNETES_SERVICE_HOST", "10.96.0.1"}}};
  EXPECT_FALSE(in_cluster_available(where));  // no token file
  dir.file("token", "t");
  EXPECT_TRUE(in_cluster_available(where));
  where.env = {{"HOME", "/root"}};
  EXPECT_FALSE(in_cluster_available(where));  // no KUBERNETES_SERVICE_HOST
}

TEST(InCluster, EmptyOrMissingFilesAreNamed) {
  TempDir dir;
  dir.file("token", "\n");
  dir.file("ca.crt", "CA");
  InClusterEnv where{dir.path(), {{"KUBERNETES_SERVICE_HOST", "10.96.0.1"}}};
  auto c = in_cluster_config(where);
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().message(),
            "in-cluster service account: \"" + dir.path() + "/token\" is empty");
  dir.file("token", "t");
  std::filesystem::remove(dir.path() + "/ca.crt");
  c = in_cluster_config(where);
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().message(), "cannot read service-account ca.crt \"" + dir.path() +
                                     "/ca.crt\": No such file or directory");
}

}  // namespace
}  // namespace netdoctor::inventory
