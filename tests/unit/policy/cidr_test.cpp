// CIDR collections: parsing, Route 53's limits, lookups with block widths.
#include "policy/cidr.h"

#include <gtest/gtest.h>

#include "policy_test_util.h"

namespace fz::policy {
namespace {

using testing::client;

TEST(Cidr, ParsesAndLooksUpLongestBlock) {
    auto r = parse_cidr_collections_text(R"({"CidrCollections": [
      {"Id": "c1", "Name": "offices", "Locations": [
        {"LocationName": "paris", "CidrList": ["192.0.0.0/22", "2001:db8:1::/48"]},
        {"LocationName": "paris-lab", "CidrList": ["192.0.2.0/24"]},
        {"LocationName": "wide", "CidrList": ["10.0.0.0/8"]}]}]})",
                                         "cidr.json");
    ASSERT_TRUE(r.ok()) << r.error().to_string();
    const auto* c = r->find("c1");
    ASSERT_NE(c, nullptr);
    EXPECT_EQ(r->find("offices"), c);  // by Name too
    const CidrCollection& col = **c;
    LpmMatch m = col.lookup(client("192.0.2.200"));
    EXPECT_EQ(col.locations[m.value].name, "paris-lab");
    EXPECT_EQ(m.depth, 24);
    m = col.lookup(client("192.0.1.1"));
    EXPECT_EQ(col.locations[m.value].name, "paris");
    EXPECT_EQ(m.depth, 23);  // 192.0.0.0/23: the widest part of the /22 without the lab
    m = col.lookup(client("2001:db8:1:2::1"));
    EXPECT_EQ(col.locations[m.value].name, "paris");
    EXPECT_EQ(m.depth, 48);
    m = col.lookup(client("198.51.100.1"));
    EXPECT_EQ(m.value, kLpmNoValue);
    m = col.lookup(client("10.200.0.1", 24));
    EXPECT_EQ(col.locations[m.value].name, "wide");
    EXPECT_EQ(m.depth, 8);
}

void expect_error(const std::string& collections, const std::string& needle) {
    auto r = parse_cidr_collections_text("{\"CidrCollections\": [" + collections + "]}", "cidr.json");
    ASSERT_FALSE(r.ok()) << collections;
    EXPECT_EQ(r.error().file, "cidr.json");
    EXPECT_NE(r.error().to_string().find(needle), std::string::npos) << r.error().to_string();
}

TEST(Cidr, RejectsWhatRoute53Rejects) {
    expect_error(R"({"Id": "c", "Locations": [{"LocationName": "a", "CidrList": ["192.0.2.1/24"]}]})", "bits set past");
    expect_error(R"({"Id": "c", "Locations": [{"LocationName": "a", "CidrList": ["192.0.2.0/25"]}]})",
                 "longer than Route 53 allows");
    expect_error(R"({"Id": "c", "Locations": [{"LocationName": "a", "CidrList": ["2001:db8::/56"]}]})",
                 "longer than Route 53 allows");
    expect_error(R"({"Id": "c", "Locations": [{"LocationName": "a", "CidrList": ["192.0.2.0/24"]},
                                             {"LocationName": "b", "CidrList": ["192.0.2.0/24"]}]})",
                 "is in both \"a\" and \"b\"");
    expect_error(R"({"Id": "c", "Locations": [{"LocationName": "a", "CidrList": ["192.0.2.0/24"]},
                                             {"LocationName": "a", "CidrList": ["198.51.100.0/24"]}]})",
                 "appears twice");
    expect_error(R"({"Id": "c", "Locations": [{"LocationName": "a*", "CidrList": ["192.0.2.0/24"]}]})", "LocationName");
    expect_error(R"({"Id": "c", "Locations": [{"LocationName": "a", "CidrList": []}]})", "non-empty CidrList");
    expect_error(R"({"Id": "c", "Locations": []}, {"Id": "c", "Locations": []})", "duplicate Id");
    expect_error(R"({"Locations": []})", "missing Id");
}

}  // namespace
}  // namespace fz::policy
