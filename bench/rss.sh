#!/usr/bin/env bash
# Memory of a full diagnosis: peak RSS of `netdoctor diagnose` (every pod of the lab's node1,
# every layer, two egress URLs, the lab's inventory) on the healthy lab and on the same node
# with a 10,000-Service kube-proxy rule set added; then `netdoctor serve` on that node for
# several runs (peak and steady RSS), against the DaemonSet's memory limit (128 MiB).
#
# Peak RSS of a command is /usr/bin/time's "maximum resident set size" (getrusage's ru_maxrss of
# the child: `ip netns exec` execs netdoctor, so it is netdoctor's). For serve: VmHWM at the end
# (the peak) and VmRSS and RssAnon between runs (steady: after each run's counter moved, at the
# first moment the main thread waits for the next interval in rt_sigtimedwait, per
# /proc/PID/syscall; a run on that node takes 2-3 s on the loaded VM, hence the 5 s interval).
#
# The 10,000 Services come from bench/gen_rules.awk (kube-proxy's layout, 3 endpoints each:
# 110,011 rules, 40,013 chains), their ClusterIPs moved from 10.96.0.0/16 to 10.104.0.0/16 (the
# generator's first ones would be the lab's 10.96.0.1 and 10.96.0.10), merged into node1's own
# rules (iptables-legacy-save of the lab: the generated Services' jumps go into the lab's
# KUBE-SERVICES before its last, nodeports, rule) and loaded with iptables-legacy-restore into
# ndlab-node1. The lab's Services keep working; the generated ones have no pods.
#
#   usage: sudo bench/rss.sh [--binary build/netdoctor] [--runs 3] [--services 10000]
#            [--endpoints 3] [--serve-runs 20] [--serve-interval 5s] [--timeout 1s]
#            [--heaptrack FILE]     (also record one diagnosis of the large node with heaptrack
#                                    into FILE.zst and print its largest peak consumers)
# Holds the lab's lock (tests/lab/lab lock --wait 1200), brings the lab up and always down.
# Exit 0 when every measurement ran; 1 when the serve peak on the large node exceeds
# --limit-kb (default 131072 = the DaemonSet's 128Mi); 2 on bad usage or set-up failure.
set -euo pipefail
cd "$(dirname "$0")/.."
lab=tests/lab/lab
if [ -z "${NDLAB_LOCK_PID:-}" ]; then exec "$lab" lock --wait 1200 -- "$0" "$@"; fi

binary=build/netdoctor runs=3 services=10000 endpoints=3 serve_runs=20 serve_interval=5s
timeout=1s limit_kb=131072 port=19466 heaptrack=
usage() {
  echo "usage: $0 [--binary PATH] [--runs N] [--services N] [--endpoints N] [--serve-runs N]" \
    "[--serve-interval D] [--timeout D] [--limit-kb KB] [--heaptrack FILE]" >&2
  exit 2
}
while [ $# -gt 0 ]; do
  case $1 in
    --binary) binary=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --services) services=$2; shift 2 ;;
    --endpoints) endpoints=$2; shift 2 ;;
    --serve-runs) serve_runs=$2; shift 2 ;;
    --serve-interval) serve_interval=$2; shift 2 ;;
    --timeout) timeout=$2; shift 2 ;;
    --limit-kb) limit_kb=$2; shift 2 ;;
    --heaptrack) heaptrack=$2; shift 2 ;;
    *) usage ;;
  esac
