// A stand-in for the Kubernetes API server's list endpoints: a real nginx on loopback, TLS with
// a throwaway CA made by openssl, serving the recorded list pages of
// tests/testdata/apiserver/lists (pods in three pages chained by `continue` tokens).
//
// Authentication as the API server does it: a bearer token or a client certificate signed by
// the client CA. Tokens: "good-token" may list everything; "no-pods-token" gets the API
// server's 403 Status for pods; anything else gets 401. A list asked without `limit` is a 400.
// Everything lives in a temporary directory that the destructor removes, after stopping nginx.
#pragma once

#include <sys/types.h>
#include <memory>
#include <string>

namespace netdoctor::testing {

class ApiServerStandIn {
 public:
  // Whether nginx and openssl are installed (scripts/setup.sh installs them).
  static bool tools_present();
  // nullptr with `why` set when the PKI cannot be made or nginx does not start.
  static std::unique_ptr<ApiServerStandIn> start(std::string* why);
  ~ApiServerStandIn();
  ApiServerStandIn(const ApiServerStandIn&) = delete;
  ApiServerStandIn& operator=(const ApiServerStandIn&) = delete;

  [[nodiscard]] int port() const { return port_; }
  [[nodiscard]] std::string server() const { return "https://127.0.0.1:" + std::to_string(port_); }
  [[nodiscard]] const std::string& dir() const { return dir_; }
  // Files in dir(): ca.crt (the server's CA), rogue-ca.crt (a CA that signed nothing here),
  // client.crt/client.key (a client certificate the server accepts).
  [[nodiscard]] std::string file(const std::string& name) const { return dir_ + "/" + name; }
  // The requests served so far, one line each: "METHOD URI STATUS".
  [[nodiscard]] std::string access_log() const;

 private:
  ApiServerStandIn() = default;
  std::string dir_;
  int port_ = 0;
  pid_t pid_ = -1;
};

// Makes, with the openssl CLI, in `dir`: ca.crt/ca.key, server.crt/server.key (signed by that CA,
// for IP 127.0.0.1 and DNS localhost), client-ca.crt, client.crt/client.key, rogue-ca.crt. EC
// P-256 keys, valid two days. False when openssl failed (its output is in dir/openssl.log).
bool make_test_pki(const std::string& dir);

// A file's contents ("" when unreadable).
std::string read_text(const std::string& path);
// Writes `text` to `path`; false on failure.
bool write_text(const std::string& path, const std::string& text);
// Standard base64 of a file's contents, one line (as kubeconfig *-data fields hold it).
std::string base64_of_file(const std::string& path);

}  // namespace netdoctor::testing
