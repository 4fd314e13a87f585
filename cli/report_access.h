// Who may read serve's /report.json. The report names pods, their addresses, network namespace
// paths, the node's rules, resolv.conf contents and proxy settings: it is not for every pod that
// can reach the node. Four modes:
// - off (the default, and --no-report): 404;
// - none (--report-auth none, asked for explicitly): open to anyone who reaches the port;
// - token (--report-token-file FILE): a bearer token equal to the file's content, compared in
//   constant time; the file is read again whenever it changes (a mounted Secret rotates);
// - kube (--report-auth kube): the bearer token reviewed by the API server (kube_review.h);
//   answers are cached by the token's SHA-256 (allowed for a minute, refused for 10 s), in a
//   bounded cache, and computed on the HTTP server's workers, never on its polling thread.
// No token (or another scheme) is a 401 with `WWW-Authenticate: Bearer`; a token the API server
// authenticates for a user it does not authorise is a 403; a review that fails (API server
// unreachable, our own RBAC missing) is a 503 and one log line. Tokens are never logged.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>

#include "cli/http_server.h"
#include "cli/kube_review.h"
#include "core/result.h"
#include "inventory/kubeconfig.h"

namespace netdoctor::cli {

enum class ReportAuthMode { kOff, kNone, kToken, kKube };

// The token of an Authorization header "Bearer TOKEN" (scheme case-insensitive); nullopt for
// none, another scheme or an empty token.
[[nodiscard]] std::optional<std::string_view> bearer_token(std::string_view authorization);

// A file holding the one token that may read the report. Thread-safe.
class TokenFile {
 public:
  // Reads it once: an unreadable or empty file is kInvalidInput naming it. Later changes (read
  // again, unreadable) are one line each on `log`.
  [[nodiscard]] static Result<std::unique_ptr<TokenFile>> open(const std::string& path,
                                                               std::ostream* log = nullptr);

  enum class Match { kYes, kNo, kUnavailable };
  // Whether `token` equals the file's content (surrounding white space ignored), in constant
  // time. The file is read again when its identity, size or times changed; while it cannot be
  // read or is empty, nothing matches (kUnavailable).
  [[nodiscard]] Match match(std::string_view token);

  ~TokenFile();
  TokenFile(const TokenFile&) = delete;
  TokenFile& operator=(const TokenFile&) = delete;

  struct State;

 private:
  explicit TokenFile(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

struct ReportAccessOptions {
  ReportAuthMode mode = ReportAuthMode::kOff;
  std::string off_reason;  // why it is off, for the 404's text
  std::string token_file;  // kToken
  // kKube: where the API server is, asked again for every review (a service-account token
  // rotates); what the SubjectAccessReview asks about.
  std::function<Result<inventory::ApiServerConfig>()> api_server;
  ReviewedResource resource;
  std::chrono::milliseconds review_timeout{5000};
  std::chrono::seconds allowed_for{60};
  std::chrono::seconds refused_for{10};
  std::size_t cache_entries = 256;
  std::ostream* log = nullptr;  // review failures, token file changes
};

class ReportAccess {
 public:
  // Fails (kInvalidInput) only for a token file that cannot be read.
  [[nodiscard]] static Result<std::unique_ptr<ReportAccess>> create(ReportAccessOptions options);

  // The answer to a GET or HEAD of /report.json: `report()` when the request may have it, else
  // 401, 403, 404 or 503; deferred when the API server must be asked.
  [[nodiscard]] HttpAnswer answer(const HttpRequest& request,
                                  const std::function<HttpReply()>& report);

  // For the start-up line: "off", "open to anyone", "bearer token of FILE", "Kubernetes
  // TokenReview + SubjectAccessReview (get on the non-resource URL /report.json)".
  [[nodiscard]] std::string describe() const;

  ~ReportAccess();
  ReportAccess(const ReportAccess&) = delete;
  ReportAccess& operator=(const ReportAccess&) = delete;

  struct State;

 private:
  explicit ReportAccess(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace netdoctor::cli
