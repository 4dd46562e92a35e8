// Change batches: Route 53's rules and messages, whole-or-nothing, serials.
#include "change/batch.h"

#include <gtest/gtest.h>

#include "dns/rrtype.h"

namespace fz::change {
namespace {

policy::RecordSet rs(const std::string& name, const std::string& type, std::vector<std::string> values,
                     uint32_t ttl = 300) {
    std::string json = "{\"ResourceRecordSets\": [{\"Name\": \"" + name + "\", \"Type\": \"" + type +
                       "\", \"TTL\": " + std::to_string(ttl) + ", \"ResourceRecords\": [";
    for (size_t i = 0; i < values.size(); ++i)
        json += (i ? "," : "") + std::string("{\"Value\": \"") + values[i] + "\"}";
    json += "]}]}";
    auto origin = dns::name_from_text("example.com.", nullptr);
    auto f = policy::parse_record_sets_text(json, "test.json", *origin, policy::RecordSetOptions{true});
    EXPECT_TRUE(f.ok()) << f.error().to_string();
    return f.ok() ? f->record_sets.front() : policy::RecordSet{};
}

policy::RecordSet weighted(const std::string& name, const std::string& id, int weight, const std::string& value) {
    std::string json = "[{\"Name\": \"" + name + "\", \"Type\": \"A\", \"TTL\": 60, \"SetIdentifier\": \"" + id +
                       "\", \"Weight\": " + std::to_string(weight) + ", \"ResourceRecords\": [{\"Value\": \"" + value +
                       "\"}]}]";
    auto f = policy::parse_record_sets_text(json, "test.json", *dns::name_from_text("example.com.", nullptr));
    EXPECT_TRUE(f.ok()) << f.error().to_string();
    return f.ok() ? f->record_sets.front() : policy::RecordSet{};
}

ZoneContent zone() {
    ZoneContent z;
    z.id = "ZTEST";
    z.origin = *dns::name_from_text("example.com.", nullptr);
    z.record_sets = {rs("example.com.", "SOA", {"ns1.example.net. hostmaster.example.com. 7 7200 900 1209600 86400"}),
                     rs("example.com.", "NS", {"ns1.example.net.", "ns2.example.net."}),
                     rs("www.example.com.", "A", {"192.0.2.1"})};
    z.sort();
    return z;
}

Batch batch(std::initializer_list<Change> changes) { return Batch{std::vector<Change>(changes), ""}; }

TEST(ChangeBatch, CreateDeleteUpsertApplyInOrderAndRaiseTheSerial) {
    BatchErrors e;
    ZoneContent z = zone();
    ZoneContent out = apply_batch(z,
                                  batch({{Action::kCreate, rs("api.example.com.", "A", {"192.0.2.7"})},
                                         {Action::kDelete, rs("www.example.com.", "A", {"192.0.2.1"})},
                                         {Action::kCreate, rs("www.example.com.", "AAAA", {"2001:db8::1"})},
                                         {Action::kUpsert, rs("api.example.com.", "A", {"192.0.2.8"})}}),
                                  SerialPolicy::kIncrement, 0, e);
    ASSERT_TRUE(e.empty()) << e.messages.front();
    EXPECT_EQ(out.serial(), 8u);
    EXPECT_EQ(out.version, z.version + 1);
    ASSERT_NE(out.find(key_of(*dns::name_from_text("api.example.com.", nullptr), dns::type::A)), nullptr);
    EXPECT_EQ(out.find(key_of(*dns::name_from_text("api.example.com.", nullptr), dns::type::A))->values,
              std::vector<std::string>{"192.0.2.8"});
    EXPECT_EQ(out.find(key_of(*dns::name_from_text("www.example.com.", nullptr), dns::type::A)), nullptr);
    // Route 53's order: reversed labels, then type.
    std::vector<std::string> order;
    for (const auto& r : out.record_sets) order.push_back(r.name.to_text() + " " + dns::type_to_text(r.type));
    EXPECT_EQ(order, (std::vector<std::string>{"example.com. NS", "example.com. SOA", "api.example.com. A",
                                               "www.example.com. AAAA"}));
}

TEST(ChangeBatch, ErrorsAreRoute53sOnePerBadChange) {
    BatchErrors e;
    apply_batch(zone(),
                batch({{Action::kCreate, rs("www.example.com.", "A", {"192.0.2.9"})},
                       {Action::kDelete, rs("nothere.example.com.", "A", {"192.0.2.9"})},
                       {Action::kDelete, rs("www.example.com.", "A", {"192.0.2.2"})}}),
                SerialPolicy::kIncrement, 0, e);
    ASSERT_EQ(e.messages.size(), 3u);
    EXPECT_EQ(e.messages[0],
              "Tried to create resource record set [name='www.example.com.', type='A'] but it already exists");
    EXPECT_EQ(e.messages[1],
              "Tried to delete resource record set [name='nothere.example.com.', type='A'] but it was not found");
    EXPECT_EQ(e.messages[2],
              "Tried to delete resource record set [name='www.example.com.', type='A'] but the values provided do "
              "not match the current values");
}

TEST(ChangeBatch, ADeleteMustMatchTheTtlToo) {
    BatchErrors e;
    apply_batch(zone(), batch({{Action::kDelete, rs("www.example.com.", "A", {"192.0.2.1"}, 60)}}),
                SerialPolicy::kIncrement, 0, e);
    ASSERT_EQ(e.messages.size(), 1u);
    EXPECT_NE(e.messages[0].find("do not match"), std::string::npos);
}

TEST(ChangeBatch, CnameBesideOtherDataAndMixedRoutingAreRefused) {
    BatchErrors e;
    apply_batch(zone(), batch({{Action::kCreate, rs("www.example.com.", "CNAME", {"other.example.com."})}}),
                SerialPolicy::kIncrement, 0, e);
    ASSERT_EQ(e.messages.size(), 1u);
    EXPECT_EQ(e.messages[0],
              "RRSet of type CNAME with DNS name www.example.com. is not permitted as it conflicts "
              "with other records with the same DNS name in zone example.com.");
    BatchErrors mixed;
    apply_batch(zone(), batch({{Action::kCreate, weighted("www.example.com.", "a", 10, "192.0.2.5")}}),
                SerialPolicy::kIncrement, 0, mixed);
    ASSERT_EQ(mixed.messages.size(), 1u);
    EXPECT_NE(mixed.messages[0].find("without a SetIdentifier"), std::string::npos) << mixed.messages[0];
    BatchErrors ok;
    apply_batch(zone(),
                batch({{Action::kCreate, weighted("lb.example.com.", "a", 10, "192.0.2.5")},
                       {Action::kCreate, weighted("lb.example.com.", "b", 20, "192.0.2.6")}}),
                SerialPolicy::kIncrement, 0, ok);
    EXPECT_TRUE(ok.empty());
}

TEST(ChangeBatch, TheApexSoaAndNsStay) {
    ZoneContent z = zone();
    BatchErrors e;
    apply_batch(z, batch({{Action::kDelete, *z.find(key_of(z.origin, dns::type::NS))}}), SerialPolicy::kIncrement, 0,
                e);
    ASSERT_EQ(e.messages.size(), 1u);
    EXPECT_EQ(e.messages[0], "A HostedZone must contain at least one NS record for the zone itself.");
}

TEST(ChangeBatch, NamesOutsideTheZoneAreRefused) {
    BatchErrors e;
    policy::RecordSet outside = rs("www.example.com.", "A", {"192.0.2.1"});
    outside.name = *dns::name_from_text("www.example.org.", nullptr);
    apply_batch(zone(), batch({{Action::kUpsert, outside}}), SerialPolicy::kIncrement, 0, e);
    ASSERT_EQ(e.messages.size(), 1u);
    EXPECT_EQ(e.messages[0], "RRSet with DNS name www.example.org. is not permitted in zone example.com.");
}

TEST(ChangeBatch, SerialPoliciesAlwaysRiseInSerialArithmetic) {
    EXPECT_EQ(next_serial(7, SerialPolicy::kIncrement, 0), 8u);
    EXPECT_EQ(next_serial(0xffffffffu, SerialPolicy::kIncrement, 0), 0u);  // RFC 1982 wrap
    EXPECT_EQ(next_serial(7, SerialPolicy::kUnixtime, 1700000000), 1700000000u);
    EXPECT_EQ(next_serial(1700000000, SerialPolicy::kUnixtime, 1700000000), 1700000001u);
    EXPECT_EQ(next_serial(7, SerialPolicy::kDateserial, 1764633600), 2025120200u);  // 2025-12-02
    EXPECT_EQ(next_serial(2025120200, SerialPolicy::kDateserial, 1764633600), 2025120201u);
}

TEST(ChangeBatch, ABatchThatSetsAGreaterSerialKeepsIt) {
    BatchErrors e;
    ZoneContent out = apply_batch(
        zone(),
        batch({{Action::kUpsert,
                rs("example.com.", "SOA", {"ns1.example.net. hostmaster.example.com. 100 7200 900 1209600 86400"})}}),
        SerialPolicy::kIncrement, 0, e);
    ASSERT_TRUE(e.empty());
    EXPECT_EQ(out.serial(), 100u);
}

}  // namespace
}  // namespace fz::change
