#!/usr/bin/env bash
# Sets up, builds, brings up the lab (two nodes, pods wired by the CNI bridge plugin, kube-proxy
# rules, DNS, an API server), injects one fault, and shows `netdoctor diagnose` run on node 1:
# first healthy, then with the fault. Takes the lab down at the end unless --keep is given.
#   usage: sudo ./scripts/demo.sh [FAULT] [--keep]      (default fault: pod-link-down)
set -euo pipefail
cd "$(dirname "$0")/.."
fault=pod-link-down
keep=no
for a in "$@"; do
  case "$a" in
    --keep) keep=yes ;;
    *) fault=$a ;;
  esac
done
lab=tests/lab/lab
# Set up and build once, then run the rest holding the lab's lock (one lab per machine).
if [ -z "${NDLAB_LOCK_PID:-}" ]; then
  ./scripts/setup.sh
  ./scripts/build.sh
  exec "$lab" lock --wait 900 -- "$0" "$@"
fi
inv=$(mktemp /tmp/netdoctor-inventory.XXXXXX.json)
cleanup() {
  rm -f "$inv"
  if [ "$keep" = no ]; then "$lab" down >/dev/null 2>&1 || true; fi
}
trap cleanup EXIT
"$lab" up
"$lab" inventory >"$inv"
run() {
  echo
  echo "\$ ip netns exec ndlab-node1 build/netdoctor diagnose --inventory $inv $*"
  ip netns exec ndlab-node1 build/netdoctor diagnose --inventory "$inv" "$@" || true
}
echo; echo "=== healthy lab ==="
run
echo; echo "=== fault injected: $fault ==="
"$lab" fault "$fault"
run
[ "$keep" = yes ] && echo "lab kept up; take it down with: $lab down"
exit 0
