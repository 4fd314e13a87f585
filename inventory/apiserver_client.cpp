// fetch_inventory: GET each resource's list from the API server page by page with one libcurl
// handle (one TLS connection when the server keeps it), parse each page with the inventory
// parser and append its objects. post_json: one POST with the same handle setup (TLS, CA,
// credentials, proxy), for the reviews serve asks for.
#include "inventory/apiserver_client.h"

#include <curl/curl.h>

#include <functional>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>

#include "core/redact.h"
#include "inventory/json_reader.h"

namespace netdoctor::inventory {

namespace {

using nlohmann::json;

struct EasyDeleter {
  void operator()(CURL* h) const { curl_easy_cleanup(h); }
};
using Easy = std::unique_ptr<CURL, EasyDeleter>;

struct SlistDeleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};
using Slist = std::unique_ptr<curl_slist, SlistDeleter>;

struct Resource {
  const char* name;
  const char* path;
};

// kubectl's order for `get nodes,pods,services,endpointslices`.
constexpr Resource kResources[] = {
    {"nodes", "/api/v1/nodes"},
    {"pods", "/api/v1/pods"},
    {"services", "/api/v1/services"},
    {"endpointslices", "/apis/discovery.k8s.io/v1/endpointslices"},
};

struct Body {
  std::string text;
  std::size_t max = 0;
  bool too_large = false;
};

std::size_t on_body(char* data, std::size_t size, std::size_t n, void* user) {
  auto* body = static_cast<Body*>(user);
  const std::size_t len = size * n;
  if (body->text.size() + len > body->max) {
    body->too_large = true;
    return 0;  // curl stops with CURLE_WRITE_ERROR
  }
  body->text.append(data, len);
  return len;
}

// One line of printable ASCII from a server's bytes, at most `max` characters.
std::string one_line(std::string_view text, std::size_t max = 200) {
  std::string out;
  for (char c : text) {
    if (out.size() >= max) {
      out += "...";
      break;
    }
    const auto byte = static_cast<unsigned char>(c);
    out += (byte >= 0x20 && byte < 0x7f) ? c : ' ';
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

struct Response {
  long status = 0;
  std::string body;
};

class Client {
 public:
  Client(const ApiServerConfig& config, const ListOptions& options)
      : config_(config), options_(options) {}

  // Prepares the handle; false (with `error`) when libcurl refuses an option.
  bool init(std::string& error) {
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
    easy_.reset(curl_easy_init());
    if (!easy_) {
      error = "cannot create a libcurl handle";
      return false;
    }
    CURL* h = easy_.get();
    std::string auth = config_.token.empty() ? "" : "Authorization: Bearer " + config_.token;
    headers_.reset(curl_slist_append(nullptr, "Accept: application/json"));
    if (!auth.empty()) curl_slist_append(headers_.get(), auth.c_str());
    bool ok = curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers_.get()) == CURLE_OK;
    ok = ok && curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L) == CURLE_OK;
    ok = ok && curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "https,http") == CURLE_OK;
    ok = ok && curl_easy_setopt(h, CURLOPT_USERAGENT, "netdoctor/" ND_PROJECT_VERSION) == CURLE_OK;
    ok = ok && curl_easy_setopt(h, CURLOPT_TIMEOUT_MS,
                                static_cast<long>(options_.timeout.count())) == CURLE_OK;
    ok = ok && curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "") == CURLE_OK;
    ok = ok && curl_easy_setopt(h, CURLOPT_ERRORBUFFER, error_buffer_) == CURLE_OK;
    ok = ok && curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body) == CURLE_OK;
    ok = ok && curl_easy_setopt(h, CURLOPT_WRITEDATA, &body_) == CURLE_OK;
    if (cancelled_) {
      ok = ok && curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L) == CURLE_OK;
      ok = ok && curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress) == CURLE_OK;
      ok = ok && curl_easy_setopt(h, CURLOPT_XFERINFODATA, this) == CURLE_OK;
    }
    if (config_.insecure_skip_tls_verify) {
      ok = ok && curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L) == CURLE_OK;
      ok = ok && curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L) == CURLE_OK;
    } else if (!config_.ca_pem.empty()) {
      curl_blob ca{const_cast<char*>(config_.ca_pem.data()), config_.ca_pem.size(), CURL_BLOB_COPY};
      ok = ok && curl_easy_setopt(h, CURLOPT_CAINFO_BLOB, &ca) == CURLE_OK;
    }
    if (!config_.client_cert_pem.empty()) {
      curl_blob cert{const_cast<char*>(config_.client_cert_pem.data()),
                     config_.client_cert_pem.size(), CURL_BLOB_COPY};
      curl_blob key{const_cast<char*>(config_.client_key_pem.data()), config_.client_key_pem.size(),
                    CURL_BLOB_COPY};
      ok = ok && curl_easy_setopt(h, CURLOPT_SSLCERTTYPE, "PEM") == CURLE_OK;
      ok = ok && curl_easy_setopt(h, CURLOPT_SSLCERT_BLOB, &cert) == CURLE_OK;
      ok = ok && curl_easy_setopt(h, CURLOPT_SSLKEYTYPE, "PEM") == CURLE_OK;
      ok = ok && curl_easy_setopt(h, CURLOPT_SSLKEY_BLOB, &key) == CURLE_OK;
    }
    if (!config_.username.empty()) {
      ok = ok && curl_easy_setopt(h, CURLOPT_HTTPAUTH, CURLAUTH_BASIC) == CURLE_OK;
      ok = ok && curl_easy_setopt(h, CURLOPT_USERNAME, config_.username.c_str()) == CURLE_OK;
      ok = ok && curl_easy_setopt(h, CURLOPT_PASSWORD, config_.password.c_str()) == CURLE_OK;
    }
    if (!config_.proxy_url.empty()) {
      ok = ok && curl_easy_setopt(h, CURLOPT_PROXY, config_.proxy_url.c_str()) == CURLE_OK;
    }
    if (!ok) error = "libcurl refused an option (needs libcurl 7.85 or later)";
    return ok;
  }

  // A query parameter's value, percent-encoded.
  std::string escape(const std::string& value) {
    char* escaped = curl_easy_escape(easy_.get(), value.c_str(), static_cast<int>(value.size()));
    std::string out = escaped == nullptr ? value : escaped;
    curl_free(escaped);
    return out;
  }

  // Asked while a request runs: true aborts it.
  void cancel_when(std::function<bool()> cancelled) { cancelled_ = std::move(cancelled); }

  // One POST of a JSON body; an error string when no HTTP answer came back.
  Result<Response> post(const std::string& path, const std::string& json_body) {
    CURL* h = easy_.get();
    curl_slist_append(headers_.get(), "Content-Type: application/json");
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, static_cast<long>(json_body.size()));
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, json_body.c_str());
    return perform(path);
  }

  // One GET; an error string when no HTTP answer came back.
  Result<Response> get(const std::string& path_and_query) {
    curl_easy_setopt(easy_.get(), CURLOPT_HTTPGET, 1L);
    return perform(path_and_query);
  }

 private:
  static int on_progress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
    return static_cast<Client*>(user)->cancelled_() ? 1 : 0;
  }

  Result<Response> perform(const std::string& path_and_query) {
    CURL* h = easy_.get();
    const std::string url = config_.server + path_and_query;
    body_ = Body{{}, options_.max_page_bytes, false};
    error_buffer_[0] = '\0';
    curl_easy_setopt(h, CURLOPT_URL, url.c_str());
    const CURLcode rc = curl_easy_perform(h);
    if (rc != CURLE_OK) {
      const bool no_answer = rc == CURLE_COULDNT_RESOLVE_HOST ||
                             rc == CURLE_COULDNT_RESOLVE_PROXY || rc == CURLE_COULDNT_CONNECT ||
                             rc == CURLE_OPERATION_TIMEDOUT;
      return fail(no_answer ? ErrorCode::kUnreachable : ErrorCode::kInvalidInput,
                  transport_error(rc));
    }
    Response r;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r.status);
    r.body = std::move(body_.text);
    body_.text = {};
    return r;
  }

  std::string transport_error(CURLcode rc) const {
    // curl's words may echo the proxy URL it was given ("Unsupported proxy syntax in
    // 'http://user:password@...'"): the kubeconfig's proxy-url, else the prober's own proxy
    // variables. Their userinfo never reaches a message.
    std::vector<std::string> proxies = proxy_settings_from_environment();
    proxies.push_back(config_.proxy_url);
    const std::string detail =
        redact_userinfo(error_buffer_[0] != '\0' ? one_line(error_buffer_, 400)
                                                 : std::string(curl_easy_strerror(rc)),
                        proxies);
    const std::string server = mask_userinfo(config_.server);
    const std::string ca =
        config_.ca_pem.empty() ? "the system's CAs" : "the CA of " + config_.origin;
    switch (rc) {
      case CURLE_PEER_FAILED_VERIFICATION:
        return "TLS: the API server's certificate at " + server +
               " is not trusted (checked against " + ca + "): " + detail;
      case CURLE_SSL_CONNECT_ERROR:
      case CURLE_SSL_CERTPROBLEM:
      case CURLE_SSL_CIPHER:
      case CURLE_SSL_CACERT_BADFILE:
      case CURLE_SSL_ISSUER_ERROR:
      case CURLE_SSL_CLIENTCERT:
      case CURLE_SSL_ENGINE_INITFAILED:
        return "TLS: handshake with " + server + " failed: " + detail;
      case CURLE_COULDNT_RESOLVE_HOST:
      case CURLE_COULDNT_RESOLVE_PROXY:
      case CURLE_COULDNT_CONNECT:
      case CURLE_OPERATION_TIMEDOUT:
        return "cannot connect to " + server + ": " + detail;
      case CURLE_ABORTED_BY_CALLBACK:
        return "cancelled: " + server;
      case CURLE_WRITE_ERROR:
        if (body_.too_large) {
          return "a page of the list is larger than " +
                 std::to_string(options_.max_page_bytes >> 20) + " MiB";
        }
        return "GET " + server + ": " + detail;
      default:
        return "GET " + server + ": " + detail;
    }
  }

  const ApiServerConfig& config_;
  const ListOptions& options_;
  Easy easy_;
  Slist headers_;
  Body body_;
  std::function<bool()> cancelled_;
  char error_buffer_[CURL_ERROR_SIZE] = {};
};

