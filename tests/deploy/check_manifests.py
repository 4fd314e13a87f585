#!/usr/bin/python3
"""Structural checks of netdoctor's Kubernetes manifests (images/k8s/*.yaml).

There is no cluster here, so the manifests are checked for what matters about them: the kinds
and API versions, known field names only (a typo such as `hostNetwrk` would silently be
dropped by a lenient client), the debug pod's and the DaemonSet's privileges (hostNetwork,
hostPID, not privileged, exactly NET_ADMIN, NET_RAW, SYS_ADMIN, SYS_PTRACE), the DaemonSet's
monitor arguments, limits, scrape annotations and tolerations, and RBAC that can only read
(get/list on nodes, pods, services, endpointslices). The same checks run on a debug pod the
kubectl plugin rendered (--rendered FILE --node NAME).

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
}
READ_RULES = {("", "nodes"), ("", "pods"), ("", "services"), ("discovery.k8s.io", "endpointslices")}

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
        c.expect(["--listen", "0.0.0.0:9464"] == args[1:3] or "--listen=0.0.0.0:9464" in args,
                 f"{where}: --listen 0.0.0.0:9464")
        c.expect("--interval" in args and args[args.index("--interval") + 1] == "30s",
                 f"{where}: --interval 30s")
        ports = [p.get("containerPort") for p in ctr.get("ports") or []]
        c.expect(9464 in ports, f"{where}: declares containerPort 9464")
        c.expect(ann.get("prometheus.io/scrape") == "true", f"{where}: prometheus.io/scrape \"true\"")
        c.expect(ann.get("prometheus.io/port") == "9464", f"{where}: prometheus.io/port \"9464\"")
        c.expect(ann.get("prometheus.io/path") == "/metrics", f"{where}: prometheus.io/path /metrics")
        limits = (ctr.get("resources") or {}).get("limits") or {}
        c.expect(str(limits.get("memory", "")).endswith("Mi") and int(str(limits.get("memory", "0Mi"))[:-2]) <= 256,
                 f"{where}: memory limit in Mi, at most 256Mi")
        c.expect(str(limits.get("cpu", "")).endswith("m"), f"{where}: CPU limit in millicores")


def check_rbac(c, docs):
    roles = [d for d in docs if d.get("kind") == "ClusterRole"]
    bindings = [d for d in docs if d.get("kind") == "ClusterRoleBinding"]
    accounts = [d for d in docs if d.get("kind") == "ServiceAccount"]
    c.expect(len(roles) == 1 and len(bindings) == 1 and len(accounts) == 1,
             "rbac: one ServiceAccount, ClusterRole and ClusterRoleBinding")
    c.expect(not [d for d in docs if d.get("kind") in ("Role", "RoleBinding")], "rbac: no namespaced Role")
    granted = set()
    for role in roles:
        for rule in role.get("rules") or []:
            c.expect(set(rule) <= {"apiGroups", "resources", "verbs"},
                     f"rbac: rule fields {sorted(rule)} (no resourceNames, nonResourceURLs)")
            c.expect(sorted(rule.get("verbs") or []) == ["get", "list"],
                     f"rbac: verbs must be exactly get, list: {rule.get('verbs')}")
            for group in rule.get("apiGroups") or []:
                for res in rule.get("resources") or []:
                    granted.add((group, res))
    c.expect(granted == READ_RULES, f"rbac: grants {sorted(granted)}, want {sorted(READ_RULES)}")
    for b in bindings:
        ref = b.get("roleRef") or {}
        c.expect(ref.get("kind") == "ClusterRole" and roles and ref.get("name") == roles[0]["metadata"]["name"]
                 and ref.get("apiGroup") == "rbac.authorization.k8s.io", "rbac: binding refers to the ClusterRole")
        subjects = b.get("subjects") or []
        c.expect(subjects == [{"kind": "ServiceAccount", "name": "netdoctor", "namespace": NAMESPACE}],
                 f"rbac: binding's only subject is ServiceAccount {NAMESPACE}/netdoctor: {subjects}")


def check_all(docs):
    c = Checker()
    kinds = sorted(d.get("kind", "?") for _, d in docs)
    c.expect(kinds == sorted(API_VERSIONS), f"kinds {kinds}, want {sorted(API_VERSIONS)}")
    for name, d in docs:
        kind = d.get("kind")
        c.expect(API_VERSIONS.get(kind) == d.get("apiVersion"), f"{name}: {kind} has apiVersion {d.get('apiVersion')}")
        meta = d.get("metadata") or {}
        c.known(meta, METADATA, f"{name}: {kind}.metadata")
        c.expect(bool(meta.get("name")), f"{name}: {kind} has a name")
        c.expect((meta.get("labels") or {}).get("app.kubernetes.io/name") == "netdoctor",
                 f"{name}: {kind} labelled app.kubernetes.io/name=netdoctor")
        if kind in ("ServiceAccount", "Pod", "DaemonSet"):
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
    check_rbac(c, [d for _, d in docs])
    return c.failures


def pod_of(docs, kind):
    for _, d in docs:
        if d.get("kind") == kind:
            return d["spec"] if kind == "Pod" else d["spec"]["template"]["spec"]
    raise KeyError(kind)


def role_of(docs):
    for _, d in docs:
        if d.get("kind") == "ClusterRole":
            return d
    raise KeyError("ClusterRole")


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
    "wrong interval": lambda docs: pod_of(docs, "DaemonSet")["containers"][0].update(args=["serve", "--listen", "0.0.0.0:9464", "--interval", "5m"]),
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
