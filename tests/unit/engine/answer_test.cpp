// answer(): every rule of the query pipeline, checked on decoded responses.
#include "engine/answer.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "dns/tsig.h"
#include "dns/wire.h"
#include "tests/support/dns_test_util.h"

namespace fz::engine {
namespace {

using test::ask;
using test::decode;
using test::Decoded;
using test::QueryBuilder;

constexpr const char* kZone = R"(
$ORIGIN example.com.
$TTL 3600
@        SOA   ns1 hostmaster 2026112601 7200 3600 1209600 300
@        NS    ns1
@        NS    ns2.example.net.
@        MX    10 mail
@        A     192.0.2.1
ns1      A     192.0.2.53
ns1      AAAA  2001:db8::53
mail     A     192.0.2.25
www      A     192.0.2.10
www      A     192.0.2.11
www      AAAA  2001:db8::10
alias    CNAME www
chain1   CNAME chain2
chain2   CNAME www
loop1    CNAME loop2
loop2    CNAME loop1
out      CNAME www.example.net.
dangling CNAME nothere
*.wild   A     192.0.2.80
*.wild   TXT   "wildcard"
exists.wild A  192.0.2.81
a.b.c    A     192.0.2.90
*.cw     CNAME www
sub      NS    ns1.sub
sub      NS    ns.example.net.
ns1.sub  A     192.0.2.99
sub      DS    12345 13 2 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
dn       DNAME example.org.
_sip._udp SRV  10 60 5060 sip
sip      A     192.0.2.60
big      TXT   "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
big      TXT   "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
big      TXT   "cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc"
big      TXT   "dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd"
big      TXT   "eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee"
unknown  TYPE65280 \# 4 0a000001
)";

constexpr const char* kChildZone = R"(
$ORIGIN deep.example.com.
$TTL 600
@   SOA ns1.example.com. hostmaster.example.com. 1 7200 3600 1209600 60
@   NS  ns1.example.com.
@   A   192.0.2.200
)";

class AnswerTest : public ::testing::Test {
protected:
    void SetUp() override {
        snap_ = test::make_snapshot({{"example.com.", kZone}, {"deep.example.com.", kChildZone}});
        ASSERT_NE(snap_, nullptr);
    }

    Decoded query(const std::string& name, uint16_t type, Transport t = Transport::kUdp) {
        QueryBuilder q;
        q.qname = name;
        q.qtype = type;
        return decode(ask(*snap_, q.build(), t));
    }

    Decoded query(const QueryBuilder& q, Transport t = Transport::kUdp) { return decode(ask(*snap_, q.build(), t)); }

    std::unique_ptr<Snapshot> snap_;
};

TEST_F(AnswerTest, HeaderEchoesIdOpcodeRdAndCd) {
    QueryBuilder q;
    q.id = 0xbeef;
    q.flags = 0x0110;  // RD + CD
    q.qname = "www.example.com.";
    Decoded d = query(q);
    ASSERT_TRUE(d.ok);
    EXPECT_EQ(d.id, 0xbeef);
    EXPECT_TRUE(d.qr());
    EXPECT_TRUE(d.aa());
    EXPECT_TRUE(d.flags & dns::flag::RD);
    EXPECT_TRUE(d.flags & dns::flag::CD);
    EXPECT_FALSE(d.flags & dns::flag::RA);
    EXPECT_EQ(d.rcode, dns::rcode::NOERROR);

    q.flags = 0;
    d = query(q);
    EXPECT_FALSE(d.flags & dns::flag::RD);
    EXPECT_FALSE(d.flags & dns::flag::CD);
}

TEST_F(AnswerTest, ResponsesAreDropped) {
    QueryBuilder q;
    q.flags = 0x8000;
    Worker w;
    EXPECT_TRUE(ask(*snap_, q.build(), Transport::kUdp, &w).empty());
    EXPECT_EQ(w.counters.dropped[static_cast<size_t>(Drop::kResponse)], 1u);
}

TEST_F(AnswerTest, QuestionEchoedWithCasePreservedAndMatchedCaseInsensitively) {
    Decoded d = query("wWw.ExAmPlE.cOm.", dns::type::A);
    ASSERT_TRUE(d.ok);
    EXPECT_EQ(d.qname, "wWw.ExAmPlE.cOm.");
    ASSERT_EQ(d.answer.size(), 2u);
    EXPECT_EQ(d.answer[0].owner, "www.example.com.");
    EXPECT_EQ(d.answer[0].rdata_text, "192.0.2.10");
    EXPECT_EQ(d.answer[1].rdata_text, "192.0.2.11");
    EXPECT_EQ(d.answer[0].ttl, 3600u);
}

TEST_F(AnswerTest, NamesOutsideOurZonesAreRefused) {
    Decoded d = query("www.example.net.", dns::type::A);
    EXPECT_EQ(d.rcode, dns::rcode::REFUSED);
    EXPECT_FALSE(d.aa());
    EXPECT_TRUE(d.answer.empty());
    d = query("com.", dns::type::SOA);
    EXPECT_EQ(d.rcode, dns::rcode::REFUSED);
}

TEST_F(AnswerTest, OtherClassesAreRefusedAndQclassAnyMatchesIn) {
    QueryBuilder q;
    q.qname = "www.example.com.";
    q.qclass = dns::rrclass::HS;
    EXPECT_EQ(query(q).rcode, dns::rcode::REFUSED);
    q.qclass = 2;  // CSNET
    EXPECT_EQ(query(q).rcode, dns::rcode::REFUSED);
    q.qclass = dns::rrclass::ANY;  // QCLASS * (RFC 1035 3.2.5): our IN data
    Decoded d = query(q);
    EXPECT_EQ(d.rcode, dns::rcode::NOERROR);
    ASSERT_EQ(d.answer.size(), 2u);
    EXPECT_EQ(d.answer[0].rclass, dns::rrclass::IN);
}

