/* Renders one kernel match (struct xt_entry_match) in iptables-save syntax, after "-m NAME".
 * Part of the libiptc shim; C only. */
#ifndef NETDOCTOR_RULES_IPTC_SHIM_MATCHES_H
#define NETDOCTOR_RULES_IPTC_SHIM_MATCHES_H

#include <libiptc/libiptc.h>
#include <stdio.h>

/* Returns 1 when the match was decoded, 0 when the caller must mark it undecoded. */
int nd_print_match(FILE* f, const struct xt_entry_match* m);

#endif
