#!/usr/bin/env bash
# Sets up, builds and runs every test: unit tests (no root) and, as root, the integration tests
# that build their own network namespaces and the lab test. Not root: those are reported skipped.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
./scripts/build.sh
ctest --test-dir "${BUILD_DIR:-build}" --output-on-failure --timeout 600 "$@"
