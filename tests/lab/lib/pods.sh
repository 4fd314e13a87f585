# shellcheck shell=bash
# Pods: a network namespace wired by the real CNI bridge plugin with host-local IPAM (run
# inside the node's namespace, as the kubelet's runtime runs it), the files the kubelet gives a
# pod (resolv.conf, hosts, hostname, the projected service-account volume), and the processes
# a container runtime starts: first the sandbox ("pause", the lowest pid in the pod's netns,
# with its own mount and UTS namespaces but none of the pod's files), then each app container
# in its own mount namespace, joined to the sandbox's netns and UTS namespace, that sees the
# pod's files at the usual paths. Web pods add nginx on :80, slow pods a Python http.server on
# :8080, the DNS pod dnsmasq on :53, all in the main app container's namespaces.

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
# With IP, host-local is asked for that address (CNI_ARGS IP=, as for a static pod IP).
cni_add() { # N NS NAME NETNS DIR [IP]
  local n=$1 ns=$2 name=$3 netns=$4 dir=$5 want=${6:+;IP=$6} cid uid conf=$LAB_STATE/nodes/node$1/10-flannel.conf
  hash_hex cid "sandbox/$ns/$name"
  uuid_of uid "pod/$ns/$name"
  printf '%s\n' "$cid" >"$dir/container-id"
  if [ ! -f "$conf" ]; then # once per node (the node's pods are wired one after the other)
    mkdir -p "${conf%/*}"
    cni_config "$n" >"$conf"
  fi
  if ! ip netns exec "$LAB_PREFIX-node$n" env CNI_COMMAND=ADD CNI_CONTAINERID="$cid" \
    CNI_NETNS="/var/run/netns/$netns" CNI_IFNAME=eth0 CNI_PATH="$CNI_BIN_DIR" \
    CNI_ARGS="IgnoreUnknown=1;K8S_POD_NAMESPACE=$ns;K8S_POD_NAME=$name;K8S_POD_INFRA_CONTAINER_ID=$cid;K8S_POD_UID=$uid$want" \
    "$CNI_BIN_DIR/bridge" <"$conf" >"$dir/cni-result.json" 2>"$dir/cni.err"; then
    die "CNI ADD failed for $ns/$name: $(cat "$dir/cni-result.json" "$dir/cni.err")"
  fi
  # The result lists the bridge, the host-side veth, then the pod's eth0; and the pod's address.
  # Read in bash, without forks: with --pods-per-node, CNI ADDs are the critical path of `up`.
  local result re_name='"name": *"([^"]*)"' re_addr='"address": *"([0-9.]+)/' ip="" veth=""
  IFS= read -r -d '' result <"$dir/cni-result.json" || true
  if [[ $result =~ $re_addr ]]; then ip=${BASH_REMATCH[1]}; fi
  result=${result#*\"interfaces\"}
  if [[ $result =~ $re_name ]]; then result=${result#*"${BASH_REMATCH[0]}"}; fi
  if [[ $result =~ $re_name ]]; then veth=${BASH_REMATCH[1]}; fi
  [ -n "$ip" ] && [ -n "$veth" ] || die "cannot read the CNI result for $ns/$name ($dir/cni-result.json)"
  printf '%s\n' "$ip" >"$dir/ip"
  printf '%s\n' "$veth" >"$dir/veth"
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

# The env of a sidecar that sets its own (no service links, no KUBERNETES_*): PATH and HOSTNAME.
sidecar_env() { # NAME
  printf '%s\n' "PATH=$POD_PATH" "HOSTNAME=$1"
}

# A container's own /run and /var (where /var/run is a directory, as in many images).
container_dirs() { # ROOT [MORE_DIRS...]
  mkdir -p "$1/run" "$1/var/run" "$1/var/tmp" "$1/var/lib" "$1/var/log" "$1/var/cache" "${@:2}"
}

pod_files() { # N NS NAME ROLE SA SIDECAR DIR
  local n=$1 ns=$2 name=$3 role=$4 sa=$5 sidecar=$6 dir=$7 t uid
  container_dirs "$dir" "$dir/run/lab"
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
  # A sidecar has its own /run and /var, without the service-account volume; its env is its own.
  # Where the host's resolv.conf lives in /run, its /run holds a hard link to the pod's file
  # (rewritten in place, so it follows the pod's).
  if [ "$sidecar" != - ]; then
    local root=$dir/containers/$sidecar
    container_dirs "$root"
    sidecar_env "$name" >"$root/env"
    case $RESOLV_TARGET in /run/*)
      mkdir -p "$(dirname "$root/run/${RESOLV_TARGET#/run/}")"
      ln -f "$t" "$root/run/${RESOLV_TARGET#/run/}" ;;
    esac
  fi
}

# The sandbox (the pause container): started first, so it has the lowest pid in the pod's
# netns. A private mount namespace where nothing is mounted (it sees the host's resolv.conf and
# no service-account volume, as the pause image has neither), its own UTS namespace with the
# pod's hostname, a bare environment (only the image's PATH), and the name "pause"
# (/proc/PID/comm is the basename of what is exec'd: $LAB_STATE/bin/pause, a link to sleep).
# Its /sys is the pod netns's (ip netns exec mounts it).
# shellcheck disable=SC2016
POD_SANDBOX_INIT='set -e
dir=$1 name=$2 pause=$3
cd /
hostname "$name"
echo $$ > "$dir/sandbox-pid"
exec env -i "PATH=$PATH" "$pause" infinity'

# An app container: entered into the sandbox's UTS namespace (and the pod's netns) by its
# caller, it makes its own private mount namespace, mounts the pod's files over
# /etc/{resolv.conf,hosts,hostname} and ROOT's var/ and run/ over /var, /var/run and /run
# (ROOT is the pod's dir, holding the projected service-account volume, for the main
# container; a sidecar's own dir, without it), then writes its pid (through a descriptor opened
# before /run is covered: the pid file means "mounts in place") and sleeps.
# /proc/PID/root/var/run/secrets/... and /proc/PID/root/run/secrets/... then reach the pod's
# files, with or without RESOLVE_IN_ROOT. Every source lives under /run: it is mounted first.
# shellcheck disable=SC2016
POD_APP_INIT='set -e
dir=$1 root=$2 pidfile=$3 target=$4
exec 3>"$pidfile"
cd /
if [ "$(cat "$dir/resolv-path")" = "$dir/resolv.conf" ]; then mount --bind "$dir/resolv.conf" "$target"; fi
if [ -f /etc/hosts ]; then mount --bind "$dir/hosts" /etc/hosts; fi
if [ -f /etc/hostname ]; then mount --bind "$dir/hostname" /etc/hostname; fi
mount --bind "$root/var" /var
mount --bind "$root/run" /var/run
mount --bind "$root/run" /run
echo $$ >&3
exec 3>&- env -u PWD -u OLDPWD sleep infinity'

# The sandbox's program: sleep under the name "pause".
pause_bin() {
  local sleep_bin
  [ -L "$LAB_STATE/bin/pause" ] && return 0
  sleep_bin=$(command -v sleep) || die "no sleep on this host"
  mkdir -p "$LAB_STATE/bin"
  ln -sfn "$sleep_bin" "$LAB_STATE/bin/pause"
}

pod_start_sandbox() { # NETNS DIR NAME
  local netns=$1 dir=$2 name=$3 pid comm="" i
  rm -f "$dir/sandbox-pid"
  spawn "$dir/pod.log" ip netns exec "$netns" unshare --mount --uts --propagation private \
    env -i "PATH=$POD_PATH" sh -c "$POD_SANDBOX_INIT" sh "$dir" "$name" "$LAB_STATE/bin/pause"
  wait_pidfile "$dir/sandbox-pid" 500 >/dev/null || die "the sandbox of pod $name did not start (see $dir/pod.log)"
  slurp pid "$dir/sandbox-pid"
  # The pid is written before the exec: wait until it is "pause".
  for ((i = 0; i < 100; i++)); do
    { read -r comm <"/proc/$pid/comm"; } 2>/dev/null || true
    [ "$comm" = pause ] && return 0
    nap 0.02
  done
  die "the sandbox of pod $name is not running pause (see $dir/pod.log)"
}

# Starts one app container of a pod and waits until its mounts are in place.
pod_start_container() { # NETNS DIR NAME ROOT PIDFILE ENVFILE
  local netns=$1 dir=$2 name=$3 root=$4 pidf=$5 envf=$6 spid target env
  rm -f "$pidf"
  slurp spid "$dir/sandbox-pid"
  slurp target "$dir/resolv-target"
  mapfile -t env <"$envf"
  # ip netns exec (rather than nsenter -n) also mounts the netns's /sys, as a runtime does.
  spawn "$dir/pod.log" ip netns exec "$netns" nsenter -t "$spid" -u -- unshare --mount --propagation private \
    env -i "${env[@]}" sh -c "$POD_APP_INIT" sh "$dir" "$root" "$pidf" "$target"
  wait_pidfile "$pidf" 500 >/dev/null || die "a container of pod $name did not start (see $dir/pod.log)"
}

# A pod's processes in a runtime's order: the sandbox, the sidecar (if any), the main app
# container. Records sandbox-pid, pid (the main container: what `lab exec`, the faults and the
# servers enter) and pids (all of them, sandbox first, one a line).
pod_start_processes() { # NETNS DIR NAME SIDECAR
  local netns=$1 dir=$2 name=$3 sidecar=$4 p
  local -a pids=()
  rm -f "$dir/pids"
  pod_start_sandbox "$netns" "$dir" "$name"
  slurp p "$dir/sandbox-pid"
  pids+=("$p")
  if [ "$sidecar" != - ]; then
    local root=$dir/containers/$sidecar
    pod_start_container "$netns" "$dir" "$name" "$root" "$root/pid" "$root/env"
    slurp p "$root/pid"
    pids+=("$p")
  fi
  pod_start_container "$netns" "$dir" "$name" "$dir" "$dir/pid" "$dir/env"
  slurp p "$dir/pid"
  pids+=("$p")
  printf '%s\n' "${pids[@]}" >"$dir/pids"
}

# Whether every process of a pod (sandbox and containers) is alive.
pod_processes_alive() { # DIR
  local p
  [ -f "$1/pids" ] && pidfile_alive "$1/sandbox-pid" && pidfile_alive "$1/pid" || return 1
  while read -r p; do pid_alive "$p" || return 1; done <"$1/pids"
}

# Ends a pod's processes (its server first): the netns and its wiring stay.
pod_stop_processes() { # DIR
  local p
  kill_pidfile "$1/run/lab/server.pid"
  if [ -f "$1/pids" ]; then
    while read -r p; do kill_pid "$p"; done <"$1/pids"
  fi
  kill_pidfile "$1/pid"
  kill_pidfile "$1/sandbox-pid"
  rm -f "$1/pids"
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

# The slow pods' server: Python's http.server, single-threaded, with the listen backlog
# (socketserver's request_queue_size) of 5 that many Python and Java backends keep: a burst
# of connections overflows its accept queue long before a node's. HTTP/1.0 (one request per
# connection). Answers its pod name on /, the client's address on /ip.
slow_server_script() { # VAR NAME
  IFS= read -r -d '' "$1" <<EOF || true
# The slow backend of the netdoctor lab (tests/lab/lib/pods.sh): listen backlog 5.
import http.server
import socketserver


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = (self.client_address[0] if self.path == "/ip" else "$2") + "\n"
        data = body.encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format, *args):
        pass


class Server(http.server.HTTPServer):
    request_queue_size = 5
    allow_reuse_address = True

    def server_bind(self):
        # HTTPServer's own looks the fully qualified name of 0.0.0.0 up in DNS.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = "$2", 8080


Server(("0.0.0.0", 8080), Handler).serve_forever()
EOF
}

# Starts (or restarts, when its config changed or it died) the server of a web, slow or DNS
# pod, in its main app container, and waits until it listens.
pod_server_ensure() { # NODE NS NAME ROLE
  local n=$1 ns=$2 name=$3 role=$4 dir=$LAB_STATE/pods/${2}_$3 conf cmd pid have="" stop=0 proto port
  case $role in
    web)
      web_nginx_config conf "$name"
      cmd='exec nginx -e stderr -p /run/lab/ -c /run/lab/server.conf'
      proto=t port=80
      if [ "$ns/$name" = default/web-2 ] && fault_active endpoint-unreachable; then stop=1; fi ;;
    slow)
      slow_server_script conf "$name"
      cmd='exec python3 -I /run/lab/server.conf'
      proto=t port=8080 ;;
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

# Wires one pod: its netns and the CNI ADD (in the node's netns). Sequential per node, but for
# the filler pods, which ask for their address.
pod_wire() { # N NS NAME [IP]
  local n=$1 ns=$2 name=$3 netns=$LAB_PREFIX-n$1-$3 dir=$LAB_STATE/pods/${2}_$3
  mkdir -p "$dir"
  printf '%s\n' "$n" >"$dir/node"
  printf '%s\n' "$netns" >"$dir/netns"
  ns_add "$netns"
  ip -n "$netns" link set lo up
  step cni_add "$n" "$ns" "$name" "$netns" "$dir" "${4:-}"
}

# Gives a wired pod its files and starts its process. Pods do this in parallel.
pod_start() { # N NS NAME ROLE SA SIDECAR
  local dir=$LAB_STATE/pods/${2}_$3
  step pod_files "$1" "$2" "$3" "$4" "$5" "$6" "$dir"
  step pod_start_processes "$LAB_PREFIX-n$1-$3" "$dir" "$3" "$6"
}

# Wires every pod, the nodes in parallel and each node's pods in pods.tsv order (so host-local
# IPAM hands out the same addresses every time), and starts each pod as soon as it is wired.
# The filler pods of --pods-per-node come after them and are wired in parallel (one after the
# other, 30 CNI ADDs on a busy 2-core machine take a minute), each asking host-local for the
# address it would have had in order (.I+1 for the node's I-th pod).
pods_up() {
  local n line status=0
  local -a jobs=()
  RESOLV_TARGET=$(resolv_target)
  pause_bin
  for ((n = 1; n <= NODE_COUNT; n++)); do
    pods_up_node "$n" &
    jobs+=($!)
  done
  for n in "${jobs[@]}"; do wait "$n" || status=1; done
  [ "$status" = 0 ] || die "some pods could not be started (see the messages above)"
  pods_ip_load
}

pods_up_node() { # N (runs as a background job)
  local n=$1 line pnode ns name role labels sa sidecar status=0 j i=0
  local -a starts=()
  job_register
  for line in "${MODEL_PODS[@]}"; do
    read -r pnode ns name role labels sa sidecar <<<"$line"
    [ "$pnode" = "$n" ] || continue
    i=$((i + 1))
    parent_alive_or_exit
    if [ "$labels" = app=filler ]; then
      (
        job_register
        pod_wire "$pnode" "$ns" "$name" "10.244.$n.$((i + 1))"
        pod_start "$pnode" "$ns" "$name" "$role" "$sa" "$sidecar"
      ) &
    else
      pod_wire "$pnode" "$ns" "$name"
      (
        job_register
        pod_start "$pnode" "$ns" "$name" "$role" "$sa" "$sidecar"
      ) &
    fi
    starts+=($!)
  done
  for j in "${starts[@]}"; do wait "$j" || status=1; done
  exit "$status"
}

# The servers of the web, slow and DNS pods.
pods_servers_ensure() {
  local line n ns name role
  for line in "${MODEL_PODS[@]}"; do
    read -r n ns name role _ <<<"$line"
    pod_server_ensure "$n" "$ns" "$name" "$role"
  done
}
