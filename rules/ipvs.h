// kube-proxy's IPVS mode: virtual services (every ClusterIP sits on the dummy link kube-ipvs0)
// with real servers. The live reader would talk generic netlink family "IPVS"; this kernel has
// no IPVS, so the interface has a recorded-data implementation fed with `ipvsadm-save -n`.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "rules/services.h"

namespace netdoctor::rules {

struct IpvsDestination {
  std::string address;  // "ip:port"
  int weight = 1;
};

struct IpvsService {
  std::string address;    // virtual "ip:port"
  std::string protocol;   // tcp, udp, sctp
  std::string scheduler;  // rr, wrr, lc, ...
  std::vector<IpvsDestination> destinations;
};

class IpvsReader {
 public:
  virtual ~IpvsReader() = default;
  [[nodiscard]] virtual Result<std::vector<IpvsService>> read() = 0;
};

// Reads services from recorded `ipvsadm-save -n` text ("-A -t ip:port -s rr",
// "-a -t ip:port -r ip:port -m -w 1").
class RecordedIpvs : public IpvsReader {
 public:
  explicit RecordedIpvs(std::string text) : text_(std::move(text)) {}
  [[nodiscard]] Result<std::vector<IpvsService>> read() override;

 private:
  std::string text_;
};

// Each virtual service as a ServiceRule; an endpoint's share is its weight over the total
// (what the weighted schedulers aim at; rr treats all weights as equal).
[[nodiscard]] std::vector<ServiceRule> services_from_ipvs(const std::vector<IpvsService>& services);

}  // namespace netdoctor::rules
