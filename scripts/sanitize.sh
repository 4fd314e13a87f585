#!/usr/bin/env bash
# Builds the project and its whole test suite with clang-14 sanitizers and runs ctest there:
#   scripts/sanitize.sh address [CTEST ARGS...]   ASan + UBSan (any UBSan report fails) → build-asan
#   scripts/sanitize.sh thread  [CTEST ARGS...]   TSan                                  → build-tsan
# Runs the unit, integration (root) and fuzz corpus replay tests and lab_faults (netdoctor
# itself, sanitized, against the lab); the lab's own bash self-test (`lab`) has nothing to
# sanitize and is left out. Extra arguments go to ctest (e.g. -L unit, -E lab_faults).
set -euo pipefail
cd "$(dirname "$0")/.."
kind=${1:-address}
[ $# -gt 0 ] && shift
case "$kind" in
  address) dir=${BUILD_DIR:-build-asan} sanitizers=address,undefined ;;
  thread) dir=${BUILD_DIR:-build-tsan} sanitizers=thread ;;
  *)
    echo "usage: $0 [address|thread] [ctest args...]" >&2
    exit 2
    ;;
esac
./scripts/setup.sh
cmake -S . -B "$dir" -DCMAKE_C_COMPILER=clang-14 -DCMAKE_CXX_COMPILER=clang++-14 \
  -DNETDOCTOR_WERROR=ON -DNETDOCTOR_SANITIZE="$sanitizers" >/dev/null
start=$(date +%s)
cmake --build "$dir" -j"$(nproc)"
built=$(date +%s)
rc=0
ctest --test-dir "$dir" --output-on-failure --timeout 1500 -E '^lab$' "$@" || rc=$?
echo "sanitize $kind: build $((built - start)) s, ctest $(($(date +%s) - built)) s, ctest exit $rc"
exit "$rc"
