#!/usr/bin/env bash
# The lab leaves the host as it found it (issue 21): after `lab up; lab down` the host's kernel
# modules (the names in /proc/modules) and sysctls (`sysctl -a` in the network namespace the lab
# is run from: the host's) are as before, but for the documented exceptions below, and the
# host's network links too. Two rounds when the kernel has loadable modules and br_netfilter is
# loadable but not loaded:
#   1. as found: the lab loads br_netfilter and its `down` must unload it;
#   2. with br_netfilter loaded by this test first: the lab must leave it loaded.
# When br_netfilter is loaded already (by someone else), round 1 is the second case and round 2
# is skipped (this test never unloads a module it did not load). On a kernel without loadable
# modules (no /proc/modules) the module list is empty and only the sysctls and links say
# something. Needs root; exits 77 (skipped) otherwise. Holds the lab's lock for its whole run;
# takes down a lab left up (as lab_test.sh does). Prints "N passed, M failed" last.
set -uo pipefail

LAB_DIR=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)
LAB=$LAB_DIR/lab

if [ "$(id -u)" -ne 0 ]; then
  echo "lab_host: skipped: needs root (namespaces, modules, sysctls)"
  exit 77
fi
if [ -z "${NDLAB_LOCK_PID:-}" ]; then exec "$LAB" lock --wait 1200 -- "$0" "$@"; fi

# Sysctls that change by themselves, whoever runs: counters and values the kernel sets (not
# settings), left out of the comparison. Extended regular expressions on the key.
VOLATILE_SYSCTLS=(
  '^fs\.(dentry-state|file-nr|inode-nr|inode-state|aio-nr)$' # open files, cached dentries/inodes, aio contexts
  '^fs\.quota\.'                                             # quota statistics
  '^kernel\.random\.'                                        # entropy_avail, uuid (new on every read)
  '^kernel\.ns_last_pid$'                                    # the last pid handed out
  '^kernel\.pty\.nr$'                                        # open pseudo-terminals
  '^kernel\.perf_event_max_sample_rate$'                     # lowered by the kernel when perf interrupts run long
  '^kernel\.(tainted|warn_count|oops_count)$'                # set by any WARN or oops on the machine
  '^net\.netfilter\.nf_conntrack_count$'                     # tracked connections
)
VOLATILE_RE=$(IFS='|' && echo "${VOLATILE_SYSCTLS[*]}")

# Modules the kernel loads by itself (request_module) for what the lab does, as it would for
# any container runtime: links (veth; bridge and its stp, llc; vxlan and its udp tunnels),
# iptables tables, matches and targets, nftables expressions (also the bridge family's),
# conntrack and its netlink flush, the socket diagnostics `ss` asks for, packet sockets. They
# may appear, and stay. br_netfilter is not one of them: the lab loads it itself (modprobe) and
# must unload it. The kernel would load it for `iptables -m physdev`, which the lab never uses.
AUTOLOADED=(veth bridge stp llc vxlan udp_tunnel ip6_udp_tunnel x_tables ip_tables ip6_tables
  'iptable_*' 'ip6table_*' 'ipt_*' 'ip6t_*' 'xt_*' 'nf_*' 'nft_*' 'nfnetlink*' libcrc32c 'crc32c*'
  '*_diag' af_packet)

PASSED=0
FAILED=0
pass() {
  PASSED=$((PASSED + 1))
  printf 'ok    %s\n' "$1"
}
fail() {
  FAILED=$((FAILED + 1))
  printf 'FAIL  %s\n' "$1"
}
check() { # DESCRIPTION CMD... : passes when CMD succeeds; shows its output when it fails
  local desc=$1 out
  shift
  if out=$("$@" 2>&1); then
    pass "$desc"
  else
    fail "$desc"
    [ -z "$out" ] || printf '%s\n' "$out" | tail -n 5 | sed 's/^/      | /'
  fi
}

