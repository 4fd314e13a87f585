// Catalogue entries of the dns, apiserver and egress layers: what a pod needs from the cluster
// and from beyond it.
#include "report/catalogue_data.h"

namespace netdoctor::report::detail {

namespace {

CodeInfo dns_server_unreachable() {
  return {
      .layer = Layer::kDns,
      .code = "dns-server-unreachable",
      .title = "no DNS server answers from the pod (ClusterIP and endpoints)",
      .detection =
          "From the pod, queries kubernetes.default.svc.<cluster domain> at each nameserver of "
          "its resolv.conf (normally the kube-dns ClusterIP) and at each CoreDNS endpoint "
          "directly, over UDP and TCP: none answers in time. Endpoints that answer when the "
          "ClusterIP does not point at the service layer; silent endpoints at CoreDNS itself or "
          "the path to its node.",
      .confirm = R"sh(
nsenter -t <pod-pid> -n dig +time=2 +tries=1 @<dns-ip> kubernetes.default.svc.cluster.local
nsenter -t <pod-pid> -n dig +time=2 +tries=1 +tcp @<dns-ip> kubernetes.default.svc.cluster.local
nsenter -t <pod-pid> -n dig +time=2 +tries=1 @<coredns-ip> kubernetes.default.svc.cluster.local
kubectl -n kube-system get pods -l k8s-app=kube-dns -o wide
kubectl -n kube-system get endpointslices -l kubernetes.io/service-name=kube-dns
)sh",
      .remedy = R"sh(
# CoreDNS pods not running or not ready
kubectl -n kube-system logs -l k8s-app=kube-dns --tail=50
kubectl -n kube-system rollout restart deployment coredns
# The endpoints answer but the ClusterIP does not: see the service findings. A stale UDP
# conntrack entry may still point at a CoreDNS pod that is gone
conntrack -D -p udp --orig-dst <dns-ip> --dport 53
# A NetworkPolicy that limits egress must allow UDP and TCP 53 to kube-dns
kubectl -n <ns> get networkpolicy
)sh",
  };
}

CodeInfo dns_resolv_conf_invalid() {
  return {
      .layer = Layer::kDns,
      .code = "dns-resolv-conf-invalid",
      .title = "the pod's resolv.conf names no working nameserver or breaks resolver limits",
      .detection =
          "Reads the pod's /etc/resolv.conf through /proc/<pid>/root: no nameserver line, a "
          "nameserver that is not an address or is a loopback stub (127.0.0.53 copied from a "
          "systemd-resolved node, which does not exist inside the pod), more than 3 nameservers "
          "(the resolver ignores the rest), more than 6 search domains or a search list longer "
          "than 256 characters (older glibc drops the excess), a search domain that is not a "
          "domain name (longer than 253 bytes or with a label longer than 63: RFC 1035), or ndots "
          "above 15. Also when a "
          "name resolves as is but not through the pod's search list: each search domain is "
          "asked alone as well, and one that answers neither NXDOMAIN nor an address (a "
          "timeout, REFUSED) is named: musl (Alpine images), c-ares and BIND's tools end the "
          "search there for every name with fewer dots than ndots, and glibc asks the bare name "
          "only after it.",
      .confirm = R"sh(
cat /proc/<pod-pid>/root/etc/resolv.conf
# A search domain that ends the search: the name as is works, through the search list it fails
nsenter -t <pod-pid> -n -m host example.com.
nsenter -t <pod-pid> -n -m host example.com
dig @<pod-nameserver> example.com.<search-domain>
kubectl -n <ns> get pod <pod> -o jsonpath='{.spec.dnsPolicy}{" "}{.spec.dnsConfig}{"\n"}'
# The file kubelet hands to pods with dnsPolicy Default, and whose search domains it appends
grep -i resolvConf /var/lib/kubelet/config.yaml
)sh",
      .remedy = R"sh(
# On systemd-resolved nodes kubelet must read the real file, not the 127.0.0.53 stub:
#   resolvConf: /run/systemd/resolve/resolv.conf   (in /var/lib/kubelet/config.yaml)
systemctl restart kubelet
# Too many search domains, or one whose DNS refuses or times out: trim the node's resolv.conf
# (kubelet appends its search domains), or set the pod's spec.dnsConfig / dnsPolicy
kubectl -n <ns> edit deployment <deployment>
# resolv.conf is written when the pod starts: recreate it after the fix
kubectl -n <ns> delete pod <pod>
)sh",
  };
}

