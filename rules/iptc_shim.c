/* See iptc_shim.h. The chain structure follows libiptc's parse_table/cache_add_entry
 * (libiptc/libiptc.c), the rule text iptables' print_rule4 (iptables/iptables.c). */
#define _GNU_SOURCE
#include "rules/iptc_shim.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "rules/iptc_shim_matches.h"

typedef struct {
  const char* name;
  size_t name_len;
  const char* policy; /* built-ins only */
  int builtin;
  uint32_t head, foot; /* offsets of the chain's first entry and of its policy/RETURN entry */
  size_t first, count; /* the chain's rules in nd_ipt.rules */
} nd_chain;

struct nd_ipt {
  struct ipt_getinfo info;
  struct ipt_get_entries* entries;
  size_t entries_len; /* the mapping's length */
  const unsigned char* blob;
  uint32_t size;
  nd_chain* chains; /* in the kernel's order: head offsets ascend */
  uint32_t* heads;  /* chains[i].head, packed for the search of jump targets */
  size_t nchains, chaincap;
  size_t* order;    /* chains in iptables-save order */
  size_t* position; /* the inverse: chains[i] is printed at position[i] */
  uint32_t* rules;  /* offsets of rule entries (policy and RETURN entries left out) */
  size_t nrules;
  char* names;         /* the user chains' names, copied out of the entries (nd_ipt_release) */
  unsigned char* done; /* per chain (kernel order): its rules were read */
  size_t unread;       /* the first chain (kernel order) not done */
  size_t released;     /* bytes at the start of the mapping given back to the kernel */
  nd_out out;
  char proto[32];
};

static const char* const hook_names[] = {"PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING"};

static const struct ipt_entry* entry_at(const nd_ipt* t, uint32_t off) {
  return (const struct ipt_entry*)(t->blob + off);
}

static const struct xt_entry_target* target_of(const struct ipt_entry* e) {
  return (const struct xt_entry_target*)((const char*)e + e->target_offset);
}

static const char* verdict_name(int verdict) {
  switch (verdict) {
    case -NF_ACCEPT - 1:
      return "ACCEPT";
    case -NF_DROP - 1:
      return "DROP";
    case -NF_QUEUE - 1:
      return "QUEUE";
    case XT_RETURN:
      return "RETURN";
    default:
      return NULL;
  }
}

static int fail(int* err, char* errbuf, size_t errlen, int code, const char* what) {
  *err = code;
  snprintf(errbuf, errlen, "%s", what);
  return -1;
}

/* The kernel copies the whole table (tens of MB for a large kube-proxy node) into this buffer:
 * a mapping of its own, backed by transparent huge pages where the kernel offers them, costs a
 * few faults instead of one per 4 KiB page. */
static int map_entries(nd_ipt* t, size_t len) {
  void* p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) return -1;
  if (len >= (2u << 20)) madvise(p, len, MADV_HUGEPAGE); /* advice only: may be refused */
  t->entries = p;
  t->entries_len = len;
  return 0;
}

static void unmap_entries(nd_ipt* t) {
  if (t->entries != NULL) munmap(t->entries, t->entries_len);
  t->entries = NULL;
  t->entries_len = 0;
}

/* The two getsockopt calls libiptc makes. The table may change between them (EAGAIN): retry.
 * The kernel answers them on any IPv4 socket and checks only CAP_NET_ADMIN; libiptc's raw
 * socket would also need CAP_NET_RAW, so a plain UDP socket (never bound, never sent on) lets
 * netdoctor read the rules with CAP_NET_ADMIN alone. */
