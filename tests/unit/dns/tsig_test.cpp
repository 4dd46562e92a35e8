// TSIG records: reading a request's, writing the unsigned error record.
#include "dns/tsig.h"

#include <gtest/gtest.h>

#include <vector>

#include "dns/message_builder.h"

namespace fz::dns {
namespace {

using Bytes = std::vector<uint8_t>;

// A message holding only `prefix` bytes and then the TSIG record `rr`; the record's offset.
size_t place(Bytes& msg, const Bytes& prefix, const Bytes& rr) {
    msg = prefix;
    msg.insert(msg.end(), rr.begin(), rr.end());
    return prefix.size();
}

Bytes record(const char* key = "Key.Example.", const char* algorithm = "HMAC-SHA256.") {
    const Bytes mac(32, 0xab);
    auto rr = tsig_record(key, algorithm, 0x0000123456789aULL, mac, 0x4242, 7);
    EXPECT_TRUE(rr.ok());
    return rr.ok() ? *rr : Bytes{};
}

TEST(TsigTest, ReadsEveryFieldWithNamesLowerCased) {
    Bytes msg;
    const size_t at = place(msg, Bytes(12, 0), record());
    TsigRecord t;
    ASSERT_TRUE(read_tsig(msg.data(), msg.size(), at, t));
    const Bytes key = {3, 'k', 'e', 'y', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0};
    EXPECT_EQ(Bytes(t.key_name, t.key_name + t.key_name_len), key);
    EXPECT_EQ(t.algorithm_len, 13);
    EXPECT_EQ(t.algorithm[1], 'h');
    EXPECT_EQ(t.time_signed, 0x0000123456789aULL);
    EXPECT_EQ(t.fudge, 7);
    EXPECT_EQ(t.mac_size, 32);
    EXPECT_EQ(t.mac[0], 0xab);
    EXPECT_EQ(t.original_id, 0x4242);
    EXPECT_EQ(t.error, 0);
    EXPECT_EQ(t.other_len, 0);
}

TEST(TsigTest, ACompressedKeyNameIsExpanded) {
    Bytes prefix(12, 0);
    const Bytes name = {3, 'K', 'e', 'y', 0};
    prefix.insert(prefix.end(), name.begin(), name.end());
    Bytes rr = {0xc0, 12};  // the owner: a pointer back to "Key."
    const Bytes whole = record("x.");
    rr.insert(rr.end(), whole.begin() + 3, whole.end());
    Bytes msg;
    const size_t at = place(msg, prefix, rr);
    TsigRecord t;
    ASSERT_TRUE(read_tsig(msg.data(), msg.size(), at, t));
    EXPECT_EQ(Bytes(t.key_name, t.key_name + t.key_name_len), (Bytes{3, 'k', 'e', 'y', 0}));

    rr[1] = static_cast<uint8_t>(at);  // a pointer to itself never ends
    place(msg, prefix, rr);
    EXPECT_FALSE(read_tsig(msg.data(), msg.size(), at, t));
}

TEST(TsigTest, RdataMustBeFilledExactly) {
    const Bytes rr = record();
    const size_t rdlen_at = 13 + 8;  // "\3key\7example\0", then type, class, TTL
    TsigRecord t;
    Bytes msg;
    Bytes longer = rr;
    longer.push_back(0);
    store_u16(&longer[rdlen_at], static_cast<uint16_t>(load_u16(&longer[rdlen_at]) + 1));
    size_t at = place(msg, Bytes(12, 0), longer);
    EXPECT_FALSE(read_tsig(msg.data(), msg.size(), at, t));
    Bytes shorter = rr;
    shorter.pop_back();
    store_u16(&shorter[rdlen_at], static_cast<uint16_t>(load_u16(&shorter[rdlen_at]) - 1));
    at = place(msg, Bytes(12, 0), shorter);
    EXPECT_FALSE(read_tsig(msg.data(), msg.size(), at, t));
    Bytes mac_too_long = rr;
    store_u16(&mac_too_long[rdlen_at + 2 + 13 + 8], 200);  // MAC Size beyond the rdata
    at = place(msg, Bytes(12, 0), mac_too_long);
    EXPECT_FALSE(read_tsig(msg.data(), msg.size(), at, t));
    for (size_t cut = 1; cut < rr.size(); ++cut) {  // a record cut anywhere
        at = place(msg, Bytes(12, 0), Bytes(rr.begin(), rr.begin() + static_cast<long>(cut)));
        EXPECT_FALSE(read_tsig(msg.data(), msg.size(), at, t)) << cut;
    }
}

TEST(TsigTest, TheErrorRecordEchoesTheRequestUnsigned) {
    Bytes msg;
    const size_t at = place(msg, Bytes(12, 0), record());
    TsigRecord request;
    ASSERT_TRUE(read_tsig(msg.data(), msg.size(), at, request));
    uint8_t out[512];
    const size_t n = write_tsig_error(out, sizeof(out), request, 0x1234, tsig::BADKEY);
    ASSERT_EQ(n, 13u + 10 + 13 + 16);
    TsigRecord back;
    ASSERT_TRUE(read_tsig(out, n, 0, back));
    EXPECT_EQ(Bytes(back.key_name, back.key_name + back.key_name_len),
              Bytes(request.key_name, request.key_name + request.key_name_len));
    EXPECT_EQ(load_u16(out + 13), type::TSIG);
    EXPECT_EQ(load_u16(out + 15), rrclass::ANY);
    EXPECT_EQ(load_u32(out + 17), 0u);
    EXPECT_EQ(back.time_signed, request.time_signed);
    EXPECT_EQ(back.fudge, tsig::kFudge);
    EXPECT_EQ(back.mac_size, 0);
    EXPECT_EQ(back.original_id, 0x1234);
    EXPECT_EQ(back.error, tsig::BADKEY);
    EXPECT_EQ(back.other_len, 0);
    EXPECT_EQ(write_tsig_error(out, n - 1, request, 0x1234, tsig::BADKEY), 0u);  // no room: nothing
}

}  // namespace
}  // namespace fz::dns
