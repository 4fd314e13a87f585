// Who may read /report.json, without a network: the Authorization header, the token file (a
// Secret's rotation replayed with the kubelet's symlink swap), the four modes' answers, and the
// kube mode's deferral, cache and failures with a stand-in API server configuration that
// cannot be reached.
#include "cli/report_access.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "cli/serve_http.h"

namespace netdoctor::cli {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "nd-access-XXXXXX").string();
    path_ = ::mkdtemp(tmpl.data());
  }
  ~TempDir() { fs::remove_all(path_); }
  [[nodiscard]] std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

void write(const std::string& path, const std::string& text) {
  std::ofstream(path) << text;
}

HttpReply the_report() {
  return {200, "application/json", "{\"schema\": \"netdoctor.report/v1\"}\n"};
}

HttpReply now(const HttpAnswer& a) {
  EXPECT_TRUE(std::holds_alternative<HttpReply>(a));
  return std::holds_alternative<HttpReply>(a) ? std::get<HttpReply>(a) : HttpReply{};
}

std::string header(const HttpReply& r, const std::string& name) {
  for (const auto& [n, v] : r.headers) {
    if (n == name) return v;
  }
  return "<none>";
}

HttpRequest get(const std::string& authorization = "") {
  return {"GET", "/report.json", authorization};
}

TEST(ReportAccess, BearerTokenOfTheAuthorizationHeader) {
  EXPECT_EQ(bearer_token("Bearer abc"), "abc");
  EXPECT_EQ(bearer_token("bearer  abc.def-_~+/= "), "abc.def-_~+/=");
  EXPECT_EQ(bearer_token("BEARER\tx"), "x");
  EXPECT_FALSE(bearer_token(""));
  EXPECT_FALSE(bearer_token("Bearer"));
  EXPECT_FALSE(bearer_token("Bearer "));
  EXPECT_FALSE(bearer_token("Basic dXNlcjpwYXNz"));
  EXPECT_FALSE(bearer_token("Bearerabc"));
}

TEST(ReportAccess, TokenFileFollowsASecretsRotation) {
  TempDir dir;
  // The kubelet's layout: token -> ..data/token, ..data -> ..v1; rotation swaps ..data.
  fs::create_directory(dir.file("..v1"));
  write(dir.file("..v1/token"), "first-token\n");
  fs::create_directory_symlink("..v1", dir.file("..data"));
  fs::create_symlink("..data/token", dir.file("token"));
  std::ostringstream log;
  auto file = TokenFile::open(dir.file("token"), &log);
  ASSERT_TRUE(file) << file.error().message();
  EXPECT_EQ((*file)->match("first-token"), TokenFile::Match::kYes);
  EXPECT_EQ((*file)->match("first-token\n"), TokenFile::Match::kNo);
  EXPECT_EQ((*file)->match("first-toke"), TokenFile::Match::kNo);
  EXPECT_EQ((*file)->match("second-token"), TokenFile::Match::kNo);

  fs::create_directory(dir.file("..v2"));
  write(dir.file("..v2/token"), "  second-token  ");
  fs::create_directory_symlink("..v2", dir.file("..data_tmp"));
  fs::rename(dir.file("..data_tmp"), dir.file("..data"));
  EXPECT_EQ((*file)->match("second-token"), TokenFile::Match::kYes);
  EXPECT_EQ((*file)->match("first-token"), TokenFile::Match::kNo);
  EXPECT_THAT(log.str(), HasSubstr("changed: read again"));
  EXPECT_EQ(log.str().find("second-token"), std::string::npos) << log.str();

  // Emptied: nothing matches, said once; filled again: matches again.
  write(dir.file("..v2/token"), "\n");
  EXPECT_EQ((*file)->match(""), TokenFile::Match::kUnavailable);
  EXPECT_EQ((*file)->match("second-token"), TokenFile::Match::kUnavailable);
  EXPECT_THAT(log.str(), HasSubstr("is empty: /report.json refuses every token"));
  write(dir.file("..v2/token"), "third-token-longer");
  EXPECT_EQ((*file)->match("third-token-longer"), TokenFile::Match::kYes);
}

