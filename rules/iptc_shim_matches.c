/* See iptc_shim_matches.h. The renderers mirror the save functions of iptables 1.8.9; the
 * integration test rules_iptc_direct_test compares the result with iptables-legacy-save. */
#include "rules/iptc_shim_matches.h"

#include <arpa/inet.h>
#include <linux/if_packet.h>
#include <linux/netfilter/nf_nat.h>
#include <linux/netfilter/xt_LOG.h>
#include <linux/netfilter/xt_NFLOG.h>
#include <linux/netfilter/xt_addrtype.h>
#include <linux/netfilter/xt_comment.h>
#include <linux/netfilter/xt_conntrack.h>
#include <linux/netfilter/xt_length.h>
#include <linux/netfilter/xt_mark.h>
#include <linux/netfilter/xt_multiport.h>
#include <linux/netfilter/xt_physdev.h>
#include <linux/netfilter/xt_pkttype.h>
#include <linux/netfilter/xt_recent.h>
#include <linux/netfilter/xt_state.h>
#include <linux/netfilter/xt_statistic.h>
#include <linux/netfilter/xt_tcpudp.h>
#include <linux/netfilter_ipv4/ipt_REJECT.h>
#include <stdio.h>
#include <string.h>

/* ---- the output buffer ---- */

void nd_out_uint(nd_out* o, unsigned long v) {
  char digits[24];
  size_t n = sizeof digits;
  do {
    digits[--n] = (char)('0' + v % 10);
    v /= 10;
  } while (v != 0);
  nd_out_raw(o, digits + n, sizeof digits - n);
}

void nd_out_hex(nd_out* o, unsigned long v) {
  static const char hex[] = "0123456789abcdef";
  char digits[24];
  size_t n = sizeof digits;
  do {
    digits[--n] = hex[v & 15];
    v >>= 4;
  } while (v != 0);
  nd_out_raw(o, "0x", 2);
  nd_out_raw(o, digits + n, sizeof digits - n);
}

void nd_out_ipv4(nd_out* o, uint32_t addr_be) {
  const unsigned char* b = (const unsigned char*)&addr_be;
  for (int i = 0; i < 4; i++) {
    if (i) nd_out_raw(o, ".", 1);
    nd_out_uint(o, b[i]);
  }
}

void nd_tok_quoted(nd_out* o, const char* s, size_t n) {
  static const char bare[] = "_-0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
  size_t plain = 0;
  while (plain < n && memchr(bare, s[plain], sizeof bare - 1) != NULL) plain++;
  nd_out_raw(o, " ", 1);
  if (plain > 0 && plain == n) {
    nd_out_raw(o, s, n);
  } else {
    nd_out_raw(o, "\"", 1);
    for (size_t i = 0; i < n; i++) {
      if (s[i] == '"' || s[i] == '\\' || s[i] == '\'') nd_out_raw(o, "\\", 1);
      nd_out_raw(o, s + i, 1);
    }
    nd_out_raw(o, "\"", 1);
  }
  nd_push_token(o, ND_IPT_VALUE, s, n); /* the kernel's bytes: unquoted */
}

/* An option with one unsigned value. */
static void option_uint(nd_out* o, const char* opt, int negated, unsigned long v) {
  nd_tok_option(o, opt, negated);
  nd_tok_value_begin(o);
  nd_out_uint(o, v);
  nd_tok_value_end(o);
}

static size_t data_len(const struct xt_entry_match* m) {
  return m->u.match_size - sizeof *m;
}

/* ---- matches ---- */

/* tcp/udp --sport/--dport: printed unless the range is 0:65535. */
static void print_ports(nd_out* o, const char* opt, const uint16_t* p, int invert) {
  if (p[0] == 0 && p[1] == 0xffff) return;
  nd_tok_option(o, opt, invert);
  nd_tok_value_begin(o);
  nd_out_uint(o, p[0]);
  if (p[0] != p[1]) {
    nd_out_raw(o, ":", 1);
    nd_out_uint(o, p[1]);
  }
  nd_tok_value_end(o);
}

