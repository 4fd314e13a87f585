// Reads iptables-nft rules by running iptables-nft-save in the calling thread's network
// namespace (call it on a thread entered with netns::run_in: the child inherits the thread's
// namespace). `nft -j` would lose comments and statistic details; the save text keeps them.
#pragma once

#include "core/result.h"
#include "rules/ruleset.h"

namespace netdoctor::rules {

[[nodiscard]] Result<Ruleset> read_iptables_nft_save();

}  // namespace netdoctor::rules
