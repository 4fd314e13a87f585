# shellcheck shell=bash
# Pods: a network namespace wired by the real CNI bridge plugin with host-local IPAM (run
# inside the node's namespace, as the kubelet's runtime runs it), the files the kubelet gives a
# pod (resolv.conf, hosts, hostname, the projected service-account volume), and a long-lived
# "pause" process with its own mount and UTS namespaces that sees those files at the usual
# paths. Web pods add nginx on :80, the DNS pod dnsmasq on :53, in the pause's namespaces.

POD_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

cni_config() { # N
  local n=$1
  cat <<EOF
{
  "cniVersion": "1.0.0",
  "name": "cbr0",
  "type": "bridge",
  "bridge": "cni0",
  "isGateway": true,
  "isDefaultGateway": true,
  "hairpinMode": true,
  "ipMasq": false,
  "mtu": $(pod_mtu),
  "ipam": {
    "type": "host-local",
    "dataDir": "$LAB_STATE/nodes/$(node_name "$n")/ipam",
    "ranges": [[{ "subnet": "$(node_pod_cidr "$n")" }]],
    "routes": [{ "dst": "$CLUSTER_CIDR" }]
  }
}
EOF
}

# CNI ADD for one pod, run in the node's namespace; writes the plugin's result to $dir/cni-result.json.
cni_add() { # N NS NAME NETNS DIR
  local n=$1 ns=$2 name=$3 netns=$4 dir=$5 cid uid
  hash_hex cid "sandbox/$ns/$name"
  uuid_of uid "pod/$ns/$name"
  printf '%s\n' "$cid" >"$dir/container-id"
  mkdir -p "$LAB_STATE/nodes/$(node_name "$n")"
  cni_config "$n" >"$LAB_STATE/nodes/$(node_name "$n")/10-flannel.conf"
  if ! ip netns exec "$(node_ns "$n")" env CNI_COMMAND=ADD CNI_CONTAINERID="$cid" \
    CNI_NETNS="/var/run/netns/$netns" CNI_IFNAME=eth0 CNI_PATH="$CNI_BIN_DIR" \
    CNI_ARGS="IgnoreUnknown=1;K8S_POD_NAMESPACE=$ns;K8S_POD_NAME=$name;K8S_POD_INFRA_CONTAINER_ID=$cid;K8S_POD_UID=$uid" \
    "$CNI_BIN_DIR/bridge" <"$LAB_STATE/nodes/$(node_name "$n")/10-flannel.conf" >"$dir/cni-result.json" 2>"$dir/cni.err"; then
    die "CNI ADD failed for $ns/$name: $(cat "$dir/cni-result.json" "$dir/cni.err")"
  fi
  # The result lists the bridge, the host-side veth, then the pod's eth0; and the pod's address.
  grep -o '"address": *"[0-9.]*/' "$dir/cni-result.json" | head -1 | grep -o '[0-9.]*[0-9]' >"$dir/ip"
  grep -o '"name": *"[^"]*"' "$dir/cni-result.json" | sed -n 2p | cut -d'"' -f4 >"$dir/veth"
  [ -s "$dir/ip" ] && [ -s "$dir/veth" ] || die "cannot read the CNI result for $ns/$name ($dir/cni-result.json)"
}

pod_resolv_conf() { # VAR NS ROLE NAME
  local server=$KUBE_DNS_IP
  if [ "$3" = dns ]; then
    # dnsPolicy Default: the node's resolver, which is the internet host's DNS in this lab.
    printf -v "$1" 'nameserver %s\n' "$INET_IP"
    return 0
  fi
  local extra=""
  if fault_active dns-resolv-conf-invalid && [ "$2/$4" = "default/$FAULT_CLIENT" ]; then server=$BAD_NAMESERVER; fi
  # The kubelet appends the node's own search domains; this one's DNS refuses (dnsmasq with no
  # server for it answers REFUSED), which ends glibc's and c-ares's search.
  if fault_active dns-search-domain-broken && [ "$2/$4" = "default/$FAULT_CLIENT" ]; then extra=" $BAD_SEARCH_DOMAIN"; fi
  printf -v "$1" 'search %s.svc.%s svc.%s %s%s\nnameserver %s\noptions ndots:5\n' "$2" "$CLUSTER_DOMAIN" \
    "$CLUSTER_DOMAIN" "$CLUSTER_DOMAIN" "$extra" "$server"
}
# The wrong nameserver of the dns-resolv-conf-invalid fault: a ClusterIP no Service owns.
BAD_NAMESERVER=10.96.0.100
# The search domain of the dns-search-domain-broken fault: no DNS server of the lab serves it.
BAD_SEARCH_DOMAIN=corp.test

