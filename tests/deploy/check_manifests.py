#!/usr/bin/python3
"""Structural checks of netdoctor's Kubernetes manifests (images/k8s/*.yaml).

There is no cluster here, so the manifests are checked for what matters about them: the kinds
and API versions, known field names only (a typo such as `hostNetwrk` would silently be
dropped by a lenient client), the debug pod's and the DaemonSet's privileges (hostNetwork,
hostPID, not privileged, exactly NET_ADMIN, NET_RAW, SYS_ADMIN, SYS_PTRACE), the DaemonSet's
monitor arguments (bound to the node's own address, /report.json guarded), probes on /healthz,
limits, scrape annotations and tolerations, RBAC that can only read (get/list on nodes, pods,
services, endpointslices) besides creating the two token reviews, the report readers' role,
and a NetworkPolicy that admits only the monitoring namespace to the port. The same checks run
on a debug pod the kubectl plugin rendered (--rendered FILE --node NAME).

  check_manifests.py DIR                      every check; exit 1 with the list of failures
  check_manifests.py --self-test DIR          each check must catch a manifest broken on purpose
  check_manifests.py --rendered FILE --node N a plugin-rendered debug pod
"""

import copy
import glob
import os
import sys

import yaml

CAPS = {"NET_ADMIN", "NET_RAW", "SYS_ADMIN", "SYS_PTRACE"}
NAMESPACE = "netdoctor"
API_VERSIONS = {
    "Namespace": "v1",
    "ServiceAccount": "v1",
    "Pod": "v1",
    "DaemonSet": "apps/v1",
    "ClusterRole": "rbac.authorization.k8s.io/v1",
    "ClusterRoleBinding": "rbac.authorization.k8s.io/v1",
    "NetworkPolicy": "networking.k8s.io/v1",
}
# How many objects of each kind images/k8s holds.
KINDS = {"Namespace": 1, "ServiceAccount": 1, "Pod": 1, "DaemonSet": 1, "ClusterRole": 3,
         "ClusterRoleBinding": 2, "NetworkPolicy": 1}
READ_ROLE = "netdoctor-read"
READ_RULES = {("", "nodes"), ("", "pods"), ("", "services"), ("discovery.k8s.io", "endpointslices")}
# serve --report-auth kube asks these two reviews, and may do nothing else with them.
REVIEW_ROLE = "netdoctor-review"
REVIEW_RULES = {("authentication.k8s.io", "tokenreviews"), ("authorization.k8s.io", "subjectaccessreviews")}
# For the readers of /report.json; bound by the user, never to netdoctor's own account.
READER_ROLE = "netdoctor-report-reader"
PORT = 9464
LISTEN = f"[$(HOST_IP)]:{PORT}"
MONITORING = {"kubernetes.io/metadata.name": "monitoring"}

# Field names of the Kubernetes API objects used here (core/v1, apps/v1, rbac/v1, 1.30+).
METADATA = {"name", "namespace", "labels", "annotations"}
POD_SPEC = {
    "activeDeadlineSeconds", "affinity", "automountServiceAccountToken", "containers",
    "dnsConfig", "dnsPolicy", "enableServiceLinks", "hostIPC", "hostNetwork", "hostPID",
    "hostname", "imagePullSecrets", "initContainers", "nodeName", "nodeSelector",
    "priorityClassName", "restartPolicy", "securityContext", "serviceAccountName",
    "terminationGracePeriodSeconds", "tolerations", "volumes",
}
CONTAINER = {
    "args", "command", "env", "image", "imagePullPolicy", "livenessProbe", "name", "ports",
    "readinessProbe", "resources", "securityContext", "startupProbe", "volumeMounts", "workingDir",
}
SECURITY_CONTEXT = {
    "allowPrivilegeEscalation", "appArmorProfile", "capabilities", "privileged", "procMount",
    "readOnlyRootFilesystem", "runAsGroup", "runAsNonRoot", "runAsUser", "seccompProfile",
    "seLinuxOptions",
}
PROBE = {
    "exec", "failureThreshold", "httpGet", "initialDelaySeconds", "periodSeconds",
    "successThreshold", "tcpSocket", "timeoutSeconds",
}
HTTP_GET = {"host", "httpHeaders", "path", "port", "scheme"}
ENV_VAR = {"name", "value", "valueFrom"}
NETWORK_POLICY_SPEC = {"egress", "ingress", "podSelector", "policyTypes"}
VOLUME_MOUNT = {"mountPath", "mountPropagation", "name", "readOnly", "subPath"}
DAEMONSET_SPEC = {"minReadySeconds", "revisionHistoryLimit", "selector", "template", "updateStrategy"}
TOLERATION = {"effect", "key", "operator", "tolerationSeconds", "value"}