CodeInfo dns_upstream_failure() {
  return {
      .layer = Layer::kDns,
      .code = "dns-upstream-failure",
      .title = "cluster names resolve, outside names fail (SERVFAIL/timeout upstream)",
      .detection =
          "Cluster names resolve from the pod, but an outside name (the host of an --egress "
          "target, else a well-known name) gets SERVFAIL or times out: CoreDNS's forward plugin "
          "cannot reach its upstream servers, or gets no answer from them.",
      .confirm = R"sh(
nsenter -t <pod-pid> -n dig +time=2 @<dns-ip> kubernetes.default.svc.cluster.local
nsenter -t <pod-pid> -n dig +time=2 @<dns-ip> <host>
kubectl -n kube-system get configmap coredns -o jsonpath='{.data.Corefile}'
kubectl -n kube-system logs -l k8s-app=kube-dns --tail=50 | grep -iE 'error|timeout'
# The upstream, asked from the node CoreDNS runs on
dig +time=2 @<upstream-ip> <host>
)sh",
      .remedy = R"sh(
# CoreDNS forwards to its node's resolv.conf ("forward . /etc/resolv.conf"); when that names
# the 127.0.0.53 stub of systemd-resolved, CoreDNS queries itself (its loop plugin then stops it).
# Forward to real upstream servers instead:  forward . <upstream-ip>
kubectl -n kube-system edit configmap coredns
kubectl -n kube-system rollout restart deployment coredns
# CoreDNS's queries leave the node like any pod traffic: see egress-no-snat if they are not masqueraded
)sh",
  };
}

CodeInfo dns_name_not_found() {
  return {
      .layer = Layer::kDns,
      .code = "dns-name-not-found",
      .title = "a cluster name that must exist is NXDOMAIN",
      .detection =
          "A name that must exist, kubernetes.default.svc.<cluster domain> or "
          "<svc>.<ns>.svc.<cluster domain> of a Service in the inventory, answers NXDOMAIN: "
          "CoreDNS serves another cluster domain than the one kubelet gives the pods, or cannot "
          "read Services and EndpointSlices from the API server.",
      .confirm = R"sh(
nsenter -t <pod-pid> -n dig @<dns-ip> kubernetes.default.svc.cluster.local
grep -i clusterDomain /var/lib/kubelet/config.yaml
kubectl -n kube-system get configmap coredns -o jsonpath='{.data.Corefile}' | grep kubernetes
kubectl -n kube-system logs -l k8s-app=kube-dns --tail=50 | grep -iE 'forbidden|failed to (list|watch)'
)sh",
      .remedy = R"sh(
# The zone of CoreDNS's kubernetes plugin must equal kubelet's clusterDomain
kubectl -n kube-system edit configmap coredns
# CoreDNS must be allowed to list and watch services, endpointslices and namespaces
kubectl auth can-i list endpointslices.discovery.k8s.io --as=system:serviceaccount:kube-system:coredns
kubectl get clusterrole system:coredns -o yaml
)sh",
  };
}

CodeInfo dns_search_path_slow() {
  return {
      .layer = Layer::kDns,
      .code = "dns-search-path-slow",
      .title = "outside names cost several failed lookups first (ndots and a long search list)",
      .detection =
          "Reads the pod's resolv.conf: with options ndots:N (5 in Kubernetes) every name with "
          "fewer than N dots is first tried with each search domain (the pod's namespace, svc, "
          "the cluster domain and the node's own domains), an A and an AAAA query each that end "
          "in NXDOMAIN, before the name itself. A warning when an outside name needs three or "
          "more such extra round trips.",
      .confirm = R"sh(
cat /proc/<pod-pid>/root/etc/resolv.conf
# One query per search domain before the real one
nsenter -t <pod-pid> -n tcpdump -ni eth0 -c 20 udp port 53
)sh",
      .remedy = R"sh(
# Name outside hosts fully, with a trailing dot: api.example.com.
# Or lower ndots for the workload, in its pod template:
#   dnsConfig:
#     options:
#       - name: ndots
#         value: "2"
kubectl -n <ns> edit deployment <deployment>
)sh",
      .extra = true,
  };
}

