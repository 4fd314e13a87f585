#include "cli/kube_review.h"

#include <nlohmann/json.hpp>

#include "inventory/apiserver_client.h"

namespace netdoctor::cli {

namespace {

using nlohmann::json;

constexpr const char* kTokenReviews = "/apis/authentication.k8s.io/v1/tokenreviews";
constexpr const char* kAccessReviews = "/apis/authorization.k8s.io/v1/subjectaccessreviews";

tl::unexpected<Error> bad_resource(std::string_view text, const std::string& why) {
  return fail(ErrorCode::kInvalidInput,
              "malformed --report-auth-resource \"" + std::string(text) + "\": " + why +
                  " (expected /PATH, e.g. /report.json, or RESOURCE[.GROUP][/SUBRESOURCE], e.g. "
                  "nodes/proxy)");
}

// A DNS-1123-ish name part: lower-case letters, digits, '-' and '.'.
bool plain_name(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.')) return false;
  }
  return true;
}

const json* member(const json& doc, const char* name) {
  if (!doc.is_object()) return nullptr;
  auto it = doc.find(name);
  return it == doc.end() ? nullptr : &*it;
}

std::string string_member(const json& doc, const char* name) {
  const json* m = member(doc, name);
  return m != nullptr && m->is_string() ? m->get<std::string>() : std::string();
}

bool is_answer(const json& doc, const char* kind) {
  return doc.is_object() && string_member(doc, "kind") == kind &&
         member(doc, "status") != nullptr && (*member(doc, "status")).is_object();
}

// A review's answer: 201 Created (or 200) with the review, else an error naming it.
Result<std::string> post_review(const inventory::ApiServerConfig& config, const char* what,
                                const char* path, const std::string& body,
                                std::chrono::milliseconds timeout, std::stop_token stop) {
  inventory::PostOptions options;
  options.timeout = timeout;
  options.cancelled = [stop] { return stop.stop_requested(); };
  auto answer = inventory::post_json(config, path, body, options);
  if (!answer) {
    return fail(answer.error().code, std::string(what) + ": " + answer.error().context);
  }
  if (answer->status != 201 && answer->status != 200) {
    return fail(ErrorCode::kInvalidInput,
                std::string(what) + ": " +
                    inventory::http_status_error(answer->status, answer->body) + " (" +
                    config.origin + ")");
  }
  return std::move(answer->body);
}

}  // namespace

Result<ReviewedResource> parse_reviewed_resource(std::string_view text, const std::string& node) {
  ReviewedResource r;
  if (text.starts_with('/')) {
    if (text.find_first_of(" \t\r\n?#") != std::string_view::npos) {
      return bad_resource(text, "a path has no spaces, query or fragment");
    }
    r.path = std::string(text);
    return r;
  }
  std::string_view res = text;
  if (const auto slash = res.find('/'); slash != std::string_view::npos) {
    r.subresource = std::string(res.substr(slash + 1));
    res = res.substr(0, slash);
    if (!plain_name(r.subresource)) return bad_resource(text, "bad subresource");
  }
  if (const auto dot = res.find('.'); dot != std::string_view::npos) {
    r.group = std::string(res.substr(dot + 1));
    res = res.substr(0, dot);
    if (!plain_name(r.group)) return bad_resource(text, "bad API group");
  }
  if (!plain_name(res)) return bad_resource(text, "no resource");
  r.resource = std::string(res);
  r.name = node;
  return r;
}

std::string describe(const ReviewedResource& r) {
  if (!r.path.empty()) return r.verb + " on the non-resource URL " + r.path;
  std::string out = r.verb + " on " + r.resource;
  if (!r.group.empty()) out += "." + r.group;
  if (!r.subresource.empty()) out += "/" + r.subresource;
  if (!r.name.empty()) out += " named " + r.name;
  return out;
}

std::string token_review_body(std::string_view token) {
  json doc = {{"apiVersion", "authentication.k8s.io/v1"},
              {"kind", "TokenReview"},
              {"spec", {{"token", std::string(token)}}}};
  return doc.dump();
}

