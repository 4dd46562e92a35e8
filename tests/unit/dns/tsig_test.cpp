// TSIG: reading records, keys, signing and verifying requests and responses (RFC 8945).
#include "dns/tsig.h"

#include <gtest/gtest.h>

#include <string>
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

// ---------------------------------------------------------------- keys, sign, verify

Bytes hex_bytes(const std::string& hex) {
    Bytes out;
    for (size_t i = 0; i + 1 < hex.size(); i += 2)
        out.push_back(static_cast<uint8_t>(std::stoul(hex.substr(i, 2), nullptr, 16)));
    return out;
}

TsigKey make_key(TsigAlgorithm algorithm, const char* name = "update-key.") {
    auto key = tsig_key_from_text(std::string(tsig_algorithm_text(algorithm)) + ":" + name +
                                  ":ZmFzdHpvbmUtdXBkYXRlLXRlc3Qtc2VjcmV0LTAxMjM=");
    EXPECT_TRUE(key.ok());
    return key.ok() ? *key : TsigKey{};
}

Bytes query(uint16_t id = 0x1234) {
    QueryBuilder b;
    b.id = id;
    b.qname = "www.example.com.";
    auto q = b.build();
    EXPECT_TRUE(q.ok());
    return q.ok() ? *q : Bytes{};
}

// Signs `msg` in place with `key` at `now`; the MAC for the response.
Bytes sign(Bytes& msg, const TsigKey& key, int64_t now) {
    const size_t len = msg.size();
    msg.resize(len + 512);
    uint8_t mac[kMaxTsigMac];
    uint16_t mac_len = 0;
    const size_t n = tsig_sign_request(msg.data(), len, msg.size(), key, now, tsig::kFudge, mac, &mac_len);
    EXPECT_NE(n, 0u);
    msg.resize(n);
    return Bytes(mac, mac + mac_len);
}

TsigStatus verify(const Bytes& msg, const TsigKeyring& keys, int64_t now, TsigContext& ctx) {
    size_t pos = 0;
    if (locate_tsig(msg.data(), msg.size(), pos) != TsigPresence::kLast) return TsigStatus::kFormErr;
    return tsig_verify_request(msg.data(), msg.size(), pos, keys, now, ctx);
}

// A response to `request`: its header with QR set and its question, unsigned yet.
Bytes response_to(const Bytes& request, size_t tsig_pos) {
    Bytes r(request.begin(), request.begin() + static_cast<long>(tsig_pos));
    r[2] |= 0x80;
    store_u16(&r[10], 0);
    return r;
}

constexpr int64_t kNow = 1'796'282'948;  // when the captured messages below were signed

TEST(TsigKeyTest, ParsesTheKdigForm) {
    auto key = tsig_key_from_text("HMAC-SHA512:Update-Key:AAECAw==");
    ASSERT_TRUE(key.ok());
    EXPECT_EQ(key->algorithm, TsigAlgorithm::kHmacSha512);
    EXPECT_EQ(key->name.to_text(), "update-key.");
    EXPECT_EQ(key->secret, std::string("\0\1\2\3", 4));
    auto plain = tsig_key_from_text("k.:AAECAw==");
    ASSERT_TRUE(plain.ok());
    EXPECT_EQ(plain->algorithm, TsigAlgorithm::kHmacSha256);
    EXPECT_FALSE(tsig_key_from_text("hmac-sha999:k:AAECAw==").ok());
    EXPECT_FALSE(tsig_key_from_text("k:not base64").ok());
    EXPECT_FALSE(tsig_key_from_text("nocolon").ok());
    EXPECT_EQ(tsig_algorithm_from_text("hmac-md5.sig-alg.reg.int."), TsigAlgorithm::kHmacMd5);
}

TEST(TsigKeyTest, TheKeyringFindsKeysInAnyCaseAndRefusesTwins) {
    TsigKeyring ring;
    ASSERT_TRUE(ring.add(make_key(TsigAlgorithm::kHmacSha256)).ok());
    EXPECT_FALSE(ring.add(make_key(TsigAlgorithm::kHmacSha1, "UPDATE-KEY.")).ok());
    auto upper = name_from_text("Update-KEY.", nullptr);
    ASSERT_TRUE(upper.ok());
    ASSERT_NE(ring.find(*upper), nullptr);
    EXPECT_EQ(ring.find(*upper)->algorithm, TsigAlgorithm::kHmacSha256);
    auto other = name_from_text("other.", nullptr);
    EXPECT_EQ(ring.find(*other), nullptr);
}

