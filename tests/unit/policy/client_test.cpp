// The client a policy decides for: masking to the ECS source prefix, and IPv4 found
// inside IPv6 addresses (mapped, 6to4, Teredo).
#include "policy/client.h"

#include <gtest/gtest.h>

namespace fz::policy {
namespace {

// Bit `i` (0 = most significant of byte 0) of `a`.
bool bit(const uint8_t* a, unsigned i) { return (a[i / 8] >> (7 - i % 8)) & 1; }

TEST(Client, MasksEveryBitPastThePrefix) {
    uint8_t all_ones[16];
    std::memset(all_ones, 0xff, sizeof all_ones);
    for (Family family : {Family::kIpv4, Family::kIpv6}) {
        const unsigned bits = family == Family::kIpv4 ? 32 : 128;
        for (unsigned prefix = 0; prefix <= bits; ++prefix) {
            // The IPv6 all-ones address is none of the IPv4-carrying forms.
            const ClientInfo c = make_client(family, all_ones, static_cast<uint8_t>(prefix));
            ASSERT_EQ(c.family, family);
            ASSERT_EQ(c.source_prefix, prefix);
            for (unsigned i = 0; i < 128; ++i) {
                ASSERT_EQ(bit(c.address, i), i < prefix) << "family " << int(family) << " /" << prefix << " bit " << i;
            }
        }
    }
}

TEST(Client, PrefixLongerThanTheAddressIsClamped) {
    const uint8_t a[4] = {192, 0, 2, 1};
    const ClientInfo c = make_client(Family::kIpv4, a, 40);
    EXPECT_EQ(c.source_prefix, 32);
    EXPECT_EQ(c.address[3], 1);
}

TEST(Client, Ipv4InsideIpv6BecomesIpv4) {
    struct Case {
        const char* address;
        unsigned prefix;
        unsigned offset;
        uint8_t v4[4];
        unsigned v4_prefix;
    };
    const Case cases[] = {
        {"::ffff:81.2.69.160", 128, 96, {81, 2, 69, 160}, 32}, {"::ffff:81.2.69.160", 120, 96, {81, 2, 69, 0}, 24},
        {"2002:5102:45a0::", 48, 16, {81, 2, 69, 160}, 32},    {"2002:5102:45a0::", 40, 16, {81, 2, 69, 0}, 24},
        {"2001:0:5102:45a0::", 64, 32, {81, 2, 69, 160}, 32},
    };
    for (const Case& t : cases) {
        const auto c = parse_client(t.address, t.prefix);
        ASSERT_TRUE(c.has_value()) << t.address;
        EXPECT_EQ(c->family, Family::kIpv4) << t.address;
        EXPECT_EQ(c->embedded_offset, t.offset) << t.address;
        EXPECT_EQ(c->source_prefix, t.v4_prefix) << t.address << "/" << t.prefix;
        EXPECT_EQ(0, std::memcmp(c->address, t.v4, 4)) << t.address << "/" << t.prefix;
        for (int i = 4; i < 16; ++i) EXPECT_EQ(c->address[i], 0) << t.address;
    }
    // Too short a prefix to reach the embedded address: stays IPv6.
    const auto short_mapped = parse_client("::ffff:81.2.69.160", 64);
    ASSERT_TRUE(short_mapped.has_value());
    EXPECT_EQ(short_mapped->family, Family::kIpv6);
    EXPECT_EQ(short_mapped->embedded_offset, 0);
}

TEST(Client, ZeroPrefixIsUnknown) {
    const auto c = parse_client("192.0.2.1", 0);
    ASSERT_TRUE(c.has_value());
    EXPECT_FALSE(c->known());
    for (int i = 0; i < 16; ++i) EXPECT_EQ(c->address[i], 0);
}

}  // namespace
}  // namespace fz::policy
