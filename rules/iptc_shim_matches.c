/* See iptc_shim_matches.h. Each printer follows the save function of the iptables extension of
 * the same name (extensions/libxt_*.c), so that the text parses exactly as iptables-save's. */
#include "rules/iptc_shim_matches.h"

#include <arpa/inet.h>
#include <linux/if_packet.h>
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
#include <string.h>

/* xtables_save_string: bare when only [A-Za-z0-9_-], else double-quoted with escapes. */
static void save_string(FILE* f, const char* s) {
  size_t n = strspn(s, "_-0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ");
  fputc(' ', f);
  if (n > 0 && s[n] == '\0') {
    fputs(s, f);
    return;
  }
  fputc('"', f);
  for (; *s; s++) {
    if (*s == '"' || *s == '\\' || *s == '\'') fputc('\\', f);
    fputc(*s, f);
  }
  fputc('"', f);
}

static void print_ports(FILE* f, const char* opt, const uint16_t* p, int invert) {
  if (p[0] == 0 && p[1] == 0xffff && !invert) return;
  fprintf(f, "%s %s %u", invert ? " !" : "", opt, p[0]);
  if (p[0] != p[1]) fprintf(f, ":%u", p[1]);
}

static int print_tcp(FILE* f, const struct xt_tcp* t) {
  static const char* names[] = {"FIN", "SYN", "RST", "PSH", "ACK", "URG"};
  print_ports(f, "--sport", t->spts, t->invflags & XT_TCP_INV_SRCPT);
  print_ports(f, "--dport", t->dpts, t->invflags & XT_TCP_INV_DSTPT);
  if (t->option)
    fprintf(f, "%s --tcp-option %u", (t->invflags & XT_TCP_INV_OPTION) ? " !" : "", t->option);
  if (t->flg_mask || (t->invflags & XT_TCP_INV_FLAGS)) {
    const uint8_t sets[2] = {t->flg_mask, t->flg_cmp};
    fprintf(f, "%s --tcp-flags", (t->invflags & XT_TCP_INV_FLAGS) ? " !" : "");
    for (int k = 0; k < 2; k++) {
      int first = 1;
      fputc(' ', f);
      if (sets[k] == 0) fputs("NONE", f);
      for (int b = 0; b < 6; b++) {
        if (sets[k] & (1 << b)) {
          fprintf(f, "%s%s", first ? "" : ",", names[b]);
          first = 0;
        }
      }
    }
  }
  return 1;
}

static int print_multiport(FILE* f, const struct xt_entry_match* m) {
  static const char* opts[] = {"--sports", "--dports", "--ports"};
  if (m->u.user.revision == 1) {
    const struct xt_multiport_v1* mp = (const void*)m->data;
    if (mp->flags > 2 || mp->count > XT_MULTI_PORTS) return 0;
    fprintf(f, "%s %s ", mp->invert ? " !" : "", opts[mp->flags]);
    for (unsigned i = 0; i < mp->count; i++) {
      fprintf(f, "%s%u", i ? "," : "", mp->ports[i]);
      if (mp->pflags[i] && i + 1 < mp->count) fprintf(f, ":%u", mp->ports[++i]);
    }
    return 1;
  }
  return 0;
}

static void print_types(FILE* f, const char* opt, uint16_t mask, int invert) {
  static const char* names[] = {"UNSPEC",   "UNICAST",   "LOCAL",     "BROADCAST",
                                "ANYCAST",  "MULTICAST", "BLACKHOLE", "UNREACHABLE",
                                "PROHIBIT", "THROW",     "NAT",       "XRESOLVE"};
  int first = 1;
  if (mask == 0) return;
  fprintf(f, "%s %s ", invert ? " !" : "", opt);
  for (int b = 0; b < 12; b++) {
    if (mask & (1 << b)) {
      fprintf(f, "%s%s", first ? "" : ",", names[b]);
      first = 0;
    }
  }
}

