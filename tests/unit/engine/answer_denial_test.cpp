// answer() with DO on zones signed by dnssec-signzone (tests/data/dnssec): the NSEC and
// NSEC3 RRsets that prove NXDOMAIN, NODATA, wildcard answers, empty non-terminals and
// delegations, each with its RRSIGs, in the authority section (RFC 4035 3.1.3-4, RFC
// 5155 7.2). The NSEC3 proofs are checked against hashes worked out here.
#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include "common/encoding.h"
#include "dns/name.h"
#include "dns/nsec3.h"
#include "dns/rrtype.h"
#include "tests/support/dns_test_util.h"

namespace fz::engine {
namespace {

using test::ask;
using test::decode;
using test::Decoded;
using test::DecodedRR;

std::string signed_zone(const std::string& denial) {
    std::ifstream in(std::string(FZ_SOURCE_ROOT) + "/tests/data/dnssec/example.com." + denial + ".zone");
    std::stringstream text;
    text << in.rdbuf();
    EXPECT_TRUE(in) << denial;
    return text.str();
}

std::vector<uint8_t> query(const std::string& name, uint16_t type, uint16_t udp = 1232) {
    return test::edns_query(name, type, true, udp);
}

uint16_t covered(const DecodedRR& rr) { return static_cast<uint16_t>(rr.rdata[0] << 8 | rr.rdata[1]); }

// The RRs of `type` in a section, and a check that each is followed by its RRSIGs.
std::vector<DecodedRR> signed_rrs(const std::vector<DecodedRR>& section, uint16_t type) {
    std::vector<DecodedRR> out;
    for (size_t i = 0; i < section.size(); ++i) {
        if (section[i].type != type) continue;
        out.push_back(section[i]);
        bool signed_after = false;
        for (size_t k = i + 1; k < section.size() && !signed_after; ++k) {
            signed_after = section[k].type == dns::type::RRSIG && covered(section[k]) == type &&
                           section[k].owner == section[i].owner;
        }
        EXPECT_TRUE(signed_after) << section[i].owner << " type " << type << " without its RRSIG";
    }
    return out;
}

std::set<std::string> owners(const std::vector<DecodedRR>& rrs) {
    std::set<std::string> s;
    for (const auto& r : rrs) s.insert(r.owner);
    return s;
}

dns::Name name(const std::string& text) { return *dns::name_from_text(text, nullptr); }

// The NSEC's next owner name.
dns::Name nsec_next(const DecodedRR& rr) {
    const size_t len = dns::wire_name_length(rr.rdata.data(), rr.rdata.size());
    return dns::Name::from_wire(rr.rdata.data(), len);
}

// True when `nsec` covers `n`: owner < n < next, or n past the last owner (ring).
bool nsec_covers(const DecodedRR& nsec, const std::string& n) {
    const dns::Name owner = name(nsec.owner), next = nsec_next(nsec), x = name(n);
    const bool wraps = dns::canonical_compare(next, owner) <= 0;
    return dns::canonical_compare(owner, x) < 0 && (dns::canonical_compare(x, next) < 0 || wraps);
}

std::string nsec3_label(const std::string& n) {
    const dns::Name x = name(n);
    uint8_t hash[dns::kNsec3HashLen];
    dns::nsec3_hash(x.data(), x.size(), nullptr, 0, 0, hash);
    std::string out;
    append_base32hex(out, hash, sizeof hash);
    return out;
}

std::string owner_label(const DecodedRR& rr) { return rr.owner.substr(0, rr.owner.find('.')); }

// The NSEC3's next hashed owner, in base32hex; rdata: alg, flags, iterations(2), salt, hash.
std::string nsec3_next(const DecodedRR& rr) {
    const size_t salt = rr.rdata[4];
    const size_t len = rr.rdata[5 + salt];
    std::string out;
    append_base32hex(out, rr.rdata.data() + 6 + salt, len);
    return out;
}

bool nsec3_opt_out(const DecodedRR& rr) { return rr.rdata[1] & dns::kNsec3FlagOptOut; }

bool nsec3_covers(const DecodedRR& rr, const std::string& n) {
    const std::string h = nsec3_label(n), owner = owner_label(rr), next = nsec3_next(rr);
    return next > owner ? owner < h && h < next : (h > owner || h < next);
}

bool any_covers(const std::vector<DecodedRR>& rrs, const std::string& n, bool nsec3) {
    for (const auto& r : rrs) {
        if (nsec3 ? nsec3_covers(r, n) : nsec_covers(r, n)) return true;
    }
    return false;
}

bool any_matches(const std::vector<DecodedRR>& rrs, const std::string& n) {
    for (const auto& r : rrs) {
        if (owner_label(r) == nsec3_label(n)) return true;
    }
    return false;
}

class Denial : public ::testing::Test {
protected:
    std::unique_ptr<Snapshot> nsec_ = test::make_snapshot({{"example.com.", signed_zone("nsec")}});
    std::unique_ptr<Snapshot> nsec3_ = test::make_snapshot({{"example.com.", signed_zone("nsec3")}});
    std::unique_ptr<Snapshot> optout_ = test::make_snapshot({{"example.com.", signed_zone("optout")}});
};

TEST_F(Denial, NsecNxdomainCoversTheNameAndTheWildcard) {
    Decoded d = decode(ask(*nsec_, query("nothere.example.com.", dns::type::A)));
    ASSERT_TRUE(d.ok);
    EXPECT_EQ(d.rcode, dns::rcode::NXDOMAIN);
    EXPECT_TRUE(d.aa());
    ASSERT_FALSE(d.authority.empty());
    EXPECT_EQ(d.authority[0].type, dns::type::SOA);
    auto nsecs = signed_rrs(d.authority, dns::type::NSEC);
    EXPECT_TRUE(any_covers(nsecs, "nothere.example.com.", false));
    EXPECT_TRUE(any_covers(nsecs, "*.example.com.", false));
    EXPECT_EQ(owners(nsecs), (std::set<std::string>{"mail.example.com.", "example.com."}));
}

TEST_F(Denial, NsecNodataShowsTheTypeBitmapOfTheName) {
    Decoded d = decode(ask(*nsec_, query("www.example.com.", dns::type::TXT)));
    EXPECT_EQ(d.rcode, dns::rcode::NOERROR);
    EXPECT_TRUE(d.answer.empty());
    auto nsecs = signed_rrs(d.authority, dns::type::NSEC);
    ASSERT_EQ(nsecs.size(), 1u);
    EXPECT_EQ(nsecs[0].owner, "www.example.com.");
    EXPECT_EQ(nsecs[0].rdata_text.find("TXT"), std::string::npos);
}

TEST_F(Denial, NsecEmptyNonTerminalIsCoveredByTheNsecBeforeIt) {
    Decoded d = decode(ask(*nsec_, query("a.ent.example.com.", dns::type::TXT)));
    EXPECT_EQ(d.rcode, dns::rcode::NOERROR);
    auto nsecs = signed_rrs(d.authority, dns::type::NSEC);
    ASSERT_EQ(nsecs.size(), 1u);
    EXPECT_EQ(nsecs[0].owner, "dn.example.com.");
    EXPECT_EQ(nsec_next(nsecs[0]).to_text(), "deep.a.ent.example.com.");
}

TEST_F(Denial, NsecWildcardAnswerProvesTheNameItselfAbsent) {
    Decoded d = decode(ask(*nsec_, query("x.wild.example.com.", dns::type::A)));
    EXPECT_EQ(d.rcode, dns::rcode::NOERROR);
    ASSERT_EQ(d.answer.size(), 2u);
    EXPECT_EQ(d.answer[1].type, dns::type::RRSIG);
    EXPECT_EQ(d.answer[1].owner, "x.wild.example.com.");
    EXPECT_EQ(d.answer[1].rdata[3], 3u);  // labels: the wildcard's, "*" not counted
    auto nsecs = signed_rrs(d.authority, dns::type::NSEC);
    ASSERT_EQ(nsecs.size(), 1u);
    EXPECT_TRUE(nsec_covers(nsecs[0], "x.wild.example.com."));

    Decoded nodata = decode(ask(*nsec_, query("x.wild.example.com.", dns::type::TXT)));
    EXPECT_TRUE(nodata.answer.empty());
    auto proof = signed_rrs(nodata.authority, dns::type::NSEC);
    EXPECT_TRUE(any_covers(proof, "x.wild.example.com.", false));
    EXPECT_TRUE(owners(proof).count("*.wild.example.com."));  // no TXT at the wildcard
}

TEST_F(Denial, ReferralsCarryTheDsOrTheProofThereIsNone) {
    Decoded secure = decode(ask(*nsec_, query("host.secure.example.com.", dns::type::A)));
    EXPECT_FALSE(secure.aa());
    EXPECT_EQ(signed_rrs(secure.authority, dns::type::DS).size(), 1u);
    EXPECT_TRUE(signed_rrs(secure.authority, dns::type::NSEC).empty());

    Decoded insecure = decode(ask(*nsec_, query("host.sub.example.com.", dns::type::A)));
    EXPECT_TRUE(signed_rrs(insecure.authority, dns::type::DS).empty());
    auto nsecs = signed_rrs(insecure.authority, dns::type::NSEC);
    ASSERT_EQ(nsecs.size(), 1u);
    EXPECT_EQ(nsecs[0].owner, "sub.example.com.");
    EXPECT_EQ(nsecs[0].rdata_text.find(" DS"), std::string::npos);
    ASSERT_FALSE(insecure.additional.empty());
    EXPECT_EQ(insecure.additional[0].owner, "ns1.sub.example.com.");  // glue, unsigned

    Decoded ds = decode(ask(*nsec_, query("secure.example.com.", dns::type::DS)));
    EXPECT_TRUE(ds.aa());
    EXPECT_EQ(signed_rrs(ds.answer, dns::type::DS).size(), 1u);
}

TEST_F(Denial, DnameIsSignedAndTheRewrittenNameDenied) {
    Decoded d = decode(ask(*nsec_, query("x.dn.example.com.", dns::type::A)));
    EXPECT_EQ(d.rcode, dns::rcode::NXDOMAIN);  // x.www.example.com. does not exist
    EXPECT_EQ(signed_rrs(d.answer, dns::type::DNAME).size(), 1u);
    EXPECT_TRUE(any_covers(signed_rrs(d.authority, dns::type::NSEC), "x.www.example.com.", false));
}

TEST_F(Denial, AdditionalAddressesComeWithTheirSignatures) {
    Decoded d = decode(ask(*nsec_, query("example.com.", dns::type::MX)));
    EXPECT_EQ(signed_rrs(d.answer, dns::type::MX).size(), 1u);
    EXPECT_EQ(signed_rrs(d.additional, dns::type::A).size(), 1u);
}

TEST_F(Denial, Nsec3NxdomainIsAClosestEncloserProofAndAWildcardCover) {
    Decoded d = decode(ask(*nsec3_, query("nothere.example.com.", dns::type::A)));
    EXPECT_EQ(d.rcode, dns::rcode::NXDOMAIN);
    auto nsec3s = signed_rrs(d.authority, dns::type::NSEC3);
    EXPECT_EQ(nsec3s.size(), 3u);
    EXPECT_TRUE(any_matches(nsec3s, "example.com."));               // the closest encloser
    EXPECT_TRUE(any_covers(nsec3s, "nothere.example.com.", true));  // the next closer name
    EXPECT_TRUE(any_covers(nsec3s, "*.example.com.", true));        // no wildcard
    EXPECT_TRUE(signed_rrs(d.authority, dns::type::NSEC).empty());

    Decoded deep = decode(ask(*nsec3_, query("x.y.ent.example.com.", dns::type::A)));
    auto proof = signed_rrs(deep.authority, dns::type::NSEC3);
    EXPECT_TRUE(any_matches(proof, "ent.example.com."));  // an empty non-terminal encloses it
    EXPECT_TRUE(any_covers(proof, "y.ent.example.com.", true));
    EXPECT_TRUE(any_covers(proof, "*.ent.example.com.", true));
}

TEST_F(Denial, Nsec3NodataMatchesTheNameAndWildcardsProveTheirShape) {
    Decoded d = decode(ask(*nsec3_, query("www.example.com.", dns::type::TXT)));
    auto nsec3s = signed_rrs(d.authority, dns::type::NSEC3);
    ASSERT_EQ(nsec3s.size(), 1u);
    EXPECT_TRUE(any_matches(nsec3s, "www.example.com."));

    Decoded ent = decode(ask(*nsec3_, query("a.ent.example.com.", dns::type::TXT)));
    EXPECT_TRUE(any_matches(signed_rrs(ent.authority, dns::type::NSEC3), "a.ent.example.com."));

    Decoded wild = decode(ask(*nsec3_, query("x.wild.example.com.", dns::type::A)));
    ASSERT_EQ(wild.answer.size(), 2u);
    auto cover = signed_rrs(wild.authority, dns::type::NSEC3);
    ASSERT_EQ(cover.size(), 1u);
    EXPECT_TRUE(nsec3_covers(cover[0], "x.wild.example.com."));

    Decoded wild_nodata = decode(ask(*nsec3_, query("x.wild.example.com.", dns::type::TXT)));
    auto proof = signed_rrs(wild_nodata.authority, dns::type::NSEC3);
    EXPECT_TRUE(any_matches(proof, "wild.example.com."));
    EXPECT_TRUE(any_covers(proof, "x.wild.example.com.", true));
    EXPECT_TRUE(any_matches(proof, "*.wild.example.com."));
}

TEST_F(Denial, Nsec3OptOutProvesAnInsecureDelegationByItsClosestProvableEncloser) {
    for (const char* q : {"host.sub.example.com.", "sub.example.com."}) {
        const uint16_t type = std::string(q) == "sub.example.com." ? dns::type::DS : dns::type::A;
        Decoded d = decode(ask(*optout_, query(q, type)));
        auto proof = signed_rrs(d.authority, dns::type::NSEC3);
        EXPECT_TRUE(any_matches(proof, "example.com.")) << q;
        ASSERT_TRUE(any_covers(proof, "sub.example.com.", true)) << q;
        for (const auto& r : proof) {
            if (nsec3_covers(r, "sub.example.com.")) {
                EXPECT_TRUE(nsec3_opt_out(r)) << q;
            }
        }
    }
    // A secure delegation keeps its own NSEC3 in an opt-out chain.
    Decoded secure = decode(ask(*optout_, query("host.secure.example.com.", dns::type::A)));
    EXPECT_EQ(signed_rrs(secure.authority, dns::type::DS).size(), 1u);
}

TEST_F(Denial, AProofThatDoesNotFitTruncatesAndTcpCarriesIt) {
    Decoded small = decode(ask(*nsec3_, query("nothere.example.com.", dns::type::A, 512)));
    EXPECT_TRUE(small.tc());
    Decoded tcp = decode(ask(*nsec3_, query("nothere.example.com.", dns::type::A, 512), Transport::kTcp));
    EXPECT_FALSE(tcp.tc());
    EXPECT_EQ(signed_rrs(tcp.authority, dns::type::NSEC3).size(), 3u);
}

TEST_F(Denial, WithoutDoNoProofIsAdded) {
    for (const auto* snap : {nsec_.get(), nsec3_.get()}) {
        test::QueryBuilder q;
        q.qname = "nothere.example.com.";
        q.edns = true;
        Decoded d = decode(ask(*snap, q.build()));
        EXPECT_EQ(d.rcode, dns::rcode::NXDOMAIN);
        ASSERT_EQ(d.authority.size(), 1u);
        EXPECT_EQ(d.authority[0].type, dns::type::SOA);
    }
}

}  // namespace
}  // namespace fz::engine