TEST_F(AnswerTest, LongestSuffixPicksTheChildZone) {
    Decoded d = query("deep.example.com.", dns::type::A);
    ASSERT_EQ(d.answer.size(), 1u);
    EXPECT_EQ(d.answer[0].rdata_text, "192.0.2.200");
    EXPECT_TRUE(d.aa());
    d = query("x.deep.example.com.", dns::type::A);
    EXPECT_EQ(d.rcode, dns::rcode::NXDOMAIN);
    ASSERT_EQ(d.authority.size(), 1u);
    EXPECT_EQ(d.authority[0].owner, "deep.example.com.");
    EXPECT_EQ(d.authority[0].ttl, 60u);
}

TEST_F(AnswerTest, NxdomainCarriesSoaWithNegativeTtl) {
    Decoded d = query("nothere.example.com.", dns::type::A);
    EXPECT_EQ(d.rcode, dns::rcode::NXDOMAIN);
    EXPECT_TRUE(d.aa());
    EXPECT_TRUE(d.answer.empty());
    ASSERT_EQ(d.authority.size(), 1u);
    EXPECT_EQ(d.authority[0].type, dns::type::SOA);
    EXPECT_EQ(d.authority[0].owner, "example.com.");
    EXPECT_EQ(d.authority[0].ttl, 300u);  // min(3600, MINIMUM 300)
}

TEST_F(AnswerTest, NodataCarriesSoa) {
    Decoded d = query("www.example.com.", dns::type::MX);
    EXPECT_EQ(d.rcode, dns::rcode::NOERROR);
    EXPECT_TRUE(d.answer.empty());
    ASSERT_EQ(d.authority.size(), 1u);
    EXPECT_EQ(d.authority[0].type, dns::type::SOA);
}

TEST_F(AnswerTest, EmptyNonTerminalIsNodataNotNxdomain) {
    for (const char* name : {"b.c.example.com.", "c.example.com.", "_udp.example.com."}) {
        Decoded d = query(name, dns::type::A);
        EXPECT_EQ(d.rcode, dns::rcode::NOERROR) << name;
        EXPECT_TRUE(d.answer.empty()) << name;
        ASSERT_EQ(d.authority.size(), 1u) << name;
    }
}

TEST_F(AnswerTest, CnameChainInsideTheZone) {
    Decoded d = query("chain1.example.com.", dns::type::A);
    ASSERT_EQ(d.answer.size(), 4u);
    EXPECT_EQ(d.answer[0].type, dns::type::CNAME);
    EXPECT_EQ(d.answer[0].owner, "chain1.example.com.");
    EXPECT_EQ(d.answer[1].type, dns::type::CNAME);
    EXPECT_EQ(d.answer[1].owner, "chain2.example.com.");
    EXPECT_EQ(d.answer[2].owner, "www.example.com.");
    EXPECT_EQ(d.answer[2].type, dns::type::A);
    EXPECT_TRUE(d.aa());
}

TEST_F(AnswerTest, CnameQueryReturnsTheCnameItself) {
    Decoded d = query("alias.example.com.", dns::type::CNAME);
    ASSERT_EQ(d.answer.size(), 1u);
    EXPECT_EQ(d.answer[0].type, dns::type::CNAME);
}

TEST_F(AnswerTest, CnameOutOfZoneStopsThere) {
    Decoded d = query("out.example.com.", dns::type::A);
    EXPECT_EQ(d.rcode, dns::rcode::NOERROR);
    ASSERT_EQ(d.answer.size(), 1u);
    EXPECT_EQ(d.answer[0].rdata_text, "www.example.net.");
    EXPECT_TRUE(d.authority.empty());
}

TEST_F(AnswerTest, CnameToMissingNameIsNxdomain) {
    Decoded d = query("dangling.example.com.", dns::type::A);
    EXPECT_EQ(d.rcode, dns::rcode::NXDOMAIN);  // RFC 6604: the rcode of the last name
    ASSERT_EQ(d.answer.size(), 1u);
    ASSERT_EQ(d.authority.size(), 1u);
}

TEST_F(AnswerTest, CnameLoopTerminates) {
    Decoded d = query("loop1.example.com.", dns::type::A);
    ASSERT_TRUE(d.ok);
    EXPECT_EQ(d.answer.size(), 2u);
}

TEST_F(AnswerTest, WildcardSynthesisUsesTheQueryName) {
    Decoded d = query("Foo.Wild.example.com.", dns::type::A);
    EXPECT_EQ(d.rcode, dns::rcode::NOERROR);
    ASSERT_EQ(d.answer.size(), 1u);
    EXPECT_EQ(d.answer[0].owner, "foo.wild.example.com.");
    EXPECT_EQ(d.answer[0].rdata_text, "192.0.2.80");
    // Deeper names are covered too (the closest encloser is wild.example.com).
    d = query("a.b.wild.example.com.", dns::type::TXT);
    ASSERT_EQ(d.answer.size(), 1u);
    EXPECT_EQ(d.answer[0].owner, "a.b.wild.example.com.");
}

TEST_F(AnswerTest, WildcardDoesNotApplyToExistingNames) {
    Decoded d = query("exists.wild.example.com.", dns::type::TXT);
    EXPECT_EQ(d.rcode, dns::rcode::NOERROR);
    EXPECT_TRUE(d.answer.empty());  // NODATA: the name exists without TXT
    ASSERT_EQ(d.authority.size(), 1u);
    d = query("x.exists.wild.example.com.", dns::type::A);
    EXPECT_EQ(d.rcode, dns::rcode::NXDOMAIN);  // closest encloser exists.wild has no wildcard
}

TEST_F(AnswerTest, WildcardNodataAndWildcardCname) {
    Decoded d = query("x.wild.example.com.", dns::type::MX);
    EXPECT_EQ(d.rcode, dns::rcode::NOERROR);
    EXPECT_TRUE(d.answer.empty());
    ASSERT_EQ(d.authority.size(), 1u);
    d = query("q.cw.example.com.", dns::type::A);
    ASSERT_EQ(d.answer.size(), 3u);
    EXPECT_EQ(d.answer[0].owner, "q.cw.example.com.");
    EXPECT_EQ(d.answer[0].type, dns::type::CNAME);
}

