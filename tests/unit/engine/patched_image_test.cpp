// A patched zone image (zone/patch.h) answers every query byte for byte as the image
// compiled whole from the same records does; edits the patcher cannot take are refused.
#include "zone/patch.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <set>

#include "dns/rrtype.h"
#include "tests/support/dns_test_util.h"
#include "zone/check.h"
#include "zone/compiler.h"
#include "zone/master_parser.h"
#include "zone/rdata_text.h"

namespace fz::engine {
namespace {

constexpr const char* kZone = R"(
$ORIGIN example.com.
$TTL 3600
@        SOA   ns1 hostmaster 2026112601 7200 3600 1209600 300
@        NS    ns1
@        NS    ns2.example.net.
@        MX    10 mail
@        MX    20 later
@        A     192.0.2.1
ns1      A     192.0.2.53
mail     A     192.0.2.25
www      A     192.0.2.10
www      AAAA  2001:db8::10
alias    CNAME www
a.b.c    A     192.0.2.90
deep.leaf.e A  192.0.2.91
*.wild   A     192.0.2.80
sub      NS    ns1.sub
ns1.sub  A     192.0.2.99
_sip._udp SRV  10 60 5060 sip
sip      TXT   "no address yet"
)";

const dns::Name kOrigin = *dns::name_from_text("example.com.", nullptr);

struct Edit {
    std::string owner;  // relative to example.com.
    uint16_t type;
    std::vector<std::string> values;  // presentation form; empty: delete
    uint32_t ttl = 300;
};

dns::Name owner_of(const std::string& rel) {
    return *dns::name_from_text(rel == "@" ? "example.com." : rel + ".example.com.", nullptr);
}

zone::RRsetEdit to_edit(const Edit& e) {
    zone::RRsetEdit out;
    out.owner = owner_of(e.owner);
    out.type = e.type;
    out.ttl = e.ttl;
    for (const auto& v : e.values) {
        auto rd = zone::rdata_from_text(e.type, v, kOrigin);
        EXPECT_TRUE(rd.ok()) << v;
        if (rd.ok()) out.rdatas.push_back(*rd);
    }
    return out;
}

// The records with each edit's owner and type replaced.
zone::ZoneSource edited(zone::ZoneSource src, const std::vector<zone::RRsetEdit>& edits) {
    for (const auto& e : edits) {
        auto& r = src.records;
        r.erase(std::remove_if(r.begin(), r.end(),
                               [&](const zone::Record& x) { return x.owner == e.owner && x.type == e.type; }),
                r.end());
        for (const auto& rd : e.rdatas) {
            zone::Record rec;
            rec.owner = e.owner;
            rec.type = e.type;
            rec.ttl = e.ttl;
            rec.rdata = rd;
            src.records.push_back(rec);
        }
    }
    return src;
}

bool has_descendants(const zone::ZoneSource& src, const dns::Name& name) {
    return std::any_of(src.records.begin(), src.records.end(),
                       [&](const zone::Record& r) { return r.owner.is_subdomain_of(name) && !(r.owner == name); });
}

std::unique_ptr<Snapshot> serving(std::shared_ptr<const zone::ZoneImage> image) {
    auto snap = std::make_unique<Snapshot>();
    snap->zones.push_back(std::move(image));
    EXPECT_TRUE(snap->finish().ok());
    return snap;
}

// Every owner of either zone, a name below each, some that never exist; common types.
void expect_same_answers(const Snapshot& patched, const Snapshot& compiled, const zone::ZoneSource& a,
                         const zone::ZoneSource& b) {
    std::set<std::string> names = {"example.com.",        "nothere.example.com.", "b.c.example.com.", "c.example.com.",
                                   "x.wild.example.com.", "leaf.e.example.com.",  "e.example.com."};
    for (const auto* src : {&a, &b}) {
        for (const auto& r : src->records) {
            names.insert(r.owner.to_text());
            names.insert("below." + r.owner.to_text());
        }
    }
    const uint16_t types[] = {dns::type::A,     dns::type::AAAA, dns::type::TXT,
                              dns::type::MX,    dns::type::SOA,  dns::type::NS,
                              dns::type::CNAME, dns::type::SRV,  255};
    for (const auto& name : names) {
        for (uint16_t t : types) {
            for (bool edns : {false, true}) {
                test::QueryBuilder q;
                q.qname = name;
                q.qtype = t;
                q.edns = edns;
                auto query = q.build();
                EXPECT_EQ(test::ask(patched, query), test::ask(compiled, query))
                    << name << " type " << t << (edns ? " with EDNS" : "");
            }
        }
    }
}

class PatchedImage : public ::testing::Test {
protected:
    void SetUp() override {
        auto src = zone::parse_zone_text(kZone, "test.zone", kOrigin);
        ASSERT_TRUE(src.ok()) << src.error().to_string();
        base_ = std::move(*src);
        auto image = zone::compile_zone(base_);
        ASSERT_TRUE(image.ok());
        image_ = *image;
    }