static void print_tcp_flags(nd_out* o, uint8_t flags) {
  static const char* names[] = {"FIN", "SYN", "RST", "PSH", "ACK", "URG"};
  int first = 1;
  nd_tok_value_begin(o);
  for (int b = 0; b < 6; b++) {
    if (flags & (1 << b)) {
      if (!first) nd_out_raw(o, ",", 1);
      nd_out_str(o, names[b]);
      first = 0;
    }
  }
  if (first) nd_out_str(o, "NONE");
  nd_tok_value_end(o);
}

static int render_tcp(nd_out* o, const struct xt_entry_match* m) {
  const struct xt_tcp* t = (const void*)m->data;
  if (data_len(m) < sizeof *t || ((t->flg_mask | t->flg_cmp) & 0xc0)) return 0;
  nd_tok_match(o, "tcp");
  print_ports(o, "--sport", t->spts, t->invflags & XT_TCP_INV_SRCPT);
  print_ports(o, "--dport", t->dpts, t->invflags & XT_TCP_INV_DSTPT);
  if (t->option || (t->invflags & XT_TCP_INV_OPTION))
    option_uint(o, "--tcp-option", t->invflags & XT_TCP_INV_OPTION, t->option);
  if (t->flg_mask || (t->invflags & XT_TCP_INV_FLAGS)) {
    nd_tok_option(o, "--tcp-flags", t->invflags & XT_TCP_INV_FLAGS);
    print_tcp_flags(o, t->flg_mask);
    print_tcp_flags(o, t->flg_cmp);
  }
  return 1;
}

static int render_udp(nd_out* o, const struct xt_entry_match* m) {
  const struct xt_udp* u = (const void*)m->data;
  if (data_len(m) < sizeof *u) return 0;
  nd_tok_match(o, "udp");
  print_ports(o, "--sport", u->spts, u->invflags & XT_UDP_INV_SRCPT);
  print_ports(o, "--dport", u->dpts, u->invflags & XT_UDP_INV_DSTPT);
  return 1;
}

static int render_comment(nd_out* o, const struct xt_entry_match* m) {
  const struct xt_comment_info* c = (const void*)m->data;
  if (data_len(m) < sizeof *c) return 0;
  nd_tok_match(o, "comment");
  nd_tok_option(o, "--comment", 0);
  /* libxt_comment terminates the text at its last byte before printing it. */
  nd_tok_quoted(o, c->comment, strnlen(c->comment, XT_MAX_COMMENT_LEN - 1));
  return 1;
}

static int render_multiport(nd_out* o, const struct xt_entry_match* m) {
  static const char* opts[] = {"--sports", "--dports", "--ports"};
  if (m->u.user.revision == 0) {
    const struct xt_multiport* mp = (const void*)m->data;
    if (data_len(m) < sizeof *mp || mp->flags > 2 || mp->count > XT_MULTI_PORTS) return 0;
    nd_tok_match(o, "multiport");
    nd_tok_option(o, opts[mp->flags], 0);
    nd_tok_value_begin(o);
    for (unsigned i = 0; i < mp->count; i++) {
      if (i) nd_out_raw(o, ",", 1);
      nd_out_uint(o, mp->ports[i]);
    }
    nd_tok_value_end(o);
    return 1;
  }
  if (m->u.user.revision == 1) {
    const struct xt_multiport_v1* mp = (const void*)m->data;
    if (data_len(m) < sizeof *mp || mp->flags > 2 || mp->count > XT_MULTI_PORTS) return 0;
    nd_tok_match(o, "multiport");
    nd_tok_option(o, opts[mp->flags], mp->invert);
    nd_tok_value_begin(o);
    for (unsigned i = 0; i < mp->count; i++) {
      if (i) nd_out_raw(o, ",", 1);
      nd_out_uint(o, mp->ports[i]);
      if (mp->pflags[i] && i + 1 < mp->count) {
        nd_out_raw(o, ":", 1);
        nd_out_uint(o, mp->ports[++i]);
      }
    }
    nd_tok_value_end(o);
    return 1;
  }
  return 0;
}

static void print_addr_types(nd_out* o, const char* opt, uint16_t mask, int invert) {
  static const char* names[] = {"UNSPEC",   "UNICAST",   "LOCAL",     "BROADCAST",
                                "ANYCAST",  "MULTICAST", "BLACKHOLE", "UNREACHABLE",
                                "PROHIBIT", "THROW",     "NAT",       "XRESOLVE"};
  int first = 1;
  if (mask == 0) return;
  nd_tok_option(o, opt, invert);
  nd_tok_value_begin(o);
  for (int b = 0; b < 12; b++) {
    if (mask & (1 << b)) {
      if (!first) nd_out_raw(o, ",", 1);
      nd_out_str(o, names[b]);
      first = 0;
    }
  }
  nd_tok_value_end(o);
}