TEST_F(AnswerTest, ReferralWithGlueAndNoAa) {
    for (const char* name : {"sub.example.com.", "host.sub.example.com.", "ns1.sub.example.com."}) {
        Decoded d = query(name, dns::type::A);
        EXPECT_EQ(d.rcode, dns::rcode::NOERROR) << name;
        EXPECT_FALSE(d.aa()) << name;
        EXPECT_TRUE(d.answer.empty()) << name;
        ASSERT_EQ(d.authority.size(), 2u) << name;
        EXPECT_EQ(d.authority[0].type, dns::type::NS);
        EXPECT_EQ(d.authority[0].owner, "sub.example.com.");
        ASSERT_EQ(d.additional.size(), 1u) << name;
        EXPECT_EQ(d.additional[0].owner, "ns1.sub.example.com.");
        EXPECT_EQ(d.additional[0].rdata_text, "192.0.2.99");
    }
}

TEST_F(AnswerTest, DsIsAnsweredFromTheParentSide) {
    Decoded d = query("sub.example.com.", dns::type::DS);
    EXPECT_TRUE(d.aa());
    ASSERT_EQ(d.answer.size(), 1u);
    EXPECT_EQ(d.answer[0].type, dns::type::DS);
    d = query("host.sub.example.com.", dns::type::DS);  // below the cut: a referral
    EXPECT_FALSE(d.aa());
    EXPECT_EQ(d.authority.size(), 2u);
}

TEST_F(AnswerTest, AdditionalAddressesForNsMxSrv) {
    Decoded d = query("example.com.", dns::type::NS);
    ASSERT_EQ(d.answer.size(), 2u);
    ASSERT_EQ(d.additional.size(), 2u);  // ns1 A + AAAA; ns2.example.net is not ours
    EXPECT_EQ(d.additional[0].owner, "ns1.example.com.");
    EXPECT_EQ(d.additional[0].type, dns::type::A);
    EXPECT_EQ(d.additional[1].type, dns::type::AAAA);

    d = query("example.com.", dns::type::MX);
    ASSERT_EQ(d.additional.size(), 1u);
    EXPECT_EQ(d.additional[0].owner, "mail.example.com.");

    d = query("_sip._udp.example.com.", dns::type::SRV);
    ASSERT_EQ(d.answer.size(), 1u);
    ASSERT_EQ(d.additional.size(), 1u);
    EXPECT_EQ(d.additional[0].owner, "sip.example.com.");
}

TEST_F(AnswerTest, DnameSynthesis) {
    Decoded d = query("www.dn.example.com.", dns::type::A);
    EXPECT_EQ(d.rcode, dns::rcode::NOERROR);
    ASSERT_EQ(d.answer.size(), 2u);
    EXPECT_EQ(d.answer[0].type, dns::type::DNAME);
    EXPECT_EQ(d.answer[0].owner, "dn.example.com.");
    EXPECT_EQ(d.answer[1].type, dns::type::CNAME);
    EXPECT_EQ(d.answer[1].owner, "www.dn.example.com.");
    EXPECT_EQ(d.answer[1].rdata_text, "www.example.org.");
    EXPECT_EQ(d.answer[1].ttl, d.answer[0].ttl);
    // The DNAME owner itself is not rewritten.
    d = query("dn.example.com.", dns::type::DNAME);
    ASSERT_EQ(d.answer.size(), 1u);
    d = query("dn.example.com.", dns::type::A);
    EXPECT_TRUE(d.answer.empty());
}

TEST_F(AnswerTest, AnyIsMinimalOverEveryTransport) {
    for (Transport t : {Transport::kUdp, Transport::kTcp}) {
        Decoded d = query("example.com.", dns::type::ANY, t);
        EXPECT_EQ(d.rcode, dns::rcode::NOERROR);
        ASSERT_EQ(d.answer.size(), 1u);  // one RRset: the first in type order (A)
        EXPECT_EQ(d.answer[0].type, dns::type::A);
    }
    Decoded d = query("b.c.example.com.", dns::type::ANY);  // empty non-terminal: NODATA
    EXPECT_TRUE(d.answer.empty());
    EXPECT_EQ(d.authority.size(), 1u);
}

TEST_F(AnswerTest, ZoneTransfersAreRefused) {
    EXPECT_EQ(query("example.com.", dns::type::AXFR).rcode, dns::rcode::REFUSED);
    EXPECT_EQ(query("example.com.", dns::type::IXFR).rcode, dns::rcode::REFUSED);
    EXPECT_EQ(query("example.com.", dns::type::AXFR, Transport::kTcp).rcode, 9);  // NOTAUTH
}

TEST_F(AnswerTest, DnameAnswersACnameQuestionWithoutChasing) {
    Decoded d = query("www.dn.example.com.", dns::type::CNAME);
    ASSERT_EQ(d.answer.size(), 2u);
    EXPECT_EQ(d.answer[1].type, dns::type::CNAME);
}

TEST_F(AnswerTest, DsForAServedChildApexComesFromTheParent) {
    Decoded d = query("deep.example.com.", dns::type::DS);
    EXPECT_EQ(d.rcode, dns::rcode::NOERROR);  // the name exists (as a zone): NODATA
    ASSERT_EQ(d.authority.size(), 1u);
    EXPECT_EQ(d.authority[0].owner, "example.com.");
    d = query("deep.example.com.", dns::type::SOA);  // everything else from the child
    ASSERT_EQ(d.answer.size(), 1u);
    EXPECT_EQ(d.answer[0].owner, "deep.example.com.");
}

