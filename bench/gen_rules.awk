#!/usr/bin/awk -f
# Generates a kube-proxy (iptables mode) rule set in iptables-restore format, laid out as
# pkg/proxy/iptables/proxier.go writes it: nat KUBE-SERVICES → KUBE-SVC-* (masquerade for
# traffic from outside the cluster CIDR, then one statistic rule per endpoint) → KUBE-SEP-*
# (hairpin masquerade, DNAT). Chain names carry 16 pseudo-random base32 characters, as
# kube-proxy's sha256 hashes do (names that differ only at their end would make every name
# comparison slower than on a real node).
#
#   awk -v services=10000 -v endpoints=3 -f bench/gen_rules.awk > rules.restore
# Only POSIX awk: mawk (Debian's default) runs it.
# 10 random characters, then a counter in base32 so that no two names collide.
function hash16(   h, k, n) {
  h = ""
  for (k = 0; k < 10; k++) h = h substr(B32, int(rand() * 32) + 1, 1)
  n = ++SERIAL
  for (k = 0; k < 6; k++) {
    h = h substr(B32, n % 32 + 1, 1)
    n = int(n / 32)
  }
  return h
}
function svc_chain(i) { return SVC[i] }
function sep_chain(i, j) { return SEP[i, j] }
function cluster_ip(i) { return sprintf("10.%d.%d.%d", 96 + int(i / 65536), int(i / 256) % 256, i % 256) }
function pod_ip(k) { return sprintf("10.244.%d.%d", int(k / 250) % 256, k % 250 + 2) }
BEGIN {
  if (services == "") services = 10000
  if (endpoints == "") endpoints = 3
  B32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
  srand(1)  # the same rule set on every run
  for (i = 1; i <= services; i++) {
    SVC[i] = "KUBE-SVC-" hash16()
    for (j = 0; j < endpoints; j++) SEP[i, j] = "KUBE-SEP-" hash16()
  }
  print "*nat"
  print ":PREROUTING ACCEPT [0:0]"
  print ":INPUT ACCEPT [0:0]"
  print ":OUTPUT ACCEPT [0:0]"
  print ":POSTROUTING ACCEPT [0:0]"
  print ":KUBE-SERVICES - [0:0]"
  print ":KUBE-NODEPORTS - [0:0]"
  print ":KUBE-POSTROUTING - [0:0]"
  print ":KUBE-MARK-MASQ - [0:0]"
  for (i = 1; i <= services; i++) {
    print ":" svc_chain(i) " - [0:0]"
    for (j = 0; j < endpoints; j++) print ":" sep_chain(i, j) " - [0:0]"
  }
  print "-A PREROUTING -m comment --comment \"kubernetes service portals\" -j KUBE-SERVICES"
  print "-A OUTPUT -m comment --comment \"kubernetes service portals\" -j KUBE-SERVICES"
  print "-A POSTROUTING -m comment --comment \"kubernetes postrouting rules\" -j KUBE-POSTROUTING"
  print "-A KUBE-MARK-MASQ -j MARK --set-xmark 0x4000/0x4000"
  print "-A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN"
  print "-A KUBE-POSTROUTING -j MARK --set-xmark 0x4000/0x0"
  print "-A KUBE-POSTROUTING -m comment --comment \"kubernetes service traffic requiring SNAT\" -j MASQUERADE --random-fully"
  for (i = 1; i <= services; i++) {
    name = sprintf("bench/svc-%d:http", i)
    ip = cluster_ip(i)
    print "-A KUBE-SERVICES -d " ip "/32 -p tcp -m comment --comment \"" name " cluster IP\" -m tcp --dport 80 -j " svc_chain(i)
    print "-A " svc_chain(i) " ! -s 10.244.0.0/16 -d " ip "/32 -p tcp -m comment --comment \"" name " cluster IP\" -m tcp --dport 80 -j KUBE-MARK-MASQ"
    for (j = 0; j < endpoints; j++) {
      ep = pod_ip(i * endpoints + j)
      stat = ""
      # iptables-save prints the u32-quantised probability with 11 decimals.
      if (j < endpoints - 1) stat = sprintf(" -m statistic --mode random --probability %.11f", 1 / (endpoints - j))
      print "-A " svc_chain(i) " -m comment --comment \"" name " -> " ep ":8080\"" stat " -j " sep_chain(i, j)
      print "-A " sep_chain(i, j) " -s " ep "/32 -m comment --comment \"" name "\" -j KUBE-MARK-MASQ"
      print "-A " sep_chain(i, j) " -p tcp -m comment --comment \"" name "\" -m tcp -j DNAT --to-destination " ep ":8080"
    }
  }
  print "-A KUBE-SERVICES -m comment --comment \"kubernetes service nodeports; NOTE: this must be the last rule in this chain\" -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS"
  print "COMMIT"
  print "*filter"
  print ":INPUT ACCEPT [0:0]"
  print ":FORWARD ACCEPT [0:0]"
  print ":OUTPUT ACCEPT [0:0]"
  print ":KUBE-SERVICES - [0:0]"
  print ":KUBE-FORWARD - [0:0]"
  print "-A FORWARD -m comment --comment \"kubernetes forwarding rules\" -j KUBE-FORWARD"
  print "-A KUBE-FORWARD -m mark --mark 0x4000/0x4000 -m comment --comment \"kubernetes forwarding rules\" -j ACCEPT"
  print "-A KUBE-FORWARD -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT"
  print "COMMIT"
}
