#!/usr/bin/env bash
# Configures and builds netdoctor into build/ (the binary: build/netdoctor).
# Extra arguments go to cmake's configure step, e.g. -DNETDOCTOR_SANITIZE=address,undefined.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build}
cmake -S . -B "$BUILD_DIR" -DNETDOCTOR_WERROR=ON "$@" >/dev/null
cmake --build "$BUILD_DIR" -j"$(nproc)"
