// Tests for zone-level checks: SOA/NS at the apex, CNAME and DNAME rules, delegations.
#include "zone/check.h"

#include <gtest/gtest.h>

#include <string>

#include "dns/wire.h"
#include "zone/master_parser.h"

namespace fz::zone {
namespace {

const dns::Name& example() {
    static const dns::Name o = *dns::name_from_text("example.com.", nullptr);
    return o;
}

// Lines 1-4.
constexpr const char* kHead =
    "$TTL 3600\n"
    "@ SOA ns1 hostmaster 1 7200 900 1209600 300\n"
    "@ NS ns1\n"
    "ns1 A 192.0.2.53\n";

ZoneSource zone_of(const std::string& text) {
    auto r = parse_zone_text(text, "check.zone", example());
    EXPECT_TRUE(r.ok()) << r.error().to_string();
    return r.ok() ? std::move(*r) : ZoneSource{};
}

Error check_error(const std::string& text) {
    ZoneSource z = zone_of(text);
    Status s = check_zone(z);
    EXPECT_FALSE(s.ok()) << "zone passed the checks";
    return s.ok() ? Error{} : s.error();
}

#define EXPECT_CHECK_ERROR(text, want_line, part)                               \
    do {                                                                        \
        Error e_ = check_error(text);                                           \
        EXPECT_EQ(e_.file, "check.zone");                                       \
        EXPECT_EQ(e_.line, static_cast<uint32_t>(want_line)) << e_.to_string(); \
        EXPECT_NE(e_.message.find(part), std::string::npos) << e_.to_string();  \
    } while (0)

#define EXPECT_CHECK_OK(text)                           \
    do {                                                \
        ZoneSource z_ = zone_of(text);                  \
        Status s_ = check_zone(z_);                     \
        EXPECT_TRUE(s_.ok()) << s_.error().to_string(); \
    } while (0)

TEST(CheckTest, ValidZone) {
    EXPECT_CHECK_OK(std::string(kHead) +
                    "www A 192.0.2.1\n"
                    "alias CNAME www\n"
                    "alias RRSIG CNAME 8 3 3600 20300101000000 20240101000000 1 example.com. AQ==\n"
                    "alias NSEC www.example.com. CNAME RRSIG NSEC\n"
                    "*.wild A 192.0.2.2\n"
                    "sub NS ns.sub\n"
                    "sub DS 1 8 2 ABCD\n"
                    "ns.sub A 192.0.2.10\n"
                    "ns.sub AAAA 2001:db8::10\n"
                    "sub A 192.0.2.11\n"
                    "redirect DNAME example.net.\n"
                    "redirect A 192.0.2.12\n"
                    "outside NS ns.example.net.\n");
}

TEST(CheckTest, MissingSoa) {
    ZoneSource z = zone_of("$TTL 1\n@ NS ns1\n");
    Status s = check_zone(z);
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().file, "check.zone");
    EXPECT_EQ(s.error().line, 0u);
    EXPECT_EQ(s.error().message, "no SOA record at the zone apex example.com.");
}

TEST(CheckTest, MissingApexNs) {
    ZoneSource z = zone_of("$TTL 1\n@ SOA ns1 h 1 2 3 4 5\nwww A 192.0.2.1\n");
    Status s = check_zone(z);
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().line, 0u);
    EXPECT_EQ(s.error().message, "no NS records at the zone apex example.com.");
}

TEST(CheckTest, SoaMustBeAtTheApexAndUnique) {
    EXPECT_CHECK_ERROR(std::string(kHead) + "sub SOA ns1 h 1 2 3 4 5\n", 5,
                       "SOA record at sub.example.com. is not at the zone apex example.com.");
    EXPECT_CHECK_ERROR(std::string(kHead) + "@ SOA ns2 h 2 2 3 4 5\n", 5, "more than one SOA record");
}

TEST(CheckTest, CnameBesideOtherData) {
    EXPECT_CHECK_ERROR(std::string(kHead) + "www A 192.0.2.1\nwww CNAME other\n", 6,
                       "CNAME at www.example.com. beside other data (A at line 5)");
    EXPECT_CHECK_ERROR(std::string(kHead) + "www CNAME other\nwww MX 10 mail\n", 6,
                       "MX at www.example.com. beside a CNAME (line 5)");
    EXPECT_CHECK_ERROR(std::string(kHead) + "WWW CNAME other\nwww TXT x\n", 6, "beside a CNAME");
}

