# shellcheck shell=bash
# The machines and wires: an underlay switch (a bridge in its own namespace), a router between
# the underlay and the "internet", the control-plane host, the internet host, the nodes, and
# the pod network's overlay between nodes (flannel-style VXLAN or host-gw routes).
#
#   node1 eth0 172.30.0.11 ─┐
#   node2 eth0 172.30.0.12 ─┤ ndlab-underlay (br0) ├─ cp eth0 172.30.0.2 (API server :6443)
#                           └─ router eth0 172.30.0.1 ── router eth1 203.0.113.1 ── inet eth0 203.0.113.10

sysctl_ns() { # NS KEY VALUE
  nsenter --net="/run/netns/$1" sh -c "echo $3 > /proc/sys/${2//.//}"
}

# Builds the machines and wires of a fresh lab: the namespaces and veths in one `ip -batch`
# (bash forks are slow here), then one batch per namespace for addresses, links and routes.
topology_up() {
  local n ns port host="" cmds
  for ns in "$NS_UNDERLAY" "$NS_ROUTER" "$NS_INET" "$NS_CP"; do host+="netns add $ns"$'\n'; done
  for ((n = 1; n <= NODE_COUNT; n++)); do host+="netns add $LAB_PREFIX-node$n"$'\n'; done
  host+="link add br0 netns $NS_UNDERLAY type bridge"$'\n'
  host+="link add rt netns $NS_UNDERLAY type veth peer name eth0 netns $NS_ROUTER"$'\n'
  host+="link add cp netns $NS_UNDERLAY type veth peer name eth0 netns $NS_CP"$'\n'
  host+="link add eth1 netns $NS_ROUTER type veth peer name eth0 netns $NS_INET"$'\n'
  for ((n = 1; n <= NODE_COUNT; n++)); do
    host+="link add n$n netns $NS_UNDERLAY type veth peer name eth0 netns $LAB_PREFIX-node$n"$'\n'
  done
  ip -batch - <<<"$host" || die "cannot create the lab's namespaces and links"

  # The underlay switch: a plain bridge; frames crossing it never see iptables (faults use
  # nft's bridge family there).
  cmds="link set lo up"$'\n'"link set br0 up"$'\n'
  for port in rt cp $(seq -f 'n%g' 1 "$NODE_COUNT"); do
    cmds+="link set $port master br0"$'\n'"link set $port up"$'\n'
  done
  ip -n "$NS_UNDERLAY" -batch - <<<"$cmds" || die "cannot set up the underlay switch"
  nsenter --net="/run/netns/$NS_UNDERLAY" sh -c 'for k in iptables ip6tables arptables; do
    echo 0 > /proc/sys/net/bridge/bridge-nf-call-$k; done'

  ip -n "$NS_ROUTER" -batch - <<EOF || die "cannot set up the router"
link set lo up
link set eth0 up
link set eth1 up
addr add $ROUTER_UNDERLAY_IP/24 dev eth0
addr add $ROUTER_INET_IP/24 dev eth1
EOF
  sysctl_ns "$NS_ROUTER" net.ipv4.ip_forward 1

  # The internet knows the way back to the nodes' addresses only: pod addresses must be
  # masqueraded on the way out.
  ip -n "$NS_INET" -batch - <<EOF || die "cannot set up the internet host"
link set lo up
link set eth0 up
addr add $INET_IP/24 dev eth0
route add $UNDERLAY_PREFIX.0/24 via $ROUTER_INET_IP
EOF

  ip -n "$NS_CP" -batch - <<EOF || die "cannot set up the control-plane host"
link set lo up
link set eth0 up
addr add $APISERVER_IP/24 dev eth0
route add default via $ROUTER_UNDERLAY_IP
EOF

  for ((n = 1; n <= NODE_COUNT; n++)); do
    ip -n "$LAB_PREFIX-node$n" -batch - <<EOF || die "cannot set up node$n"
link set lo up
link set eth0 up
addr add $UNDERLAY_PREFIX.$((10 + n))/24 dev eth0
route add default via $ROUTER_UNDERLAY_IP
EOF
  done
}

# ---------------------------------------------------------------------------------------------
# Overlay

# What flanneld programs on node N: the VXLAN device (VNI 1, port 8472, no learning: flannel
# writes every entry), and per remote node R a route, a permanent neighbour and an FDB entry
# (vxlan), or a plain route via R's address (host-gw). One `ip -batch` and one `bridge -batch`.
overlay_node_ensure() { # N
  local n=$1 ns=$LAB_PREFIX-node$1 r ipcmds="" fdbcmds="" mac
  if [ "$BACKEND" = vxlan ]; then
    if [ ! -f "$LAB_STATE/nodes/node$n/vxlan" ]; then
      ip -n "$ns" link add flannel.1 address "$(node_vtep_mac "$n")" type vxlan id "$VXLAN_VNI" \
        local "$UNDERLAY_PREFIX.$((10 + n))" dev eth0 dstport "$VXLAN_PORT" nolearning
      mkdir -p "$LAB_STATE/nodes/node$n"
      touch "$LAB_STATE/nodes/node$n/vxlan"
    fi
    ipcmds+="link set flannel.1 mtu $(pod_mtu) up"$'\n'"addr replace 10.244.$n.0/32 dev flannel.1"$'\n'
  fi
  for ((r = 1; r <= NODE_COUNT; r++)); do
    [ "$r" = "$n" ] && continue
    if [ "$BACKEND" = vxlan ]; then
      printf -v mac '0e:6e:64:00:00:%02x' "$r"
      ipcmds+="neigh replace 10.244.$r.0 lladdr $mac dev flannel.1 nud permanent"$'\n'
      ipcmds+="route replace 10.244.$r.0/24 via 10.244.$r.0 dev flannel.1 onlink"$'\n'
      fdbcmds+="fdb replace $mac dev flannel.1 dst $UNDERLAY_PREFIX.$((10 + r)) self permanent"$'\n'
    else
      ipcmds+="route replace 10.244.$r.0/24 via $UNDERLAY_PREFIX.$((10 + r)) dev eth0"$'\n'
    fi
  done
  ip -n "$ns" -batch - <<<"$ipcmds" || die "cannot program the overlay on node$n"
  if [ -n "$fdbcmds" ]; then
    bridge -n "$ns" -batch - <<<"$fdbcmds" || die "cannot program flannel.1's FDB on node$n"
  fi
}

overlay_ensure() {
  local n
  for ((n = 1; n <= NODE_COUNT; n++)); do overlay_node_ensure "$n"; done
}
