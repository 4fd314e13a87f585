// Catalogue entries about netdoctor's own view rather than the network: a source it cannot
// find, a probe that could not run, a capability it lacks. None is in the contract's minimum
// table; they let a report say why a check says nothing.
#include "report/catalogue_data.h"

namespace netdoctor::report::detail {

namespace {

CodeInfo pod_not_found() {
  return {
      .layer = Layer::kPod,
      .code = "pod-not-found",
      .title =
          "a source pod cannot be found: not in the inventory, or its network namespace is "
          "not on this node",
      .detection =
          "Resolves each --from REF: NAMESPACE/NAME through the inventory, ip:, pid: and netns "
          "paths through the network namespaces visible on this node. A REF that matches nothing "
          "stops the run with exit status 2; a pod that the inventory places on this node but "
          "whose namespace is not found is reported with this code.",
      .confirm = R"sh(
# The NODE column: is it this node?
kubectl -n <ns> get pod <pod> -o wide
# On that node: the pod sandbox and its network namespace
crictl pods --name <pod>
crictl inspectp <pod-sandbox-id> | grep -i netns
netdoctor pods
)sh",
      .remedy = R"sh(
# Run netdoctor on the pod's node, for instance from a privileged debug pod there
kubectl debug node/<node> -it --profile=sysadmin --image=<netdoctor-image>
# Or name the pod by what this node can see
netdoctor diagnose --from pid:<pod-pid>
netdoctor diagnose --from ip:<pod-ip>
)sh",
      .extra = true,
  };
}

CodeInfo probe_error() {
  return {
      .layer = Layer::kNode,
      .code = "probe-error",
      .title =
          "a check could not run: the probe itself failed, which says nothing about the "
          "network",
      .detection =
          "A probe returned an error instead of a result (a system call failed, the pod's "
          "namespace vanished during the run, a file could not be read); the check carries the "
          "error as its evidence instead of a verdict on the network.",
      .confirm = R"sh(
netdoctor diagnose -o json --from <ref> --layers <layer>
dmesg | tail -20
)sh",
      .remedy = R"sh(
# Usually transient (the pod restarted during the run): run again
netdoctor diagnose --from <ref>
# When it persists, report it with the JSON report attached
)sh",
      .extra = true,
      .any_layer = true,
  };
}

CodeInfo capability_missing() {
  return {
      .layer = Layer::kNode,
      .code = "capability-missing",
      .title = "a check was skipped because netdoctor lacks a capability it needs",
      .detection =
          "Checks the effective capability set before probes that need one: CAP_SYS_ADMIN to "
          "enter other network namespaces, CAP_SYS_PTRACE to read other processes' namespaces "
          "and files, CAP_NET_ADMIN to read rules and conntrack, CAP_NET_RAW to send ICMP and "
          "ARP. The evidence names the capability.",
      .confirm = R"sh(
grep Cap /proc/self/status
capsh --decode=$(awk '/CapEff/ {print $2}' /proc/self/status)
)sh",
      .remedy = R"sh(
# On a node: run as root
sudo netdoctor diagnose
# From the cluster: a privileged debug pod on the node (host network and host PID namespaces)
kubectl debug node/<node> -it --profile=sysadmin --image=<netdoctor-image>
)sh",
      .extra = true,
      .any_layer = true,
  };
}

CodeInfo deadline_exceeded() {
  return {
      .layer = Layer::kNode,
      .code = "deadline-exceeded",
      .title = "a layer did not finish within the run's deadline: its checks say nothing",
      .detection =
          "Every layer's work runs as tasks of one bounded pool: its node-wide part and its part "
          "for each source pod. When the run's --deadline (default ten probe timeouts, at least "
          "5 s) passes first, each unfinished part is reported as a skip check with this code "
          "(naming its source), the layer's finished parts keep their checks, and the unfinished "
          "probes are left to end on their own. A skip does not fail the verdict, so a run whose "
          "only fault lies in a cut part reads healthy: the text report's first line names the "
          "unfinished layers.",
      .confirm = R"sh(
# The layer alone, with time to finish: how long does it take, and what does it find?
netdoctor diagnose --from <ref> --layers <layer> --deadline 60s
)sh",
      .remedy = R"sh(
# Probes that wait for their timeout one after another: a longer deadline, or a shorter timeout
netdoctor diagnose --from <ref> --deadline 30s
netdoctor diagnose --from <ref> --timeout 500ms
)sh",
      .extra = true,
      .any_layer = true,
  };
}

CodeInfo intermittent() {
  return {
      .layer = Layer::kService,
      .code = "intermittent",
      .title = "a target failed some attempts and answered others",
      .detection =
          "Every failed connect is confirmed once, after the burst and long enough for the "
          "kernel's first SYN retransmit (1.3 s), before it counts. A target that then answers, "
          "or whose connects partly fail while every endpoint answers directly and nothing "
          "explains the failures, is a warning with the counts: a dropped SYN (a full accept "
          "queue, a lossy link), not a broken path. It never fails the run nor becomes the root "
          "cause. netdoctor bounds its own load so that it does not cause this: at most 2 probes "
          "in flight to one address, connects to one address at least 2 ms apart, 32 in all.",
      .confirm = R"sh(
# Repeated connects from the pod: how many fail, how long do the others take?
for i in $(seq 20); do timeout 2 bash -c '</dev/tcp/<ip>/<port>' && echo ok || echo fail; done
# The backend's accept queue: Recv-Q near Send-Q (the backlog) means it overflows
nsenter -t <backend-pid> -n ss -ltn 'sport = :<port>'
nstat -az TcpExtListenOverflows TcpExtListenDrops
)sh",
      .remedy = R"sh(
# A listen backlog too small for the load: raise it in the server (Python: request_queue_size),
# and net.core.somaxconn in the backend pod if it caps the backlog
# A slow accept loop: more workers or threads in the backend
# Loss on the path: see the cross-node checks (underlay, MTU)
)sh",
      .extra = true,
      .any_layer = true,
  };
}

}  // namespace

void add_general_codes(std::vector<CodeInfo>& codes) {
  codes.insert(codes.end(), {pod_not_found(), probe_error(), capability_missing(),
                             deadline_exceeded(), intermittent()});
}

}  // namespace netdoctor::report::detail
