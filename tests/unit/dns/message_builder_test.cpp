// Tests for the query builder: the exact bytes of each field and option, what the query
// parser makes of them, and the deliberately broken queries it can write.
#include "dns/message_builder.h"

#include <gtest/gtest.h>

#include <vector>

#include "dns/query.h"

namespace fz::dns {
namespace {

using Bytes = std::vector<uint8_t>;

Bytes built(const QueryBuilder& q) {
    auto wire = q.build();
    EXPECT_TRUE(wire.ok()) << (wire.ok() ? "" : wire.error().to_string());
    return wire.ok() ? *wire : Bytes{};
}

// The header, then the question "www.example.com. A IN".
const Bytes kWwwQuestion = {3, 'w', 'w', 'w', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0, 0, 1, 0, 1};

Bytes concat(std::initializer_list<Bytes> parts) {
    Bytes out;
    for (const Bytes& p : parts) out.insert(out.end(), p.begin(), p.end());
    return out;
}

TEST(MessageBuilderTest, DefaultsAreTheRootAInWithoutFlags) {
    EXPECT_EQ(built(QueryBuilder{}), (Bytes{0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1}));
}

TEST(MessageBuilderTest, HeaderAndQuestionFields) {
    QueryBuilder q;
    q.id = 0x1234;
    q.flags = flag::RD | flag::CD;
    q.qname = "www.example.com.";
    EXPECT_EQ(built(q), concat({{0x12, 0x34, 0x01, 0x10, 0, 1, 0, 0, 0, 0, 0, 0}, kWwwQuestion}));

    q.qname = "WwW.eXaMpLe.CoM";  // case kept; no final dot still means absolute
    q.qtype = type::TXT;
    q.qclass = rrclass::CH;
    const Bytes m = built(q);
    const Bytes expected = concat({{0x12, 0x34, 0x01, 0x10, 0, 1, 0, 0, 0, 0, 0, 0},
                                   {3, 'W', 'w', 'W', 7, 'e', 'X', 'a', 'M', 'p', 'L', 'e', 3, 'C', 'o', 'M', 0},
                                   {0, 16, 0, 3}});
    EXPECT_EQ(m, expected);
}

TEST(MessageBuilderTest, ANameMayComeParsed) {
    QueryBuilder q;
    q.id = 0x1234;
    q.flags = flag::RD;
    q.set_qname(*name_from_text("www.example.com.", nullptr));
    EXPECT_EQ(built(q), concat({{0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0}, kWwwQuestion}));
}

TEST(MessageBuilderTest, AnInvalidNameIsAnError) {
    QueryBuilder q;
    q.qname = "a..b.";
    auto m = q.build();
    ASSERT_FALSE(m.ok());
    EXPECT_NE(m.error().message.find("query name"), std::string::npos) << m.error().message;
    q.qname = std::string(64, 'a') + ".";
    EXPECT_FALSE(q.build().ok());
}

TEST(MessageBuilderTest, OptRecordFields) {
    QueryBuilder q;
    q.id = 0x1234;
    q.flags = flag::RD;
    q.qname = "www.example.com.";
    q.edns = true;
    EXPECT_EQ(built(q), concat({{0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 1},
                                kWwwQuestion,
                                {0, 0, 41, 0x04, 0xd0, 0, 0, 0, 0, 0, 0}}));
    q.udp_size = 4096;
    q.edns_version = 1;
    q.do_bit = true;
    EXPECT_EQ(built(q), concat({{0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 1},
                                kWwwQuestion,
                                {0, 0, 41, 0x10, 0x00, 0, 1, 0x80, 0, 0, 0}}));
}

TEST(MessageBuilderTest, OptionsInOrderTurnEdnsOn) {
    QueryBuilder q;
    q.qname = "www.example.com.";
    q.options.push_back(nsid_option());
    q.options.push_back({65001, {1, 2, 3}});
    const Bytes m = built(q);
    EXPECT_EQ(m,
              concat({{0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1}, kWwwQuestion, {0, 0, 41, 0x04, 0xd0, 0, 0, 0, 0, 0, 11, 0,
                                                                           3, 0, 0,  0xfd, 0xe9, 0, 3, 1, 2, 3}}));
}

TEST(MessageBuilderTest, ClientSubnetOptionCarriesThePrefixBytesOnly) {
    const uint8_t v4[4] = {198, 51, 100, 77};
    EXPECT_EQ(client_subnet_option(1, 24, v4), (EdnsOption{edns::CLIENT_SUBNET, {0, 1, 24, 0, 198, 51, 100}}));
    EXPECT_EQ(client_subnet_option(1, 20, v4).data, (Bytes{0, 1, 20, 0, 198, 51, 100}));  // written, not masked
    EXPECT_EQ(client_subnet_option(1, 0, v4).data, (Bytes{0, 1, 0, 0}));
    const uint8_t v6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 1, 0xff};
    EXPECT_EQ(client_subnet_option(2, 48, v6).data, (Bytes{0, 2, 48, 0, 0x20, 0x01, 0x0d, 0xb8, 0, 1}));

