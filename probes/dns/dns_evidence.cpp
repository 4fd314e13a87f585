#include "probes/dns/dns_evidence.h"

#include <cstdio>

#include "core/text.h"

namespace netdoctor::probes::dns {

std::string ms_text(std::chrono::microseconds t) {
  char buf[32];
  const double ms = static_cast<double>(t.count()) / 1000.0;
  std::snprintf(buf, sizeof buf, ms < 10.0 ? "%.1f ms" : "%.0f ms", ms);
  return buf;
}

std::string result_text(const DnsAnswer& a) {
  if (a.outcome == Outcome::kAnswer) {
    return join(a.addresses, ", ");
  }
  std::string out(to_string(a.outcome));
  if (a.outcome == Outcome::kTimeout) return out + " after " + ms_text(a.elapsed);
  if (a.outcome == Outcome::kBadQuery || a.outcome == Outcome::kError) out += ": " + a.detail;
  return out;
}

std::string describe(const DnsQuery& q, const DnsAnswer& a) {
  std::string servers;
  for (const auto& s : q.servers) {
    const bool v6 = s.ip.find(':') != std::string::npos;
    servers += (servers.empty() ? "" : ",") + (v6 ? "[" + s.ip + "]" : s.ip) + ":" +
               std::to_string(s.port);
  }
  std::string line = std::string(to_string(q.transport)) + " " +
                     (servers.empty() ? "(no server)" : servers) + " " + q.name;
  if (q.search) {
    line += " (search, ndots " + std::to_string(q.ndots) + ", " + std::to_string(q.domains.size()) +
            " domains)";
  }
  line += ": " + result_text(a);
  if (a.outcome != Outcome::kTimeout) line += " in " + ms_text(a.elapsed);
  return line;
}

bool authoritative(const DnsAnswer* a) {
  return a && (a->outcome == Outcome::kAnswer || a->outcome == Outcome::kNxDomain ||
               a->outcome == Outcome::kNoData);
}

bool has_address(const DnsAnswer* a) {
  return a && a->outcome == Outcome::kAnswer;
}

report::Check make_check(std::string id, const std::string& source, report::Status status,
                         report::Code code, std::string summary) {
  report::Check c;
  c.id = std::move(id);
  c.source = source;
  c.status = status;
  c.code = code;
  c.summary = std::move(summary);
  return c;
}

long long duration_ms(std::chrono::microseconds t) {
  return (t.count() + 999) / 1000;
}

}  // namespace netdoctor::probes::dns
