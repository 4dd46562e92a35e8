// GeoIP loading: MaxMind test databases (addresses and answers from their *.source.json),
// broken files, Tor's format.
#include "policy/geoip.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <iterator>

namespace fz::policy {
namespace {

const std::string kGeoDir = FZ_SOURCE_ROOT "/../shared/data/geoip/";

const GeoLocation* locate(const GeoDatabase& db, const char* address, LpmMatch* match = nullptr) {
    auto c = parse_client(address);
    EXPECT_TRUE(c.has_value()) << address;
    const LpmMatch m = db.lookup(*c);
    if (match) *match = m;
    if (m.value == kLpmNoValue) return nullptr;
    return &db.locations()[m.value];
}

TEST(GeoIp, CityDatabaseMapsNetworksAsItsSourceSays) {
    auto db = load_geoip(kGeoDir + "GeoIP2-City-Test.mmdb");
    ASSERT_TRUE(db.ok()) << db.error().to_string();
    // ::81.2.69.142/127 -> EU GB ENG (51.5142, -0.0931)
    LpmMatch m{};
    const GeoLocation* l = locate(**db, "81.2.69.142", &m);
    ASSERT_NE(l, nullptr);
    EXPECT_EQ(l->continent, "EU");
    EXPECT_EQ(l->country, "GB");
    EXPECT_EQ(l->subdivision, "ENG");
    EXPECT_TRUE(l->has_coordinates);
    EXPECT_NEAR(l->latitude, 51.5142, 1e-4);
    EXPECT_NEAR(l->longitude, -0.0931, 1e-4);
    // The source lists 81.2.69.142/127, .144/124, .160/123, .192/124 with the same place:
    // neighbours of equal value merge, so the block is at least the /127.
    EXPECT_LE(m.depth, 31);
    EXPECT_GE(m.depth, 24);
    // ::216.160.83.56/125 -> NA US WA
    l = locate(**db, "216.160.83.57");
    ASSERT_NE(l, nullptr);
    EXPECT_EQ(l->country, "US");
    EXPECT_EQ(l->subdivision, "WA");
    EXPECT_EQ(l->continent, "NA");
    // ::175.16.199.0/120 -> AS CN 22
    l = locate(**db, "175.16.199.7");
    ASSERT_NE(l, nullptr);
    EXPECT_EQ(l->country, "CN");
    EXPECT_EQ(l->subdivision, "22");
    // 2001:218::/32 -> AS JP
    l = locate(**db, "2001:218:1::5", &m);
    ASSERT_NE(l, nullptr);
    EXPECT_EQ(l->country, "JP");
    EXPECT_EQ(l->continent, "AS");
    EXPECT_LE(m.depth, 32);
    // Not in the database.
    EXPECT_EQ(locate(**db, "1.2.3.4"), nullptr);
    EXPECT_EQ(locate(**db, "2001:db8::1"), nullptr);
}

TEST(GeoIp, Ipv4MappedAddressesUseTheIpv4Table) {
    auto db = load_geoip(kGeoDir + "GeoIP2-City-Test.mmdb");
    ASSERT_TRUE(db.ok());
    const GeoLocation* l = locate(**db, "::ffff:81.2.69.142");
    ASSERT_NE(l, nullptr);
    EXPECT_EQ(l->country, "GB");
}

TEST(GeoIp, CountryDatabasesHaveNoCoordinates) {
    for (const char* name : {"GeoIP2-Country-Test.mmdb", "GeoLite2-Country-Test.mmdb"}) {
        auto db = load_geoip(kGeoDir + name);
        ASSERT_TRUE(db.ok()) << db.error().to_string();
        const GeoLocation* l = locate(**db, "89.160.20.115");  // ::89.160.20.112/124 -> EU SE
        ASSERT_NE(l, nullptr) << name;
        EXPECT_EQ(l->country, "SE");
        EXPECT_EQ(l->continent, "EU");
        EXPECT_FALSE(l->has_coordinates);
    }
}

TEST(GeoIp, GeoLiteCityLoads) {
    auto db = load_geoip(kGeoDir + "GeoLite2-City-Test.mmdb");
    ASSERT_TRUE(db.ok()) << db.error().to_string();
    const GeoLocation* l = locate(**db, "89.160.20.115");
    ASSERT_NE(l, nullptr);
    EXPECT_EQ(l->country, "SE");
    EXPECT_EQ(l->subdivision, "E");
}

TEST(GeoIp, BrokenDatabasesFailNamingTheFile) {
    for (const char* name : {"GeoIP2-City-Test-Invalid-Node-Count.mmdb", "MaxMind-DB-test-broken-pointers-24.mmdb",
                             "MaxMind-DB-test-broken-search-tree-24.mmdb"}) {
        auto db = load_geoip(kGeoDir + name);
        ASSERT_FALSE(db.ok()) << name;
        EXPECT_NE(db.error().to_string().find(name), std::string::npos) << db.error().to_string();
        EXPECT_NE(db.error().message.find_first_of("abcdefghijklmnopqrstuvwxyz"), std::string::npos);
    }
}

TEST(GeoIp, AsnDatabaseIsRejected) {
    auto db = load_geoip(kGeoDir + "GeoLite2-ASN-Test.mmdb");
    ASSERT_FALSE(db.ok());
    EXPECT_NE(db.error().message.find("no country or continent"), std::string::npos) << db.error().to_string();
}

TEST(GeoIp, MissingFileFails) {
    auto db = load_geoip("/nonexistent/GeoLite2-City.mmdb");
    ASSERT_FALSE(db.ok());
    EXPECT_EQ(db.error().file, "/nonexistent/GeoLite2-City.mmdb");
}

TEST(GeoIp, TorFormatRangesBecomePrefixes) {
    const std::string dir = ::testing::TempDir();
    const std::string v4 = dir + "fz_geoip_test", v6 = dir + "fz_geoip_test6";
    {
        std::ofstream(v4) << "# comment\n16777216,16777471,AU\n16777472,16778239,CN\n3221225984,3221226239,??\n";
        std::ofstream(v6) << "# comment\n2001:200::,2001:200:134:ffff:ffff:ffff:ffff:ffff,JP\n";
    }
    auto db = load_geoip(v4);
    ASSERT_TRUE(db.ok()) << db.error().to_string();
    const GeoLocation* l = locate(**db, "1.0.0.77");
    ASSERT_NE(l, nullptr);
    EXPECT_EQ(l->country, "AU");
    EXPECT_EQ(l->continent, "OC");
    l = locate(**db, "1.0.3.1");  // 16777472..16778239 = 1.0.1.0 - 1.0.3.255
    ASSERT_NE(l, nullptr);
    EXPECT_EQ(l->country, "CN");
    EXPECT_EQ(locate(**db, "192.0.2.1"), nullptr);  // "??"
    l = locate(**db, "2001:200:100::1");
    ASSERT_NE(l, nullptr);
    EXPECT_EQ(l->country, "JP");
    std::ofstream(v4) << "1,2\n";
    auto bad = load_geoip(v4, GeoFormat::kTor);
    ASSERT_FALSE(bad.ok());
    EXPECT_EQ(bad.error().line, 1u);
    std::remove(v4.c_str());
    std::remove(v6.c_str());
}

// Before: a truncated or garbage .mmdb lacked the metadata marker at its end and was read
// as a Tor text file ("expected 'first,last,COUNTRY'").
TEST(GeoIp, TruncatedOrGarbageMmdbIsReportedAsMaxMind) {
    std::ifstream whole(kGeoDir + "GeoIP2-City-Test.mmdb", std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(whole)), std::istreambuf_iterator<char>());
    ASSERT_GT(bytes.size(), 4096u);
    const std::string truncated = ::testing::TempDir() + "fz_truncated.mmdb";
    std::ofstream(truncated, std::ios::binary) << bytes.substr(0, bytes.size() / 2);
    const std::string garbage = ::testing::TempDir() + "fz_garbage.mmdb";
    {
        std::ofstream out(garbage, std::ios::binary);
        for (int i = 0; i < 8192; ++i) out.put(static_cast<char>((i * 131 + 7) & 0xff));
    }
    for (const std::string& path : {truncated, garbage}) {
        auto db = load_geoip(path);
        ASSERT_FALSE(db.ok()) << path;
        EXPECT_EQ(db.error().file, path);
        EXPECT_NE(db.error().message.find("MaxMind"), std::string::npos) << db.error().to_string();
        EXPECT_EQ(db.error().message.find("first,last"), std::string::npos) << db.error().to_string();
        std::remove(path.c_str());
    }
}

}  // namespace
}  // namespace fz::policy
