// The TokenReview and SubjectAccessReview serve sends and the answers it reads, without an API
// server: the bodies are parsed back as JSON, the answers are the API server's shapes.
#include "cli/kube_review.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace netdoctor::cli {
namespace {

using nlohmann::json;

TEST(KubeReview, ResourceForms) {
  auto r = parse_reviewed_resource("/report.json", "node-1");
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->path, "/report.json");
  EXPECT_EQ(r->name, "");  // non-resource URLs have no name
  EXPECT_EQ(describe(*r), "get on the non-resource URL /report.json");

  r = parse_reviewed_resource("nodes/proxy", "node-1");
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->path, "");
  EXPECT_EQ(r->group, "");
  EXPECT_EQ(r->resource, "nodes");
  EXPECT_EQ(r->subresource, "proxy");
  EXPECT_EQ(r->name, "node-1");
  EXPECT_EQ(describe(*r), "get on nodes/proxy named node-1");

  r = parse_reviewed_resource("reports.netdoctor.example", "n");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->resource, "reports");
  EXPECT_EQ(r->group, "netdoctor.example");
  EXPECT_EQ(r->subresource, "");

  for (const char* bad : {"", "Nodes", "nodes/", ".x", "/a b", "/x?y", "nodes/Proxy"}) {
    auto e = parse_reviewed_resource(bad, "n");
    ASSERT_FALSE(e) << bad;
    EXPECT_EQ(e.error().message().rfind(
                  std::string("malformed --report-auth-resource \"") + bad + "\"", 0),
              0u)
        << e.error().message();
  }
}

TEST(KubeReview, TokenReviewBodyAndAnswers) {
  const json body = json::parse(token_review_body("abc.def"));
  EXPECT_EQ(body["apiVersion"], "authentication.k8s.io/v1");
  EXPECT_EQ(body["kind"], "TokenReview");
  EXPECT_EQ(body["spec"]["token"], "abc.def");

  auto user = parse_token_review(R"({"kind":"TokenReview","apiVersion":"authentication.k8s.io/v1",
    "spec":{"token":"abc.def"},"status":{"authenticated":true,"user":{
    "username":"system:serviceaccount:monitoring:prometheus","uid":"u-1",
    "groups":["system:serviceaccounts","system:authenticated"],
    "extra":{"authentication.kubernetes.io/pod-name":["prometheus-0"]}},
    "audiences":["https://kubernetes.default.svc"]}})");
  ASSERT_TRUE(user) << user.error().message();
  ASSERT_TRUE(*user);
  EXPECT_EQ((*user)->username, "system:serviceaccount:monitoring:prometheus");
  EXPECT_EQ((*user)->uid, "u-1");
  EXPECT_EQ((*user)->groups.size(), 2u);
  EXPECT_EQ((*user)->extra.at("authentication.kubernetes.io/pod-name").at(0), "prometheus-0");

  auto refused = parse_token_review(
      R"({"kind":"TokenReview","status":{"authenticated":false,"error":"token expired"}})");
  ASSERT_TRUE(refused);
  EXPECT_FALSE(*refused);
  refused = parse_token_review(R"({"kind":"TokenReview","status":{}})");
  ASSERT_TRUE(refused);
  EXPECT_FALSE(*refused);

  EXPECT_FALSE(parse_token_review("not json"));
  EXPECT_FALSE(parse_token_review(R"({"kind":"Status","status":"Failure"})"));
  EXPECT_FALSE(
      parse_token_review(R"({"kind":"TokenReview","status":{"authenticated":true,"user":{}}})"));
}

TEST(KubeReview, AccessReviewBodyCarriesTheUserAndTheAttributes) {
  ReviewedUser u{"alice", "u-2", {"devs", "system:authenticated"}, {{"scopes", {"a", "b"}}}};
  auto url = parse_reviewed_resource("/report.json", "node-1");
  ASSERT_TRUE(url);
  json body = json::parse(access_review_body(u, *url));
  EXPECT_EQ(body["apiVersion"], "authorization.k8s.io/v1");
  EXPECT_EQ(body["kind"], "SubjectAccessReview");
  EXPECT_EQ(body["spec"]["user"], "alice");
  EXPECT_EQ(body["spec"]["uid"], "u-2");
  EXPECT_EQ(body["spec"]["groups"], json({"devs", "system:authenticated"}));
  EXPECT_EQ(body["spec"]["extra"]["scopes"], json({"a", "b"}));
  EXPECT_EQ(body["spec"]["nonResourceAttributes"],
            json({{"path", "/report.json"}, {"verb", "get"}}));
  EXPECT_FALSE(body["spec"].contains("resourceAttributes"));

  auto res = parse_reviewed_resource("nodes/proxy", "node-1");
  ASSERT_TRUE(res);
  body = json::parse(access_review_body(u, *res));
  EXPECT_EQ(body["spec"]["resourceAttributes"], json({{"verb", "get"},
                                                      {"group", ""},
                                                      {"resource", "nodes"},
                                                      {"subresource", "proxy"},
                                                      {"name", "node-1"}}));
  EXPECT_FALSE(body["spec"].contains("nonResourceAttributes"));

  auto yes = parse_access_review(R"({"kind":"SubjectAccessReview","status":{"allowed":true}})");
  ASSERT_TRUE(yes);
  EXPECT_TRUE(*yes);
  auto no = parse_access_review(
      R"({"kind":"SubjectAccessReview","status":{"allowed":false,"reason":"no RBAC"}})");
  ASSERT_TRUE(no);
  EXPECT_FALSE(*no);
  // An explicit deny wins, whatever else the answer says.
  no = parse_access_review(
      R"({"kind":"SubjectAccessReview","status":{"allowed":true,"denied":true}})");
  ASSERT_TRUE(no);
  EXPECT_FALSE(*no);
  EXPECT_FALSE(parse_access_review(R"({"kind":"TokenReview","status":{"allowed":true}})"));
}

}  // namespace
}  // namespace netdoctor::cli
