// `netdoctor serve`'s HTTP side, the binary on loopback: /report.json is off unless asked for;
// with --report-token-file a bearer token that follows the file; with --report-auth kube the
// token reviewed by a stand-in API server (401 for a token it rejects, 403 for a user it does
// not authorise, 200 otherwise, cached, and a slow review holding up nobody); HTTPS; and 200
// slow clients that do not keep /healthz from answering. Each run diagnoses one TestNet pod
// (layer pod only), so the report exists within a second; tokens never reach the log.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <future>
#include <nlohmann/json.hpp>
#include <thread>

#include "apiserver_standin_util.h"
#include "http_client_util.h"
#include "review_standin_util.h"
#include "serve_process_util.h"
#include "testnet_util.h"

namespace netdoctor::testing {
namespace {

using Clock = std::chrono::steady_clock;
using ::testing::HasSubstr;
using ::testing::Not;
using json = nlohmann::json;

double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

class ServeBinary : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!can_build_namespaces()) {
      GTEST_SKIP() << "needs root with CAP_SYS_ADMIN and CAP_NET_ADMIN (serve diagnoses a pod)";
    }
    net_ = std::make_unique<TestNet>(1);
    ASSERT_TRUE(net_->ok());
    char tmpl[] = "/tmp/nd-serve-auth-XXXXXX";
    dir_ = ::mkdtemp(tmpl);
  }
  void TearDown() override {
    if (!dir_.empty()) sh("rm -rf " + dir_);
  }

  // serve's diagnosis: one pod, one layer, every second.
  std::vector<std::string> args(std::vector<std::string> more) const {
    std::vector<std::string> a = {
        "--interval", "1s",       "--timeout", "300ms",  "--inventory",
        inv_.path(),  "--layers", "pod",       "--from", "/var/run/netns/" + net_->pods()[0].netns};
    a.insert(a.end(), more.begin(), more.end());
    return a;
  }
  [[nodiscard]] std::string file(const std::string& name) const { return dir_ + "/" + name; }

  std::unique_ptr<TestNet> net_;
  EmptyInventory inv_;
  std::string dir_;
};

std::string bearer(const std::string& token) {
  return "-H 'Authorization: Bearer " + token + "'";
}

