#include "probes/same_node/same_node_layer.h"

#include <gtest/gtest.h>

#include <map>
#include <string>

namespace netdoctor::probes {
namespace {

using report::Status;

PairProbe probe(EchoOutcome outcome, std::optional<std::string> neigh_state = std::nullopt) {
  PairProbe p;
  p.target = "default/web-1";
  p.target_ip = "10.244.1.4";
  EchoResult e;
  e.outcome = outcome;
  e.rtt = std::chrono::microseconds(120);
  if (outcome == EchoOutcome::kTimeout) e.detail = "no answer within 1000 ms";
  p.echo = e;
  if (neigh_state) p.neighbour = netns::Neighbour{"10.244.1.4", "", 3, *neigh_state};
  return p;
}

TEST(SameNode, ReplyPasses) {
  auto c = evaluate_same_node("default/client-a", {probe(EchoOutcome::kReply)}, "same-node.ping");
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].id, "same-node.ping:default/web-1");
  EXPECT_EQ(c[0].status, Status::kPass);
  EXPECT_EQ(c[0].summary, "reply from 10.244.1.4 in 0.12 ms");
}

TEST(SameNode, TimeoutWithFailedArpIsNeighborFailed) {
  for (const char* state : {"FAILED", "INCOMPLETE"}) {
    auto c = evaluate_same_node("a", {probe(EchoOutcome::kTimeout, state)}, "same-node.ping");
    EXPECT_EQ(c[0].status, Status::kFail);
    EXPECT_EQ(c[0].code, "neighbor-failed") << state;
    EXPECT_EQ(c[0].evidence.at(1), std::string("neighbour 10.244.1.4 lladdr - ") + state);
  }
}

TEST(SameNode, TimeoutWithResolvedArpIsPodUnreachable) {
  auto c = evaluate_same_node("a", {probe(EchoOutcome::kTimeout, "REACHABLE")}, "same-node.ping");
  EXPECT_EQ(c[0].code, "pod-unreachable");
  EXPECT_EQ(c[0].evidence.at(0),
            "ICMP echo a -> default/web-1 (10.244.1.4): timeout (no answer within 1000 ms)");
  EXPECT_EQ(c[0].subjects, (std::vector<std::string>{"10.244.1.4", "default/web-1"}));
}

TEST(SameNode, ProbeThatCouldNotRunIsSkippedWithTheReason) {
  PairProbe p;
  p.target = "x";
  p.error = "ICMP probe needs CAP_NET_RAW (raw socket refused)";
  auto c = evaluate_same_node("a", {p}, "same-node.ping");
  EXPECT_EQ(c[0].status, Status::kSkip);
  EXPECT_NE(c[0].summary.find("CAP_NET_RAW"), std::string::npos);
}

}  // namespace
}  // namespace netdoctor::probes

namespace netdoctor::probes {
namespace {

TEST(SameNodeNoNat, SenderAddressSeenPasses) {
  auto p = probe(EchoOutcome::kReply);
  p.captured = true;
  p.seen_source = "10.244.1.3";
  p.expected_sources = {"10.244.1.3"};
  auto c = evaluate_same_node("default/client-a", {p}, "same-node.ping");
  ASSERT_EQ(c.size(), 2u);
  EXPECT_EQ(c[1].id, "same-node.ping.no-nat:default/web-1");
  EXPECT_EQ(c[1].status, report::Status::kPass);
}

TEST(SameNodeNoNat, TranslatedSourceIsPodSnatAndExplainsTheFailedPing) {
  auto p = probe(EchoOutcome::kTimeout, "REACHABLE");
  p.captured = true;
  p.seen_source = "10.244.1.1";
  p.expected_sources = {"10.244.1.3"};
  auto c = evaluate_same_node("default/client-a", {p}, "same-node.ping");
  ASSERT_EQ(c.size(), 2u);
  EXPECT_EQ(c[0].code, "pod-snat");
  EXPECT_EQ(c[0].summary,
            "default/web-1 sees 10.244.1.1 as the source, not 10.244.1.3: the traffic is "
            "source-NATed on the way");
  EXPECT_EQ(c[1].code, "pod-unreachable");
  EXPECT_EQ(c[1].explained_by, c[0].id);
}

TEST(SameNodeNoNat, NothingArrivedSaysNothingAboutNat) {
  auto p = probe(EchoOutcome::kTimeout, "REACHABLE");
  p.captured = true;
  p.expected_sources = {"10.244.1.3"};
  EXPECT_EQ(evaluate_same_node("a", {p}, "same-node.ping").size(), 1u);
}

std::vector<SourcePod> node_pods(std::size_t n) {
  std::vector<SourcePod> pods(n);
  for (std::size_t i = 0; i < n; ++i) {
    pods[i].netns.id.ino = 1000 + i;
    pods[i].ip = "10.244.1." + std::to_string(i + 2);
    pods[i].display = "default/p" + std::to_string(i);
  }
  return pods;
}

TEST(SameNodePeers, SmallNodeProbesEveryPair) {
  const auto pods = node_pods(5);
  const auto peers = same_node_peers(pods, pods[2], 8);
  ASSERT_EQ(peers.size(), 4U);
  for (const auto* p : peers) EXPECT_NE(p->ip, pods[2].ip);
}

TEST(SameNodePeers, BigNodeSamplesAndEveryPodIsATarget) {
  for (const std::size_t n : {10U, 30U, 110U}) {
    const auto pods = node_pods(n);
    std::map<std::string, int> targeted;
    std::size_t probes = 0;
    for (const auto& src : pods) {
      const auto peers = same_node_peers(pods, src, 8);
      EXPECT_LE(peers.size(), 3U);
      EXPECT_GE(peers.size(), 2U);
      for (const auto* p : peers) {
        EXPECT_NE(p->netns.id, src.netns.id);
        ++targeted[p->ip];
      }
      probes += peers.size();
    }
    EXPECT_EQ(targeted.size(), n) << n << " pods: some pod is nobody's target";
    EXPECT_LE(probes, 3 * n) << "linear in the pods, not their square";
  }
}

TEST(SameNodePeers, ASourceOutsideThePodsProbesTheFirstOnes) {
  const auto pods = node_pods(30);
  SourcePod stranger;
  stranger.netns.id.ino = 5;
  EXPECT_EQ(same_node_peers(pods, stranger, 8).size(), 8U);
}

}  // namespace
}  // namespace netdoctor::probes