static int render_addrtype(nd_out* o, const struct xt_entry_match* m) {
  if (m->u.user.revision == 0) {
    const struct xt_addrtype_info* a = (const void*)m->data;
    if (data_len(m) < sizeof *a) return 0;
    nd_tok_match(o, "addrtype");
    print_addr_types(o, "--src-type", a->source, a->invert_source != 0);
    print_addr_types(o, "--dst-type", a->dest, a->invert_dest != 0);
    return 1;
  }
  if (m->u.user.revision == 1) {
    const struct xt_addrtype_info_v1* a = (const void*)m->data;
    if (data_len(m) < sizeof *a) return 0;
    nd_tok_match(o, "addrtype");
    print_addr_types(o, "--src-type", a->source, a->flags & XT_ADDRTYPE_INVERT_SOURCE);
    print_addr_types(o, "--dst-type", a->dest, a->flags & XT_ADDRTYPE_INVERT_DEST);
    if (a->flags & XT_ADDRTYPE_LIMIT_IFACE_IN) nd_tok_option(o, "--limit-iface-in", 0);
    if (a->flags & XT_ADDRTYPE_LIMIT_IFACE_OUT) nd_tok_option(o, "--limit-iface-out", 0);
    return 1;
  }
  return 0;
}

/* conntrack and state bits, in the order libxt_conntrack and libxt_state print them. */
static void print_states(nd_out* o, const char* opt, unsigned mask, int invert) {
  static const struct {
    unsigned bit;
    const char* name;
  } states[] = {{XT_CONNTRACK_STATE_INVALID, "INVALID"},
                {XT_CONNTRACK_STATE_BIT(IP_CT_NEW), "NEW"},
                {XT_CONNTRACK_STATE_BIT(IP_CT_RELATED), "RELATED"},
                {XT_CONNTRACK_STATE_BIT(IP_CT_ESTABLISHED), "ESTABLISHED"},
                {XT_CONNTRACK_STATE_UNTRACKED, "UNTRACKED"},
                {XT_CONNTRACK_STATE_SNAT, "SNAT"},
                {XT_CONNTRACK_STATE_DNAT, "DNAT"}};
  int first = 1;
  nd_tok_option(o, opt, invert);
  if (mask == 0) return; /* iptables prints the option with nothing after it */
  nd_tok_value_begin(o);
  for (unsigned i = 0; i < sizeof states / sizeof states[0]; i++) {
    if (mask & states[i].bit) {
      if (!first) nd_out_raw(o, ",", 1);
      nd_out_str(o, states[i].name);
      first = 0;
    }
  }
  nd_tok_value_end(o);
}

/* Only --ctstate is decoded; "-m state" is conntrack with the STATE_ALIAS flag since
 * iptables 1.4.18, printed back as "-m state --state". */
static int render_conntrack(nd_out* o, const struct xt_entry_match* m) {
  unsigned flags, invert, mask;
  if (m->u.user.revision == 1) {
    const struct xt_conntrack_mtinfo1* c = (const void*)m->data;
    if (data_len(m) < sizeof *c) return 0;
    flags = c->match_flags, invert = c->invert_flags, mask = c->state_mask;
  } else if (m->u.user.revision == 2 || m->u.user.revision == 3) {
    const struct xt_conntrack_mtinfo2* c = (const void*)m->data; /* rev 3 shares the head */
    if (data_len(m) < sizeof *c) return 0;
    flags = c->match_flags, invert = c->invert_flags, mask = c->state_mask;
  } else {
    return 0;
  }
  if ((flags & ~(unsigned)XT_CONNTRACK_STATE_ALIAS) != XT_CONNTRACK_STATE) return 0;
  if (flags & XT_CONNTRACK_STATE_ALIAS) {
    nd_tok_match(o, "state");
    print_states(o, "--state", mask, invert & XT_CONNTRACK_STATE);
  } else {
    nd_tok_match(o, "conntrack");
    print_states(o, "--ctstate", mask, invert & XT_CONNTRACK_STATE);
  }
  return 1;
}