TEST(TsigSignTest, RequestsAndResponsesRoundTripWithEveryAlgorithm) {
    for (const auto algorithm : {TsigAlgorithm::kHmacMd5, TsigAlgorithm::kHmacSha1, TsigAlgorithm::kHmacSha224,
                                 TsigAlgorithm::kHmacSha256, TsigAlgorithm::kHmacSha384, TsigAlgorithm::kHmacSha512}) {
        SCOPED_TRACE(std::string(tsig_algorithm_text(algorithm)));
        const TsigKey key = make_key(algorithm);
        TsigKeyring ring;
        ASSERT_TRUE(ring.add(key).ok());
        Bytes msg = query();
        const Bytes request_mac = sign(msg, key, kNow);
        EXPECT_EQ(request_mac.size(), tsig_digest_size(algorithm));
        EXPECT_EQ(load_u16(&msg[10]), 1);
        TsigContext ctx;
        ASSERT_EQ(verify(msg, ring, kNow + 10, ctx), TsigStatus::kOk);
        ASSERT_EQ(ctx.key, ring.find(key.name));

        size_t pos = 0;
        ASSERT_EQ(locate_tsig(msg.data(), msg.size(), pos), TsigPresence::kLast);
        Bytes response = response_to(msg, pos);
        const size_t len = response.size();
        response.resize(len + 512);
        const size_t n = tsig_sign_response(response.data(), len, response.size(), ctx, kNow + 11);
        ASSERT_NE(n, 0u);
        response.resize(n);
        EXPECT_EQ(tsig_verify_response(response.data(), response.size(), key, request_mac, kNow + 12), TsigStatus::kOk);
        // Bound to its request: another request MAC does not verify it.
        Bytes wrong = request_mac;
        wrong[0] ^= 1;
        EXPECT_EQ(tsig_verify_response(response.data(), response.size(), key, wrong, kNow), TsigStatus::kBadSig);
    }
}

TEST(TsigVerifyTest, AFlippedByteIsBadsig) {
    const TsigKey key = make_key(TsigAlgorithm::kHmacSha256);
    TsigKeyring ring;
    ASSERT_TRUE(ring.add(key).ok());
    Bytes msg = query();
    sign(msg, key, kNow);
    size_t pos = 0;
    ASSERT_EQ(locate_tsig(msg.data(), msg.size(), pos), TsigPresence::kLast);
    for (size_t i = 0; i < pos; ++i) {
        if (i == 10 || i == 11) continue;  // ARCOUNT: the TSIG would no longer be found
        Bytes bad = msg;
        bad[i] ^= 0x01;
        TsigContext ctx;
        const TsigStatus s = verify(bad, ring, kNow, ctx);
        if (i == 0 || i == 1) {
            EXPECT_EQ(s, TsigStatus::kOk) << "the ID is replaced by Original ID";
        } else if (s != TsigStatus::kFormErr) {  // a flipped count or label may break the message
            EXPECT_EQ(s, TsigStatus::kBadSig) << i;
            EXPECT_EQ(ctx.error, tsig::BADSIG);
            EXPECT_EQ(ctx.key, nullptr) << "a BADSIG response is unsigned";
        }
    }
}

