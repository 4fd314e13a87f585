// Packet capture with libpcap inside a namespace, to see a probe as the receiver sees it: the
// source address that arrives tells whether pod-to-pod traffic was source-NATed on the way.
//
// A pcap handle binds to the namespace of the thread that activates it: open it on a thread
// inside the receiver's namespace (netns::run_in), before the probe is sent.
#pragma once

#include <pcap/pcap.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "core/result.h"

namespace netdoctor::probes {

// What a captured ICMP echo request carried.
struct SeenEcho {
  std::string src;
  std::string dst;
  uint16_t id = 0;
};

// Parses an ICMP echo request out of a captured frame of link type `dlt`; nullopt for anything
// else (other protocols, truncated frames, unknown link types).
[[nodiscard]] std::optional<SeenEcho> parse_echo_frame(int dlt, const uint8_t* data, size_t len);

class Capture {
 public:
  // Opens `device` in the calling thread's namespace with BPF `filter`.
  [[nodiscard]] static Result<Capture> open(const std::string& device, const std::string& filter);

  // Waits for an ICMP echo request with identifier `id`; nullopt when none came in time.
  [[nodiscard]] std::optional<SeenEcho> wait_echo(uint16_t id, std::chrono::milliseconds timeout);

 private:
  struct Closer {
    void operator()(pcap_t* p) const { pcap_close(p); }
  };
  explicit Capture(pcap_t* p) : handle_(p) {}
  std::unique_ptr<pcap_t, Closer> handle_;
};

}  // namespace netdoctor::probes
