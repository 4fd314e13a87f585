// The cluster inventory: nodes, pods, Services and their endpoints, as plain structs parsed
// from `kubectl get nodes,pods,services,endpointslices -A -o json`. Probes use it to name what
// they find (which pod owns 10.244.1.4, which Service owns 10.96.0.10) and to know what should
// exist (a Service's ready endpoints), so that the node's rules can be compared with it.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace netdoctor::inventory {

struct Node {
  std::string name;
  std::vector<std::string> internal_ips;  // status.addresses of type InternalIP
  std::string hostname;                   // status.addresses of type Hostname
  std::vector<std::string> pod_cidrs;     // spec.podCIDRs, else spec.podCIDR

  bool operator==(const Node&) const = default;
};

struct Pod {
  std::string ns;
  std::string name;
  std::string node;              // spec.nodeName; empty while unscheduled
  std::string ip;                // status.podIP
  std::vector<std::string> ips;  // status.podIPs[].ip, else {ip} when only podIP is set
  std::string host_ip;           // status.hostIP
  bool host_network = false;     // spec.hostNetwork: the pod shares the node's netns
  std::string phase;             // status.phase: Pending, Running, Succeeded, Failed, Unknown
  std::map<std::string, std::string> labels;

  bool operator==(const Pod&) const = default;

  // "ns/name", the form reports and REFs use.
  [[nodiscard]] std::string display_name() const { return ns + "/" + name; }
};

struct ServicePort {
  std::string name;
  int port = 0;
  std::string protocol = "TCP";
  // A number ("8080") or a container port's name ("http"); the port itself when unset, as the
  // API server defaults it.
  std::string target_port;

  bool operator==(const ServicePort&) const = default;
};

struct Service {
  std::string ns;
  std::string name;
  std::string type = "ClusterIP";  // ClusterIP, NodePort, LoadBalancer, ExternalName
  // Empty for headless Services (clusterIP "None"), which get no proxy rules, and for
  // ExternalName Services.
  std::string cluster_ip;
  std::vector<std::string> cluster_ips;  // spec.clusterIPs, else {cluster_ip}
  bool headless = false;
  std::vector<ServicePort> ports;
  std::map<std::string, std::string> selector;  // empty: endpoints are managed by hand

  bool operator==(const Service&) const = default;

  [[nodiscard]] std::string display_name() const { return ns + "/" + name; }
};

struct EndpointPort {
  std::string name;
  int port = 0;  // 0 when the slice leaves it unset (all ports)
  std::string protocol = "TCP";

  bool operator==(const EndpointPort&) const = default;
};

struct Endpoint {
  std::vector<std::string> addresses;
  bool ready = true;       // conditions.ready; absent means ready, as the API documents
  std::string node;        // nodeName
  std::string target_pod;  // "ns/name" when targetRef is a Pod

  bool operator==(const Endpoint&) const = default;
};

struct EndpointSlice {
  std::string ns;
  std::string name;
  std::string service;       // label kubernetes.io/service-name
  std::string address_type;  // IPv4, IPv6 or FQDN
  std::vector<EndpointPort> ports;
  std::vector<Endpoint> endpoints;
  // True when converted from a core v1 Endpoints object rather than read from an EndpointSlice.
  bool from_endpoints = false;

  bool operator==(const EndpointSlice&) const = default;
};

// Lookups return nullptr (or an empty vector) when nothing matches; pointers stay valid as long
// as the Inventory is neither modified nor destroyed.
struct Inventory {
  std::vector<Node> nodes;
  std::vector<Pod> pods;
  std::vector<Service> services;
  std::vector<EndpointSlice> slices;

  bool operator==(const Inventory&) const = default;

  [[nodiscard]] const Pod* find_pod(std::string_view ns, std::string_view name) const;
  // Only pods with their own network namespace: a hostNetwork pod's IP is its node's, shared by
  // every other hostNetwork pod there, so it names no single pod. A Running pod wins over a
  // finished one whose IP the CNI may already have handed out again.
  [[nodiscard]] const Pod* find_pod_by_ip(std::string_view ip) const;
  [[nodiscard]] const Service* find_service(std::string_view ns, std::string_view name) const;
  [[nodiscard]] const Service* find_service_by_cluster_ip(std::string_view ip) const;
  [[nodiscard]] const Node* find_node(std::string_view name) const;
  [[nodiscard]] const Node* find_node_by_ip(std::string_view ip) const;
  [[nodiscard]] std::vector<const EndpointSlice*> slices_of(std::string_view ns,
                                                            std::string_view service) const;
  // The addresses of the Service's ready endpoints, each once, in the order listed.
  [[nodiscard]] std::vector<std::string> endpoint_ips(std::string_view ns,
                                                      std::string_view service) const;
  // The ready endpoints behind one port of `service`, as "ip:port", each once, in the slices'
  // order: from IPv4 slices (or slices of no address type, as Endpoints give) whose port has
  // the same name and protocol (in any case) and a port number. What the node's proxy rules
  // should lead to for that port.
  [[nodiscard]] std::vector<std::string> ready_endpoints(const Service& service,
                                                         const ServicePort& port) const;
};

// Parses a kubectl List (or a single object) of Nodes, Pods, Services, EndpointSlices and
// Endpoints; items of other kinds are ignored. `origin` names the input in error messages.
// Errors are kInvalidInput with one line: "<origin>: <where>: <field>: <problem>".
[[nodiscard]] Result<Inventory> parse_inventory(std::string_view json_text,
                                                const std::string& origin);

// Reads and parses a file; "-" reads standard input.
[[nodiscard]] Result<Inventory> load_inventory(const std::string& path);

}  // namespace netdoctor::inventory