static int render_state(nd_out* o, const struct xt_entry_match* m) {
  const struct xt_state_info* s = (const void*)m->data;
  if (data_len(m) < sizeof *s) return 0;
  nd_tok_match(o, "state");
  print_states(o, "--state", s->statemask, 0);
  return 1;
}

static int render_mark(nd_out* o, const struct xt_entry_match* m) {
  const struct xt_mark_mtinfo1* k = (const void*)m->data;
  if (m->u.user.revision != 1 || data_len(m) < sizeof *k) return 0;
  nd_tok_match(o, "mark");
  nd_tok_option(o, "--mark", k->invert);
  nd_tok_value_begin(o);
  nd_out_hex(o, k->mark);
  if (k->mask != 0xffffffffu) {
    nd_out_raw(o, "/", 1);
    nd_out_hex(o, k->mask);
  }
  nd_tok_value_end(o);
  return 1;
}

static int render_statistic(nd_out* o, const struct xt_entry_match* m) {
  const struct xt_statistic_info* s = (const void*)m->data;
  int invert;
  if (data_len(m) < sizeof *s) return 0;
  invert = (s->flags & XT_STATISTIC_INVERT) != 0;
  if (s->mode == XT_STATISTIC_MODE_RANDOM) {
    char p[32];
    int n = snprintf(p, sizeof p, "%.11f", 1.0 * s->u.random.probability / 0x80000000u);
    nd_tok_match(o, "statistic");
    nd_tok_option(o, "--mode", 0);
    nd_tok_value_begin(o);
    nd_out_str(o, "random");
    nd_tok_value_end(o);
    nd_tok_option(o, "--probability", invert);
    nd_tok_value_begin(o);
    nd_out_raw(o, p, (size_t)n);
    nd_tok_value_end(o);
    return 1;
  }
  if (s->mode == XT_STATISTIC_MODE_NTH) {
    nd_tok_match(o, "statistic");
    nd_tok_option(o, "--mode", 0);
    nd_tok_value_begin(o);
    nd_out_str(o, "nth");
    nd_tok_value_end(o);
    option_uint(o, "--every", invert, (unsigned long)s->u.nth.every + 1);
    option_uint(o, "--packet", 0, s->u.nth.packet);
    return 1;
  }
  return 0;
}

static int render_recent(nd_out* o, const struct xt_entry_match* m) {
  static const struct {
    unsigned bit;
    const char* opt;
  } commands[] = {{XT_RECENT_SET, "--set"},
                  {XT_RECENT_CHECK, "--rcheck"},
                  {XT_RECENT_UPDATE, "--update"},
                  {XT_RECENT_REMOVE, "--remove"}};
  const struct xt_recent_mtinfo* r = (const void*)m->data; /* rev 1 appends the mask */
  int pending_not;
  if (m->u.user.revision > 1 ||
      data_len(m) < (m->u.user.revision ? sizeof(struct xt_recent_mtinfo_v1) : sizeof *r)) {
    return 0;
  }
  nd_tok_match(o, "recent");
  pending_not = r->invert != 0; /* " !" goes before the first option printed */
  for (unsigned i = 0; i < sizeof commands / sizeof commands[0]; i++) {
    if (r->check_set & commands[i].bit) {
      nd_tok_option(o, commands[i].opt, pending_not);
      pending_not = 0;
    }
  }
  if (r->seconds) {
    option_uint(o, "--seconds", pending_not, r->seconds);
    pending_not = 0;
  }
  if (r->check_set & XT_RECENT_REAP) {
    nd_tok_option(o, "--reap", pending_not);
    pending_not = 0;
  }
  if (r->hit_count) {
    option_uint(o, "--hitcount", pending_not, r->hit_count);
    pending_not = 0;
  }
  if (r->check_set & XT_RECENT_TTL) {
    nd_tok_option(o, "--rttl", pending_not);
    pending_not = 0;
  }
  nd_tok_option(o, "--name", pending_not);
  nd_tok_value_begin(o);
  nd_out_raw(o, r->name, strnlen(r->name, XT_RECENT_NAME_LEN));
  nd_tok_value_end(o);
  if (m->u.user.revision == 1) {
    nd_tok_option(o, "--mask", 0);
    nd_tok_value_begin(o);
    nd_out_ipv4(o, ((const struct xt_recent_mtinfo_v1*)r)->mask.ip);
    nd_tok_value_end(o);
  }
  if (r->side == XT_RECENT_SOURCE) nd_tok_option(o, "--rsource", 0);
  if (r->side == XT_RECENT_DEST) nd_tok_option(o, "--rdest", 0);
  return 1;
}