static int fetch(nd_ipt* t, const char* table, int* err, char* errbuf, size_t errlen) {
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, IPPROTO_UDP);
  int rc = -1;
  if (fd < 0) return fail(err, errbuf, errlen, errno, "cannot open a socket");
  for (int attempt = 0; attempt < 5; attempt++) {
    socklen_t len = sizeof t->info;
    memset(&t->info, 0, sizeof t->info);
    snprintf(t->info.name, sizeof t->info.name, "%s", table);
    if (getsockopt(fd, IPPROTO_IP, IPT_SO_GET_INFO, &t->info, &len) < 0) {
      rc = fail(err, errbuf, errlen, errno, "IPT_SO_GET_INFO");
      break;
    }
    unmap_entries(t);
    len = (socklen_t)(sizeof *t->entries + t->info.size);
    if (map_entries(t, len) != 0) {
      rc = fail(err, errbuf, errlen, ENOMEM, "out of memory");
      break;
    }
    memset(t->entries, 0, sizeof *t->entries);
    snprintf(t->entries->name, sizeof t->entries->name, "%s", table);
    t->entries->size = t->info.size;
    if (getsockopt(fd, IPPROTO_IP, IPT_SO_GET_ENTRIES, t->entries, &len) == 0) {
      t->blob = (const unsigned char*)t->entries->entrytable;
      t->size = t->info.size;
      rc = 0;
      break;
    }
    rc = fail(err, errbuf, errlen, errno, "IPT_SO_GET_ENTRIES");
    if (errno != EAGAIN) break;
  }
  close(fd);
  return rc;
}

/* Checks that an entry, its matches and its target lie inside the table. */
static int entry_ok(const nd_ipt* t, uint32_t off) {
  const struct ipt_entry* e;
  const struct xt_entry_target* tg;
  uint32_t i;
  if (off % __alignof__(struct ipt_entry) != 0 || t->size - off < sizeof *e) return 0;
  e = entry_at(t, off);
  if (e->next_offset < sizeof *e + sizeof *tg || e->next_offset > t->size - off ||
      e->target_offset < sizeof *e || e->target_offset > e->next_offset - sizeof *tg) {
    return 0;
  }
  tg = target_of(e);
  if (tg->u.target_size < sizeof *tg || tg->u.target_size > e->next_offset - e->target_offset)
    return 0;
  for (i = sizeof *e; i < e->target_offset;) {
    const struct xt_entry_match* m = (const void*)((const char*)e + i);
    if (e->target_offset - i < sizeof *m || m->u.match_size < sizeof *m ||
        m->u.match_size > e->target_offset - i ||
        memchr(m->u.user.name, '\0', sizeof m->u.user.name) == NULL) {
      return 0;
    }
    i += m->u.match_size;
  }
  return memchr(tg->u.user.name, '\0', sizeof tg->u.user.name) != NULL;
}

static int push_chain(nd_ipt* t, const char* name, int builtin, uint32_t head) {
  nd_chain* c;
  if (t->nchains == t->chaincap) {
    size_t cap = t->chaincap ? t->chaincap * 2 : 64;
    nd_chain* grown = realloc(t->chains, cap * sizeof *grown);
    size_t* order = realloc(t->order, cap * sizeof *order);
    uint32_t* heads = realloc(t->heads, cap * sizeof *heads);
    if (grown) t->chains = grown;
    if (order) t->order = order;
    if (heads) t->heads = heads;
    if (grown == NULL || order == NULL || heads == NULL) return -1;
    t->chaincap = cap;
  }
  c = &t->chains[t->nchains];
  memset(c, 0, sizeof *c);
  c->name = name;
  c->name_len = strlen(name);
  c->builtin = builtin;
  c->head = head;
  t->heads[t->nchains] = head;
  c->first = t->nrules;
  t->nchains++;
  return 0;
}

/* Where libiptc (__iptcc_p_add_chain, iptc_insert_chain) puts a new chain in its list, which
 * is the order iptables-save prints: built-ins and already sorted user chains at the end, an
 * out-of-order user chain before the first user chain whose name is not smaller. */
