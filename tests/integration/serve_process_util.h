// `netdoctor serve` as a child process for the tests of its HTTP side: started on
// 127.0.0.1 with a port the kernel picks (read back from its start-up line), diagnosing one pod
// of a TestNet from the host's namespace, its standard error kept in a file; killed by the
// destructor when a test failed before stopping it.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace netdoctor::testing {

class ServeProcess {
 public:
  // `args` follow `netdoctor serve --listen 127.0.0.1:0`; `env` ("NAME=value") is added to the
  // test's environment. Waits up to 10 s for the start-up line.
  explicit ServeProcess(const std::vector<std::string>& args,
                        const std::vector<std::string>& env = {});
  ~ServeProcess();
  ServeProcess(const ServeProcess&) = delete;
  ServeProcess& operator=(const ServeProcess&) = delete;

  // The port it listens on; 0 when it did not start (see log()).
  [[nodiscard]] int port() const { return port_; }
  [[nodiscard]] std::string log() const;
  // http://127.0.0.1:PORT (https:// with tls) followed by `path`.
  [[nodiscard]] std::string url(const std::string& path, bool tls = false) const;
  // SIGTERM, then the exit status (-1 when it did not end within 15 s).
  int terminate();

 private:
  pid_t pid_ = -1;
  int port_ = 0;
  std::string log_;
};

// An inventory file without objects (kubectl's empty List), removed by the destructor.
class EmptyInventory {
 public:
  EmptyInventory();
  ~EmptyInventory();
  [[nodiscard]] const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace netdoctor::testing
