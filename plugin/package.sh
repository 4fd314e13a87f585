#!/usr/bin/env bash
# Packs the kubectl plugin for krew: DIR/kubectl-netdoctor-vVERSION.tar.gz (the plugin and the
# debug pod manifest it reads, with fixed owners, order and times, so the same sources give the
# same bytes) and DIR/netdoctor.yaml (plugin/netdoctor.yaml with the archive's sha256).
#
#   plugin/package.sh dist
#   kubectl krew install --manifest=dist/netdoctor.yaml --archive=dist/kubectl-netdoctor-v0.1.0.tar.gz
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=${1:?usage: package.sh DIR}
version=$(sed -n 's/^  version: *//p' "$here/netdoctor.yaml")
mkdir -p "$out"
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
install -m 0755 "$here/kubectl-netdoctor" "$stage/kubectl-netdoctor"
install -m 0644 "$here/../images/k8s/debug-pod.yaml" "$stage/debug-pod.yaml"
archive=$out/kubectl-netdoctor-$version.tar.gz
tar -C "$stage" --sort=name --owner=0 --group=0 --numeric-owner \
  --mtime="@${SOURCE_DATE_EPOCH:-0}" -cf - kubectl-netdoctor debug-pod.yaml | gzip -n -9 >"$archive"
sum=$(sha256sum "$archive" | cut -d' ' -f1)
sed "s/^\\(      sha256: \\).*/\\1\"$sum\"/" "$here/netdoctor.yaml" >"$out/netdoctor.yaml"
echo "$archive $sum"