static void place_chain(nd_ipt* t, size_t idx, size_t placed) {
  const nd_chain* c = &t->chains[idx];
  size_t at = placed;
  if (!c->builtin && placed > 0) {
    const nd_chain* tail = &t->chains[t->order[placed - 1]];
    if (!tail->builtin && strcmp(c->name, tail->name) <= 0) {
      for (at = 0; at < placed; at++) {
        const nd_chain* o = &t->chains[t->order[at]];
        if (!o->builtin && strcmp(c->name, o->name) <= 0) break;
      }
      memmove(t->order + at + 1, t->order + at, (placed - at) * sizeof *t->order);
    }
  }
  t->order[at] = idx;
}

/* The last entry of a chain is its policy (built-in) or RETURN (user chain): not a rule. */
static int close_chain(nd_ipt* t) {
  nd_chain* c;
  const struct xt_entry_target* tg;
  if (t->nchains == 0) return 0;
  c = &t->chains[t->nchains - 1];
  if (t->nrules == c->first) return -1; /* no policy entry */
  c->foot = t->rules[--t->nrules];
  c->count = t->nrules - c->first;
  if (c->builtin) {
    tg = target_of(entry_at(t, c->foot));
    if (tg->u.user.name[0] != '\0' || tg->u.target_size < sizeof(struct xt_standard_target))
      return -1;
    c->policy = verdict_name(((const struct xt_standard_target*)tg)->verdict);
    if (c->policy == NULL) return -1;
  }
  return 0;
}

static int hook_at(const nd_ipt* t, uint32_t off) {
  for (int h = 0; h < NF_INET_NUMHOOKS; h++) {
    if ((t->info.valid_hooks & (1u << h)) && t->info.hook_entry[h] == off) return h;
  }
  return -1;
}

/* One pass over the entries: chains, their rules, their policies. */
static int parse(nd_ipt* t) {
  uint32_t off = 0;
  t->rules = malloc((t->info.num_entries + 1) * sizeof *t->rules);
  if (t->rules == NULL) return -1;
  while (off < t->size) {
    const struct ipt_entry* e;
    const struct xt_entry_target* tg;
    int hook;
    if (!entry_ok(t, off)) return -2;
    e = entry_at(t, off);
    tg = target_of(e);
    if (off + e->next_offset == t->size) return close_chain(t) == 0 ? 0 : -2; /* end marker */
    if (t->nrules > t->info.num_entries) return -2;
    if (strcmp(tg->u.user.name, XT_ERROR_TARGET) == 0) {
      const struct xt_error_target* err = (const void*)tg;
      if (tg->u.target_size < sizeof *err ||
          memchr(err->errorname, '\0', sizeof err->errorname) == NULL || close_chain(t) != 0) {
        return -2;
      }
      if (push_chain(t, err->errorname, 0, off) != 0) return -1;
      place_chain(t, t->nchains - 1, t->nchains - 1);
    } else if ((hook = hook_at(t, off)) >= 0) {
      if (close_chain(t) != 0) return -2;
      if (push_chain(t, hook_names[hook], 1, off) != 0) return -1;
      place_chain(t, t->nchains - 1, t->nchains - 1);
      t->rules[t->nrules++] = off;
    } else {
      if (t->nchains == 0) return -2;
      t->rules[t->nrules++] = off;
    }
    off += e->next_offset;
  }
  return -2; /* no end marker */
}

/* The user chains' names point into their ERROR entries: copy them out, so that a rule can name
 * the chain it jumps to after that chain's entries went back to the kernel. */
static int copy_names(nd_ipt* t) {
  size_t total = 1, at = 0;
  for (size_t i = 0; i < t->nchains; i++) {
    if (!t->chains[i].builtin) total += t->chains[i].name_len + 1;
  }
  t->names = malloc(total);
  t->done = calloc(t->nchains + 1, 1);
  if (t->names == NULL || t->done == NULL) return -1;
  for (size_t i = 0; i < t->nchains; i++) {
    nd_chain* c = &t->chains[i];
    if (c->builtin) continue;
    memcpy(t->names + at, c->name, c->name_len + 1);
    c->name = t->names + at;
    at += c->name_len + 1;
  }
  return 0;
}

