// The in-cluster inventory against a real HTTPS server: nginx on loopback with a throwaway CA
// serving the recorded list pages (apiserver_standin_util.h). The listed inventory must equal
// the file-based inventory of the same objects; errors must name the resource and the HTTP
// status or the TLS failure; the binary must pick the service account up by itself.
#include <gtest/gtest.h>
#include <unistd.h>

#include "apiserver_standin_util.h"
#include "inventory/apiserver_client.h"
#include "inventory/inventory.h"
#include "inventory/kubeconfig.h"
#include "testnet_util.h"

namespace netdoctor {
namespace {

using testing::ApiServerStandIn;
using testing::sh_output;

class InventoryApiServer : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { server_ = ApiServerStandIn::start(&why_).release(); }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }
  void SetUp() override {
    if (!ApiServerStandIn::tools_present())
      GTEST_SKIP() << "needs nginx and openssl (scripts/setup.sh)";
    ASSERT_NE(server_, nullptr) << why_;
  }

  // A kubeconfig in the server's directory; `user` is the body of the user entry.
  std::string kubeconfig(const std::string& name, const std::string& cluster_extra,
                         const std::string& user) {
    const std::string path = server_->file(name);
    const std::string text =
        "apiVersion: v1\nkind: Config\ncurrent-context: standin\n"
        "clusters:\n- name: standin\n  cluster:\n    server: " +
        server_->server() + "\n" + cluster_extra +
        "contexts:\n- name: standin\n  context:\n    cluster: standin\n"
        "    user: u\nusers:\n- name: u\n  user:\n" +
        user;
    EXPECT_TRUE(testing::write_text(path, text));
    return path;
  }

  inventory::ApiServerConfig config(const std::string& token) {
    inventory::ApiServerConfig c;
    c.server = server_->server();
    c.ca_pem = testing::read_text(server_->file("ca.crt"));
    c.token = token;
    c.origin = "test";
    return c;
  }

  static ApiServerStandIn* server_;
  static std::string why_;
};

ApiServerStandIn* InventoryApiServer::server_ = nullptr;
std::string InventoryApiServer::why_;

TEST_F(InventoryApiServer, PaginatedListEqualsTheFileInventory) {
  auto file = inventory::load_inventory(std::string(ND_TESTDATA) + "/lab/inventory.json");
  ASSERT_TRUE(file) << file.error().message();
  auto listed = inventory::fetch_inventory(config("good-token"));
  ASSERT_TRUE(listed) << listed.error().message();
  EXPECT_EQ(listed->nodes.size(), 2u);
  EXPECT_EQ(listed->pods.size(), 9u);  // 4 + 4 + 1 over three pages
  EXPECT_EQ(listed->services.size(), 4u);
  EXPECT_EQ(listed->slices.size(), 4u);
  EXPECT_TRUE(listed->nodes == file->nodes);
  EXPECT_TRUE(listed->pods == file->pods);
  EXPECT_TRUE(listed->services == file->services);
  EXPECT_TRUE(listed->slices == file->slices);
  EXPECT_TRUE(*listed == *file);
  ASSERT_NE(listed->find_pod("default", "client-a"), nullptr);
  EXPECT_EQ(listed->find_pod("default", "client-a")->ip, "10.244.1.3");
  // The pages were asked with limit and the (percent-encoded) continue tokens.
  const std::string log = server_->access_log();
  EXPECT_NE(log.find("GET /api/v1/pods?limit=500 200"), std::string::npos) << log;
  EXPECT_NE(log.find("GET /api/v1/pods?limit=500&continue=eyJ2"), std::string::npos) << log;
  EXPECT_NE(log.find("%3D 200"), std::string::npos) << log;
}

TEST_F(InventoryApiServer, ForbiddenNamesTheResourceAndTheStatus) {
  auto listed = inventory::fetch_inventory(config("no-pods-token"));
  ASSERT_FALSE(listed);
  EXPECT_EQ(listed.error().code, ErrorCode::kInvalidInput);
  EXPECT_EQ(listed.error().message(),
            "listing pods: HTTP 403 Forbidden: pods is forbidden: User "
            "\"system:serviceaccount:default:reader\" cannot list resource \"pods\" in API group "
            "\"\" at the cluster scope");
}

TEST_F(InventoryApiServer, WrongTokenIsUnauthorizedOnTheFirstList) {
  auto listed = inventory::fetch_inventory(config("stolen-token"));
  ASSERT_FALSE(listed);
  EXPECT_EQ(listed.error().message(), "listing nodes: HTTP 401 Unauthorized: Unauthorized");
}