TEST(ReportAccess, TokenFileMustBeReadableAtStart) {
  TempDir dir;
  auto missing = TokenFile::open(dir.file("nope"));
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().message(), "cannot read the report token file \"" + dir.file("nope") +
                                           "\": No such file or directory");
  write(dir.file("empty"), " \n");
  auto empty = TokenFile::open(dir.file("empty"));
  ASSERT_FALSE(empty);
  EXPECT_THAT(empty.error().message(), HasSubstr("is empty"));
}

TEST(ReportAccess, OffNoneAndTokenModes) {
  ReportAccessOptions o;
  o.off_reason = "serve runs with --no-report";
  auto off = ReportAccess::create(o);
  ASSERT_TRUE(off);
  HttpReply r = now((*off)->answer(get("Bearer x"), the_report));
  EXPECT_EQ(r.status, 404u);
  EXPECT_EQ(r.body, "/report.json is off: serve runs with --no-report\n");

  o.mode = ReportAuthMode::kNone;
  auto open = ReportAccess::create(o);
  ASSERT_TRUE(open);
  EXPECT_EQ(now((*open)->answer(get(), the_report)).status, 200u);
  EXPECT_EQ((*open)->describe(), "open to anyone (--report-auth none)");

  TempDir dir;
  write(dir.file("token"), "s3cret-token\n");
  o.mode = ReportAuthMode::kToken;
  o.token_file = dir.file("token");
  auto token = ReportAccess::create(o);
  ASSERT_TRUE(token) << token.error().message();
  r = now((*token)->answer(get(), the_report));
  EXPECT_EQ(r.status, 401u);
  EXPECT_EQ(header(r, "WWW-Authenticate"), R"(Bearer realm="netdoctor")");
  r = now((*token)->answer(get("Basic czNjcmV0LXRva2Vu"), the_report));
  EXPECT_EQ(r.status, 401u);
  r = now((*token)->answer(get("Bearer wrong"), the_report));
  EXPECT_EQ(r.status, 401u);
  EXPECT_EQ(header(r, "WWW-Authenticate"), R"(Bearer realm="netdoctor", error="invalid_token")");
  EXPECT_EQ(r.body.find("s3cret"), std::string::npos);
  r = now((*token)->answer(get("Bearer s3cret-token"), the_report));
  EXPECT_EQ(r.status, 200u);
  EXPECT_EQ((*token)->describe(), "bearer token of \"" + dir.file("token") + "\"");
  fs::remove(dir.file("token"));
  r = now((*token)->answer(get("Bearer s3cret-token"), the_report));
  EXPECT_EQ(r.status, 503u);
}

// The kube mode asks the API server on a worker: the answer is deferred. An API server that
// cannot be reached is a 503 and one log line without the token; nothing is cached then.
TEST(ReportAccess, KubeModeDefersAndFailsClosed) {
  std::ostringstream log;
  ReportAccessOptions o;
  o.mode = ReportAuthMode::kKube;
  o.log = &log;
  o.review_timeout = std::chrono::milliseconds(500);
  auto resource = parse_reviewed_resource("/report.json", "node-1");
  ASSERT_TRUE(resource);
  o.resource = *resource;
  int asked = 0;
  o.api_server = [&asked]() -> Result<inventory::ApiServerConfig> {
    ++asked;
    inventory::ApiServerConfig c;
    c.server = "https://127.0.0.1:1";  // nothing listens on port 1
    c.origin = "test";
    return c;
  };
  auto access = ReportAccess::create(o);
  ASSERT_TRUE(access);
  EXPECT_EQ(now((*access)->answer(get(), the_report)).status, 401u);
  EXPECT_EQ(asked, 0);
  for (int i = 0; i < 2; ++i) {
    HttpAnswer a = (*access)->answer(get("Bearer kube-s3cret"), the_report);
    ASSERT_TRUE(std::holds_alternative<HttpDeferred>(a));
    std::stop_source stop;
    HttpReply r = std::get<HttpDeferred>(a)(stop.get_token());
    EXPECT_EQ(r.status, 503u);
    EXPECT_EQ(header(r, "Retry-After"), "5");
  }
  EXPECT_EQ(asked, 2);  // a failure is not cached
  EXPECT_THAT(log.str(), HasSubstr("/report.json: cannot review a token: TokenReview: POST "
                                   "/apis/authentication.k8s.io/v1/tokenreviews: cannot connect"));
  EXPECT_EQ(log.str().find("kube-s3cret"), std::string::npos) << log.str();
  // The same failure twice within a minute is logged once.
  EXPECT_EQ(log.str().find("cannot review"), log.str().rfind("cannot review")) << log.str();
  EXPECT_THAT((*access)->describe(),
              HasSubstr("TokenReview, then SubjectAccessReview: get on the non-resource URL "
                        "/report.json"));
}