TEST_F(AnswerTest, UnknownTypesServedOrNodata) {
    Decoded d = query("unknown.example.com.", 65280);
    ASSERT_EQ(d.answer.size(), 1u);
    EXPECT_EQ(d.answer[0].rdata, (std::vector<uint8_t>{10, 0, 0, 1}));
    d = query("www.example.com.", 65281);
    EXPECT_TRUE(d.answer.empty());
    EXPECT_EQ(d.authority.size(), 1u);
}

TEST_F(AnswerTest, OptOnlyWhenTheQueryHadOne) {
    EXPECT_FALSE(query("www.example.com.", dns::type::A).has_opt);
    QueryBuilder q;
    q.qname = "www.example.com.";
    q.edns = true;
    q.do_bit = true;
    q.udp_size = 4096;
    Decoded d = query(q);
    ASSERT_TRUE(d.has_opt);
    EXPECT_TRUE(d.opt_do);
    EXPECT_EQ(d.opt_udp, 1232);
    EXPECT_EQ(d.opt_version, 0);
    q.do_bit = false;
    EXPECT_FALSE(query(q).opt_do);
}

TEST_F(AnswerTest, EdnsVersionAboveZeroGetsBadvers) {
    QueryBuilder q;
    q.qname = "www.example.com.";
    q.edns = true;
    q.edns_version = 1;
    Decoded d = query(q);
    ASSERT_TRUE(d.has_opt);
    EXPECT_EQ(d.rcode, dns::rcode::BADVERS);
    EXPECT_TRUE(d.answer.empty());
}

TEST_F(AnswerTest, UnknownOptionsAreIgnoredNotEchoed) {
    QueryBuilder q;
    q.qname = "www.example.com.";
    q.edns = true;
    q.options.push_back({65001, {1, 2, 3}});
    q.options.push_back({dns::edns::COOKIE, {1, 2, 3, 4, 5, 6, 7, 8}});
    Decoded d = query(q);
    EXPECT_EQ(d.rcode, dns::rcode::NOERROR);
    EXPECT_TRUE(d.opt_options.empty());
}

TEST_F(AnswerTest, TwoOptRecordsAreFormerr) {
    QueryBuilder q;
    q.qname = "www.example.com.";
    q.edns = true;
    q.extra_additional.push_back({0, 0, 41, 4, 0, 0, 0, 0, 0, 0, 0});
    Decoded d = query(q);
    EXPECT_EQ(d.rcode, dns::rcode::FORMERR);
    EXPECT_FALSE(d.has_opt);  // a broken OPT is not echoed
}

TEST_F(AnswerTest, MalformedOptIsFormerr) {
    QueryBuilder q;
    q.qname = "www.example.com.";
    q.edns = true;
    q.options.push_back({dns::edns::CLIENT_SUBNET, {0, 3, 24, 0, 10, 0, 0}});  // unknown family
    EXPECT_EQ(query(q).rcode, dns::rcode::FORMERR);
    q.options = {{dns::edns::CLIENT_SUBNET, {0, 1, 33, 0, 10, 0, 0, 0, 0}}};  // prefix > 32
    EXPECT_EQ(query(q).rcode, dns::rcode::FORMERR);
    q.options = {{dns::edns::CLIENT_SUBNET, {0, 1, 20, 0, 10, 0, 0x0f}}};  // bits past the prefix
    EXPECT_EQ(query(q).rcode, dns::rcode::FORMERR);
}

TEST_F(AnswerTest, ClientSubnetEchoedWithScopeZero) {
    QueryBuilder q;
    q.qname = "www.example.com.";
    q.edns = true;
    q.options.push_back({dns::edns::CLIENT_SUBNET, {0, 1, 24, 0, 198, 51, 100}});
    Decoded d = query(q);
    ASSERT_EQ(d.opt_options.size(), 1u);
    EXPECT_EQ(d.opt_options[0].first, dns::edns::CLIENT_SUBNET);
    EXPECT_EQ(d.opt_options[0].second, (std::vector<uint8_t>{0, 1, 24, 0, 198, 51, 100}));
}

TEST_F(AnswerTest, TruncationWithoutEdnsAt512) {
    Decoded d = query("big.example.com.", dns::type::TXT);
    EXPECT_TRUE(d.tc());
    EXPECT_TRUE(d.answer.empty());  // never a partial RRset
    EXPECT_EQ(d.qname, "big.example.com.");
    QueryBuilder q;
    q.qname = "big.example.com.";
    q.qtype = dns::type::TXT;
    q.edns = true;
    q.udp_size = 1232;
    d = query(q);
    EXPECT_FALSE(d.tc());
    EXPECT_EQ(d.answer.size(), 5u);
    EXPECT_TRUE(d.has_opt);
    q.udp_size = 100;  // below 512: treated as 512
    d = query(q);
    EXPECT_TRUE(d.tc());
    EXPECT_TRUE(d.has_opt);  // the OPT always fits
    d = query("big.example.com.", dns::type::TXT, Transport::kTcp);
    EXPECT_FALSE(d.tc());
    EXPECT_EQ(d.answer.size(), 5u);
}

