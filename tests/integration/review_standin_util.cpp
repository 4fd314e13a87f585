#include "review_standin_util.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdlib.h>

#include <cstring>
#include <nlohmann/json.hpp>
#include <thread>

#include "apiserver_standin_util.h"
#include "testnet_util.h"

namespace netdoctor::testing {

namespace {

using nlohmann::json;

constexpr const char* kTokenReviews = "/apis/authentication.k8s.io/v1/tokenreviews";
constexpr const char* kAccessReviews = "/apis/authorization.k8s.io/v1/subjectaccessreviews";

MHD_Result reply(MHD_Connection* c, unsigned status, const std::string& body) {
  MHD_Response* r = MHD_create_response_from_buffer(body.size(), const_cast<char*>(body.data()),
                                                    MHD_RESPMEM_MUST_COPY);
  MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
  const MHD_Result rc = MHD_queue_response(c, status, r);
  MHD_destroy_response(r);
  return rc;
}

std::string status(unsigned code, const std::string& reason, const std::string& message) {
  return json({{"kind", "Status"},
               {"apiVersion", "v1"},
               {"status", "Failure"},
               {"reason", reason},
               {"message", message},
               {"code", code}})
      .dump();
}

json token_review(const json& request) {
  json answer = request;
  const std::string token = request.value("/spec/token"_json_pointer, std::string());
  if (token == "good-token") {
    answer["status"] = {{"authenticated", true},
                        {"user",
                         {{"username", "system:serviceaccount:monitoring:prometheus"},
                          {"uid", "uid-prometheus"},
                          {"groups", {"system:serviceaccounts", "system:authenticated"}}}}};
  } else if (token == "denied-token") {
    answer["status"] = {{"authenticated", true},
                        {"user", {{"username", "mallory"}, {"groups", {"system:authenticated"}}}}};
  } else {
    answer["status"] = {{"authenticated", false}, {"error", "invalid bearer token"}};
  }
  return answer;
}

json access_review(const json& request) {
  json answer = request;
  const bool allowed = request.value("/spec/user"_json_pointer, std::string()) ==
                       "system:serviceaccount:monitoring:prometheus";
  answer["status"] = {{"allowed", allowed}};
  if (!allowed) answer["status"]["reason"] = "stand-in: only prometheus may";
  return answer;
}

}  // namespace

struct ReviewStandIn::Access {
  static MHD_Result on_request(void* cls, MHD_Connection* c, const char* url, const char* method,
                               const char*, const char* data, size_t* size, void** con_cls) {
    auto* s = static_cast<ReviewStandIn*>(cls);
    if (*con_cls == nullptr) {
      *con_cls = new std::string;
      return MHD_YES;
    }
    auto* body = static_cast<std::string*>(*con_cls);
    if (*size > 0) {
      body->append(data, *size);
      *size = 0;
      return MHD_YES;
    }
    const char* auth = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
    if (auth == nullptr || std::strcmp(auth, "Bearer serve-token") != 0) {
      return reply(c, 401, status(401, "Unauthorized", "Unauthorized"));
    }
    if (std::strcmp(method, "POST") != 0) {
      return reply(c, 405, status(405, "MethodNotAllowed", "POST only"));
    }
    const json request = json::parse(*body, nullptr, false);
    if (!request.is_object()) return reply(c, 400, status(400, "BadRequest", "not JSON"));
    if (const int ms = s->delay_ms_.load(); ms > 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(ms));
    }
    if (std::strcmp(url, kTokenReviews) == 0) {
      ++s->token_reviews_;
      return reply(c, 201, token_review(request).dump());
    }
    if (std::strcmp(url, kAccessReviews) == 0) {
      ++s->access_reviews_;
      {
        std::lock_guard<std::mutex> lock(s->mutex_);
        s->last_access_review_ = *body;
      }
      return reply(c, 201, access_review(request).dump());
    }
    return reply(c, 404, status(404, "NotFound", "stand-in: no such path"));
  }

  static void on_completed(void*, MHD_Connection*, void** con_cls, MHD_RequestTerminationCode) {
    delete static_cast<std::string*>(*con_cls);
    *con_cls = nullptr;
  }
};

std::unique_ptr<ReviewStandIn> ReviewStandIn::start(std::string* why) {
  std::unique_ptr<ReviewStandIn> s(new ReviewStandIn);
  char tmpl[] = "/tmp/nd-review-XXXXXX";
  if (::mkdtemp(tmpl) == nullptr) {
    *why = "mkdtemp failed";
    return nullptr;
  }
  s->dir_ = tmpl;
  if (!make_test_pki(s->dir_)) {
    *why = "openssl failed: " + read_text(s->file("openssl.log"));
    return nullptr;
  }
  s->cert_ = read_text(s->file("server.crt"));
  s->key_ = read_text(s->file("server.key"));
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  s->daemon_ = MHD_start_daemon(
      MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION | MHD_USE_TLS, 0, nullptr,
      nullptr, &Access::on_request, s.get(), MHD_OPTION_SOCK_ADDR, &a, MHD_OPTION_HTTPS_MEM_CERT,
      s->cert_.c_str(), MHD_OPTION_HTTPS_MEM_KEY, s->key_.c_str(), MHD_OPTION_NOTIFY_COMPLETED,
      &Access::on_completed, nullptr, MHD_OPTION_END);
  if (s->daemon_ == nullptr) {
    *why = "libmicrohttpd did not start over TLS";
    return nullptr;
  }
  const MHD_DaemonInfo* info = MHD_get_daemon_info(s->daemon_, MHD_DAEMON_INFO_BIND_PORT);
  s->port_ = info == nullptr ? 0 : info->port;
  const std::string kubeconfig =
      "apiVersion: v1\nkind: Config\nclusters:\n- name: standin\n  cluster:\n"
      "    server: https://127.0.0.1:" +
      std::to_string(s->port_) +
      "\n    certificate-authority-data: " + base64_of_file(s->file("ca.crt")) +
      "\nusers:\n- name: serve\n  user:\n    token: serve-token\ncontexts:\n- name: standin\n"
      "  context: {cluster: standin, user: serve}\ncurrent-context: standin\n";
  if (!write_text(s->kubeconfig(), kubeconfig)) {
    *why = "cannot write the kubeconfig";
    return nullptr;
  }
  return s;
}

ReviewStandIn::~ReviewStandIn() {
  if (daemon_ != nullptr) MHD_stop_daemon(daemon_);
  if (!dir_.empty()) sh("rm -rf " + dir_);
}

std::string ReviewStandIn::last_access_review() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return last_access_review_;
}

}  // namespace netdoctor::testing