static int print_addrtype(FILE* f, const struct xt_entry_match* m) {
  if (m->u.user.revision != 1) return 0;
  const struct xt_addrtype_info_v1* a = (const void*)m->data;
  print_types(f, "--src-type", a->source, a->flags & XT_ADDRTYPE_INVERT_SOURCE);
  print_types(f, "--dst-type", a->dest, a->flags & XT_ADDRTYPE_INVERT_DEST);
  if (a->flags & XT_ADDRTYPE_LIMIT_IFACE_IN) fputs(" --limit-iface-in", f);
  if (a->flags & XT_ADDRTYPE_LIMIT_IFACE_OUT) fputs(" --limit-iface-out", f);
  return 1;
}

/* conntrack/state bits in the order libxt_conntrack prints them. */
static void print_states(FILE* f, const char* opt, unsigned mask, int invert) {
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
  fprintf(f, "%s %s ", invert ? " !" : "", opt);
  for (unsigned i = 0; i < sizeof states / sizeof states[0]; i++) {
    if (mask & states[i].bit) {
      fprintf(f, "%s%s", first ? "" : ",", states[i].name);
      first = 0;
    }
  }
}

static int print_conntrack(FILE* f, const struct xt_entry_match* m) {
  const struct xt_conntrack_mtinfo2* c = (const void*)m->data; /* rev 2 and 3 share the head */
  unsigned state;
  if (m->u.user.revision == 1) {
    const struct xt_conntrack_mtinfo1* c1 = (const void*)m->data;
    if (c1->match_flags != XT_CONNTRACK_STATE) return 0;
    print_states(f, "--ctstate", c1->state_mask, c1->invert_flags & XT_CONNTRACK_STATE);
    return 1;
  }
  if (m->u.user.revision != 2 && m->u.user.revision != 3) return 0;
  if (c->match_flags != XT_CONNTRACK_STATE) return 0; /* --ctstatus, --ctorig...: undecoded */
  state = c->state_mask;
  print_states(f, "--ctstate", state, c->invert_flags & XT_CONNTRACK_STATE);
  return 1;
}

static int print_statistic(FILE* f, const struct xt_statistic_info* s) {
  const char* inv = (s->flags & XT_STATISTIC_INVERT) ? " !" : "";
  if (s->mode == XT_STATISTIC_MODE_RANDOM) {
    fprintf(f, " --mode random%s --probability %.11f", inv,
            1.0 * s->u.random.probability / 0x80000000u);
  } else if (s->mode == XT_STATISTIC_MODE_NTH) {
    fprintf(f, " --mode nth%s --every %u --packet %u", inv, s->u.nth.every + 1, s->u.nth.packet);
  } else {
    return 0;
  }
  return 1;
}

static int print_recent(FILE* f, const struct xt_entry_match* m) {
  const struct xt_recent_mtinfo* r = (const void*)m->data; /* rev 1 appends the mask */
  char name[XT_RECENT_NAME_LEN + 1];
  if (r->invert) fputs(" !", f);
  if (r->check_set & XT_RECENT_SET) fputs(" --set", f);
  if (r->check_set & XT_RECENT_CHECK) fputs(" --rcheck", f);
  if (r->check_set & XT_RECENT_UPDATE) fputs(" --update", f);
  if (r->check_set & XT_RECENT_REMOVE) fputs(" --remove", f);
  if (r->seconds) fprintf(f, " --seconds %u", r->seconds);
  if (r->check_set & XT_RECENT_REAP) fputs(" --reap", f);
  if (r->hit_count) fprintf(f, " --hitcount %u", r->hit_count);
  if (r->check_set & XT_RECENT_TTL) fputs(" --rttl", f);
  memcpy(name, r->name, XT_RECENT_NAME_LEN);
  name[XT_RECENT_NAME_LEN] = '\0';
  fputs(" --name", f);
  save_string(f, name);
  if (m->u.user.revision == 1) {
    char mask[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, &((const struct xt_recent_mtinfo_v1*)r)->mask.in, mask, sizeof mask);
    fprintf(f, " --mask %s", mask);
  }
  fputs(r->side == XT_RECENT_DEST ? " --rdest" : " --rsource", f);
  return 1;
}