TEST_F(AnswerTest, MalformedQueriesGetFormerrOrDrop) {
    Worker w;
    QueryBuilder q;
    q.qname = "www.example.com.";
    const auto good = q.build();

    auto shorter = good;
    shorter.resize(6);  // not even a header
    EXPECT_TRUE(ask(*snap_, shorter, Transport::kUdp, &w).empty());
    EXPECT_EQ(w.counters.dropped[static_cast<size_t>(Drop::kShort)], 1u);

    QueryBuilder odd = q;
    odd.question = false;  // QDCOUNT 0: FORMERR, header echoed
    Decoded d = query(odd);
    EXPECT_EQ(d.rcode, dns::rcode::FORMERR);
    EXPECT_EQ(d.id, 0x1234);
    EXPECT_EQ(d.qdcount, 0);

    odd = q;
    odd.trailing = {0};  // trailing junk: FORMERR with the question
    d = query(odd);
    EXPECT_EQ(d.rcode, dns::rcode::FORMERR);
    EXPECT_EQ(d.qname, "www.example.com.");

    // No parseable question: dropped and counted, as Knot does.
    std::vector<std::vector<uint8_t>> dropped;
    odd = q;
    odd.qdcount = 2;
    dropped.push_back(odd.build());
    auto cut = good;
    cut.resize(cut.size() - 2);  // truncated question
    dropped.push_back(cut);
    odd = q;
    odd.qname_wire = {0xc0, 0x0c};  // pointer
    dropped.push_back(odd.build());
    odd.qname_wire = {64};  // label over 63
    odd.qname_wire.insert(odd.qname_wire.end(), 64, 'a');
    odd.qname_wire.push_back(0);
    dropped.push_back(odd.build());
    odd.qname_wire.clear();  // name over 255 bytes
    for (int i = 0; i < 5; ++i) {
        odd.qname_wire.push_back(60);
        odd.qname_wire.insert(odd.qname_wire.end(), 60, 'a');
    }
    odd.qname_wire.push_back(0);
    dropped.push_back(odd.build());
    for (const auto& bad : dropped) EXPECT_TRUE(ask(*snap_, bad, Transport::kUdp, &w).empty());
    EXPECT_EQ(w.counters.dropped[static_cast<size_t>(Drop::kMalformed)], dropped.size());
}

TEST_F(AnswerTest, UnknownOpcodesGetNotimp) {
    QueryBuilder q;
    q.qname = "www.example.com.";
    q.flags = static_cast<uint16_t>(2 << 11);  // STATUS
    Decoded d = query(q);
    EXPECT_EQ(d.rcode, dns::rcode::NOTIMP);
    EXPECT_EQ((d.flags >> 11) & 0xf, 2);
}

// RFC 6891 7: a response to a query with a sound OPT carries one, errors included.
TEST_F(AnswerTest, ErrorAnswersToEdnsQueriesEchoTheOpt) {
    QueryBuilder q;
    q.qname = "www.example.com.";
    q.edns = true;
    q.do_bit = true;
    q.udp_size = 4096;
    auto expect_opt = [](const Decoded& d, uint16_t rcode, const char* what) {
        EXPECT_EQ(d.rcode, rcode) << what;
        ASSERT_TRUE(d.has_opt) << what;
        EXPECT_EQ(d.opt_version, 0) << what;
        EXPECT_EQ(d.opt_udp, 1232) << what;
        EXPECT_TRUE(d.opt_do) << what;
    };
    QueryBuilder status = q;
    status.flags = static_cast<uint16_t>(dns::opcode::STATUS << 11);
    expect_opt(query(status), dns::rcode::NOTIMP, "opcode STATUS");
    status.edns_version = 1;  // the EDNS version comes first, as Knot answers
    expect_opt(query(status), dns::rcode::BADVERS, "opcode STATUS, EDNS version 1");
    QueryBuilder none = q;
    none.question = false;
    Decoded d = query(none);
    expect_opt(d, dns::rcode::FORMERR, "QDCOUNT 0");
    EXPECT_EQ(d.qdcount, 0);
    none.flags = static_cast<uint16_t>(dns::opcode::NOTIFY << 11);
    expect_opt(query(none), dns::rcode::NOTIMP, "QDCOUNT 0, opcode NOTIFY");
    none.edns_version = 1;
    expect_opt(query(none), dns::rcode::BADVERS, "QDCOUNT 0, EDNS version 1");
    none.edns_version = 0;
    none.flags = 0;
    none.options.push_back({dns::edns::CLIENT_SUBNET, {0, 1, 24, 0, 198, 51, 100}});
    d = query(none);
    expect_opt(d, dns::rcode::FORMERR, "QDCOUNT 0 with ECS");
    ASSERT_EQ(d.opt_options.size(), 1u);  // echoed with scope 0, as in any answer
    EXPECT_EQ(d.opt_options[0].first, dns::edns::CLIENT_SUBNET);
}

// A message that cannot be read soundly gets FORMERR and no OPT, whatever its opcode or
// question, as Knot answers (it parses the whole message first).
TEST_F(AnswerTest, MalformedMessagesGetFormerrWithoutOpt) {
    QueryBuilder q;
    q.qname = "www.example.com.";
    q.edns = true;
    auto expect_bare_formerr = [&](const std::vector<uint8_t>& wire, const char* what) {
        Decoded d = decode(ask(*snap_, wire));
        EXPECT_EQ(d.rcode, dns::rcode::FORMERR) << what;
        EXPECT_FALSE(d.has_opt) << what;
    };
    QueryBuilder junk = q;
    junk.trailing = {0, 1, 2};
    expect_bare_formerr(junk.build(), "OPT, then trailing junk");
    junk.flags = static_cast<uint16_t>(dns::opcode::STATUS << 11);
    expect_bare_formerr(junk.build(), "opcode STATUS, OPT, then trailing junk");
    junk.question = false;
    junk.flags = 0;
    expect_bare_formerr(junk.build(), "QDCOUNT 0, OPT, then trailing junk");
    QueryBuilder two = q;
    two.flags = static_cast<uint16_t>(dns::opcode::STATUS << 11);
    two.extra_additional.push_back({0, 0, 41, 4, 0, 0, 0, 0, 0, 0, 0});
    expect_bare_formerr(two.build(), "opcode STATUS, two OPT records");
    QueryBuilder plain = q;
    plain.edns = false;
    std::vector<uint8_t> opt_in_answer = plain.build();  // the OPT in the answer section
    opt_in_answer[7] = 1;
    const std::vector<uint8_t> opt = {0, 0, 41, 4, 0, 0, 0, 0, 0, 0, 0};
    opt_in_answer.insert(opt_in_answer.end(), opt.begin(), opt.end());
    expect_bare_formerr(opt_in_answer, "OPT in the answer section");
}