TEST(TsigVerifyTest, OutsideTheFudgeIsBadtimeAndItsResponseCarriesOurTime) {
    const TsigKey key = make_key(TsigAlgorithm::kHmacSha256);
    TsigKeyring ring;
    ASSERT_TRUE(ring.add(key).ok());
    Bytes msg = query();
    const Bytes request_mac = sign(msg, key, kNow);
    TsigContext ctx;
    EXPECT_EQ(verify(msg, ring, kNow + 300, ctx), TsigStatus::kOk);
    EXPECT_EQ(verify(msg, ring, kNow - 300, ctx), TsigStatus::kOk);
    EXPECT_EQ(verify(msg, ring, kNow - 301, ctx), TsigStatus::kBadTime);
    ASSERT_EQ(verify(msg, ring, kNow + 301, ctx), TsigStatus::kBadTime);
    EXPECT_EQ(ctx.error, tsig::BADTIME);

    size_t pos = 0;
    ASSERT_EQ(locate_tsig(msg.data(), msg.size(), pos), TsigPresence::kLast);
    Bytes response = response_to(msg, pos);
    const size_t len = response.size();
    response.resize(len + 512);
    const size_t n = tsig_sign_response(response.data(), len, response.size(), ctx, kNow + 301);
    ASSERT_NE(n, 0u);
    response.resize(n);
    TsigRecord t;
    ASSERT_TRUE(read_tsig(response.data(), response.size(), len, t));
    EXPECT_EQ(t.error, tsig::BADTIME);
    EXPECT_EQ(t.time_signed, static_cast<uint64_t>(kNow)) << "the request's time, echoed";
    ASSERT_EQ(t.other_len, 6);
    EXPECT_EQ((uint64_t{load_u16(t.other)} << 32) | load_u32(t.other + 2), static_cast<uint64_t>(kNow + 301));
    EXPECT_NE(t.mac_size, 0) << "BADTIME is signed (RFC 8945 5.3.2)";
    EXPECT_EQ(tsig_verify_response(response.data(), response.size(), key, request_mac, kNow), TsigStatus::kBadTime);
}

TEST(TsigVerifyTest, UnknownKeysAndAlgorithmsAreBadkeyAnsweredUnsigned) {
    TsigKeyring ring;
    ASSERT_TRUE(ring.add(make_key(TsigAlgorithm::kHmacSha256)).ok());
    Bytes msg = query();
    const TsigKey stranger = make_key(TsigAlgorithm::kHmacSha256, "stranger.");
    const Bytes request_mac = sign(msg, stranger, kNow);
    TsigContext ctx;
    ASSERT_EQ(verify(msg, ring, kNow, ctx), TsigStatus::kBadKey);
    EXPECT_EQ(ctx.key, nullptr);

    size_t pos = 0;
    ASSERT_EQ(locate_tsig(msg.data(), msg.size(), pos), TsigPresence::kLast);
    Bytes response = response_to(msg, pos);
    const size_t len = response.size();
    response.resize(len + 512);
    const size_t n = tsig_sign_response(response.data(), len, response.size(), ctx, kNow);
    ASSERT_NE(n, 0u);
    response.resize(n);
    TsigRecord t;
    ASSERT_TRUE(read_tsig(response.data(), response.size(), len, t));
    EXPECT_EQ(t.mac_size, 0);
    EXPECT_EQ(t.error, tsig::BADKEY);
    EXPECT_EQ(tsig_verify_response(response.data(), response.size(), stranger, request_mac, kNow), TsigStatus::kBadKey);

    Bytes sha512 = query();
    sign(sha512, make_key(TsigAlgorithm::kHmacSha512), kNow);  // the right name, another algorithm
    EXPECT_EQ(verify(sha512, ring, kNow, ctx), TsigStatus::kBadKey);
}

// Cuts the MAC of the TSIG record at `pos` (written by tsig_sign_request: uncompressed
// names) to `size` bytes; the MAC does not cover its own size, so a cut MAC stays valid.
void truncate_mac(Bytes& msg, size_t pos, size_t size) {
    const size_t owner = wire_name_length(&msg[pos], msg.size() - pos);
    const size_t rdata = pos + owner + 10;
    const size_t alg = wire_name_length(&msg[rdata], msg.size() - rdata);
    const size_t mac_size_at = rdata + alg + 8;
    const size_t old = load_u16(&msg[mac_size_at]);
    msg.erase(msg.begin() + static_cast<long>(mac_size_at + 2 + size),
              msg.begin() + static_cast<long>(mac_size_at + 2 + old));
    store_u16(&msg[mac_size_at], static_cast<uint16_t>(size));
    store_u16(&msg[rdata - 2], static_cast<uint16_t>(load_u16(&msg[rdata - 2]) - (old - size)));
}

