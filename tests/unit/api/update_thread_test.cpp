// UPDATEs from several threads at once: each is planned on the content the one before it
// left, so that none is lost (RFC 2136 3.7: updates are serialised).
#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "api/update.h"
#include "api/update_messages.h"
#include "change/registry.h"

namespace fz::api {
namespace {

using namespace update_test;  // NOLINT(google-build-using-namespace): the messages the tests send

TEST(UpdateThreadTest, ConcurrentAddsToOneRrsetAreAllKept) {
    change::Registry registry(change::RegistryOptions{{"ns1.example.net."}}, nullptr);
    auto zone = registry.create_zone(name("example.com."), "ref", "");
    ASSERT_TRUE(zone.ok());
    dns::TsigKeyring keys;
    ASSERT_TRUE(keys.add(key()).ok());
    UpdateOptions options;
    options.zone_acls["example.com."] = {"keyed"};
    UpdateProcessor processor(registry, keys, {*make_acl_rule("keyed", {"update-key"}, {}, {"update"})}, options);

    constexpr int kThreads = 4;
    constexpr int kEach = 25;
    std::vector<std::thread> threads;
    std::vector<int> failures(kThreads, 0);
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&, t] {
            UpdatePeer peer;
            peer.address.family = 4;
            for (int i = 0; i < kEach; ++i) {
                const std::string address = "192.0." + std::to_string(t) + "." + std::to_string(i + 1);
                const Bytes msg = sign(update({}, {{"www.example.com.", type::A, rrclass::IN, 60, address}}), key(),
                                       kNow);
                uint8_t out[512];
                UpdateReport report;
                if (processor.process(msg.data(), msg.size(), peer, out, sizeof(out), kNow, &report) == 0 ||
                    report.rcode != rcode::NOERROR) {
                    ++failures[static_cast<size_t>(t)];
                }
            }
        });
    }
    for (auto& th : threads) th.join();
    for (const int f : failures) EXPECT_EQ(f, 0);
    const auto content = registry.zone(zone->zone->id);
    const auto* www = content->find(change::key_of(name("www.example.com."), type::A));
    ASSERT_NE(www, nullptr);
    EXPECT_EQ(www->values.size(), size_t{kThreads * kEach});
    EXPECT_EQ(processor.counters().applied, uint64_t{kThreads * kEach});
}

}  // namespace
}  // namespace fz::api
