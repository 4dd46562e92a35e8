// Catalog zones: what a consumed catalog lists (RFC 9432 version 2), and the catalog
// fastzone produces, read back and changed by batches.
#include "daemon/catalog.h"

#include <gtest/gtest.h>

#include "dns/rrtype.h"

namespace fz::daemon {
namespace {

dns::Name name(const std::string& text) { return *dns::name_from_text(text, nullptr); }

policy::RecordSet set(const std::string& owner, uint16_t type, std::vector<std::string> values) {
    policy::RecordSet rs;
    rs.name = name(owner);
    rs.type = type;
    rs.values = std::move(values);
    return rs;
}

// A catalog as Knot DNS generates one: SOA, NS invalid., version "2", one PTR per member
// under zones., and a group property below one member.
change::ZoneContent knot_catalog() {
    change::ZoneContent c;
    c.origin = name("catalog.example.");
    c.record_sets.push_back(set("catalog.example.", dns::type::SOA, {"invalid. invalid. 1 3600 600 2147483646 0"}));
    c.record_sets.push_back(set("catalog.example.", dns::type::NS, {"invalid."}));
    c.record_sets.push_back(set("version.catalog.example.", dns::type::TXT, {"\"2\""}));
    c.record_sets.push_back(set("a1b2.zones.catalog.example.", dns::type::PTR, {"one.example."}));
    c.record_sets.push_back(set("c3d4.zones.catalog.example.", dns::type::PTR, {"Two.Example."}));
    c.record_sets.push_back(set("group.c3d4.zones.catalog.example.", dns::type::TXT, {"\"blue\""}));
    c.sort();
    return c;
}

std::vector<std::string> texts(const std::vector<dns::Name>& names) {
    std::vector<std::string> out;
    for (const auto& n : names) out.push_back(n.to_text());
    return out;
}

TEST(Catalog, ItsMembersAreThePtrTargetsBelowZones) {
    auto read = read_catalog(knot_catalog());
    ASSERT_TRUE(read.ok()) << read.error().message;
    EXPECT_EQ(texts(read->members), (std::vector<std::string>{"one.example.", "two.example."}));
    EXPECT_TRUE(read->ignored.empty());
}

TEST(Catalog, WithoutVersionTwoItIsNotProcessed) {
    change::ZoneContent c = knot_catalog();
    change::ZoneContent v1;
    v1.origin = c.origin;
    for (const auto& rs : c.record_sets) {
        if (rs.type == dns::type::TXT && rs.name == name("version.catalog.example.")) {
            v1.record_sets.push_back(set("version.catalog.example.", dns::type::TXT, {"\"1\""}));
        } else if (rs.type != dns::type::TXT) {
            v1.record_sets.push_back(rs);
        }
    }
    v1.sort();
    auto read = read_catalog(v1);
    ASSERT_FALSE(read.ok());
    EXPECT_NE(read.error().message.find("version"), std::string::npos);
}

TEST(Catalog, AnEntryWithTwoPtrsOrAMemberListedTwiceIsLeftOut) {
    change::ZoneContent c = knot_catalog();
    c.record_sets.push_back(set("e5f6.zones.catalog.example.", dns::type::PTR, {"three.example.", "four.example."}));
    c.record_sets.push_back(set("ffff.zones.catalog.example.", dns::type::PTR, {"one.example."}));
    c.sort();
    auto read = read_catalog(c);
    ASSERT_TRUE(read.ok());
    EXPECT_EQ(texts(read->members), (std::vector<std::string>{"one.example.", "two.example."}));
    ASSERT_EQ(read->ignored.size(), 2u);
}

TEST(Catalog, TheProducedCatalogReadsBackAsItsMembers) {
    const std::vector<dns::Name> members{name("b.example."), name("a.example.")};
    change::ZoneContent c = produced_catalog(name("cat.fastzone."), members, 7);
    EXPECT_EQ(c.serial(), 7u);
    auto read = read_catalog(c);
    ASSERT_TRUE(read.ok()) << read.error().message;
    auto got = texts(read->members);
    std::sort(got.begin(), got.end());
    EXPECT_EQ(got, (std::vector<std::string>{"a.example.", "b.example."}));
    // The same label for the same member, whatever its case; another for another.
    EXPECT_EQ(member_label(name("A.Example.")), member_label(name("a.example.")));
    EXPECT_NE(member_label(name("a.example.")), member_label(name("b.example.")));
}

TEST(Catalog, ABatchAddsAndRemovesOnlyTheMembersThatChanged) {
    change::ZoneContent c = produced_catalog(name("cat.fastzone."), {name("a.example."), name("b.example.")}, 1);
    EXPECT_TRUE(catalog_batch(c, {name("b.example."), name("a.example.")}).changes.empty());
    change::Batch b = catalog_batch(c, {name("a.example."), name("c.example.")});
    ASSERT_EQ(b.changes.size(), 2u);
    EXPECT_EQ(b.changes[0].action, change::Action::kDelete);
    EXPECT_EQ(b.changes[0].record_set.values.front(), "b.example.");
    EXPECT_EQ(b.changes[1].action, change::Action::kCreate);
    EXPECT_EQ(b.changes[1].record_set.values.front(), "c.example.");
    change::BatchErrors errors;
    change::ZoneContent after = change::apply_batch(c, b, change::SerialPolicy::kIncrement, 0, errors);
    ASSERT_TRUE(errors.empty()) << errors.messages.front();
    EXPECT_EQ(after.serial(), 2u);
    auto read = read_catalog(after);
    ASSERT_TRUE(read.ok());
    auto got = texts(read->members);
    std::sort(got.begin(), got.end());
    EXPECT_EQ(got, (std::vector<std::string>{"a.example.", "c.example."}));
}

}  // namespace
}  // namespace fz::daemon
