#!/usr/bin/env bash
# Checks, without a Docker daemon, that the image's runtime stage provides exactly what the
# built binary needs: every shared library `ldd BINARY` resolves is mapped to its Debian
# package (`dpkg -S`), and that package must be listed in images/runtime-packages.txt, the
# list the Dockerfile's runtime stage installs; a listed library package that the binary does
# not use fails too (the image stays minimal). Also checks that the build stage's list
# (images/build-packages.txt) has every library of scripts/setup.sh, and that the Dockerfile
# installs both lists. Prints the library → package table. Run by ctest (label `images`).
#
#   images/check-runtime-deps.sh build/netdoctor
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
binary=${1:?usage: check-runtime-deps.sh BINARY}
runtime_list=$here/runtime-packages.txt
build_list=$here/build-packages.txt
# Packages the runtime stage installs for other reasons than a shared library of the binary.
not_libraries=(iptables ca-certificates)
# Packages of scripts/setup.sh's "libraries" group that only the tests use.
test_only=(libgtest-dev libgmock-dev)

failures=0
fail() {
  echo "FAIL: $*"
  failures=$((failures + 1))
}

[ -x "$binary" ] || { echo "check-runtime-deps: no executable '$binary'" >&2; exit 2; }
command -v dpkg >/dev/null || { echo "check-runtime-deps: needs dpkg (Debian): skipped"; exit 77; }

listed() { grep -v '^[[:space:]]*\(#\|$\)' "$1" | tr -d ' \t'; }

# The package owning a library path; merged-/usr systems record either /lib or /usr/lib.
owner() {
  local path=$1 real candidates=() c
  real=$(readlink -f "$path")
  candidates=("$path" "$real")
  for c in "$path" "$real"; do
    case $c in
      /usr/lib/*) candidates+=("${c#/usr}") ;;
      /lib/* | /lib64/*) candidates+=("/usr$c") ;;
    esac
  done
  for c in "${candidates[@]}"; do
    if dpkg -S "$c" 2>/dev/null | head -n1 | cut -d: -f1; then return 0; fi
  done
  return 1
}

# 1. Every library the binary loads, with its package.
declare -A needed=()
ldd_out=$(ldd "$binary") || { echo "check-runtime-deps: ldd $binary failed" >&2; exit 2; }
if grep -q "not found" <<<"$ldd_out"; then
  fail "libraries not found on this machine: $(grep 'not found' <<<"$ldd_out" | tr -s ' \t\n' ' ')"
fi
printf '%-32s %s\n' "library" "package"
while read -r line; do
  path=""
  case $line in
    *" => "/*) path=${line#* => }; path=${path%% (*} ;;
    /*) path=${line%% (*} ;; # the dynamic loader
    *) continue ;;           # linux-vdso: provided by the kernel
  esac
  if pkg=$(owner "$path") && [ -n "$pkg" ]; then
    needed[$pkg]=1
    printf '%-32s %s\n' "$(basename "$path")" "$pkg"
  else
    fail "no Debian package owns $path"
  fi
done <<<"$ldd_out"

# 2. The runtime list: every needed package, nothing else but the named extras.
declare -A runtime=()
while read -r p; do runtime[$p]=1; done < <(listed "$runtime_list")
for p in "${!needed[@]}"; do
  [ -n "${runtime[$p]:-}" ] || fail "$p provides a library of the binary but is not in images/runtime-packages.txt"
done
for p in "${!runtime[@]}"; do
  if [ -z "${needed[$p]:-}" ] && [[ ! " ${not_libraries[*]} " == *" $p "* ]]; then
    fail "$p is in images/runtime-packages.txt but the binary loads none of its libraries"
  fi
done
for p in "${not_libraries[@]}"; do
  [ -n "${runtime[$p]:-}" ] || fail "$p is missing from images/runtime-packages.txt"
done

# 3. The build list against scripts/setup.sh: the same libraries, minus the test frameworks.
declare -A setup=() build=()
while read -r p; do setup[$p]=1; done < <(
  sed -n '/^PACKAGES=(/,/^)/p' "$root/scripts/setup.sh" | sed 's/#.*//; s/PACKAGES=(//; s/)//' |
    tr -s ' \t' '\n' | grep -v '^$'
)
[ ${#setup[@]} -gt 10 ] || fail "could not read the PACKAGES list of scripts/setup.sh"
while read -r p; do build[$p]=1; done < <(listed "$build_list")
for p in "${!setup[@]}"; do
  case $p in *-dev) ;; *) continue ;; esac
  [[ " ${test_only[*]} " == *" $p "* ]] && continue
  [[ $p == libclang-rt-* ]] && continue # sanitizer runtime: test builds only
  [ -n "${build[$p]:-}" ] || fail "$p (scripts/setup.sh) is missing from images/build-packages.txt"
done
for p in "${!build[@]}"; do
  [ -n "${setup[$p]:-}" ] || fail "$p (images/build-packages.txt) is not installed by scripts/setup.sh"
done

# 4. The Dockerfile installs both lists, in the right stages, from debian:12 images.
dockerfile=$here/Dockerfile
grep -q 'COPY images/apt-sources.sh images/build-packages.txt' "$dockerfile" ||
  fail "the Dockerfile's build stage does not install images/build-packages.txt"
grep -q 'COPY images/apt-sources.sh images/runtime-packages.txt' "$dockerfile" ||
  fail "the Dockerfile's runtime stage does not install images/runtime-packages.txt"
grep -q '^ARG RUNTIME_IMAGE=debian:12-slim' "$dockerfile" || fail "the runtime stage is not debian:12-slim"
grep -q '^ARG BUILD_IMAGE=debian:12' "$dockerfile" || fail "the build stage is not Debian 12"

echo "${#needed[@]} library packages needed, ${#runtime[@]} listed for the runtime stage"
if [ "$failures" -ne 0 ]; then
  echo "$failures problems"
  exit 1
fi
echo "ok"
