#!/usr/bin/env bash
# Soak test of monitor mode: `netdoctor serve` on the lab's node1 for N runs (default 1,000) in
# one process, sampling its resources from /proc. The claim it checks: no descriptor or thread
# leak and no memory growth over many diagnoses.
#
# It brings the lab up (holding the lab's lock), starts
#   ip netns exec ndlab-node1 netdoctor serve --listen 127.0.0.1:PORT --interval I
#       --timeout T --inventory <lab inventory> [--egress URL]...
# (every pod of node1, every layer, two egress URLs inside the lab), reads the run counter
# (netdoctor_runs_total, all results) from /metrics inside the node's namespace, and at runs 1,
# 10, 100, 500 and N samples /proc/PID: VmRSS and VmHWM (status), Threads (task/) and open
# descriptors (fd/). Descriptors and threads come and go during a run (probe sockets, namespace
# files, layer threads), so a sample is taken between two runs: while the main thread waits for
# the next interval in rt_sigtimedwait (/proc/PID/syscall), before and after the counts are
# read. The interval must leave such moments: a run of the lab takes 0.3-0.7 s on the loaded
# 2-core machine, hence the default of 1 s (1,000 runs: about 17 minutes). What the descriptors
# of runs 10 and N are is printed by kind. Then SIGTERM; the exit status must be 0.
#
# Fails (exit 1) when, at the last sample against the one at run 10: there are more descriptors
# or more threads, or VmRSS (between runs) grew by more than --rss-growth (default 4096 kB: a
# lab run's own allocations are about 2 MB, glibc's arenas keep some of it); or when a run
# ended in an error (no report) or serve did not stop cleanly. Exit 2: bad usage or set-up.
#
#   usage: sudo bench/serve_soak.sh [--binary build/netdoctor] [--runs 1000] [--interval 1s]
#            [--timeout 500ms] [--rss-growth KB] [--port 19465] [--no-egress]
# The lab's lock is taken for the whole soak (tests/lab/lab lock --wait 1200); the lab is
# taken down on every exit.
set -euo pipefail
cd "$(dirname "$0")/.."
lab=tests/lab/lab
if [ -z "${NDLAB_LOCK_PID:-}" ]; then exec "$lab" lock --wait 1200 -- "$0" "$@"; fi

binary=build/netdoctor runs=1000 interval=1s timeout=500ms growth_kb=4096 port=19465
egress=(--egress http://example.test/ --egress http://203.0.113.10/)
usage() {
  echo "usage: $0 [--binary PATH] [--runs N] [--interval D] [--timeout D] [--rss-growth KB]" \
    "[--port N] [--no-egress]" >&2
  exit 2
}
while [ $# -gt 0 ]; do
  case $1 in
    --binary) binary=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --interval) interval=$2; shift 2 ;;
    --timeout) timeout=$2; shift 2 ;;
    --rss-growth) growth_kb=$2; shift 2 ;;
    --port) port=$2; shift 2 ;;
    --no-egress) egress=(); shift ;;
    *) usage ;;
  esac
done
[[ $runs =~ ^[0-9]+$ && $runs -ge 10 ]] || { echo "--runs must be at least 10" >&2; exit 2; }
[[ $growth_kb =~ ^[0-9]+$ ]] || usage
# shellcheck source=bench/lib.sh
. bench/lib.sh
bench_lab_start soak
log=$work/serve.log

metrics() {
  ip netns exec ndlab-node1 curl -s --max-time 5 "http://127.0.0.1:$port/metrics" || true
}
# Sum of netdoctor_runs_total over its results; one result's count with $2.
run_count() { # METRICS [RESULT]
  awk -v want="${2:-}" '/^netdoctor_runs_total[{ ]/ {
      if (want == "" || index($0, "result=\"" want "\"")) n += $NF
    } END { print n + 0 }' <<<"$1"
}

ip netns exec ndlab-node1 "$binary" serve --listen "127.0.0.1:$port" --interval "$interval" \
  --timeout "$timeout" --inventory "$inv" "${egress[@]}" 2>"$log" 9>&- &
pid=$! # `ip netns exec` execs: this is netdoctor's pid (without the lab lock's fd 9)
start=$(date +%s%N)

status_kb() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"; }
# What a descriptor is, without the inode numbers: "socket", "pipe", "anon_inode:[eventfd]",
# "/run/netns/ndlab-n1-web-1"...
# (A descriptor closed while find lists them makes it fail: what it listed is still the sample.)
fd_kinds() {
  { find "/proc/$pid/fd" -mindepth 1 -maxdepth 1 -printf '%l\n' 2>/dev/null || true; } |
    sed 's/:\[[0-9]*\]$//'
}
# The main thread waits for the next interval in rt_sigtimedwait: seen in /proc/PID/syscall, that
# is the process between runs.
case $(uname -m) in
  x86_64) idle_nr=128 ;;
  aarch64) idle_nr=137 ;;
  *) echo "unknown architecture $(uname -m): which syscall number is rt_sigtimedwait?" >&2; exit 2 ;;
