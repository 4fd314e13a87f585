// Where `netdoctor serve` listens: the --listen syntax and the listening socket handed to
// libmicrohttpd (made here so that a busy address is named with its errno).
#pragma once

#include <string>

#include "core/fd.h"
#include "core/result.h"

namespace netdoctor::cli {

struct ListenAddress {
  std::string host;  // an IPv4 or IPv6 address; "" = every IPv4 address
  int port = 0;      // 0: any free port
};

// "ADDR:PORT", "[ADDR]:PORT" (an IPv6 address, or an IPv4 one, so that a manifest can write
// "[$(HOST_IP)]:9464" for either family) or ":PORT". Errors are kInvalidInput:
// `malformed --listen "x": no port (expected ADDR:PORT, e.g. 0.0.0.0:9464 ...)`.
[[nodiscard]] Result<ListenAddress> parse_listen(const std::string& text);

// "10.0.0.1:9464", "[fd00::1]:9464"; "0.0.0.0:PORT" for the empty host.
[[nodiscard]] std::string describe(const ListenAddress& address);

// A bound, listening, non-blocking socket. Errors name the address and the errno
// (`cannot listen on 127.0.0.1:9464: Address already in use`).
[[nodiscard]] Result<Fd> listen_socket(const ListenAddress& address, int backlog);

// The port a socket is bound to (0 when unknown).
[[nodiscard]] int bound_port(int fd);

}  // namespace netdoctor::cli
