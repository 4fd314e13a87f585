#!/bin/sh
# Points apt at a fixed copy of the Debian archive when one is given, so an image rebuilt later
# gets the same package versions: $1 is the URL of a dated snapshot of the Debian archive (its
# "debian" directory), $2 the same for "debian-security". Without arguments the base image's
# sources are kept. Used by images/Dockerfile (build args DEBIAN_ARCHIVE, DEBIAN_SECURITY_ARCHIVE).
set -eu
archive=${1:-}
security=${2:-}
[ -n "$archive" ] || exit 0
case $archive$security in
  *[!A-Za-z0-9:/._~%+-]*) echo "apt-sources: unexpected characters in '$archive' '$security'" >&2; exit 2 ;;
esac
rm -f /etc/apt/sources.list /etc/apt/sources.list.d/debian.sources
{
  printf 'Types: deb\nURIs: %s\nSuites: bookworm bookworm-updates\nComponents: main\n' "$archive"
  printf 'Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg\nCheck-Valid-Until: no\n'
  if [ -n "$security" ]; then
    printf '\nTypes: deb\nURIs: %s\nSuites: bookworm-security\nComponents: main\n' "$security"
    printf 'Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg\nCheck-Valid-Until: no\n'
  fi
} >/etc/apt/sources.list.d/debian.sources
