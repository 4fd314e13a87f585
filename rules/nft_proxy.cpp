#include "rules/nft_proxy.h"

#include <nftables/libnftables.h>

#include <algorithm>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>

namespace netdoctor::rules {

namespace {

using nlohmann::json;

struct NftIndex {
  std::map<std::string, std::vector<json>> rules;  // chain → expression lists, in order
  std::map<std::string, std::vector<json>> maps;   // map name → elements
};

NftIndex index_document(const json& doc) {
  NftIndex idx;
  for (const json& item : doc.at("nftables")) {
    if (item.contains("rule")) {
      const json& r = item["rule"];
      idx.rules[r.at("chain").get<std::string>()].push_back(r.value("expr", json::array()));
    } else if (item.contains("map")) {
      const json& m = item["map"];
      idx.maps[m.at("name").get<std::string>()] =
          m.value("elem", json::array()).get<std::vector<json>>();
    }
  }
  return idx;
}

// A map element key, bare ({"concat": [...]}) or with a comment ({"elem": {"val": ...}}).
json element_key(const json& key, std::string* comment) {
  if (key.is_object() && key.contains("elem")) {
    if (comment) *comment = key["elem"].value("comment", "");
    return key["elem"].at("val");
  }
  return key;
}

std::string verdict_target(const json& v) {
  for (const char* kind : {"goto", "jump"}) {
    if (v.is_object() && v.contains(kind)) return v[kind].at("target").get<std::string>();
  }
  return "";
}

// "service-ULMVA6XW-ns1/svc1/tcp/p80" → "ns1/svc1:p80".
std::string name_from_chain(const std::string& chain) {
  auto first = chain.find('-');
  auto second = first == std::string::npos ? first : chain.find('-', first + 1);
  if (second == std::string::npos) return "";
  std::string rest = chain.substr(second + 1);
  auto a = rest.find('/'), b = rest.find('/', a + 1), c = rest.find('/', b + 1);
  if (a == std::string::npos || b == std::string::npos || c == std::string::npos) return "";
  return rest.substr(0, b) + ":" + rest.substr(c + 1);
}

// The "ip saddr != CIDR" of a rule, when there is one.
std::string negated_saddr(const json& expr) {
  for (const json& e : expr) {
    if (!e.contains("match")) continue;
    const json& m = e["match"];
    if (m.value("op", "") != "!=" || !m.at("left").contains("payload")) continue;
    if (m["left"]["payload"].value("field", "") != "saddr") continue;
    const json& r = m.at("right");
    if (r.is_object() && r.contains("prefix")) {
      return r["prefix"].at("addr").get<std::string>() + "/" +
             std::to_string(r["prefix"].at("len").get<int>());
    }
    if (r.is_string()) return r.get<std::string>();
  }
  return "";
}

void endpoint_of(const NftIndex& idx, const std::string& chain, double p, ServiceRule& s) {
  auto it = idx.rules.find(chain);
  if (it == idx.rules.end()) return;
  EndpointRule ep{"", p, chain, false};
  for (const json& expr : it->second) {
    for (const json& e : expr) {
      if (e.contains("dnat")) {
        const json& d = e["dnat"];
        ep.address = d.value("addr", "") +
                     (d.contains("port") ? ":" + std::to_string(d["port"].get<int>()) : "");
      }
      if (verdict_target(e) == "mark-for-masquerade") ep.hairpin_masquerade = true;
    }
  }
  if (!ep.address.empty()) s.endpoints.push_back(ep);
}

void walk_service_chain(const NftIndex& idx, const std::string& chain, int depth, ServiceRule& s) {
  auto it = idx.rules.find(chain);
  if (it == idx.rules.end() || depth > 4) return;
  for (const json& expr : it->second) {
    for (const json& e : expr) {
      std::string target = verdict_target(e);
      if (target == "mark-for-masquerade") {
        std::string cidr = negated_saddr(expr);
        if (!cidr.empty()) s.masquerade_off_cluster = true, s.cluster_cidr = cidr;
      } else if (target.rfind("service-", 0) == 0) {
        walk_service_chain(idx, target, depth + 1, s);  // external-* → service-*
      }
      if (!e.contains("vmap") || !e["vmap"].at("key").contains("numgen")) continue;
      // numgen random mod N: each listed value picks its endpoint chain with chance 1/N.
      double mod = e["vmap"]["key"]["numgen"].at("mod").get<double>();
      std::vector<std::pair<std::string, int>> picks;  // in the map's order
      for (const json& pair : e["vmap"].at("data").at("set")) {
        std::string pick = verdict_target(pair.at(1));
        auto same = std::find_if(picks.begin(), picks.end(),
                                 [&](const auto& p) { return p.first == pick; });
        if (same != picks.end())
          ++same->second;
        else
          picks.emplace_back(pick, 1);
      }
      for (const auto& [ep_chain, n] : picks) endpoint_of(idx, ep_chain, mod > 0 ? n / mod : 0, s);
    }
  }
}

ServiceRule service_from_element(const NftIndex& idx, const json& elem, bool no_endpoints) {
  ServiceRule s;
  s.backend = Backend::kNftables;
  std::string comment;
  const json key = element_key(elem.at(0), &comment);
  const json& parts = key.at("concat");
  s.ip = parts.at(0).get<std::string>();
  s.protocol = parts.at(1).get<std::string>();
  s.port = parts.at(2).get<int>();
  s.chain = verdict_target(elem.at(1));
  s.kind = s.chain.rfind("external-", 0) == 0 ? "external IP" : "cluster IP";
  s.name = comment.empty() ? name_from_chain(s.chain) : comment;
  if (no_endpoints) {
    s.rejects = true;
    s.chain.clear();
  } else {
    walk_service_chain(idx, s.chain, 0, s);
  }
  return s;
}

void add_node_ports(const NftIndex& idx, std::vector<ServiceRule>& out) {
  auto it = idx.maps.find("service-nodeports");
  if (it == idx.maps.end()) return;
  for (const json& elem : it->second) {
    const json key = element_key(elem.at(0), nullptr);
    int port = key.at("concat").at(1).get<int>();
    std::string target = verdict_target(elem.at(1));
    // external-HASH-... and service-HASH-... share the hash and the name.
    std::string name = name_from_chain(target);
    for (ServiceRule& s : out) {
      if (s.kind == "cluster IP" && !name.empty() && name_from_chain(s.chain) == name) {
        s.node_ports.push_back(port);
      }
    }
  }
}

}  // namespace

Result<std::vector<ServiceRule>> services_from_nft_json(std::string_view text) {
  json doc = json::parse(text, nullptr, false);
  if (doc.is_discarded() || !doc.is_object() || !doc.contains("nftables") ||
      !doc["nftables"].is_array()) {
    return fail(ErrorCode::kInvalidInput, "nftables JSON: not an nftables document");
  }
  try {
    NftIndex idx = index_document(doc);
    std::vector<ServiceRule> out;
    for (const char* map : {"service-ips", "no-endpoint-services"}) {
      auto it = idx.maps.find(map);
      if (it == idx.maps.end()) continue;
      for (const json& elem : it->second) {
        out.push_back(service_from_element(idx, elem, std::string(map) == "no-endpoint-services"));
      }
    }
    add_node_ports(idx, out);
    return out;
  } catch (const json::exception& e) {
    return fail(ErrorCode::kInvalidInput,
                std::string("nftables JSON: unexpected structure: ") + e.what());
  }
}

Result<std::string> nft_json(const std::string& command) {
  std::unique_ptr<nft_ctx, decltype(&nft_ctx_free)> ctx(nft_ctx_new(NFT_CTX_DEFAULT),
                                                        &nft_ctx_free);
  if (!ctx) return fail(ErrorCode::kSystem, "cannot create an nftables context");
  nft_ctx_output_set_flags(ctx.get(), NFT_CTX_OUTPUT_JSON);
  if (nft_ctx_buffer_output(ctx.get()) != 0 || nft_ctx_buffer_error(ctx.get()) != 0) {
    return fail(ErrorCode::kSystem, "cannot buffer nftables output");
  }
  int rc = nft_run_cmd_from_buffer(ctx.get(), command.c_str());
  std::string out = nft_ctx_get_output_buffer(ctx.get());
  std::string err = nft_ctx_get_error_buffer(ctx.get());
  if (rc != 0) {
    std::string what = "nft " + command + ": " + err.substr(0, err.find('\n'));
    if (err.find("No such file or directory") != std::string::npos)
      return fail(ErrorCode::kNotFound, what);
    if (err.find("Operation not permitted") != std::string::npos) {
      return fail(ErrorCode::kPermission, what + " (needs CAP_NET_ADMIN)");
    }
    return fail(ErrorCode::kSystem, what);
  }
  return out;
}

}  // namespace netdoctor::rules
