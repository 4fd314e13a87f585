# shellcheck shell=bash
# The nodes' iptables rules as kube-proxy (iptables mode), kubelet and flanneld write them,
# generated from the Service table (model.sh) into iptables-restore input and loaded with
# iptables-legacy-restore (default) or iptables-nft-restore (`lab up --iptables nft`).
# Layout follows pkg/proxy/iptables/proxier.go (chain names, comments, statistic
# probabilities, KUBE-MARK-MASQ, KUBE-POSTROUTING, KUBE-FORWARD, REJECT for Services without
# endpoints) and flannel's pkg/trafficmngr/iptables (FLANNEL-POSTRTG, FLANNEL-FWD).

MASQ_MARK=0x4000

# kube-proxy's hash: base32(sha256(s)) cut to 16 characters, i.e. the first 10 bytes of the
# digest in base32. Computed for all missing inputs at once (kp_hash_prefetch: one sha256sum for
# all, bash forks are slow) and kept in $LAB_STATE/kube-proxy-hashes (inputs are stable).
declare -A KP_HASH=()
KP_HASH_LOADED=0
kp_hash_load() {
  local k v f=$LAB_STATE/kube-proxy-hashes
  [ "$KP_HASH_LOADED" = 1 ] && return 0
  KP_HASH_LOADED=1
  if [ -f "$f" ]; then
    while read -r v k; do KP_HASH[$k]=$v; done <"$f"
  fi
}
kp_base32_80() { # VAR HEX(>=20 digits) : base32 of the first 10 bytes
  local _tbl=ABCDEFGHIJKLMNOPQRSTUVWXYZ234567 _out="" _i _v
  for _i in 0 5 10 15; do
    _v=$((16#${2:_i:5}))
    _out+=${_tbl:$(((_v >> 15) & 31)):1}${_tbl:$(((_v >> 10) & 31)):1}${_tbl:$(((_v >> 5) & 31)):1}${_tbl:$((_v & 31)):1}
  done
  printf -v "$1" '%s' "$_out"
}
kp_hash_prefetch() { # STRING...
  local tmp k i=0 hex file v
  local -a missing=()
  kp_hash_load
  for k in "$@"; do [ -n "${KP_HASH[$k]:-}" ] || missing+=("$k"); done
  [ ${#missing[@]} -gt 0 ] || return 0
  tmp=$(mktemp -d)
  for k in "${missing[@]}"; do
    printf '%s' "$k" >"$tmp/$i"
    i=$((i + 1))
  done
  while read -r hex file; do
    k=${missing[${file##*/}]}
    kp_base32_80 v "$hex"
    KP_HASH[$k]=$v
    printf '%s %s\n' "$v" "$k" >>"$LAB_STATE/kube-proxy-hashes"
  done < <(cd "$tmp" && sha256sum -- *)
  rm -rf "$tmp"
}
kp_hash() { # VAR STRING
  kp_hash_load
  [ -n "${KP_HASH[$2]:-}" ] || kp_hash_prefetch "$2"
  printf -v "$1" '%s' "${KP_HASH[$2]}"
}
svc_chain() { # VAR "ns/svc:port" proto(lowercase)
  local h
  kp_hash h "$2$3"
  printf -v "$1" 'KUBE-SVC-%s' "$h"
}
sep_chain() { # VAR "ns/svc:port" proto(lowercase) "ip:port"
  local h
  kp_hash h "$2$3$4"
  printf -v "$1" 'KUBE-SEP-%s' "$h"
}
# kube-proxy's fmt.Sprintf("%0.10f", 1/k), in integer arithmetic.
probability() { # VAR K
  printf -v "$1" '0.%010d' $(((2 * 10000000000 + $2) / (2 * $2)))
}

# Emits the chains and rules of one Service port into the buffers NAT_CHAINS, NAT_SVC,
# NAT_RULES and FILTER_SVC. A kube-proxy that lost a Service (fault kube-dns-rules-missing on
# node1) simply does not program it.
rules_one_port() { # N ns svc clusterIP portName port PROTO
  local n=$1 ns=$2 svc=$3 cip=$4 pname=$5 port=$6 proto=${7,,} spn chain count i ep_ip ep_port sep prob
  if [ "$n" = 1 ] && [ "$ns/$svc" = kube-system/kube-dns ] && fault_active kube-dns-rules-missing; then
    return 0
  fi
  spn="$ns/$svc:$pname"
  endpoints_of "$ns" "$svc" "$pname" rules "$n"
  count=${#EPS[@]}
  if [ "$count" -eq 0 ]; then
    FILTER_SVC+="-A KUBE-SERVICES -d $cip/32 -p $proto -m comment --comment \"$spn has no endpoints\" -m $proto --dport $port -j REJECT --reject-with icmp-port-unreachable"$'\n'
    return 0
  fi
  svc_chain chain "$spn" "$proto"
  NAT_CHAINS+=":$chain - [0:0]"$'\n'
  NAT_SVC+="-A KUBE-SERVICES -d $cip/32 -p $proto -m comment --comment \"$spn cluster IP\" -m $proto --dport $port -j $chain"$'\n'
  NAT_RULES+="-A $chain ! -s $CLUSTER_CIDR -d $cip/32 -p $proto -m comment --comment \"$spn cluster IP\" -m $proto --dport $port -j KUBE-MARK-MASQ"$'\n'
  local sep_rules=""
  for ((i = 0; i < count; i++)); do
    read -r ep_ip ep_port _ <<<"${EPS[$i]}"
    sep_chain sep "$spn" "$proto" "$ep_ip:$ep_port"
    NAT_CHAINS+=":$sep - [0:0]"$'\n'
    if [ $((count - i)) -gt 1 ]; then
      probability prob $((count - i))
      NAT_RULES+="-A $chain -m comment --comment \"$spn -> $ep_ip:$ep_port\" -m statistic --mode random --probability $prob -j $sep"$'\n'
    else
      NAT_RULES+="-A $chain -m comment --comment \"$spn -> $ep_ip:$ep_port\" -j $sep"$'\n'
    fi
    sep_rules+="-A $sep -s $ep_ip/32 -m comment --comment \"$spn\" -j KUBE-MARK-MASQ"$'\n'
    sep_rules+="-A $sep -p $proto -m comment --comment \"$spn\" -m $proto -j DNAT --to-destination $ep_ip:$ep_port"$'\n'
  done
  NAT_RULES+=$sep_rules
}

# flanneld's masquerade rules for node N (pkg/trafficmngr/iptables MasqRules).
flannel_masq_rules() { # N
  local c="-m comment --comment \"flanneld masq\"" local_cidr=10.244.$1.0/24
  emit <<EOF
-A FLANNEL-POSTRTG -m mark --mark $MASQ_MARK/$MASQ_MARK $c -j RETURN
-A FLANNEL-POSTRTG -s $local_cidr -d $CLUSTER_CIDR $c -j RETURN
-A FLANNEL-POSTRTG -s $CLUSTER_CIDR -d $local_cidr $c -j RETURN
-A FLANNEL-POSTRTG ! -s $CLUSTER_CIDR -d $local_cidr $c -j RETURN
-A FLANNEL-POSTRTG -s $CLUSTER_CIDR ! -d 224.0.0.0/4 $c -j MASQUERADE --random-fully
-A FLANNEL-POSTRTG ! -s $CLUSTER_CIDR -d $CLUSTER_CIDR $c -j MASQUERADE --random-fully
EOF
}

rules_mangle() {
  emit <<'EOF'
*mangle
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
:KUBE-IPTABLES-HINT - [0:0]
:KUBE-KUBELET-CANARY - [0:0]
:KUBE-PROXY-CANARY - [0:0]
COMMIT
EOF
}

# The pod the filter-drop fault blocks, and the rule's comment.
FILTER_DROP_POD=web-1
FILTER_DROP_COMMENT="netdoctor-lab: drop traffic to default/web-1 (fault filter-drop)"
POD_SNAT_COMMENT="netdoctor-lab: masquerade pod-to-pod traffic (fault pod-snat)"

rules_filter() { # N
  local n=$1 policy=ACCEPT flannel_fwd=1
  if [ "$n" = 1 ] && fault_active forward-policy-drop; then
    policy=DROP
    flannel_fwd=0
  fi
  printf '*filter\n:INPUT ACCEPT [0:0]\n:FORWARD %s [0:0]\n:OUTPUT ACCEPT [0:0]\n' "$policy"
  [ "$flannel_fwd" = 1 ] && echo ":FLANNEL-FWD - [0:0]"
  emit <<'EOF'
:KUBE-EXTERNAL-SERVICES - [0:0]
:KUBE-FIREWALL - [0:0]
:KUBE-FORWARD - [0:0]
:KUBE-KUBELET-CANARY - [0:0]
:KUBE-NODEPORTS - [0:0]
:KUBE-PROXY-CANARY - [0:0]
:KUBE-PROXY-FIREWALL - [0:0]
:KUBE-SERVICES - [0:0]
-A INPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL
-A INPUT -m comment --comment "kubernetes health check service ports" -j KUBE-NODEPORTS
-A INPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes externally-visible service portals" -j KUBE-EXTERNAL-SERVICES
-A INPUT -j KUBE-FIREWALL
EOF
  if [ "$n" = 1 ] && fault_active filter-drop; then
    printf -- '-A FORWARD -d %s/32 -m comment --comment "%s" -j DROP\n' \
      "${POD_IP[default/$FILTER_DROP_POD]}" "$FILTER_DROP_COMMENT"
  fi
  emit <<'EOF'
-A FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL
-A FORWARD -m comment --comment "kubernetes forwarding rules" -j KUBE-FORWARD
-A FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
-A FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes externally-visible service portals" -j KUBE-EXTERNAL-SERVICES
EOF
  if [ "$flannel_fwd" = 1 ]; then
    echo '-A FORWARD -m comment --comment "flanneld forward" -j FLANNEL-FWD'
  fi
  emit <<'EOF'
-A OUTPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL
-A OUTPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
-A OUTPUT -j KUBE-FIREWALL
EOF
  if [ "$flannel_fwd" = 1 ]; then
    echo "-A FLANNEL-FWD -s $CLUSTER_CIDR -m comment --comment \"flanneld forward\" -j ACCEPT"
    echo "-A FLANNEL-FWD -d $CLUSTER_CIDR -m comment --comment \"flanneld forward\" -j ACCEPT"
  fi
  emit <<EOF
-A KUBE-FIREWALL ! -s 127.0.0.0/8 -d 127.0.0.0/8 -m comment --comment "block incoming localnet connections" -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP
-A KUBE-FORWARD -m conntrack --ctstate INVALID -j DROP
-A KUBE-FORWARD -m comment --comment "kubernetes forwarding rules" -m mark --mark $MASQ_MARK/$MASQ_MARK -j ACCEPT
-A KUBE-FORWARD -m comment --comment "kubernetes forwarding conntrack rule" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
EOF
  printf '%s' "$FILTER_SVC"
  echo COMMIT
}

rules_nat() { # N
  local n=$1 flannel_masq=1
  if [ "$n" = 1 ] && { fault_active egress-no-snat || fault_active coredns-no-snat; }; then flannel_masq=0; fi
  printf '*nat\n:PREROUTING ACCEPT [0:0]\n:INPUT ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\n'
  [ "$flannel_masq" = 1 ] && echo ":FLANNEL-POSTRTG - [0:0]"
  emit <<'EOF'
:KUBE-KUBELET-CANARY - [0:0]
:KUBE-MARK-MASQ - [0:0]
:KUBE-NODEPORTS - [0:0]
:KUBE-POSTROUTING - [0:0]
:KUBE-PROXY-CANARY - [0:0]
:KUBE-SERVICES - [0:0]
EOF
  printf '%s' "$NAT_CHAINS"
  if [ "$n" = 1 ] && fault_active pod-snat; then
    echo "-A POSTROUTING -s $CLUSTER_CIDR -d $CLUSTER_CIDR -m comment --comment \"$POD_SNAT_COMMENT\" -j MASQUERADE"
  fi
  emit <<'EOF'
-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
-A OUTPUT -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
-A POSTROUTING -m comment --comment "kubernetes postrouting rules" -j KUBE-POSTROUTING
EOF
  if [ "$flannel_masq" = 1 ]; then
    echo '-A POSTROUTING -m comment --comment "flanneld masq" -j FLANNEL-POSTRTG'
    flannel_masq_rules "$n"
  fi
  emit <<EOF
-A KUBE-MARK-MASQ -j MARK --or-mark $MASQ_MARK
-A KUBE-POSTROUTING -m mark ! --mark $MASQ_MARK/$MASQ_MARK -j RETURN
-A KUBE-POSTROUTING -j MARK --xor-mark $MASQ_MARK
-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE --random-fully
EOF
  printf '%s' "$NAT_SVC"
  echo '-A KUBE-SERVICES -m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS'
  printf '%s' "$NAT_RULES"
  echo COMMIT
}

# Prints node N's complete iptables-restore input.
rules_generate() { # N
  local n=$1 line ns svc cip pname port proto
  NAT_CHAINS="" NAT_SVC="" NAT_RULES="" FILTER_SVC=""
  for line in "${MODEL_PORTS[@]}"; do
    read -r ns svc cip pname port proto _ <<<"$line"
    rules_one_port "$n" "$ns" "$svc" "$cip" "$pname" "$port" "$proto"
  done
  echo "# netdoctor lab: iptables rules of node$n, generated from tests/lab/services.tsv"
  rules_mangle
  rules_filter "$n"
  rules_nat "$n"
}

# Regenerates and loads every node's rules (a full restore of mangle, filter and nat:
# iptables-restore flushes the tables it is given, so rules added by hand are gone too).
rules_apply() {
  local n f line ns svc pname proto ep spn
  local -a keys=()
  for line in "${MODEL_PORTS[@]}"; do
    read -r ns svc _ pname _ proto _ <<<"$line"
    spn="$ns/$svc:$pname${proto,,}"
    keys+=("$spn")
    for ((n = 1; n <= NODE_COUNT; n++)); do
      endpoints_of "$ns" "$svc" "$pname" rules "$n"
      for ep in "${EPS[@]}"; do
        read -r ip port _ <<<"$ep"
        keys+=("$spn$ip:$port")
      done
    done
  done
  kp_hash_prefetch "${keys[@]}"
  for ((n = 1; n <= NODE_COUNT; n++)); do
    f="$LAB_STATE/nodes/node$n/iptables.rules"
    mkdir -p "${f%/*}"
    rules_generate "$n" >"$f"
    ipt_restore "$n" <"$f" || die "iptables-$IPT_MODE-restore failed on node$n (input: $f)"
  done
}