TEST_F(AnswerTest, OversizedDatagramsGetFormerrFromWhatWasRead) {
    QueryBuilder q;
    q.qname = "www.example.com.";
    q.edns = true;
    const std::vector<uint8_t> wire = q.build();
    Worker w;
    uint8_t out[1232];
    const Peer peer;
    size_t n = answer_oversized(*snap_, wire.data(), wire.size(), peer, Transport::kUdp, out, sizeof(out), w);
    Decoded d = decode(out, n);
    ASSERT_TRUE(d.ok);
    EXPECT_EQ(d.rcode, dns::rcode::FORMERR);
    EXPECT_EQ(d.qname, "www.example.com.");
    EXPECT_FALSE(d.has_opt);
    EXPECT_EQ(w.counters.queries, 1u);
    EXPECT_EQ(w.counters.rcode[dns::rcode::FORMERR], 1u);
    std::vector<uint8_t> response = wire;  // QR=1: dropped, as answer() drops it
    response[2] |= 0x80;
    EXPECT_EQ(answer_oversized(*snap_, response.data(), response.size(), peer, Transport::kUdp, out, sizeof(out), w),
              0u);
    EXPECT_EQ(w.counters.dropped[static_cast<size_t>(Drop::kResponse)], 1u);
}

// The fields of a TSIG record's rdata as fastzone writes it (names uncompressed).
struct TsigFields {
    std::string algorithm;
    uint64_t time_signed = 0;
    uint16_t fudge = 0, mac_size = 0, original_id = 0, error = 0, other_len = 0;
};

TsigFields tsig_fields(const test::DecodedRR& rr) {
    TsigFields t;
    const std::vector<uint8_t>& d = rr.rdata;
    size_t p = 0;
    while (p < d.size() && d[p] != 0) {
        t.algorithm.append(reinterpret_cast<const char*>(&d[p + 1]), d[p]).push_back('.');
        p += d[p] + 1u;
    }
    ++p;
    if (p + 16 != d.size()) return TsigFields{"(malformed)"};
    t.time_signed = (uint64_t{dns::load_u16(&d[p])} << 32) | dns::load_u32(&d[p + 2]);
    t.fudge = dns::load_u16(&d[p + 6]);
    t.mac_size = dns::load_u16(&d[p + 8]);
    t.original_id = dns::load_u16(&d[p + 10]);
    t.error = dns::load_u16(&d[p + 12]);
    t.other_len = dns::load_u16(&d[p + 14]);
    return t;
}

std::vector<uint8_t> tsig(const std::string& key = "Unknown.Key.", const std::string& algorithm = "hmac-sha256.",
                          uint16_t original_id = 0x1234) {
    const std::vector<uint8_t> mac(32, 0xab);
    auto rr = dns::tsig_record(key, algorithm, 1796218153, mac, original_id, 7);
    EXPECT_TRUE(rr.ok());
    return rr.ok() ? *rr : std::vector<uint8_t>{};
}

// RFC 8945 5.2.1 with no keys configured: every key is unknown.
TEST_F(AnswerTest, SignedQueriesGetNotauthWithAnUnsignedBadkeyTsig) {
    QueryBuilder q;
    q.qname = "www.example.com.";
    q.extra_additional.push_back(tsig());
    for (Transport t : {Transport::kUdp, Transport::kTcp}) {
        Decoded d = query(q, t);
        ASSERT_TRUE(d.ok);
        EXPECT_EQ(d.rcode, dns::rcode::NOTAUTH);
        EXPECT_EQ(d.id, 0x1234);
        EXPECT_FALSE(d.aa());
        EXPECT_EQ(d.qname, "www.example.com.");
        EXPECT_TRUE(d.answer.empty());
        EXPECT_FALSE(d.has_opt);
        ASSERT_EQ(d.additional.size(), 1u);
        const test::DecodedRR& rr = d.additional[0];
        EXPECT_EQ(rr.owner, "unknown.key.");
        EXPECT_EQ(rr.type, dns::type::TSIG);
        EXPECT_EQ(rr.rclass, dns::rrclass::ANY);
        EXPECT_EQ(rr.ttl, 0u);
        TsigFields f = tsig_fields(rr);
        EXPECT_EQ(f.algorithm, "hmac-sha256.");
        EXPECT_EQ(f.time_signed, 1796218153u);  // echoed
        EXPECT_EQ(f.fudge, dns::tsig::kFudge);
        EXPECT_EQ(f.mac_size, 0);
        EXPECT_EQ(f.original_id, 0x1234);
        EXPECT_EQ(f.error, dns::tsig::BADKEY);
        EXPECT_EQ(f.other_len, 0);
    }
    // Whatever the question: a name in no zone, a meta type, CH.
    for (const char* name : {"www.example.net.", "www.example.com."}) {
        q.qname = name;
        q.qtype = dns::type::TSIG;
        EXPECT_EQ(query(q).rcode, dns::rcode::NOTAUTH) << name;
    }
    q.qtype = dns::type::A;
    q.qclass = dns::rrclass::CH;
    EXPECT_EQ(query(q).rcode, dns::rcode::NOTAUTH);
    q.qclass = dns::rrclass::IN;
    q.edns = true;
    q.do_bit = true;
    Decoded d = query(q);
    EXPECT_EQ(d.rcode, dns::rcode::NOTAUTH);
    ASSERT_TRUE(d.has_opt);  // the OPT, then the TSIG
    EXPECT_TRUE(d.opt_do);
    ASSERT_EQ(d.additional.size(), 1u);
    EXPECT_EQ(d.additional[0].type, dns::type::TSIG);
}

// An EDNS version we do not speak comes first, as Knot answers: BADVERS, unsigned.
TEST_F(AnswerTest, BadversComesBeforeTsig) {
    QueryBuilder q;
    q.qname = "www.example.com.";
    q.edns = true;
    q.edns_version = 1;
    q.extra_additional.push_back(tsig());
    Decoded d = query(q);
    EXPECT_EQ(d.rcode, dns::rcode::BADVERS);
    ASSERT_TRUE(d.has_opt);
    EXPECT_EQ(d.opt_version, 0);
    EXPECT_TRUE(d.additional.empty());
    std::vector<uint8_t> bad = tsig();  // a malformed TSIG is FORMERR all the same
    bad.push_back(0);
    q.extra_additional = {bad};
    EXPECT_EQ(query(q).rcode, dns::rcode::FORMERR);
}

