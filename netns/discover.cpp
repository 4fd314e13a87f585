#include "netns/discover.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <future>
#include <map>
#include <system_error>

#include "netns/runner.h"

namespace netdoctor::netns {
namespace fs = std::filesystem;
namespace {

bool is_pid_dir(const std::string& name) {
  return !name.empty() &&
         std::all_of(name.begin(), name.end(), [](char c) { return c >= '0' && c <= '9'; });
}

NetnsInfo& entry_for(std::map<NetnsId, NetnsInfo>& by_id, const NetnsId& id) {
  auto& info = by_id[id];
  info.id = id;
  return info;
}

void add_named(std::map<NetnsId, NetnsInfo>& by_id, const DiscoverOptions& o, const NetnsId& self) {
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(o.netns_dir, ec)) {
    const std::string path = e.path().string();
    auto id = stat_netns(path);
    if (!id || *id == self) continue;
    // A name whose bind mount is gone stats as a plain file on the same fs as its directory:
    // opening it later reports the problem; here we keep only nsfs-looking entries.
    auto& info = entry_for(by_id, *id);
    info.names.push_back(e.path().filename().string());
    if (info.path.empty()) info.path = path;
  }
}

void add_processes(std::map<NetnsId, NetnsInfo>& by_id, const DiscoverOptions& o,
                   const NetnsId& self) {
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(o.proc_dir, ec)) {
    const std::string name = e.path().filename().string();
    if (!is_pid_dir(name)) continue;
    auto id = stat_netns(e.path().string() + "/ns/net");
    if (!id || *id == self) continue;  // the process may be gone already: not an error
    auto& info = entry_for(by_id, *id);
    info.pids.push_back(static_cast<pid_t>(std::atoi(name.c_str())));
  }
}

}  // namespace

std::string NetnsInfo::primary_ip() const {
  if (const Interface* itf = links.find(pod_interface); itf && !itf->addrs.empty()) {
    return itf->addrs.front().address;
  }
  auto all = links.ipv4_addresses();
  return all.empty() ? std::string() : all.front();
}

std::vector<NetnsInfo> list_namespaces(const DiscoverOptions& options, const NetnsId& self) {
  std::map<NetnsId, NetnsInfo> by_id;
  add_named(by_id, options, self);
  add_processes(by_id, options, self);
  std::vector<NetnsInfo> out;
  for (auto& [id, info] : by_id) {
    std::sort(info.pids.begin(), info.pids.end());
    if (info.pids.size() > options.max_pids) info.pids.resize(options.max_pids);
    if (info.path.empty() && !info.pids.empty()) {
      info.path = options.proc_dir + "/" + std::to_string(info.pids.front()) + "/ns/net";
    }
    out.push_back(std::move(info));
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.path < b.path; });
  return out;
}

void inspect(NetnsInfo& info, const Netns& self) {
  auto ns = Netns::open_path(info.path);
  if (!ns) {
    info.error = ns.error().message();
    return;
  }
  // Unreadable (an old kernel without NS_GET_USERNS) counts as the host's: nothing to go by.
  if (auto host = owned_by_host_userns(ns->fd()); host) info.foreign_userns = !*host;
  const int self_fd = self.fd();
  struct Seen {
    LinkSnapshot links;
    std::optional<int> self_nsid;
  };
  auto seen = run_in(*ns, [self_fd]() -> Result<Seen> {
    auto links = read_links();
    if (!links) return tl::unexpected(links.error());
    auto nsid = nsid_of(self_fd);
    if (!nsid) return tl::unexpected(nsid.error());
    return Seen{std::move(*links), *nsid};
  });
  if (!seen) {
    info.error = seen.error().message();
    return;
  }
  info.links = std::move(seen->links);
  if (!seen->self_nsid) return;  // no link of this namespace points at ours
  for (const auto& itf : info.links.interfaces) {
    if (itf.kind == "veth" && itf.link_netnsid == *seen->self_nsid && itf.link > 0) {
      info.peer_here = true;
      info.pod_interface = itf.name;
      info.host_veth_index = itf.link;
      break;
    }
  }
}

Result<Discovery> discover(const DiscoverOptions& options) {
  auto self = Netns::current();
  if (!self) return tl::unexpected(self.error());
  Discovery d;
  d.self = self->id();
  // The prober's own namespace is every new thread's: no setns (and no privilege) needed.
  auto self_links = std::async(std::launch::async, [] { return read_links(); }).get();
  if (!self_links) return tl::unexpected(self_links.error());
  d.self_links = std::move(*self_links);
  d.others = list_namespaces(options, d.self);

  // Enter namespaces in bounded batches: each inspection runs on its own thread.
  const std::size_t batch = std::max<std::size_t>(1, options.max_parallel);
  for (std::size_t start = 0; start < d.others.size(); start += batch) {
    std::vector<std::future<void>> running;
    const std::size_t end = std::min(d.others.size(), start + batch);
    for (std::size_t i = start; i < end; ++i) {
      running.push_back(std::async(std::launch::async, [&, i] { inspect(d.others[i], *self); }));
    }
    for (auto& f : running) f.get();
  }
  for (auto& info : d.others) {
    const Interface* peer = d.self_links.find(info.host_veth_index);
    info.local = info.peer_here && peer != nullptr && peer->addrs.empty();
  }
  return d;
}

}  // namespace netdoctor::netns
