// Tests for the message reader: every field of a response written with the server's own
// Writer (compressed names included), the OPT record and its options, and malformed
// messages of every kind, cut at every length, reported as errors.
#include "dns/message_reader.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "dns/message_builder.h"
#include "dns/writer.h"

namespace fz::dns {
namespace {

using Bytes = std::vector<uint8_t>;

std::string wire(const char* text) { return name_from_text(text, nullptr)->bytes(); }

// A message written as answer() writes one: names compressed by the Writer.
class Response {
public:
    Response(uint16_t flags, uint16_t qd, uint16_t an, uint16_t ns, uint16_t ar) {
        for (uint16_t v : {uint16_t{0xbeef}, flags, qd, an, ns, ar}) w_.put_u16(v);
    }
    void question(const char* name, uint16_t type) {
        w_.put_name(reinterpret_cast<const uint8_t*>(wire(name).data()), true);
        w_.put_u16(type);
        w_.put_u16(rrclass::IN);
    }
    // One record, its rdata (uncompressed) compressed where the type allows.
    void record(const char* owner, uint16_t type, uint32_t ttl, const std::string& rdata,
                uint16_t rclass = rrclass::IN) {
        w_.put_name(reinterpret_cast<const uint8_t*>(wire(owner).data()), true);
        w_.put_u16(type);
        w_.put_u16(rclass);
        w_.put_u32(ttl);
        const size_t len_at = w_.size();
        w_.put_u16(0);
        w_.put_rdata(type, reinterpret_cast<const uint8_t*>(rdata.data()), static_cast<uint16_t>(rdata.size()));
        store_u16(buf_ + len_at, static_cast<uint16_t>(w_.size() - len_at - 2));
    }
    void raw(const Bytes& bytes) { w_.put_bytes(bytes.data(), bytes.size()); }
    Bytes bytes() const { return Bytes(buf_, buf_ + w_.size()); }

private:
    uint8_t buf_[2048] = {};
    Writer w_{buf_, sizeof buf_};
};

std::string soa_rdata() {
    std::string r = wire("ns1.example.com.") + wire("hostmaster.example.com.");
    const uint8_t timers[20] = {0, 0, 0, 1, 0, 0, 0x1c, 0x20, 0, 0, 0x0e, 0x10, 0, 0x12, 0x75, 0, 0, 0, 1, 0x2c};
    r.append(reinterpret_cast<const char*>(timers), 20);
    return r;
}

// A referral-like response with one record of each kind of rdata, and an OPT.
Bytes full_response() {
    Response r(flag::QR | flag::AA | flag::RD, 1, 4, 1, 2);
    r.question("WWW.example.com.", type::A);
    r.record("www.example.com.", type::CNAME, 300, wire("web.example.com."));
    r.record("web.example.com.", type::A, 60, std::string("\xc0\x00\x02\x0a", 4));
    r.record("example.com.", type::MX, 3600, std::string("\x00\x0a", 2) + wire("mail.example.com."));
    r.record("_sip._udp.example.com.", type::SRV, 3600,
             std::string("\x00\x0a\x00\x3c\x13\xc4", 6) + wire("sip.example.com."));
    r.record("example.com.", type::SOA, 300, soa_rdata());
    r.record("mail.example.com.", type::A, 60, std::string("\xc0\x00\x02\x19", 4));
    // OPT: UDP 1232, extended rcode 1, version 0, DO; ECS 192.0.2.0/24 scope 16, NSID "ns1".
    r.raw({0, 0, 41, 0x04, 0xd0, 1, 0, 0x80, 0, 0, 18, 0, 8, 0, 7, 0, 1, 24, 16, 192, 0, 2, 0, 3, 0, 3, 'n', 's', '1'});
    return r.bytes();
}

Message read_ok(const Bytes& m) {
    auto read = read_message(m);
    EXPECT_TRUE(read.ok()) << (read.ok() ? "" : read.error().to_string());
    return read.ok() ? *read : Message{};
}

std::string error_of(const Bytes& m) {
    auto read = read_message(m);
    return read.ok() ? "(read fine)" : read.error().message;
}

TEST(MessageReaderTest, HeaderFields) {
    const Message m = read_ok(full_response());
    EXPECT_EQ(m.header.id, 0xbeef);
    EXPECT_TRUE(m.header.has(flag::QR));
    EXPECT_TRUE(m.header.has(flag::AA));
    EXPECT_FALSE(m.header.has(flag::TC));
    EXPECT_EQ(m.header.opcode(), opcode::QUERY);
    EXPECT_EQ(m.header.qdcount, 1);
    EXPECT_EQ(m.header.ancount, 4);
    EXPECT_EQ(m.header.nscount, 1);
    EXPECT_EQ(m.header.arcount, 2);
    EXPECT_EQ(m.rcode(), rcode::BADVERS);  // 0 in the header, 1 above it in the OPT

    auto header = read_header(Bytes{0x12, 0x34, 0x28, 0x05, 0, 1, 0, 2, 0, 3, 0, 4}.data(), 12);
    ASSERT_TRUE(header.has_value());
    EXPECT_EQ(header->opcode(), opcode::UPDATE);
    EXPECT_EQ(header->flags & flag::RCODE_MASK, rcode::REFUSED);
    EXPECT_EQ(header->arcount, 4);
    EXPECT_FALSE(read_header(Bytes(11, 0).data(), 11).has_value());
}

TEST(MessageReaderTest, QuestionKeepsItsCase) {
    const Message m = read_ok(full_response());
    ASSERT_EQ(m.questions.size(), 1u);
    EXPECT_EQ(m.questions[0].name.to_text(), "WWW.example.com.");
    EXPECT_EQ(m.questions[0].qtype, type::A);
    EXPECT_EQ(m.questions[0].qclass, rrclass::IN);
}

TEST(MessageReaderTest, RecordsWithCompressedNamesExpanded) {
    const Message m = read_ok(full_response());
    ASSERT_EQ(m.answer.size(), 4u);
    EXPECT_EQ(m.answer[0].owner.to_text(), "WWW.example.com.");  // a pointer to the question
    EXPECT_EQ(m.answer[0].type, type::CNAME);
    EXPECT_EQ(m.answer[0].rclass, rrclass::IN);
    EXPECT_EQ(m.answer[0].ttl, 300u);
    EXPECT_EQ(std::string(m.answer[0].rdata.begin(), m.answer[0].rdata.end()), wire("web.example.com."));
    EXPECT_EQ(m.answer[1].rdata, (Bytes{192, 0, 2, 10}));
    const std::string mx = std::string("\x00\x0a", 2) + wire("mail.example.com.");
    EXPECT_EQ(std::string(m.answer[2].rdata.begin(), m.answer[2].rdata.end()), mx);
    // SRV names are never compressed (RFC 2782): the rdata as it is.
    EXPECT_EQ(m.answer[3].rdata.size(), 6 + wire("sip.example.com.").size());

    ASSERT_EQ(m.authority.size(), 1u);
    EXPECT_EQ(m.authority[0].type, type::SOA);
    EXPECT_EQ(std::string(m.authority[0].rdata.begin(), m.authority[0].rdata.end()), soa_rdata());

    ASSERT_EQ(m.additional.size(), 1u);  // the OPT is apart
    EXPECT_EQ(m.additional[0].owner.to_text(), "mail.example.com.");
}

TEST(MessageReaderTest, OptRecordAndItsOptions) {
    const Message m = read_ok(full_response());
    ASSERT_TRUE(m.opt.has_value());
    EXPECT_EQ(m.opt->udp_size, 1232);
    EXPECT_EQ(m.opt->extended_rcode, 1);
    EXPECT_EQ(m.opt->version, 0);
    EXPECT_TRUE(m.opt->do_bit);
    ASSERT_EQ(m.opt->options.size(), 2u);
    EXPECT_EQ(m.opt->options[0], (EdnsOption{edns::CLIENT_SUBNET, {0, 1, 24, 16, 192, 0, 2}}));
    EXPECT_EQ(m.opt->options[1], (EdnsOption{edns::NSID, {'n', 's', '1'}}));
    ASSERT_TRUE(m.opt->client_subnet.has_value());
    EXPECT_EQ(m.opt->client_subnet->family, 1);
    EXPECT_EQ(m.opt->client_subnet->source_prefix, 24);
    EXPECT_EQ(m.opt->client_subnet->scope_prefix, 16);
    EXPECT_EQ(m.opt->client_subnet->address[0], 192);
    EXPECT_EQ(m.opt->client_subnet->address[2], 2);
    EXPECT_EQ(m.opt->client_subnet->address[3], 0);
    ASSERT_TRUE(m.opt->nsid.has_value());
    EXPECT_EQ(*m.opt->nsid, (Bytes{'n', 's', '1'}));
    EXPECT_FALSE(m.opt->cookie.has_value());
}

TEST(MessageReaderTest, ReadsWhatTheBuilderWrites) {
    QueryBuilder q;
    q.id = 7;
    q.flags = flag::RD;
    q.qname = "example.org.";
    q.qtype = type::NS;
    q.edns_version = 2;
    const uint8_t v6[16] = {0x20, 0x01, 0x0d, 0xb8};
    const uint8_t client[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    const uint8_t server[8] = {8, 7, 6, 5, 4, 3, 2, 1};
    q.options = {client_subnet_option(2, 32, v6), cookie_option(client, server), {65001, {9}}};
    auto built = q.build();
    ASSERT_TRUE(built.ok());
    const Message m = read_ok(*built);
    EXPECT_EQ(m.header.id, 7);
    EXPECT_EQ(m.header.flags, flag::RD);
    ASSERT_EQ(m.questions.size(), 1u);
    EXPECT_EQ(m.questions[0].name.to_text(), "example.org.");
    EXPECT_EQ(m.questions[0].qtype, type::NS);
    ASSERT_TRUE(m.opt.has_value());
    EXPECT_EQ(m.opt->version, 2);
    EXPECT_FALSE(m.opt->do_bit);
    EXPECT_EQ(m.opt->options, q.options);
    ASSERT_TRUE(m.opt->client_subnet.has_value());
    EXPECT_EQ(m.opt->client_subnet->family, 2);
    EXPECT_EQ(m.opt->client_subnet->address[1], 0x01);
    ASSERT_TRUE(m.opt->cookie.has_value());
    EXPECT_EQ(m.opt->cookie->client, Bytes(client, client + 8));
    EXPECT_EQ(m.opt->cookie->server, Bytes(server, server + 8));
    EXPECT_FALSE(m.opt->nsid.has_value());
    EXPECT_TRUE(m.answer.empty() && m.authority.empty() && m.additional.empty());
}

TEST(MessageReaderTest, EveryCutOfAMessageIsAnError) {
    const Bytes full = full_response();
    for (size_t len = 0; len < full.size(); ++len) {
        const Bytes cut(full.begin(), full.begin() + static_cast<long>(len));
        EXPECT_FALSE(read_message(cut).ok()) << "cut at " << len;
    }
}

TEST(MessageReaderTest, ErrorsSayWhatAndWhere) {
    EXPECT_EQ(error_of(Bytes(5, 0)), "shorter than a header (offset 0)");

    Response count(flag::QR, 1, 2, 0, 0);  // two answers announced, one there
    count.question("a.example.", type::A);
    count.record("a.example.", type::A, 1, std::string(4, '\0'));
    EXPECT_EQ(error_of(count.bytes()), "answer record 2: owner cut short or malformed (offset 43)");

    Response trailing(flag::QR, 1, 0, 0, 0);
    trailing.question("a.example.", type::A);
    trailing.raw({0});
    EXPECT_EQ(error_of(trailing.bytes()), "bytes after the last record (offset 27)");

    Response forward(flag::QR, 1, 0, 0, 0);  // a pointer to itself
    forward.raw({0xc0, 12, 0, 1, 0, 1});
    EXPECT_EQ(error_of(forward.bytes()), "question 1: name cut short or malformed (offset 12)");
}

TEST(MessageReaderTest, MalformedNames) {
    Response loop(flag::QR, 0, 1, 0, 0);  // 12: "a" then a pointer to 12
    loop.raw({1, 'a', 0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 1, 0, 4, 1, 2, 3, 4});
    EXPECT_FALSE(read_message(loop.bytes()).ok());

    Response label(flag::QR, 1, 0, 0, 0);  // label type 0x40
    label.raw({0x41, 'a', 0, 0, 1, 0, 1});
    EXPECT_FALSE(read_message(label.bytes()).ok());

    Bytes long_name;
    for (int i = 0; i < 5; ++i) {
        long_name.push_back(60);
        long_name.insert(long_name.end(), 60, 'a');
    }
    long_name.insert(long_name.end(), {0, 0, 1, 0, 1});
    Response too_long(flag::QR, 1, 0, 0, 0);
    too_long.raw(long_name);
    EXPECT_FALSE(read_message(too_long.bytes()).ok());
}

TEST(MessageReaderTest, RdataNamesMustFillTheRdata) {
    // A CNAME whose rdata holds a name and one byte more.
    Response extra(flag::QR, 0, 1, 0, 0);
    extra.raw({0, 0, 5, 0, 1, 0, 0, 0, 1, 0, 4, 1, 'a', 0, 0});
    EXPECT_EQ(error_of(extra.bytes()), "answer record 1: names in the rdata malformed or not filling it (offset 12)");
    Response spill(flag::QR, 0, 1, 0, 0);  // a name running past its rdata
    spill.raw({0, 0, 5, 0, 1, 0, 0, 0, 1, 0, 2, 1, 'a', 0});
    EXPECT_FALSE(read_message(spill.bytes()).ok());
    Response mx(flag::QR, 0, 1, 0, 0);  // MX rdata shorter than its preference
    mx.raw({0, 0, 15, 0, 1, 0, 0, 0, 1, 0, 1, 0});
    EXPECT_FALSE(read_message(mx.bytes()).ok());
    Response soa(flag::QR, 0, 1, 0, 0);  // SOA with 19 bytes of timers
    soa.raw({0, 0, 6, 0, 1, 0, 0, 0, 1, 0, 21, 0, 0});
    soa.raw(Bytes(19, 0));
    EXPECT_FALSE(read_message(soa.bytes()).ok());
}

TEST(MessageReaderTest, MalformedOptRecords) {
    const Bytes opt = {0, 0, 41, 0x04, 0xd0, 0, 0, 0, 0, 0, 0};
    Response in_answer(flag::QR, 0, 1, 0, 0);
    in_answer.raw(opt);
    EXPECT_NE(error_of(in_answer.bytes()).find("OPT outside the additional section"), std::string::npos);
    Response twice(flag::QR, 0, 0, 0, 2);
    twice.raw(opt);
    twice.raw(opt);
    EXPECT_NE(error_of(twice.bytes()).find("additional record 2: OPT"), std::string::npos);
    Response owned(flag::QR, 0, 0, 0, 1);
    owned.raw({1, 'a', 0, 0, 41, 0x04, 0xd0, 0, 0, 0, 0, 0, 0});
    EXPECT_FALSE(read_message(owned.bytes()).ok());

    // Options: one running past the rdata, one header cut short.
    Response past(flag::QR, 0, 0, 0, 1);
    past.raw({0, 0, 41, 0x04, 0xd0, 0, 0, 0, 0, 0, 6, 0, 3, 0, 3, 'n', 's'});
    EXPECT_EQ(error_of(past.bytes()), "additional record 1: EDNS option 3 runs past the OPT record (offset 23)");
    Response cut(flag::QR, 0, 0, 0, 1);
    cut.raw({0, 0, 41, 0x04, 0xd0, 0, 0, 0, 0, 0, 2, 0, 3});
    EXPECT_FALSE(read_message(cut.bytes()).ok());
}

TEST(MessageReaderTest, MalformedKnownOptions) {
    auto with_option = [](const EdnsOption& o, size_t times = 1) {
        QueryBuilder q;
        for (size_t i = 0; i < times; ++i) q.options.push_back(o);
        return *q.build();
    };
    EXPECT_TRUE(read_message(with_option({edns::CLIENT_SUBNET, {0, 1, 24, 0, 1, 2, 3}})).ok());
    EXPECT_FALSE(read_message(with_option({edns::CLIENT_SUBNET, {0, 3, 24, 0, 1, 2, 3}})).ok());  // family
    EXPECT_FALSE(read_message(with_option({edns::CLIENT_SUBNET, {0, 1, 33, 0, 1, 2, 3, 4, 5}})).ok());
    EXPECT_FALSE(read_message(with_option({edns::CLIENT_SUBNET, {0, 1, 24, 33, 1, 2, 3}})).ok());  // scope
    EXPECT_FALSE(read_message(with_option({edns::CLIENT_SUBNET, {0, 1, 24, 0, 1, 2}})).ok());      // address
    EXPECT_FALSE(read_message(with_option({edns::CLIENT_SUBNET, {0, 1, 24}})).ok());
    EXPECT_FALSE(read_message(with_option({edns::CLIENT_SUBNET, {0, 1, 24, 0, 1, 2, 3}}, 2)).ok());
    EXPECT_TRUE(read_message(with_option({edns::COOKIE, Bytes(40, 1)})).ok());
    for (size_t bad : {0, 7, 9, 15, 41}) {
        EXPECT_FALSE(read_message(with_option({edns::COOKIE, Bytes(bad, 1)})).ok()) << bad;
    }
    EXPECT_FALSE(read_message(with_option({edns::NSID, {}}, 2)).ok());
    EXPECT_TRUE(read_message(with_option({65001, {}}, 2)).ok());  // unknown options may repeat
}

// Random damage to a sound message: read or refused, never a crash or a read past the
// end (the fuzz targets feed it hostile bytes under AddressSanitizer).
TEST(MessageReaderTest, DamagedMessagesAreReadOrRefused) {
    const Bytes full = full_response();
    std::mt19937 rng(5);
    size_t refused = 0;
    for (int round = 0; round < 5000; ++round) {
        Bytes m = full;
        for (int flips = 1 + static_cast<int>(rng() % 4); flips > 0; --flips) {
            m[rng() % m.size()] = static_cast<uint8_t>(rng());
        }
        m.resize(m.size() - rng() % 8);
        refused += !read_message(m).ok();
    }
    EXPECT_GT(refused, 0u);
}

}  // namespace
}  // namespace fz::dns
