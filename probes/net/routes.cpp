#include "probes/net/routes.h"

#include <arpa/inet.h>

#include <cstdlib>

namespace netdoctor::probes {
namespace {

std::optional<uint32_t> parse_ip(const std::string& ip) {
  in_addr a{};
  if (inet_pton(AF_INET, ip.c_str(), &a) != 1) return std::nullopt;
  return ntohl(a.s_addr);
}

int prefix_len(const std::string& cidr) {
  if (cidr == "default") return 0;
  const auto slash = cidr.find('/');
  return slash == std::string::npos ? 32 : std::atoi(cidr.c_str() + slash + 1);
}

}  // namespace

bool cidr_contains(const std::string& cidr, const std::string& ip) {
  if (cidr == "default") return true;
  const auto slash = cidr.find('/');
  const auto net = parse_ip(cidr.substr(0, slash));
  const auto addr = parse_ip(ip);
  const int len = prefix_len(cidr);
  if (!net || !addr || len < 0 || len > 32) return false;
  const uint32_t mask = len == 0 ? 0 : ~uint32_t{0} << (32 - len);
  return (*net & mask) == (*addr & mask);
}

std::optional<netns::Route> lookup_route(const netns::LinkSnapshot& links, const std::string& ip) {
  const netns::Route* best = nullptr;
  for (const auto& r : links.routes) {
    if (!cidr_contains(r.dst, ip)) continue;
    if (best == nullptr || prefix_len(r.dst) > prefix_len(best->dst)) best = &r;
  }
  if (best == nullptr) return std::nullopt;
  return *best;
}

std::string describe_route(const netns::Route& r) {
  std::string s = r.dst;
  if (!r.gateway.empty()) s += " via " + r.gateway;
  if (!r.dev.empty()) s += " dev " + r.dev;
  if (r.onlink) s += " onlink";
  return s;
}

}  // namespace netdoctor::probes
