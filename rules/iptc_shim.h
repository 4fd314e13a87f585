/* A small C shim over libiptc, which reads legacy iptables tables straight from the kernel.
 * libiptc's headers (and the kernel headers they pull in) do not compile as C++, so C++ sees
 * only this: an opaque handle and a function that renders a whole table in iptables-save
 * syntax, which the C++ side parses with the same parser as iptables-save text. Matches and
 * targets the shim cannot decode are rendered as "-m NAME --nd-undecoded" / "-j NAME
 * --nd-undecoded", which the parser keeps as unknown (evaluation of that rule is uncertain).
 *
 * The handle binds to the network namespace of the thread that opens it (libiptc opens its raw
 * socket in iptc_init). Opening a table the kernel has not instantiated in that namespace
 * creates it: callers must only open tables listed in /proc/thread-self/net/ip_tables_names. */
#ifndef NETDOCTOR_RULES_IPTC_SHIM_H
#define NETDOCTOR_RULES_IPTC_SHIM_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct nd_iptc nd_iptc;

/* Opens a table. On failure returns NULL, stores errno in *err and a message in errbuf. */
nd_iptc* nd_iptc_open(const char* table, int* err, char* errbuf, size_t errlen);
void nd_iptc_close(nd_iptc* handle);

/* The table as iptables-save prints it ("*table" ... "COMMIT\n"), in a malloc'ed string the
 * caller frees with nd_iptc_free; NULL when out of memory. */
char* nd_iptc_dump(nd_iptc* handle);
void nd_iptc_free(char* text);

#ifdef __cplusplus
}
#endif

#endif
