#!/usr/bin/env bash
# Tests of the kubectl plugin plugin/kubectl-netdoctor. There is no cluster here: a stub
# kubectl first on PATH (tests/deploy/stub/kubectl) records every call and answers with canned
# data, so these tests check the plugin's control flow: the debug pod is created on the target
# pod's node from the manifest, netdoctor is exec'd with the right REF and the inventory on its
# stdin, netdoctor's exit status comes back, and the debug pod is deleted on every exit
# (success, netdoctor failing, the pod not starting, Ctrl-C, SIGTERM).
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
plugin=${PLUGIN:-$root/plugin/kubectl-netdoctor}  # PLUGIN: try a modified copy
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export PATH="$here/stub:$PATH" TMPDIR=$work/tmp NETDOCTOR_IMAGE=registry.test/netdoctor:9.9
mkdir -p "$TMPDIR"

passed=0
failed=0
ok() {
  passed=$((passed + 1))
  echo "ok: $*"
}
bad() {
  failed=$((failed + 1))
  echo "FAIL: $*"
}
check() { # check DESCRIPTION COMMAND...
  local what=$1
  shift
  if "$@"; then ok "$what"; else bad "$what"; fi
}

# Runs the plugin with a fresh stub state; $out, $err, $rc, $STUB_DIR describe the run.
run() {
  export STUB_DIR=$work/case$((passed + failed))-$RANDOM
  mkdir -p "$STUB_DIR"
  rc=0
  "$plugin" "$@" >"$STUB_DIR/out" 2>"$STUB_DIR/err" || rc=$?
  out=$(cat "$STUB_DIR/out")
  err=$(cat "$STUB_DIR/err")
}
calls() { cat "$STUB_DIR/calls" 2>/dev/null; }
called() { calls | grep -qE -- "$1"; }
not_called() { ! called "$1"; }
verbs_are() { [ "$(cut -d' ' -f1 "$STUB_DIR/calls" | tr '\n' ' ')" = "$1" ]; }
every_call_starts_with() { ! calls | grep -qv -- "^$1"; }
debug_pod() { calls | sed -n 's/^delete pod \(netdoctor-debug-[0-9a-f]*\) .*/\1/p' | head -n1; }
no_temp_files() { [ -z "$(ls -A "$TMPDIR")" ]; }

# --- a healthy diagnosis -------------------------------------------------------------------------
run diagnose web-1 -n shop -- -o json --layers dns
check "healthy: exit 0" [ "$rc" = 0 ]
check "healthy: the report is printed" grep -q "netdoctor report: stub, exit 0" <<<"$out"
check "healthy: looks the pod up in its namespace" called '^get pod web-1 -n shop -o '
name=$(debug_pod)
check "healthy: debug pod has a unique name" grep -Eq '^netdoctor-debug-[0-9a-f]{8}$' <<<"$name"
check "healthy: creates the debug pod in namespace netdoctor" called '^create -n netdoctor -f - $'
check "healthy: created manifest is the debug pod on node-7" \
  /usr/bin/python3 "$here/check_manifests.py" --rendered "$STUB_DIR/created.yaml" --node node-7
check "healthy: created manifest carries the name, image and target" \
  /usr/bin/python3 - "$STUB_DIR/created.yaml" "$name" <<'EOF'
import sys, yaml
pod = yaml.safe_load(open(sys.argv[1]))
m = pod["metadata"]
assert m["name"] == sys.argv[2] and m["namespace"] == "netdoctor", m
assert m["labels"]["app.kubernetes.io/instance"] == sys.argv[2], m
assert m["labels"]["app.kubernetes.io/managed-by"] == "kubectl-netdoctor", m
assert m["annotations"]["netdoctor/target"] == "shop/web-1", m
assert pod["spec"]["containers"][0]["image"] == "registry.test/netdoctor:9.9", pod["spec"]
EOF
check "healthy: waits for the debug pod to be Ready" \
  called "^wait -n netdoctor --for=condition=Ready pod/$name --timeout=120s"
check "healthy: runs netdoctor diagnose --from shop/web-1 with the extra args" \
  called "^exec -i -n netdoctor $name -c netdoctor -- netdoctor diagnose --inventory - --from shop/web-1 -o json --layers dns $"
