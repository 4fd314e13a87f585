# shellcheck shell=bash
# `lab inventory`: what `kubectl get nodes,pods,services,endpointslices -A -o json` prints for
# this lab, a v1 List with keys sorted as kubectl prints them. Nodes, pods and Services come
# from the model (pods.tsv, services.tsv) and the pods' runtime state; EndpointSlices from the
# model's "cluster" view of endpoints (faults such as service-no-endpoints change it).

INV_RV=1000
inv_rv() { INV_RV=$((INV_RV + 7)); }

# A kubernetes-style random suffix (consonants and digits), stable per seed.
k8s_suffix() { # VAR SEED [LEN=5]
  local alphabet=bcdfghjklmnpqrstvwxz2456789 h i out=""
  hash_hex h "$2" 16
  for ((i = 0; i < ${3:-5}; i++)); do
    out+=${alphabet:$((16#${h:$((i * 2)):2} % ${#alphabet})):1}
  done
  printf -v "$1" '%s' "$out"
}
uuid() { # STRING : writes a uid as a JSON string value under key "uid"-like callers give
  uuid_of UUID "$1"
}

inv_metadata() { # NAME NAMESPACE(or -) UIDSEED labels...  (annotations written by caller before)
  local name=$1 ns=$2 seed=$3
  shift 3
  j_str creationTimestamp "$CREATED_ISO"
  [ $# -gt 0 ] && j_strmap labels "$@"
  j_str name "$name"
  [ "$ns" != - ] && j_str namespace "$ns"
  inv_rv
  j_str resourceVersion "$INV_RV"
  uuid "$seed"
  j_str uid "$UUID"
}

inv_node() { # N
  local n=$1 name=node$1 ip=$UNDERLAY_PREFIX.$((10 + $1)) ts=$CREATED_ISO mac h
  printf -v mac '0e:6e:64:00:00:%02x' "$n"
  j_open "" '{'
  j_str apiVersion v1
  j_str kind Node
  j_open metadata '{'
  j_open annotations '{'
  if [ "$BACKEND" = vxlan ]; then
    j_str flannel.alpha.coreos.com/backend-data "{\"VNI\":$VXLAN_VNI,\"VtepMAC\":\"$mac\"}"
    j_str flannel.alpha.coreos.com/backend-type vxlan
  else
    j_str flannel.alpha.coreos.com/backend-data null
    j_str flannel.alpha.coreos.com/backend-type host-gw
  fi
  j_str flannel.alpha.coreos.com/kube-subnet-manager true
  j_str flannel.alpha.coreos.com/public-ip "$ip"
  j_str kubeadm.alpha.kubernetes.io/cri-socket unix:///var/run/containerd/containerd.sock
  j_str node.alpha.kubernetes.io/ttl 0
  j_str volumes.kubernetes.io/controller-managed-attach-detach true
  j_close '}'
  inv_metadata "$name" - "node/$name" beta.kubernetes.io/arch=amd64 beta.kubernetes.io/os=linux \
    kubernetes.io/arch=amd64 "kubernetes.io/hostname=$name" kubernetes.io/os=linux
  j_close '}'
  j_open spec '{'
  j_str podCIDR "10.244.$n.0/24"
  j_strlist podCIDRs "10.244.$n.0/24"
  j_close '}'
  j_open status '{'
  j_open addresses '['
  j_open "" '{'; j_str address "$ip"; j_str type InternalIP; j_close '}'
  j_open "" '{'; j_str address "$name"; j_str type Hostname; j_close '}'
  j_close ']'
  j_strmap allocatable cpu=2 ephemeral-storage=18698430040 hugepages-2Mi=0 memory=24477396Ki pods=110
  j_strmap capacity cpu=2 ephemeral-storage=20289580Ki hugepages-2Mi=0 memory=24579796Ki pods=110
  j_open conditions '['
  inv_node_condition "$ts" "Flannel is running on this node" FlannelIsUp False NetworkUnavailable
  inv_node_condition "$ts" "kubelet has sufficient memory available" KubeletHasSufficientMemory False MemoryPressure
  inv_node_condition "$ts" "kubelet has no disk pressure" KubeletHasNoDiskPressure False DiskPressure
  inv_node_condition "$ts" "kubelet has sufficient PID available" KubeletHasSufficientPID False PIDPressure
  inv_node_condition "$ts" "kubelet is posting ready status" KubeletReady True Ready
  j_close ']'
  j_open daemonEndpoints '{'; j_open kubeletEndpoint '{'; j_raw Port 10250; j_close '}'; j_close '}'
  j_open nodeInfo '{'
  j_str architecture amd64
  uuid "boot/$name"
  j_str bootID "$UUID"
  j_str containerRuntimeVersion containerd://1.7.20
  j_str kernelVersion "$KERNEL_RELEASE"
  j_str kubeProxyVersion "$K8S_VERSION"
  j_str kubeletVersion "$K8S_VERSION"
  hash_hex h "machine/$name" 32
  j_str machineID "$h"
  j_str operatingSystem linux
  j_str osImage "Debian GNU/Linux 12 (bookworm)"
  uuid "system/$name"
  j_str systemUUID "$UUID"
  j_close '}'
  j_close '}'
  j_close '}'
}

inv_node_condition() { # TS MESSAGE REASON STATUS TYPE
  j_open "" '{'
  j_str lastHeartbeatTime "$1"
  j_str lastTransitionTime "$1"
  j_str message "$2"
  j_str reason "$3"
  j_str status "$4"
  j_str type "$5"
  j_close '}'
}

inv_pod_condition() { # TS TYPE
  j_open "" '{'
  j_raw lastProbeTime null
  j_str lastTransitionTime "$1"
  j_str status True
  j_str type "$2"
  j_close '}'
}

# A pod's image, container name and port per role.
inv_pod_role() { # ROLE -> "image container port proto portname"
  case $1 in
    dns) ROLE_INFO="registry.k8s.io/coredns/coredns:v1.11.1 coredns 53 UDP dns" ;;
    web) ROLE_INFO="docker.io/library/nginx:1.22 web 80 TCP http" ;;
    slow) ROLE_INFO="docker.io/library/python:3.11-slim slow 8080 TCP http" ;;
    client) ROLE_INFO="docker.io/library/debian:12 client - - -" ;;
    kube-proxy) ROLE_INFO="registry.k8s.io/kube-proxy:$K8S_VERSION kube-proxy - - -" ;;
    flannel) ROLE_INFO="docker.io/flannel/flannel:v0.25.5 kube-flannel - - -" ;;
  esac
}

