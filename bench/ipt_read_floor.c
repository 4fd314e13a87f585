/* The floor of reading legacy iptables: what the kernel costs, and nothing else. For each table
 * named on the command line (default: filter nat), the two getsockopt calls every reader makes
 * (libiptc, iptables-legacy-save, netdoctor): IPT_SO_GET_INFO for the size, IPT_SO_GET_ENTRIES
 * for the entries, into a malloc'ed buffer. Nothing is parsed. Prints the bytes read.
 *
 *   cc -O2 -o ipt_read_floor bench/ipt_read_floor.c
 *   ip netns exec NS ./ipt_read_floor filter nat
 *
 * Asking for a table the namespace lacks creates it: name only tables listed in
 * /proc/net/ip_tables_names (rules_bench.sh does). Needs CAP_NET_ADMIN and CAP_NET_RAW. */
#include <netinet/in.h> /* before the kernel header, which would redefine in_addr */

#include <errno.h>
#include <linux/netfilter_ipv4/ip_tables.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int read_table(int fd, const char* name, size_t* bytes) {
  struct ipt_getinfo info;
  struct ipt_get_entries* entries;
  socklen_t len = sizeof info;
  memset(&info, 0, sizeof info);
  snprintf(info.name, sizeof info.name, "%s", name);
  if (getsockopt(fd, IPPROTO_IP, IPT_SO_GET_INFO, &info, &len) < 0) {
    fprintf(stderr, "IPT_SO_GET_INFO %s: %s\n", name, strerror(errno));
    return -1;
  }
  len = (socklen_t)(sizeof *entries + info.size);
  entries = malloc(len);
  if (entries == NULL) {
    fprintf(stderr, "out of memory\n");
    return -1;
  }
  memset(entries, 0, sizeof *entries);
  snprintf(entries->name, sizeof entries->name, "%s", name);
  entries->size = info.size;
  if (getsockopt(fd, IPPROTO_IP, IPT_SO_GET_ENTRIES, entries, &len) < 0) {
    fprintf(stderr, "IPT_SO_GET_ENTRIES %s: %s\n", name, strerror(errno));
    free(entries);
    return -1;
  }
  *bytes += info.size;
  free(entries);
  return 0;
}

int main(int argc, char** argv) {
  static const char* defaults[] = {"filter", "nat"};
  const char** tables = argc > 1 ? (const char**)argv + 1 : defaults;
  int count = argc > 1 ? argc - 1 : 2;
  size_t bytes = 0;
  int fd = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW);
  if (fd < 0) {
    fprintf(stderr, "raw socket: %s\n", strerror(errno));
    return 2;
  }
  for (int i = 0; i < count; i++) {
    if (read_table(fd, tables[i], &bytes) != 0) return 1;
  }
  close(fd);
  printf("%zu bytes in %d tables\n", bytes, count);
  return 0;
}