static void print_physdev_name(nd_out* o, const char* opt, int invert, const char* dev) {
  nd_tok_option(o, opt, invert);
  nd_tok_value_begin(o);
  nd_out_raw(o, dev, strnlen(dev, IFNAMSIZ));
  nd_tok_value_end(o);
}

static int render_physdev(nd_out* o, const struct xt_entry_match* m) {
  const struct xt_physdev_info* p = (const void*)m->data;
  if (data_len(m) < sizeof *p) return 0;
  nd_tok_match(o, "physdev");
  if (p->bitmask & XT_PHYSDEV_OP_ISIN)
    nd_tok_option(o, "--physdev-is-in", p->invert & XT_PHYSDEV_OP_ISIN);
  if (p->bitmask & XT_PHYSDEV_OP_IN)
    print_physdev_name(o, "--physdev-in", p->invert & XT_PHYSDEV_OP_IN, p->physindev);
  if (p->bitmask & XT_PHYSDEV_OP_ISOUT)
    nd_tok_option(o, "--physdev-is-out", p->invert & XT_PHYSDEV_OP_ISOUT);
  if (p->bitmask & XT_PHYSDEV_OP_OUT)
    print_physdev_name(o, "--physdev-out", p->invert & XT_PHYSDEV_OP_OUT, p->physoutdev);
  if (p->bitmask & XT_PHYSDEV_OP_BRIDGED)
    nd_tok_option(o, "--physdev-is-bridged", p->invert & XT_PHYSDEV_OP_BRIDGED);
  return 1;
}

static int render_pkttype(nd_out* o, const struct xt_entry_match* m) {
  static const char* names[] = {"unicast", "broadcast", "multicast", "otherhost"};
  const struct xt_pkttype_info* p = (const void*)m->data;
  if (data_len(m) < sizeof *p) return 0;
  nd_tok_match(o, "pkttype");
  nd_tok_option(o, "--pkt-type", p->invert);
  nd_tok_value_begin(o);
  if (p->pkttype >= PACKET_HOST && p->pkttype <= PACKET_OTHERHOST) {
    nd_out_str(o, names[p->pkttype]);
  } else {
    char n[16];
    nd_out_raw(o, n, (size_t)snprintf(n, sizeof n, "%d", p->pkttype));
  }
  nd_tok_value_end(o);
  return 1;
}

static int render_length(nd_out* o, const struct xt_entry_match* m) {
  const struct xt_length_info* l = (const void*)m->data;
  if (data_len(m) < sizeof *l) return 0;
  nd_tok_match(o, "length");
  nd_tok_option(o, "--length", l->invert);
  nd_tok_value_begin(o);
  nd_out_uint(o, l->min);
  if (l->min != l->max) {
    nd_out_raw(o, ":", 1);
    nd_out_uint(o, l->max);
  }
  nd_tok_value_end(o);
  return 1;
}

int nd_render_match(nd_out* o, const struct xt_entry_match* m) {
  const char* name = m->u.user.name;
  if (memchr(name, '\0', sizeof m->u.user.name) == NULL) return 0;
  if (strcmp(name, "tcp") == 0) return render_tcp(o, m);
  if (strcmp(name, "udp") == 0) return render_udp(o, m);
  if (strcmp(name, "comment") == 0) return render_comment(o, m);
  if (strcmp(name, "statistic") == 0) return render_statistic(o, m);
  if (strcmp(name, "mark") == 0) return render_mark(o, m);
  if (strcmp(name, "addrtype") == 0) return render_addrtype(o, m);
  if (strcmp(name, "conntrack") == 0) return render_conntrack(o, m);
  if (strcmp(name, "multiport") == 0) return render_multiport(o, m);
  if (strcmp(name, "state") == 0) return render_state(o, m);
  if (strcmp(name, "recent") == 0) return render_recent(o, m);
  if (strcmp(name, "physdev") == 0) return render_physdev(o, m);
  if (strcmp(name, "pkttype") == 0) return render_pkttype(o, m);
  if (strcmp(name, "length") == 0) return render_length(o, m);
  return 0;
}