// Asks until the first run's report is there (200) or 15 s passed.
CurlResult await_report(const ServeProcess& serve, const std::string& extra) {
  CurlResult r;
  const auto start = Clock::now();
  while (seconds_since(start) < 15) {
    r = curl(serve.url("/report.json"), extra);
    if (r.status != 503) return r;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return r;
}

TEST_F(ServeBinary, ReportIsOffByDefaultMetricsAndHealthzAreOpen) {
  ServeProcess serve(args({}));
  ASSERT_GT(serve.port(), 0) << serve.log();
  EXPECT_THAT(serve.log(), HasSubstr("/report.json: off (start serve with --report-auth kube"));
  const CurlResult report = curl(serve.url("/report.json"));
  EXPECT_EQ(report.status, 404);
  EXPECT_THAT(report.body, HasSubstr("/report.json is off"));
  EXPECT_EQ(curl(serve.url("/healthz")).body, "ok\n");
  const CurlResult metrics = curl(serve.url("/metrics"));
  EXPECT_EQ(metrics.status, 200);
  EXPECT_THAT(metrics.body, HasSubstr("netdoctor_build_info"));
  EXPECT_EQ(serve.terminate(), 0) << serve.log();
}

TEST_F(ServeBinary, TokenFileGuardsTheReportAndFollowsTheFile) {
  ASSERT_TRUE(write_text(file("token"), "file-token-one\n"));
  ServeProcess serve(args({"--report-token-file", file("token")}));
  ASSERT_GT(serve.port(), 0) << serve.log();
  const CurlResult ok = await_report(serve, bearer("file-token-one"));
  ASSERT_EQ(ok.status, 200) << ok.body << serve.log();
  EXPECT_EQ(json::parse(ok.body, nullptr, false).value("schema", ""), "netdoctor.report/v1");

  CurlResult r = curl(serve.url("/report.json"));
  EXPECT_EQ(r.status, 401);
  EXPECT_THAT(r.headers, HasSubstr("WWW-Authenticate: Bearer realm=\"netdoctor\""));
  r = curl(serve.url("/report.json"), bearer("file-token-two"));
  EXPECT_EQ(r.status, 401);
  EXPECT_THAT(r.headers, HasSubstr("error=\"invalid_token\""));

  // Rotated as a Secret's volume does it: the file replaced at once.
  ASSERT_TRUE(write_text(file("token.new"), "file-token-two\n"));
  std::filesystem::rename(file("token.new"), file("token"));
  EXPECT_EQ(curl(serve.url("/report.json"), bearer("file-token-two")).status, 200);
  EXPECT_EQ(curl(serve.url("/report.json"), bearer("file-token-one")).status, 401);
  EXPECT_EQ(serve.terminate(), 0) << serve.log();
  EXPECT_THAT(serve.log(), HasSubstr("changed: read again"));
  EXPECT_THAT(serve.log(), Not(HasSubstr("file-token")));
}

TEST_F(ServeBinary, KubeModeAsksTheApiServer) {
  std::string why;
  auto api = ReviewStandIn::start(&why);
  ASSERT_TRUE(api) << why;
  // A copy that outlives the stand-in, for the API server that stops answering below.
  std::filesystem::copy_file(api->kubeconfig(), file("kubeconfig"));
  ServeProcess serve(args({"--report-auth", "kube"}), {"KUBECONFIG=" + file("kubeconfig")});
  ASSERT_GT(serve.port(), 0) << serve.log();
  EXPECT_THAT(serve.log(), HasSubstr("SubjectAccessReview: get on the non-resource URL "
                                     "/report.json"));

  CurlResult r = curl(serve.url("/report.json"));
  EXPECT_EQ(r.status, 401);
  EXPECT_THAT(r.headers, HasSubstr("WWW-Authenticate: Bearer"));
  EXPECT_EQ(api->token_reviews(), 0);  // no token, nothing to ask

  r = await_report(serve, bearer("good-token"));
  ASSERT_EQ(r.status, 200) << r.body << serve.log();
  EXPECT_EQ(json::parse(r.body, nullptr, false).value("schema", ""), "netdoctor.report/v1");
  const int reviews = api->token_reviews();
  EXPECT_GE(reviews, 1);
  const json sar = json::parse(api->last_access_review(), nullptr, false);
  EXPECT_EQ(sar["spec"]["user"], "system:serviceaccount:monitoring:prometheus");
  EXPECT_EQ(sar["spec"]["uid"], "uid-prometheus");
  EXPECT_EQ(sar["spec"]["nonResourceAttributes"],
            json({{"path", "/report.json"}, {"verb", "get"}}));
  // Cached: asked again, the API server is not.
  EXPECT_EQ(curl(serve.url("/report.json"), bearer("good-token")).status, 200);
  EXPECT_EQ(api->token_reviews(), reviews);

  r = curl(serve.url("/report.json"), bearer("bad-token"));
  EXPECT_EQ(r.status, 401);
  EXPECT_THAT(r.headers, HasSubstr("error=\"invalid_token\""));
  const int access_reviews = api->access_reviews();
  r = curl(serve.url("/report.json"), bearer("denied-token"));
  EXPECT_EQ(r.status, 403);
  EXPECT_THAT(r.body, HasSubstr("user \"mallory\" may not get on the non-resource URL"));
  EXPECT_EQ(api->access_reviews(), access_reviews + 1);

  // A slow API server holds up the request that waits for it, and nothing else.
  api->set_delay(std::chrono::milliseconds(2500));
  auto waiting = std::async(std::launch::async, [&serve] {
    return curl(serve.url("/report.json"), bearer("other-token"));
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  auto t = Clock::now();
  EXPECT_EQ(curl(serve.url("/healthz")).status, 200);
  EXPECT_EQ(curl(serve.url("/report.json"), bearer("good-token")).status, 200);  // cached
  EXPECT_LT(seconds_since(t), 1.0);
  EXPECT_EQ(waiting.get().status, 401);

  // The API server gone: what was allowed stays allowed for the cache's minute; a new token
  // cannot be checked (503), and the log says why once, without any token.
  api.reset();
  EXPECT_EQ(curl(serve.url("/report.json"), bearer("good-token")).status, 200);
  r = curl(serve.url("/report.json"), bearer("fresh-token"));
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(serve.terminate(), 0) << serve.log();
  const std::string log = serve.log();
  EXPECT_THAT(log, HasSubstr("/report.json: cannot review a token: TokenReview: POST "));
  for (const char* token :
       {"good-token", "bad-token", "denied-token", "other-token", "fresh-token", "serve-token"}) {
    EXPECT_THAT(log, Not(HasSubstr(token))) << log;
  }
}

TEST_F(ServeBinary, ServesHttps) {
  ASSERT_TRUE(make_test_pki(dir_)) << read_text(file("openssl.log"));
  ServeProcess serve(args({"--report-auth", "none", "--tls-cert", file("server.crt"), "--tls-key",
                           file("server.key")}));
  ASSERT_GT(serve.port(), 0) << serve.log();
  EXPECT_THAT(serve.log(), HasSubstr("(HTTPS)"));
  const std::string ca = "--cacert " + file("ca.crt");
  EXPECT_EQ(curl(serve.url("/healthz", true), ca).body, "ok\n");
  CurlResult r;
  const auto start = Clock::now();
  while (seconds_since(start) < 15 &&
         (r = curl(serve.url("/report.json", true), ca)).status == 503) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_NE(curl(serve.url("/healthz")).status, 200);  // no plain HTTP on that port
  EXPECT_EQ(serve.terminate(), 0) << serve.log();

  ServeProcess broken(args({"--tls-cert", file("server.crt"), "--tls-key", file("client.key")}));
  EXPECT_EQ(broken.port(), 0);
  EXPECT_THAT(broken.log(), HasSubstr("netdoctor: cannot start the HTTPS server on 127.0.0.1:0"));
}

// 200 clients that connect and then send nothing, or trickle a byte every 300 ms, from 25
// addresses (8 each, the per-address limit), and 20 more from one of them (over its limit,
// closed at once): /healthz still answers a new client within a second, and the request
// timeout closes the slow ones even though half of them keep sending.
TEST_F(ServeBinary, SlowClientsDoNotStopHealthz) {
  ServeProcess serve(args({"--request-timeout", "3s"}));
  ASSERT_GT(serve.port(), 0) << serve.log();
  std::vector<Fd> slow;
  const auto opened = Clock::now();
  for (int a = 1; a <= 25; ++a) {
    for (int i = 0; i < 8; ++i) {
      Fd fd = connect_from("127.0.1." + std::to_string(a), serve.port());
      ASSERT_TRUE(fd) << "client " << a << "/" << i;
      if (i % 2 == 1) {
        const std::string head = "GET /metrics HTTP/1.1\r\nHost: x\r\nX-Slow: ";
        ::send(fd.get(), head.data(), head.size(), MSG_NOSIGNAL);
      }
      slow.push_back(std::move(fd));
    }
    // Paced, so that the listen backlog does not overflow (the kernel would then establish
    // some connections a second late, and out of order).
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  std::vector<Fd> over;
  for (int i = 0; i < 20; ++i) over.push_back(connect_from("127.0.1.1", serve.port()));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  // Of the 28 connections from 127.0.1.1, the server closed 20 at once without a word.
  int closed = 0;
  for (auto& fd : over) closed += read_all(fd.get(), 0) == "" ? 1 : 0;
  for (int i = 0; i < 8; ++i) closed += read_all(slow[i].get(), 0) == "" ? 1 : 0;
  EXPECT_EQ(closed, 20) << "over the per-address limit of 8";

  double slowest = 0;
  for (int round = 0; round < 4; ++round) {
    for (std::size_t i = 1; i < slow.size(); i += 2) {
      ::send(slow[i].get(), "a", 1, MSG_NOSIGNAL);
    }
    const auto t = Clock::now();
    const CurlResult h = curl(serve.url("/healthz"));
    slowest = std::max(slowest, seconds_since(t));
    EXPECT_EQ(h.status, 200) << "round " << round;
    EXPECT_EQ(h.body, "ok\n");
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
  }
  std::printf("[ serve    ] /healthz with 200 slow clients held: slowest answer %.3f s\n", slowest);
  EXPECT_LT(slowest, 1.0);

  // Past the request timeout every slow client has been closed, trickling or not.
  while (seconds_since(opened) < 4.5) {
    for (std::size_t i = 1; i < slow.size(); i += 2) ::send(slow[i].get(), "a", 1, MSG_NOSIGNAL);
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
  }
  int still_open = 0;
  for (auto& fd : slow) {
    if (read_all(fd.get(), 200) != "") ++still_open;
  }
  EXPECT_EQ(still_open, 0);
  EXPECT_EQ(curl(serve.url("/healthz")).status, 200);
  EXPECT_EQ(serve.terminate(), 0) << serve.log();
}

}  // namespace
}  // namespace netdoctor::testing
