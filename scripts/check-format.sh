#!/usr/bin/env bash
# Fails when a C/C++ source is not formatted as .clang-format says.
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(git ls-files '*.h' '*.cpp' '*.c' '*.h.in')
clang-format --dry-run --Werror "${files[@]}"
echo "format: ${#files[@]} files clean"
