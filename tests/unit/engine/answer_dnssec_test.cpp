// answer() on a pre-signed zone: with DO, an answer RRset comes with the RRSIGs that
// cover it, or not at all (TC); without DO, answers are those of the unsigned zone.
#include <gtest/gtest.h>

#include <string>

#include "dns/rrtype.h"
#include "tests/support/dns_test_util.h"

namespace fz::engine {
namespace {

using test::ask;
using test::decode;
using test::QueryBuilder;

constexpr const char* kUnsigned = R"(
$ORIGIN example.com.
$TTL 3600
@        SOA   ns1 hostmaster 2026120301 7200 3600 1209600 300
@        NS    ns1
@        DNSKEY 257 3 13 mdsswUyr3DPW132mOi8V9xESWE8jTo0dxCjjnopKl+GqJxpVXckHAeF+KkxLbxILfDLUT0rAK9iUzy1L53eKGQ==
ns1      A     192.0.2.53
www      A     192.0.2.10
www      AAAA  2001:db8::10
alias    CNAME www
big      TXT   "a big one"
)";

// A signature of `type` at `owner` (the signature bytes need not verify here).
std::string rrsig(const std::string& owner, const std::string& type, int labels, const std::string& sig = "") {
    return owner + " RRSIG " + type + " 13 " + std::to_string(labels) +
           " 3600 20261231000000 20261201000000 12345 example.com. " +
           (sig.empty() ? "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc4OTo7PD0+Pw=="
                        : sig) +
           "\n";
}

std::string signed_zone() {
    std::string z = kUnsigned;
    z += rrsig("@", "SOA", 2) + rrsig("@", "NS", 2) + rrsig("@", "DNSKEY", 2) + rrsig("ns1", "A", 3) +
         rrsig("www", "A", 3) + rrsig("www", "AAAA", 3) + rrsig("alias", "CNAME", 3);
    // Eight large signatures (base64 of 255 bytes each, all different).
    for (int i = 0; i < 8; ++i) z += rrsig("big", "TXT", 3, std::string(339, 'A') + "BCDEFGHI"[i]);
    return z;
}

std::vector<uint8_t> query(const std::string& name, uint16_t type, bool do_bit, uint16_t udp = 1232) {
    return test::edns_query(name, type, do_bit, udp);
}

// The covered type of an RRSIG record.
uint16_t covered(const test::DecodedRR& rr) { return static_cast<uint16_t>(rr.rdata[0] << 8 | rr.rdata[1]); }

class SignedZone : public ::testing::Test {
protected:
    std::unique_ptr<Snapshot> signed_ = test::make_snapshot({{"example.com.", signed_zone()}});
    std::unique_ptr<Snapshot> unsigned_ = test::make_snapshot({{"example.com.", kUnsigned}});
};

TEST_F(SignedZone, WithDoAnAnswerCarriesTheRrsigsCoveringIt) {
    auto d = decode(ask(*signed_, query("www.example.com.", dns::type::A, true)));
    ASSERT_TRUE(d.ok);
    ASSERT_EQ(d.answer.size(), 2u);
    EXPECT_EQ(d.answer[0].type, dns::type::A);
    EXPECT_EQ(d.answer[1].type, dns::type::RRSIG);
    EXPECT_EQ(d.answer[1].owner, "www.example.com.");
    EXPECT_EQ(covered(d.answer[1]), dns::type::A);  // not the AAAA's
    EXPECT_EQ(d.answer[1].ttl, d.answer[0].ttl);
    EXPECT_TRUE(d.opt_do);

    auto k = decode(ask(*signed_, query("example.com.", dns::type::DNSKEY, true)));
    ASSERT_EQ(k.answer.size(), 2u);
    EXPECT_EQ(k.answer[1].type, dns::type::RRSIG);
    EXPECT_EQ(covered(k.answer[1]), dns::type::DNSKEY);
}

TEST_F(SignedZone, ACnameChainIsSignedAtEachStep) {
    auto d = decode(ask(*signed_, query("alias.example.com.", dns::type::A, true)));
    ASSERT_EQ(d.answer.size(), 4u);
    EXPECT_EQ(d.answer[0].type, dns::type::CNAME);
    EXPECT_EQ(covered(d.answer[1]), dns::type::CNAME);
    EXPECT_EQ(d.answer[2].type, dns::type::A);
    EXPECT_EQ(d.answer[3].owner, "www.example.com.");
    EXPECT_EQ(covered(d.answer[3]), dns::type::A);
}

TEST_F(SignedZone, WithoutDoTheAnswerIsTheUnsignedZones) {
    for (const char* name : {"www.example.com.", "alias.example.com.", "nothere.example.com.", "example.com."}) {
        for (uint16_t type : {dns::type::A, dns::type::AAAA, dns::type::NS, dns::type::SOA, dns::type::TXT}) {
            EXPECT_EQ(ask(*signed_, query(name, type, false)), ask(*unsigned_, query(name, type, false)))
                << name << " " << type;
        }
    }
}

TEST_F(SignedZone, AnRrsetWhoseSignaturesDoNotFitIsTruncatedNotSentBare) {
    auto d = decode(ask(*signed_, query("big.example.com.", dns::type::TXT, true, 512)));
    ASSERT_TRUE(d.ok);
    EXPECT_TRUE(d.tc());
    EXPECT_TRUE(d.answer.empty());
    auto tcp = decode(ask(*signed_, query("big.example.com.", dns::type::TXT, true, 512), Transport::kTcp));
    EXPECT_FALSE(tcp.tc());
    EXPECT_EQ(tcp.answer.size(), 9u);  // the TXT and its eight signatures
}

}  // namespace
}  // namespace fz::engine

namespace fz::engine {
namespace {

TEST(SignedZoneNegative, TheSoaOfANegativeAnswerComesWithItsRrsigAtTheNegativeTtl) {
    auto snap = test::make_snapshot({{"example.com.", signed_zone()}});
    for (const char* name : {"nothere.example.com.", "www.example.com."}) {  // NXDOMAIN, NODATA
        auto d = decode(ask(*snap, query(name, dns::type::TXT, true)));
        ASSERT_TRUE(d.ok);
        EXPECT_TRUE(d.answer.empty());
        ASSERT_EQ(d.authority.size(), 2u) << name;
        EXPECT_EQ(d.authority[0].type, dns::type::SOA);
        EXPECT_EQ(d.authority[0].ttl, 300u);  // min(SOA TTL, MINIMUM)
        EXPECT_EQ(d.authority[1].type, dns::type::RRSIG);
        EXPECT_EQ(d.authority[1].owner, "example.com.");
        EXPECT_EQ(covered(d.authority[1]), dns::type::SOA);
        EXPECT_EQ(d.authority[1].ttl, 300u);
    }
    // A signature too large for the UDP size leaves no bare SOA: TC.
    std::string z = signed_zone();
    for (int i = 0; i < 4; ++i) z += rrsig("@", "SOA", 2, std::string(339, 'A') + "BCDE"[i]);
    auto big = test::make_snapshot({{"example.com.", z}});
    auto t = decode(ask(*big, query("nothere.example.com.", dns::type::A, true, 512)));
    EXPECT_TRUE(t.tc());
    EXPECT_TRUE(t.authority.empty());
}

}  // namespace
}  // namespace fz::engine