nd_ipt* nd_ipt_read(const char* table, int* err, char* errbuf, size_t errlen) {
  nd_ipt* t = calloc(1, sizeof *t);
  int rc;
  if (t == NULL) {
    fail(err, errbuf, errlen, ENOMEM, "out of memory");
    return NULL;
  }
  if (fetch(t, table, err, errbuf, errlen) != 0) {
    nd_ipt_free(t);
    return NULL;
  }
  rc = parse(t);
  if (rc == 0) rc = copy_names(t);
  if (rc == 0) {
    t->position = malloc((t->nchains + 1) * sizeof *t->position);
    if (t->position == NULL) rc = -1;
    for (size_t i = 0; rc == 0 && i < t->nchains; i++) t->position[t->order[i]] = i;
  }
  if (rc != 0) {
    fail(err, errbuf, errlen, rc == -1 ? ENOMEM : EINVAL,
         rc == -1 ? "out of memory" : "malformed table from the kernel");
    nd_ipt_free(t);
    return NULL;
  }
  return t;
}

void nd_ipt_free(nd_ipt* t) {
  if (t == NULL) return;
  unmap_entries(t);
  free(t->chains);
  free(t->heads);
  free(t->order);
  free(t->position);
  free(t->rules);
  free(t->names);
  free(t->done);
  free(t->out.buf);
  free(t->out.toks);
  free(t);
}

size_t nd_ipt_size(const nd_ipt* t) {
  return t->size;
}

size_t nd_ipt_chain_count(const nd_ipt* t) {
  return t->nchains;
}

const char* nd_ipt_chain_name(const nd_ipt* t, size_t chain) {
  return t->chains[t->order[chain]].name;
}

const char* nd_ipt_chain_policy(const nd_ipt* t, size_t chain) {
  return t->chains[t->order[chain]].policy;
}

size_t nd_ipt_rule_count(const nd_ipt* t, size_t chain) {
  return t->chains[t->order[chain]].count;
}

/* The chain a jump lands in: the last one starting at or before the offset, if it spans it. */
static const nd_chain* chain_at(const nd_ipt* t, uint32_t off) {
  size_t lo = 0, n = t->nchains;
  while (n > 1) { /* branch-free halving over the packed head offsets */
    size_t half = n / 2;
    lo = t->heads[lo + half] <= off ? lo + half : lo;
    n -= half;
  }
  if (t->nchains == 0 || off < t->chains[lo].head || off > t->chains[lo].foot) return NULL;
  return &t->chains[lo];
}

/* -s/-d as print_ip prints them: a prefix length, or a dotted mask when it is not one. */
static void print_addr(nd_out* o, const char* opt, uint32_t ip, uint32_t mask, int invert) {
  uint32_t hmask = ntohl(mask), bits = 0xfffffffeu;
  int i = 32;
  if (mask == 0 && ip == 0 && !invert) return;
  nd_out_str(o, invert ? " ! " : " ");
  nd_out_str(o, opt);
  nd_out_raw(o, " ", 1);
  nd_out_ipv4(o, ip);
  nd_out_raw(o, "/", 1);
  if (mask == 0xffffffffu) {
    nd_out_raw(o, "32", 2);
    return;
  }
  while (--i >= 0 && hmask != bits) bits <<= 1;
  if (i >= 0)
    nd_out_uint(o, (unsigned long)i);
  else
    nd_out_ipv4(o, mask);
}

static nd_ipt_str print_iface(nd_out* o, const char* opt, const char* iface,
                              const unsigned char* mask, int invert) {
  nd_ipt_str name = {NULL, 0};
  size_t at;
  if (mask[0] == 0) return name;
  nd_out_str(o, invert ? " ! " : " ");
  nd_out_str(o, opt);
  nd_out_raw(o, " ", 1);
  at = o->len;
  for (int i = 0; i < IFNAMSIZ; i++) {
    if (mask[i] != 0) {
      if (iface[i] != '\0') nd_out_raw(o, iface + i, 1);
    } else {
      if (iface[i - 1] != '\0') nd_out_raw(o, "+", 1); /* a prefix match: "cni+" */
      break;
    }
  }
  name.text = o->buf + at;
  name.len = o->len - at;
  return name;
}