CodeInfo apiserver_unreachable() {
  return {
      .layer = Layer::kApiserver,
      .code = "apiserver-unreachable",
      .title = "the API server does not accept connections from the pod",
      .detection =
          "From the pod, opens a TCP connection to the kubernetes Service "
          "(KUBERNETES_SERVICE_HOST, port 443) and to its endpoints, the API servers' own "
          "addresses (port 6443 by default): none accepts (timeout or refused).",
      .confirm = R"sh(
nsenter -t <pod-pid> -n curl -k -sS --max-time 3 https://<kubernetes-cluster-ip>/version
nsenter -t <pod-pid> -n curl -k -sS --max-time 3 https://<apiserver-ip>:6443/version
kubectl get endpointslices -n default -l kubernetes.io/service-name=kubernetes
iptables-save -t nat | grep -F 'default/kubernetes'
)sh",
      .remedy = R"sh(
# It works from the node but not from the pod: the API server lives outside the pod network,
# so pod traffic to it must be masqueraded (see egress-no-snat) for the reply to come back
curl -k -sS --max-time 3 https://<apiserver-ip>:6443/version
# A firewall on the control-plane node must accept 6443 from the nodes and the pod CIDR
iptables -S INPUT
# The Service's rules are missing or stale: see service-rules-missing and endpoints-stale
)sh",
  };
}

CodeInfo apiserver_tls_untrusted() {
  return {
      .layer = Layer::kApiserver,
      .code = "apiserver-tls-untrusted",
      .title = "the API server's certificate is not signed by the pod's service-account CA",
      .detection =
          "Makes a TLS handshake with the API server from the pod and verifies its certificate "
          "against the pod's service-account CA "
          "(/var/run/secrets/kubernetes.io/serviceaccount/ca.crt) for the name "
          "kubernetes.default.svc: the chain does not verify, or the name does not match.",
      .confirm = R"sh(
CA=/proc/<pod-pid>/root/var/run/secrets/kubernetes.io/serviceaccount/ca.crt
nsenter -t <pod-pid> -n openssl s_client -connect <kubernetes-cluster-ip>:443 -servername kubernetes.default.svc -CAfile "$CA" </dev/null 2>/dev/null | grep -E 'subject=|issuer=|Verify return code'
openssl x509 -in "$CA" -noout -subject -enddate
)sh",
      .remedy = R"sh(
# The pod's CA comes from the kube-root-ca.crt ConfigMap of its namespace; after a CA rotation
# running pods keep the old file until they restart
kubectl -n <ns> get configmap kube-root-ca.crt -o jsonpath='{.data.ca\.crt}' | openssl x509 -noout -subject -enddate
kubectl -n <ns> rollout restart deployment <deployment>
# The API server's certificate must name kubernetes.default.svc and the ClusterIP
openssl x509 -in /etc/kubernetes/pki/apiserver.crt -noout -ext subjectAltName
# A TLS-intercepting proxy on the path shows up as a foreign issuer above
)sh",
  };
}

CodeInfo apiserver_unauthorized() {
  return {
      .layer = Layer::kApiserver,
      .code = "apiserver-unauthorized",
      .title = "the API server rejects the pod's service-account token",
      .detection =
          "Sends an authenticated request (GET /api with the pod's service-account token as "
          "Bearer token) to the API server, which answers 401 Unauthorized. A 403 is an RBAC "
          "decision about a valid token and not this finding.",
      .confirm = R"sh(
SA=/proc/<pod-pid>/root/var/run/secrets/kubernetes.io/serviceaccount
nsenter -t <pod-pid> -n curl -sS --cacert "$SA/ca.crt" -H "Authorization: Bearer $(cat "$SA/token")" https://<kubernetes-cluster-ip>/api
# The token's claims: exp (expiry), iss, aud and the service account it names
cut -d. -f2 "$SA/token" | tr '_-' '/+' | base64 -d 2>/dev/null; echo
)sh",
      .remedy = R"sh(
# An expired token: kubelet refreshes projected tokens, but the application must read the file again
kubectl -n <ns> delete pod <pod>
# The service account was deleted and created again: pods hold tokens of the old one
kubectl -n <ns> get serviceaccount <sa> -o jsonpath='{.metadata.uid}{"\n"}'
# The API server's --service-account-issuer changed: restart the pods.
# Clock skew on the node makes valid tokens look expired or not yet valid
timedatectl status
)sh",
  };
}

