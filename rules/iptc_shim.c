/* See iptc_shim.h. Renders each rule the way iptables-save (iptables/iptables.c, print_rule4,
 * and the extensions' save functions) does, for the matches and targets kube-proxy, flannel,
 * Docker and CNI plugins use; the rest is marked undecoded rather than guessed. */
#define _GNU_SOURCE
#include "rules/iptc_shim.h"

#include <arpa/inet.h>
#include <errno.h>
#include <libiptc/libiptc.h>
#include <linux/netfilter/nf_nat.h>
#include <linux/netfilter/xt_mark.h>
#include <linux/netfilter_ipv4/ipt_REJECT.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules/iptc_shim_matches.h"

struct nd_iptc {
  struct xtc_handle* h;
  char table[XT_TABLE_MAXNAMELEN];
};

nd_iptc* nd_iptc_open(const char* table, int* err, char* errbuf, size_t errlen) {
  nd_iptc* handle = calloc(1, sizeof *handle);
  if (handle == NULL) {
    *err = ENOMEM;
    snprintf(errbuf, errlen, "out of memory");
    return NULL;
  }
  errno = 0;
  handle->h = iptc_init(table);
  if (handle->h == NULL) {
    *err = errno;
    snprintf(errbuf, errlen, "%s", iptc_strerror(errno));
    free(handle);
    return NULL;
  }
  snprintf(handle->table, sizeof handle->table, "%s", table);
  return handle;
}

void nd_iptc_close(nd_iptc* handle) {
  if (handle == NULL) return;
  iptc_free(handle->h);
  free(handle);
}

void nd_iptc_free(char* text) {
  free(text);
}

static void print_iface(FILE* f, char letter, const char* iface, const unsigned char* mask,
                        int invert) {
  int i;
  if (mask[0] == 0) return;
  fprintf(f, "%s -%c ", invert ? " !" : "", letter);
  for (i = 0; i < IFNAMSIZ; i++) {
    if (mask[i] != 0) {
      if (iface[i] != '\0') fputc(iface[i], f);
    } else {
      if (iface[i - 1] != '\0') fputc('+', f); /* a prefix match: "cni+" */
      break;
    }
  }
}

static void print_addr(FILE* f, char letter, struct in_addr addr, struct in_addr mask, int invert) {
  char buf[INET_ADDRSTRLEN];
  uint32_t m = ntohl(mask.s_addr);
  int len = 0;
  if (mask.s_addr == 0 && !invert) return;
  while (len < 32 && (m & (0x80000000u >> len))) len++;
  inet_ntop(AF_INET, &addr, buf, sizeof buf);
  fprintf(f, "%s -%c %s/%d", invert ? " !" : "", letter, buf, len);
}

static void print_proto(FILE* f, uint16_t proto, int invert) {
  if (proto == 0) return;
  fprintf(f, "%s -p ", invert ? " !" : "");
  switch (proto) {
    case IPPROTO_TCP:
      fputs("tcp", f);
      break;
    case IPPROTO_UDP:
      fputs("udp", f);
      break;
    case IPPROTO_ICMP:
      fputs("icmp", f);
      break;
    case IPPROTO_SCTP:
      fputs("sctp", f);
      break;
    default:
      fprintf(f, "%u", proto);
  }
}

/* DNAT/SNAT: "--to-destination ip[-ip][:port[-port]]" and the randomisation flags. */
static void print_nat_range(FILE* f, const char* opt, unsigned flags, uint32_t min_ip,
                            uint32_t max_ip, uint16_t min_port, uint16_t max_port) {
  char a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN];
  struct in_addr x = {min_ip}, y = {max_ip};
  inet_ntop(AF_INET, &x, a, sizeof a);
  inet_ntop(AF_INET, &y, b, sizeof b);
  fprintf(f, " %s ", opt);
  if (flags & NF_NAT_RANGE_MAP_IPS) fprintf(f, min_ip == max_ip ? "%s" : "%s-%s", a, b);
  if (flags & NF_NAT_RANGE_PROTO_SPECIFIED) {
    fprintf(f, ":%u", ntohs(min_port));
    if (min_port != max_port) fprintf(f, "-%u", ntohs(max_port));
  }
  if (flags & NF_NAT_RANGE_PROTO_RANDOM) fputs(" --random", f);
  if (flags & NF_NAT_RANGE_PERSISTENT) fputs(" --persistent", f);
  if (flags & NF_NAT_RANGE_PROTO_RANDOM_FULLY) fputs(" --random-fully", f);
}

static int print_nat_target(FILE* f, const struct xt_entry_target* t, const char* opt) {
  if (t->u.user.revision == 0) {
    const struct nf_nat_ipv4_multi_range_compat* r = (const void*)t->data;
    const struct nf_nat_ipv4_range* x = &r->range[0];
    if (strcmp(opt, "--to-ports") == 0) { /* MASQUERADE */
      if (x->flags & NF_NAT_RANGE_PROTO_SPECIFIED) {
        fprintf(f, " --to-ports %u", ntohs(x->min.all));
        if (x->min.all != x->max.all) fprintf(f, "-%u", ntohs(x->max.all));
      }
      if (x->flags & NF_NAT_RANGE_PROTO_RANDOM) fputs(" --random", f);
      if (x->flags & NF_NAT_RANGE_PROTO_RANDOM_FULLY) fputs(" --random-fully", f);
      return 1;
    }
    print_nat_range(f, opt, x->flags, x->min_ip, x->max_ip, x->min.all, x->max.all);
    return 1;
  }
  if (t->u.user.revision <= 2 && strcmp(opt, "--to-ports") != 0) {
    /* nf_nat_range2 extends nf_nat_range; the fields printed are at the same place. */
    const struct nf_nat_range* r = (const void*)t->data;
    print_nat_range(f, opt, r->flags, r->min_addr.ip, r->max_addr.ip, r->min_proto.all,
                    r->max_proto.all);
    return 1;
  }
  return 0;
}