static int print_physdev(FILE* f, const struct xt_physdev_info* p) {
  char dev[IFNAMSIZ + 1];
  const char* inv_in = (p->invert & XT_PHYSDEV_OP_IN) ? " !" : "";
  const char* inv_out = (p->invert & XT_PHYSDEV_OP_OUT) ? " !" : "";
  if (p->bitmask & XT_PHYSDEV_OP_ISIN)
    fprintf(f, "%s --physdev-is-in", (p->invert & XT_PHYSDEV_OP_ISIN) ? " !" : "");
  if (p->bitmask & XT_PHYSDEV_OP_IN) {
    memcpy(dev, p->physindev, IFNAMSIZ);
    dev[IFNAMSIZ] = '\0';
    fprintf(f, "%s --physdev-in %s", inv_in, dev);
  }
  if (p->bitmask & XT_PHYSDEV_OP_ISOUT)
    fprintf(f, "%s --physdev-is-out", (p->invert & XT_PHYSDEV_OP_ISOUT) ? " !" : "");
  if (p->bitmask & XT_PHYSDEV_OP_OUT) {
    memcpy(dev, p->physoutdev, IFNAMSIZ);
    dev[IFNAMSIZ] = '\0';
    fprintf(f, "%s --physdev-out %s", inv_out, dev);
  }
  if (p->bitmask & XT_PHYSDEV_OP_BRIDGED)
    fprintf(f, "%s --physdev-is-bridged", (p->invert & XT_PHYSDEV_OP_BRIDGED) ? " !" : "");
  return 1;
}

static int print_pkttype(FILE* f, const struct xt_pkttype_info* p) {
  static const char* names[] = {"unicast", "broadcast", "multicast"};
  if (p->pkttype < PACKET_HOST || p->pkttype > PACKET_MULTICAST) return 0;
  fprintf(f, "%s --pkt-type %s", p->invert ? " !" : "", names[p->pkttype]);
  return 1;
}

int nd_print_match(FILE* f, const struct xt_entry_match* m) {
  const char* name = m->u.user.name;
  const void* data = m->data;
  if (strcmp(name, "tcp") == 0) return print_tcp(f, data);
  if (strcmp(name, "udp") == 0) {
    const struct xt_udp* u = data;
    print_ports(f, "--sport", u->spts, u->invflags & XT_UDP_INV_SRCPT);
    print_ports(f, "--dport", u->dpts, u->invflags & XT_UDP_INV_DSTPT);
    return 1;
  }
  if (strcmp(name, "comment") == 0) {
    char text[XT_MAX_COMMENT_LEN + 1];
    memcpy(text, ((const struct xt_comment_info*)data)->comment, XT_MAX_COMMENT_LEN);
    text[XT_MAX_COMMENT_LEN] = '\0';
    fputs(" --comment", f);
    save_string(f, text);
    return 1;
  }
  if (strcmp(name, "multiport") == 0) return print_multiport(f, m);
  if (strcmp(name, "addrtype") == 0) return print_addrtype(f, m);
  if (strcmp(name, "conntrack") == 0) return print_conntrack(f, m);
  if (strcmp(name, "state") == 0) {
    const struct xt_state_info* s = data;
    print_states(f, "--state", s->statemask, 0);
    return 1;
  }
  if (strcmp(name, "mark") == 0 && m->u.user.revision == 1) {
    const struct xt_mark_mtinfo1* k = data;
    fprintf(f, "%s --mark 0x%x", k->invert ? " !" : "", k->mark);
    if (k->mask != 0xffffffffu) fprintf(f, "/0x%x", k->mask);
    return 1;
  }
  if (strcmp(name, "statistic") == 0) return print_statistic(f, data);
  if (strcmp(name, "recent") == 0) return print_recent(f, m);
  if (strcmp(name, "physdev") == 0) return print_physdev(f, data);
  if (strcmp(name, "pkttype") == 0) return print_pkttype(f, data);
  if (strcmp(name, "length") == 0) {
    const struct xt_length_info* l = data;
    fprintf(f, "%s --length %u:%u", l->invert ? " !" : "", l->min, l->max);
    return 1;
  }
  return 0;
}
