#include "netns/links.h"

#include <arpa/inet.h>
#include <linux/if.h>
#include <linux/net_namespace.h>
#include <linux/rtnetlink.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/neighbour.h>
#include <netlink/route/route.h>

#include <cctype>
#include <memory>

namespace netdoctor::netns {
namespace {

struct SockDeleter {
  void operator()(nl_sock* s) const { nl_socket_free(s); }
};
struct CacheDeleter {
  void operator()(nl_cache* c) const { nl_cache_put(c); }
};
using SockPtr = std::unique_ptr<nl_sock, SockDeleter>;
using CachePtr = std::unique_ptr<nl_cache, CacheDeleter>;

Result<SockPtr> connect_route_socket() {
  SockPtr sock(nl_socket_alloc());
  if (!sock) return fail(ErrorCode::kSystem, "cannot allocate netlink socket");
  if (int err = nl_connect(sock.get(), NETLINK_ROUTE); err < 0) {
    return fail(ErrorCode::kSystem, std::string("cannot connect rtnetlink: ") + nl_geterror(err));
  }
  return sock;
}

std::string addr_to_string(nl_addr* addr) {
  if (addr == nullptr) return {};
  char buf[128];
  return nl_addr2str(addr, buf, sizeof buf);
}

std::string ipv4_string(nl_addr* addr) {
  if (addr == nullptr || nl_addr_get_family(addr) != AF_INET || nl_addr_get_len(addr) != 4) {
    return {};
  }
  char buf[INET_ADDRSTRLEN];
  return inet_ntop(AF_INET, nl_addr_get_binary_addr(addr), buf, sizeof buf) ? buf : "";
}

Interface to_interface(rtnl_link* link) {
  Interface itf;
  itf.index = rtnl_link_get_ifindex(link);
  const char* name = rtnl_link_get_name(link);
  itf.name = name ? name : "";
  const char* kind = rtnl_link_get_type(link);
  itf.kind = kind ? kind : "";
  const unsigned flags = rtnl_link_get_flags(link);
  itf.admin_up = (flags & IFF_UP) != 0;
  itf.lower_up = (flags & IFF_LOWER_UP) != 0;
  char buf[32];
  itf.operstate = rtnl_link_operstate2str(rtnl_link_get_operstate(link), buf, sizeof buf);
  itf.mtu = rtnl_link_get_mtu(link);
  itf.mac = addr_to_string(rtnl_link_get_addr(link));
  itf.master = rtnl_link_get_master(link);
  itf.link = rtnl_link_get_link(link);
  int32_t nsid = -1;
  if (rtnl_link_get_link_netnsid(link, &nsid) == 0) itf.link_netnsid = nsid;
  return itf;
}

Result<void> read_interfaces(nl_sock* sock, LinkSnapshot& snap) {
  nl_cache* raw = nullptr;
  if (int err = rtnl_link_alloc_cache(sock, AF_UNSPEC, &raw); err < 0) {
    return fail(ErrorCode::kSystem, std::string("cannot list links: ") + nl_geterror(err));
  }
  CachePtr cache(raw);
  for (nl_object* o = nl_cache_get_first(cache.get()); o; o = nl_cache_get_next(o)) {
    snap.interfaces.push_back(to_interface(reinterpret_cast<rtnl_link*>(o)));
  }
  return {};
}

Result<void> read_addresses(nl_sock* sock, LinkSnapshot& snap) {
  nl_cache* raw = nullptr;
  if (int err = rtnl_addr_alloc_cache(sock, &raw); err < 0) {
    return fail(ErrorCode::kSystem, std::string("cannot list addresses: ") + nl_geterror(err));
  }
  CachePtr cache(raw);
  for (nl_object* o = nl_cache_get_first(cache.get()); o; o = nl_cache_get_next(o)) {
    auto* a = reinterpret_cast<rtnl_addr*>(o);
    if (rtnl_addr_get_family(a) != AF_INET) continue;
    const std::string ip = ipv4_string(rtnl_addr_get_local(a));
    if (ip.empty()) continue;
    for (auto& itf : snap.interfaces) {
      if (itf.index == rtnl_addr_get_ifindex(a)) {
        itf.addrs.push_back({ip, rtnl_addr_get_prefixlen(a)});
      }
    }
  }
  return {};
}

Route to_route(rtnl_route* r, const LinkSnapshot& snap) {
  Route route;
  nl_addr* dst = rtnl_route_get_dst(r);
  if (dst == nullptr || nl_addr_get_prefixlen(dst) == 0) {
    route.dst = "default";
  } else {
    route.dst = ipv4_string(dst) + "/" + std::to_string(nl_addr_get_prefixlen(dst));
  }
  route.table = rtnl_route_get_table(r);
  if (rtnl_route_get_nnexthops(r) > 0) {
    rtnl_nexthop* nh = rtnl_route_nexthop_n(r, 0);
    route.gateway = ipv4_string(rtnl_route_nh_get_gateway(nh));
    route.oif = rtnl_route_nh_get_ifindex(nh);
    route.onlink = (rtnl_route_nh_get_flags(nh) & RTNH_F_ONLINK) != 0;
    if (const Interface* itf = snap.find(route.oif)) route.dev = itf->name;
  }
  return route;
}

Result<void> read_routes(nl_sock* sock, LinkSnapshot& snap) {
  nl_cache* raw = nullptr;
  if (int err = rtnl_route_alloc_cache(sock, AF_INET, 0, &raw); err < 0) {
    return fail(ErrorCode::kSystem, std::string("cannot list routes: ") + nl_geterror(err));
  }
  CachePtr cache(raw);
  for (nl_object* o = nl_cache_get_first(cache.get()); o; o = nl_cache_get_next(o)) {
    auto* r = reinterpret_cast<rtnl_route*>(o);
    if (rtnl_route_get_table(r) != RT_TABLE_MAIN) continue;
    snap.routes.push_back(to_route(r, snap));
  }
  return {};
}

int parse_nsid_reply(nl_msg* msg, void* arg) {
  auto* out = static_cast<std::optional<int>*>(arg);
  nlattr* tb[NETNSA_MAX + 1] = {};
  if (nlmsg_parse(nlmsg_hdr(msg), sizeof(rtgenmsg), tb, NETNSA_MAX, nullptr) < 0) return NL_SKIP;
  if (tb[NETNSA_NSID] != nullptr) {
    const auto id = static_cast<int32_t>(nla_get_u32(tb[NETNSA_NSID]));
    if (id >= 0) *out = id;
  }
  return NL_OK;
}

}  // namespace

const Interface* LinkSnapshot::find(int index) const {
  for (const auto& itf : interfaces) {
    if (itf.index == index) return &itf;
  }
  return nullptr;
}

const Interface* LinkSnapshot::find(const std::string& name) const {
  for (const auto& itf : interfaces) {
    if (itf.name == name) return &itf;
  }
  return nullptr;
}

const Route* LinkSnapshot::default_route() const {
  for (const auto& r : routes) {
    if (r.dst == "default") return &r;
  }
  return nullptr;
}

std::vector<std::string> LinkSnapshot::ipv4_addresses() const {
  std::vector<std::string> out;
  for (const auto& itf : interfaces) {
    if (itf.name == "lo") continue;
    for (const auto& a : itf.addrs) out.push_back(a.address);
  }
  return out;
}

Result<LinkSnapshot> read_links() {
  auto sock = connect_route_socket();
  if (!sock) return tl::unexpected(sock.error());
  LinkSnapshot snap;
  if (auto r = read_interfaces(sock->get(), snap); !r) return tl::unexpected(r.error());
  if (auto r = read_addresses(sock->get(), snap); !r) return tl::unexpected(r.error());
  if (auto r = read_routes(sock->get(), snap); !r) return tl::unexpected(r.error());
  return snap;
}

Result<std::vector<Neighbour>> read_neighbours() {
  auto sock = connect_route_socket();
  if (!sock) return tl::unexpected(sock.error());
  nl_cache* raw = nullptr;
  if (int err = rtnl_neigh_alloc_cache(sock->get(), &raw); err < 0) {
    return fail(ErrorCode::kSystem, std::string("cannot list neighbours: ") + nl_geterror(err));
  }
  CachePtr cache(raw);
  std::vector<Neighbour> out;
  for (nl_object* o = nl_cache_get_first(cache.get()); o; o = nl_cache_get_next(o)) {
    auto* n = reinterpret_cast<rtnl_neigh*>(o);
    if (rtnl_neigh_get_family(n) != AF_INET) continue;
    Neighbour nb;
    nb.ip = ipv4_string(rtnl_neigh_get_dst(n));
    nb.mac = addr_to_string(rtnl_neigh_get_lladdr(n));
    nb.ifindex = rtnl_neigh_get_ifindex(n);
    char buf[64];
    nb.state = rtnl_neigh_state2str(rtnl_neigh_get_state(n), buf, sizeof buf);
    for (auto& ch : nb.state) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    out.push_back(std::move(nb));
  }
  return out;
}

Result<std::vector<FdbEntry>> read_fdb() {
  auto sock = connect_route_socket();
  if (!sock) return tl::unexpected(sock.error());
  nl_cache* raw = nullptr;
  // FDB entries are AF_BRIDGE neighbours: only an AF_ITER cache asks for every family.
  if (int err = rtnl_neigh_alloc_cache_flags(sock->get(), &raw, NL_CACHE_AF_ITER); err < 0) {
    return fail(ErrorCode::kSystem, std::string("cannot list fdb entries: ") + nl_geterror(err));
  }
  CachePtr cache(raw);
  std::vector<FdbEntry> out;
  for (nl_object* o = nl_cache_get_first(cache.get()); o; o = nl_cache_get_next(o)) {
    auto* n = reinterpret_cast<rtnl_neigh*>(o);
    if (rtnl_neigh_get_family(n) != AF_BRIDGE) continue;
    FdbEntry e;
    e.mac = addr_to_string(rtnl_neigh_get_lladdr(n));
    e.dst = ipv4_string(rtnl_neigh_get_dst(n));
    e.ifindex = rtnl_neigh_get_ifindex(n);
    char buf[64];
    e.state = rtnl_neigh_state2str(rtnl_neigh_get_state(n), buf, sizeof buf);
    out.push_back(std::move(e));
  }
  return out;
}

Result<std::optional<int>> nsid_of(int netns_fd) {
  auto sock = connect_route_socket();
  if (!sock) return tl::unexpected(sock.error());
  std::unique_ptr<nl_msg, decltype(&nlmsg_free)> msg(nlmsg_alloc_simple(RTM_GETNSID, NLM_F_REQUEST),
                                                     &nlmsg_free);
  rtgenmsg hdr{};
  hdr.rtgen_family = AF_UNSPEC;
  if (!msg || nlmsg_append(msg.get(), &hdr, sizeof hdr, NLMSG_ALIGNTO) < 0 ||
      nla_put_u32(msg.get(), NETNSA_FD, static_cast<uint32_t>(netns_fd)) < 0) {
    return fail(ErrorCode::kSystem, "cannot build RTM_GETNSID request");
  }
  std::optional<int> nsid;
  nl_socket_modify_cb(sock->get(), NL_CB_VALID, NL_CB_CUSTOM, parse_nsid_reply, &nsid);
  if (int err = nl_send_auto(sock->get(), msg.get()); err < 0) {
    return fail(ErrorCode::kSystem, std::string("cannot send RTM_GETNSID: ") + nl_geterror(err));
  }
  if (int err = nl_recvmsgs_default(sock->get()); err < 0) {
    return fail(ErrorCode::kSystem, std::string("RTM_GETNSID failed: ") + nl_geterror(err));
  }
  return nsid;
}

}  // namespace netdoctor::netns