    // Patches the current image with `edits` and compares it with a whole compile.
    void patch_and_compare(const std::vector<Edit>& edits) {
        std::vector<zone::RRsetEdit> e;
        for (const auto& x : edits) e.push_back(to_edit(x));
        zone::ZoneSource expect = edited(base_, e);
        ASSERT_TRUE(zone::check_zone(expect).ok());
        auto patched = zone::patch_zone(*image_, e, [&](const dns::Name& n) { return has_descendants(expect, n); });
        ASSERT_NE(patched.image, nullptr) << patched.why_not;
        auto compiled = zone::compile_zone(expect);
        ASSERT_TRUE(compiled.ok());
        EXPECT_EQ(patched.image->header().node_count, (*compiled)->header().node_count);
        EXPECT_EQ(patched.image->header().record_count, (*compiled)->header().record_count);
        auto ps = serving(patched.image);
        auto cs = serving(*compiled);
        expect_same_answers(*ps, *cs, base_, expect);
        base_ = std::move(expect);
        image_ = patched.image;
    }

    std::string refusal(const std::vector<Edit>& edits) {
        std::vector<zone::RRsetEdit> e;
        for (const auto& x : edits) e.push_back(to_edit(x));
        auto patched = zone::patch_zone(*image_, e, [](const dns::Name&) { return false; });
        return patched.image == nullptr ? patched.why_not : "";
    }