TEST_F(AnswerTest, SignedQueryTsigNamesAreExpandedAndLowerCased) {
    QueryBuilder q;
    q.qname = "www.example.com.";
    std::vector<uint8_t> rr = {0xc0, 12};  // the key name: a pointer to the question name
    std::vector<uint8_t> whole = tsig("x.", "HMAC-SHA512.");
    rr.insert(rr.end(), whole.begin() + 3, whole.end());
    q.extra_additional.push_back(rr);
    Decoded d = query(q);
    EXPECT_EQ(d.rcode, dns::rcode::NOTAUTH);
    ASSERT_EQ(d.additional.size(), 1u);
    EXPECT_EQ(d.additional[0].owner, "www.example.com.");
    EXPECT_EQ(tsig_fields(d.additional[0]).algorithm, "hmac-sha512.");
}

// RFC 8945 5.3: what does not fit goes, the TSIG stays if it can; then TC.
TEST_F(AnswerTest, SignedQueryWithLongNamesKeepsTheTsigOrSetsTc) {
    std::string long_name;
    for (int i = 0; i < 3; ++i) long_name += std::string(63, 'k') + ".";
    long_name += std::string(61, 'k') + ".";  // 255 bytes on the wire
    QueryBuilder q;
    q.qname = "www.example.com.";
    q.extra_additional.push_back(tsig(long_name, "hmac-sha256."));
    Decoded d = query(q);  // 33 + 255 + 10 + 29 bytes: fits in 512
    EXPECT_EQ(d.rcode, dns::rcode::NOTAUTH);
    EXPECT_FALSE(d.tc());
    ASSERT_EQ(d.additional.size(), 1u);

    q.qname = long_name.substr(0, 200) + ".example.com.";
    q.extra_additional = {tsig(long_name, long_name.substr(64))};
    d = query(q);  // question, then 255 + 10 + 207 bytes of TSIG: over 512
    EXPECT_EQ(d.rcode, dns::rcode::NOTAUTH);
    EXPECT_TRUE(d.tc());
    EXPECT_EQ(d.qdcount, 0);
    ASSERT_EQ(d.additional.size(), 1u);
    EXPECT_EQ(d.additional[0].owner, long_name);
    q.extra_additional = {tsig(long_name, long_name)};
    d = query(q);  // 12 + 255 + 10 + 271: not even alone
    EXPECT_EQ(d.rcode, dns::rcode::NOTAUTH);
    EXPECT_TRUE(d.tc());
    EXPECT_TRUE(d.additional.empty());
    d = query(q, Transport::kTcp);
    EXPECT_FALSE(d.tc());
    EXPECT_EQ(d.additional.size(), 1u);
}

// RFC 8945 5.1 and 5.2: one TSIG, the last record, its rdata exactly filled; else FORMERR
// (no OPT, no TSIG back), as Knot answers.
TEST_F(AnswerTest, MisplacedOrMalformedTsigIsFormerr) {
    QueryBuilder q;
    q.qname = "www.example.com.";
    const std::vector<uint8_t> rr = tsig();
    auto expect_formerr = [&](const std::vector<uint8_t>& wire, const char* what) {
        Decoded d = decode(ask(*snap_, wire));
        EXPECT_EQ(d.rcode, dns::rcode::FORMERR) << what;
        EXPECT_FALSE(d.has_opt) << what;
        EXPECT_TRUE(d.additional.empty()) << what;
    };
    QueryBuilder two = q;
    two.extra_additional = {rr, rr};
    expect_formerr(two.build(), "two TSIG records");
    two.edns = true;
    two.extra_additional = {rr};
    std::vector<uint8_t> before_opt = two.build();  // the OPT, then the TSIG: swap them
    const size_t opt_at = before_opt.size() - rr.size() - 11;
    std::rotate(before_opt.begin() + static_cast<long>(opt_at), before_opt.begin() + static_cast<long>(opt_at) + 11,
                before_opt.end());
    expect_formerr(before_opt, "TSIG before the OPT");
    QueryBuilder junk = q;
    junk.extra_additional = {rr};
    junk.trailing = {0};
    expect_formerr(junk.build(), "bytes after the TSIG");
    std::vector<uint8_t> answer_section = q.build();  // the TSIG in the answer section
    answer_section[7] = 1;
    answer_section.insert(answer_section.end(), rr.begin(), rr.end());
    expect_formerr(answer_section, "TSIG in the answer section");
    std::vector<uint8_t> longer = rr;  // RDLENGTH one more than the fields
    longer.push_back(0);
    dns::store_u16(&longer[13 + 8], static_cast<uint16_t>(dns::load_u16(&longer[13 + 8]) + 1));
    QueryBuilder bad = q;
    bad.extra_additional = {longer};
    expect_formerr(bad.build(), "rdata longer than its fields");
    std::vector<uint8_t> shorter = rr;
    shorter.pop_back();
    dns::store_u16(&shorter[13 + 8], static_cast<uint16_t>(dns::load_u16(&shorter[13 + 8]) - 1));
    bad.extra_additional = {shorter};
    expect_formerr(bad.build(), "rdata shorter than its fields");
}

