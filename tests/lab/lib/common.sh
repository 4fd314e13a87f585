# shellcheck shell=bash
# Constants, logging, state and namespace helpers shared by every part of the lab.
# Sourced by tests/lab/lab; nothing here runs on its own.

LAB_PREFIX=ndlab
LAB_STATE=/run/netdoctor-lab
LAB_LOCK_FILE=/run/netdoctor-lab.lock
# The lock is always held on descriptor 9; daemons are started with it closed (spawn) so that
# a server started by `lab up` never keeps the lock alive after its caller exits.
CNI_BIN_DIR=${NDLAB_CNI_PATH:-/usr/lib/cni}

CLUSTER_CIDR=10.244.0.0/16
SERVICE_CIDR=10.96.0.0/12
CLUSTER_DOMAIN=cluster.local
UNDERLAY_PREFIX=172.30.0            # /24: router .1, control plane .2, node N .(10+N)
ROUTER_UNDERLAY_IP=172.30.0.1
APISERVER_IP=172.30.0.2
APISERVER_PORT=6443
INET_PREFIX=203.0.113               # /24: router .1, internet host .10
ROUTER_INET_IP=203.0.113.1
INET_IP=203.0.113.10
INET_DOMAIN=example.test
KUBE_DNS_IP=10.96.0.10
VXLAN_VNI=1
VXLAN_PORT=8472
UNDERLAY_MTU=1500
VXLAN_OVERHEAD=50

NS_UNDERLAY=$LAB_PREFIX-underlay
NS_ROUTER=$LAB_PREFIX-router
NS_CP=$LAB_PREFIX-cp
NS_INET=$LAB_PREFIX-inet

# ---------------------------------------------------------------------------------------------
# Logging

log() { printf 'lab: %s\n' "$*" >&2; }
die() {
  printf 'lab: error: %s\n' "$*" >&2
  exit 1
}
# Verbose step log, shown with NDLAB_VERBOSE=1.
vlog() { if [ "${NDLAB_VERBOSE:-0}" = 1 ]; then printf 'lab: + %s\n' "$*" >&2; fi; }

# Runs one step, timing it with NDLAB_VERBOSE=1.
step() {
  if [ "${NDLAB_VERBOSE:-0}" != 1 ]; then
    "$@"
    return
  fi
  local t0=$EPOCHREALTIME
  "$@"
  vlog "$* took $(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f s", b - a }')"
}

# Prints its standard input (a here-document) without forking `cat`.
emit() {
  local _x
  IFS= read -r -d '' _x || true
  printf '%s' "$_x"
}

# Runs a command, discarding its output unless it fails, in which case the output is shown.
quiet() {
  local out
  if ! out=$("$@" 2>&1); then
    printf 'lab: command failed: %s\n%s\n' "$*" "$out" >&2
    return 1
  fi
}

require_root() {
  [ "$(id -u)" -eq 0 ] || die "must run as root (needs CAP_SYS_ADMIN and CAP_NET_ADMIN to build namespaces)"
}

# ---------------------------------------------------------------------------------------------
# State: small key=value files under $LAB_STATE.

state_set() { # KEY VALUE
  mkdir -p "$LAB_STATE"
  printf '%s\n' "$2" >"$LAB_STATE/$1.tmp" && mv -f "$LAB_STATE/$1.tmp" "$LAB_STATE/$1"
}
state_get() { # KEY [DEFAULT]
  if [ -f "$LAB_STATE/$1" ]; then cat "$LAB_STATE/$1"; else printf '%s\n' "${2-}"; fi
}
lab_is_up() { [ -f "$LAB_STATE/complete" ]; }
require_up() { lab_is_up || die "the lab is not up (run: tests/lab/lab up)"; }

# The lab's options, loaded once per command (lab_load) so hot paths need no forks.
lab_load() {
  NODE_COUNT=2 BACKEND=vxlan IPT_MODE=legacy CREATED_ISO=2026-01-01T00:00:00Z CREATED_EPOCH=0
  PODS_PER_NODE=0
  slurp NODE_COUNT "$LAB_STATE/node-count" || true
  slurp PODS_PER_NODE "$LAB_STATE/pods-per-node" || true
  slurp BACKEND "$LAB_STATE/backend" || true
  slurp IPT_MODE "$LAB_STATE/iptables" || true
  slurp CREATED_ISO "$LAB_STATE/created_iso" || true
  slurp CREATED_EPOCH "$LAB_STATE/created_epoch" || true
}
node_count() { echo "$NODE_COUNT"; }
backend() { echo "$BACKEND"; }
iptables_mode() { echo "$IPT_MODE"; }
pods_per_node() { echo "$PODS_PER_NODE"; }

# Reads a one-line file into a variable without a fork; fails when the file is missing.
slurp() { # VAR FILE
  [ -f "$2" ] || return 1
  IFS= read -r "$1" <"$2" || true
}

# ---------------------------------------------------------------------------------------------
# Names and addresses

node_ns() { printf '%s-node%s\n' "$LAB_PREFIX" "$1"; } # N -> ndlab-nodeN
node_name() { printf 'node%s\n' "$1"; }                # N -> nodeN (the Kubernetes node name)
node_ip() { printf '%s.%s\n' "$UNDERLAY_PREFIX" "$((10 + $1))"; }
node_pod_cidr() { printf '10.244.%s.0/24\n' "$1"; }
# A fixed, locally administered MAC per node keeps recorded fixtures stable across runs.
node_vtep_mac() { printf '0e:6e:64:00:00:%02x\n' "$1"; }
pod_mtu() {
  if [ "$BACKEND" = vxlan ]; then echo $((UNDERLAY_MTU - VXLAN_OVERHEAD)); else echo "$UNDERLAY_MTU"; fi
}