// The message of the API server's Status in `body`; "" when it is not a Status.
std::string status_message(const std::string& body) {
  auto doc = json::parse(body, nullptr, false);
  if (doc.is_object() && doc.value("kind", json()) == "Status" && doc.contains("message") &&
      doc["message"].is_string()) {
    return one_line(doc["message"].get<std::string>(), 400);
  }
  return {};
}

// "HTTP 403 Forbidden: <the Status's message>".
std::string http_error(const Response& r) {
  std::string out = "HTTP " + std::to_string(r.status);
  const std::string reason = http_reason(r.status);
  if (!reason.empty()) out += " " + reason;
  std::string message = status_message(r.body);
  if (message.empty()) message = one_line(r.body);
  if (r.status == 410) message += " (the list changed while it was read; run again)";
  return message.empty() ? out : out + ": " + message;
}

void append(Inventory& to, Inventory&& from) {
  auto move_all = [](auto& dst, auto& src) {
    dst.insert(dst.end(), std::make_move_iterator(src.begin()), std::make_move_iterator(src.end()));
  };
  move_all(to.nodes, from.nodes);
  move_all(to.pods, from.pods);
  move_all(to.services, from.services);
  move_all(to.slices, from.slices);
}

Result<void> list_resource(Client& client, const Resource& resource, const ListOptions& options,
                           Inventory& out) {
  const std::string what = std::string("listing ") + resource.name;
  std::string token;
  std::set<std::string> seen;
  for (int page = 1;; ++page) {
    if (page > options.max_pages) {
      return fail(ErrorCode::kInvalidInput,
                  what + ": more than " + std::to_string(options.max_pages) + " pages");
    }
    std::string query = std::string(resource.path) + "?limit=" + std::to_string(options.limit);
    if (!token.empty()) query += "&continue=" + client.escape(token);
    auto response = client.get(query);
    if (!response) return fail(response.error().code, what + ": " + response.error().context);
    if (response->status != 200) {
      return fail(ErrorCode::kInvalidInput, what + ": " + http_error(*response));
    }
    const std::string origin = what + " (page " + std::to_string(page) + ")";
    json doc = json::parse(response->body, nullptr, false);
    response->body = {};
    if (doc.is_discarded()) {
      return fail(ErrorCode::kInvalidInput, origin + ": the API server's answer is not JSON");
    }
    auto inv = detail::parse_inventory_json(doc, origin);
    if (!inv) return tl::unexpected(inv.error());
    append(out, std::move(*inv));
    const json* cont = nullptr;
    if (auto m = doc.find("metadata"); m != doc.end() && m->is_object()) {
      if (auto c = m->find("continue"); c != m->end() && c->is_string()) cont = &*c;
    }
    if (cont == nullptr || cont->get<std::string>().empty()) return {};
    token = cont->get<std::string>();
    if (!seen.insert(token).second) {
      return fail(ErrorCode::kInvalidInput,
                  origin + ": the API server repeated a continue token; the list never ends");
    }
  }
}

}  // namespace

