// Credentials kept out of everything netdoctor prints. A proxy setting may carry a user and a
// password ("http://alice:s3cr@t@proxy:3128") or a token ("http://TOKEN@proxy:8080"), and
// libcurl's error messages may echo the proxy URL they were given. The userinfo of such a value
// is everything before the LAST '@' (a password may hold '@', '/', '?' or '#' unencoded, which a
// URL parser would take for the end of the authority and so print the rest of the password):
// it is dropped whole and shown as "***".
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace netdoctor {

// What stands in for the userinfo that was dropped.
inline constexpr std::string_view kMasked = "***";

// One URL-like value with its userinfo dropped: "http://alice:s3cr@t@proxy:3128" →
// "http://***@proxy:3128", "http://TOKEN@proxy:8080" → "http://***@proxy:8080", and, without a
// scheme, "alice:pw@proxy:3128" → "***@proxy:3128". A value without '@' is returned as it is.
[[nodiscard]] std::string mask_userinfo(std::string_view value);

// The userinfo mask_userinfo would drop from `value` ("alice:s3cr@t"), empty when it has none.
[[nodiscard]] std::string userinfo_of(std::string_view value);

// Free text (an error message) without userinfo: first every non-empty userinfo of the `known`
// values (the proxy settings that were in force) is replaced by "***" wherever it occurs, which
// also catches a password with a blank or a quote in it; then every URL-like word loses its
// userinfo: a word is a run of characters between blanks and quotes, and one that holds '@' loses
// what is before its last '@' (after its "scheme://" when it has one).
[[nodiscard]] std::string redact_userinfo(std::string_view text,
                                          const std::vector<std::string>& known = {});

// The prober's own proxy variables (http_proxy, HTTPS_PROXY, all_proxy, ... in either case) as
// libcurl would take them from the environment when no proxy is set explicitly.
[[nodiscard]] std::vector<std::string> proxy_settings_from_environment();

}  // namespace netdoctor