TEST(CheckTest, AtMostOneCname) {
    EXPECT_CHECK_ERROR(std::string(kHead) + "www CNAME a\nwww CNAME b\n", 6,
                       "more than one CNAME at www.example.com. (first at line 5)");
}

TEST(CheckTest, CnameAtTheApex) {
    EXPECT_CHECK_ERROR("$TTL 1\n@ CNAME other.example.net.\n", 2, "CNAME at the zone apex example.com.");
}

TEST(CheckTest, DnameRules) {
    EXPECT_CHECK_ERROR(std::string(kHead) + "d DNAME a.example.net.\nd DNAME b.example.net.\n", 6,
                       "more than one DNAME at d.example.com.");
    EXPECT_CHECK_ERROR(std::string(kHead) + "d DNAME a.example.net.\nd CNAME x\n", 6,
                       "CNAME at d.example.com. beside other data (DNAME");
    EXPECT_CHECK_ERROR(std::string(kHead) + "d CNAME x\nd DNAME a.example.net.\n", 6,
                       "DNAME at d.example.com. beside a CNAME");
    EXPECT_CHECK_ERROR(std::string(kHead) + "d DNAME a.example.net.\nx.y.d A 192.0.2.1\n", 6,
                       "x.y.d.example.com. is below the DNAME at d.example.com. (line 5)");
    EXPECT_CHECK_ERROR(std::string(kHead) + "x.d A 192.0.2.1\nd DNAME a.example.net.\n", 5, "below the DNAME");
}

TEST(CheckTest, DnameAtTheApexForbidsEveryOtherName) {
    EXPECT_CHECK_OK("$TTL 1\n@ SOA ns.example.net. h 1 2 3 4 5\n@ NS ns.example.net.\n@ DNAME example.net.\n");
    EXPECT_CHECK_ERROR(
        "$TTL 1\n@ SOA ns.example.net. h 1 2 3 4 5\n@ NS ns.example.net.\n@ DNAME example.net.\n"
        "www A 192.0.2.1\n",
        5, "below the DNAME at example.com.");
}

TEST(CheckTest, OnlyGlueBelowADelegation) {
    EXPECT_CHECK_ERROR(std::string(kHead) + "sub NS ns.sub\nns.sub A 192.0.2.1\nx.sub TXT occluded\n", 7,
                       "TXT record at x.sub.example.com. is occluded by the delegation at sub.example.com. (line 5)");
    EXPECT_CHECK_ERROR(std::string(kHead) + "deep.x.sub MX 1 mail\nsub NS ns.example.net.\n", 5, "occluded");
    EXPECT_CHECK_ERROR(std::string(kHead) + "sub NS ns.example.net.\nchild.sub NS ns.example.net.\n", 6,
                       "NS record at child.sub.example.com. is occluded");
    EXPECT_CHECK_ERROR(std::string(kHead) + "sub NS ns.example.net.\nsub MX 10 mail\n", 6,
                       "MX record at sub.example.com. is occluded by the delegation to its NS records");
    EXPECT_CHECK_OK(std::string(kHead) + "sub NS ns.sub\nns.sub A 192.0.2.1\nns.sub AAAA ::1\nsub DS 1 1 1 00\n");
}

TEST(CheckTest, CnameAtADelegationPoint) {
    EXPECT_CHECK_ERROR(std::string(kHead) + "sub NS ns.example.net.\nsub CNAME x\n", 6, "beside other data (NS");
}

TEST(CheckTest, OwnersAndClassOfHandBuiltZones) {
    ZoneSource z = zone_of(kHead);
    ASSERT_EQ(z.records.size(), 3u);
    Record stray = z.records[2];
    stray.owner = *dns::name_from_text("ns1.example.org.", nullptr);
    stray.line = 9;
    z.records.push_back(stray);
    Status s = check_zone(z);
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().line, 9u);
    EXPECT_EQ(s.error().message, "owner ns1.example.org. is outside zone example.com.");

    z.records.pop_back();
    Record chaos = z.records[2];
    chaos.rclass = dns::rrclass::CH;
    chaos.line = 10;
    z.records.push_back(chaos);
    s = check_zone(z);
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().line, 10u);
    EXPECT_NE(s.error().message.find("class CH"), std::string::npos) << s.error().message;
}

