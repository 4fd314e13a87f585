#include "probes/net/gate.h"

#include <algorithm>

namespace netdoctor::probes {

ProbeGate& ProbeGate::instance() {
  static ProbeGate gate;
  return gate;
}

ProbeGate::Permit ProbeGate::acquire(ProbeKind kind, const std::string& address,
                                     const std::vector<std::string>& behind) {
  std::vector<std::string> keys{address};
  for (const auto& b : behind) {
    if (std::find(keys.begin(), keys.end(), b) == keys.end()) keys.push_back(b);
  }
  // Pings and connects to one address share its bounds; a connect is spaced further (it fills
  // the server's accept queue, an echo is answered by the kernel). Every key is taken at once or
  // none: no permit is held while waiting for another, so waiters cannot deadlock.
  std::unique_lock lock(mu_);
  for (;;) {
    const auto now = std::chrono::steady_clock::now();
    bool slot = in_flight_ < kPerNode;
    auto ready_at = now;
    for (const auto& k : keys) {
      const Destination& d = destinations_[k];
      if (d.in_flight >= kPerDestination) slot = false;
      ready_at = std::max(ready_at, d.next_start);
    }
    if (slot && now >= ready_at) {
      const auto spacing = kind == ProbeKind::kConnect ? kConnectSpacing : kPingSpacing;
      for (const auto& k : keys) {
        Destination& d = destinations_[k];
        ++d.in_flight;
        d.next_start = now + spacing;
        counts_.max_in_flight_per_destination =
            std::max(counts_.max_in_flight_per_destination, d.in_flight);
      }
      ++in_flight_;
      ++(kind == ProbeKind::kConnect ? counts_.connects : counts_.pings);
      return Permit(this, std::move(keys), now);
    }
    if (slot) {
      cv_.wait_until(lock, ready_at);
    } else {
      cv_.wait(lock);
    }
  }
}

void ProbeGate::release(const std::vector<std::string>& keys) {
  {
    std::lock_guard lock(mu_);
    const auto now = std::chrono::steady_clock::now();
    for (const auto& key : keys) {
      auto it = destinations_.find(key);
      if (it == destinations_.end()) continue;
      --it->second.in_flight;
      // Forget idle destinations whose spacing has passed, so `serve` does not grow a map of
      // every address it ever probed.
      if (it->second.in_flight == 0 && it->second.next_start <= now) destinations_.erase(it);
    }
    --in_flight_;
  }
  cv_.notify_all();
}

ProbeGate::Counts ProbeGate::counts() const {
  std::lock_guard lock(mu_);
  return counts_;
}

void ProbeGate::Permit::release() {
  if (gate_ != nullptr) gate_->release(keys_);
  gate_ = nullptr;
}

}  // namespace netdoctor::probes