# Sorts the array named by VAR in place (a handful of labels: no fork for sort).
sort_array() { # VAR
  local -n arr=$1
  local i j t
  for ((i = 1; i < ${#arr[@]}; i++)); do
    for ((j = i; j > 0; j--)); do
      if [[ ${arr[j - 1]} > ${arr[j]} ]]; then
        t=${arr[j]} arr[j]=${arr[j - 1]} arr[j - 1]=$t
      else
        break
      fi
    done
  done
}

# A sidecar container's image (pods.tsv's sidecar column): no ports, no service-account mount.
SIDECAR_IMAGE=docker.io/library/busybox:1.36

# A container's status in a Pod's status.containerStatuses.
inv_container_status() { # CONTAINER IMAGE ID_SEED
  local h ts=$CREATED_ISO
  j_open "" '{'
  hash_hex h "$3"
  j_str containerID "containerd://$h"
  j_str image "$2"
  hash_hex h "image/$2"
  j_str imageID "${2%%:*}@sha256:$h"
  j_open lastState '{'; j_close '}'
  j_str name "$1"
  j_raw ready true
  j_raw restartCount 0
  j_raw started true
  j_open state '{'; j_open running '{'; j_str startedAt "$ts"; j_close '}'; j_close '}'
  j_close '}'
}

# One Pod object. For hostNetwork pods IP is the node's. SIDECAR ("-" for none) is a first
# container without the service-account volume mount.
inv_pod() { # NODE NS NAME ROLE LABELS SA IP HOSTNET SIDECAR
  local n=$1 ns=$2 name=$3 role=$4 labels=$5 sa=$6 ip=$7 hostnet=$8 sidecar=${9:--} ts=$CREATED_ISO image cname cport cproto cpname
  local node_ip=$UNDERLAY_PREFIX.$((10 + $1)) vol h
  local -a lab
  inv_pod_role "$role"
  read -r image cname cport cproto cpname <<<"$ROLE_INFO"
  IFS=, read -r -a lab <<<"$labels"
  sort_array lab
  k8s_suffix vol "vol/$ns/$name"
  j_open "" '{'
  j_str apiVersion v1
  j_str kind Pod
  j_open metadata '{'
  inv_metadata "$name" "$ns" "pod/$ns/$name" "${lab[@]}"
  j_close '}'
  j_open spec '{'
  j_open containers '['
  if [ "$sidecar" != - ]; then
    j_open "" '{'
    j_str image "$SIDECAR_IMAGE"
    j_str imagePullPolicy IfNotPresent
    j_str name "$sidecar"
    j_open resources '{'; j_close '}'
    j_str terminationMessagePath /dev/termination-log
    j_str terminationMessagePolicy File
    j_close '}'
  fi
  j_open "" '{'
  j_str image "$image"
  j_str imagePullPolicy IfNotPresent
  j_str name "$cname"
  if [ "$cport" != - ]; then
    j_open ports '['
    j_open "" '{'; j_raw containerPort "$cport"; j_str name "$cpname"; j_str protocol "$cproto"; j_close '}'
    [ "$role" = dns ] && { j_open "" '{'; j_raw containerPort 53; j_str name dns-tcp; j_str protocol TCP; j_close '}'; }
    j_close ']'
  fi
  j_open resources '{'; j_close '}'
  j_str terminationMessagePath /dev/termination-log
  j_str terminationMessagePolicy File
  j_open volumeMounts '['
  j_open "" '{'
  j_str mountPath /var/run/secrets/kubernetes.io/serviceaccount
  j_str name "kube-api-access-$vol"
  j_raw readOnly true
  j_close '}'
  j_close ']'
  j_close '}'
  j_close ']'
  if [ "$role" = dns ]; then j_str dnsPolicy Default; else j_str dnsPolicy ClusterFirst; fi
  j_raw enableServiceLinks true
  [ "$hostnet" = true ] && j_raw hostNetwork true
  j_str nodeName "node$n"
  j_str preemptionPolicy PreemptLowerPriority
  j_raw priority 0
  j_str restartPolicy Always
  j_str schedulerName default-scheduler
  j_open securityContext '{'; j_close '}'
  j_str serviceAccount "$sa"
  j_str serviceAccountName "$sa"
  j_raw terminationGracePeriodSeconds 30
  inv_pod_volumes "$vol"
  j_close '}'
  j_open status '{'
  j_open conditions '['
  inv_pod_condition "$ts" PodReadyToStartContainers
  inv_pod_condition "$ts" Initialized
  inv_pod_condition "$ts" Ready
  inv_pod_condition "$ts" ContainersReady
  inv_pod_condition "$ts" PodScheduled
  j_close ']'
  # kubectl lists the statuses sorted by container name.
  local -a statuses=("$cname")
  [ "$sidecar" != - ] && statuses+=("$sidecar")
  sort_array statuses
  j_open containerStatuses '['
  for h in "${statuses[@]}"; do
    if [ "$h" = "$cname" ]; then
      inv_container_status "$cname" "$image" "container/$ns/$name"
    else
      inv_container_status "$h" "$SIDECAR_IMAGE" "container/$ns/$name/$h"
    fi
  done
  j_close ']'
  j_str hostIP "$node_ip"
  j_open hostIPs '['; j_open "" '{'; j_str ip "$node_ip"; j_close '}'; j_close ']'
  j_str phase Running
  j_str podIP "$ip"
  j_open podIPs '['; j_open "" '{'; j_str ip "$ip"; j_close '}'; j_close ']'
  j_str qosClass BestEffort
  j_str startTime "$ts"
  j_close '}'
  j_close '}'
}

inv_pod_volumes() { # VOLUME_SUFFIX : the projected service-account volume
  j_open volumes '['
  j_open "" '{'
  j_str name "kube-api-access-$1"
  j_open projected '{'
  j_raw defaultMode 420
  j_open sources '['
  j_open "" '{'; j_open serviceAccountToken '{'; j_raw expirationSeconds 3607; j_str path token; j_close '}'; j_close '}'
  j_open "" '{'; j_open configMap '{'; j_open items '['
  j_open "" '{'; j_str key ca.crt; j_str path ca.crt; j_close '}'
  j_close ']'; j_str name kube-root-ca.crt; j_close '}'; j_close '}'
  j_open "" '{'; j_open downwardAPI '{'; j_open items '['
  j_open "" '{'; j_open fieldRef '{'; j_str apiVersion v1; j_str fieldPath metadata.namespace; j_close '}'
  j_str path namespace; j_close '}'
  j_close ']'; j_close '}'; j_close '}'
  j_close ']'
  j_close '}'
  j_close '}'
  j_close ']'
}

# Every pod of the inventory, "node ns name role labels sa ip hostNetwork", sorted by ns/name:
# the lab's pods plus the hostNetwork DaemonSet pods every node runs (kube-proxy, flannel),
# which have no namespace of their own (they share the node's).
inv_pod_lines() {
  local line n ns name role labels sa sidecar suffix
  for line in "${MODEL_PODS[@]}"; do
    read -r n ns name role labels sa sidecar <<<"$line"
    printf '%s %s %s %s %s %s %s false %s\n' "$n" "$ns" "$name" "$role" "$labels" "$sa" "${POD_IP[$ns/$name]:-}" "$sidecar"
  done
  for ((n = 1; n <= NODE_COUNT; n++)); do
    k8s_suffix suffix "kube-proxy/$n"
    printf '%s kube-system kube-proxy-%s kube-proxy k8s-app=kube-proxy,pod-template-generation=1 kube-proxy %s true\n' \
      "$n" "$suffix" "$UNDERLAY_PREFIX.$((10 + n))"
    k8s_suffix suffix "flannel/$n"
    printf '%s kube-flannel kube-flannel-ds-%s flannel app=flannel,k8s-app=flannel,tier=node flannel %s true\n' \
      "$n" "$suffix" "$UNDERLAY_PREFIX.$((10 + n))"
  done
}

inv_service() { # NS NAME CLUSTERIP SELECTOR
  local ns=$1 svc=$2 cip=$3 sel=$4 sns ssvc scip pname port proto tport ssel line
  j_open "" '{'
  j_str apiVersion v1
  j_str kind Service
  j_open metadata '{'
  case $ns/$svc in
    default/kubernetes) inv_metadata "$svc" "$ns" "svc/$ns/$svc" component=apiserver provider=kubernetes ;;
    kube-system/kube-dns)
      j_strmap annotations prometheus.io/port=9153 prometheus.io/scrape=true
      inv_metadata "$svc" "$ns" "svc/$ns/$svc" k8s-app=kube-dns kubernetes.io/cluster-service=true kubernetes.io/name=CoreDNS ;;
    *) inv_metadata "$svc" "$ns" "svc/$ns/$svc" "app=$svc" ;;
  esac
  j_close '}'
  j_open spec '{'
  j_str clusterIP "$cip"
  j_strlist clusterIPs "$cip"
  j_str internalTrafficPolicy Cluster
  j_strlist ipFamilies IPv4
  j_str ipFamilyPolicy SingleStack
  j_open ports '['
  for line in "${MODEL_PORTS[@]}"; do
    read -r sns ssvc scip pname port proto tport ssel <<<"$line"
    [ "$sns/$ssvc" = "$ns/$svc" ] || continue
    j_open "" '{'; j_str name "$pname"; j_raw port "$port"; j_str protocol "$proto"; j_raw targetPort "$tport"; j_close '}'
  done
  j_close ']'
  [ "$sel" != - ] && j_strmap selector "$sel"
  j_str sessionAffinity None
  j_str type ClusterIP
  j_close '}'
  j_open status '{'; j_open loadBalancer '{'; j_close '}'; j_close '}'
  j_close '}'
}

