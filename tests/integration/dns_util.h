// The lab for the dns integration tests: holds the lab's lock for the whole test suite, brings
// the lab up, injects and heals faults, and always brings it down at the end.
//
// The lock is held by a `lab lock -- ... cat` child whose standard input is a pipe only this
// process writes: if the test binary dies, cat reads EOF and exits, so the lock is never left
// behind. Inside an outer `lab lock` (NDLAB_LOCK_PID set and held), that outer lock is used.
#pragma once

#include <sys/types.h>

#include <string>

#include "probes/sources.h"

namespace netdoctor::testing {

class DnsLab {
 public:
  DnsLab();   // waits for the lock (up to 15 minutes), then `lab up`
  ~DnsLab();  // `lab down`, then releases the lock
  DnsLab(const DnsLab&) = delete;
  DnsLab& operator=(const DnsLab&) = delete;

  // Empty when the lab is up and ours; else why not.
  [[nodiscard]] const std::string& error() const { return error_; }

  // Runs `tests/lab/lab ARGS` under our lock; returns its exit status, output in `out`.
  int lab(const std::string& args, std::string* out = nullptr) const;

  // A lab pod as discovery would give it: its netns path and its long-lived process.
  [[nodiscard]] probes::SourcePod pod(const std::string& ns, const std::string& name) const;

  // The lab's inventory JSON (`lab inventory`).
  [[nodiscard]] std::string inventory_json() const;

 private:
  std::string lock_pid_;  // NDLAB_LOCK_PID for our lab commands
  pid_t holder_ = -1;     // the lock-holding child we started, if any
  int holder_stdin_ = -1;
  bool up_ = false;
  std::string error_;
};

}  // namespace netdoctor::testing
