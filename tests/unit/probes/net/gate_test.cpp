#include "probes/net/gate.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

namespace netdoctor::probes {
namespace {

using Clock = std::chrono::steady_clock;

// Twelve sources connect to one backend at once, as node mode does: never more than
// kPerDestination in flight, starts at least kConnectSpacing apart.
TEST(ProbeGate, BoundsConnectsToOneDestination) {
  auto& gate = ProbeGate::instance();
  const auto before = gate.counts();
  std::atomic<int> in_flight{0};
  std::atomic<int> peak{0};
  std::mutex mu;
  std::vector<Clock::time_point> starts;
  std::vector<std::thread> threads;
  for (int i = 0; i < 12; ++i) {
    threads.emplace_back([&] {
      const auto permit = gate.acquire(ProbeKind::kConnect, "192.0.2.80");
      {
        // The gate's own instant: a thread can be descheduled between its permit and a clock
        // read of its own, which would squeeze the gaps seen here.
        std::lock_guard lock(mu);
        starts.push_back(permit.granted());
      }
      const int now = ++in_flight;
      int seen = peak.load();
      while (now > seen && !peak.compare_exchange_weak(seen, now)) {
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
      --in_flight;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_LE(peak.load(), kPerDestination);
  EXPECT_EQ(gate.counts().connects - before.connects, 12U);
  std::sort(starts.begin(), starts.end());
  for (std::size_t i = 1; i < starts.size(); ++i) {
    EXPECT_GE(starts[i] - starts[i - 1], kConnectSpacing - std::chrono::microseconds(100));
  }
}

// Other destinations are not held up by a busy one, and pings are not spaced.
TEST(ProbeGate, DestinationsAreIndependent) {
  auto& gate = ProbeGate::instance();
  const auto a1 = gate.acquire(ProbeKind::kConnect, "192.0.2.81");
  const auto a2 = gate.acquire(ProbeKind::kPing, "192.0.2.81");
  const auto start = Clock::now();
  const auto b = gate.acquire(ProbeKind::kConnect, "192.0.2.82");
  const auto c1 = gate.acquire(ProbeKind::kPing, "192.0.2.83");
  const auto c2 = gate.acquire(ProbeKind::kPing, "192.0.2.83");
  EXPECT_LT(Clock::now() - start, std::chrono::milliseconds(50));
}

// A connect through a ClusterIP and one straight to an endpoint behind it are one stream for
// that endpoint: spaced, never at once.
TEST(ProbeGate, AClusterIpConnectCountsForItsEndpoints) {
  auto& gate = ProbeGate::instance();
  const auto start = Clock::now();
  { const auto via = gate.acquire(ProbeKind::kConnect, "198.51.100.10", {"192.0.2.90"}); }
  const auto direct = gate.acquire(ProbeKind::kConnect, "192.0.2.90");
  EXPECT_GE(Clock::now() - start, kConnectSpacing - std::chrono::microseconds(100));
}

// A permit released wakes a waiter.
TEST(ProbeGate, ReleaseWakesAWaiter) {
  auto& gate = ProbeGate::instance();
  std::optional<ProbeGate::Permit> p1(gate.acquire(ProbeKind::kPing, "192.0.2.84"));
  std::optional<ProbeGate::Permit> p2(gate.acquire(ProbeKind::kPing, "192.0.2.84"));
  std::atomic<bool> got{false};
  std::thread waiter([&] {
    const auto p3 = gate.acquire(ProbeKind::kPing, "192.0.2.84");
    got = true;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(30));
  EXPECT_FALSE(got.load());
  p1.reset();
  waiter.join();
  EXPECT_TRUE(got.load());
}

}  // namespace
}  // namespace netdoctor::probes