TEST_F(AnswerTest, ChaosIsRefusedByDefaultAndAnsweredWhenConfigured) {
    QueryBuilder q;
    q.qname = "version.bind.";
    q.qtype = dns::type::TXT;
    q.qclass = dns::rrclass::CH;
    EXPECT_EQ(query(q).rcode, dns::rcode::REFUSED);

    Options o;
    o.version = "fastzone 0.1";
    o.identity = "ns1";
    auto snap = test::make_snapshot({{"example.com.", kZone}}, o);
    Decoded d = decode(ask(*snap, q.build()));
    EXPECT_EQ(d.rcode, dns::rcode::NOERROR);
    ASSERT_EQ(d.answer.size(), 1u);
    EXPECT_EQ(d.answer[0].rclass, dns::rrclass::CH);
    EXPECT_EQ(d.answer[0].rdata_text, "\"fastzone 0.1\"");
    q.qname = "id.server.";
    d = decode(ask(*snap, q.build()));
    ASSERT_EQ(d.answer.size(), 1u);
    EXPECT_EQ(d.answer[0].rdata_text, "\"ns1\"");
    q.qname = "other.bind.";
    EXPECT_EQ(decode(ask(*snap, q.build())).rcode, dns::rcode::REFUSED);
}

TEST_F(AnswerTest, NsidOnlyWhenConfiguredAndAsked) {
    Options o;
    o.nsid = "fz1";
    auto snap = test::make_snapshot({{"example.com.", kZone}}, o);
    QueryBuilder q;
    q.qname = "www.example.com.";
    q.edns = true;
    Decoded d = decode(ask(*snap, q.build()));
    EXPECT_TRUE(d.opt_options.empty());
    q.options.push_back({dns::edns::NSID, {}});
    d = decode(ask(*snap, q.build()));
    ASSERT_EQ(d.opt_options.size(), 1u);
    EXPECT_EQ(d.opt_options[0].second, (std::vector<uint8_t>{'f', 'z', '1'}));
}

// Before: with a 255-byte NSID, a 512-byte EDNS payload and a long question, the room kept
// for the OPT left too little for the question: QDCOUNT 1 and no question (undecodable).
TEST_F(AnswerTest, ALongNsidGivesWayToALongQuestion) {
    Options o;
    o.nsid = std::string(255, 'n');
    auto snap = test::make_snapshot({{"example.com.", kZone}}, o);
    QueryBuilder q;
    std::string name;
    for (int i = 0; i < 3; ++i) name += std::string(63, 'a' + i) + ".";
    q.qname = name + std::string(47, 'd') + ".example.com.";  // 253 bytes in wire form
    q.edns = true;
    q.udp_size = 512;
    q.options.push_back({dns::edns::NSID, {}});
    Decoded d = decode(ask(*snap, q.build()));
    ASSERT_TRUE(d.ok);
    EXPECT_EQ(d.rcode, dns::rcode::NXDOMAIN);
    EXPECT_TRUE(d.has_opt);
    EXPECT_TRUE(d.opt_options.empty());  // the NSID left out
    // A short question still gets it.
    q.qname = "www.example.com.";
    d = decode(ask(*snap, q.build()));
    ASSERT_EQ(d.opt_options.size(), 1u);
    EXPECT_EQ(d.opt_options[0].second.size(), 255u);
}

TEST_F(AnswerTest, CountersCountRcodes) {
    Worker w;
    QueryBuilder q;
    q.qname = "www.example.com.";
    ask(*snap_, q.build(), Transport::kUdp, &w);
    q.qname = "nothere.example.com.";
    ask(*snap_, q.build(), Transport::kUdp, &w);
    q.qname = "example.org.";
    ask(*snap_, q.build(), Transport::kTcp, &w);
    EXPECT_EQ(w.counters.queries, 3u);
    EXPECT_EQ(w.counters.responses(), 3u);
    EXPECT_EQ(w.counters.rcode[dns::rcode::NOERROR], 1u);
    EXPECT_EQ(w.counters.rcode[dns::rcode::NXDOMAIN], 1u);
    EXPECT_EQ(w.counters.rcode[dns::rcode::REFUSED], 1u);
    EXPECT_EQ(w.counters.tcp, 1u);
}

}  // namespace
}  // namespace fz::engine

namespace fz::engine {
namespace {

// The data plane's look-ahead must land on the zone and the table entry answer() reads:
// the name's zone, and the hash of the lower-cased name.
TEST_F(AnswerTest, PrefetchLookupFindsTheZoneAndTheNameAnswerLooksUp) {
    auto hint_for = [&](const std::string& name) {
        QueryBuilder q;
        q.qname = name;
        std::vector<uint8_t> wire = q.build();
        LookupHint hint;
        prefetch_lookup(*snap_, wire.data(), wire.size(), hint);
        return hint;
    };
    const LookupHint www = hint_for("WWW.Example.COM.");
    ASSERT_NE(www.zone, nullptr);
    EXPECT_EQ(www.zone, snap_->zones[0].get());
    auto lower = dns::name_from_text("www.example.com.", nullptr);
    ASSERT_TRUE(lower.ok());
    EXPECT_EQ(www.hash, dns::hash_name(lower->data()));
    EXPECT_NE(www.zone->find(lower->data(), lower->size(), www.hash), nullptr);

    const LookupHint deep = hint_for("host.deep.example.com.");
    ASSERT_NE(deep.zone, nullptr);
    EXPECT_EQ(deep.zone, snap_->zones[1].get());

    EXPECT_EQ(hint_for("www.example.net.").zone, nullptr);  // no zone: nothing to fetch
    // A truncated or compressed question fetches nothing, and never reads past the end.
    QueryBuilder odd;
    odd.flags = 0;
    odd.qname = "www.";
    std::vector<uint8_t> cut = odd.build();
    cut.resize(15);  // the header, then a 3-byte label cut after 2 bytes
    LookupHint none;
    prefetch_lookup(*snap_, cut.data(), cut.size(), none);
    EXPECT_EQ(none.zone, nullptr);
    odd.qname_wire = {0xc0, 12};
    std::vector<uint8_t> pointer = odd.build();
    prefetch_lookup(*snap_, pointer.data(), pointer.size(), none);
    EXPECT_EQ(none.zone, nullptr);
}

}  // namespace
}  // namespace fz::engine
