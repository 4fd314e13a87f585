#!/usr/bin/env bash
# The project's scripts never stop, kill or reconfigure a process they did not start (issue 21):
# nothing in scripts/, .ci/, tests/lab/ or bench/ finds or signals processes by name, or starts,
# stops or disables services; they end only what they started, by the pid they recorded
# (scripts/setup.sh keeps package installs from starting services with a temporary
# policy-rc.d instead). Prints each offending line and fails. Needs no root.
set -euo pipefail

ROOT=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../.." && pwd)
# One letter of each name in brackets, so that this file does not match itself.
PATTERN='p[k]ill|kill[a]ll|system[c]tl|p[g]rep|pid[o]f'

if hits=$(cd "$ROOT" && grep -rnE "$PATTERN" scripts .ci tests/lab bench); then
  printf '%s\n' "$hits"
  echo "FAIL: the lines above find, signal or manage processes by name ($PATTERN)"
  exit 1
fi
echo "ok: no process is found, signalled or managed by name in scripts/, .ci/, tests/lab/, bench/"