done
# shellcheck source=bench/lib.sh
. bench/lib.sh
bench_lab_start rss
out=$work/out.json
node() { ip netns exec ndlab-node1 "$@"; }
egress=(--egress http://example.test/ --egress http://203.0.113.10/)
median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : int((v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }

# RUNS runs of a netdoctor command in node1: median and largest peak RSS, median wall time,
# what the last one said.
ROWS=()
measure() { # LABEL ARGS...
  local label=$1 rss=() wall=() rc said t
  shift
  for _ in $(seq "$runs"); do
    rc=0
    /usr/bin/time -f '%M %e' -o "$work/time" ip netns exec ndlab-node1 "$binary" "$@" \
      >"$out" 2>"$work/err" || rc=$?
    read -r t w <"$work/time" || { echo "no /usr/bin/time output: $(cat "$work/err")" >&2; exit 2; }
    rss+=("$t") wall+=("$(awk -v s="$w" 'BEGIN { printf "%d", s * 1000 }')")
  done
  if [ "$1" = diagnose ]; then
    said=$(jq -r --arg rc "$rc" '"exit \($rc), \(.sources | length) pods, \([.layers[].checks[]] | length) checks, \([.layers[].checks[] | select(.status == "fail")] | length) failed, root cause \(.root_cause.code // "none")"' "$out")
  else
    said="exit $rc, $(grep -c '"address":' "$out" || true) endpoints listed"
  fi
  ROWS+=("| $label | \`netdoctor $*\` | $(printf '%s\n' "${rss[@]}" | median) | $(printf '%s\n' "${rss[@]}" | sort -n | tail -1) | $(printf '%s\n' "${wall[@]}" | median) | $said |")
  echo "$label: peak RSS ${rss[*]} kB; wall ${wall[*]} ms; $said"
}

diag=(diagnose -o json --timeout "$timeout" --inventory "$inv" "${egress[@]}")
measure "healthy lab, node1 ($(node iptables-legacy-save | grep -c '^-A') rules)" "${diag[@]}"

# The large rule set, merged into node1's.
awk -v services="$services" -v endpoints="$endpoints" -f bench/gen_rules.awk |
  sed 's/-d 10\.96\./-d 10.104./' >"$work/generated"
node iptables-legacy-save >"$work/lab"
awk -v gen="$work/generated" '
  BEGIN {
    while ((getline line < gen) > 0) {
      if (line ~ /^:KUBE-(SVC|SEP)-/) decl[++nd] = line
      else if (line ~ /^-A KUBE-SERVICES / && line !~ /nodeports/) svc[++ns] = line
      else if (line ~ /^-A KUBE-(SVC|SEP)-/) rest[++nr] = line
    }
  }
  /^\*/ { table = substr($0, 2); started = 0 }
  table == "nat" && /^-A/ && !started { for (i = 1; i <= nd; i++) print decl[i]; started = 1 }
  table == "nat" && /^-A KUBE-SERVICES .*nodeports/ { for (i = 1; i <= ns; i++) print svc[i] }
  table == "nat" && /^COMMIT/ { for (i = 1; i <= nr; i++) print rest[i] }
  { print }
' "$work/lab" >"$work/merged"
t0=$(date +%s%N)
node iptables-legacy-restore <"$work/merged"
total=$(node iptables-legacy-save | grep -c '^-A')
echo "loaded $services Services x $endpoints endpoints into ndlab-node1 in" \
  "$((($(date +%s%N) - t0) / 1000000)) ms: $total rules in the node"
[ "$total" -ge $((services * (2 + 3 * endpoints))) ] || { echo "rule set not loaded" >&2; exit 2; }

measure "node1 + $services Services ($total rules)" "${diag[@]}"
measure "node1 + $services Services ($total rules)" services -o json
if [ -n "$heaptrack" ]; then
  ip netns exec ndlab-node1 heaptrack -o "$heaptrack" "$binary" "${diag[@]}" >/dev/null 2>"$work/ht" || true
  heaptrack_print -f "$heaptrack.zst" --print-peaks 1 --print-allocators 0 --print-temporary 0 \
    --print-leaks 0 --peak-limit 12 2>/dev/null |
    awk '/peak memory consumed/ { print; n = 0; next } /^ +at \/.*\/(rules|probes|cli|core|netns|inventory|report)\// && n < 3 { print; n++ }'
  heaptrack_print -f "$heaptrack.zst" 2>/dev/null | grep -E '^peak heap memory|^peak RSS'
fi

# serve on the large node: VmRSS after each run (steady), VmHWM at the end (peak).
case $(uname -m) in
  x86_64) idle_nr=128 ;; # rt_sigtimedwait
  aarch64) idle_nr=137 ;;
  *) echo "unknown architecture $(uname -m)" >&2; exit 2 ;;