TEST(TsigVerifyTest, TruncatedMacsFollowRfc8945Rules) {
    const TsigKey key = make_key(TsigAlgorithm::kHmacSha256);
    TsigKeyring ring;
    ASSERT_TRUE(ring.add(key).ok());
    for (const size_t size : {size_t{16}, size_t{31}, size_t{15}, size_t{10}}) {
        Bytes msg = query();
        sign(msg, key, kNow);
        size_t pos = 0;
        ASSERT_EQ(locate_tsig(msg.data(), msg.size(), pos), TsigPresence::kLast);
        truncate_mac(msg, pos, size);
        TsigContext ctx;
        // At least half of SHA-256's 32 bytes, and 10 (5.2.2.1).
        EXPECT_EQ(verify(msg, ring, kNow, ctx), size >= 16 ? TsigStatus::kOk : TsigStatus::kFormErr) << size;
        if (size >= 16) {
            EXPECT_EQ(ctx.request_mac_len, size) << "the response covers the truncated MAC";
        }
    }
}

TEST(TsigVerifyTest, ATsigBeforeTheEndIsMalformed) {
    const TsigKey key = make_key(TsigAlgorithm::kHmacSha256);
    Bytes msg = query();
    sign(msg, key, kNow);
    size_t pos = 0;
    Bytes twice = msg;
    twice.insert(twice.end(), msg.begin() + 12 + 17 + 4, msg.end());  // the TSIG again
    store_u16(&twice[10], 2);
    EXPECT_EQ(locate_tsig(twice.data(), twice.size(), pos), TsigPresence::kMalformed);
    Bytes trailing = msg;
    trailing.push_back(0);
    EXPECT_EQ(locate_tsig(trailing.data(), trailing.size(), pos), TsigPresence::kMalformed);
    const Bytes plain = query();
    EXPECT_EQ(locate_tsig(plain.data(), plain.size(), pos), TsigPresence::kNone);
}

// Messages signed by the real tools, captured from a UDP socket (secret: the base64 of
// "fastzone-update-test-secret-0123"), at Unix time kNow .. kNow + 2.
TEST(TsigVerifyTest, MessagesSignedByKdigAndNsupdateVerify) {
    TsigKeyring ring;
    ASSERT_TRUE(ring.add(make_key(TsigAlgorithm::kHmacSha256)).ok());
    TsigKeyring ring512;
    ASSERT_TRUE(ring512.add(make_key(TsigAlgorithm::kHmacSha512)).ok());
    // kdig -y hmac-sha256:update-key.:... example.com SOA
    const Bytes kdig256 = hex_bytes(
        "92fb01200001000000000001076578616d706c6503636f6d00000600010a7570646174652d6b65790000fa00ff00000000003d0b686d"
        "61632d7368613235360000006b111a44012c00200049b9e2c3a92877e2c3f6f5078443df711c2bc2f490a55d1f518f04f270fd0692fb"
        "00000000");
    // kdig -y hmac-sha512:...
    const Bytes kdig512 = hex_bytes(
        "703401200001000000000001076578616d706c6503636f6d00000600010a7570646174652d6b65790000fa00ff00000000005d0b686d"
        "61632d7368613531320000006b111a45012c00403f2305d3e6ffc1ace750beed44057646ef5f8a6cafc7485a6586f6f3618e92b718cf"
        "4d52cf2452c5675e76af02257dece97e2c0b67e410d71114a41479972e2f703400000000");
    // nsupdate -y hmac-sha256:update-key:...: prereq nxrrset new A, add new 300 A, delete old A
    const Bytes nsupdate = hex_bytes(
        "ce1028000001000100020001076578616d706c6503636f6d0000060001036e6577c00c000100fe000000000000c01d0001000100"
        "00012c0004c0000207036f6c64c00c000100ff0000000000000a7570646174652d6b65790000fa00ff00000000003d0b686d6163"
        "2d7368613235360000006b111a46012c00207203fb144860f8a9b37f940b2ed339dfbec794b94ae093f8b66839babd4dc962ce10"
        "00000000");
    TsigContext ctx;
    EXPECT_EQ(verify(kdig256, ring, kNow, ctx), TsigStatus::kOk);
    EXPECT_EQ(verify(kdig512, ring512, kNow, ctx), TsigStatus::kOk);
    EXPECT_EQ(verify(nsupdate, ring, kNow, ctx), TsigStatus::kOk);
    EXPECT_EQ(verify(nsupdate, ring, kNow + 1000, ctx), TsigStatus::kBadTime);
    Bytes flipped = nsupdate;
    flipped[60] ^= 1;  // inside the added A record's address
    EXPECT_EQ(verify(flipped, ring, kNow, ctx), TsigStatus::kBadSig);
}

}  // namespace
}  // namespace fz::dns