# iptables-restore of the chosen backend (legacy or nft), always run inside a node namespace.
ipt_restore() { # NODE < rules
  nsenter --net="/run/netns/$LAB_PREFIX-node$1" "iptables-$IPT_MODE-restore" -w 5
}

# Stable pseudo-random identifiers from a string (FNV-1a 64, no forks): uids, container ids,
# name suffixes are the same on every `up`, so recorded fixtures stay valid.
fnv64() { # VAR STRING (FNV-1a, then murmur3's fmix64 so that similar strings differ everywhere)
  local s=$2 h=-3750763034362895579 i c
  for ((i = 0; i < ${#s}; i++)); do
    printf -v c '%d' "'${s:i:1}"
    h=$(((h ^ c) * 1099511628211))
  done
  h=$(((h ^ ((h >> 33) & 0x7fffffff)) * -49064778989728563))
  h=$(((h ^ ((h >> 33) & 0x7fffffff)) * -4265267296055464877))
  h=$((h ^ ((h >> 33) & 0x7fffffff)))
  printf -v "$1" '%016x' "$h"
}
hash_hex() { # VAR STRING [LEN=64]
  local out="" part k=0 len=${3:-64}
  while [ ${#out} -lt "$len" ]; do
    fnv64 part "$k:$2"
    out+=$part
    k=$((k + 1))
  done
  printf -v "$1" '%s' "${out:0:len}"
}
uuid_of() { # VAR STRING
  local h
  hash_hex h "$2" 32
  printf -v "$1" '%s-%s-4%s-a%s-%s' "${h:0:8}" "${h:8:4}" "${h:13:3}" "${h:17:3}" "${h:20:12}"
}

# ---------------------------------------------------------------------------------------------
# Namespaces

ns_exists() { [ -e "/var/run/netns/$1" ]; }
ns_add() { ns_exists "$1" || ip netns add "$1"; }
nsx() { # NS CMD... : run a command inside a lab network namespace
  local ns=$1
  shift
  ip netns exec "$ns" "$@"
}
lab_namespaces() { ip netns list 2>/dev/null | awk '{print $1}' | grep "^$LAB_PREFIX-" || true; }

# Starts a long-lived daemon detached from the caller: own session, no inherited lock, output
# to LOGFILE. The command must write its own pid file (daemons are exec'd from sh -c).
spawn() { # LOGFILE CMD...
  local logf=$1
  shift
  setsid "$@" </dev/null >>"$logf" 2>&1 9>&- &
}

# Sleeps without a fork: a read with a timeout on a pipe that never delivers.
nap() { # SECONDS
  if [ -z "${NAP_FD:-}" ]; then exec {NAP_FD}<> <(:); fi
  read -r -t "$1" -u "$NAP_FD" _ || true
}

# Waits until FILE exists and holds a live pid; prints the pid.
wait_pidfile() { # FILE [TRIES of 20ms]
  local f=$1 tries=${2:-150} pid
  while [ "$tries" -gt 0 ]; do
    if slurp pid "$f" && [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
      echo "$pid"
      return 0
    fi
    nap 0.02
    tries=$((tries - 1))
  done
  return 1
}

# Background jobs of `lab up` record themselves, so that a `down` after a killed `up` can end
# the ones that outlived it; and they stop by themselves when the `up` that started them died.
job_register() {
  mkdir -p "$LAB_STATE/jobs"
  : >"$LAB_STATE/jobs/$BASHPID"
}
parent_alive_or_exit() { pid_alive "$$" || exit 1; }

# A zombie (dead, not yet reaped by its parent) counts as gone: it holds no namespace or port.
pid_alive() {
  [ -n "${1:-}" ] && kill -0 "$1" 2>/dev/null || return 1
  local stat
  { read -r stat <"/proc/$1/stat"; } 2>/dev/null || return 1 # (no fork: converge checks every pod)
  stat=${stat##*) }
  [ "${stat%% *}" != Z ]
}
pidfile_alive() { # FILE
  local p
  slurp p "$1" && pid_alive "$p"
}

kill_pid() { # PID : stops a process, waits up to 1 s, then kills it
  local pid=$1 i
  if pid_alive "$pid"; then
    kill "$pid" 2>/dev/null || true
    for ((i = 0; i < 50; i++)); do
      pid_alive "$pid" || break
      nap 0.02
    done
    pid_alive "$pid" && kill -9 "$pid" 2>/dev/null || true
  fi
  return 0
}

kill_pidfile() { # FILE : stops the process named by a pid file, waits up to 1 s
  local f=$1 pid
  slurp pid "$f" || return 0
  kill_pid "$pid"
  rm -f "$f"
}

# Waits until a TCP or UDP port listens inside a namespace.
wait_listen() { # NS PROTO(t|u) PORT [TRIES of 20ms]
  local ns=$1 proto=$2 port=$3 tries=${4:-150}
  while [ "$tries" -gt 0 ]; do
    if [ -n "$(nsenter --net="/run/netns/$ns" ss -H -ln"$proto" "sport = :$port" 2>/dev/null)" ]; then return 0; fi
    nap 0.02
    tries=$((tries - 1))
  done
  return 1
}