TEST(CheckTest, ErrorsNameTheIncludedFile) {
    ZoneSource z = zone_of(std::string(kHead) + "www A 192.0.2.1\n");
    z.files.push_back("hosts.inc");
    Record cname = z.records.back();
    cname.type = dns::type::CNAME;
    cname.rdata = example().bytes();
    cname.file_id = 1;
    cname.line = 3;
    z.records.push_back(cname);
    Status s = check_zone(z);
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().to_string(), "hosts.inc:3: CNAME at www.example.com. beside other data (A at line 5)");
}

TEST(CheckTest, LargeZoneWithManyNames) {
    std::string text = kHead;
    for (int i = 0; i < 50000; ++i) {
        text += 'h';
        text += std::to_string(i);
        text += " A 10.0.0.1\n";
    }
    text += "d7 NS ns.example.net.\n";
    EXPECT_CHECK_OK(text);
    EXPECT_CHECK_ERROR(text + "x.d7 TXT hidden\n", 50006, "occluded");
}

}  // namespace
}  // namespace fz::zone

namespace fz::zone {
namespace {

// A signed zone's records, as a signer writes them (signatures need not verify here).
constexpr const char* kSigned =
    "@ DNSKEY 257 3 13 mdsswUyr3DPW132mOi8V9xESWE8jTo0dxCjjnopKl+GqJxpVXckHAeF+KkxLbxILfDLUT0rAK9iUzy1L53eKGQ==\n"
    "@ RRSIG SOA 13 2 3600 20261231000000 20261201000000 12345 example.com. "
    "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc4OTo7PD0+Pw==\n";

TEST(CheckDnssec, Nsec3WithoutNsec3ParamIsRefusedAtLoad) {
    const std::string text =
        std::string(kHead) + kSigned +
        "vhgdkkrmgmla3ej30ju41g8cmpgrh4il NSEC3 1 0 0 - 0p9mhaveqvm6t7vbl5lop2u3t2rp3tom A RRSIG\n";
    Error e = check_error(text);
    EXPECT_NE(e.message.find("NSEC3 records without an NSEC3PARAM"), std::string::npos) << e.message;
    EXPECT_EQ(e.line, 7u);
    ZoneSource with_param = zone_of(text + "@ NSEC3PARAM 1 0 0 -\n");
    EXPECT_TRUE(check_zone(with_param).ok());
}

TEST(CheckDnssec, AnRrsigForAMissingRrsetIsAWarning) {
    const std::string text =
        std::string(kHead) + kSigned +
        "www A 192.0.2.80\n"
        "www RRSIG MX 13 3 3600 20261231000000 20261201000000 12345 example.com. "
        "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc4OTo7PD0+Pw==\n";
    ZoneSource z = zone_of(text);
    std::vector<Error> warnings;
    ASSERT_TRUE(check_zone(z, &warnings).ok());
    ASSERT_EQ(warnings.size(), 1u);
    EXPECT_EQ(warnings[0].line, 8u);
    EXPECT_NE(warnings[0].message.find("RRSIG at www.example.com. covers MX, but there is no MX RRset"),
              std::string::npos)
        << warnings[0].message;
    std::vector<Error> none;
    ASSERT_TRUE(check_zone(zone_of(std::string(kHead) + kSigned), &none).ok());
    EXPECT_TRUE(none.empty()) << none.front().message;  // the apex SOA's RRSIG covers the SOA
}

TEST(CheckDnssec, Nsec3ParamBeyondRfc9276IsAnErrorOrAWarning) {
    const std::string text = std::string(kHead) + kSigned;
    Error many = check_error(text + "@ NSEC3PARAM 1 0 151 -\n");
    EXPECT_NE(many.message.find("151 iterations: over 150"), std::string::npos) << many.message;
    EXPECT_EQ(many.line, 7u);
    Error alg = check_error(text + "@ NSEC3PARAM 2 0 0 -\n");
    EXPECT_NE(alg.message.find("hash algorithm 2"), std::string::npos) << alg.message;
    std::vector<Error> warnings;
    ASSERT_TRUE(check_zone(zone_of(text + "@ NSEC3PARAM 1 0 10 aabbccdd\n"), &warnings).ok());
    ASSERT_EQ(warnings.size(), 1u);
    EXPECT_NE(warnings[0].message.find("10 iterations and a salt of 4 bytes"), std::string::npos)
        << warnings[0].message;
    std::vector<Error> none;
    ASSERT_TRUE(check_zone(zone_of(text + "@ NSEC3PARAM 1 0 0 -\n"), &none).ok());
    EXPECT_TRUE(none.empty());
}

}  // namespace
}  // namespace fz::zone
