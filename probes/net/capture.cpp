#include "probes/net/capture.h"

#include <arpa/inet.h>
#include <netinet/ip.h>
#include <netinet/ip_icmp.h>
#include <poll.h>

#include <cstring>

namespace netdoctor::probes {
namespace {

// Bytes before the IPv4 header for the link types a pod interface can have.
std::optional<size_t> link_header(int dlt, const uint8_t* data, size_t len) {
  switch (dlt) {
    case DLT_EN10MB: {
      if (len < 14) return std::nullopt;
      const uint16_t type = static_cast<uint16_t>(data[12] << 8 | data[13]);
      if (type == 0x8100 && len >= 18) return 18;  // one VLAN tag
      return type == 0x0800 ? std::optional<size_t>(14) : std::nullopt;
    }
    case DLT_LINUX_SLL:
      return len >= 16 ? std::optional<size_t>(16) : std::nullopt;
    case DLT_RAW:
      return 0;
    default:
      return std::nullopt;
  }
}

std::string ip_string(uint32_t addr) {
  char buf[INET_ADDRSTRLEN];
  in_addr a{addr};
  return inet_ntop(AF_INET, &a, buf, sizeof buf);
}

}  // namespace

std::optional<SeenEcho> parse_echo_frame(int dlt, const uint8_t* data, size_t len) {
  const auto off = link_header(dlt, data, len);
  if (!off || len < *off + sizeof(iphdr)) return std::nullopt;
  iphdr ip{};
  std::memcpy(&ip, data + *off, sizeof ip);
  const size_t hl = static_cast<size_t>(ip.ihl) * 4;
  if (ip.version != 4 || hl < sizeof(iphdr) || ip.protocol != IPPROTO_ICMP ||
      len < *off + hl + sizeof(icmphdr)) {
    return std::nullopt;
  }
  icmphdr icmp{};
  std::memcpy(&icmp, data + *off + hl, sizeof icmp);
  if (icmp.type != ICMP_ECHO) return std::nullopt;
  return SeenEcho{ip_string(ip.saddr), ip_string(ip.daddr), ntohs(icmp.un.echo.id)};
}

Result<Capture> Capture::open(const std::string& device, const std::string& filter) {
  char err[PCAP_ERRBUF_SIZE] = {};
  pcap_t* raw = pcap_create(device.c_str(), err);
  if (raw == nullptr) {
    return fail(ErrorCode::kSystem, "cannot capture on " + device + ": " + err);
  }
  Capture cap(raw);
  pcap_set_snaplen(raw, 256);
  // A probe's capture sees a few echo requests; libpcap's default 2 MiB ring, mapped and
  // resident for each of the dozens of captures a run opens at once, would dominate the
  // memory of `netdoctor serve`. 64 KiB holds some 200 frames of this snap length.
  pcap_set_buffer_size(raw, 64 * 1024);
  pcap_set_immediate_mode(raw, 1);
  pcap_set_timeout(raw, 10);
  if (int rc = pcap_activate(raw); rc < 0) {
    const ErrorCode code =
        rc == PCAP_ERROR_PERM_DENIED ? ErrorCode::kPermission : ErrorCode::kSystem;
    return fail(code, "cannot capture on " + device + ": " + pcap_geterr(raw) +
                          (code == ErrorCode::kPermission ? " (needs CAP_NET_RAW)" : ""));
  }
  bpf_program prog{};
  if (pcap_compile(raw, &prog, filter.c_str(), 1, PCAP_NETMASK_UNKNOWN) != 0) {
    return fail(ErrorCode::kInvalidInput,
                "bad capture filter \"" + filter + "\": " + pcap_geterr(raw));
  }
  const int set = pcap_setfilter(raw, &prog);
  pcap_freecode(&prog);
  if (set != 0) return fail(ErrorCode::kSystem, std::string("pcap_setfilter: ") + pcap_geterr(raw));
  if (pcap_setnonblock(raw, 1, err) != 0) {
    return fail(ErrorCode::kSystem, std::string("pcap_setnonblock: ") + err);
  }
  return cap;
}

std::optional<SeenEcho> Capture::wait_echo(uint16_t id, std::chrono::milliseconds timeout) {
  pcap_t* p = handle_.get();
  const int dlt = pcap_datalink(p);
  const int fd = pcap_get_selectable_fd(p);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    pcap_pkthdr* hdr = nullptr;
    const u_char* data = nullptr;
    int rc = 0;
    while ((rc = pcap_next_ex(p, &hdr, &data)) == 1) {
      auto seen = parse_echo_frame(dlt, data, hdr->caplen);
      if (seen && seen->id == id) return seen;
    }
    if (rc < 0) return std::nullopt;
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return std::nullopt;
    pollfd pfd{fd, POLLIN, 0};
    ::poll(&pfd, 1, static_cast<int>(left.count()));
  }
}

}  // namespace netdoctor::probes
