#include "rules/iptables_save.h"

#include <sstream>
#include <unordered_map>

#include "rules/rule_parser.h"

namespace netdoctor::rules {

namespace {

class SaveParser {
 public:
  explicit SaveParser(const std::string& origin) : origin_(origin) {}

  Result<void> line(std::string_view text, int number);
  Result<Ruleset> finish();

 private:
  Result<void> chain_line(std::string_view text);
  Result<void> rule_line(std::string_view text);
  tl::unexpected<Error> error(const std::string& what) const {
    return fail(ErrorCode::kInvalidInput, origin_ + ":" + std::to_string(line_) + ": " + what);
  }

  std::string origin_;
  int line_ = 0;
  Ruleset ruleset_;
  Table* table_ = nullptr;  // the table between "*name" and COMMIT
  // The current table's chains by name -> index: Table::find is linear, and a kube-proxy node
  // has tens of thousands of chains and a rule line for each lookup.
  std::unordered_map<std::string, std::size_t> chain_index_;
};

Result<void> SaveParser::line(std::string_view text, int number) {
  line_ = number;
  while (!text.empty() && (text.back() == '\r' || text.back() == ' ' || text.back() == '\t')) {
    text.remove_suffix(1);
  }
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  if (text.empty() || text.front() == '#') return {};
  if (text.front() == '*') {
    if (table_ != nullptr) return error("table \"" + table_->name + "\" has no COMMIT");
    std::string name(text.substr(1));
    if (name.empty()) return error("table without a name");
    if (ruleset_.find(name) != nullptr) return error("table \"" + name + "\" appears twice");
    ruleset_.tables.push_back(Table{name, {}});
    table_ = &ruleset_.tables.back();
    chain_index_.clear();
    return {};
  }
  if (text == "COMMIT") {
    if (table_ == nullptr) return error("COMMIT outside a table");
    resolve_chain_targets(*table_);
    table_ = nullptr;
    return {};
  }
  if (table_ == nullptr)
    return error("\"" + std::string(text.substr(0, 40)) + "\" outside a table");
  if (text.front() == ':') return chain_line(text.substr(1));
  return rule_line(text);
}

Result<void> SaveParser::chain_line(std::string_view text) {
  auto tokens = tokenize(text);
  if (!tokens) return error(tokens.error().context);
  if (tokens->size() < 2 || tokens->size() > 3) return error("malformed chain line");
  const std::string& name = (*tokens)[0].text;
  const std::string& policy = (*tokens)[1].text;
  if (policy != "-" && policy != "ACCEPT" && policy != "DROP") {
    return error("chain \"" + name + "\" has an unknown policy \"" + policy + "\"");
  }
  if (!chain_index_.emplace(name, table_->chains.size()).second)
    return error("chain \"" + name + "\" declared twice");
  Chain chain;
  chain.name = name;
  chain.builtin = policy != "-";
  if (chain.builtin) chain.policy = policy;
  table_->chains.push_back(std::move(chain));
  return {};
}

Result<void> SaveParser::rule_line(std::string_view text) {
  // "iptables-save -c" prefixes each rule with its counters: "[12:345] -A ...".
  if (text.front() == '[') {
    auto close = text.find(']');
    if (close == std::string_view::npos) return error("unterminated counters");
    text.remove_prefix(close + 1);
    while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  }
  if (text.substr(0, 3) != "-A ") {
    return error("unsupported line \"" + std::string(text.substr(0, 40)) + "\"");
  }
  text.remove_prefix(3);
  auto space = text.find(' ');
  std::string chain_name(text.substr(0, space));
  auto found = chain_index_.find(chain_name);
  Chain* chain = found == chain_index_.end() ? nullptr : &table_->chains[found->second];
  if (chain == nullptr) return error("rule for undeclared chain \"" + chain_name + "\"");
  auto rule = parse_rule_args(space == std::string_view::npos ? "" : text.substr(space + 1));
  if (!rule) return error(rule.error().context);
  rule->chain = chain_name;
  rule->position = static_cast<int>(chain->rules.size()) + 1;
  chain->rules.push_back(std::move(*rule));
  return {};
}

Result<Ruleset> SaveParser::finish() {
  if (table_ != nullptr) return error("table \"" + table_->name + "\" has no COMMIT");
  return std::move(ruleset_);
}

}  // namespace

Result<Ruleset> parse_iptables_save(std::string_view text, const std::string& origin) {
  SaveParser parser(origin);
  int number = 0;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    if (auto r = parser.line(text.substr(start, end - start), ++number); !r) {
      return tl::unexpected(r.error());
    }
    start = end + 1;
  }
  return parser.finish();
}

std::string to_iptables_save(const Ruleset& ruleset) {
  std::ostringstream out;
  for (const Table& table : ruleset.tables) {
    out << "*" << table.name << "\n";
    for (const Chain& chain : table.chains) {
      out << ":" << chain.name << " " << (chain.builtin ? chain.policy : "-") << " [0:0]\n";
    }
    for (const Chain& chain : table.chains) {
      for (const Rule& rule : chain.rules) {
        out << "-A " << chain.name << (rule.text.empty() ? "" : " ") << rule.text << "\n";
      }
    }
    out << "COMMIT\n";
  }
  return out.str();
}

}  // namespace netdoctor::rules