CodeInfo egress_no_snat() {
  return {
      .layer = Layer::kEgress,
      .code = "egress-no-snat",
      .title = "pod traffic leaves the node without masquerade",
      .detection =
          "Looks for the masquerade that pod traffic to outside the cluster needs: a MASQUERADE "
          "or SNAT rule in nat POSTROUTING, directly or in a chain such as FLANNEL-POSTRTG or "
          "IP-MASQ, that matches the pod's address and an outside destination. Without it the "
          "packets leave with the pod IP as source, and the replies never find their way back. "
          "The node layer judges it once per node (check node.masquerade) for the upstream DNS "
          "servers of a cluster DNS pod running there, the API server when it is outside the pod "
          "network, --egress targets given as addresses and one outside address: a warning "
          "there (pod networks routed from outside need no masquerade) until a failure it "
          "explains confirms it (the cluster DNS's upstream failing, the API server or an egress "
          "target unreachable through such a flow); it is then the root cause, with or without "
          "--egress. The egress layer reports it too when its own probe of a target fails.",
      .confirm = R"sh(
iptables -t nat -L POSTROUTING -v -n --line-numbers
iptables-save -t nat | grep -E 'MASQUERADE|SNAT'
# During an outside probe: the reply direction must name the node's address
conntrack -L -s <pod-ip>
tcpdump -ni <uplink> -c 10 host <target-ip>
)sh",
      .remedy = R"sh(
# flannel masquerades when started with --ip-masq (its default manifest): restart it on this node
kubectl -n kube-flannel delete pod <flannel-pod>
# Stopgap by hand: masquerade pod traffic that leaves the cluster CIDR
iptables -t nat -A POSTROUTING -s <cluster-cidr> ! -d <cluster-cidr> -j MASQUERADE
# ip-masq-agent: the destination must not be listed in nonMasqueradeCIDRs
kubectl -n kube-system get configmap ip-masq-agent -o yaml
)sh",
  };
}

CodeInfo egress_unreachable() {
  return {
      .layer = Layer::kEgress,
      .code = "egress-unreachable",
      .title = "the outside target does not answer, cause not narrowed further",
      .detection =
          "Connects from the pod to an --egress target (TCP connect, then the HTTP request for "
          "http:// and https://): no answer or an error, although the name resolved and the "
          "masquerade is in place. The cause lies beyond what the node shows: a proxy, a "
          "firewall, the target itself.",
      .confirm = R"sh(
nsenter -t <pod-pid> -n curl -sv --max-time 5 <url>
# The same from the node: if it fails there too, the cause is outside the cluster
curl -sv --max-time 5 <url>
nsenter -t <pod-pid> -n tracepath -n <target-ip>
)sh",
      .remedy = R"sh(
# Egress NetworkPolicies of the source's namespace
kubectl -n <ns> get networkpolicy
# Only the node gets through: it may use a proxy that the pod does not know about
env | grep -i _proxy
# A firewall or cloud NAT that admits only the nodes' addresses sees masqueraded pod traffic as
# the node's; one that sees pod addresses needs the pod CIDR admitted
)sh",
  };
}

CodeInfo egress_dns_failure() {
  return {
      .layer = Layer::kEgress,
      .code = "egress-dns-failure",
      .title = "the outside name does not resolve from the pod",
      .detection =
          "Resolves the host of an --egress target from the pod through the pod's own resolver "
          "configuration: NXDOMAIN, SERVFAIL or a timeout.",
      .confirm = R"sh(
grep nameserver /proc/<pod-pid>/root/etc/resolv.conf
nsenter -t <pod-pid> -n dig @<dns-ip> <host>
# A trailing dot skips the search list
nsenter -t <pod-pid> -n dig @<dns-ip> <host>.
dig <host>
)sh",
      .remedy = R"sh(
# SERVFAIL or a timeout: CoreDNS cannot reach its upstream (see dns-upstream-failure).
# NXDOMAIN from the pod but not from the node: a private zone that only the node's resolver
# knows; forward it from CoreDNS with a server block such as
#   corp.example:53 {
#       forward . <corp-dns-ip>
#   }
kubectl -n kube-system edit configmap coredns
kubectl -n kube-system rollout restart deployment coredns
)sh",
  };
}

}  // namespace

void add_cluster_codes(std::vector<CodeInfo>& codes) {
  codes.insert(codes.end(),
               {dns_server_unreachable(), dns_resolv_conf_invalid(), dns_upstream_failure(),
                dns_name_not_found(), dns_search_path_slow(), apiserver_unreachable(),
                apiserver_tls_untrusted(), apiserver_unauthorized(), egress_no_snat(),
                egress_unreachable(), egress_dns_failure()});
}

}  // namespace netdoctor::report::detail