class Checker:
    def __init__(self):
        self.failures = []

    def expect(self, cond, what):
        if not cond:
            self.failures.append(what)
        return bool(cond)

    def known(self, obj, allowed, where):
        if not isinstance(obj, dict):
            self.failures.append(f"{where}: not a mapping")
            return
        for key in obj:
            self.expect(key in allowed, f"{where}: unknown field '{key}'")


def load(directory):
    docs = []
    for path in sorted(glob.glob(os.path.join(directory, "*.yaml"))):
        with open(path, encoding="utf-8") as f:
            for doc in yaml.safe_load_all(f):
                if doc is not None:
                    docs.append((os.path.basename(path), doc))
    return docs


def check_pod_spec(c, spec, where):
    """The privileges shared by the debug pod and the DaemonSet's pods."""
    c.known(spec, POD_SPEC, where)
    c.expect(spec.get("hostNetwork") is True, f"{where}: hostNetwork must be true")
    c.expect(spec.get("hostPID") is True, f"{where}: hostPID must be true")
    c.expect(spec.get("hostIPC") in (None, False), f"{where}: hostIPC must stay off")
    c.expect(spec.get("dnsPolicy") == "ClusterFirstWithHostNet",
             f"{where}: dnsPolicy must be ClusterFirstWithHostNet (cluster DNS with hostNetwork)")
    c.expect({"operator": "Exists"} in (spec.get("tolerations") or []),
             f"{where}: must tolerate every taint (operator: Exists, no key)")
    for t in spec.get("tolerations") or []:
        c.known(t, TOLERATION, f"{where}.tolerations")
    containers = spec.get("containers") or []
    c.expect(len(containers) == 1, f"{where}: exactly one container")
    volumes = {v.get("name"): v for v in spec.get("volumes") or []}
    for ctr in containers:
        cw = f"{where}.containers[{ctr.get('name')}]"
        c.known(ctr, CONTAINER, cw)
        c.expect(ctr.get("name") == "netdoctor", f"{cw}: container is named netdoctor")
        c.expect(bool(ctr.get("image")), f"{cw}: needs an image")
        sc = ctr.get("securityContext") or {}
        c.known(sc, SECURITY_CONTEXT, f"{cw}.securityContext")
        c.expect(sc.get("privileged") is False, f"{cw}: privileged must be false")
        caps = sc.get("capabilities") or {}
        c.expect(caps.get("drop") == ["ALL"], f"{cw}: must drop ALL capabilities")
        added = caps.get("add") or []
        c.expect(set(added) == CAPS and len(added) == len(CAPS),
                 f"{cw}: must add exactly {sorted(CAPS)}, adds {added}")
        c.expect((sc.get("seccompProfile") or {}).get("type") == "RuntimeDefault",
                 f"{cw}: seccomp RuntimeDefault")
        c.expect(sc.get("readOnlyRootFilesystem") is True, f"{cw}: read-only root filesystem")
        res = ctr.get("resources") or {}
        for kind in ("requests", "limits"):
            c.expect({"cpu", "memory"} <= set(res.get(kind) or {}), f"{cw}: {kind} for cpu and memory")
        for probe in ("livenessProbe", "readinessProbe"):
            if probe in ctr:
                c.known(ctr[probe], PROBE, f"{cw}.{probe}")
        for m in ctr.get("volumeMounts") or []:
            c.known(m, VOLUME_MOUNT, f"{cw}.volumeMounts")
            c.expect(not m.get("mountPath", "").startswith(("/var/run/secrets", "/run/secrets")),
                     f"{cw}: mounts nothing under /var/run/secrets")
            c.expect(m.get("readOnly") is True, f"{cw}: host mount {m.get('mountPath')} read-only")
            vol = volumes.get(m.get("name")) or {}
            c.expect("hostPath" in vol, f"{cw}: mount {m.get('name')} has a hostPath volume")
            host = (vol.get("hostPath") or {})
            c.expect(host.get("type") == "Directory",
                     f"{cw}: hostPath {host.get('path')} must exist (type Directory: nothing created on the node)")
    return containers