WORK=$(mktemp -d /tmp/nd-lab-host.XXXXXX)
TEST_LOADED=0 # 1 when this test loaded br_netfilter (round 2): it unloads it at the end
cleanup() {
  "$LAB" down >/dev/null 2>&1 || true
  if [ "$TEST_LOADED" = 1 ] && [ -e /sys/module/br_netfilter/refcnt ] &&
    [ "$(cat /sys/module/br_netfilter/refcnt)" = 0 ]; then
    rmmod br_netfilter 2>/dev/null || echo "lab_host: could not unload br_netfilter, which this test loaded" >&2
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM

modules_supported() { [ -r /proc/modules ]; }
module_loaded() { [ -e "/sys/module/$1/refcnt" ]; }

snapshot() { # DIR : modules, sysctls (key TAB value, the volatile ones left out), links
  mkdir -p "$1"
  if modules_supported; then awk '{print $1}' /proc/modules | sort; fi >"$1/modules"
  sysctl -a 2>/dev/null | sed -n 's/^\([^ ]*\) = /\1\t/p' | awk -F '\t' -v re="$VOLATILE_RE" '$1 !~ re' |
    sort >"$1/sysctls"
  (cd /sys/class/net && printf '%s\n' *) | sort >"$1/links"
}

autoloaded() { # MODULE
  local p
  for p in "${AUTOLOADED[@]}"; do
    # shellcheck disable=SC2053 # a glob pattern on purpose
    [[ $1 == $p ]] && return 0
  done
  return 1
}

# Prints each difference between two snapshots that is not allowed, one a line; fails if any.
compare() { # BEFORE AFTER
  local before=$1 after=$2 m k v bad=0 new_nf=0 new_nflog=0
  local -A b=() a=() links=()
  # Modules: none may be gone; a new one must be one the kernel loads by itself.
  while read -r m; do
    echo "module $m was loaded before and is not now"
    bad=1
  done < <(comm -23 "$before/modules" "$after/modules")
  while read -r m; do
    if [ "$m" = br_netfilter ] || ! autoloaded "$m"; then
      echo "module $m is loaded now and was not before"
      bad=1
    else
      echo "(module $m was loaded by the kernel for the lab: allowed)" >&2
      case $m in nf_log*) new_nflog=1 ;; esac
      case $m in nf_conntrack*) new_nf=1 ;; esac
    fi
  done < <(comm -13 "$before/modules" "$after/modules")
  # Links of the host: as before. Sysctls of a link are compared when it is there before and after.
  while read -r m; do
    echo "link $m of the host was there before and is not now"
    bad=1
  done < <(comm -23 "$before/links" "$after/links")
  while read -r m; do
    echo "link $m is in the host now and was not before"
    bad=1
  done < <(comm -13 "$before/links" "$after/links")
  while read -r m; do links[${m//./\/}]=1; done < <(comm -12 "$before/links" "$after/links")
  links[all]=1 links[default]=1
  while IFS=$'\t' read -r k v; do b[$k]=$v; done <"$before/sysctls"
  while IFS=$'\t' read -r k v; do a[$k]=$v; done <"$after/sysctls"
  for k in "${!b[@]}"; do
    if [[ $k =~ ^net\.(ipv4|ipv6|mpls)\.(conf|neigh)\.([^.]+)\. ]] && [ -z "${links[${BASH_REMATCH[3]}]:-}" ]; then
      continue
    fi
    if [ -z "${a[$k]+set}" ]; then
      echo "sysctl $k (${b[$k]}) is gone"
      bad=1
    elif [ "${a[$k]}" != "${b[$k]}" ]; then
      # A logger module registers itself as its family's logger where none was set.
      [[ $new_nflog = 1 && $k == net.netfilter.nf_log.* && ${b[$k]} == NONE ]] && continue
      echo "sysctl $k changed: '${b[$k]}' before, '${a[$k]}' now"
      bad=1
    fi
  done
  for k in "${!a[@]}"; do
    [ -n "${b[$k]+set}" ] && continue
    if [[ $k =~ ^net\.(ipv4|ipv6|mpls)\.(conf|neigh)\.([^.]+)\. ]] && [ -z "${links[${BASH_REMATCH[3]}]:-}" ]; then
      continue
    fi
    # The sysctls of a netfilter module the kernel loaded for the lab (conntrack's, loggers).
    [[ $new_nf = 1 || $new_nflog = 1 ]] && [[ $k == net.netfilter.* || $k == net.nf_conntrack_max ]] && continue
    echo "sysctl $k (${a[$k]}) is new"
    bad=1
  done
  [ "$bad" = 0 ]
}

# One `lab up; lab down` between two snapshots. EXPECT_RECORD: whether up must record that it
# loaded br_netfilter (yes, no, or any when modules are not supported).
round() { # NAME EXPECT_RECORD
  local name=$1 expect=$2 recorded=no
  snapshot "$WORK/$name.before"
  check "$name: lab up" "$LAB" up
  if grep -qsx br_netfilter /run/netdoctor-lab/host-modules; then recorded=yes; fi
  if [ "$expect" != any ]; then
    check "$name: up recorded that it loaded br_netfilter: $recorded (expected $expect)" test "$recorded" = "$expect"
  fi
  check "$name: lab down" "$LAB" down
  snapshot "$WORK/$name.after"
  check "$name: the host's modules, sysctls and links are as before" compare "$WORK/$name.before" "$WORK/$name.after"
  echo "$name: $(wc -l <"$WORK/$name.before/modules") modules, $(wc -l <"$WORK/$name.before/sysctls") sysctls compared (${#VOLATILE_SYSCTLS[@]} volatile patterns left out), $(wc -l <"$WORK/$name.before/links") links"
}

# A lab left over from before is not part of the machine as the test found it.
"$LAB" down >/dev/null 2>&1

if ! modules_supported; then
  echo "== the kernel has no loadable modules (no /proc/modules): sysctls and links only"
  round "no modules" any
elif [ -d /proc/sys/net/bridge ]; then
  # Loaded by someone else, or built in: the lab must load nothing and unload nothing.
  echo "== bridge netfilter present before the lab ($(module_loaded br_netfilter && echo 'br_netfilter loaded' || echo 'built in'))"
  round "br_netfilter present" no
  echo "(the case 'br_netfilter not loaded' is not tried: this test unloads no module it did not load)"
else
  echo "== br_netfilter not loaded: the lab loads it and unloads it"
  round "br_netfilter absent" yes
  echo "== br_netfilter loaded before the lab (by this test): the lab leaves it"
  if modprobe br_netfilter 2>/dev/null && module_loaded br_netfilter; then
    TEST_LOADED=1
    round "br_netfilter present" no
    check "br_netfilter is still loaded after the lab's down" module_loaded br_netfilter
    if [ "$(cat /sys/module/br_netfilter/refcnt)" = 0 ] && rmmod br_netfilter; then TEST_LOADED=0; fi
    check "this test unloaded the br_netfilter it loaded" test "$TEST_LOADED" = 0
  else
    fail "modprobe br_netfilter (to try the lab with it loaded)"
  fi
fi

echo "$PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