// The options: the report is off unless asked for; contradictions are bad usage.
TEST(ReportAccess, ServePlanDefaultsAndContradictions) {
  ServeOptions o;
  o.listen = "127.0.0.1:0";
  std::ostringstream err;
  auto plan = plan_serve_http(o, err, nullptr);
  ASSERT_TRUE(plan) << err.str();
  EXPECT_EQ(plan->access.mode, ReportAuthMode::kOff);
  EXPECT_THAT(plan->access.off_reason, HasSubstr("--report-auth kube"));
  EXPECT_EQ(plan->limits.max_connections, 256u);
  EXPECT_EQ(plan->limits.max_connections_per_ip, 8u);
  EXPECT_EQ(plan->limits.request_timeout, std::chrono::seconds(10));
  EXPECT_TRUE(plan->tls.cert_pem.empty());

  TempDir dir;
  write(dir.file("token"), "t\n");
  o.report_token_file = dir.file("token");
  plan = plan_serve_http(o, err, nullptr);
  ASSERT_TRUE(plan) << err.str();
  EXPECT_EQ(plan->access.mode, ReportAuthMode::kToken);

  o.report_auth = "kube";
  err.str("");
  EXPECT_FALSE(plan_serve_http(o, err, nullptr));
  EXPECT_EQ(err.str(), "netdoctor: --report-token-file goes with --report-auth token, not kube\n");
  o.report_token_file.clear();
  o.report_auth = "token";
  err.str("");
  EXPECT_FALSE(plan_serve_http(o, err, nullptr));
  EXPECT_EQ(err.str(), "netdoctor: --report-auth token needs --report-token-file FILE\n");

  o.report_auth = "none";
  o.request_timeout = "100ms";
  err.str("");
  EXPECT_FALSE(plan_serve_http(o, err, nullptr));
  EXPECT_EQ(err.str(), "netdoctor: --request-timeout must be at least 500ms\n");
  o.request_timeout = "3s";
  plan = plan_serve_http(o, err, nullptr);
  ASSERT_TRUE(plan);
  EXPECT_EQ(plan->limits.idle_timeout, std::chrono::seconds(3));

  o.tls_cert = dir.file("missing.crt");
  o.tls_key = dir.file("missing.key");
  err.str("");
  EXPECT_FALSE(plan_serve_http(o, err, nullptr));
  EXPECT_EQ(err.str(), "netdoctor: cannot read --tls-cert \"" + dir.file("missing.crt") +
                           "\": No such file or directory\n");
  o.tls_cert = dir.file("token");
  err.str("");
  EXPECT_FALSE(plan_serve_http(o, err, nullptr));
  EXPECT_THAT(err.str(), HasSubstr("holds no PEM block"));
}

TEST(ReportAccess, KubeModeNeedsAnApiServer) {
  TempDir dir;
  ServeOptions o;
  o.report_auth = "kube";
  o.diagnose.kubeconfig = dir.file("kubeconfig");
  std::ostringstream err;
  EXPECT_FALSE(plan_serve_http(o, err, nullptr));
  EXPECT_THAT(err.str(), HasSubstr("netdoctor: --report-auth kube: "));
  write(dir.file("kubeconfig"), R"(apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "https://127.0.0.1:6443"}}]
users: [{name: u, user: {token: serve-token}}]
contexts: [{name: x, context: {cluster: c, user: u}}]
current-context: x
)");
  err.str("");
  o.report_auth_resource = "nodes/proxy";
  auto plan = plan_serve_http(o, err, nullptr);
  ASSERT_TRUE(plan) << err.str();
  EXPECT_EQ(plan->access.mode, ReportAuthMode::kKube);
  EXPECT_EQ(plan->access.resource.resource, "nodes");
  auto config = plan->access.api_server();
  ASSERT_TRUE(config) << config.error().message();
  EXPECT_EQ(config->server, "https://127.0.0.1:6443");
  o.report_auth_resource = "Nodes";
  EXPECT_FALSE(plan_serve_http(o, err, nullptr));
}

}  // namespace
}  // namespace netdoctor::cli
