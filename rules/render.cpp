#include "rules/render.h"

#include <cstdio>

namespace netdoctor::rules {

namespace {

// "33.3%", "50%". snprintf, not a stream per call: `services` prints one per endpoint.
std::string percent(double p) {
  char buf[32];
  const int decimals = p * 100 == static_cast<int>(p * 100) ? 0 : 1;
  std::snprintf(buf, sizeof buf, "%.*f%%", decimals, p * 100);
  return buf;
}

void print_decision(std::ostream& out, const char* label, const Decision& d) {
  out << "    " << label << to_string(d.verdict);
  if (d.by_policy()) {
    out << " by " << d.table << " " << d.chain << " " << d.rule << "\n";
  } else {
    out << " by " << d.table << " " << d.chain << " rule " << d.position;
    if (!d.comment.empty()) out << " (\"" << d.comment << "\")";
    out << "\n      " << d.rule << "\n";
  }
}

}  // namespace

void print_services(std::ostream& out, const std::vector<ServiceRule>& services) {
  for (const ServiceRule& s : services) {
    out << s.ip << ":" << s.port << "/" << s.protocol << "  "
        << (s.name.empty() ? "(unnamed)" : s.name) << "  [" << s.kind << ", "
        << to_string(s.backend) << "]\n";
    if (!s.node_ports.empty()) {
      out << "  node ports:";
      for (int p : s.node_ports) out << " " << p;
      out << "\n";
    }
    if (s.rejects && s.endpoints.empty()) out << "  no endpoints: rejected\n";
    for (const EndpointRule& e : s.endpoints) {
      out << "  -> " << e.address << "  " << percent(e.probability);
      if (!e.chain.empty()) out << "  " << e.chain;
      out << "\n";
    }
  }
}

void print_trace(std::ostream& out, const Trace& trace) {
  const Packet& p = trace.packet;
  out << "packet " << p.src << " -> " << p.dst << ":" << p.dport << "/" << p.protocol
      << (p.locally_generated ? " (from the node)" : "") << "\n";
  int n = 0;
  for (const Outcome& o : trace.outcomes) {
    out << "path " << ++n << " (" << percent(o.probability) << ")";
    if (!o.dnat.empty()) out << ": DNAT to " << o.dnat;
    out << "\n";
    for (const Hop& h : o.path) {
      out << "  " << (h.uncertain ? "? " : "  ") << h.table << " " << h.chain;
      if (h.position > 0) out << " #" << h.position;
      out << "  " << h.action;
      if (!h.comment.empty()) out << "  (\"" << h.comment << "\")";
      out << "\n";
    }
    print_decision(out, "verdict: ", o.filter);
    if (o.masqueraded) print_decision(out, "source NAT: ", o.snat_rule);
    for (const std::string& u : o.uncertain) out << "    uncertain: " << u << "\n";
  }
}

}  // namespace netdoctor::rules
