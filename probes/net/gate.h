// The probing discipline every probe obeys, process-wide (across sources, layers and, in
// `serve`, runs): a probe waits for a permit before it sends anything. At most
// kPerDestination probes are in flight to one address, and connects to one address start at
// least kConnectSpacing apart, so that a backend with a small accept queue (Python's
// socketserver: 5) or a slow accept loop is never flooded by netdoctor: the failure it would
// then report would be its own. At most kPerNode probes are in flight in all.
//
// A failed probe is confirmed once before it counts (probes/net/tcp.h: tcp_connect_confirmed),
// and the counters say how many probes a run sent (the benchmark reads them).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>

namespace netdoctor::probes {

inline constexpr int kPerDestination = 2;
inline constexpr int kPerNode = 32;
inline constexpr std::chrono::microseconds kConnectSpacing{2000};

enum class ProbeKind { kConnect, kPing };

class ProbeGate {
 public:
  // The one gate of the process.
  static ProbeGate& instance();

  // A permit to send one probe to `address`; released when destroyed.
  class Permit {
   public:
    Permit(const Permit&) = delete;
    Permit& operator=(const Permit&) = delete;
    Permit(Permit&& other) noexcept : gate_(other.gate_), key_(std::move(other.key_)) {
      other.gate_ = nullptr;
    }
    Permit& operator=(Permit&&) = delete;
    ~Permit();

   private:
    friend class ProbeGate;
    Permit(ProbeGate* gate, std::string key) : gate_(gate), key_(std::move(key)) {}
    ProbeGate* gate_;
    std::string key_;
  };

  // Waits (without a bound: the run's deadline cuts a waiting task) until a probe of `kind` to
  // `address` may start.
  [[nodiscard]] Permit acquire(ProbeKind kind, const std::string& address);

  struct Counts {
    std::uint64_t connects = 0;
    std::uint64_t pings = 0;
    int max_in_flight_per_destination = 0;  // the highest seen, for tests
  };
  [[nodiscard]] Counts counts() const;

 private:
  void release(const std::string& key);

  struct Destination {
    int in_flight = 0;
    std::chrono::steady_clock::time_point next_connect{};
  };
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::map<std::string, Destination> destinations_;
  int in_flight_ = 0;
  Counts counts_;
};

}  // namespace netdoctor::probes
