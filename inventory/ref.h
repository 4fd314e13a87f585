// The REF syntax of `--from REF`: how a user names a source pod. Parsing only checks the form;
// resolving a REF to a network namespace (inventory lookup, /proc scan) is the caller's job.
#pragma once

#include <string>
#include <string_view>

#include "core/result.h"

namespace netdoctor::inventory {

struct Ref {
  enum class Kind {
    kPodName,    // NAMESPACE/NAME: needs an inventory to find the pod's IP and node
    kIp,         // ip:A.B.C.D: a pod IP on this node
    kPid,        // pid:N: a process inside the pod's network namespace
    kNetnsPath,  // /var/run/netns/cni-1234 or /proc/N/ns/net
  };
  Kind kind = Kind::kPodName;
  std::string ns;    // kPodName
  std::string name;  // kPodName
  std::string ip;    // kIp
  std::string path;  // kNetnsPath
  int pid = 0;       // kPid
};

// Errors are kInvalidInput with one line, e.g.
// `malformed REF "x": expected NAMESPACE/NAME, ip:A.B.C.D, pid:N or a netns path`.
[[nodiscard]] Result<Ref> parse_ref(std::string_view text);

// The REF as a user would type it; parse_ref(to_string(ref)) gives back ref.
[[nodiscard]] std::string to_string(const Ref& ref);

}  // namespace netdoctor::inventory