esac
waiting() { [ "$(cut -d' ' -f1 "/proc/$pid/syscall" 2>/dev/null)" = "$idle_nr" ]; }
# One sample: descriptors and threads at an instant between runs (the main thread waiting for
# the next interval before and after they were read), VmRSS and VmHWM with them; the largest
# VmRSS seen while looking for that instant (up to 60 s) besides.
declare -A S_RUNS S_SECS S_RSS S_MAXRSS S_HWM S_THR S_FDS S_KINDS
sample() { # LABEL RUNS
  local end kinds fds thr rss maxr=0
  end=$(($(date +%s) + 60))
  while :; do
    rss=$(status_kb "$pid" VmRSS)
    ((rss > maxr)) && maxr=$rss
    if waiting; then
      thr=$(find "/proc/$pid/task" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l)
      kinds=$(fd_kinds)
      rss=$(status_kb "$pid" VmRSS)
      waiting && break
    fi
    [ "$(date +%s)" -lt "$end" ] || { echo "no moment between runs within 60 s at run $2 (runs longer than --interval?)" >&2; exit 1; }
    sleep 0.01
  done
  fds=$(grep -c . <<<"$kinds" || true)
  S_RUNS[$1]=$2
  S_SECS[$1]=$((($(date +%s%N) - start) / 1000000000))
  S_RSS[$1]=$rss S_MAXRSS[$1]=$maxr S_HWM[$1]=$(status_kb "$pid" VmHWM) S_THR[$1]=$thr S_FDS[$1]=$fds
  S_KINDS[$1]=$(sort <<<"$kinds" | uniq -c | awk '{ printf "%s%s x%d", sep, $2, $1; sep = ", " }')
}

marks=()
for m in 1 10 100 500 1000; do [ "$m" -lt "$runs" ] && marks+=("$m"); done
marks+=("$runs")
echo "netdoctor serve on ndlab-node1: --interval $interval --timeout $timeout" \
  "${egress[*]:-(no egress)}; $runs runs, samples at ${marks[*]}"
# A run of the lab takes about 0.3 s; allow 5 s per run before giving up.
limit=$(($(date +%s) + 60 + runs * 5))
for m in "${marks[@]}"; do
  while :; do
    kill -0 "$pid" 2>/dev/null || { echo "netdoctor serve exited early:" >&2; cat "$log" >&2; exit 1; }
    n=$(run_count "$(metrics)")
    [ "$n" -ge "$m" ] && break
    [ "$(date +%s)" -lt "$limit" ] || { echo "timed out at $n runs" >&2; cat "$log" >&2; exit 1; }
    sleep 0.05
  done
  [ "$(readlink "/proc/$pid/exe")" = "$binary" ] || { echo "pid $pid is not netdoctor" >&2; exit 2; }
  sample "$m" "$n"
done
final=$(metrics)
healthy=$(run_count "$final" healthy) faulty=$(run_count "$final" faulty) errors=$(run_count "$final" error)
kill -TERM "$pid"
rc=0
wait "$pid" || rc=$?
pid=

printf '\n| run | runs seen | elapsed s | VmRSS kB | largest VmRSS seen kB | VmHWM kB | threads | fds |\n|---|---|---|---|---|---|---|---|\n'
for m in "${marks[@]}"; do
  printf '| %s | %s | %s | %s | %s | %s | %s | %s |\n' "$m" "${S_RUNS[$m]}" "${S_SECS[$m]}" \
    "${S_RSS[$m]}" "${S_MAXRSS[$m]}" "${S_HWM[$m]}" "${S_THR[$m]}" "${S_FDS[$m]}"
done
echo
echo "runs: $healthy healthy, $faulty faulty, $errors error; serve exit status $rc after SIGTERM"
sed 's/^/  serve: /' "$log"

fail=0
last=$runs
if [ "${S_FDS[$last]}" -gt "${S_FDS[10]}" ]; then
  echo "FAIL: descriptors grew: ${S_FDS[10]} at run 10, ${S_FDS[$last]} at run $last"; fail=1
fi
for m in 10 "$last"; do echo "descriptors at run $m: ${S_KINDS[$m]}"; done
if [ "${S_THR[$last]}" -gt "${S_THR[10]}" ]; then
  echo "FAIL: threads grew: ${S_THR[10]} at run 10, ${S_THR[$last]} at run $last"; fail=1
fi
grown=$((S_RSS[$last] - S_RSS[10]))
if [ "$grown" -gt "$growth_kb" ]; then
  echo "FAIL: VmRSS grew by $grown kB from run 10 to run $last (bound $growth_kb kB)"; fail=1
fi
[ "$errors" -eq 0 ] || { echo "FAIL: $errors runs ended in an error"; fail=1; }
[ "$rc" -eq 0 ] || { echo "FAIL: serve exited with $rc after SIGTERM"; fail=1; }
if [ "$fail" -eq 0 ]; then
  echo "ok: fds ${S_FDS[10]} -> ${S_FDS[$last]}, threads ${S_THR[10]} -> ${S_THR[$last]}," \
    "VmRSS ${S_RSS[10]} -> ${S_RSS[$last]} kB (growth $grown kB, bound $growth_kb kB)"
fi
exit "$fail"
