// Frames captured by libpcap in a receiver's namespace (probes/net/capture.cpp): whatever
// arrives on the pod's interface while a probe is in flight. Byte 0 picks the link type the
// capture reports (Ethernet, Linux cooked, raw IP, or another), the rest is the frame.
#include <pcap/pcap.h>

#include "fuzz_util.h"
#include "probes/net/capture.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  static constexpr int kLinkTypes[] = {DLT_EN10MB, DLT_LINUX_SLL, DLT_RAW, DLT_NULL};
  const int dlt = kLinkTypes[data[0] % 4];
  // The frame in a buffer of its own size, so that any read past its end is caught.
  const std::vector<uint8_t> frame(data + 1, data + size);
  const auto seen = netdoctor::probes::parse_echo_frame(dlt, frame.data(), frame.size());
  if (seen) {
    ND_FUZZ_CHECK(!seen->src.empty() && !seen->dst.empty(), "an echo without addresses");
  }
  return 0;
}
