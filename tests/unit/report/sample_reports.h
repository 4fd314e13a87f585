// Hand-built reports shared by the writers' tests: a healthy pod-mode run and a faulty node-mode
// run whose cross-node root cause explains failures above it.
#pragma once

#include "report/model.h"
#include "report/root_cause.h"

namespace netdoctor::report::fixtures {

inline Check make_check(std::string id, std::string source, Status status, Code code,
                        std::string summary, std::vector<std::string> evidence = {},
                        long long duration_ms = 1, std::vector<std::string> subjects = {}) {
  Check check;
  check.id = std::move(id);
  check.source = std::move(source);
  check.status = status;
  check.code = code;
  check.summary = std::move(summary);
  check.evidence = std::move(evidence);
  check.duration_ms = duration_ms;
  check.subjects = std::move(subjects);
  return check;
}

inline Check with_subjects(Check check, std::vector<std::string> subjects) {
  check.subjects = std::move(subjects);
  return check;
}

inline Report healthy_report() {
  Report r = make_report();
  r.mode = "pod";
  r.node = "kind-worker";
  r.sources = {{"default/client", "10.244.1.5", "/proc/1/ns/net"}};
  const std::string src = "default/client";
  add_check(r, Layer::kNode,
            make_check("node.layer", src, Status::kSkip, "",
                       "pod mode: the node's settings are not visible"));
  add_check(r, Layer::kPod, make_check("pod.link-up", src, Status::kPass, "", "eth0 is up"));
  add_check(r, Layer::kPod,
            make_check("pod.address", src, Status::kPass, "", "eth0 has 10.244.1.5/24"));
  add_check(
      r, Layer::kPod,
      make_check("pod.default-route", src, Status::kPass, "", "default via 10.244.1.1 dev eth0"));
  add_check(r, Layer::kSameNode,
            make_check("same-node.ping", src, Status::kPass, "",
                       "10.244.1.4 (default/web-7d4b9c8f6-2xkqp) answers", {}, 2));
  add_check(r, Layer::kCrossNode,
            make_check("cross-node.ping", src, Status::kPass, "",
                       "10.244.0.5 on kind-control-plane answers", {}, 3));
  add_check(r, Layer::kService,
            make_check("service.cluster-ip", src, Status::kPass, "",
                       "default/web 10.96.120.15:80 answers", {}, 4));
  add_check(r, Layer::kDns,
            make_check("dns.cluster-name", src, Status::kPass, "",
                       "kubernetes.default.svc.cluster.local is 10.96.0.1", {}, 5));
  add_check(r, Layer::kDns,
            make_check("dns.search-path", src, Status::kWarn, "dns-search-path-slow",
                       "outside names cost 4 extra queries first (ndots:5, 4 search domains)",
                       {"search default.svc.cluster.local svc.cluster.local cluster.local lan",
                        "options ndots:5"}));
  add_check(r, Layer::kApiserver,
            make_check("apiserver.connect", src, Status::kPass, "",
                       "10.96.0.1:443 accepts; TLS verified; token accepted", {}, 12));
  add_check(r, Layer::kEgress,
            make_check("egress.layer", src, Status::kSkip, "", "no --egress target given", {}, 0));
  r.duration_ms = 57;
  assign_root_cause(r);
  return r;
}

inline Report faulty_report() {
  Report r = make_report();
  r.mode = "node";
  r.node = "kind-worker";
  r.sources = {{"default/client", "10.244.1.5", "/proc/4242/ns/net"},
               {"", "10.244.1.7", "/var/run/netns/cni-5f1c2b9e-7a0d-4c2e-9d1b-3e8f6a2c4b10"}};
  const std::string client = "default/client";
  const std::string other = "ip:10.244.1.7";
  add_check(r, Layer::kNode,
            make_check("node.ip-forward", "", Status::kPass, "", "net.ipv4.ip_forward = 1"));
  add_check(r, Layer::kNode,
            make_check("node.bridge-nf", "", Status::kPass, "",
                       "br_netfilter loaded, bridge-nf-call-iptables = 1"));
  add_check(r, Layer::kPod, make_check("pod.link-up", client, Status::kPass, "", "eth0 is up"));
  add_check(r, Layer::kPod, make_check("pod.link-up", other, Status::kPass, "", "eth0 is up"));
  add_check(r, Layer::kSameNode,
            make_check("same-node.ping", client, Status::kPass, "", "10.244.1.7 answers"));
  add_check(r, Layer::kCrossNode,
            with_subjects(
                make_check("cross-node.route", client, Status::kFail, "route-missing",
                           "no route to 10.244.0.0/24, the pod CIDR of kind-control-plane",
                           {"ip route get 10.244.0.5: via 172.18.0.1 dev eth0 (the default route)",
                            "flannel.1 has routes for 0 of 1 remote pod CIDRs"},
                           2),
                {"10.244.0.5", "10.244.0.0/24", "node:kind-control-plane"}));
  add_check(r, Layer::kService,
            with_subjects(
                make_check("service.cluster-ip", client, Status::kFail, "endpoint-unreachable",
                           "default/web 10.96.120.15:80 leads to 10.244.0.5:8080, which does not "
                           "answer",
                           {"conntrack: tcp 10.244.1.5:41234 -> 10.96.120.15:80 DNAT "
                            "10.244.0.5:8080 [UNREPLIED]",
                            "endpoint 10.244.0.5 is on node kind-control-plane"},
                           3003),
                {"10.96.120.15", "10.244.0.5", "default/web"}));
  add_check(r, Layer::kService,
            make_check("service.endpoints", "", Status::kWarn, "service-no-endpoints",
                       "default/orphan 10.96.45.7:8080 has no endpoints; no probe targeted it",
                       {"selector app=orphan matches no pod"}));
  add_check(r, Layer::kService,
            make_check("service.hairpin", other, Status::kFail, "hairpin-broken",
                       "10.244.1.7 cannot reach itself through default/web-headless-probe",
                       {"/sys/class/net/veth3a9c1f2e/brport/hairpin_mode = 0"}, 1001));
  add_check(r, Layer::kDns,
            with_subjects(
                make_check("dns.cluster-name", client, Status::kFail, "dns-server-unreachable",
                           "no answer from 10.96.0.10 or the CoreDNS endpoints",
                           {"10.96.0.10:53/udp: timeout after 1000 ms",
                            "10.244.0.2:53/udp (kube-system/coredns-5d78c9869d-8fvxl): timeout",
                            "10.244.0.3:53/udp (kube-system/coredns-5d78c9869d-qr7tn): timeout"},
                           3010),
                {"10.96.0.10", "10.244.0.2", "10.244.0.3"}));
  add_check(
      r, Layer::kApiserver,
      make_check("apiserver.connect", client, Status::kPass, "", "10.96.0.1:443 accepts", {}, 6));
  add_check(r, Layer::kEgress,
            make_check("egress.layer", "", Status::kSkip, "", "no --egress target given", {}, 0));
  r.duration_ms = 7046;
  assign_root_cause(r);
  return r;
}

// A node-mode run from `count` local pods, shaped as the layers write their checks: node-wide
// checks without a source; per source the pod layer's own checks (summaries that name the
// source's address and veth), pings to the same peers with their own round-trip times, one
// Service, the cluster DNS and the API server. kServiceNoEndpoints: every source also finds that
// Service default/orphan has no endpoints (the example: one fault, seen from every
// source). kLinkDown: besides, default/pod-07's link is down, so that the root cause is not the
// first source's and explains that source's other failure only.
enum class ScaleFault { kNone, kServiceNoEndpoints, kLinkDown };

inline Report node_scale_report(int count, ScaleFault fault) {
  Report r = make_report();
  r.mode = "node";
  r.node = "node1";
  for (int i = 1; i <= count; ++i) {
    const std::string n = (i < 10 ? "0" : "") + std::to_string(i);
    r.sources.push_back({"default/pod-" + n, "10.244.1." + std::to_string(10 + i),
                         "/proc/" + std::to_string(4000 + i) + "/ns/net"});
  }
  add_check(r, Layer::kNode,
            make_check("node.ip-forward", "", Status::kPass, "", "the node forwards IPv4"));
  add_check(r, Layer::kNode,
            make_check("node.bridge-nf", "", Status::kPass, "",
                       "traffic bridged on cni0 passes iptables"));
  for (const Source& s : r.sources) {
    const std::string& src = s.pod;
    const std::string veth = "veth" + std::to_string(1000 + s.ip.size() * 7 + src.back());
    const bool down = fault == ScaleFault::kLinkDown && src == "default/pod-07";
    Check link = make_check("pod.link-up", src, Status::kPass, "", "eth0 is up",
                            {"eth0: <UP,LOWER_UP> mtu 1450 state UP"});
    if (down) {
      link.status = Status::kFail;
      link.code = "pod-link-down";
      link.summary = "eth0 has no carrier (its veth peer on the node is down)";
      link.evidence = {"eth0: <UP,NO-CARRIER> mtu 1450 state DOWN"};
    }
    add_check(r, Layer::kPod, link);
    add_check(r, Layer::kPod,
              make_check("pod.address", src, Status::kPass, "", "eth0 has " + s.ip + "/24"));
    add_check(r, Layer::kPod,
              make_check("pod.default-route", src, Status::kPass, "",
                         "default route via 10.244.1.1 dev eth0"));
    add_check(r, Layer::kPod,
              make_check("pod.veth-peer-up", src, Status::kPass, "",
                         "veth peer " + veth + " is up on the node",
                         {"node side: " + veth + ": <UP,LOWER_UP> mtu 1450 state UP master cni0"}));
    const std::string rtt = "0." + std::to_string(s.ip.back() - '0') + " ms";
    add_check(
        r, Layer::kSameNode,
        make_check("same-node.ping:default/web-1", src, Status::kPass, "",
                   "reply from 10.244.1.4 in " + rtt, {}, 1, {"10.244.1.4", "default/web-1"}));
    add_check(r, Layer::kCrossNode,
              make_check("cross-node.ping:default/web-2", src, Status::kPass, "",
                         "reply from 10.244.2.3 in " + rtt, {}, 1,
                         {"10.244.2.3", "default/web-2", "node:node2"}));
    const std::vector<std::string> web = {"10.96.0.20", "default/web", "10.244.1.4", "10.244.2.3"};
    add_check(r, Layer::kService,
              make_check("service.clusterip:default/web:http", src, Status::kPass, "",
                         "3 connects through 10.96.0.20:80/tcp succeeded",
                         {"TCP connects to 10.96.0.20:80/tcp: 3 of 3 connected"}, 1, web));
    if (fault != ScaleFault::kNone) {
      add_check(r, Layer::kService,
                make_check("service.clusterip:default/orphan:http", src, Status::kFail,
                           "service-no-endpoints",
                           "default/orphan:http has no ready endpoint: connections to "
                           "10.96.45.7:8080/tcp are rejected",
                           {"the EndpointSlices of default/orphan list no ready endpoint",
                            "referenced: env ORPHAN_SERVICE_HOST",
                            "selector app=orphan matches running pods: default/orphan-0"},
                           1, {"10.96.45.7", "default/orphan"}));
    }
    add_check(r, Layer::kDns,
              make_check("dns.service-udp", src, Status::kPass, "",
                         "10.96.0.10 answers kubernetes.default.svc.cluster.local", {}, 1,
                         {"10.96.0.10"}));
    add_check(
        r, Layer::kApiserver,
        make_check("apiserver.clusterip", src, Status::kPass, "",
                   "10.96.0.1:443 accepts; TLS verified; token accepted", {}, 1, {"10.96.0.1"}));
  }
  add_check(r, Layer::kEgress,
            make_check("egress.targets", "", Status::kSkip, "", "no --egress target given", {}, 0));
  r.duration_ms = 4000;
  assign_root_cause(r);
  return r;
}

}  // namespace netdoctor::report::fixtures