check "healthy: the inventory reaches netdoctor's stdin" grep -q '"name": "web-1"' "$STUB_DIR/exec-stdin"
check "healthy: the inventory is taken cluster-wide" called '^get nodes,pods,services,endpointslices -A -o json'
check "healthy: order get, create, wait, exec, delete" verbs_are "get get get create wait exec delete "
check "healthy: the debug pod is deleted" called "^delete pod $name -n netdoctor --ignore-not-found"
check "healthy: no temporary file left" no_temp_files

# --- netdoctor's exit status comes back ----------------------------------------------------------
for status in 1 2 3; do
  STUB_EXEC_EXIT=$status run diagnose web-1 -n shop
  check "netdoctor exits $status: plugin exits $status" [ "$rc" = "$status" ]
  check "netdoctor exits $status: debug pod deleted" called '^delete pod netdoctor-debug-'
done
check "failing run: no temporary file left" no_temp_files

# --- the namespace comes from the pod object when -n is not given; global flags pass through ----
STUB_POD_WHERE="team-a node-3" run diagnose api-0 --context prod --kubeconfig=/k/config
check "context: exit 0" [ "$rc" = 0 ]
check "context: every call carries --context and --kubeconfig" \
  every_call_starts_with "--context=prod --kubeconfig=/k/config "
check "context: REF uses the pod's namespace" called -- '-- netdoctor diagnose --inventory - --from team-a/api-0 $'
check "context: debug pod on node-3" grep -q 'nodeName: "node-3"' "$STUB_DIR/created.yaml"

# --- the debug pod does not start / cannot be created -------------------------------------------
STUB_WAIT_FAIL=1 run diagnose web-1 -n shop
check "not ready: exit 4" [ "$rc" = 4 ]
check "not ready: says so" grep -q "not ready within 120s" <<<"$err"
check "not ready: netdoctor not run" not_called '^exec' 
check "not ready: debug pod deleted" called '^delete pod netdoctor-debug-'
STUB_CREATE_FAIL=1 run diagnose web-1 -n shop --ready-timeout 5s
check "create fails: exit 4" [ "$rc" = 4 ]
check "create fails: delete attempted anyway" called '^delete pod netdoctor-debug-.* --ignore-not-found'
check "create fails: no temporary file left" no_temp_files

# --- bad input: nothing is created ---------------------------------------------------------------
STUB_POD_WHERE="" run diagnose nosuch -n shop
check "unknown pod: exit 2" [ "$rc" = 2 ]
check "unknown pod: error names it" grep -q "cannot get pod 'nosuch' in namespace shop" <<<"$err"
check "unknown pod: nothing created" not_called '^create' 
STUB_POD_WHERE="shop " run diagnose pending -n shop
check "unscheduled pod: exit 2" [ "$rc" = 2 ]
check "unscheduled pod: says so" grep -q "not scheduled" <<<"$err"
STUB_NO_NAMESPACE=1 run diagnose web-1 -n shop
check "no debug namespace: exit 4" [ "$rc" = 4 ]
check "no debug namespace: hints at namespace.yaml" grep -q "namespace.yaml" <<<"$err"
check "no debug namespace: nothing created" not_called '^create' 
run diagnose
check "no POD: exit 2" [ "$rc" = 2 ]
run diagnose shop/web-1
check "NS/POD as POD: exit 2" [ "$rc" = 2 ]
run diagnose web-1 --bogus
check "unknown option: exit 2" [ "$rc" = 2 ]
run diagnose 'web;rm' -n shop
check "bad pod name: exit 2" [ "$rc" = 2 ]
check "bad pod name: kubectl never called" [ ! -e "$STUB_DIR/calls" ]
run frobnicate
check "unknown command: exit 2" [ "$rc" = 2 ]
run version
check "version: exit 0" [ "$rc" = 0 ]
check "version: plugin version and image" grep -q "^kubectl-netdoctor 0.1.0 (image registry.test/netdoctor:9.9)" <<<"$out"
run help
check "help: exit 0" [ "$rc" = 0 ]
check "help: the usage" grep -q "kubectl netdoctor diagnose POD" <<<"$out"