std::string http_reason(long status) {
  switch (status) {
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 406:
      return "Not Acceptable";
    case 408:
      return "Request Timeout";
    case 410:
      return "Gone";
    case 429:
      return "Too Many Requests";
    case 500:
      return "Internal Server Error";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    default:
      return {};
  }
}

std::string http_status_error(long status, const std::string& body) {
  std::string out = "HTTP " + std::to_string(status);
  const std::string reason = http_reason(status);
  if (!reason.empty()) out += " " + reason;
  const std::string message = status_message(body);
  return message.empty() ? out : out + ": " + message;
}

Result<ApiResponse> post_json(const ApiServerConfig& config, const std::string& path,
                              const std::string& body, const PostOptions& options) {
  ListOptions list;
  list.timeout = options.timeout;
  list.max_page_bytes = options.max_answer_bytes;
  Client client(config, list);
  if (options.cancelled) client.cancel_when(options.cancelled);
  std::string error;
  if (!client.init(error)) return fail(ErrorCode::kInvalidInput, "POST " + path + ": " + error);
  auto response = client.post(path, body);
  if (!response)
    return fail(response.error().code, "POST " + path + ": " + response.error().context);
  return ApiResponse{response->status, std::move(response->body)};
}

Result<Inventory> fetch_inventory(const ApiServerConfig& config, const ListOptions& options) {
  Client client(config, options);
  std::string error;
  if (!client.init(error)) {
    return fail(ErrorCode::kInvalidInput, "listing nodes: " + error);
  }
  Inventory inventory;
  for (const Resource& resource : kResources) {
    auto listed = list_resource(client, resource, options, inventory);
    if (!listed) return tl::unexpected(listed.error());
  }
  return inventory;
}

}  // namespace netdoctor::inventory
