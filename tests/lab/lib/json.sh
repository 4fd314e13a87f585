# shellcheck shell=bash
# A streaming JSON writer that formats like Go's json.MarshalIndent(v, "", "    "), which is
# what `kubectl get -o json` prints: 4-space indent, "key": value, empty containers as {} and
# [], <, > and & escaped as \u003c, \u003e, \u0026. Keys are written in the order the caller
# gives them; kubectl prints them sorted, so callers write them sorted. No forks: it is called
# a few thousand times per inventory.

j_begin() {
  J_D=0
  J_FIRST=(1)
}

j_prefix() { # KEY (empty inside arrays)
  if [ "$J_D" -gt 0 ]; then
    if [ "${J_FIRST[$J_D]}" = 1 ]; then
      J_FIRST[J_D]=0
      printf '\n%*s' $((J_D * 4)) ''
    else
      printf ',\n%*s' $((J_D * 4)) ''
    fi
  fi
  if [ -n "$1" ]; then printf '"%s": ' "$1"; fi
}

j_open() { # KEY '{'|'['
  j_prefix "$1"
  printf '%s' "$2"
  J_D=$((J_D + 1))
  J_FIRST[J_D]=1
}

j_close() { # '}'|']'
  local empty=${J_FIRST[$J_D]}
  J_D=$((J_D - 1))
  if [ "$empty" = 1 ]; then
    printf '%s' "$1"
  else
    printf '\n%*s%s' $((J_D * 4)) '' "$1"
  fi
  if [ "$J_D" -eq 0 ]; then printf '\n'; fi
}

j_str() { # KEY VALUE
  local s=${2//\\/\\\\}
  s=${s//\"/\\\"}
  s=${s//</\\u003c}
  s=${s//>/\\u003e}
  s=${s//&/\\u0026}
  j_prefix "$1"
  printf '"%s"' "$s"
}

j_raw() { # KEY VALUE (numbers, true, false, null)
  j_prefix "$1"
  printf '%s' "$2"
}

# An object of string values from "key=value" arguments (already sorted by key).
j_strmap() { # KEY k=v...
  local kv
  j_open "$1" '{'
  shift
  for kv in "$@"; do j_str "${kv%%=*}" "${kv#*=}"; done
  j_close '}'
}

# An array of strings.
j_strlist() { # KEY v...
  local v
  j_open "$1" '['
  shift
  for v in "$@"; do j_str "" "$v"; done
  j_close ']'
}