/* iptables names a protocol by /etc/protocols, then by its own table, then by number. */
static const char* proto_name(nd_ipt* t, uint16_t proto) {
  static const struct {
    uint16_t num;
    const char* name;
  } known[] = {{IPPROTO_TCP, "tcp"},   {IPPROTO_UDP, "udp"},         {IPPROTO_ICMP, "icmp"},
               {IPPROTO_SCTP, "sctp"}, {IPPROTO_UDPLITE, "udplite"}, {IPPROTO_ESP, "esp"},
               {IPPROTO_AH, "ah"},     {IPPROTO_ICMPV6, "icmpv6"},   {135, "mh"}};
  struct protoent ent, *found = NULL;
  char buf[1024];
  for (size_t i = 0; i < 4; i++) {
    if (known[i].num == proto) return known[i].name;
  }
  if (getprotobynumber_r(proto, &ent, buf, sizeof buf, &found) == 0 && found != NULL) {
    snprintf(t->proto, sizeof t->proto, "%s", found->p_name);
    return t->proto;
  }
  for (size_t i = 4; i < sizeof known / sizeof known[0]; i++) {
    if (known[i].num == proto) return known[i].name;
  }
  snprintf(t->proto, sizeof t->proto, "%u", proto);
  return t->proto;
}

/* Renders one rule; -2 when it is malformed. Overflow is reported through o->overflow. */
static int render(nd_ipt* t, uint32_t off, nd_ipt_rule* r) {
  nd_out* o = &t->out;
  const struct ipt_entry* e = entry_at(t, off);
  const struct ipt_ip* ip = &e->ip;
  const struct xt_entry_target* tg = target_of(e);
  uint32_t i;
  o->len = 0, o->ntok = 0, o->overflow = 0;
  memset(r, 0, sizeof *r);
  print_addr(o, "-s", ip->src.s_addr, ip->smsk.s_addr, ip->invflags & IPT_INV_SRCIP);
  print_addr(o, "-d", ip->dst.s_addr, ip->dmsk.s_addr, ip->invflags & IPT_INV_DSTIP);
  r->has_src = ip->src.s_addr != 0 || ip->smsk.s_addr != 0 || (ip->invflags & IPT_INV_SRCIP);
  r->has_dst = ip->dst.s_addr != 0 || ip->dmsk.s_addr != 0 || (ip->invflags & IPT_INV_DSTIP);
  r->src_negated = (ip->invflags & IPT_INV_SRCIP) != 0;
  r->dst_negated = (ip->invflags & IPT_INV_DSTIP) != 0;
  r->src = ntohl(ip->src.s_addr), r->src_mask = ntohl(ip->smsk.s_addr);
  r->dst = ntohl(ip->dst.s_addr), r->dst_mask = ntohl(ip->dmsk.s_addr);
  r->in_negated = (ip->invflags & IPT_INV_VIA_IN) != 0;
  r->out_negated = (ip->invflags & IPT_INV_VIA_OUT) != 0;
  r->in = print_iface(o, "-i", ip->iniface, ip->iniface_mask, r->in_negated);
  r->out = print_iface(o, "-o", ip->outiface, ip->outiface_mask, r->out_negated);
  if (ip->proto != 0) {
    size_t at;
    r->protocol_negated = (ip->invflags & XT_INV_PROTO) != 0;
    nd_out_str(o, r->protocol_negated ? " ! -p " : " -p ");
    at = o->len;
    nd_out_str(o, proto_name(t, ip->proto));
    r->protocol.text = o->buf + at;
    r->protocol.len = o->len - at;
  }
  if (ip->flags & IPT_F_FRAG) {
    r->fragment = 1;
    r->fragment_negated = (ip->invflags & IPT_INV_FRAG) != 0;
    nd_out_str(o, r->fragment_negated ? " ! -f" : " -f");
  }
  for (i = sizeof *e; i < e->target_offset;) {
    const struct xt_entry_match* m = (const void*)((const char*)e + i);
    size_t len = o->len, ntok = o->ntok;
    if (!nd_render_match(o, m) && !o->overflow) {
      o->len = len, o->ntok = ntok;
      nd_tok_match(o, m->u.user.name);
      nd_tok_option(o, "--nd-undecoded", 0);
    }
    i += m->u.match_size;
  }
  if (tg->u.user.name[0] == '\0') { /* a verdict, a jump or a fall-through */
    const struct xt_standard_target* st = (const void*)tg;
    int is_goto = (ip->flags & IPT_F_GOTO) != 0;
    if (tg->u.target_size != XT_ALIGN(sizeof *st)) return -2;
    if (st->verdict < 0) {
      const char* name = verdict_name(st->verdict);
      if (name == NULL) return -2;
      nd_tok_target(o, name, strlen(name), is_goto, -1);
    } else if ((uint32_t)st->verdict != off + e->next_offset) {
      const nd_chain* c = chain_at(t, (uint32_t)st->verdict);
      if (c == NULL) return -2;
      nd_tok_target(o, c->name, c->name_len, is_goto, (long)t->position[c - t->chains]);
    }
  } else {
    size_t len, ntok;
    nd_tok_target(o, tg->u.user.name, strlen(tg->u.user.name), 0, -1);
    len = o->len, ntok = o->ntok;
    if (!nd_render_target(o, tg) && !o->overflow) {
      o->len = len, o->ntok = ntok;
      nd_tok_option(o, "--nd-undecoded", 0);
    }
  }
  /* The text starts after the first separator. */
  r->text.text = o->len > 0 ? o->buf + 1 : o->buf;
  r->text.len = o->len > 0 ? o->len - 1 : 0;
  r->tokens = o->toks;
  r->token_count = o->ntok;
  return 0;
}

