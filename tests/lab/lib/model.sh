# shellcheck shell=bash
# The cluster model: pods.tsv and services.tsv expanded for this lab, plus the pods' runtime
# state (IPs, pids, veths). Everything that shows Services or endpoints reads them through here,
# so the proxy rules, the DNS records and the inventory cannot disagree by accident; faults that
# make them disagree on purpose do it in endpoints_of (the "rules" view vs the "cluster" view).
# The tables are loaded once per command into arrays (model_load): bash forks are slow.

LAB_DIR=${LAB_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
PODS_TSV=$LAB_DIR/pods.tsv
SERVICES_TSV=$LAB_DIR/services.tsv

# The web endpoint the stale rules of the endpoints-stale fault point at: an address in node2's
# pod CIDR that no pod holds.
STALE_ENDPOINT_IP=10.244.2.250

MODEL_PODS=()  # "node namespace name role labels serviceAccount sidecar"
MODEL_PORTS=() # "namespace name clusterIP portName port protocol targetPort selector"
MODEL_SVCS=()  # "namespace name clusterIP selector", once per Service
declare -A POD_IP=() # "ns/name" -> IP, for pods that are wired

model_load() {
  local node ns name role labels sa i svc cip pname port proto tport sel
  local -A seen=()
  MODEL_PODS=() MODEL_PORTS=() MODEL_SVCS=()
  local -a per_node=()
  while read -r node ns name role labels sa sidecar; do
    sidecar=${sidecar:--}
    case $node in
      '' | '#'*) continue ;;
      *+)
        for ((i = ${node%+}; i <= NODE_COUNT; i++)); do
          MODEL_PODS+=("$i $ns ${name//\{n\}/$i} $role $labels $sa $sidecar")
          per_node[i]=$((${per_node[i]:-0} + 1))
        done
        ;;
      *)
        if [ "$node" -le "$NODE_COUNT" ]; then
          MODEL_PODS+=("$node $ns $name $role $labels $sa $sidecar")
          per_node[node]=$((${per_node[node]:-0} + 1))
        fi
        ;;
    esac
  done <"$PODS_TSV"
  # `lab up --pods-per-node N`: client pods after the table's, until each node has N pods (a
  # node-sized pod count for the same-node layer and the report). They come last, so the
  # table's pods keep their addresses.
  for ((node = 1; node <= NODE_COUNT; node++)); do
    for ((i = ${per_node[node]:-0} + 1; i <= PODS_PER_NODE; i++)); do
      MODEL_PODS+=("$node default filler-$node-$i client app=filler default -")
    done
  done
  while read -r ns svc cip pname port proto tport sel; do
    case $ns in '' | '#'*) continue ;; esac
    MODEL_PORTS+=("$ns $svc $cip $pname $port $proto $tport $sel")
    if [ -z "${seen[$ns/$svc]:-}" ]; then
      seen[$ns/$svc]=1
      MODEL_SVCS+=("$ns $svc $cip $sel")
    fi
  done <"$SERVICES_TSV"
  pods_ip_load
}

pods_ip_load() {
  local line node ns name ip
  POD_IP=()
  for line in "${MODEL_PODS[@]}"; do
    read -r node ns name _ <<<"$line"
    if slurp ip "$LAB_STATE/pods/${ns}_$name/ip"; then POD_IP[$ns/$name]=$ip; fi
  done
}

model_pods() { [ ${#MODEL_PODS[@]} -eq 0 ] || printf '%s\n' "${MODEL_PODS[@]}"; }
model_services() { printf '%s\n' "${MODEL_SVCS[@]}"; }

# The ClusterIP of a Service.
svc_ip() { # NS NAME
  local line ns svc cip
  for line in "${MODEL_SVCS[@]}"; do
    read -r ns svc cip _ <<<"$line"
    if [ "$ns/$svc" = "$1/$2" ]; then echo "$cip"; fi
  done
}

pod_dir() { printf '%s/pods/%s_%s\n' "$LAB_STATE" "$1" "$2"; } # NS NAME
pod_get() {                                                    # NS NAME KEY
  local v
  slurp v "$LAB_STATE/pods/${1}_$2/$3" && printf '%s\n' "$v"
}
pod_netns() { printf '%s-n%s-%s\n' "$LAB_PREFIX" "$1" "$3"; } # NODE NS NAME

# Resolves a pod reference (NAME or NS/NAME) to "node namespace name role labels sa sidecar".
pod_lookup() {
  local ref=$1 line node ns name
  for line in "${MODEL_PODS[@]}"; do
    read -r node ns name _ <<<"$line"
    if [ "$ref" = "$name" ] || [ "$ref" = "$ns/$name" ]; then
      printf '%s\n' "$line"
      return 0
    fi
  done
  die "no pod named '$ref' in this lab (see: tests/lab/lab status)"
}
pod_ref_ip() { # REF
  local node ns name
  read -r node ns name _ <<<"$(pod_lookup "$1")"
  [ -n "${POD_IP[$ns/$name]:-}" ] || die "pod $ns/$name has no IP (is the lab up?)"
  echo "${POD_IP[$ns/$name]}"
}
pod_ref_pid() { # REF
  local node ns name
  read -r node ns name _ <<<"$(pod_lookup "$1")"
  pod_get "$ns" "$name" pid
}
pod_ref_pids() { # REF
  local node ns name
  read -r node ns name _ <<<"$(pod_lookup "$1")"
  cat "$(pod_dir "$ns" "$name")/pids"
}

fault_active() { [ -f "$LAB_STATE/faults/$1" ]; }

# Fills the array EPS with "ip port node podNamespace podName" for each endpoint of one Service
# port. VIEW is "cluster" (what the EndpointSlices say) or "rules" (what node NODE's proxy
# programs); faults make the two differ.
endpoints_of() { # NS SVC PORTNAME VIEW NODE
  local ns=$1 svc=$2 pname=$3 view=$4 rnode=${5:-1} line sel="" tport="" s_ns s_svc s_pname
  local pnode pns pname2 labels ip
  EPS=()
  for line in "${MODEL_PORTS[@]}"; do
    read -r s_ns s_svc _ s_pname _ _ tport sel <<<"$line"
    [ "$s_ns/$s_svc:$s_pname" = "$ns/$svc:$pname" ] && break
    sel=""
  done
  [ -n "$sel" ] || return 0
  if [ "$ns/$svc" = default/web ] && fault_active service-no-endpoints; then return 0; fi
  if [ "$sel" = - ]; then
    EPS+=("$APISERVER_IP $tport - - -")
    return 0
  fi
  for line in "${MODEL_PODS[@]}"; do
    read -r pnode pns pname2 _ labels _ <<<"$line"
    [ "$pns" = "$ns" ] || continue
    [[ ",$labels," == *",$sel,"* ]] || continue
    ip=${POD_IP[$pns/$pname2]:-}
    [ -n "$ip" ] || continue
    if [ "$view" = rules ] && [ "$rnode" = 1 ] && [ "$ns/$svc" = default/web ] &&
      [ "$pnode" = 2 ] && fault_active endpoints-stale; then
      ip=$STALE_ENDPOINT_IP
    fi
    EPS+=("$ip $tport $pnode $pns $pname2")
  done
}
