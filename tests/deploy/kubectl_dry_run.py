#!/usr/bin/python3
"""`kubectl apply --dry-run=client --validate=false -f images/k8s/` without a cluster.

kubectl needs an API server even for a client-side dry run: it maps each kind to its resource
through the discovery documents and asks whether the object exists. There is no cluster here,
so a stand-in on loopback serves the discovery documents of the groups netdoctor uses (core v1,
apps/v1, rbac.authorization.k8s.io/v1, discovery.k8s.io/v1, networking.k8s.io/v1) and answers 404 to every object,
as a fresh cluster would. kubectl then decodes every document, maps it, and prints
"<resource>/<name> created (dry run)"; the test requires exactly one such line per manifest
object and nothing sent but GETs. Exit 77 (skipped) when kubectl is not installed.
"""

import http.server
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading

import yaml

RESOURCES = {
    "v1": [("namespaces", "Namespace", False), ("serviceaccounts", "ServiceAccount", True),
           ("pods", "Pod", True), ("services", "Service", True), ("nodes", "Node", False)],
    "apps/v1": [("daemonsets", "DaemonSet", True)],
    "rbac.authorization.k8s.io/v1": [("clusterroles", "ClusterRole", False),
                                     ("clusterrolebindings", "ClusterRoleBinding", False)],
    "discovery.k8s.io/v1": [("endpointslices", "EndpointSlice", True)],
    "networking.k8s.io/v1": [("networkpolicies", "NetworkPolicy", True)],
}
VERBS = ["create", "delete", "get", "list", "patch", "update", "watch"]


def resource_list(group_version):
    return {"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": group_version,
            "resources": [{"name": n, "singularName": k.lower(), "namespaced": ns, "kind": k, "verbs": VERBS}
                          for n, k, ns in RESOURCES[group_version]]}


def group_list():
    groups = []
    for gv in RESOURCES:
        if "/" in gv:
            group, version = gv.split("/")
            groups.append({"name": group, "versions": [{"groupVersion": gv, "version": version}],
                           "preferredVersion": {"groupVersion": gv, "version": version}})
    return {"kind": "APIGroupList", "apiVersion": "v1", "groups": groups}


class Handler(http.server.BaseHTTPRequestHandler):
    methods = []

    def log_message(self, *args):
        pass

    def reply(self, code, body):
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        Handler.methods.append(("GET", self.path))
        path = self.path.split("?")[0]
        if path == "/api":
            return self.reply(200, {"kind": "APIVersions", "versions": ["v1"]})
        if path == "/apis":
            return self.reply(200, group_list())
        if path == "/api/v1":
            return self.reply(200, resource_list("v1"))
        if path.startswith("/apis/") and path.count("/") == 3 and path[len("/apis/"):] in RESOURCES:
            return self.reply(200, resource_list(path[len("/apis/"):]))
        return self.reply(404, {"kind": "Status", "apiVersion": "v1", "status": "Failure",
                                "reason": "NotFound", "code": 404, "message": "not found"})

    def do_other(self):
        Handler.methods.append((self.command, self.path))
        self.reply(405, {"kind": "Status", "apiVersion": "v1", "status": "Failure", "code": 405})

    do_POST = do_PUT = do_PATCH = do_DELETE = do_other


def main(argv):
    if len(argv) != 2:
        print("usage: kubectl_dry_run.py MANIFEST-DIR")
        return 2
    kubectl = shutil.which("kubectl")
    if not kubectl:
        print("kubectl is not installed: skipped")
        return 77
    expected = []
    for name in sorted(os.listdir(argv[1])):
        if name.endswith(".yaml"):
            with open(os.path.join(argv[1], name), encoding="utf-8") as f:
                for doc in yaml.safe_load_all(f):
                    if doc:
                        group = doc["apiVersion"].rpartition("/")[0]
                        resource = doc["kind"].lower() + ("." + group if group else "")
                        expected.append(f"{resource}/{doc['metadata']['name']} created (dry run)")
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    with tempfile.TemporaryDirectory() as tmp:
        config = os.path.join(tmp, "kubeconfig")
        with open(config, "w", encoding="utf-8") as f:
            f.write(f"""apiVersion: v1
kind: Config
clusters: [{{name: stand-in, cluster: {{server: "http://127.0.0.1:{server.server_port}"}}}}]
users: [{{name: nobody, user: {{}}}}]
contexts: [{{name: stand-in, context: {{cluster: stand-in, user: nobody, namespace: default}}}}]
current-context: stand-in
""")
        env = dict(os.environ, KUBECONFIG=config, HOME=tmp)
        run = subprocess.run([kubectl, "apply", "--dry-run=client", "--validate=false", "-f", argv[1]],
                             capture_output=True, text=True, env=env, timeout=60, check=False)
    server.shutdown()
    print(run.stdout, end="")
    print(run.stderr, end="", file=sys.stderr)
    got = sorted(line.strip() for line in run.stdout.splitlines() if line.strip())
    failures = []
    if run.returncode != 0:
        failures.append(f"kubectl exited {run.returncode}")
    if got != sorted(expected):
        failures.append(f"kubectl printed {got}, want {sorted(expected)}")
    writes = [m for m in Handler.methods if m[0] != "GET"]
    if writes:
        failures.append(f"a client-side dry run sent {writes}")
    for f in failures:
        print("FAIL:", f)
    print(f"{len(expected)} objects: {'ok' if not failures else 'failed'}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
