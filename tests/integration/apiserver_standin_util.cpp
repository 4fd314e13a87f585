#include "apiserver_standin_util.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

#include "testnet_util.h"

namespace netdoctor::testing {

namespace {

const std::string kLists = std::string(ND_TESTDATA) + "/apiserver/lists";

// The continue tokens of tests/testdata/apiserver/lists/pods-{1,2}.json, percent-encoded as
// they arrive in the query (nginx's $arg_continue is not decoded).
const char* const kToken2 =
    "eyJ2IjoibWV0YS5rOHMuaW8vdjEiLCJydiI6NDcxMSwic3RhcnQiOiJkZWZhdWx0L2NsaWVudC1hIn0%3D";
const char* const kToken3 =
    "eyJ2IjoibWV0YS5rOHMuaW8vdjEiLCJydiI6NDcxMSwic3RhcnQiOiJrdWJlLXN5c3RlbS9rdWJlLXByb3h5In0%3D";

// The Status bodies the API server sends with its errors.
const char* const kUnauthorized =
    R"({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",)"
    R"("message":"Unauthorized","reason":"Unauthorized","code":401})";
const char* const kForbiddenPods =
    R"({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",)"
    R"("message":"pods is forbidden: User \\\"system:serviceaccount:default:reader\\\" cannot )"
    R"(list resource \\\"pods\\\" in API group \\\"\\\" at the cluster scope",)"
    R"("reason":"Forbidden","details":{"kind":"pods"},"code":403})";
const char* const kNoLimit =
    R"({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",)"
    R"("message":"stand-in: lists must be asked with limit","reason":"BadRequest","code":400})";

const char* const kOpensslCnf = R"([req]
distinguished_name = dn
prompt = no
[dn]
[v3_ca]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign,digitalSignature
subjectKeyIdentifier = hash
[v3_server]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = IP:127.0.0.1,DNS:localhost
[v3_client]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = clientAuth
)";

// Three CAs (the server's, a client CA, a rogue one), the server's certificate for 127.0.0.1
// and a client certificate.
bool make_pki(const std::string& dir) {
  const std::string ec = " -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 ";
  const std::string req = "openssl req -x509 -config openssl.cnf" + ec;
  const std::string script =
      "set -e; cd " + dir + "; " +                                                   //
      req + "-extensions v3_ca -subj /CN=standin-ca -keyout ca.key -out ca.crt; " +  //
      req +
      "-extensions v3_ca -subj /CN=standin-client-ca -keyout client-ca.key "  //
      "-out client-ca.crt; " +                                                //
      req +
      "-extensions v3_ca -subj /CN=standin-rogue-ca -keyout rogue-ca.key "  //
      "-out rogue-ca.crt; " +                                               //
      req +
      "-extensions v3_server -subj /CN=kube-apiserver -CA ca.crt -CAkey ca.key "  //
      "-keyout server.key -out server.crt; " +                                    //
      req +
      "-extensions v3_client -subj /CN=admin/O=system:masters -CA client-ca.crt "  //
      "-CAkey client-ca.key -keyout client.key -out client.crt";
  return sh("(" + script + ") >" + dir + "/openssl.log 2>&1") == 0;
}

