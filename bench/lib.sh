# shellcheck shell=bash
# Shared by the benchmarks that run netdoctor on the lab (rss.sh, serve_soak.sh), sourced after
# they parsed their options and took the lab's lock.
#
# bench_lab_start NAME: checks root and $binary (made absolute), makes the work directory $work
# (/tmp/netdoctor-NAME.XXXXXX) with $inv, its inventory path, brings the lab ($lab) up and
# writes its inventory there. From then on every exit (also INT or TERM) kills the process whose
# PID is in $pid, if any, takes the lab down and removes $work.

bench_cleanup() {
  if [ -n "${pid:-}" ] && kill -0 "$pid" 2>/dev/null; then
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  fi
  "${lab:?}" down >/dev/null 2>&1 || true
  [ -z "${work:-}" ] || rm -rf "$work"
}

bench_lab_start() { # NAME
  [ "$(id -u)" = 0 ] || { echo "needs root (the lab)" >&2; exit 2; }
  [ -x "${binary:?}" ] || { echo "no netdoctor binary at $binary (build it, or give --binary)" >&2; exit 2; }
  binary=$(realpath "$binary")
  work=$(mktemp -d "/tmp/netdoctor-$1.XXXXXX")
  inv=$work/inventory.json
  pid=
  trap bench_cleanup EXIT
  trap 'exit 130' INT TERM
  "$lab" up >/dev/null
  "$lab" inventory >"$inv"
}
