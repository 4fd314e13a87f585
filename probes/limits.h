// How much work one diagnosis may do, whatever the cluster holds. Every bound that keeps a run's
// probes, threads and time from following the inventory lives here, with its reason: a tenant
// who creates Services, or EndpointSlices pointing at many addresses, must not make every
// node's monitor connect to all of them or start a thread per address.
//
// A bound that cuts is said in the report (a skip check of the layer, e.g. `service.limits`,
// or the evidence of the check it shortened), never turned into a failure or a root cause: the
// run then knows less, nothing is broken.
#pragma once

#include <cstddef>

namespace netdoctor::probes {

// Services probed from one source. Ranked first: those named with --to, kube-dns and
// kubernetes, those the pod's environment references, then the others with endpoints
// (probes/service/service_select.h). A pod depends on a handful; the rest of a 10,000-Service
// cluster is the rules comparison's business, which reads every Service without probing.
inline constexpr std::size_t kMaxServicesPerSource = 20;

// Endpoints of one Service port connected to directly from one source (the source's own
// endpoint first, then in the EndpointSlices' order). The connects through the ClusterIP meet
// at most 8 endpoints anyway (service_probe.h); a backend that 16 samples all answer is not
// broken for the Service, and an EndpointSlice is not allowed to make a run as long as its
// address list.
inline constexpr std::size_t kMaxEndpointsPerService = 16;

// Connects the service layer may start in one run, over every source, counted at their worst
// (a direct connect that times out is asked once more; a ClusterIP round that fails once is
// asked again). Each source gets an equal share, so the cut falls at the same place for every
// source and one report entry says it. At 4 ms spacing per address and 32 permits node-wide
// (probes/net/gate.h), 4,096 connects cost seconds, not minutes.
inline constexpr std::size_t kMaxConnectsPerRun = 4096;

// Threads one diagnosis holds at most. Layer tasks (a layer's part for one source, or its
// node-wide part) run on at most kMaxLayerThreads threads (--parallel, clamped), and every
// probe they start runs on the run's namespace pool (netns/pool.h) of at most kMaxPoolThreads:
// a Service with 5,000 endpoints is queued work, not 5,000 threads. A layer task only waits for
// its probes, a pool thread only probes: neither can hold the other's threads.
inline constexpr std::size_t kMaxLayerThreads = 32;
inline constexpr std::size_t kMaxPoolThreads = 32;
inline constexpr std::size_t kMaxRunThreads = kMaxLayerThreads + kMaxPoolThreads;

// Namespaces discovery enters at once, before a run (netns/discover.h): every namespace of the
// node is read, a few at a time.
inline constexpr std::size_t kMaxDiscoveryThreads = 16;

// Endpoints of the cluster DNS asked directly from one source, over UDP and TCP each: the
// first of kube-dns's EndpointSlices (probes/dns/dns_facts.cpp).
inline constexpr std::size_t kMaxDnsEndpoints = 8;

// Peers one source pings on its node before the ring sampling starts (same_node_layer.h), and
// pods of other nodes one source probes (cross_node_layer.h; two per other node are known).
inline constexpr std::size_t kMaxSameNodePeers = 8;
inline constexpr std::size_t kMaxRemoteTargets = 8;

}  // namespace netdoctor::probes