std::string nginx_conf(const std::string& dir, int port) {
  std::ostringstream c;
  c << "daemon off;\nmaster_process off;\nworker_processes 1;\npid " << dir << "/nginx.pid;\n"
    << "error_log " << dir << "/error.log;\nevents { worker_connections 64; }\nhttp {\n"
    << "  log_format standin '$request_method $request_uri $status';\n"
    << "  access_log " << dir << "/access.log standin;\n";
  for (const char* t : {"client_body", "proxy", "fastcgi", "uwsgi", "scgi"}) {
    c << "  " << t << "_temp_path " << dir << "/tmp;\n";
  }
  c << "  default_type application/json;\n  map_hash_bucket_size 256;\n"
    << "  map $http_authorization $token_ok {\n    default 0;\n"
    << "    \"Bearer good-token\" 1;\n    \"Bearer no-pods-token\" 1;\n  }\n"
    << "  map \"$token_ok:$ssl_client_verify\" $authorized {\n    default 0;\n"
    << "    ~^1: 1;\n    ~:SUCCESS$ 1;\n  }\n"
    << "  map $arg_continue $pods_page {\n    default /expired.json;\n    \"\" /pods-1.json;\n"
    << "    \"" << kToken2 << "\" /pods-2.json;\n    \"" << kToken3 << "\" /pods-3.json;\n  }\n"
    << "  server {\n    listen 127.0.0.1:" << port << " ssl;\n"
    << "    ssl_certificate " << dir << "/server.crt;\n"
    << "    ssl_certificate_key " << dir << "/server.key;\n"
    << "    ssl_client_certificate " << dir << "/client-ca.crt;\n"
    << "    ssl_verify_client optional;\n    root " << kLists << ";\n";
  const auto api = [&](const std::string& path, const std::string& body) {
    c << "    location = " << path << " {\n"
      << "      if ($authorized = 0) { return 401 '" << kUnauthorized << "'; }\n"
      << "      if ($arg_limit = \"\") { return 400 '" << kNoLimit << "'; }\n"
      << body << "    }\n";
  };
  api("/api/v1/nodes", "      try_files /nodes.json =500;\n");
  api("/api/v1/pods", "      if ($http_authorization = \"Bearer no-pods-token\") { return 403 '" +
                          std::string(kForbiddenPods) + "'; }\n      try_files $pods_page =410;\n");
  api("/api/v1/services", "      try_files /services.json =500;\n");
  api("/apis/discovery.k8s.io/v1/endpointslices", "      try_files /endpointslices.json =500;\n");
  c << "    location / { return 404; }\n  }\n}\n";
  return c.str();
}

int free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  int port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0) {
    port = ntohs(a.sin_port);
  }
  ::close(fd);
  return port;
}

bool accepts(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  ::close(fd);
  return ok;
}

}  // namespace

bool make_test_pki(const std::string& dir) {
  return write_text(dir + "/openssl.cnf", kOpensslCnf) && make_pki(dir);
}

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool write_text(const std::string& path, const std::string& text) {
  std::ofstream out(path);
  out << text;
  return static_cast<bool>(out);
}

std::string base64_of_file(const std::string& path) {
  return sh_output("base64 -w0 " + path);
}

bool ApiServerStandIn::tools_present() {
  return sh("command -v nginx >/dev/null && command -v openssl >/dev/null") == 0;
}

std::unique_ptr<ApiServerStandIn> ApiServerStandIn::start(std::string* why) {
  std::unique_ptr<ApiServerStandIn> s(new ApiServerStandIn);
  char tmpl[] = "/tmp/nd-apiserver-XXXXXX";
  if (::mkdtemp(tmpl) == nullptr) {
    *why = "mkdtemp failed";
    return nullptr;
  }
  s->dir_ = tmpl;
  s->port_ = free_port();
  if (!make_test_pki(s->dir_)) {
    *why = "openssl failed: " + read_text(s->file("openssl.log"));
    return nullptr;
  }
  sh("mkdir -p " + s->file("tmp"));
  if (!write_text(s->file("nginx.conf"), nginx_conf(s->dir_, s->port_))) {
    *why = "cannot write nginx.conf";
    return nullptr;
  }
  s->pid_ = ::fork();
  if (s->pid_ == 0) {
    const std::string conf = s->file("nginx.conf");
    const std::string log = s->file("error.log");
    ::execlp("nginx", "nginx", "-q", "-p", s->dir_.c_str(), "-e", log.c_str(), "-c", conf.c_str(),
             static_cast<char*>(nullptr));
    ::_exit(127);
  }
  for (int i = 0; i < 100; ++i) {
    if (accepts(s->port_)) return s;
    int status = 0;
    if (::waitpid(s->pid_, &status, WNOHANG) == s->pid_) {
      s->pid_ = -1;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  *why = "nginx did not start: " + read_text(s->file("error.log"));
  return nullptr;
}

ApiServerStandIn::~ApiServerStandIn() {
  if (pid_ > 0) {
    ::kill(pid_, SIGTERM);
    int status = 0;
    ::waitpid(pid_, &status, 0);
  }
  if (!dir_.empty()) sh("rm -rf " + dir_);
}

std::string ApiServerStandIn::access_log() const {
  return read_text(file("access.log"));
}

}  // namespace netdoctor::testing