# Where the host's /etc/resolv.conf really lives; a pod's resolv.conf is mounted there.
resolv_target() {
  local t
  t=$(readlink -f /etc/resolv.conf 2>/dev/null || true)
  [ -n "$t" ] || die "cannot resolve /etc/resolv.conf on this host"
  printf '%s\n' "$t"
}

# The projected service-account volume, laid out as the kubelet's atomic writer does it.
pod_secrets() { # DIR NS NAME SA UID
  local d=$1/run/secrets/kubernetes.io/serviceaccount ts token ca
  printf -v ts '..%(%Y_%m_%d_%H_%M_%S)T.%s' -1 "${EPOCHREALTIME#*.}000"
  ca=$(<"$PKI/cluster-ca.crt")
  if [ -f "$PKI/tokens/${2}_$3" ]; then token=$(<"$PKI/tokens/${2}_$3"); else sa_token token "$2" "$3" "$4" "$5"; fi
  rm -rf "$d"
  mkdir -p "$d/$ts"
  printf '%s\n' "$ca" >"$d/$ts/ca.crt"
  printf '%s' "$2" >"$d/$ts/namespace"
  printf '%s' "$token" >"$d/$ts/token"
  printf '%s' "$token" >"$1/token"
  ln -s "$ts" "$d/..data"
  ln -s ..data/ca.crt ..data/namespace ..data/token "$d/"
}