    zone::ZoneSource base_;
    std::shared_ptr<const zone::ZoneImage> image_;
};

TEST_F(PatchedImage, ReplacesAnRRsetInPlace) {
    patch_and_compare({{"www", dns::type::A, {"192.0.2.200", "192.0.2.7"}}});
}

TEST_F(PatchedImage, AMailTargetThatMovesKeepsItsAdditionalAddress) {
    patch_and_compare({{"mail", dns::type::TXT, {"\"now with text\""}}});
    patch_and_compare({{"mail", dns::type::A, {"192.0.2.26"}}});
}

TEST_F(PatchedImage, ANewNameBringsItsEmptyNonTerminals) {
    patch_and_compare({{"deep.new.name", dns::type::A, {"192.0.2.44"}}});
}

TEST_F(PatchedImage, ANameThatGoesTakesItsEmptyAncestors) {
    patch_and_compare({{"a.b.c", dns::type::A, {}}});
    patch_and_compare({{"deep.leaf.e", dns::type::A, {}}});
}

TEST_F(PatchedImage, AnEmptiedNameWithDataBelowStaysAnEmptyNonTerminal) {
    patch_and_compare({{"x.www", dns::type::A, {"192.0.2.5"}}});
    patch_and_compare({{"www", dns::type::A, {}}, {"www", dns::type::AAAA, {}}});
}

TEST_F(PatchedImage, TargetsThatGainOrLoseAddressesChangeTheAdditionalSection) {
    patch_and_compare({{"later", dns::type::AAAA, {"2001:db8::25"}}});  // MX target, first address
    patch_and_compare({{"sip", dns::type::A, {"192.0.2.60"}}});         // SRV target
    patch_and_compare({{"mail", dns::type::A, {}}});                    // loses its only address
    patch_and_compare({{"@", dns::type::MX, {"5 www", "10 mail"}}});
}

TEST_F(PatchedImage, TheSoaOfNegativeAnswersFollowsASerialChange) {
    patch_and_compare({{"@", dns::type::SOA, {"ns1 hostmaster 2026112602 7200 3600 1209600 60"}, 600}});
}

TEST_F(PatchedImage, ANameBesideAWildcardStopsItsSynthesis) {
    patch_and_compare({{"x.wild", dns::type::TXT, {"\"exact now\""}}});
}

TEST_F(PatchedImage, CnamesComeAndGo) {
    patch_and_compare({{"fresh", dns::type::CNAME, {"www"}}});
    patch_and_compare({{"alias", dns::type::CNAME, {}}, {"alias", dns::type::TXT, {"\"plain now\""}}});
}

TEST_F(PatchedImage, ManyPatchesInARowMatchWholeCompiles) {
    std::mt19937 rng(7);
    const std::vector<std::string> owners = {"n0", "n1", "n2", "x.n1", "y.x.n1", "www", "mail", "later", "@"};
    const std::vector<uint16_t> types = {dns::type::A, dns::type::AAAA, dns::type::TXT, dns::type::MX};
    for (int round = 0; round < 60; ++round) {
        Edit e{owners[rng() % owners.size()], types[rng() % types.size()], {}};
        int values = static_cast<int>(rng() % 3);
        for (int v = 0; v < values; ++v) {
            switch (e.type) {
                case dns::type::A: e.values.push_back("192.0.2." + std::to_string(rng() % 250)); break;
                case dns::type::AAAA: e.values.push_back("2001:db8::" + std::to_string(rng() % 250)); break;
                case dns::type::TXT: e.values.push_back("\"t" + std::to_string(rng() % 9) + "\""); break;
                default: e.values.push_back(std::to_string(rng() % 9) + " " + owners[rng() % 4]); break;
            }
        }
        if (e.owner == "@" && e.type == dns::type::MX && e.values.empty()) continue;
        SCOPED_TRACE("round " + std::to_string(round) + ": " + e.owner + " type " + std::to_string(e.type));
        patch_and_compare({e});
        if (HasFatalFailure()) return;
    }
}

TEST_F(PatchedImage, ManyNewNamesAtOnceAreLeftToAWholeCompile) {
    std::vector<Edit> bulk;
    for (int i = 0; i < 100; ++i) bulk.push_back({"n" + std::to_string(i) + ".bulk", dns::type::A, {"192.0.2.1"}});
    EXPECT_EQ(refusal(bulk), "the name table would be too full");
}

TEST_F(PatchedImage, RefusesWhatReachesOtherNames) {
    EXPECT_NE(refusal({{"deleg", dns::type::NS, {"ns.example.net."}}}), "");
    EXPECT_NE(refusal({{"*.new", dns::type::A, {"192.0.2.1"}}}), "");
    EXPECT_NE(refusal({{"ns1.sub", dns::type::A, {"192.0.2.98"}}}), "");
    EXPECT_NE(refusal({{"deeper.ns1.sub", dns::type::A, {"192.0.2.98"}}}), "");
    EXPECT_NE(refusal({{"www", dns::type::CNAME, {"mail"}}}), "");
    EXPECT_NE(refusal({{"www", dns::type::SOA, {"ns1 hostmaster 1 2 3 4 5"}}}), "");
}

}  // namespace
}  // namespace fz::engine
