// RecordSetList: a sorted sequence of record sets whose versions share their chunks.
#include "change/record_set_list.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>

#include "change/content.h"
#include "dns/rrtype.h"

namespace fz::change {
namespace {

policy::RecordSet a_set(int i, const std::string& value = "192.0.2.1") {
    policy::RecordSet rs;
    rs.name = *dns::name_from_text("h" + std::to_string(i) + ".example.com.", nullptr);
    rs.type = dns::type::A;
    rs.ttl = 60;
    rs.values = {value};
    return rs;
}

std::vector<std::string> listed(const RecordSetList& list) {
    std::vector<std::string> out;
    for (const auto& rs : list) out.push_back(rs.name.to_text() + "=" + rs.values.front());
    return out;
}

TEST(RecordSetList, KeepsKeyOrderAndFindsByKeyAcrossChunks) {
    std::mt19937 rng(11);
    RecordSetList list;
    std::map<RecordSetKey, std::string> model;
    for (int step = 0; step < 5000; ++step) {
        const int i = static_cast<int>(rng() % 1500);
        const policy::RecordSet rs = a_set(i, "192.0.2." + std::to_string(step % 250));
        if (rng() % 4 == 0) {
            EXPECT_EQ(list.erase(key_of(rs)), model.erase(key_of(rs)) == 1);
        } else {
            list.upsert(rs);
            model[key_of(rs)] = rs.name.to_text() + "=" + rs.values.front();
        }
    }
    std::vector<std::string> want;
    for (const auto& [key, text] : model) want.push_back(text);
    EXPECT_EQ(listed(list), want);
    ASSERT_EQ(list.size(), model.size());
    for (const auto& [key, text] : model) {
        const policy::RecordSet* rs = list.find(key);
        ASSERT_NE(rs, nullptr);
        EXPECT_EQ(rs->name.to_text() + "=" + rs->values.front(), text);
    }
    EXPECT_EQ(list.find(key_of(a_set(99999))), nullptr);
    // Random access: what std::lower_bound relies on.
    for (size_t i = 0; i < list.size(); i += 97) {
        EXPECT_EQ(list[i].name.to_text() + "=" + list[i].values.front(), want[i]);
        EXPECT_EQ((list.begin() + static_cast<std::ptrdiff_t>(i)) - list.begin(), static_cast<std::ptrdiff_t>(i));
    }
}

TEST(RecordSetList, ACopyChangedInOnePlaceSharesEveryOtherChunk) {
    RecordSetList before;
    for (int i = 0; i < 20000; ++i) before.push_back(a_set(i));
    before.sort();
    const auto want = listed(before);
    RecordSetList after = before;
    after.upsert(a_set(12345, "198.51.100.1"));
    after.erase(key_of(a_set(777)));
    after.upsert(a_set(20001));
    EXPECT_EQ(listed(before), want);  // the older version is as it was
    EXPECT_EQ(after.size(), before.size());
    EXPECT_EQ(after.find(key_of(a_set(12345)))->values.front(), "198.51.100.1");
    const size_t chunks = (before.size() + RecordSetList::kChunk - 1) / RecordSetList::kChunk;
    EXPECT_GE(after.shared_chunks(before), chunks - 3);
}

}  // namespace
}  // namespace fz::change
