// IntrusiveList: order, unlinking from anywhere, moving to the back, two lists at once.
#include "common/intrusive_list.h"

#include <gtest/gtest.h>

#include <vector>

namespace fz {
namespace {

struct Item {
    int id = 0;
    ListHook<Item> a;
    ListHook<Item> b;
};

using ListA = IntrusiveList<Item, &Item::a>;
using ListB = IntrusiveList<Item, &Item::b>;

template <class L>
std::vector<int> ids(const L& l) {
    std::vector<int> out;
    for (Item* i = l.front(); i != nullptr; i = L::next(*i)) out.push_back(i->id);
    return out;
}

TEST(IntrusiveList, KeepsInsertionOrderAndUnlinksAnywhere) {
    Item x[4];
    for (int i = 0; i < 4; ++i) x[i].id = i;
    ListA l;
    EXPECT_TRUE(l.empty());
    for (auto& i : x) l.push_back(i);
    l.push_back(x[2]);  // already in: no change
    EXPECT_EQ(ids(l), (std::vector<int>{0, 1, 2, 3}));
    EXPECT_EQ(l.size(), 4u);
    l.remove(x[1]);
    l.remove(x[1]);  // not in: no change
    EXPECT_FALSE(ListA::contains(x[1]));
    EXPECT_EQ(ids(l), (std::vector<int>{0, 2, 3}));
    l.remove(x[0]);
    l.remove(x[3]);
    EXPECT_EQ(ids(l), (std::vector<int>{2}));
    l.remove(x[2]);
    EXPECT_TRUE(l.empty());
    EXPECT_EQ(l.front(), nullptr);
    l.push_back(x[3]);
    EXPECT_EQ(ids(l), (std::vector<int>{3}));
}

TEST(IntrusiveList, MoveToBackMakesTheLeastRecentFirst) {
    Item x[3];
    for (int i = 0; i < 3; ++i) x[i].id = i;
    ListA l;
    for (auto& i : x) l.push_back(i);
    l.move_to_back(x[0]);
    EXPECT_EQ(ids(l), (std::vector<int>{1, 2, 0}));
    l.move_to_back(x[0]);  // already last
    l.move_to_back(x[2]);
    EXPECT_EQ(ids(l), (std::vector<int>{1, 0, 2}));
    EXPECT_EQ(l.front()->id, 1);
}

TEST(IntrusiveList, AnElementIsInOneListPerHook) {
    Item x[3];
    for (int i = 0; i < 3; ++i) x[i].id = i;
    ListA a;
    ListB b;
    for (auto& i : x) a.push_back(i);
    b.push_back(x[2]);
    b.push_back(x[0]);
    a.remove(x[2]);
    EXPECT_EQ(ids(a), (std::vector<int>{0, 1}));
    EXPECT_EQ(ids(b), (std::vector<int>{2, 0}));
}

}  // namespace
}  // namespace fz
