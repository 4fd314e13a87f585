#include "report/catalogue.h"

#include <algorithm>

#include "report/catalogue_data.h"

namespace netdoctor::report {

namespace {

// The entries are raw string literals that start and end on their own lines; drop those
// newlines so writers can place the text freely.
std::string trimmed(const std::string& text) {
  size_t begin = text.find_first_not_of('\n');
  if (begin == std::string::npos) return {};
  size_t end = text.find_last_not_of('\n');
  return text.substr(begin, end - begin + 1);
}

std::vector<CodeInfo> build() {
  std::vector<CodeInfo> codes;
  detail::add_host_codes(codes);
  detail::add_path_codes(codes);
  detail::add_cluster_codes(codes);
  detail::add_general_codes(codes);
  for (CodeInfo& info : codes) {
    info.confirm = trimmed(info.confirm);
    info.remedy = trimmed(info.remedy);
  }
  // Stable: among a layer's contract codes (and among its extras) the data files' order stays.
  std::stable_sort(codes.begin(), codes.end(), [](const CodeInfo& a, const CodeInfo& b) {
    if (a.any_layer != b.any_layer) return b.any_layer;
    if (a.layer != b.layer) return a.layer < b.layer;
    return !a.extra && b.extra;
  });
  return codes;
}

}  // namespace

const std::vector<CodeInfo>& all_codes() {
  static const std::vector<CodeInfo> codes = build();
  return codes;
}

const CodeInfo* find_code(Code code) {
  const std::vector<CodeInfo>& codes = all_codes();
  auto it = std::find_if(codes.begin(), codes.end(),
                         [code](const CodeInfo& info) { return info.code == code; });
  return it == codes.end() ? nullptr : &*it;
}

}  // namespace netdoctor::report
