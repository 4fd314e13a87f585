/* Internal to the ip_tables shim (C only): the buffer one rule is rendered into, and the
 * renderers of the match and target extensions netdoctor decodes. Each renderer follows the
 * save function of the iptables extension of the same name (extensions/libxt_*.c,
 * libipt_*.c), so that the text is exactly what iptables-save prints and the tokens are what
 * a parser of that text would find. */
#ifndef NETDOCTOR_RULES_IPTC_SHIM_MATCHES_H
#define NETDOCTOR_RULES_IPTC_SHIM_MATCHES_H

#include <netinet/in.h> /* before the kernel headers, which would redefine in_addr */

#include <linux/netfilter_ipv4/ip_tables.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "rules/iptc_shim.h"

/* One rule's text and tokens. Writes past the capacity only set `overflow`: the caller grows
 * the buffers and renders the rule again, so tokens may point into `buf` while it is filled. */
typedef struct {
  char* buf;
  size_t len, cap;
  nd_ipt_token* toks;
  size_t ntok, tokcap;
  int overflow;
  size_t value_start; /* where the value being written began */
} nd_out;

/* Inline so that the lengths of the literals passed in are known at compile time. */
static inline void nd_out_raw(nd_out* o, const char* s, size_t n) {
  if (o->len + n > o->cap) {
    o->overflow = 1;
    return;
  }
  memcpy(o->buf + o->len, s, n);
  o->len += n;
}

static inline void nd_out_str(nd_out* o, const char* s) {
  nd_out_raw(o, s, strlen(s));
}

void nd_out_uint(nd_out* o, unsigned long v);
void nd_out_hex(nd_out* o, unsigned long v); /* "0x1f" */
void nd_out_ipv4(nd_out* o, uint32_t addr_be);

static inline void nd_push_token(nd_out* o, int kind, const char* text, size_t len) {
  nd_ipt_token* t;
  if (o->ntok == o->tokcap) {
    o->overflow = 1;
    return;
  }
  t = &o->toks[o->ntok++];
  memset(t, 0, sizeof *t);
  t->kind = kind;
  t->text = text;
  t->len = len;
}

/* " -m NAME". */
static inline void nd_tok_match(nd_out* o, const char* name) {
  size_t at;
  nd_out_raw(o, " -m ", 4);
  at = o->len;
  nd_out_str(o, name);
  nd_push_token(o, ND_IPT_MATCH, o->buf + at, o->len - at);
}

/* " -j NAME" / " -g NAME". A jump to a chain of the table passes the chain's index (in
 * nd_ipt_chain_* order) in `chain`; verdicts and extensions pass -1. */
static inline void nd_tok_target(nd_out* o, const char* name, size_t len, int is_goto, long chain) {
  size_t at;
  nd_out_raw(o, is_goto ? " -g " : " -j ", 4);
  at = o->len;
  nd_out_raw(o, name, len);
  nd_push_token(o, ND_IPT_TARGET, o->buf + at, o->len - at);
  if (!o->overflow) {
    o->toks[o->ntok - 1].is_goto = is_goto;
    o->toks[o->ntok - 1].jump = chain >= 0;
    o->toks[o->ntok - 1].chain = chain >= 0 ? (size_t)chain : 0;
  }
}

/* " --opt", or " ! --opt". */
static inline void nd_tok_option(nd_out* o, const char* opt, int negated) {
  size_t at;
  if (negated) nd_out_raw(o, " !", 2);
  nd_out_raw(o, " ", 1);
  at = o->len;
  nd_out_str(o, opt);
  nd_push_token(o, ND_IPT_OPTION, o->buf + at, o->len - at);
  if (!o->overflow) o->toks[o->ntok - 1].negated = negated != 0;
}

/* A value: " " then whatever the caller writes until nd_tok_value_end. */
static inline void nd_tok_value_begin(nd_out* o) {
  nd_out_raw(o, " ", 1);
  o->value_start = o->len;
}

static inline void nd_tok_value_end(nd_out* o) {
  nd_push_token(o, ND_IPT_VALUE, o->buf + o->value_start, o->len - o->value_start);
}

/* A value printed as xtables_save_string does: bare when only [A-Za-z0-9_-], else in double
 * quotes with '"', '\\' and '\'' escaped. The token holds the unquoted string. */
void nd_tok_quoted(nd_out* o, const char* s, size_t n);

/* Renders " -m NAME options..." for a match. Returns 1 when decoded; 0 when the caller must
 * roll back what was written and mark the match undecoded. */
int nd_render_match(nd_out* o, const struct xt_entry_match* m);
/* Renders the options of a target extension after " -j NAME". Returns 1 when decoded, 0 when
 * not (the caller rolls back and marks it undecoded). */
int nd_render_target(nd_out* o, const struct xt_entry_target* t);

#endif