def check_apparmor(c, containers, annotations, where):
    """Unconfined AppArmor, as the field (1.30+) and as the annotation (older clusters)."""
    for ctr in containers:
        sc = ctr.get("securityContext") or {}
        c.expect((sc.get("appArmorProfile") or {}).get("type") == "Unconfined",
                 f"{where}: appArmorProfile Unconfined (ptrace-read of other processes' /proc)")
        key = "container.apparmor.security.beta.kubernetes.io/" + str(ctr.get("name"))
        c.expect(annotations.get(key) == "unconfined", f"{where}: annotation {key}: unconfined")


def check_debug_pod(c, pod, node=None):
    where = "debug pod"
    c.expect(pod.get("apiVersion") == "v1", f"{where}: apiVersion v1")
    meta = pod.get("metadata") or {}
    c.known(meta, METADATA, f"{where}.metadata")
    spec = pod.get("spec") or {}
    containers = check_pod_spec(c, spec, where)
    want_node = node if node is not None else "__NODE__"
    c.expect(spec.get("nodeName") == want_node, f"{where}: nodeName {spec.get('nodeName')!r} != {want_node!r}")
    c.expect(spec.get("automountServiceAccountToken") is False,
             f"{where}: mounts no service-account token")
    c.expect(spec.get("restartPolicy") == "Never", f"{where}: restartPolicy Never")
    c.expect(isinstance(spec.get("activeDeadlineSeconds"), int), f"{where}: activeDeadlineSeconds")
    for ctr in containers:
        c.expect(ctr.get("command", [""])[0] == "sleep", f"{where}: the container sleeps; netdoctor is exec'd")
    check_apparmor(c, containers, meta.get("annotations") or {}, where)


def check_daemonset(c, ds):
    where = "daemonset"
    spec = ds.get("spec") or {}
    c.known(spec, DAEMONSET_SPEC, f"{where}.spec")
    template = spec.get("template") or {}
    tmeta = template.get("metadata") or {}
    c.known(tmeta, METADATA, f"{where}.template.metadata")
    selector = (spec.get("selector") or {}).get("matchLabels") or {}
    labels = tmeta.get("labels") or {}
    c.expect(selector and all(labels.get(k) == v for k, v in selector.items()),
             f"{where}: selector matches the template's labels")
    pspec = template.get("spec") or {}
    containers = check_pod_spec(c, pspec, f"{where}.template")
    c.expect(pspec.get("serviceAccountName") == "netdoctor", f"{where}: uses the netdoctor ServiceAccount")
    c.expect(pspec.get("automountServiceAccountToken") is True,
             f"{where}: mounts its token (in-cluster inventory)")
    ann = tmeta.get("annotations") or {}
    check_apparmor(c, containers, ann, where)
    for ctr in containers:
        args = ctr.get("args") or []
        c.expect(args[:1] == ["serve"], f"{where}: runs `netdoctor serve`, args {args}")
        c.expect(["--listen", LISTEN] == args[1:3],
                 f"{where}: --listen {LISTEN} (the node's own address, not every address): {args[1:3]}")
        env = {e.get("name"): e for e in ctr.get("env") or []}
        for e in ctr.get("env") or []:
            c.known(e, ENV_VAR, f"{where}.env")
        host_ip = ((env.get("HOST_IP") or {}).get("valueFrom") or {}).get("fieldRef") or {}
        c.expect(host_ip.get("fieldPath") == "status.hostIP",
                 f"{where}: env HOST_IP from the downward API's status.hostIP")
        c.expect("--interval" in args and args[args.index("--interval") + 1] == "30s",
                 f"{where}: --interval 30s")
        check_report_guard(c, args, where)
        for probe in ("livenessProbe", "readinessProbe"):
            p = ctr.get(probe) or {}
            get = p.get("httpGet") or {}
            c.known(get, HTTP_GET, f"{where}.{probe}.httpGet")
            c.expect(get.get("path") == "/healthz" and get.get("port") == PORT and "tcpSocket" not in p,
                     f"{where}: {probe} is an httpGet of /healthz on {PORT}: {p}")
        ports = [p.get("containerPort") for p in ctr.get("ports") or []]
        c.expect(9464 in ports, f"{where}: declares containerPort 9464")
        c.expect(ann.get("prometheus.io/scrape") == "true", f"{where}: prometheus.io/scrape \"true\"")
        c.expect(ann.get("prometheus.io/port") == "9464", f"{where}: prometheus.io/port \"9464\"")
        c.expect(ann.get("prometheus.io/path") == "/metrics", f"{where}: prometheus.io/path /metrics")
        limits = (ctr.get("resources") or {}).get("limits") or {}
        c.expect(str(limits.get("memory", "")).endswith("Mi") and int(str(limits.get("memory", "0Mi"))[:-2]) <= 256,
                 f"{where}: memory limit in Mi, at most 256Mi")
        c.expect(str(limits.get("cpu", "")).endswith("m"), f"{where}: CPU limit in millicores")