inv_slice_name() { # VAR NS SVC SELECTOR
  local suffix
  if [ "$4" = - ]; then
    printf -v "$1" '%s' "$3"
  else
    k8s_suffix suffix "slice/$2/$3"
    printf -v "$1" '%s-%s' "$3" "$suffix"
  fi
}

inv_endpointslice() { # NS NAME SELECTOR
  local ns=$1 svc=$2 sel=$3 sname first_port="" ip port pnode pns pname sns ssvc scip spname sport sproto stport ssel line
  local -a eps
  inv_slice_name sname "$ns" "$svc" "$sel"
  for line in "${MODEL_PORTS[@]}"; do
    read -r sns ssvc scip spname _ <<<"$line"
    if [ "$sns/$ssvc" = "$ns/$svc" ]; then
      first_port=$spname
      break
    fi
  done
  endpoints_of "$ns" "$svc" "$first_port" cluster
  eps=("${EPS[@]}")
  j_open "" '{'
  j_str addressType IPv4
  j_str apiVersion discovery.k8s.io/v1
  if [ ${#eps[@]} -eq 0 ]; then
    j_raw endpoints null
  else
    j_open endpoints '['
    for line in "${eps[@]}"; do
      read -r ip port pnode pns pname <<<"$line"
      j_open "" '{'
      j_strlist addresses "$ip"
      if [ "$pnode" = - ]; then
        j_open conditions '{'; j_raw ready true; j_close '}'
      else
        j_open conditions '{'; j_raw ready true; j_raw serving true; j_raw terminating false; j_close '}'
        j_str nodeName "node$pnode"
        j_open targetRef '{'
        uuid "pod/$pns/$pname"
        j_str kind Pod; j_str name "$pname"; j_str namespace "$pns"; j_str uid "$UUID"
        j_close '}'
      fi
      j_close '}'
    done
    j_close ']'
  fi
  j_str kind EndpointSlice
  j_open metadata '{'
  if [ "$sel" = - ]; then
    inv_metadata "$sname" "$ns" "slice/$ns/$svc" "kubernetes.io/service-name=$svc"
  else
    j_strmap annotations "endpoints.kubernetes.io/last-change-trigger-time=$CREATED_ISO"
    j_str creationTimestamp "$CREATED_ISO"
    j_str generateName "$svc-"
    j_raw generation 1
    j_strmap labels endpointslice.kubernetes.io/managed-by=endpointslice-controller.k8s.io "kubernetes.io/service-name=$svc"
    j_str name "$sname"
    j_str namespace "$ns"
    j_open ownerReferences '['
    j_open "" '{'
    uuid "svc/$ns/$svc"
    j_str apiVersion v1; j_raw blockOwnerDeletion true; j_raw controller true; j_str kind Service
    j_str name "$svc"; j_str uid "$UUID"
    j_close '}'
    j_close ']'
    inv_rv
    j_str resourceVersion "$INV_RV"
    uuid "slice/$ns/$svc"
    j_str uid "$UUID"
  fi
  j_close '}'
  j_open ports '['
  for line in "${MODEL_PORTS[@]}"; do
    read -r sns ssvc scip spname sport sproto stport ssel <<<"$line"
    [ "$sns/$ssvc" = "$ns/$svc" ] || continue
    j_open "" '{'; j_str name "$spname"; j_raw port "$stport"; j_str protocol "$sproto"; j_close '}'
  done
  j_close ']'
  j_close '}'
}

inventory_print() {
  local n line ns svc cip sel sname
  KERNEL_RELEASE=$(uname -r)
  j_begin
  j_open "" '{'
  j_str apiVersion v1
  j_open items '['
  for ((n = 1; n <= NODE_COUNT; n++)); do inv_node "$n"; done
  while read -r line; do
    # shellcheck disable=SC2086
    inv_pod $line
  done < <(inv_pod_lines | sort -k2,2 -k3,3)
  while read -r ns svc cip sel; do
    inv_service "$ns" "$svc" "$cip" "$sel"
  done < <(model_services | sort -k1,1 -k2,2)
  local -a slices=()
  for line in "${MODEL_SVCS[@]}"; do
    read -r ns svc cip sel <<<"$line"
    inv_slice_name sname "$ns" "$svc" "$sel"
    slices+=("$ns/$sname $ns $svc $sel")
  done
  sort_array slices
  for line in "${slices[@]}"; do
    read -r _ ns svc sel <<<"$line"
    inv_endpointslice "$ns" "$svc" "$sel"
  done
  j_close ']'
  j_str kind List
  j_open metadata '{'; j_str resourceVersion ""; j_close '}'
  j_close '}'
}