Result<std::optional<ReviewedUser>> parse_token_review(std::string_view body) {
  const json doc = json::parse(body, nullptr, false);
  if (!is_answer(doc, "TokenReview")) {
    return fail(ErrorCode::kInvalidInput, "the API server's answer is not a TokenReview");
  }
  const json& status = doc["status"];
  const json* authenticated = member(status, "authenticated");
  if (authenticated == nullptr || !authenticated->is_boolean() || !authenticated->get<bool>()) {
    return std::optional<ReviewedUser>();
  }
  const json* user = member(status, "user");
  ReviewedUser u;
  if (user != nullptr) {
    u.username = string_member(*user, "username");
    u.uid = string_member(*user, "uid");
    if (const json* g = member(*user, "groups"); g != nullptr && g->is_array()) {
      for (const auto& v : *g) {
        if (v.is_string()) u.groups.push_back(v.get<std::string>());
      }
    }
    if (const json* e = member(*user, "extra"); e != nullptr && e->is_object()) {
      for (const auto& [key, values] : e->items()) {
        if (!values.is_array()) continue;
        auto& out = u.extra[key];
        for (const auto& v : values) {
          if (v.is_string()) out.push_back(v.get<std::string>());
        }
      }
    }
  }
  // An authenticated answer without a user name names nobody RBAC could grant anything to.
  if (u.username.empty()) {
    return fail(ErrorCode::kInvalidInput, "the API server's TokenReview names no user");
  }
  return std::optional<ReviewedUser>(std::move(u));
}

std::string access_review_body(const ReviewedUser& user, const ReviewedResource& resource) {
  json spec = {{"user", user.username}, {"groups", user.groups}};
  if (!user.uid.empty()) spec["uid"] = user.uid;
  if (!user.extra.empty()) spec["extra"] = user.extra;
  if (!resource.path.empty()) {
    spec["nonResourceAttributes"] = {{"path", resource.path}, {"verb", resource.verb}};
  } else {
    json attributes = {
        {"verb", resource.verb}, {"group", resource.group}, {"resource", resource.resource}};
    if (!resource.subresource.empty()) attributes["subresource"] = resource.subresource;
    if (!resource.name.empty()) attributes["name"] = resource.name;
    spec["resourceAttributes"] = std::move(attributes);
  }
  json doc = {{"apiVersion", "authorization.k8s.io/v1"},
              {"kind", "SubjectAccessReview"},
              {"spec", std::move(spec)}};
  return doc.dump();
}

Result<bool> parse_access_review(std::string_view body) {
  const json doc = json::parse(body, nullptr, false);
  if (!is_answer(doc, "SubjectAccessReview")) {
    return fail(ErrorCode::kInvalidInput, "the API server's answer is not a SubjectAccessReview");
  }
  const json* allowed = member(doc["status"], "allowed");
  const json* denied = member(doc["status"], "denied");
  const bool yes = allowed != nullptr && allowed->is_boolean() && allowed->get<bool>();
  const bool no = denied != nullptr && denied->is_boolean() && denied->get<bool>();
  return yes && !no;
}

Result<Review> review(const inventory::ApiServerConfig& config, std::string_view token,
                      const ReviewedResource& resource, std::chrono::milliseconds timeout,
                      std::stop_token stop) {
  auto tr =
      post_review(config, "TokenReview", kTokenReviews, token_review_body(token), timeout, stop);
  if (!tr) return tl::unexpected(tr.error());
  auto user = parse_token_review(*tr);
  if (!user) {
    return fail(user.error().code, "TokenReview: " + user.error().context);
  }
  if (!*user) return Review{Verdict::kUnauthenticated, {}};
  auto sar = post_review(config, "SubjectAccessReview", kAccessReviews,
                         access_review_body(**user, resource), timeout, stop);
  if (!sar) return tl::unexpected(sar.error());
  auto allowed = parse_access_review(*sar);
  if (!allowed)
    return fail(allowed.error().code, "SubjectAccessReview: " + allowed.error().context);
  return Review{*allowed ? Verdict::kAllowed : Verdict::kForbidden, (*user)->username};
}

}  // namespace netdoctor::cli