# KUBERNETES_* and the other service links (enableServiceLinks) the kubelet puts in a pod's env.
pod_env() { # NS NAME
  local ns=$1 name=$2 line sns svc cip pname port proto var pvar
  local -A first=()
  printf '%s\n' "PATH=$POD_PATH" "HOSTNAME=$name"
  for line in "${MODEL_PORTS[@]}"; do
    read -r sns svc cip pname port proto _ <<<"$line"
    [ "$sns" = "$ns" ] || [ "$sns/$svc" = default/kubernetes ] || continue
    var=${svc^^}
    var=${var//-/_}
    pvar=${pname^^}
    pvar=${pvar//-/_}
    if [ -z "${first[$sns/$svc]:-}" ]; then
      first[$sns/$svc]=1
      printf '%s\n' "${var}_SERVICE_HOST=$cip" "${var}_SERVICE_PORT=$port" "${var}_PORT=${proto,,}://$cip:$port"
    fi
    printf '%s\n' "${var}_SERVICE_PORT_$pvar=$port" \
      "${var}_PORT_${port}_${proto}=${proto,,}://$cip:$port" "${var}_PORT_${port}_${proto}_PROTO=${proto,,}" \
      "${var}_PORT_${port}_${proto}_PORT=$port" "${var}_PORT_${port}_${proto}_ADDR=$cip"
  done
}

pod_files() { # N NS NAME ROLE SA DIR
  local n=$1 ns=$2 name=$3 role=$4 sa=$5 dir=$6 t uid
  mkdir -p "$dir/run/lab" "$dir/var/run" "$dir/var/tmp" "$dir/var/lib" "$dir/var/log" "$dir/var/cache"
  uuid_of uid "pod/$ns/$name"
  pod_secrets "$dir" "$ns" "$name" "$sa" "$uid"
  printf '%s\n' "$name" >"$dir/hostname"
  local ip
  slurp ip "$dir/ip"
  printf '# Kubernetes-managed hosts file.\n127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\nfe00::0\tip6-localnet\nfe00::0\tip6-mcastprefix\nfe00::1\tip6-allnodes\nfe00::2\tip6-allrouters\n%s\t%s\n' \
    "$ip" "$name" >"$dir/hosts"
  pod_env "$ns" "$name" >"$dir/env"
  t=$RESOLV_TARGET
  case $t in
    /run/*) # e.g. systemd-resolved's stub: the pod's own /run holds the file.
      printf '%s\n' "$dir/run/${t#/run/}" >"$dir/resolv-path"
      mkdir -p "$(dirname "$dir/run/${t#/run/}")" ;;
    *)
      [ -f "$t" ] || die "/etc/resolv.conf ($t) is not a file on this host: cannot mount a pod's over it"
      printf '%s\n' "$dir/resolv.conf" >"$dir/resolv-path" ;;
  esac
  printf '%s\n' "$t" >"$dir/resolv-target"
  slurp t "$dir/resolv-path"
  local conf
  pod_resolv_conf conf "$ns" "$role" "$name"
  printf '%s' "$conf" >"$t"
}

# The pause process: joins the pod's netns, makes a private mount and UTS namespace, mounts the
# pod's files over /etc/{resolv.conf,hosts,hostname}, gives the pod its own /var (where /var/run
# is a directory, as in many images) and its own /run, both holding the projected
# service-account volume, records its pid and sleeps. /proc/PID/root/var/run/secrets/... and
# /proc/PID/root/run/secrets/... then reach the pod's files, with or without RESOLVE_IN_ROOT.
# shellcheck disable=SC2016
POD_INIT='set -e
dir=$1 name=$2 target=$3
echo $$ > "$dir/pid"
cd /
hostname "$name"
if [ "$(cat "$dir/resolv-path")" = "$dir/resolv.conf" ]; then mount --bind "$dir/resolv.conf" "$target"; fi
if [ -f /etc/hosts ]; then mount --bind "$dir/hosts" /etc/hosts; fi
if [ -f /etc/hostname ]; then mount --bind "$dir/hostname" /etc/hostname; fi
mount --bind "$dir/var" /var
mount --bind "$dir/run" /var/run
mount --bind "$dir/run" /run
exec env -u PWD -u OLDPWD sleep infinity'

pod_start_pause() { # NETNS DIR NAME
  local netns=$1 dir=$2 name=$3 env
  rm -f "$dir/pid"
  mapfile -t env <"$dir/env"
  local target
  slurp target "$dir/resolv-target"
  spawn "$dir/pod.log" ip netns exec "$netns" unshare --mount --uts --propagation private \
    env -i "${env[@]}" sh -c "$POD_INIT" sh "$dir" "$name" "$target"
  wait_pidfile "$dir/pid" >/dev/null || die "pod $name did not start (see $dir/pod.log)"
  # The pid file is written before the mounts: wait until the pod's /run is in place.
  local i pid
  slurp pid "$dir/pid"
  for ((i = 0; i < 100; i++)); do
    [ -d "/proc/$pid/root/run/lab" ] && return 0
    nap 0.02
  done
  die "pod $name did not finish its mounts (see $dir/pod.log)"
}

# Runs a command inside a pod's namespaces (net, mount, uts) with the pod's environment.
pod_nsenter() { # PID ENVFILE CMD...
  local pid=$1 envf=$2 env
  shift 2
  mapfile -t env <"$envf"
  nsenter -t "$pid" -n -m -u --wd=/ -- env -i "${env[@]}" "$@"
}

# The web pods' nginx: answers its pod name on /, the client's address on /ip, and a 3000-byte
# body on /big (more than one full-size packet).
web_nginx_config() { # VAR NAME
  local big
  printf -v big '%3000s' ''
  IFS= read -r -d '' "$1" <<EOF || true
daemon off;
master_process off;
worker_processes 1;
pid /run/lab/nginx.pid;
error_log stderr warn;
events { worker_connections 128; }
http {
  access_log off;
  client_body_temp_path /run/lab/tmp/body;
  proxy_temp_path /run/lab/tmp/proxy;
  fastcgi_temp_path /run/lab/tmp/fastcgi;
  uwsgi_temp_path /run/lab/tmp/uwsgi;
  scgi_temp_path /run/lab/tmp/scgi;
  server {
    listen 80;
    default_type text/plain;
    location = /ip { return 200 "\$remote_addr\n"; }
    location = /big { return 200 "${big// /x}\n"; }
    location / { return 200 "$2\n"; }
  }
}
EOF
}

# The cluster DNS: dnsmasq answering <svc>.<ns>.svc.cluster.local from the Service table and
# forwarding the rest to the internet host's DNS.
cluster_dns_config() { # VAR
  local ns svc cip sel line out
  IFS= read -r -d '' out <<EOF || true
# Cluster DNS of the netdoctor lab, generated from tests/lab/services.tsv.
no-resolv
no-hosts
interface=eth0
interface=lo
pid-file=/run/lab/dnsmasq.pid
log-facility=-
cache-size=0
local-ttl=5
server=$INET_IP
local=/$CLUSTER_DOMAIN/
EOF
  for line in "${MODEL_SVCS[@]}"; do
    read -r ns svc cip sel <<<"$line"
    if [ "$ns/$svc" = default/kubernetes ] && fault_active dns-name-not-found; then continue; fi
    out+="host-record=$svc.$ns.svc.$CLUSTER_DOMAIN,$cip"$'\n'
  done
  printf -v "$1" '%s' "$out"
}

# Starts (or restarts, when its config changed or it died) the server of a web or DNS pod, and
# waits until it listens.
pod_server_ensure() { # NODE NS NAME ROLE
  local n=$1 ns=$2 name=$3 role=$4 dir=$LAB_STATE/pods/${2}_$3 conf cmd pid have="" stop=0 proto port
  case $role in
    web)
      web_nginx_config conf "$name"
      cmd='exec nginx -e stderr -p /run/lab/ -c /run/lab/server.conf'
      proto=t port=80
      if [ "$ns/$name" = default/web-2 ] && fault_active endpoint-unreachable; then stop=1; fi ;;
    dns)
      cluster_dns_config conf
      cmd='exec dnsmasq --keep-in-foreground --conf-file=/run/lab/server.conf'
      proto=u port=53
      if fault_active dns-server-down; then stop=1; fi ;;
    *) return 0 ;;
  esac
  if [ "$stop" = 1 ]; then
    kill_pidfile "$dir/run/lab/server.pid"
    return 0
  fi
  [ -f "$dir/run/lab/server.conf" ] && have=$(<"$dir/run/lab/server.conf")
  if pidfile_alive "$dir/run/lab/server.pid" && [ "$have" = "${conf%$'\n'}" ]; then
    return 0
  fi
  kill_pidfile "$dir/run/lab/server.pid"
  mkdir -p "$dir/run/lab/tmp"
  printf '%s' "$conf" >"$dir/run/lab/server.conf"
  slurp pid "$dir/pid"
  local env
  mapfile -t env <"$dir/env"
  spawn "$dir/server.log" nsenter -t "$pid" -n -m -u --wd=/ -- env -i "${env[@]}" \
    sh -c "echo \$\$ > /run/lab/server.pid; $cmd"
  PENDING+=("$LAB_PREFIX-n$n-$name $proto $port $dir/run/lab/server.pid $dir/server.log the-server-of-$ns/$name")
}

# Wires one pod: its netns and the CNI ADD (in the node's netns). Sequential per node.
pod_wire() { # N NS NAME
  local n=$1 ns=$2 name=$3 netns=$LAB_PREFIX-n$1-$3 dir=$LAB_STATE/pods/${2}_$3
  mkdir -p "$dir"
  printf '%s\n' "$n" >"$dir/node"
  printf '%s\n' "$netns" >"$dir/netns"
  ns_add "$netns"
  ip -n "$netns" link set lo up
  step cni_add "$n" "$ns" "$name" "$netns" "$dir"
}

# Gives a wired pod its files and starts its process. Pods do this in parallel.
pod_start() { # N NS NAME ROLE SA
  local dir=$LAB_STATE/pods/${2}_$3
  step pod_files "$1" "$2" "$3" "$4" "$5" "$dir"
  step pod_start_pause "$LAB_PREFIX-n$1-$3" "$dir" "$3"
}

# Wires every pod, the nodes in parallel and each node's pods in pods.tsv order (so host-local
# IPAM hands out the same addresses every time), and starts each pod as soon as it is wired.
pods_up() {
  local n line status=0
  local -a jobs=()
  RESOLV_TARGET=$(resolv_target)
  for ((n = 1; n <= NODE_COUNT; n++)); do
    pods_up_node "$n" &
    jobs+=($!)
  done
  for n in "${jobs[@]}"; do wait "$n" || status=1; done
  [ "$status" = 0 ] || die "some pods could not be started (see the messages above)"
  pods_ip_load
}

pods_up_node() { # N (runs as a background job)
  local n=$1 line pnode ns name role labels sa status=0 j
  local -a starts=()
  job_register
  for line in "${MODEL_PODS[@]}"; do
    read -r pnode ns name role labels sa <<<"$line"
    [ "$pnode" = "$n" ] || continue
    parent_alive_or_exit
    pod_wire "$pnode" "$ns" "$name"
    (
      job_register
      pod_start "$pnode" "$ns" "$name" "$role" "$sa"
    ) &
    starts+=($!)
  done
  for j in "${starts[@]}"; do wait "$j" || status=1; done
  exit "$status"
}

# The servers of the web and DNS pods.
pods_servers_ensure() {
  local line n ns name role
  for line in "${MODEL_PODS[@]}"; do
    read -r n ns name role _ <<<"$line"
    pod_server_ensure "$n" "$ns" "$name" "$role"
  done
}
