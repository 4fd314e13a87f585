// Broken inventories: every one must give one kInvalidInput line naming the file, the object and
// the field, and none may throw or crash.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "inventory/inventory.h"

namespace netdoctor::inventory {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

std::string fixture(const std::string& name) {
  return std::string(ND_TESTDATA) + "/inventory/" + name;
}

// The error of a parse that must fail, checked to be one line of bad input.
Error parse_error(std::string_view text, const std::string& origin = "inv.json") {
  Result<Inventory> inv = parse_inventory(text, origin);
  EXPECT_FALSE(inv) << "parsed: " << text;
  if (inv) return {};
  EXPECT_EQ(inv.error().code, ErrorCode::kInvalidInput);
  EXPECT_EQ(inv.error().message().find('\n'), std::string::npos) << inv.error().message();
  return inv.error();
}

Error load_error(const std::string& name) {
  Result<Inventory> inv = load_inventory(fixture(name));
  EXPECT_FALSE(inv) << name << " parsed";
  if (inv) return {};
  EXPECT_EQ(inv.error().message().find('\n'), std::string::npos) << inv.error().message();
  EXPECT_THAT(inv.error().message(), StartsWith(fixture(name) + ": "));
  return inv.error();
}

TEST(InventoryErrors, TruncatedFile) {
  Error error = load_error("truncated.json");
  EXPECT_EQ(error.code, ErrorCode::kInvalidInput);
  EXPECT_THAT(error.message(), HasSubstr("truncated.json: not valid JSON: parse error at line"));
  EXPECT_THAT(error.message(), HasSubstr("unexpected end of input"));
}

TEST(InventoryErrors, NotJson) {
  Error error = load_error("not-json.txt");
  EXPECT_THAT(error.message(),
              HasSubstr("not-json.txt: not valid JSON: parse error at line 1, column 1: syntax "
                        "error while parsing value - invalid literal; last read: 'N'"));
}

TEST(InventoryErrors, ItemsNotAnArray) {
  Error error = load_error("items-not-array.json");
  EXPECT_EQ(error.message(),
            fixture("items-not-array.json") + ": items: expected array, got string");
}

TEST(InventoryErrors, PodIpIsANumber) {
  Error error = load_error("wrong-type-podip.json");
  EXPECT_EQ(error.message(),
            fixture("wrong-type-podip.json") +
                ": items[3] (Pod default/web-7d4b9c8f6-2xkqp): status.podIP: expected string, got "
                "number");
}

TEST(InventoryErrors, PortsNotAnArray) {
  Error error = load_error("wrong-type-ports.json");
  EXPECT_EQ(error.message(), fixture("wrong-type-ports.json") +
                                 ": items[2] (Service default/web): spec.ports: expected array, "
                                 "got object");
}

TEST(InventoryErrors, MissingName) {
  Error error = load_error("missing-name.json");
  EXPECT_EQ(error.message(),
            fixture("missing-name.json") + ": items[2] (Pod): metadata.name: missing");
}

TEST(InventoryErrors, EmptyFile) {
  Error error = load_error("empty.json");
  EXPECT_THAT(error.message(),
              HasSubstr("empty.json: empty input; expected the output of `kubectl get"));
}

TEST(InventoryErrors, UnreadableFile) {
  Result<Inventory> inv = load_inventory(fixture("no-such-file.json"));
  ASSERT_FALSE(inv);
  EXPECT_EQ(inv.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(inv.error().sys_errno, ENOENT);
  EXPECT_EQ(inv.error().message(), "cannot read inventory \"" + fixture("no-such-file.json") +
                                       "\": No such file or directory");
}

TEST(InventoryErrors, DirectoryIsNotAFile) {
  Result<Inventory> inv = load_inventory(ND_TESTDATA);
  ASSERT_FALSE(inv);
  EXPECT_EQ(inv.error().code, ErrorCode::kSystem);
  EXPECT_EQ(inv.error().sys_errno, EISDIR);
  EXPECT_THAT(inv.error().message(), HasSubstr("Is a directory"));
}

TEST(InventoryErrors, TopLevelNotAnObject) {
  EXPECT_EQ(parse_error("[1, 2]").context,
            "inv.json: expected a JSON object (a kubectl List or a single object), got array");
  EXPECT_EQ(parse_error("\"List\"").context,
            "inv.json: expected a JSON object (a kubectl List or a single object), got string");
}

TEST(InventoryErrors, WhitespaceOnly) {
  EXPECT_THAT(parse_error(" \n\t ").context, StartsWith("inv.json: empty input"));
}

TEST(InventoryErrors, GarbageBytes) {
  std::string garbage("\x00\xff\xfe{\"kind\x01", 9);
  EXPECT_THAT(parse_error(garbage).context, StartsWith("inv.json: not valid JSON: parse error"));
  EXPECT_THAT(parse_error("{\"kind\": \"List\", \"items\": [\xff]}").context,
              StartsWith("inv.json: not valid JSON: parse error at line 1, column 28"));
}

TEST(InventoryErrors, InvalidUtf8IsEscapedInTheMessage) {
  std::string text = "{\"kind\": \"Pod\", \"metadata\": {\"name\": \"\xc3\x28\"}}";
  std::string message = parse_error(text).context;
  EXPECT_THAT(message, HasSubstr("ill-formed UTF-8 byte"));
  EXPECT_THAT(message, HasSubstr("\\xc3("));
  for (char c : message) EXPECT_LT(static_cast<unsigned char>(c), 0x80) << message;
}

TEST(InventoryErrors, MissingKind) {
  EXPECT_EQ(parse_error(R"({"metadata": {"name": "x"}})").context, "inv.json: kind: missing");
  EXPECT_EQ(parse_error(R"({"kind": "List", "items": [{"metadata": {}}]})").context,
            "inv.json: items[0].kind: missing");
}

TEST(InventoryErrors, ListWithoutItems) {
  EXPECT_EQ(parse_error(R"({"kind": "List"})").context, "inv.json: items: missing");
}

TEST(InventoryErrors, ItemNotAnObject) {
  EXPECT_EQ(parse_error(R"({"kind": "List", "items": [{"kind": "Foo"}, 42]})").context,
            "inv.json: items[1]: expected object, got number");
}

TEST(InventoryErrors, WrongTypesDeepInside) {
  EXPECT_EQ(parse_error(R"({"kind": "Pod", "metadata": {"name": "p", "namespace": "n",
                "labels": {"app": 5}}})")
                .context,
            "inv.json: Pod n/p: metadata.labels.app: expected string, got number");
  EXPECT_EQ(
      parse_error(R"({"kind": "Pod", "metadata": {"name": "p"}, "spec": {"hostNetwork": "yes"}})")
          .context,
      "inv.json: Pod default/p: spec.hostNetwork: expected boolean, got string");
  EXPECT_EQ(
      parse_error(R"({"kind": "Pod", "metadata": {"name": "p"}, "status": "Running"})").context,
      "inv.json: Pod default/p: status: expected object, got string");
  EXPECT_EQ(parse_error(R"({"kind": "Node", "metadata": {"name": "n"},
                "status": {"addresses": [{"type": "InternalIP", "address": ["10.0.0.1"]}]}})")
                .context,
            "inv.json: Node n: status.addresses[0].address: expected string, got array");
  EXPECT_EQ(parse_error(R"({"kind": "EndpointSlice", "metadata": {"name": "s",
                "labels": {"kubernetes.io/service-name": 1}}})")
                .context,
            "inv.json: EndpointSlice default/s: metadata.labels[\"kubernetes.io/service-name\"]: "
            "expected string, got number");
  EXPECT_EQ(parse_error(R"({"kind": "Pod", "metadata": {"name": 7}})").context,
            "inv.json: Pod: metadata.name: expected string, got number");
  EXPECT_EQ(parse_error(R"({"kind": "Pod", "metadata": {"name": ""}})").context,
            "inv.json: Pod: metadata.name: empty");
}