/* ---- targets ---- */

/* DNAT/SNAT: "ip[-ip][:port[-port][/base]]" and the randomisation flags; nothing for an empty
 * range (libxt_NAT's __NAT_print). */
static void print_nat_range(nd_out* o, const char* opt, unsigned flags, uint32_t min_ip,
                            uint32_t max_ip, uint16_t min_port, uint16_t max_port,
                            const uint16_t* base_port) {
  int ips = (flags & NF_NAT_RANGE_MAP_IPS) != 0;
  int ports = (flags & NF_NAT_RANGE_PROTO_SPECIFIED) != 0;
  if (ips || ports) {
    nd_tok_option(o, opt, 0);
    nd_tok_value_begin(o);
    if (ips) {
      nd_out_ipv4(o, min_ip);
      if (min_ip != max_ip) {
        nd_out_raw(o, "-", 1);
        nd_out_ipv4(o, max_ip);
      }
    }
    if (ports) {
      nd_out_raw(o, ":", 1);
      nd_out_uint(o, ntohs(min_port));
      if (min_port != max_port) {
        nd_out_raw(o, "-", 1);
        nd_out_uint(o, ntohs(max_port));
      }
      if (base_port && (flags & NF_NAT_RANGE_PROTO_OFFSET)) {
        nd_out_raw(o, "/", 1);
        nd_out_uint(o, ntohs(*base_port));
      }
    }
    nd_tok_value_end(o);
  }
  if (flags & NF_NAT_RANGE_PROTO_RANDOM) nd_tok_option(o, "--random", 0);
  if (flags & NF_NAT_RANGE_PERSISTENT) nd_tok_option(o, "--persistent", 0);
  if (flags & NF_NAT_RANGE_PROTO_RANDOM_FULLY) nd_tok_option(o, "--random-fully", 0);
}

static int render_nat(nd_out* o, const struct xt_entry_target* t, const char* opt) {
  size_t len = t->u.target_size - sizeof *t;
  if (t->u.user.revision == 0) {
    const struct nf_nat_ipv4_multi_range_compat* r = (const void*)t->data;
    const struct nf_nat_ipv4_range* x = &r->range[0];
    if (len < sizeof *r || r->rangesize != 1) return 0;
    print_nat_range(o, opt, x->flags, x->min_ip, x->max_ip, x->min.all, x->max.all, NULL);
    return 1;
  }
  if (t->u.user.revision == 1) {
    const struct nf_nat_range* r = (const void*)t->data;
    if (len < sizeof *r) return 0;
    print_nat_range(o, opt, r->flags, r->min_addr.ip, r->max_addr.ip, r->min_proto.all,
                    r->max_proto.all, NULL);
    return 1;
  }
  if (t->u.user.revision == 2) {
    const struct nf_nat_range2* r = (const void*)t->data;
    if (len < sizeof *r) return 0;
    print_nat_range(o, opt, r->flags, r->min_addr.ip, r->max_addr.ip, r->min_proto.all,
                    r->max_proto.all, &r->base_proto.all);
    return 1;
  }
  return 0;
}

static int render_masquerade(nd_out* o, const struct xt_entry_target* t) {
  const struct nf_nat_ipv4_multi_range_compat* r = (const void*)t->data;
  const struct nf_nat_ipv4_range* x = &r->range[0];
  if (t->u.user.revision != 0 || t->u.target_size - sizeof *t < sizeof *r) return 0;
  if (x->flags & NF_NAT_RANGE_PROTO_SPECIFIED) {
    nd_tok_option(o, "--to-ports", 0);
    nd_tok_value_begin(o);
    nd_out_uint(o, ntohs(x->min.all));
    if (x->min.all != x->max.all) {
      nd_out_raw(o, "-", 1);
      nd_out_uint(o, ntohs(x->max.all));
    }
    nd_tok_value_end(o);
  }
  if (x->flags & NF_NAT_RANGE_PROTO_RANDOM) nd_tok_option(o, "--random", 0);
  if (x->flags & NF_NAT_RANGE_PROTO_RANDOM_FULLY) nd_tok_option(o, "--random-fully", 0);
  return 1;
}

