// Finding codes as identifiers: the one list of every code a check may report, and the type a
// check, a root cause and a catalogue entry hold it in. A code written in the source is looked up
// in the list at compile time, so a misspelt code fails the build:
//
//   c.code = "pod-link-down";  // compiles
//   c.code = "pod-link-dwn";   // error: call to non-constexpr function
//                              //   'netdoctor::report::detail::finding_code_not_in_kCodeNames()'
//
// Text from outside (the `explain CODE` argument, a report read back) goes through Code::find.
// Every code here has exactly one entry in the catalogue (report/catalogue_*.cpp) and every entry
// is here; tests/unit/report/catalogue_test.cpp checks both.
#pragma once

#include <array>
#include <compare>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>

namespace netdoctor::report {

// Every finding code, by layer bottom up as the catalogue lists them.
inline constexpr auto kCodeNames = std::to_array<std::string_view>({
    // node
    "ip-forward-disabled",
    "bridge-nf-disabled",
    "forward-policy-drop",
    "conntrack-table-full",
    // pod
    "pod-link-down",
    "pod-no-address",
    "pod-no-default-route",
    // same-node
    "pod-unreachable",
    "filter-drop",
    "neighbor-failed",
    "pod-snat",
    // cross-node
    "route-missing",
    "overlay-fdb-missing",
    "underlay-blocked",
    "remote-pod-unreachable",
    "mtu-blackhole",
    // service
    "service-rules-missing",
    "service-no-endpoints",
    "endpoint-unreachable",
    "endpoints-stale",
    "hairpin-broken",
    // dns
    "dns-server-unreachable",
    "dns-resolv-conf-invalid",
    "dns-upstream-failure",
    "dns-name-not-found",
    "dns-search-path-slow",
    // apiserver
    "apiserver-unreachable",
    "apiserver-tls-untrusted",
    "apiserver-unauthorized",
    // egress
    "egress-no-snat",
    "egress-unreachable",
    "egress-dns-failure",
    // any layer: netdoctor's own view
    "pod-not-found",
    "probe-error",
    "capability-missing",
    "deadline-exceeded",
    "intermittent",
});

namespace detail {
// Not constexpr on purpose: Code's constructor calls it, at compile time, for a name that is not
// in kCodeNames, which makes that use of the name a compile error that names this function.
inline void finding_code_not_in_kCodeNames() {}
}  // namespace detail

// A finding code: one of kCodeNames, or empty (no code: a passing check). Cheap to copy; the name
// it holds points into kCodeNames.
class Code {
 public:
  constexpr Code() = default;

  // From a name written in the source: `c.code = "pod-link-down";` ("" is the empty code). Does
  // not compile for a name that is not in kCodeNames, nor for one known only at run time (find).
  // NOLINTNEXTLINE(google-explicit-constructor): implicit so that a literal reads as a code.
  consteval Code(const char* name) : name_(lookup(name)) {}

  // The code of that name; nullopt when there is none, for an empty name too.
  [[nodiscard]] static constexpr std::optional<Code> find(std::string_view name) {
    for (std::string_view known : kCodeNames) {
      if (known == name) return Code(known, Known{});
    }
    return std::nullopt;
  }

  [[nodiscard]] constexpr std::string_view name() const { return name_; }
  [[nodiscard]] std::string str() const { return std::string(name_); }
  [[nodiscard]] constexpr bool empty() const { return name_.empty(); }

  constexpr bool operator==(const Code& other) const = default;
  constexpr std::strong_ordering operator<=>(const Code& other) const = default;
  // With text, compared as text at run time: a name read back from a report, a test's expected
  // value. Code that tests for a code of its own compares with `Code("...")`, which is checked.
  friend constexpr bool operator==(const Code& code, std::string_view text) {
    return code.name_ == text;
  }
  friend constexpr bool operator==(const Code& code, const char* text) {
    return code.name_ == std::string_view(text);
  }

  friend std::ostream& operator<<(std::ostream& out, const Code& code);

 private:
  struct Known {};
  constexpr Code(std::string_view known, Known) : name_(known) {}

  static consteval std::string_view lookup(std::string_view name) {
    if (name.empty()) return {};
    for (std::string_view known : kCodeNames) {
      if (known == name) return known;
    }
    detail::finding_code_not_in_kCodeNames();
    return {};
  }

  std::string_view name_;
};

}  // namespace netdoctor::report