TEST(InventoryErrors, BadPorts) {
  EXPECT_EQ(parse_error(R"({"kind": "Service", "metadata": {"name": "s"},
                "spec": {"ports": [{"port": 70000}]}})")
                .context,
            "inv.json: Service default/s: spec.ports[0].port: 70000 is out of range 1-65535");
  EXPECT_EQ(parse_error(R"({"kind": "Service", "metadata": {"name": "s"},
                "spec": {"ports": [{"port": -1}]}})")
                .context,
            "inv.json: Service default/s: spec.ports[0].port: -1 is out of range 1-65535");
  EXPECT_EQ(parse_error(R"({"kind": "Service", "metadata": {"name": "s"},
                "spec": {"ports": [{"port": 80.5}]}})")
                .context,
            "inv.json: Service default/s: spec.ports[0].port: expected integer, got number");
  EXPECT_EQ(parse_error(R"({"kind": "Service", "metadata": {"name": "s"},
                "spec": {"ports": [{"name": "http"}]}})")
                .context,
            "inv.json: Service default/s: spec.ports[0].port: missing");
  EXPECT_EQ(parse_error(R"({"kind": "Service", "metadata": {"name": "s"},
                "spec": {"ports": [{"port": 80, "targetPort": true}]}})")
                .context,
            "inv.json: Service default/s: spec.ports[0].targetPort: expected integer or string, "
            "got boolean");
  EXPECT_EQ(parse_error(R"({"kind": "Service", "metadata": {"name": "s"},
                "spec": {"ports": [{"port": 18446744073709551615}]}})")
                .context,
            "inv.json: Service default/s: spec.ports[0].port: 18446744073709551615 is out of range "
            "1-65535");
}

TEST(InventoryErrors, EndpointsAddressWithoutIp) {
  EXPECT_EQ(parse_error(R"({"kind": "Endpoints", "metadata": {"name": "web", "namespace": "d"},
                "subsets": [{"addresses": [{"nodeName": "n1"}]}]})")
                .context,
            "inv.json: Endpoints d/web: subsets[0].addresses[0].ip: missing");
}

TEST(InventoryErrors, FirstErrorWins) {
  Error error = parse_error(R"({"kind": "List", "items": [
      {"kind": "Pod", "metadata": {"name": "a"}, "status": {"podIP": 1}},
      {"kind": "Pod", "metadata": {"name": "b"}, "status": {"podIP": 2}}]})");
  EXPECT_THAT(error.context, HasSubstr("items[0] (Pod default/a)"));
  EXPECT_THAT(error.context, Not(HasSubstr("items[1]")));
}

TEST(InventoryErrors, DeepNestingDoesNotCrash) {
  std::string deep = std::string(100000, '[') + std::string(100000, ']');
  EXPECT_EQ(parse_error(deep).context,
            "inv.json: expected a JSON object (a kubectl List or a single object), got array");
  std::string unclosed = "{\"kind\": \"List\", \"items\": " + std::string(50000, '[');
  EXPECT_THAT(parse_error(unclosed).context, StartsWith("inv.json: not valid JSON: "));
}

}  // namespace
}  // namespace netdoctor::inventory
