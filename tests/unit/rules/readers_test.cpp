// The pure halves of the non-iptables readers (kube-proxy nftables JSON, recorded IPVS),
// backend detection and the text renderers, on recorded fixtures.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "rules/backend.h"
#include "rules/iptables_save.h"
#include "rules/ipvs.h"
#include "rules/nft_proxy.h"
#include "rules/render.h"

namespace netdoctor::rules {
namespace {

std::string fixture(const std::string& name) {
  std::ifstream in(std::string(ND_TESTDATA) + "/rules/" + name);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(NftProxy, ServicesFromRecordedTable) {
  auto s = services_from_nft_json(fixture("kube-proxy-nftables.json"));
  ASSERT_TRUE(s) << s.error().message();
  ASSERT_EQ(s->size(), 4u);  // svc1, svc4 cluster IP, svc4 external IP, svc6 no endpoints
  std::ostringstream out;
  print_services(out, *s);
  EXPECT_EQ(out.str(),
            "192.168.99.33:80/tcp  ns4/svc4:p80  [external IP, nftables]\n"
            "  -> 10.180.0.4:80  50%  endpoint-UNZV3OEC-ns4/svc4/tcp/p80__10.180.0.4/80\n"
            "  -> 10.180.0.5:80  50%  endpoint-5RFCDDV7-ns4/svc4/tcp/p80__10.180.0.5/80\n"
            "172.30.0.41:80/tcp  ns1/svc1:p80  [cluster IP, nftables]\n"
            "  -> 10.180.0.1:80  100%  endpoint-5OJB2KTY-ns1/svc1/tcp/p80__10.180.0.1/80\n"
            "172.30.0.44:80/tcp  ns4/svc4:p80  [cluster IP, nftables]\n"
            "  -> 10.180.0.4:80  50%  endpoint-UNZV3OEC-ns4/svc4/tcp/p80__10.180.0.4/80\n"
            "  -> 10.180.0.5:80  50%  endpoint-5RFCDDV7-ns4/svc4/tcp/p80__10.180.0.5/80\n"
            "172.30.0.46:80/tcp  ns6/svc6:p80  [cluster IP, nftables]\n"
            "  no endpoints: rejected\n");
  EXPECT_TRUE((*s)[1].masquerade_off_cluster);
  EXPECT_EQ((*s)[1].cluster_cidr, "10.0.0.0/8");
  EXPECT_TRUE((*s)[1].endpoints[0].hairpin_masquerade);
}

TEST(NftProxy, BadJsonIsAnError) {
  for (const char* text :
       {"", "{", "[]", "{\"nftables\": 5}",
        "{\"nftables\": [{\"map\": {\"name\": \"service-ips\", \"elem\": [[1]]}}]}"}) {
    auto s = services_from_nft_json(text);
    ASSERT_FALSE(s) << text;
    EXPECT_EQ(s.error().code, ErrorCode::kInvalidInput);
  }
}

TEST(Ipvs, RecordedServices) {
  RecordedIpvs reader(fixture("ipvs.save"));
  auto v = reader.read();
  ASSERT_TRUE(v) << v.error().message();
  auto s = services_from_ipvs(*v);
  ASSERT_EQ(s.size(), 3u);
  EXPECT_EQ(s[1].ip, "10.96.0.10");
  EXPECT_EQ(s[1].port, 53);
  EXPECT_EQ(s[1].protocol, "udp");
  ASSERT_EQ(s[1].endpoints.size(), 2u);
  EXPECT_DOUBLE_EQ(s[1].endpoints[1].probability, 0.75);
  EXPECT_TRUE(s[2].rejects);
  EXPECT_EQ(s[2].backend, Backend::kIpvs);
}

TEST(Ipvs, MalformedLinesNameTheLine) {
  RecordedIpvs orphan("-a -t 1.2.3.4:80 -r 10.0.0.1:80 -m -w 1\n");
  auto r = orphan.read();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().context, "ipvsadm-save:1: real server for unknown service 1.2.3.4:80");
  RecordedIpvs junk("-A -t 1.2.3.4:80 -s rr\nhello world\n");
  EXPECT_FALSE(junk.read());
}

TEST(Backend, DetectsAsTheWrapperDoes) {
  EXPECT_EQ(detect_backend({0, false, 12, true, false, false}).backend, Backend::kIptablesNft);
  // The hint wins even with more legacy rules (a leftover from before a switch).
  Detection d = detect_backend({50, false, 3, true, false, false});
  EXPECT_EQ(d.backend, Backend::kIptablesNft);
  EXPECT_TRUE(d.mixed);
  EXPECT_EQ(detect_backend({50, false, 3, false, false, false}).backend, Backend::kIptablesLegacy);
  EXPECT_EQ(detect_backend({0, true, 0, false, false, false}).backend, Backend::kIptablesLegacy);
  EXPECT_EQ(detect_backend({0, false, 0, false, false, false}).backend, Backend::kNone);
  Detection nft_mode = detect_backend({0, false, 5, true, true, false});
  EXPECT_EQ(nft_mode.backend, Backend::kNftables);
  EXPECT_EQ(nft_mode.present.size(), 2u);
  EXPECT_FALSE(nft_mode.mixed);
}

TEST(Render, TraceGolden) {
  auto rules = parse_iptables_save(fixture("flannel-node.save"));
  ASSERT_TRUE(rules);
  Packet p;
  p.src = "10.244.1.5";
  p.dst = "10.244.1.7";
  p.dport = 8080;
  p.in_iface = "cni0";
  auto t = trace(*rules, p);
  ASSERT_TRUE(t);
  std::ostringstream out;
  print_trace(out, *t);
  EXPECT_EQ(out.str(),
            "packet 10.244.1.5 -> 10.244.1.7:8080/tcp\n"
            "path 1 (100%)\n"
            "    nat PREROUTING  policy ACCEPT\n"
            "    filter FORWARD #1  jump NETDOCTOR-LAB\n"
            "    filter NETDOCTOR-LAB #1  DROP  (\"drop traffic to default/web-1\")\n"
            "    verdict: DROP by filter NETDOCTOR-LAB rule 1 (\"drop traffic to default/web-1\")\n"
            "      -A NETDOCTOR-LAB -d 10.244.1.7/32 -p tcp -m comment --comment \"drop traffic to "
            "default/web-1\" -m tcp --dport 8080 -j DROP\n");
}

}  // namespace
}  // namespace netdoctor::rules
