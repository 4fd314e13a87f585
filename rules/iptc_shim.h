/* A small C shim that reads one legacy iptables table (the kernel's ip_tables) the way libiptc
 * does, with the same two getsockopt calls (IPT_SO_GET_INFO, IPT_SO_GET_ENTRIES), and walks the
 * kernel's entries in place instead of copying each into libiptc's cache: libiptc's iptc_init
 * alone costs about as much as a whole iptables-legacy-save on a large rule set (one malloc and
 * copy per rule, a linear chain search per jump). The chain structure is recovered with
 * libiptc's rules (ERROR entries start user chains, hook entries start built-ins, each chain's
 * last entry is its policy or RETURN), and chains come out in the order iptables-save prints
 * them.
 *
 * The kernel headers do not compile as C++, so C++ sees only this: an opaque table, chains by
 * index, and each rule as plain fields plus a list of tokens (-m NAME, options with their
 * values, -j/-g NAME) exactly as iptables-save would print them, and the whole rule as
 * iptables-save text. Matches and targets the shim cannot decode come out as
 * "-m NAME --nd-undecoded" / "-j NAME --nd-undecoded", which the model keeps as not understood
 * (evaluation of that rule is uncertain).
 *
 * Reading binds to the network namespace of the calling thread (the socket is opened there).
 * Asking the kernel for a table the namespace has not instantiated creates it: callers must only
 * read tables listed in /proc/thread-self/net/ip_tables_names. */
#ifndef NETDOCTOR_RULES_IPTC_SHIM_H
#define NETDOCTOR_RULES_IPTC_SHIM_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct nd_ipt nd_ipt;

enum nd_ipt_token_kind {
  ND_IPT_MATCH = 1, /* "-m NAME" */
  ND_IPT_TARGET,    /* "-j NAME" or "-g NAME" */
  ND_IPT_OPTION,    /* "--opt", "! --opt" when negated */
  ND_IPT_VALUE,     /* a value of the option before it, unquoted */
};

typedef struct {
  int kind;
  int negated;  /* ND_IPT_OPTION */
  int is_goto;  /* ND_IPT_TARGET: -g */
  int jump;     /* ND_IPT_TARGET: a jump to a chain of the table (not a verdict or extension) */
  size_t chain; /* ND_IPT_TARGET with jump: the chain's index in nd_ipt_chain_* order */
  const char* text;
  size_t len;
} nd_ipt_token;

/* A string that is not NUL-terminated. */
typedef struct {
  const char* text;
  size_t len;
} nd_ipt_str;

typedef struct {
  int has_src, src_negated, has_dst, dst_negated;
  uint32_t src, src_mask, dst, dst_mask; /* host byte order */
  nd_ipt_str in, out;                    /* len 0: no -i/-o; "cni+" for a prefix */
  int in_negated, out_negated;
  nd_ipt_str protocol; /* "tcp", "gre", "254"; len 0: any */
  int protocol_negated;
  int fragment, fragment_negated;
  nd_ipt_str text; /* the arguments after "-A CHAIN ", as iptables-save prints them */
  const nd_ipt_token* tokens;
  size_t token_count;
} nd_ipt_rule;

/* Reads a table. On failure returns NULL, stores errno in *err and a message in errbuf. */
nd_ipt* nd_ipt_read(const char* table, int* err, char* errbuf, size_t errlen);
void nd_ipt_free(nd_ipt* table);

/* The size of the table's entries in the kernel, in bytes. */
size_t nd_ipt_size(const nd_ipt* table);

/* Chains in iptables-save order: built-ins first as the kernel lists them, then user chains. */
size_t nd_ipt_chain_count(const nd_ipt* table);
const char* nd_ipt_chain_name(const nd_ipt* table, size_t chain);
/* "ACCEPT" or "DROP" for a built-in chain, NULL for a user chain. */
const char* nd_ipt_chain_policy(const nd_ipt* table, size_t chain);
size_t nd_ipt_rule_count(const nd_ipt* table, size_t chain);

/* Decodes one rule into *out. Its strings and tokens stay valid until the next call on the same
 * table or nd_ipt_free. Returns 0, or -1 when out of memory. */
int nd_ipt_rule_get(nd_ipt* table, size_t chain, size_t rule, nd_ipt_rule* out);

/* The caller has read every rule of `chain` and will not read them again: the part of the
 * kernel's entries that lies before every chain still unread goes back to the kernel, so the
 * copy of a large table (66 MB for 10,000 Services) shrinks while the model of it grows. */
void nd_ipt_release(nd_ipt* table, size_t chain);

#ifdef __cplusplus
}
#endif

#endif
