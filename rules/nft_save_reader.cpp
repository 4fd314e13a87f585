#include "rules/nft_save_reader.h"

#include "rules/command.h"
#include "rules/iptables_save.h"

namespace netdoctor::rules {

Result<Ruleset> read_iptables_nft_save() {
  auto out = run_command({"iptables-nft-save"}, std::chrono::seconds(20));
  if (!out) return tl::unexpected(out.error());
  if (out->exit_status != 0) {
    std::string err = out->err.substr(0, out->err.find('\n'));
    if (err.find("Permission denied") != std::string::npos ||
        err.find("Operation not permitted") != std::string::npos) {
      return fail(ErrorCode::kPermission, "iptables-nft-save: " + err + " (needs CAP_NET_ADMIN)");
    }
    return fail(ErrorCode::kSystem, "iptables-nft-save exited with status " +
                                        std::to_string(out->exit_status) + ": " + err);
  }
  return parse_iptables_save(out->out, "iptables-nft-save");
}

}  // namespace netdoctor::rules