void nd_ipt_release(nd_ipt* t, size_t chain) {
  const size_t step = 2u << 20; /* whole huge pages, and few calls */
  size_t below;
  t->done[t->order[chain]] = 1;
  while (t->unread < t->nchains && t->done[t->unread]) t->unread++;
  /* Every entry before the first unread chain's head has been read (chains are contiguous and
   * in the kernel's order; the policy and RETURN entries were read by parse). */
  below = (size_t)(t->blob - (const unsigned char*)t->entries) +
          (t->unread < t->nchains ? t->chains[t->unread].head : t->size);
  below &= ~(step - 1);
  if (below > t->released) {
    madvise((char*)t->entries + t->released, below - t->released, MADV_DONTNEED);
    t->released = below;
  }
}

int nd_ipt_rule_get(nd_ipt* t, size_t chain, size_t rule, nd_ipt_rule* out) {
  const nd_chain* c = &t->chains[t->order[chain]];
  uint32_t off = t->rules[c->first + rule];
  for (;;) {
    int rc = t->out.buf ? render(t, off, out) : 0;
    if (rc != 0) return rc;
    if (t->out.buf && !t->out.overflow) return 0;
    /* First use or too small: grow both buffers and render again. */
    size_t cap = t->out.cap ? t->out.cap * 2 : 4096;
    size_t tokcap = t->out.tokcap ? t->out.tokcap * 2 : 256;
    char* buf = realloc(t->out.buf, cap);
    nd_ipt_token* toks;
    if (buf == NULL) return -1;
    t->out.buf = buf, t->out.cap = cap;
    toks = realloc(t->out.toks, tokcap * sizeof *toks);
    if (toks == NULL) return -1;
    t->out.toks = toks, t->out.tokcap = tokcap;
  }
}
