#!/usr/bin/env bash
# Builds the image's runtime root filesystem without Docker and runs netdoctor in it: a Debian 12
# minbase tree (what debian:12-slim is made from) with the packages of images/runtime-packages.txt,
# the binary copied to /usr/local/bin, then `netdoctor version`, `netdoctor explain` and
# `iptables-nft-save --version` in a chroot. Proves that the runtime stage's package list is
# enough for the binary to load and run. Needs root, debootstrap (apt-get install debootstrap)
# and the Debian archive; takes a few minutes. Not part of CI: run it by hand.
#
#   sudo images/rootfs-check.sh build/netdoctor [DIR] [MIRROR]
#
# DIR defaults to a temporary directory (removed afterwards; a given DIR is kept); MIRROR to
# the first Debian archive of this machine's apt sources.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
binary=$(readlink -f "${1:?usage: rootfs-check.sh BINARY [DIR] [MIRROR]}")
dir=${2:-}
mirror=${3:-}
[ "$(id -u)" = 0 ] || { echo "rootfs-check: needs root" >&2; exit 77; }
command -v debootstrap >/dev/null || { echo "rootfs-check: needs debootstrap (apt-get install debootstrap)" >&2; exit 77; }
if [ -z "$mirror" ]; then
  mirror=$(sed -n 's/^URIs: *\([^ ]*\/debian\)\/\?$/\1/p' /etc/apt/sources.list.d/*.sources 2>/dev/null | head -n1)
  [ -n "$mirror" ] || mirror=$(awk '$1 == "deb" && $2 ~ /\/debian\/?$/ {print $2; exit}' /etc/apt/sources.list 2>/dev/null)
  [ -n "$mirror" ] || { echo "rootfs-check: no Debian archive in the apt sources; give MIRROR" >&2; exit 2; }
fi
keep=1
if [ -z "$dir" ]; then
  dir=$(mktemp -d /var/tmp/netdoctor-rootfs.XXXXXX)
  keep=0
fi
cleanup() {
  umount "$dir/proc" 2>/dev/null || true
  [ "$keep" = 1 ] || rm -rf --one-file-system "$dir" "$dir.log"
}
trap cleanup EXIT

packages=$(grep -v '^[[:space:]]*\(#\|$\)' "$here/runtime-packages.txt" | paste -sd, -)
start=$(date +%s)
echo "rootfs-check: debootstrap --variant=minbase bookworm $dir ($mirror) with: $packages"
debootstrap --variant=minbase --include="$packages" bookworm "$dir" "$mirror" >"$dir.log" 2>&1 || {
  tail -20 "$dir.log" >&2
  exit 1
}
rm -f "$dir.log"
install -m 0755 "$binary" "$dir/usr/local/bin/netdoctor"
mount -t proc proc "$dir/proc"
echo "rootfs-check: $(du -sh --exclude=proc "$dir" | cut -f1) root filesystem, $(chroot "$dir" dpkg-query -W | wc -l) packages, built in $(($(date +%s) - start)) s"
missing=$(chroot "$dir" ldd /usr/local/bin/netdoctor | grep "not found" || true)
[ -z "$missing" ] || { echo "rootfs-check: missing libraries: $missing" >&2; exit 1; }
run() {
  echo "\$ $*"
  chroot "$dir" "$@"
}
run netdoctor version
run netdoctor explain pod-link-down
run iptables-nft-save --version
run ls /etc/ssl/certs/ca-certificates.crt
echo "rootfs-check: ok"
