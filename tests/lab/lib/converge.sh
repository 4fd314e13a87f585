# shellcheck shell=bash
# Converging: brings every part of a built lab to the state it should have given the active
# faults ($LAB_STATE/faults/NAME). `lab fault NAME` marks a fault and converges; `lab heal`
# clears the marks and converges; `lab up` on a lab that is up converges. Every step is
# idempotent and cheap, so a heal takes well under a second.

# The pod most faults act on, and the pods and nodes they break paths between.
FAULT_POD=web-1      # pod-link-down, hairpin-broken, neighbor-failed
FAULT_CLIENT=client-a # dns-resolv-conf-invalid, dns-search-domain-broken, pod-no-address, pod-no-default-route

node_sysctls_ensure() {
  local n fwd brnf
  for ((n = 1; n <= NODE_COUNT; n++)); do
    fwd=1 brnf=1
    if [ "$n" = 1 ] && fault_active ip-forward-disabled; then fwd=0; fi
    if [ "$n" = 1 ] && fault_active bridge-nf-disabled; then brnf=0; fi
    nsenter --net="/run/netns/$LAB_PREFIX-node$n" sh -c "echo $fwd > /proc/sys/net/ipv4/ip_forward &&
      echo $brnf > /proc/sys/net/bridge/bridge-nf-call-iptables &&
      echo 1 > /proc/sys/net/bridge/bridge-nf-call-ip6tables"
  done
}

# flanneld's state on node1 about node2, minus what route-missing / overlay-fdb-missing remove.
overlay_faults_ensure() {
  local ns=$LAB_PREFIX-node1
  if fault_active route-missing; then
    ip -n "$ns" route del 10.244.2.0/24 2>/dev/null || true
  fi
  if fault_active overlay-fdb-missing; then
    bridge -n "$ns" fdb del "$(node_vtep_mac 2)" dev flannel.1 dst "$(node_ip 2)" self 2>/dev/null || true
  fi
}

# The pods' links as the CNI plugin configured them, in one `ip -batch` per namespace: on each
# node the host-side veths (up, hairpin on); in each pod eth0's address, routes and ARP.
pods_links_ensure() {
  local line n ns name netns veth ip gw state hairpin arp_ignore neigh_flush=""
  local -A node_cmds=()
  for line in "${MODEL_PODS[@]}"; do
    read -r n ns name _ <<<"$line"
    slurp netns "$LAB_STATE/pods/${ns}_$name/netns" || continue
    slurp veth "$LAB_STATE/pods/${ns}_$name/veth" || continue
    ip=${POD_IP[$ns/$name]}
    gw=10.244.$n.1
    state=up hairpin=on arp_ignore=0
    if [ "$name" = "$FAULT_POD" ]; then
      if fault_active pod-link-down; then state=down; fi
      if fault_active hairpin-broken; then hairpin=off; fi
      if fault_active neighbor-failed; then arp_ignore=8; fi
      # A pod that stops answering ARP: its neighbours' entries for it go FAILED once they
      # expire; flush them so that this happens now.
      nsenter --net="/run/netns/$netns" sh -c "echo $arp_ignore > /proc/sys/net/ipv4/conf/eth0/arp_ignore"
      if [ "$arp_ignore" = 8 ]; then neigh_flush+="neigh flush to $ip"$'\n'; fi
    fi
    node_cmds[$n]+="link set $veth $state"$'\n'"link set $veth type bridge_slave hairpin $hairpin"$'\n'
    local pod_cmds="link set eth0 arp on"$'\n'
    if [ "$name" = "$FAULT_CLIENT" ] && fault_active pod-no-address; then
      pod_cmds+="addr flush dev eth0 scope global"$'\n'
    else
      pod_cmds+="addr replace $ip/24 dev eth0"$'\n'"route replace $CLUSTER_CIDR via $gw dev eth0"$'\n'
      if [ "$name" = "$FAULT_CLIENT" ] && fault_active pod-no-default-route; then
        pod_cmds+="route flush exact 0.0.0.0/0"$'\n'
      else
        pod_cmds+="route replace default via $gw dev eth0"$'\n'
      fi
    fi
    ip -n "$netns" -batch - <<<"$pod_cmds" || die "cannot configure the links of $ns/$name"
  done
  for n in "${!node_cmds[@]}"; do
    ip -n "$LAB_PREFIX-node$n" -batch - <<<"${node_cmds[$n]}" || die "cannot configure the pod links of node$n"
  done
  if [ -n "$neigh_flush" ]; then
    for line in "${MODEL_PODS[@]}"; do
      read -r n ns name _ <<<"$line"
      [ "$n" = 1 ] || continue
      ip -n "$(pod_netns 1 "$ns" "$name")" -batch - <<<"$neigh_flush" 2>/dev/null || true
    done
    ip -n "$LAB_PREFIX-node1" -batch - <<<"$neigh_flush" 2>/dev/null || true
  fi
}

# A pod's resolv.conf is rewritten in place (same inode: it is bind-mounted into the pod).
pods_resolv_ensure() {
  local line n ns name role f want have
  for line in "${MODEL_PODS[@]}"; do
    read -r n ns name role _ <<<"$line"
    slurp f "$LAB_STATE/pods/${ns}_$name/resolv-path" || continue
    pod_resolv_conf want "$ns" "$role" "$name"
    have=$(<"$f")
    if [ "$have" != "${want%$'\n'}" ]; then printf '%s' "$want" >"$f"; fi
  done
}

# Restarts pods whose sandbox or a container died (someone killed it): all their processes, in
# order (sandbox, sidecar, main container; so the sandbox keeps the lowest pid, and the server
# moves into the new main container). The pod's netns and wiring stay.
pods_alive_ensure() {
  local line n ns name sidecar dir netns
  for line in "${MODEL_PODS[@]}"; do
    read -r n ns name _ _ _ sidecar <<<"$line"
    dir=$LAB_STATE/pods/${ns}_$name
    pod_processes_alive "$dir" && continue
    log "restarting the processes of pod $ns/$name"
    pod_stop_processes "$dir"
    pause_bin
    slurp netns "$dir/netns"
    pod_start_processes "$netns" "$dir" "$name" "$sidecar"
  done
}

# The underlay switch's faults, as nft rules in the bridge family (a switch or cloud network
# dropping frames: invisible from the nodes). Rebuilt atomically every time.
underlay_ensure() {
  local rules="" pods="ip saddr $CLUSTER_CIDR"
  if [ "$BACKEND" = vxlan ]; then pods="udp dport $VXLAN_PORT"; fi
  fault_active underlay-blocked && rules+="    $pods counter drop comment \"underlay-blocked\""$'\n'
  # Full-size frames between nodes vanish, no ICMP error; small ones pass.
  fault_active mtu-blackhole && rules+="    $pods ip length > $((UNDERLAY_MTU - 100)) counter drop comment \"mtu-blackhole\""$'\n'
  nsenter --net="/run/netns/$NS_UNDERLAY" nft -f - <<EOF
table bridge ndlab
delete table bridge ndlab
table bridge ndlab {
  chain forward {
    type filter hook forward priority 0; policy accept;
$rules  }
}
EOF
}

# Everything, in dependency order.
converge() {
  step node_sysctls_ensure
  step overlay_ensure
  step overlay_faults_ensure
  step pods_alive_ensure
  step pods_links_ensure
  step pods_resolv_ensure
  step rules_apply
  step underlay_ensure
  step pods_servers_ensure
  step apiserver_ensure
  step inet_ensure
  step servers_wait
}
