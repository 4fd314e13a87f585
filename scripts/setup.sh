#!/usr/bin/env bash
# Installs the Debian 12 packages netdoctor needs to build, test and run its lab.
# Idempotent: when everything is present it prints one line and touches nothing.
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
  # the lab and the tools its tests prove faults with
  iproute2 iptables nftables containernetworking-plugins dnsmasq-base nginx-light openssl
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
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# Debian starts nginx when the package is installed; the lab runs its own instances.
if command -v systemctl >/dev/null 2>&1; then systemctl disable --now nginx >/dev/null 2>&1 || true; fi
pkill -x nginx 2>/dev/null || true
echo "setup: done"
