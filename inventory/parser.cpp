// parse_inventory: from kubectl's JSON to the plain structs of inventory.h. Every field is read
// through JsonReader, so a wrong type anywhere becomes one located error line, never an
// exception.
#include <algorithm>
#include <cctype>
#include <set>
#include <utility>

#include "inventory/inventory.h"
#include "inventory/json_reader.h"

namespace netdoctor::inventory {

namespace {

using detail::ErrorSink;
using detail::JsonReader;
using nlohmann::json;

constexpr std::string_view kServiceNameLabel = "kubernetes.io/service-name";
// The topology key v1beta1 EndpointSlices used before nodeName existed.
constexpr std::string_view kHostnameTopology = "kubernetes.io/hostname";

// Identifies a kept object in messages: "items[3] (Pod default/web-1)".
std::string describe(const std::string& position, std::string_view kind, const std::string& ns,
                     const std::string& name) {
  std::string object(kind);
  if (!name.empty()) object += " " + (ns.empty() ? name : ns + "/" + name);
  return position.empty() ? object : position + " (" + object + ")";
}

// A port that the API requires, e.g. a Service's spec.ports[].port.
int required_port(const JsonReader& field) {
  if (!field.present()) {
    field.fail("missing");
    return 0;
  }
  return field.integer(1, 65535).value_or(0);
}

std::string protocol_of(const JsonReader& field) {
  std::string protocol = field.str();
  return protocol.empty() ? "TCP" : protocol;
}

// "ns/name" of a targetRef that points to a Pod; "" for other targets (nodes, VMs).
std::string target_pod(const JsonReader& ref, const std::string& default_ns) {
  if (!ref.present() || ref["kind"].str() != "Pod") return {};
  std::string ns = ref["namespace"].str();
  std::string name = ref["name"].str();
  if (name.empty()) return {};
  return (ns.empty() ? default_ns : ns) + "/" + name;
}

Node parse_node(const JsonReader& item, std::string name) {
  Node node;
  node.name = std::move(name);
  for (const JsonReader& address : item["status"]["addresses"].elements()) {
    std::string type = address["type"].str();
    std::string value = address["address"].str();
    if (type == "InternalIP" && !value.empty()) node.internal_ips.push_back(value);
    if (type == "Hostname") node.hostname = value;
  }
  node.pod_cidrs = item["spec"]["podCIDRs"].strings();
  if (node.pod_cidrs.empty()) {
    std::string cidr = item["spec"]["podCIDR"].str();
    if (!cidr.empty()) node.pod_cidrs.push_back(cidr);
  }
  return node;
}

Pod parse_pod(const JsonReader& item, std::string ns, std::string name) {
  Pod pod;
  pod.ns = std::move(ns);
  pod.name = std::move(name);
  pod.labels = item["metadata"]["labels"].string_map();
  JsonReader spec = item["spec"];
  pod.node = spec["nodeName"].str();
  pod.host_network = spec["hostNetwork"].boolean(false);
  JsonReader status = item["status"];
  pod.ip = status["podIP"].str();
  for (const JsonReader& entry : status["podIPs"].elements()) {
    std::string ip = entry["ip"].str();
    if (!ip.empty()) pod.ips.push_back(ip);
  }
  if (pod.ips.empty() && !pod.ip.empty()) pod.ips.push_back(pod.ip);
  if (pod.ip.empty() && !pod.ips.empty()) pod.ip = pod.ips.front();
  pod.host_ip = status["hostIP"].str();
  pod.phase = status["phase"].str();
  return pod;
}

ServicePort parse_service_port(const JsonReader& entry) {
  ServicePort port;
  port.name = entry["name"].str();
  port.port = required_port(entry["port"]);
  port.protocol = protocol_of(entry["protocol"]);
  port.target_port = entry["targetPort"].port_or_name();
  if (port.target_port.empty()) port.target_port = std::to_string(port.port);
  return port;
}

Service parse_service(const JsonReader& item, std::string ns, std::string name) {
  Service service;
  service.ns = std::move(ns);
  service.name = std::move(name);
  JsonReader spec = item["spec"];
  std::string type = spec["type"].str();
  if (!type.empty()) service.type = type;
  std::string cluster_ip = spec["clusterIP"].str();
  std::vector<std::string> cluster_ips = spec["clusterIPs"].strings();
  // "None" is how the API spells headless; it is no address, so keep it out of the IP fields.
  service.headless = cluster_ip == "None";
  if (!service.headless) service.cluster_ip = cluster_ip;
  std::erase(cluster_ips, "None");
  service.cluster_ips = std::move(cluster_ips);
  if (service.cluster_ips.empty() && !service.cluster_ip.empty()) {
    service.cluster_ips.push_back(service.cluster_ip);
  }
  for (const JsonReader& entry : spec["ports"].elements()) {
    service.ports.push_back(parse_service_port(entry));
  }
  service.selector = spec["selector"].string_map();
  return service;
}

EndpointPort parse_endpoint_port(const JsonReader& entry) {
  EndpointPort port;
  port.name = entry["name"].str();
  port.port = entry["port"].integer(0, 65535).value_or(0);
  port.protocol = protocol_of(entry["protocol"]);
  return port;
}

EndpointSlice parse_slice(const JsonReader& item, std::string ns, std::string name) {
  EndpointSlice slice;
  slice.ns = std::move(ns);
  slice.name = std::move(name);
  slice.service = item["metadata"]["labels"][kServiceNameLabel].str();
  slice.address_type = item["addressType"].str();
  for (const JsonReader& entry : item["ports"].elements()) {
    slice.ports.push_back(parse_endpoint_port(entry));
  }
  for (const JsonReader& entry : item["endpoints"].elements()) {
    Endpoint endpoint;
    endpoint.addresses = entry["addresses"].strings();
    endpoint.ready = entry["conditions"]["ready"].boolean(true);
    endpoint.node = entry["nodeName"].str();
    if (endpoint.node.empty()) endpoint.node = entry["topology"][kHostnameTopology].str();
    endpoint.target_pod = target_pod(entry["targetRef"], slice.ns);
    slice.endpoints.push_back(std::move(endpoint));
  }
  return slice;
}

// A core v1 Endpoints object lists subsets of addresses sharing ports; each becomes one slice
// named after the object. Without subsets the Service has no endpoints: one empty slice says so,
// as the EndpointSlice controller's empty slice would.
std::vector<EndpointSlice> parse_endpoints(const JsonReader& item, const std::string& ns,
                                           const std::string& name) {
  std::vector<EndpointSlice> slices;
  for (const JsonReader& subset : item["subsets"].elements()) {
    EndpointSlice slice{ns, name, name};
    slice.from_endpoints = true;
    for (const JsonReader& entry : subset["ports"].elements()) {
      slice.ports.push_back(parse_endpoint_port(entry));
    }
    for (bool ready : {true, false}) {
      for (const JsonReader& address :
           subset[ready ? "addresses" : "notReadyAddresses"].elements()) {
        Endpoint endpoint;
        endpoint.addresses.push_back(address["ip"].required_str());
        endpoint.ready = ready;
        endpoint.node = address["nodeName"].str();
        endpoint.target_pod = target_pod(address["targetRef"], ns);
        slice.endpoints.push_back(std::move(endpoint));
      }
    }
    bool v6 = !slice.endpoints.empty() &&
              slice.endpoints.front().addresses.front().find(':') != std::string::npos;
    slice.address_type = v6 ? "IPv6" : "IPv4";
    slices.push_back(std::move(slice));
  }
  if (slices.empty()) {
    EndpointSlice slice{ns, name, name};
    slice.from_endpoints = true;
    slice.address_type = "IPv4";
    slices.push_back(std::move(slice));
  }
  return slices;
}

bool is_kept_kind(std::string_view kind) {
  return kind == "Node" || kind == "Pod" || kind == "Service" || kind == "EndpointSlice" ||
         kind == "Endpoints";
}

// Parses one object. `position` is "items[3]" inside a List, "" for a lone object;
// `implied_kind` is the kind a typed list (PodList) gives items that omit theirs.
void parse_object(const JsonReader& raw, const std::string& position,
                  const std::string& implied_kind, Inventory& out) {
  if (!raw.is_object()) {
    raw.fail("expected object, got " + std::string(raw.type()));
    return;
  }
  std::string kind = raw["kind"].str();
  if (kind.empty() && !implied_kind.empty()) kind = implied_kind;
  if (kind.empty()) raw["kind"].fail("missing");
  if (!is_kept_kind(kind)) return;

  JsonReader item = raw.as_object(describe(position, kind, "", ""));
  std::string name = item["metadata"]["name"].required_str();
  std::string ns;
  if (kind != "Node") {
    // kubectl always prints the namespace; a hand-written object without one means "default".
    ns = item["metadata"]["namespace"].str();
    if (ns.empty()) ns = "default";
  }
  if (name.empty()) return;
  item = item.as_object(describe(position, kind, ns, name));

  if (kind == "Node") out.nodes.push_back(parse_node(item, name));
  if (kind == "Pod") out.pods.push_back(parse_pod(item, ns, name));
  if (kind == "Service") out.services.push_back(parse_service(item, ns, name));
  if (kind == "EndpointSlice") out.slices.push_back(parse_slice(item, ns, name));
  if (kind == "Endpoints") {
    for (EndpointSlice& slice : parse_endpoints(item, ns, name)) {
      out.slices.push_back(std::move(slice));
    }
  }
}

// `kubectl get endpoints,endpointslices` lists every Service twice; the EndpointSlices are the
// newer and richer view (conditions, nodeName), so they win.
void drop_shadowed_endpoints(Inventory& inventory) {
  std::set<std::pair<std::string, std::string>> sliced;
  for (const EndpointSlice& slice : inventory.slices) {
    if (!slice.from_endpoints) sliced.emplace(slice.ns, slice.service);
  }
  std::erase_if(inventory.slices, [&](const EndpointSlice& slice) {
    return slice.from_endpoints && sliced.count({slice.ns, slice.service}) > 0;
  });
}

bool is_blank(std::string_view text) {
  return std::all_of(text.begin(), text.end(),
                     [](char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; });
}

// nlohmann's messages start with "[json.exception.parse_error.101] "; the rest says where. Its
// "last read" part echoes input bytes: escape them so the line stays one line of valid UTF-8.
std::string parse_problem(const json::parse_error& error) {
  std::string_view message = error.what();
  size_t start = message.find("] ");
  if (start != std::string_view::npos) message.remove_prefix(start + 2);
  std::string out;
  for (char c : message) {
    auto byte = static_cast<unsigned char>(c);
    if (byte >= 0x20 && byte < 0x7f) {
      out += c;
    } else {
      static constexpr char kHex[] = "0123456789abcdef";
      out += "\\x";
      out += kHex[byte >> 4];
      out += kHex[byte & 0xf];
    }
  }
  return out;
}

Result<Inventory> parse_document(const json& doc, const std::string& origin) {
  if (!doc.is_object()) {
    return fail(ErrorCode::kInvalidInput,
                origin + ": expected a JSON object (a kubectl List or a single object), got " +
                    std::string(detail::type_name(doc)));
  }
  ErrorSink sink;
  JsonReader root(&doc, "", "", &sink);
  std::string kind = root["kind"].str();
  bool is_list = kind.ends_with("List") || (kind.empty() && doc.contains("items"));
  Inventory inventory;
  if (!is_list) {
    parse_object(root, "", "", inventory);
  } else if (!root["items"].present() && !doc.contains("items")) {
    root["items"].fail("missing");
  } else {
    // A typed list (PodList) from the API may omit each item's kind; a v1 List never does.
    std::string implied = kind.size() > 4 ? kind.substr(0, kind.size() - 4) : std::string();
    std::vector<JsonReader> items = root["items"].elements();
    for (size_t i = 0; i < items.size() && !sink.failed(); ++i) {
      parse_object(items[i], "items[" + std::to_string(i) + "]", implied, inventory);
    }
  }
  if (sink.failed()) return fail(ErrorCode::kInvalidInput, origin + ": " + sink.first);
  drop_shadowed_endpoints(inventory);
  return inventory;
}

}  // namespace

Result<Inventory> detail::parse_inventory_json(const json& doc, const std::string& origin) {
  return parse_document(doc, origin);
}

Result<Inventory> parse_inventory(std::string_view json_text, const std::string& origin) {
  if (is_blank(json_text)) {
    return fail(ErrorCode::kInvalidInput,
                origin +
                    ": empty input; expected the output of "
                    "`kubectl get nodes,pods,services,endpointslices -A -o json`");
  }
  json doc;
  try {
    doc = json::parse(json_text);
  } catch (const json::parse_error& error) {
    return fail(ErrorCode::kInvalidInput, origin + ": not valid JSON: " + parse_problem(error));
  } catch (const std::exception& error) {
    // Out of memory or a nesting the parser refused: still a bad input, not a crash.
    return fail(ErrorCode::kInvalidInput, origin + ": cannot parse JSON: " + error.what());
  }
  return parse_document(doc, origin);
}

}  // namespace netdoctor::inventory