# --- interrupted while netdoctor runs: Ctrl-C signals the whole foreground process group ---------
interrupt() { # interrupt SIGNAL EXPECTED-STATUS WHOM(group|plugin)
  export STUB_DIR=$work/sig-$1-$3
  mkdir -p "$STUB_DIR"
  set -m # the plugin gets its own process group, as a terminal's foreground job has
  STUB_EXEC_HANG=1 "$plugin" diagnose web-1 -n shop >"$STUB_DIR/out" 2>"$STUB_DIR/err" &
  local pid=$!
  set +m
  local _
  for _ in $(seq 100); do
    [ -e "$STUB_DIR/exec-started" ] && break
    sleep 0.1
  done
  if [ "$3" = group ]; then kill "-$1" -- "-$pid"; else kill "-$1" "$pid"; fi
  rc=0
  # Bounded: a plugin that ignored the signal would otherwise hang the test for 30 s.
  for _ in $(seq 100); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -0 "$pid" 2>/dev/null && kill -KILL -- "-$pid"
  wait "$pid" || rc=$?
  check "$1 to the $3: exit $2" [ "$rc" = "$2" ]
  check "$1 to the $3: debug pod deleted" called '^delete pod netdoctor-debug-.* --ignore-not-found'
  check "$1 to the $3: no temporary file left" no_temp_files
  # kubectl exec (the stub, sleeping as the PID it wrote) is stopped too, not left behind.
  local exec_pid
  exec_pid=$(cat "$STUB_DIR/exec-started" 2>/dev/null || true)
  for _ in $(seq 50); do
    if [ -z "$exec_pid" ] || ! kill -0 "$exec_pid" 2>/dev/null; then break; fi
    sleep 0.1
  done
  check "$1 to the $3: kubectl exec is not left running" \
    bash -c "[ -n '$exec_pid' ] && ! kill -0 '$exec_pid' 2>/dev/null"
  [ -z "$exec_pid" ] || kill -KILL "$exec_pid" 2>/dev/null || true
}
interrupt INT 130 group
interrupt TERM 143 plugin

# --- krew packaging: installed as krew does it (the archive unpacked, a symlink to the plugin on
# PATH), the plugin finds debug-pod.yaml next to itself ------------------------------------------
if [ -z "${PLUGIN:-}" ]; then
  "$root/plugin/package.sh" "$work/dist" >/dev/null
  archive=$(echo "$work"/dist/kubectl-netdoctor-v*.tar.gz)
  check "krew: archive holds the plugin and the manifest" \
    diff <(tar -tzf "$archive" | sort) <(printf 'debug-pod.yaml\nkubectl-netdoctor\n')
  check "krew: manifest carries the archive's sha256" \
    grep -q "sha256: \"$(sha256sum "$archive" | cut -d' ' -f1)\"" "$work/dist/netdoctor.yaml"
  check "krew: manifest is a krew Plugin" /usr/bin/python3 - "$work/dist/netdoctor.yaml" <<'EOF2'
import sys, yaml
m = yaml.safe_load(open(sys.argv[1]))
assert m["apiVersion"] == "krew.googlecontainertools.github.com/v1alpha2" and m["kind"] == "Plugin", m
assert m["metadata"]["name"] == "netdoctor", m
p = m["spec"]["platforms"][0]
assert p["bin"] == "kubectl-netdoctor" and {f["from"] for f in p["files"]} == {"kubectl-netdoctor", "debug-pod.yaml"}, p
EOF2
  mkdir -p "$work/krew/store" "$work/krew/bin"
  tar -xzf "$archive" -C "$work/krew/store"
  ln -s "$work/krew/store/kubectl-netdoctor" "$work/krew/bin/kubectl-netdoctor"
  saved=$plugin
  plugin=$work/krew/bin/kubectl-netdoctor
  run diagnose web-1 -n shop
  plugin=$saved
  check "krew: installed plugin runs (exit 0)" [ "$rc" = 0 ]
  check "krew: installed plugin uses its own debug-pod.yaml" \
    /usr/bin/python3 "$here/check_manifests.py" --rendered "$STUB_DIR/created.yaml" --node node-7
fi

# --- static checks -------------------------------------------------------------------------------
check "shellcheck plugin/kubectl-netdoctor" shellcheck "$plugin"
check "shellcheck the stub and this test" shellcheck "$here/stub/kubectl" "$0"

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