esac
status_kb() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"; }
run_count() {
  node curl -s --max-time 5 "http://127.0.0.1:$port/metrics" |
    awk '/^netdoctor_runs_total[{ ]/ { n += $NF } END { print n + 0 }'
}
ip netns exec ndlab-node1 "$binary" serve --listen "127.0.0.1:$port" --interval "$serve_interval" \
  --timeout "$timeout" \
  --inventory "$inv" "${egress[@]}" 2>"$work/serve.log" 9>&- &
pid=$!
steady=() anon=() peak_seen=0 anon_seen=0 deadline=$(($(date +%s) + 60 + serve_runs * 30))
for ((k = 1; k <= serve_runs; k++)); do
  while [ "$(run_count)" -lt "$k" ]; do
    kill -0 "$pid" 2>/dev/null || { echo "serve exited:" >&2; cat "$work/serve.log" >&2; exit 2; }
    [ "$(date +%s)" -lt "$deadline" ] || { echo "serve: timed out" >&2; exit 2; }
    r=$(status_kb "$pid" VmRSS) a=$(status_kb "$pid" RssAnon)
    ((r > peak_seen)) && peak_seen=$r
    ((a > anon_seen)) && anon_seen=$a
    sleep 0.05
  done
  # Between runs: the main thread waits for the next interval in rt_sigtimedwait.
  low=0 alow=0 end=$(($(date +%s) + 60))
  while [ "$(date +%s)" -lt "$end" ]; do
    r=$(status_kb "$pid" VmRSS) a=$(status_kb "$pid" RssAnon)
    ((r > peak_seen)) && peak_seen=$r
    ((a > anon_seen)) && anon_seen=$a
    if [ "$(cut -d' ' -f1 "/proc/$pid/syscall")" = "$idle_nr" ]; then
      low=$r alow=$a
      break
    fi
    sleep 0.01
  done
  steady+=("$low") anon+=("$alow")
done
hwm=$(status_kb "$pid" VmHWM)
kill -TERM "$pid"
rc=0
wait "$pid" || rc=$?
pid=
echo "serve on node1 + $services Services: $serve_runs runs; VmRSS after each run (kB): ${steady[*]}"
echo "  RssAnon after each run (kB): ${anon[*]}"
echo "  VmHWM $hwm kB, largest VmRSS seen $peak_seen kB (RssAnon $anon_seen kB); exit status $rc after SIGTERM"
sed 's/^/  serve: /' "$work/serve.log"

printf '\n| node | command | peak RSS median (kB) | peak RSS max (kB) | wall median (ms) | result (last run) |\n|---|---|---|---|---|---|\n'
printf '%s\n' "${ROWS[@]}"
sorted=$(printf '%s\n' "${steady[@]}" | sort -n)
printf '| node1 + %s Services | `netdoctor serve --interval %s`, %s runs | VmHWM %s | largest VmRSS %s (RssAnon %s) | – | steady VmRSS between runs: median %s, min %s, max %s kB (RssAnon median %s) |\n' \
  "$services" "$serve_interval" "$serve_runs" "$hwm" "$peak_seen" "$anon_seen" \
  "$(median <<<"$sorted")" "$(head -1 <<<"$sorted")" "$(tail -1 <<<"$sorted")" \
  "$(printf '%s\n' "${anon[@]}" | median)"
if [ "$hwm" -gt "$limit_kb" ]; then
  echo "serve's peak ($hwm kB) is above the limit ($limit_kb kB)"
  exit 1
fi
echo "serve's peak ($hwm kB) is within the limit ($limit_kb kB)"
