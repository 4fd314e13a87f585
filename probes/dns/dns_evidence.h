// How the dns layer tells a question and its answer in a check: which server was asked, over
// which transport, for which name, what came back (rcode, addresses or timeout) and how long
// it took. Every dns check's evidence is made of these lines, so they read the same everywhere.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "probes/dns/dns_facts.h"
#include "report/model.h"

namespace netdoctor::probes::dns {

// "0.4 ms", "12 ms", "1000 ms".
[[nodiscard]] std::string ms_text(std::chrono::microseconds t);

// "udp 10.96.0.10:53 kubernetes.default.svc.cluster.local: answer 10.96.0.1 in 0.4 ms"
// (search questions add the search list they went through).
[[nodiscard]] std::string describe(const DnsQuery& q, const DnsAnswer& a);

// The one-word result: "10.96.0.1", "NXDOMAIN", "timeout after 1000 ms", ...
[[nodiscard]] std::string result_text(const DnsAnswer& a);

// Whether the answer is a verdict on the name by a working server: A records, NXDOMAIN or an
// empty NOERROR (as opposed to SERVFAIL, REFUSED, silence or a refused connection).
[[nodiscard]] bool authoritative(const DnsAnswer* a);
[[nodiscard]] bool has_address(const DnsAnswer* a);

[[nodiscard]] report::Check make_check(std::string id, const std::string& source,
                                       report::Status status, report::Code code,
                                       std::string summary);

// Milliseconds for Check::duration_ms, rounded up so that a fast answer is not 0 = "not timed".
[[nodiscard]] long long duration_ms(std::chrono::microseconds t);

}  // namespace netdoctor::probes::dns