static void print_target(FILE* f, const struct ipt_entry* e, struct xtc_handle* h) {
  const char* name = iptc_get_target(e, h);
  const struct xt_entry_target* t = (const void*)((const char*)e + e->target_offset);
  static const char* rejects[] = {"icmp-net-unreachable",   "icmp-host-unreachable",
                                  "icmp-proto-unreachable", "icmp-port-unreachable",
                                  "icmp-echo-reply",        "icmp-net-prohibited",
                                  "icmp-host-prohibited",   "tcp-reset",
                                  "icmp-admin-prohibited"};
  int known = 1;
  if (name == NULL || name[0] == '\0') return; /* no target: the rule only counts */
  fprintf(f, " -%c %s", (e->ip.flags & IPT_F_GOTO) ? 'g' : 'j', name);
  if (strcmp(t->u.user.name, name) != 0 || t->u.user.name[0] == '\0') return; /* verdict/chain */
  if (strcmp(name, "DNAT") == 0) {
    known = print_nat_target(f, t, "--to-destination");
  } else if (strcmp(name, "SNAT") == 0) {
    known = print_nat_target(f, t, "--to-source");
  } else if (strcmp(name, "MASQUERADE") == 0) {
    known = print_nat_target(f, t, "--to-ports");
  } else if (strcmp(name, "MARK") == 0 && t->u.user.revision == 2) {
    const struct xt_mark_tginfo2* m = (const void*)t->data;
    fprintf(f, " --set-xmark 0x%x/0x%x", m->mark, m->mask);
  } else if (strcmp(name, "REJECT") == 0) {
    const struct ipt_reject_info* r = (const void*)t->data;
    if ((unsigned)r->with < sizeof rejects / sizeof rejects[0]) {
      fprintf(f, " --reject-with %s", rejects[r->with]);
    } else {
      known = 0;
    }
  } else if (strcmp(name, "LOG") != 0 && strcmp(name, "NFLOG") != 0) {
    known = 0;
  }
  if (!known) fputs(" --nd-undecoded", f);
}

static void print_rule(FILE* f, const char* chain, const struct ipt_entry* e,
                       struct xtc_handle* h) {
  unsigned int i;
  fprintf(f, "-A %s", chain);
  print_addr(f, 's', e->ip.src, e->ip.smsk, e->ip.invflags & IPT_INV_SRCIP);
  print_addr(f, 'd', e->ip.dst, e->ip.dmsk, e->ip.invflags & IPT_INV_DSTIP);
  print_iface(f, 'i', e->ip.iniface, e->ip.iniface_mask, e->ip.invflags & IPT_INV_VIA_IN);
  print_iface(f, 'o', e->ip.outiface, e->ip.outiface_mask, e->ip.invflags & IPT_INV_VIA_OUT);
  print_proto(f, e->ip.proto, e->ip.invflags & XT_INV_PROTO);
  if (e->ip.flags & IPT_F_FRAG) fprintf(f, "%s -f", (e->ip.invflags & IPT_INV_FRAG) ? " !" : "");
  for (i = sizeof(struct ipt_entry); i < e->target_offset;) {
    const struct xt_entry_match* m = (const void*)((const char*)e + i);
    if (m->u.match_size < sizeof *m) break; /* a corrupt size would loop forever */
    fprintf(f, " -m %s", m->u.user.name);
    if (!nd_print_match(f, m)) fputs(" --nd-undecoded", f);
    i += m->u.match_size;
  }
  print_target(f, e, h);
  fputc('\n', f);
}

char* nd_iptc_dump(nd_iptc* handle) {
  char* text = NULL;
  size_t len = 0;
  const char* chain;
  FILE* f = open_memstream(&text, &len);
  if (f == NULL) return NULL;
  fprintf(f, "*%s\n", handle->table);
  for (chain = iptc_first_chain(handle->h); chain; chain = iptc_next_chain(handle->h)) {
    struct xt_counters counters;
    const char* policy =
        iptc_builtin(chain, handle->h) ? iptc_get_policy(chain, &counters, handle->h) : NULL;
    fprintf(f, ":%s %s [0:0]\n", chain, policy ? policy : "-");
  }
  for (chain = iptc_first_chain(handle->h); chain; chain = iptc_next_chain(handle->h)) {
    const struct ipt_entry* e;
    for (e = iptc_first_rule(chain, handle->h); e; e = iptc_next_rule(e, handle->h)) {
      print_rule(f, chain, e, handle->h);
    }
  }
  fputs("COMMIT\n", f);
  if (fclose(f) != 0) {
    free(text);
    return NULL;
  }
  return text;
}
