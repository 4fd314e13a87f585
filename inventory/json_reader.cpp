#include "inventory/json_reader.h"

namespace netdoctor::inventory::detail {

namespace {

using nlohmann::json;

// Keys such as "kubernetes.io/service-name" would make a dotted path ambiguous.
std::string member_path(const std::string& parent, std::string_view key) {
  bool plain = !key.empty() && key.find_first_of("./[]\" ") == std::string_view::npos;
  std::string out = parent;
  if (plain) {
    if (!out.empty()) out += '.';
    out += key;
  } else {
    out += "[\"";
    out += key;
    out += "\"]";
  }
  return out;
}

}  // namespace

std::string_view type_name(const json& value) {
  switch (value.type()) {
    case json::value_t::null:
      return "null";
    case json::value_t::object:
      return "object";
    case json::value_t::array:
      return "array";
    case json::value_t::string:
      return "string";
    case json::value_t::boolean:
      return "boolean";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
    case json::value_t::number_float:
      return "number";
    default:
      return "unknown";
  }
}

JsonReader::JsonReader(const json* node, std::string where, std::string path, ErrorSink* sink)
    : node_(node), where_(std::move(where)), path_(std::move(path)), sink_(sink) {}

JsonReader JsonReader::operator[](std::string_view key) const {
  std::string child_path = member_path(path_, key);
  if (!present() || !expect(json::value_t::object, "object")) {
    return JsonReader(nullptr, where_, std::move(child_path), sink_);
  }
  auto it = node_->find(key);
  const json* child = it == node_->end() ? nullptr : &*it;
  return JsonReader(child, where_, std::move(child_path), sink_);
}

JsonReader JsonReader::as_object(std::string where) const {
  return JsonReader(node_, std::move(where), "", sink_);
}

bool JsonReader::present() const {
  return node_ != nullptr && !node_->is_null();
}

bool JsonReader::is_object() const {
  return present() && node_->is_object();
}

std::string_view JsonReader::type() const {
  return node_ == nullptr ? std::string_view("absent") : type_name(*node_);
}

void JsonReader::fail(std::string_view problem) const {
  if (sink_->failed()) return;
  std::string line;
  if (!where_.empty()) line = where_ + ": ";
  if (!path_.empty()) line += path_ + ": ";
  line += problem;
  sink_->first = std::move(line);
}

bool JsonReader::expect(json::value_t type, std::string_view name) const {
  if (node_->type() == type) return true;
  fail("expected " + std::string(name) + ", got " + std::string(type_name(*node_)));
  return false;
}

std::string JsonReader::str() const {
  if (!present() || !expect(json::value_t::string, "string")) return {};
  return node_->get_ref<const std::string&>();
}

std::string JsonReader::required_str() const {
  if (!present()) {
    fail("missing");
    return {};
  }
  std::string value = str();
  if (value.empty() && node_->is_string()) fail("empty");
  return value;
}

bool JsonReader::boolean(bool fallback) const {
  if (!present() || !expect(json::value_t::boolean, "boolean")) return fallback;
  return node_->get<bool>();
}

std::optional<int> JsonReader::integer(int min, int max) const {
  if (!present()) return std::nullopt;
  if (!node_->is_number_integer()) {
    fail("expected integer, got " + std::string(type_name(*node_)));
    return std::nullopt;
  }
  // Positive numbers parse as unsigned, negative ones as signed; compare each in its own type
  // so that 2^64-1 or -1 cannot wrap into range.
  bool in_range = false;
  long long value = 0;
  if (node_->is_number_unsigned()) {
    auto u = node_->get<unsigned long long>();
    in_range = u <= static_cast<unsigned long long>(max) &&
               (min <= 0 || u >= static_cast<unsigned long long>(min));
    value = in_range ? static_cast<long long>(u) : 0;
  } else {
    value = node_->get<long long>();
    in_range = value >= min && value <= max;
  }
  if (!in_range) {
    fail(node_->dump() + " is out of range " + std::to_string(min) + "-" + std::to_string(max));
    return std::nullopt;
  }
  return static_cast<int>(value);
}

std::string JsonReader::port_or_name() const {
  if (!present()) return {};
  if (node_->is_string()) return node_->get<std::string>();
  if (!node_->is_number_integer()) {
    fail("expected integer or string, got " + std::string(type_name(*node_)));
    return {};
  }
  std::optional<int> port = integer(1, 65535);
  return port ? std::to_string(*port) : std::string();
}

std::vector<JsonReader> JsonReader::elements() const {
  std::vector<JsonReader> out;
  if (!present() || !expect(json::value_t::array, "array")) return out;
  out.reserve(node_->size());
  for (size_t i = 0; i < node_->size(); ++i) {
    out.emplace_back(&(*node_)[i], where_, path_ + "[" + std::to_string(i) + "]", sink_);
  }
  return out;
}

std::vector<std::string> JsonReader::strings() const {
  std::vector<std::string> out;
  for (const JsonReader& element : elements()) out.push_back(element.str());
  return out;
}

std::map<std::string, std::string> JsonReader::string_map() const {
  std::map<std::string, std::string> out;
  if (!present() || !expect(json::value_t::object, "object")) return out;
  for (const auto& [key, value] : node_->items()) {
    out[key] = JsonReader(&value, where_, member_path(path_, key), sink_).str();
  }
  return out;
}

}  // namespace netdoctor::inventory::detail
