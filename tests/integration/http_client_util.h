// Raw HTTP clients for the serve tests: sockets from a chosen loopback source address (the
// whole of 127.0.0.0/8 is local on Linux, so many "clients" can be told apart by the server's
// per-address limit), requests written by hand so that a test can send half of one, and curl
// for what needs TLS or a real client.
#pragma once

#include <string>
#include <vector>

#include "core/fd.h"

namespace netdoctor::testing {

// A TCP connection to 127.0.0.1:port from `source` (an address of 127.0.0.0/8); an invalid
// Fd when it fails.
Fd connect_from(const std::string& source, int port);
inline Fd connect_to(int port) {
  return connect_from("127.0.0.1", port);
}

// Everything the server sends until it closes, or until `timeout_ms` of silence (then the text
// ends with "<silence>").
std::string read_all(int fd, int timeout_ms = 3000);

// One HTTP/1.0 request on a new connection and everything that came back.
std::string request(int port, const std::string& method, const std::string& path,
                    const std::vector<std::string>& headers = {});

struct CurlResult {
  int status = 0;  // the HTTP status; 0 when no answer came
  std::string body;
  std::string headers;  // the response's header lines
  int exit_code = -1;   // curl's
};

// `curl URL` with extra arguments (e.g. "--cacert F", "-H 'Authorization: Bearer x'"),
// bounded by 10 s.
CurlResult curl(const std::string& url, const std::string& extra = "");

}  // namespace netdoctor::testing
