#!/usr/bin/env bash
# Builds the libFuzzer harnesses of tests/fuzz with clang-14 (ASan + UBSan, into build-fuzz) and
# runs each for SECONDS_PER_HARNESS (default 60), starting from its committed corpus
# (tests/fuzz/corpus/<name>, never written to); new inputs go to build-fuzz/corpus/<name>,
# crashes, leaks and timeouts to build-fuzz/crashes/<name>-*. Prints per harness the seconds,
# libFuzzer's executions (stat::number_of_executed_units), the corpus size, the crashes and the
# inputs slower than 10 s.
# Exits 1 when any harness crashed.
#   scripts/fuzz.sh [SECONDS_PER_HARNESS] [HARNESS...]
# Environment: FUZZ_JOBS (harnesses run at once, default 1), FUZZ_NICE (default 19),
# FUZZ_RSS_MB (default 2048), FUZZ_TIMEOUT (seconds one input may take, default 60),
# BUILD_DIR (default build-fuzz).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
[ $# -gt 0 ] && shift
dir=${BUILD_DIR:-build-fuzz}
jobs=${FUZZ_JOBS:-1}
if [ $# -gt 0 ]; then
  harnesses=("$@")
else
  mapfile -t harnesses < <(ls tests/fuzz/*_fuzz.cpp | sed 's|.*/||; s|_fuzz\.cpp$||')
fi

cmake -S . -B "$dir" -DCMAKE_C_COMPILER=clang-14 -DCMAKE_CXX_COMPILER=clang++-14 \
  -DNETDOCTOR_WERROR=ON -DNETDOCTOR_FUZZ=ON >/dev/null
cmake --build "$dir" -j"$(nproc)" --target "${harnesses[@]/#/fuzz_}"
mkdir -p "$dir/crashes" "$dir/logs"
touch "$dir/crashes/.started"  # artifacts newer than this are this run's

run_one() {
  local h=$1
  mkdir -p "$dir/corpus/$h"
  # -timeout: an input taking FUZZ_TIMEOUT seconds is a hang; netdoctor must never hang on what it
  # reads. libFuzzer measures it in wall time: at nice 19 on a busy machine an input that needs
  # 0.6 s of CPU was starved past 10 s, hence 60 s by default.
  nice -n "${FUZZ_NICE:-19}" "$dir/fuzz_$h" -max_total_time="$seconds" \
    -rss_limit_mb="${FUZZ_RSS_MB:-2048}" -timeout="${FUZZ_TIMEOUT:-60}" -print_final_stats=1 \
    -artifact_prefix="$dir/crashes/$h-" "$dir/corpus/$h" "tests/fuzz/corpus/$h" \
    >"$dir/logs/$h.log" 2>&1 || true
}

running=0
for h in "${harnesses[@]}"; do
  [ -x "$dir/fuzz_$h" ] || { echo "fuzz: no harness $h" >&2; exit 2; }
  run_one "$h" &
  running=$((running + 1))
  if [ "$running" -ge "$jobs" ]; then
    wait -n || true
    running=$((running - 1))
  fi
done
wait

status=0
printf '%-14s %8s %14s %8s %8s %5s\n' harness seconds executions corpus crashes slow
for h in "${harnesses[@]}"; do
  log="$dir/logs/$h.log"
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  secs=$(sed -n 's/.*Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$log" | tail -1)
  corpus=$(sed -n 's/.* corp: \([0-9]*\)\/.*/\1/p' "$log" | tail -1)
  # crash-, leak-, timeout- and oom- inputs fail the run; slow-unit- ones (over 10 s) are shown.
  crashes=$(find "$dir/crashes" -name "$h-*" ! -name "$h-slow-unit-*" -newer "$dir/crashes/.started" \
    -type f | wc -l)
  slow=$(find "$dir/crashes" -name "$h-slow-unit-*" -newer "$dir/crashes/.started" -type f | wc -l)
  if [ -z "$execs" ] || [ "$crashes" -gt 0 ] || grep -q "^==[0-9]*==ERROR" "$log"; then
    status=1
  fi
  printf '%-14s %8s %14s %8s %8s %5s\n' "$h" "${secs:-?}" "${execs:-?}" "${corpus:-?}" "$crashes" "$slow"
done
[ "$status" -eq 0 ] || echo "fuzz: a harness crashed or did not finish; see $dir/logs and $dir/crashes" >&2
exit "$status"
