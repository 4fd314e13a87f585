#include "rules/iptc_reader.h"

#include <cerrno>
#include <fstream>
#include <memory>
#include <mutex>

#include "rules/iptables_save.h"
#include "rules/iptc_shim.h"

namespace netdoctor::rules {

namespace {

// libiptc keeps per-process state (the last failing function for iptc_strerror): one reader
// at a time.
std::mutex iptc_mutex;

using Handle = std::unique_ptr<nd_iptc, decltype(&nd_iptc_close)>;
using Text = std::unique_ptr<char, decltype(&nd_iptc_free)>;

Result<std::string> dump_table(const std::string& table) {
  int err = 0;
  char msg[256] = {};
  Handle h(nd_iptc_open(table.c_str(), &err, msg, sizeof msg), &nd_iptc_close);
  if (!h) {
    std::string what = "cannot read legacy iptables table \"" + table + "\" (" + msg + ")";
    if (err == EPERM || err == EACCES) {
      return fail(ErrorCode::kPermission, what + ": needs CAP_NET_ADMIN");
    }
    return fail_errno(err, what);
  }
  Text text(nd_iptc_dump(h.get()), &nd_iptc_free);
  if (!text) return fail(ErrorCode::kSystem, "cannot render legacy table \"" + table + "\"");
  return std::string(text.get());
}

}  // namespace

Result<std::vector<std::string>> legacy_table_names() {
  const char* path = "/proc/thread-self/net/ip_tables_names";
  std::ifstream in(path);
  std::vector<std::string> names;
  if (!in) {
    // The file exists only once ip_tables is loaded; no module means no legacy tables.
    if (errno == ENOENT) return names;
    return fail_errno(errno, std::string("cannot read ") + path);
  }
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) names.push_back(line);
  }
  return names;
}

Result<Ruleset> read_legacy_iptc() {
  auto names = legacy_table_names();
  if (!names) return tl::unexpected(names.error());
  std::string text;
  {
    std::lock_guard<std::mutex> lock(iptc_mutex);
    for (const std::string& table : *names) {
      auto dump = dump_table(table);
      if (!dump) return tl::unexpected(dump.error());
      text += *dump;
    }
  }
  return parse_iptables_save(text, "libiptc");
}

}  // namespace netdoctor::rules
