#include "probes/net/gate.h"

#include <algorithm>

namespace netdoctor::probes {

ProbeGate& ProbeGate::instance() {
  static ProbeGate gate;
  return gate;
}

ProbeGate::Permit ProbeGate::acquire(ProbeKind kind, const std::string& address) {
  // Pings and connects to one address share its in-flight bound; only connects are spaced (an
  // echo is answered by the kernel, a connect fills the server's accept queue).
  std::unique_lock lock(mu_);
  for (;;) {
    Destination& d = destinations_[address];
    const auto now = std::chrono::steady_clock::now();
    const bool slot = d.in_flight < kPerDestination && in_flight_ < kPerNode;
    const bool spaced = kind != ProbeKind::kConnect || now >= d.next_connect;
    if (slot && spaced) {
      ++d.in_flight;
      ++in_flight_;
      counts_.max_in_flight_per_destination =
          std::max(counts_.max_in_flight_per_destination, d.in_flight);
      if (kind == ProbeKind::kConnect) {
        d.next_connect = now + kConnectSpacing;
        ++counts_.connects;
      } else {
        ++counts_.pings;
      }
      return Permit(this, address);
    }
    if (slot) {
      cv_.wait_until(lock, d.next_connect);
    } else {
      cv_.wait(lock);
    }
  }
}

void ProbeGate::release(const std::string& key) {
  {
    std::lock_guard lock(mu_);
    auto it = destinations_.find(key);
    if (it != destinations_.end()) {
      --it->second.in_flight;
      // Forget idle destinations whose spacing has passed, so `serve` does not grow a map of
      // every address it ever probed.
      if (it->second.in_flight == 0 && it->second.next_connect <= std::chrono::steady_clock::now())
        destinations_.erase(it);
    }
    --in_flight_;
  }
  cv_.notify_all();
}

ProbeGate::Counts ProbeGate::counts() const {
  std::lock_guard lock(mu_);
  return counts_;
}

ProbeGate::Permit::~Permit() {
  if (gate_ != nullptr) gate_->release(key_);
}

}  // namespace netdoctor::probes
