#include "probes/apiserver/ca_info.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

namespace netdoctor::probes {
namespace {

std::string slurp(const std::string& name) {
  std::ifstream in(std::string(ND_TESTDATA) + "/" + name);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(CaInfo, SubjectsOfABundle) {
  const std::string pem = slurp("apiserver/ca.crt");
  ASSERT_FALSE(pem.empty());
  const auto one = certificate_subjects(pem);
  ASSERT_EQ(one.size(), 1u);
  EXPECT_EQ(one[0], "O = netdoctor, CN = netdoctor-test-ca");
  EXPECT_EQ(certificate_subjects(pem + pem).size(), 2u);
}

TEST(CaInfo, GarbageGivesNothing) {
  EXPECT_TRUE(certificate_subjects("").empty());
  EXPECT_TRUE(certificate_subjects("not a certificate").empty());
  EXPECT_TRUE(certificate_subjects("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")
                  .empty());
}

}  // namespace
}  // namespace netdoctor::probes
