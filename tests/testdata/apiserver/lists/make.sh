#!/usr/bin/env bash
# Writes the API server list pages of this folder from the lab's recorded inventory
# (../../lab/inventory.json), as the API server answers `GET /api/v1/pods?limit=4`: typed
# lists (PodList...) whose items carry no kind/apiVersion, a resourceVersion, and for the pods
# three pages chained by `metadata.continue` tokens (base64 like the real ones, so they need
# percent-encoding in the query).
set -euo pipefail
cd "$(dirname "$0")"
src=../../lab/inventory.json
page() { # KIND API_VERSION FROM COUNT CONTINUE
  jq --arg kind "$1" --arg av "$2" --argjson from "$3" --argjson n "$4" --arg cont "$5" '
    [.items[] | select(.kind == ($kind | sub("List$"; "")))] as $all
    | {kind: $kind, apiVersion: $av,
       metadata: ({resourceVersion: "4711"} + (if $cont == "" then {} else {continue: $cont} end)
                  + (if $cont == "" then {} else {remainingItemCount: (($all | length) - $from - $n)} end)),
       items: [$all[$from:$from + $n][] | del(.kind, .apiVersion)]}' "$src"
}
page NodeList v1 0 100 "" >nodes.json
page PodList v1 0 4 "eyJ2IjoibWV0YS5rOHMuaW8vdjEiLCJydiI6NDcxMSwic3RhcnQiOiJkZWZhdWx0L2NsaWVudC1hIn0=" >pods-1.json
page PodList v1 4 4 "eyJ2IjoibWV0YS5rOHMuaW8vdjEiLCJydiI6NDcxMSwic3RhcnQiOiJrdWJlLXN5c3RlbS9rdWJlLXByb3h5In0=" >pods-2.json
page PodList v1 8 100 "" >pods-3.json
page ServiceList v1 0 100 "" >services.json
page EndpointSliceList discovery.k8s.io/v1 0 100 "" >endpointslices.json