def check_report_guard(c, args, where):
    """/report.json is never open to whoever reaches the port."""
    auth = args[args.index("--report-auth") + 1] if "--report-auth" in args[:-1] else None
    token = "--report-token-file" in args[:-1]
    c.expect(auth == "kube" or (token and auth in (None, "token")) or "--no-report" in args,
             f"{where}: /report.json guarded (--report-auth kube or --report-token-file), args {args}")
    c.expect(auth != "none", f"{where}: --report-auth none opens the report to everyone")


def role_rules(c, role, verbs, allowed_fields=("apiGroups", "resources", "verbs")):
    """The (group, resource) pairs a role grants; every rule must have exactly `verbs`."""
    name = (role.get("metadata") or {}).get("name")
    granted = set()
    for rule in role.get("rules") or []:
        c.expect(set(rule) <= set(allowed_fields),
                 f"rbac: {name}: rule fields {sorted(rule)} (no resourceNames, nonResourceURLs)")
        c.expect(sorted(rule.get("verbs") or []) == sorted(verbs),
                 f"rbac: {name}: verbs must be exactly {', '.join(verbs)}: {rule.get('verbs')}")
        for group in rule.get("apiGroups") or []:
            for res in rule.get("resources") or []:
                granted.add((group, res))
    return granted


def check_rbac(c, docs):
    roles = {(d.get("metadata") or {}).get("name"): d for d in docs if d.get("kind") == "ClusterRole"}
    bindings = [d for d in docs if d.get("kind") == "ClusterRoleBinding"]
    accounts = [d for d in docs if d.get("kind") == "ServiceAccount"]
    c.expect(sorted(roles) == sorted([READ_ROLE, REVIEW_ROLE, READER_ROLE]) and len(accounts) == 1,
             f"rbac: one ServiceAccount, ClusterRoles {READ_ROLE}, {REVIEW_ROLE}, {READER_ROLE}: {sorted(roles)}")
    c.expect(not [d for d in docs if d.get("kind") in ("Role", "RoleBinding")], "rbac: no namespaced Role")
    read = role_rules(c, roles.get(READ_ROLE) or {}, ["get", "list"])
    c.expect(read == READ_RULES, f"rbac: {READ_ROLE} grants {sorted(read)}, want {sorted(READ_RULES)}")
    review = role_rules(c, roles.get(REVIEW_ROLE) or {}, ["create"])
    c.expect(review == REVIEW_RULES, f"rbac: {REVIEW_ROLE} grants {sorted(review)}, want {sorted(REVIEW_RULES)}")
    reader = (roles.get(READER_ROLE) or {}).get("rules") or []
    c.expect(reader == [{"nonResourceURLs": ["/report.json"], "verbs": ["get"]}],
             f"rbac: {READER_ROLE} grants exactly get on the non-resource URL /report.json: {reader}")
    bound = []
    for b in bindings:
        ref = b.get("roleRef") or {}
        c.expect(ref.get("kind") == "ClusterRole" and ref.get("name") in (READ_ROLE, REVIEW_ROLE)
                 and ref.get("apiGroup") == "rbac.authorization.k8s.io",
                 f"rbac: binding {b['metadata'].get('name')} refers to {READ_ROLE} or {REVIEW_ROLE}: {ref}")
        bound.append(ref.get("name"))
        subjects = b.get("subjects") or []
        c.expect(subjects == [{"kind": "ServiceAccount", "name": "netdoctor", "namespace": NAMESPACE}],
                 f"rbac: binding's only subject is ServiceAccount {NAMESPACE}/netdoctor: {subjects}")
    c.expect(sorted(bound) == sorted([READ_ROLE, REVIEW_ROLE]),
             f"rbac: the ServiceAccount is bound to {READ_ROLE} and {REVIEW_ROLE} once each: {bound}")


