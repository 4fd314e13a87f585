#include "probes/net/phase.h"

#include <curl/curl.h>
#include <gtest/gtest.h>

#include <cerrno>

namespace netdoctor::probes {
namespace {

TEST(Phase, NamedCodesMapToTheirPhase) {
  const PhaseTimes none;
  EXPECT_EQ(classify_failure(CURLE_COULDNT_RESOLVE_HOST, none, true), Phase::kDns);
  EXPECT_EQ(classify_failure(CURLE_COULDNT_CONNECT, none, true), Phase::kConnect);
  EXPECT_EQ(classify_failure(CURLE_SSL_CONNECT_ERROR, none, true), Phase::kTls);
  EXPECT_EQ(classify_failure(CURLE_PEER_FAILED_VERIFICATION, none, true), Phase::kTls);
  EXPECT_EQ(classify_failure(CURLE_URL_MALFORMAT, none, false), Phase::kSetup);
}

TEST(Phase, TimeoutIsPlacedByTheLastCompletedPhase) {
  PhaseTimes t;
  EXPECT_EQ(classify_failure(CURLE_OPERATION_TIMEDOUT, t, true), Phase::kConnect);
  t.connect_us = 400;
  EXPECT_EQ(classify_failure(CURLE_OPERATION_TIMEDOUT, t, true), Phase::kTls);
  EXPECT_EQ(classify_failure(CURLE_OPERATION_TIMEDOUT, t, false), Phase::kHttp);
  t.appconnect_us = 3000;
  EXPECT_EQ(classify_failure(CURLE_OPERATION_TIMEDOUT, t, true), Phase::kHttp);
}

TEST(Phase, TimeoutAfterTheTcpHandshakeIsTlsEvenWithoutAConnectTime) {
  PhaseTimes t;
  t.tcp_established = true;  // curl 7.88 leaves connect_us at 0 when TLS times out
  EXPECT_EQ(classify_failure(CURLE_OPERATION_TIMEDOUT, t, true), Phase::kTls);
}

TEST(Phase, DroppedConnectionDuringHandshakeIsTls) {
  PhaseTimes t;
  t.connect_us = 300;
  EXPECT_EQ(classify_failure(CURLE_RECV_ERROR, t, true), Phase::kTls);
  EXPECT_EQ(classify_failure(CURLE_GOT_NOTHING, t, false), Phase::kHttp);
}

TEST(Phase, CertificateFailuresAreToldApart) {
  EXPECT_TRUE(is_certificate_failure(CURLE_PEER_FAILED_VERIFICATION));
  EXPECT_FALSE(is_certificate_failure(CURLE_SSL_CONNECT_ERROR));
  EXPECT_FALSE(is_certificate_failure(CURLE_COULDNT_CONNECT));
}

TEST(Phase, ConnectErrnoInWords) {
  EXPECT_NE(describe_connect_errno(ECONNREFUSED).find("refused"), std::string::npos);
  EXPECT_NE(describe_connect_errno(EHOSTUNREACH).find("unreachable"), std::string::npos);
  EXPECT_NE(describe_connect_errno(0).find("timed out"), std::string::npos);
}

TEST(Phase, TimesAreEachPhasesOwn) {
  PhaseTimes t{0, 1000, 4000, 5500, 6000};
  EXPECT_EQ(describe_times(t, true), "connect 1.0 ms, TLS 3.0 ms, HTTP 1.5 ms (total 6.0 ms)");
  EXPECT_EQ(describe_times(PhaseTimes{}, false), "no phase completed (total 0.0 ms)");
}

}  // namespace
}  // namespace netdoctor::probes