    ClientSubnet subnet{};
    subnet.family = 2;
    subnet.source_prefix = 128;
    subnet.scope_prefix = 56;
    subnet.address[15] = 1;
    const Bytes data = client_subnet_option(subnet).data;
    ASSERT_EQ(data.size(), 20u);
    EXPECT_EQ(data[3], 56);
    EXPECT_EQ(data[19], 1);
}

TEST(MessageBuilderTest, CookieOption) {
    const uint8_t client[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    const uint8_t server[16] = {9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9};
    EXPECT_EQ(cookie_option(client), (EdnsOption{edns::COOKIE, {1, 2, 3, 4, 5, 6, 7, 8}}));
    const EdnsOption both = cookie_option(client, server);
    EXPECT_EQ(both.code, edns::COOKIE);
    ASSERT_EQ(both.data.size(), 24u);
    EXPECT_EQ(both.data[7], 8);
    EXPECT_EQ(both.data[8], 9);
    EXPECT_EQ(cookie_option(std::span<const uint8_t>(client, 3)).data.size(), 3u);  // wrong lengths for tests
}

TEST(MessageBuilderTest, TheQueryParserSeesEveryField) {
    QueryBuilder q;
    q.id = 0xbeef;
    q.flags = flag::RD;
    q.qname = "Www.Example.com.";
    q.qtype = type::AAAA;
    q.udp_size = 1400;
    q.do_bit = true;
    const uint8_t v4[3] = {192, 0, 2};
    const uint8_t client[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    q.options = {client_subnet_option(1, 24, v4), cookie_option(client), nsid_option()};
    const Bytes m = built(q);
    Query parsed;
    ASSERT_EQ(parse_query(m.data(), m.size(), parsed), QueryStatus::kOk);
    EXPECT_EQ(parsed.id, 0xbeef);
    EXPECT_EQ(parsed.flags, flag::RD);
    EXPECT_EQ(parsed.qtype, type::AAAA);
    EXPECT_EQ(parsed.qclass, rrclass::IN);
    EXPECT_EQ(parsed.qname_len, 17);
    EXPECT_EQ(parsed.label_count, 3);
    ASSERT_TRUE(parsed.edns.present);
    EXPECT_EQ(parsed.edns.udp_size, 1400);
    EXPECT_TRUE(parsed.edns.do_bit);
    EXPECT_TRUE(parsed.edns.nsid);
    ASSERT_TRUE(parsed.edns.ecs);
    EXPECT_EQ(parsed.edns.subnet.family, 1);
    EXPECT_EQ(parsed.edns.subnet.source_prefix, 24);
    EXPECT_EQ(parsed.edns.subnet.address[2], 2);

    q.edns_version = 1;
    const Bytes v1 = built(q);
    EXPECT_EQ(parse_query(v1.data(), v1.size(), parsed), QueryStatus::kBadVers);
}

TEST(MessageBuilderTest, BrokenQueries) {
    QueryBuilder q;
    q.id = 0x1234;
    q.qname_wire = {0xc0, 0x0c};  // a pointer where the question's name should be
    EXPECT_EQ(built(q), (Bytes{0x12, 0x34, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 0x0c, 0, 1, 0, 1}));

    q = QueryBuilder{};
    q.question = false;
    EXPECT_EQ(built(q), (Bytes{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}));
    q.qdcount = 1;  // a question announced, none there
    EXPECT_EQ(built(q), (Bytes{0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0}));

    q = QueryBuilder{};
    q.qdcount = 2;
    q.edns = true;
    q.extra_additional.push_back({0, 0, 41, 4, 0, 0, 0, 0, 0, 0, 0});  // a second OPT
    q.trailing = {0xff};
    EXPECT_EQ(built(q), (Bytes{0,    0,    0, 0, 0, 2, 0, 0, 0, 0, 0,  2, 0, 0, 1, 0, 1, 0, 0, 41,
                               0x04, 0xd0, 0, 0, 0, 0, 0, 0, 0, 0, 41, 4, 0, 0, 0, 0, 0, 0, 0, 0xff}));
}

TEST(MessageBuilderTest, OptionsBeyondSixtyFourKibibytesAreAnError) {
    QueryBuilder q;
    q.options.push_back({65001, Bytes(65532, 0)});
    EXPECT_FALSE(q.build().ok());
    q.options[0].data.resize(65531);
    EXPECT_TRUE(q.build().ok());
}

}  // namespace
}  // namespace fz::dns