def check_network_policy(c, policy, daemonset):
    where = "networkpolicy"
    spec = policy.get("spec") or {}
    c.known(spec, NETWORK_POLICY_SPEC, f"{where}.spec")
    c.expect(spec.get("policyTypes") == ["Ingress"], f"{where}: policyTypes [Ingress]")
    selector = (spec.get("podSelector") or {}).get("matchLabels") or {}
    labels = (((daemonset.get("spec") or {}).get("template") or {}).get("metadata") or {}).get("labels") or {}
    c.expect(selector and all(labels.get(k) == v for k, v in selector.items()),
             f"{where}: selects the DaemonSet's pods: {selector}")
    rules = spec.get("ingress") or []
    c.expect(len(rules) >= 1, f"{where}: at least one ingress rule")
    for rule in rules:
        sources = rule.get("from")
        c.expect(isinstance(sources, list) and sources, f"{where}: every rule names its sources (none = everyone)")
        for src in sources or []:
            c.expect(src == {"namespaceSelector": {"matchLabels": MONITORING}},
                     f"{where}: admits only the namespace {MONITORING}: {src}")
        c.expect(rule.get("ports") == [{"protocol": "TCP", "port": PORT}],
                 f"{where}: only TCP {PORT}: {rule.get('ports')}")


def check_all(docs):
    c = Checker()
    kinds = sorted(d.get("kind", "?") for _, d in docs)
    want = sorted(k for k, n in KINDS.items() for _ in range(n))
    c.expect(kinds == want, f"kinds {kinds}, want {want}")
    for name, d in docs:
        kind = d.get("kind")
        c.expect(API_VERSIONS.get(kind) == d.get("apiVersion"), f"{name}: {kind} has apiVersion {d.get('apiVersion')}")
        meta = d.get("metadata") or {}
        c.known(meta, METADATA, f"{name}: {kind}.metadata")
        c.expect(bool(meta.get("name")), f"{name}: {kind} has a name")
        c.expect((meta.get("labels") or {}).get("app.kubernetes.io/name") == "netdoctor",
                 f"{name}: {kind} labelled app.kubernetes.io/name=netdoctor")
        if kind in ("ServiceAccount", "Pod", "DaemonSet", "NetworkPolicy"):
            c.expect(meta.get("namespace") == NAMESPACE, f"{name}: {kind} in namespace {NAMESPACE}")
        if kind in ("Namespace", "ClusterRole", "ClusterRoleBinding"):
            c.expect("namespace" not in meta, f"{name}: {kind} is cluster-scoped")
        if kind == "Namespace":
            c.expect((meta.get("labels") or {}).get("pod-security.kubernetes.io/enforce") == "privileged",
                     f"{name}: namespace admits privileged pods (Pod Security)")
        if kind == "Pod":
            check_debug_pod(c, d)
        if kind == "DaemonSet":
            check_daemonset(c, d)
    daemonsets = [d for _, d in docs if d.get("kind") == "DaemonSet"]
    for _, d in docs:
        if d.get("kind") == "NetworkPolicy" and daemonsets:
            check_network_policy(c, d, daemonsets[0])
    check_rbac(c, [d for _, d in docs])
    return c.failures


def pod_of(docs, kind):
    for _, d in docs:
        if d.get("kind") == kind:
            return d["spec"] if kind == "Pod" else d["spec"]["template"]["spec"]
    raise KeyError(kind)


def role_of(docs, name=READ_ROLE):
    for _, d in docs:
        if d.get("kind") == "ClusterRole" and d["metadata"]["name"] == name:
            return d
    raise KeyError(name)


def policy_of(docs):
    for _, d in docs:
        if d.get("kind") == "NetworkPolicy":
            return d["spec"]
    raise KeyError("NetworkPolicy")


def monitor(docs):
    return pod_of(docs, "DaemonSet")["containers"][0]


def set_arg(docs, flag, value):
    args = monitor(docs)["args"]
    args[args.index(flag) + 1] = value