TEST_F(InventoryApiServer, UntrustedCertificateIsATlsErrorNamingTheServer) {
  auto c = config("good-token");
  c.ca_pem = testing::read_text(server_->file("rogue-ca.crt"));
  auto listed = inventory::fetch_inventory(c);
  ASSERT_FALSE(listed);
  const std::string m = listed.error().message();
  EXPECT_EQ(m.rfind("listing nodes: TLS: the API server's certificate at " + server_->server() +
                        " is not trusted (checked against the CA of test): ",
                    0),
            0u)
      << m;
  EXPECT_NE(m.find("certificate"), std::string::npos) << m;
}

TEST_F(InventoryApiServer, KubeconfigWithClientCertificateData) {
  const std::string path = kubeconfig(
      "cert.kubeconfig",
      "    certificate-authority-data: " + testing::base64_of_file(server_->file("ca.crt")) + "\n",
      "    client-certificate-data: " + testing::base64_of_file(server_->file("client.crt")) +
          "\n    client-key-data: " + testing::base64_of_file(server_->file("client.key")) + "\n");
  auto c = inventory::load_kubeconfig(path);
  ASSERT_TRUE(c) << c.error().message();
  EXPECT_TRUE(c->token.empty());
  auto listed = inventory::fetch_inventory(*c);
  ASSERT_TRUE(listed) << listed.error().message();
  EXPECT_EQ(listed->pods.size(), 9u);
}

TEST_F(InventoryApiServer, KubeconfigWithRelativeCaFileAndInsecureSkip) {
  const std::string ca =
      kubeconfig("ca.kubeconfig", "    certificate-authority: ca.crt\n", "    token: good-token\n");
  auto listed = inventory::fetch_inventory(*inventory::load_kubeconfig(ca));
  ASSERT_TRUE(listed) << listed.error().message();
  EXPECT_EQ(listed->nodes.size(), 2u);
  const std::string insecure = kubeconfig(
      "insecure.kubeconfig", "    insecure-skip-tls-verify: true\n", "    token: good-token\n");
  listed = inventory::fetch_inventory(*inventory::load_kubeconfig(insecure));
  ASSERT_TRUE(listed) << listed.error().message();
  // Without a CA and without skipping verification the system's CAs do not know the server.
  const std::string none = kubeconfig("none.kubeconfig", "", "    token: good-token\n");
  listed = inventory::fetch_inventory(*inventory::load_kubeconfig(none));
  ASSERT_FALSE(listed);
  EXPECT_NE(listed.error().message().find("the system's CAs"), std::string::npos)
      << listed.error().message();
}

TEST_F(InventoryApiServer, NothingListensIsNamed) {
  auto c = config("good-token");
  c.server = "https://127.0.0.1:1";
  auto listed = inventory::fetch_inventory(c);
  ASSERT_FALSE(listed);
  EXPECT_EQ(
      listed.error().message().rfind("listing nodes: cannot connect to https://127.0.0.1:1: ", 0),
      0u)
      << listed.error().message();
  // No answer at all is its own kind of error: the binary goes on without an implicit source.
  EXPECT_EQ(listed.error().code, ErrorCode::kUnreachable);
}

// The binary with --kubeconfig: a 403 exits 2 with one line naming pods and the status.
TEST_F(InventoryApiServer, BinaryWithKubeconfigExitsTwoOnForbidden) {
  if (::geteuid() != 0) GTEST_SKIP() << "netdoctor pods needs root on a node";
  const std::string path = kubeconfig("forbidden.kubeconfig", "    certificate-authority: ca.crt\n",
                                      "    token: no-pods-token\n");
  int status = -1;
  const std::string err = sh_output(
      std::string(ND_BINARY) + " pods --kubeconfig " + path + " 2>&1 >/dev/null", &status);
  EXPECT_EQ(status, 2);
  EXPECT_EQ(err.rfind("netdoctor: listing pods: HTTP 403 Forbidden: pods is forbidden", 0), 0u)
      << err;
  const std::string good = kubeconfig("good.kubeconfig", "    certificate-authority: ca.crt\n",
                                      "    token: good-token\n");
  sh_output(std::string(ND_BINARY) + " pods -o json --kubeconfig " + good, &status);
  EXPECT_EQ(status, 0);
}