static int render_mark_target(nd_out* o, const struct xt_entry_target* t) {
  const struct xt_mark_tginfo2* m = (const void*)t->data;
  if (t->u.user.revision != 2 || t->u.target_size - sizeof *t < sizeof *m) return 0;
  nd_tok_option(o, "--set-xmark", 0);
  nd_tok_value_begin(o);
  nd_out_hex(o, m->mark);
  nd_out_raw(o, "/", 1);
  nd_out_hex(o, m->mask);
  nd_tok_value_end(o);
  return 1;
}

static int render_reject(nd_out* o, const struct xt_entry_target* t) {
  static const char* names[] = {"icmp-net-unreachable",
                                "icmp-host-unreachable",
                                "icmp-proto-unreachable",
                                "icmp-port-unreachable",
                                NULL /* echo-reply: iptables cannot print it */,
                                "icmp-net-prohibited",
                                "icmp-host-prohibited",
                                "tcp-reset",
                                "icmp-admin-prohibited"};
  const struct ipt_reject_info* r = (const void*)t->data;
  if (t->u.target_size - sizeof *t < sizeof *r) return 0;
  if ((unsigned)r->with >= sizeof names / sizeof names[0] || names[r->with] == NULL) return 0;
  nd_tok_option(o, "--reject-with", 0);
  nd_tok_value_begin(o);
  nd_out_str(o, names[r->with]);
  nd_tok_value_end(o);
  return 1;
}

static int render_log(nd_out* o, const struct xt_entry_target* t) {
  static const struct {
    unsigned bit;
    const char* opt;
  } flags[] = {{XT_LOG_TCPSEQ, "--log-tcp-sequence"},
               {XT_LOG_TCPOPT, "--log-tcp-options"},
               {XT_LOG_IPOPT, "--log-ip-options"},
               {XT_LOG_UID, "--log-uid"},
               {XT_LOG_MACDECODE, "--log-macdecode"}};
  const struct xt_log_info* l = (const void*)t->data;
  if (t->u.target_size - sizeof *t < sizeof *l) return 0;
  if (l->prefix[0] != '\0') {
    nd_tok_option(o, "--log-prefix", 0);
    nd_tok_quoted(o, l->prefix, strnlen(l->prefix, sizeof l->prefix));
  }
  if (l->level != 4) option_uint(o, "--log-level", 0, l->level); /* LOG_WARNING is default */
  for (unsigned i = 0; i < sizeof flags / sizeof flags[0]; i++) {
    if (l->logflags & flags[i].bit) nd_tok_option(o, flags[i].opt, 0);
  }
  return 1;
}

static int render_nflog(nd_out* o, const struct xt_entry_target* t) {
  const struct xt_nflog_info* n = (const void*)t->data;
  if (t->u.target_size - sizeof *t < sizeof *n) return 0;
  if (n->prefix[0] != '\0') {
    nd_tok_option(o, "--nflog-prefix", 0);
    nd_tok_quoted(o, n->prefix, strnlen(n->prefix, sizeof n->prefix));
  }
  if (n->group) option_uint(o, "--nflog-group", 0, n->group);
  if (n->flags & XT_NFLOG_F_COPY_LEN)
    option_uint(o, "--nflog-size", 0, n->len);
  else if (n->len)
    option_uint(o, "--nflog-range", 0, n->len);
  if (n->threshold != XT_NFLOG_DEFAULT_THRESHOLD)
    option_uint(o, "--nflog-threshold", 0, n->threshold);
  return 1;
}

int nd_render_target(nd_out* o, const struct xt_entry_target* t) {
  const char* name = t->u.user.name;
  if (strcmp(name, "DNAT") == 0) return render_nat(o, t, "--to-destination");
  if (strcmp(name, "SNAT") == 0) return render_nat(o, t, "--to-source");
  if (strcmp(name, "MASQUERADE") == 0) return render_masquerade(o, t);
  if (strcmp(name, "MARK") == 0) return render_mark_target(o, t);
  if (strcmp(name, "REJECT") == 0) return render_reject(o, t);
  if (strcmp(name, "LOG") == 0) return render_log(o, t);
  if (strcmp(name, "NFLOG") == 0) return render_nflog(o, t);
  return 0;
}
