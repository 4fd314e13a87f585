// A stand-in for the API server's review endpoints, for serve's --report-auth kube: a small
// HTTPS server on loopback (libmicrohttpd with GnuTLS, a CA and certificate made by openssl at
// start) answering POST /apis/authentication.k8s.io/v1/tokenreviews and
// /apis/authorization.k8s.io/v1/subjectaccessreviews, as the API server does (201 and the
// review with its status), to a caller presenting serve's own token "serve-token" (else 401).
//
// Tokens: "good-token" is system:serviceaccount:monitoring:prometheus, whom the
// SubjectAccessReview allows; "denied-token" is user "mallory", whom it denies; any other
// token is not authenticated. kubeconfig() writes a kubeconfig that points at it.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>

struct MHD_Daemon;

namespace netdoctor::testing {

class ReviewStandIn {
 public:
  // nullptr with `why` set when the PKI cannot be made or the server does not start.
  static std::unique_ptr<ReviewStandIn> start(std::string* why);
  ~ReviewStandIn();
  ReviewStandIn(const ReviewStandIn&) = delete;
  ReviewStandIn& operator=(const ReviewStandIn&) = delete;

  [[nodiscard]] int port() const { return port_; }
  [[nodiscard]] std::string file(const std::string& name) const { return dir_ + "/" + name; }
  // A kubeconfig for this server (its CA as certificate-authority-data, token serve-token).
  [[nodiscard]] std::string kubeconfig() const { return file("kubeconfig"); }

  [[nodiscard]] int token_reviews() const { return token_reviews_.load(); }
  [[nodiscard]] int access_reviews() const { return access_reviews_.load(); }
  // The body of the last SubjectAccessReview received.
  [[nodiscard]] std::string last_access_review() const;
  // Every review waits this long before it answers (a slow API server).
  void set_delay(std::chrono::milliseconds delay) { delay_ms_ = static_cast<int>(delay.count()); }

  struct Access;

 private:
  ReviewStandIn() = default;
  std::string dir_;
  int port_ = 0;
  MHD_Daemon* daemon_ = nullptr;
  std::string cert_;
  std::string key_;
  std::atomic<int> token_reviews_{0};
  std::atomic<int> access_reviews_{0};
  std::atomic<int> delay_ms_{0};
  mutable std::mutex mutex_;
  std::string last_access_review_;
};

}  // namespace netdoctor::testing
