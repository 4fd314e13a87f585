#include "core/privileges.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <string>
#include <thread>

namespace netdoctor {
namespace {

std::string status_field(const std::string& field) {
  std::ifstream in("/proc/thread-self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(field + ":", 0) == 0) return line.substr(field.size() + 1);
  }
  return "";
}

// Runs `body` in a child process (dropping privileges cannot be undone) and returns its exit
// status: 0 when every check held, else the number of the first one that did not.
template <class F>
int in_child(F body) {
  const pid_t pid = ::fork();
  if (pid == 0) ::_exit(body());
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 100;
}

TEST(Privileges, DropKeepsOnlyTheKeptCapabilitiesAndSetsNoNewPrivs) {
  const auto before = capability_mask("CapEff");
  ASSERT_TRUE(before.has_value());
  const bool setpcap = (*before & (std::uint64_t{1} << 8)) != 0;  // CAP_SETPCAP
  const int rc = in_child([&] {
    if (!drop_privileges()) return 1;
    const auto eff = capability_mask("CapEff");
    const auto prm = capability_mask("CapPrm");
    const auto inh = capability_mask("CapInh");
    const auto bnd = capability_mask("CapBnd");
    const auto amb = capability_mask("CapAmb");
    if (!eff || *eff != (*before & kept_capabilities())) return 2;
    if (!prm || (*prm & ~kept_capabilities()) != 0) return 3;
    if (!inh || *inh != 0 || !amb || *amb != 0) return 4;
    if (setpcap && (!bnd || *bnd != kept_capabilities())) return 5;
    if (status_field("NoNewPrivs").find('1') == std::string::npos) return 6;
    return 0;
  });
  EXPECT_EQ(rc, 0) << "check " << rc << " failed (root: " << (::getuid() == 0) << ")";
}

// A thread that drops its capabilities leaves the others theirs, and the threads it starts
// have none.
TEST(Privileges, AThreadDropsItsOwnCapabilitiesOnly) {
  const auto mine = capability_mask("CapEff");
  ASSERT_TRUE(mine.has_value());
  std::uint64_t dropped = ~std::uint64_t{0};
  std::uint64_t child = ~std::uint64_t{0};
  std::thread([&] {
    ASSERT_TRUE(drop_thread_capabilities().has_value());
    dropped = capability_mask("CapEff").value_or(1);
    std::thread([&] { child = capability_mask("CapPrm").value_or(1); }).join();
  }).join();
  EXPECT_EQ(dropped, 0u);
  EXPECT_EQ(child, 0u);
  EXPECT_EQ(capability_mask("CapEff").value_or(0), *mine);
}

}  // namespace
}  // namespace netdoctor