// In a pod: the service account's files and KUBERNETES_SERVICE_HOST/PORT, no flag at all. A
// private mount namespace puts a tmpfs with the service account over /run (= /var/run).
TEST_F(InventoryApiServer, BinaryUsesTheServiceAccountInCluster) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root for a private mount namespace";
  const std::string sa = "/run/secrets/kubernetes.io/serviceaccount";
  const auto run = [&](const std::string& token, int* status) {
    const std::string script =
        "mount -t tmpfs ndtest /run && mkdir -p " + sa + " && cp " + server_->file("ca.crt") + " " +
        sa + "/ca.crt && printf %s " + token + " >" + sa + "/token && echo default >" + sa +
        "/namespace && KUBERNETES_SERVICE_HOST=127.0.0.1 "
        "KUBERNETES_SERVICE_PORT=" +
        std::to_string(server_->port()) + " " + ND_BINARY + " pods -o json 2>&1 >/dev/null";
    return sh_output("unshare -m sh -c '" + script + "'", status);
  };
  const size_t before = server_->access_log().size();
  int status = -1;
  std::string err = run("good-token", &status);
  EXPECT_EQ(status, 0) << err;
  const std::string log = server_->access_log().substr(before);
  EXPECT_NE(log.find("GET /api/v1/nodes?limit=500 200"), std::string::npos) << log;
  EXPECT_NE(log.find("GET /apis/discovery.k8s.io/v1/endpointslices?limit=500 200"),
            std::string::npos)
      << log;
  err = run("no-pods-token", &status);
  EXPECT_EQ(status, 2) << err;
  EXPECT_NE(err.find("listing pods: HTTP 403 Forbidden"), std::string::npos) << err;
}

// Without a flag, the kubeconfig kubectl would read: $KUBECONFIG, else $HOME/.kube/config. An
// implicit source whose API server does not answer is a warning and the command goes on (an
// unreachable API server is a thing to diagnose); the same server named by --kubeconfig is bad
// input, and so is an implicit one that answers 403.
TEST_F(InventoryApiServer, BinaryUsesKubeconfigFromEnvironmentAndHome) {
  if (::geteuid() != 0) GTEST_SKIP() << "netdoctor pods needs root on a node";
  const std::string good = kubeconfig("env-good.kubeconfig", "    certificate-authority: ca.crt\n",
                                      "    token: good-token\n");
  const std::string bin = std::string(ND_BINARY) + " pods -o json 2>&1 >/dev/null";
  int status = -1;
  size_t before = server_->access_log().size();
  std::string err = sh_output("env -u HOME KUBECONFIG=/nonexistent:" + good + " " + bin, &status);
  EXPECT_EQ(status, 0) << err;
  EXPECT_NE(server_->access_log().substr(before).find("GET /api/v1/nodes?limit=500 200"),
            std::string::npos);

  const std::string home = server_->file("home");
  ASSERT_EQ(::system(("mkdir -p " + home + "/.kube && cp " + good + " " + home +
                      "/.kube/config && cp " + server_->file("ca.crt") + " " + home + "/.kube/")
                         .c_str()),
            0);
  before = server_->access_log().size();
  err = sh_output("env -u KUBECONFIG HOME=" + home + " " + bin, &status);
  EXPECT_EQ(status, 0) << err;
  EXPECT_NE(server_->access_log().substr(before).find("GET /api/v1/nodes?limit=500 200"),
            std::string::npos);
  // KUBECONFIG set but naming no file: nothing, as for kubectl (no fallback to ~/.kube/config).
  before = server_->access_log().size();
  err = sh_output("KUBECONFIG=/nonexistent HOME=" + home + " " + bin, &status);
  EXPECT_EQ(status, 0) << err;
  EXPECT_EQ(server_->access_log().substr(before).find("GET /api/v1/nodes"), std::string::npos);

  const std::string silent = server_->file("silent.kubeconfig");
  ASSERT_TRUE(testing::write_text(
      silent,
      "apiVersion: v1\nkind: Config\ncurrent-context: c\nclusters:\n- name: x\n  cluster:\n"
      "    server: https://127.0.0.1:1\ncontexts:\n- name: c\n  context:\n    cluster: x\n"
      "    user: u\nusers:\n- name: u\n  user:\n    token: t\n"));
  err = sh_output("env -u HOME KUBECONFIG=" + silent + " " + bin, &status);
  EXPECT_EQ(status, 0) << err;
  EXPECT_EQ(
      err.rfind("netdoctor: warning: listing nodes: cannot connect to https://127.0.0.1:1", 0), 0u)
      << err;
  EXPECT_NE(err.find("going on without the cluster's objects"), std::string::npos) << err;
  err = sh_output(
      std::string(ND_BINARY) + " pods -o json --kubeconfig " + silent + " 2>&1 >/dev/null",
      &status);
  EXPECT_EQ(status, 2) << err;

  const std::string forbidden =
      kubeconfig("env-forbidden.kubeconfig", "    certificate-authority: ca.crt\n",
                 "    token: no-pods-token\n");
  err = sh_output("env -u HOME KUBECONFIG=" + forbidden + " " + bin, &status);
  EXPECT_EQ(status, 2) << err;
  EXPECT_NE(err.find("listing pods: HTTP 403 Forbidden"), std::string::npos) << err;
}

}  // namespace
}  // namespace netdoctor