# Manifests broken on purpose: each must be caught, or the checks prove nothing.
MUTATIONS = {
    "privileged debug pod": lambda docs: pod_of(docs, "Pod")["containers"][0]["securityContext"].update(privileged=True),
    "missing SYS_PTRACE": lambda docs: pod_of(docs, "DaemonSet")["containers"][0]["securityContext"]["capabilities"]["add"].remove("SYS_PTRACE"),
    "extra capability": lambda docs: pod_of(docs, "Pod")["containers"][0]["securityContext"]["capabilities"]["add"].append("SYS_MODULE"),
    "no hostPID": lambda docs: pod_of(docs, "Pod").pop("hostPID"),
    "typo hostNetwrk": lambda docs: pod_of(docs, "DaemonSet").update(hostNetwrk=pod_of(docs, "DaemonSet").pop("hostNetwork")),
    "watch verb": lambda docs: role_of(docs)["rules"][0]["verbs"].append("watch"),
    "wildcard verbs": lambda docs: role_of(docs)["rules"][1].update(verbs=["*"]),
    "secrets readable": lambda docs: role_of(docs)["rules"][0]["resources"].append("secrets"),
    "no memory limit": lambda docs: pod_of(docs, "DaemonSet")["containers"][0]["resources"]["limits"].pop("memory"),
    "wrong interval": lambda docs: set_arg(docs, "--interval", "5m"),
    "listening on every address": lambda docs: set_arg(docs, "--listen", "0.0.0.0:9464"),
    "host IP from the pod's field": lambda docs: monitor(docs)["env"][1]["valueFrom"]["fieldRef"].update(fieldPath="status.podIP"),
    "report open to everyone": lambda docs: set_arg(docs, "--report-auth", "none"),
    "report unguarded": lambda docs: monitor(docs).update(args=monitor(docs)["args"][:-2]),
    "liveness by TCP": lambda docs: monitor(docs).update(livenessProbe={"tcpSocket": {"port": 9464}}),
    "readiness on /metrics": lambda docs: monitor(docs)["readinessProbe"]["httpGet"].update(path="/metrics"),
    "review role reads secrets": lambda docs: role_of(docs, REVIEW_ROLE)["rules"][0]["resources"].append("secrets"),
    "review role may delete": lambda docs: role_of(docs, REVIEW_ROLE)["rules"][1]["verbs"].append("delete"),
    "reader role on every URL": lambda docs: role_of(docs, READER_ROLE)["rules"][0].update(nonResourceURLs=["*"]),
    "policy admits everyone": lambda docs: policy_of(docs)["ingress"][0].pop("from"),
    "policy admits every namespace": lambda docs: policy_of(docs)["ingress"][0]["from"][0].update(namespaceSelector={}),
    "policy on every port": lambda docs: policy_of(docs)["ingress"][0].pop("ports"),
    "token in debug pod": lambda docs: pod_of(docs, "Pod").update(automountServiceAccountToken=True),
    "not tolerating taints": lambda docs: pod_of(docs, "DaemonSet").update(tolerations=[]),
    "apparmor confined": lambda docs: pod_of(docs, "DaemonSet")["containers"][0]["securityContext"].pop("appArmorProfile"),
    "writable host mount": lambda docs: pod_of(docs, "Pod")["containers"][0]["volumeMounts"][0].update(readOnly=False),
}


def self_test(docs):
    base = check_all(docs)
    if base:
        print("the manifests themselves fail:\n  " + "\n  ".join(base))
        return 1
    missed = []
    for name, mutate in MUTATIONS.items():
        broken = copy.deepcopy(docs)
        mutate(broken)
        failures = check_all(broken)
        print(f"{name}: {'caught: ' + failures[0] if failures else 'NOT CAUGHT'}")
        if not failures:
            missed.append(name)
    print(f"{len(MUTATIONS) - len(missed)} passed, {len(missed)} failed")
    return 1 if missed else 0


def main(argv):
    if len(argv) >= 2 and argv[1] == "--rendered":
        if len(argv) != 5 or argv[3] != "--node":
            print(__doc__)
            return 2
        with open(argv[2], encoding="utf-8") as f:
            pod = yaml.safe_load(f)
        c = Checker()
        check_debug_pod(c, pod, node=argv[4])
        for f in c.failures:
            print("FAIL:", f)
        return 1 if c.failures else 0
    if len(argv) == 3 and argv[1] == "--self-test":
        return self_test(load(argv[2]))
    if len(argv) != 2:
        print(__doc__)
        return 2
    docs = load(argv[1])
    failures = check_all(docs)
    for f in failures:
        print("FAIL:", f)
    print(f"{len(docs)} manifests: {'ok' if not failures else str(len(failures)) + ' failures'}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
