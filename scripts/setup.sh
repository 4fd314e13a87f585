#!/usr/bin/env bash
# Installs the Debian 12 packages netdoctor needs to build, test and run its lab.
# Idempotent: when everything is present it prints one line and touches nothing.
#
# It installs packages and nothing else: it never starts, stops, restarts, reloads or
# reconfigures a service. Debian starts a package's service when the package is installed
# (nginx would listen on the host's :80); around its own `apt-get install` this script puts a
# temporary /usr/sbin/policy-rc.d that exits 101, Debian's standard way to tell the
# maintainer scripts (invoke-rc.d, deb-systemd-invoke) not to start, stop or reload anything.
# It is created only when there is none (container images usually have one, which is then used
# as it is) and removed as soon as the install ends, also when it fails or is interrupted. An
# nginx that runs already, the user's, is left alone: the lab runs its own nginx instances in
# its own network namespaces and needs nothing of the host's :80.
set -euo pipefail

PACKAGES=(
  # build
  build-essential cmake pkg-config clang-14 clang-format libclang-rt-14-dev
  # libraries
  libnl-3-dev libnl-route-3-dev libnl-genl-3-dev libc-ares-dev
  libpcap-dev libcli11-dev libgtest-dev libgmock-dev nlohmann-json3-dev libexpected-dev
  libcurl4-openssl-dev libssl-dev libnftables-dev
  libyaml-cpp-dev      # kubeconfig files (inventory/kubeconfig.cpp)
  libmicrohttpd-dev    # the HTTP server of `netdoctor serve` (cli/http_server.cpp)
  # the lab and the tools its tests prove faults with. nginx, not nginx-light: on Debian 12
  # nginx-light is only nginx plus libnginx-mod-http-echo, a module the lab does not use and
  # that would be enabled in the configuration of a host nginx (/etc/nginx/modules-enabled).
  iproute2 iptables nftables containernetworking-plugins dnsmasq-base nginx openssl
  curl dnsutils iputils-ping procps util-linux graphviz kmod conntrack
  # the deployment tests: manifests (python3-yaml), the kubectl plugin (shellcheck)
  python3-yaml shellcheck
  # report schema validation; the by-hand baseline of bench/e2e_bench.sh
  python3-jsonschema jq tcpdump
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#PACKAGES[@]} packages present"
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "setup: missing packages (${missing[*]}); run as root to install them" >&2
  exit 1
fi

echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq

POLICY_RC=/usr/sbin/policy-rc.d
POLICY_MARK="written by netdoctor's scripts/setup.sh for the length of its apt-get install"
policy_ours=0
# Removes the policy-rc.d this script wrote, only if it is still the one it wrote.
policy_remove() {
  if [ "$policy_ours" = 1 ] && grep -qF "$POLICY_MARK" "$POLICY_RC" 2>/dev/null; then
    rm -f "$POLICY_RC"
  fi
  policy_ours=0
}
if [ ! -e "$POLICY_RC" ] && [ ! -L "$POLICY_RC" ]; then
  trap policy_remove EXIT
  trap 'exit 129' HUP
  trap 'exit 130' INT
  trap 'exit 143' TERM
  # noclobber: the file is created only if it still does not exist (O_EXCL).
  if (set -C && printf '#!/bin/sh\n# %s\nexit 101\n' "$POLICY_MARK" >"$POLICY_RC") 2>/dev/null; then
    policy_ours=1
    chmod 0755 "$POLICY_RC"
  fi
fi
# NEEDRESTART_SUSPEND: needrestart, where installed, would restart services whose libraries
# the install upgraded; it skips its apt hook when this is set.
NEEDRESTART_SUSPEND=1 apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
policy_remove
echo "setup: done"
