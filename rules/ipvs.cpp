#include "rules/ipvs.h"

#include <charconv>
#include <sstream>

namespace netdoctor::rules {

namespace {

std::string protocol_of(const std::string& flag) {
  return flag == "-t" ? "tcp" : flag == "-u" ? "udp" : flag == "--sctp-service" ? "sctp" : "";
}

}  // namespace

Result<std::vector<IpvsService>> RecordedIpvs::read() {
  std::vector<IpvsService> out;
  std::istringstream in(text_);
  int number = 0;
  for (std::string line; std::getline(in, line);) {
    ++number;
    std::istringstream words(line);
    std::vector<std::string> w;
    for (std::string s; words >> s;) w.push_back(s);
    if (w.empty() || w[0][0] == '#') continue;
    auto bad = [&](const std::string& what) {
      return fail(ErrorCode::kInvalidInput, "ipvsadm-save:" + std::to_string(number) + ": " + what);
    };
    if (w.size() < 3 || (w[0] != "-A" && w[0] != "-a") || protocol_of(w[1]).empty()) {
      return bad("unsupported line");
    }
    std::string proto = protocol_of(w[1]);
    if (w[0] == "-A") {
      IpvsService s{w[2], proto, "", {}};
      for (size_t i = 3; i + 1 < w.size(); ++i) {
        if (w[i] == "-s") s.scheduler = w[i + 1];
      }
      out.push_back(std::move(s));
      continue;
    }
    IpvsService* svc = nullptr;
    for (IpvsService& s : out) {
      if (s.address == w[2] && s.protocol == proto) svc = &s;
    }
    if (svc == nullptr) return bad("real server for unknown service " + w[2]);
    IpvsDestination d;
    for (size_t i = 3; i + 1 < w.size(); ++i) {
      if (w[i] == "-r") d.address = w[i + 1];
      if (w[i] == "-w") {
        auto [p, ec] =
            std::from_chars(w[i + 1].data(), w[i + 1].data() + w[i + 1].size(), d.weight);
        if (ec != std::errc() || d.weight < 0) return bad("bad weight \"" + w[i + 1] + "\"");
      }
    }
    if (d.address.empty()) return bad("real server without -r");
    svc->destinations.push_back(d);
  }
  return out;
}

std::vector<ServiceRule> services_from_ipvs(const std::vector<IpvsService>& services) {
  std::vector<ServiceRule> out;
  for (const IpvsService& v : services) {
    ServiceRule s;
    auto colon = v.address.rfind(':');
    s.ip = v.address.substr(0, colon);
    if (colon != std::string::npos) {
      std::from_chars(v.address.data() + colon + 1, v.address.data() + v.address.size(), s.port);
    }
    s.protocol = v.protocol;
    s.backend = Backend::kIpvs;
    s.chain = "ipvs " + v.scheduler;
    // Weights are ints in 0..INT_MAX as read: their sum needs a wider type.
    long long total = 0;
    for (const IpvsDestination& d : v.destinations) total += d.weight;
    for (const IpvsDestination& d : v.destinations) {
      s.endpoints.push_back(
          EndpointRule{d.address, total > 0 ? double(d.weight) / double(total) : 0, "", false});
    }
    s.rejects = v.destinations.empty();
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace netdoctor::rules
