// Typed, non-throwing access to a parsed JSON document that remembers where each value sits,
// so that a wrong type deep in a 5 MB kubectl dump is reported as
// "items[3] (Pod default/x): status.podIP: expected string, got number" instead of an exception.
// Internal to the inventory library.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "inventory/inventory.h"

namespace netdoctor::inventory::detail {

// Keeps the first problem found; later ones are usually consequences of it, and one precise
// line helps a person more than a cascade.
struct ErrorSink {
  std::string first;
  [[nodiscard]] bool failed() const { return !first.empty(); }
};

// A view of one JSON value (possibly absent) plus its location. Readers are cheap to copy; they
// point into the document, which must outlive them. Every accessor returns a neutral value
// (empty string, empty vector, the default) on a type error and records the error in the sink.
class JsonReader {
 public:
  // `where` names the object being read ("items[3] (Pod default/x)"); `path` the field in it.
  JsonReader(const nlohmann::json* node, std::string where, std::string path, ErrorSink* sink);

  // A member of this object; absent when this value is absent or null. Reading a member of a
  // value that is not an object records an error.
  [[nodiscard]] JsonReader operator[](std::string_view key) const;
  // The same value as the root of a named object: later paths start from it.
  [[nodiscard]] JsonReader as_object(std::string where) const;

  // True when the value exists and is not null (kubectl prints some empty lists as null).
  [[nodiscard]] bool present() const;
  [[nodiscard]] bool is_object() const;
  // The JSON type in words ("object", "string"), "absent" when missing.
  [[nodiscard]] std::string_view type() const;
  [[nodiscard]] const std::string& where() const { return where_; }

  // "" when absent.
  [[nodiscard]] std::string str() const;
  // Like str(), but absent or empty is an error.
  [[nodiscard]] std::string required_str() const;
  [[nodiscard]] bool boolean(bool fallback) const;
  // An integer in [min, max]; nullopt when absent. Out of range or a fraction is an error.
  [[nodiscard]] std::optional<int> integer(int min, int max) const;
  // A port that may be given as a number or as a name (a Service's targetPort); "" when absent.
  [[nodiscard]] std::string port_or_name() const;

  // The elements of an array; empty when absent.
  [[nodiscard]] std::vector<JsonReader> elements() const;
  // An array of strings; empty when absent.
  [[nodiscard]] std::vector<std::string> strings() const;
  // An object whose values are all strings (labels, selectors); empty when absent.
  [[nodiscard]] std::map<std::string, std::string> string_map() const;

  // Records "<where>: <path>: <problem>" unless an earlier error was recorded.
  void fail(std::string_view problem) const;

 private:
  // Records a type error when the value is present and not of the expected type.
  bool expect(nlohmann::json::value_t type, std::string_view type_name) const;

  const nlohmann::json* node_;
  std::string where_;
  std::string path_;
  ErrorSink* sink_;
};

// parse_inventory on an already parsed document (a List or a single object): for callers that
// read other fields of the same document, such as a list page's metadata.continue.
[[nodiscard]] Result<Inventory> parse_inventory_json(const nlohmann::json& doc,
                                                     const std::string& origin);

// The JSON type of a value in words, as used in messages: "string", "number", "array".
[[nodiscard]] std::string_view type_name(const nlohmann::json& value);

}  // namespace netdoctor::inventory::detail
