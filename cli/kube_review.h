// Asking the API server about a bearer token, as kube-rbac-proxy does: a TokenReview
// (authentication.k8s.io/v1) says whose token it is, then a SubjectAccessReview
// (authorization.k8s.io/v1) says whether that user may `get` what serve guards (by default the
// non-resource URL /report.json, so that RBAC grants it with `nonResourceURLs`). The requests
// and answers are built and read by pure functions; review() does the two POSTs.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "inventory/kubeconfig.h"

namespace netdoctor::cli {

// The attributes a SubjectAccessReview asks about, besides the user.
struct ReviewedResource {
  std::string path;  // a non-resource URL ("/report.json"); empty: the resource below
  std::string group;
  std::string resource;
  std::string subresource;
  std::string name;  // this node's name, for resource attributes
  std::string verb = "get";
};

// "/PATH" (a non-resource URL) or "RESOURCE[.GROUP][/SUBRESOURCE]" (e.g. "nodes/proxy",
// "reports.netdoctor.example/status"), whose name is then `node` (so that RBAC can grant one
// node's report with resourceNames). Errors are kInvalidInput naming the option.
[[nodiscard]] Result<ReviewedResource> parse_reviewed_resource(std::string_view text,
                                                               const std::string& node);

// "get on the non-resource URL /report.json", "get on nodes/proxy named node-1".
[[nodiscard]] std::string describe(const ReviewedResource& r);

// The user a TokenReview authenticated.
struct ReviewedUser {
  std::string username;
  std::string uid;
  std::vector<std::string> groups;
  std::map<std::string, std::vector<std::string>> extra;
};

[[nodiscard]] std::string token_review_body(std::string_view token);
// The user, or nullopt when the API server did not authenticate the token. Errors
// (kInvalidInput) for an answer that is no TokenReview.
[[nodiscard]] Result<std::optional<ReviewedUser>> parse_token_review(std::string_view body);

[[nodiscard]] std::string access_review_body(const ReviewedUser& user,
                                             const ReviewedResource& resource);
// Whether the SubjectAccessReview allowed it. Errors for an answer that is none.
[[nodiscard]] Result<bool> parse_access_review(std::string_view body);

enum class Verdict { kAllowed, kUnauthenticated, kForbidden };

struct Review {
  Verdict verdict = Verdict::kUnauthenticated;
  std::string username;  // empty when unauthenticated
};

// Both reviews against the API server of `config`, each POST bounded by `timeout` and
// abandoned when `stop` is requested. Errors name the review and what failed
// (`TokenReview: HTTP 403 Forbidden: tokenreviews.authentication.k8s.io is forbidden: ...`),
// never the token.
[[nodiscard]] Result<Review> review(const inventory::ApiServerConfig& config,
                                    std::string_view token, const ReviewedResource& resource,
                                    std::chrono::milliseconds timeout, std::stop_token stop);

}  // namespace netdoctor::cli
