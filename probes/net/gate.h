// The probing discipline every probe obeys, process-wide (across sources, layers and, in
// `serve`, runs): a probe waits for a permit before it sends anything. Probes to one address
// start at least kConnectSpacing (connects) or kPingSpacing (echoes) apart, and at most
// kPerDestination connects to one address are being set up at once (a connect holds its permit
// until its handshake completes, or kHold has passed: a silent destination must not serialise
// everyone's timeouts), so that a backend with a small accept queue (Python's socketserver: 5)
// or a slow accept loop is never flooded by netdoctor: the failure it would then report would be
// its own. At most kPerNode permits are held in all.
//
// A failed probe is confirmed once before it counts (probes/net/tcp.h: tcp_connect_confirmed),
// and the counters say how many probes the process sent.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace netdoctor::probes {

inline constexpr int kPerDestination = 2;
inline constexpr int kPerNode = 32;
inline constexpr std::chrono::microseconds kConnectSpacing{4000};
inline constexpr std::chrono::microseconds kPingSpacing{500};
inline constexpr std::chrono::milliseconds kHold{20};

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
    Permit(Permit&& other) noexcept
        : gate_(other.gate_), keys_(std::move(other.keys_)), granted_(other.granted_) {
      other.gate_ = nullptr;
    }
    Permit& operator=(Permit&&) = delete;
    ~Permit() { release(); }
    // Gives the permit back before the probe ends (a handshake still waiting after kHold).
    void release();
    // When the gate let the probe start (the spacing is kept between these instants).
    [[nodiscard]] std::chrono::steady_clock::time_point granted() const { return granted_; }

   private:
    friend class ProbeGate;
    Permit(ProbeGate* gate, std::vector<std::string> keys,
           std::chrono::steady_clock::time_point granted)
        : gate_(gate), keys_(std::move(keys)), granted_(granted) {}
    ProbeGate* gate_;
    std::vector<std::string> keys_;
    std::chrono::steady_clock::time_point granted_;
  };

  // Waits (without a bound: the run's deadline cuts a waiting task) until a probe of `kind` to
  // `address` may start. `behind`: the addresses the probe may really reach (a ClusterIP's
  // endpoints: the translation picks one at random), held and spaced as well, so that a backend
  // sees one stream of connects however it is addressed.
  [[nodiscard]] Permit acquire(ProbeKind kind, const std::string& address,
                               const std::vector<std::string>& behind = {});

  struct Counts {
    std::uint64_t connects = 0;
    std::uint64_t pings = 0;
    int max_in_flight_per_destination = 0;  // the highest seen, for tests
  };
  [[nodiscard]] Counts counts() const;

 private:
  void release(const std::vector<std::string>& keys);

  struct Destination {
    int in_flight = 0;
    std::chrono::steady_clock::time_point next_start{};
  };
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::map<std::string, Destination> destinations_;
  int in_flight_ = 0;
  Counts counts_;
};

}  // namespace netdoctor::probes
