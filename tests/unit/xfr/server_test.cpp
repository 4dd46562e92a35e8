// Outgoing transfers end to end over a published snapshot: AXFR record for record, IXFR
// from a change history (and its fallbacks), the ACL, TSIG streams verified message by
// message, and what a routing-policy name transfers as.
#include "xfr/server.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "dns/message_builder.h"
#include "dns/message_reader.h"
#include "dns/rrtype.h"
#include "dns/wire.h"
#include "engine/publisher.h"
#include "tests/support/zone_snapshot.h"
#include "zone/rdata_text.h"

namespace fz::xfr {
namespace {

constexpr char kSecret[] = "c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0";

std::string zone_text(int names) {
    std::string t =
        "$ORIGIN example.com.\n$TTL 300\n@ SOA ns1 hostmaster 10 7200 3600 1209600 60\n@ NS ns1\nns1 A 192.0.2.53\n"
        "@ MX 10 mail\nmail A 192.0.2.25\nmail AAAA 2001:db8::25\nsub NS ns.sub\nns.sub A 192.0.2.99\n";
    for (int i = 0; i < names; ++i)
        t += "host" + std::to_string(i) + " 60 TXT \"record number " + std::to_string(i) + "\"\n";
    return t;
}

struct Exchange {
    std::vector<dns::Message> messages;
    std::vector<std::vector<uint8_t>> raw;
    TransferReport report;

    // Every answer record as "owner type ttl rdata" (owners lower-cased).
    std::vector<std::string> records() const {
        std::vector<std::string> out;
        for (const auto& m : messages) {
            for (const auto& rr : m.answer) {
                out.push_back(rr.owner.lowered().to_text() + " " + dns::type_to_text(rr.type) + " " +
                              std::to_string(rr.ttl) + " " +
                              zone::rdata_to_text(rr.type, rr.rdata.data(), rr.rdata.size()));
            }
        }
        return out;
    }
};

class TransferTest : public ::testing::Test {
protected:
    void serve(const std::string& text) {
        auto snap = test::snapshot_from_text({{"example.com.", text}});
        ASSERT_TRUE(snap.ok()) << snap.error().to_string();
        publisher_.publish(std::move(snap.value()));
    }
    void SetUp() override {
        key_ = *dns::tsig_key_from_text(std::string("hmac-sha256:xfr-key:") + kSecret);
        ASSERT_TRUE(access_.keys.add(key_).ok());
        std::vector<change::AclRule> rules{*change::make_acl_rule("local", {}, {"127.0.0.0/8"}, {"transfer"}),
                                           *change::make_acl_rule("keyed", {"xfr-key"}, {}, {"transfer"}),
                                           *change::make_acl_rule("updaters", {}, {}, {"update"})};
        access_.acl = change::Acl(rules, {{"example.com.", {"local", "keyed", "updaters"}}});
        local_.family = 4;
        local_.address[0] = 127;
        local_.address[3] = 1;
        far_.family = 4;
        far_.address[0] = 198;
        far_.address[1] = 51;
        far_.address[2] = 100;
        far_.address[3] = 7;
    }

    std::vector<uint8_t> query(uint16_t qtype, std::optional<uint32_t> ixfr_serial = std::nullopt,
                               const dns::TsigKey* key = nullptr, std::string zone = "example.com.") {
        dns::QueryBuilder q;
        q.id = 4242;
        q.qname = zone;
        q.qtype = qtype;
        auto m = q.build();
        EXPECT_TRUE(m.ok());
        std::vector<uint8_t> msg = *m;
        if (ixfr_serial) {
            // The secondary's SOA in the authority section (RFC 1995 3).
            auto rd = zone::rdata_from_text(dns::type::SOA,
                                            "ns1 hostmaster " + std::to_string(*ixfr_serial) + " 7200 3600 1209600 60",
                                            *dns::name_from_text("example.com.", nullptr));
            EXPECT_TRUE(rd.ok());
            msg.insert(msg.end(), {0xc0, 0x0c, 0, 6, 0, 1, 0, 0, 0, 0});  // owner, SOA, IN, TTL 0
            msg.push_back(static_cast<uint8_t>(rd->size() >> 8));
            msg.push_back(static_cast<uint8_t>(rd->size()));
            msg.insert(msg.end(), rd->begin(), rd->end());
            dns::store_u16(&msg[8], 1);
        }
        if (key != nullptr) {
            msg.resize(msg.size() + 512);
            const size_t n = dns::tsig_sign_request(msg.data(), msg.size() - 512, msg.size(), *key, now_,
                                                    dns::tsig::kFudge, request_mac_, &request_mac_len_);
            msg.resize(n);
        }
        return msg;
    }

    Exchange run(const std::vector<uint8_t>& q, const engine::Peer& peer) {
        Exchange ex;
        ex.report = respond_transfer(publisher_, access_, q, peer, now_, [&](const uint8_t* framed, size_t len) {
            EXPECT_EQ(dns::load_u16(framed), len - 2);
            ex.raw.emplace_back(framed + 2, framed + len);
            auto m = dns::read_message(framed + 2, len - 2);
            EXPECT_TRUE(m.ok()) << (m.ok() ? "" : m.error().message);
            if (m.ok()) ex.messages.push_back(std::move(m.value()));
            return true;
        });
        return ex;
    }

    static policy::RecordSet rs(const std::string& name, uint16_t type, uint32_t ttl, std::vector<std::string> values) {
        policy::RecordSet r;
        r.name = *dns::name_from_text(name, nullptr);
        r.type = type;
        r.ttl = ttl;
        r.values = std::move(values);
        return r;
    }
    static policy::RecordSet soa(uint32_t serial) {
        return rs("example.com.", dns::type::SOA, 300,
                  {"ns1.example.com. hostmaster.example.com. " + std::to_string(serial) + " 7200 3600 1209600 60"});
    }
    static change::HistoryEntry step(uint32_t from, uint32_t to, std::vector<policy::RecordSet> removed,
                                     std::vector<policy::RecordSet> added) {
        change::HistoryEntry e;
        e.change_id = "C" + std::to_string(to);
        e.serial_before = from;
        e.serial_after = to;
        removed.push_back(soa(from));
        added.push_back(soa(to));
        e.removed = std::move(removed);
        e.added = std::move(added);
        return e;
    }

    engine::Publisher publisher_;
    TransferAccess access_;
    dns::TsigKey key_;
    engine::Peer local_, far_;
    int64_t now_ = 1700000000;
    uint8_t request_mac_[dns::kMaxTsigMac]{};
    uint16_t request_mac_len_ = 0;
};

TEST_F(TransferTest, AxfrCarriesEveryRecordBetweenTwoSoas) {
    serve(zone_text(3));
    Exchange ex = run(query(dns::type::AXFR), local_);
    EXPECT_EQ(ex.report.kind, TransferReport::Kind::kAxfr);
    auto recs = ex.records();
    ASSERT_GE(recs.size(), 2u);
    EXPECT_EQ(recs.front(), "example.com. SOA 300 ns1.example.com. hostmaster.example.com. 10 7200 3600 1209600 60");
    EXPECT_EQ(recs.back(), recs.front());
    std::multiset<std::string> body(recs.begin() + 1, recs.end() - 1);
    std::multiset<std::string> want{
        "example.com. NS 300 ns1.example.com.",          "ns1.example.com. A 300 192.0.2.53",
        "example.com. MX 300 10 mail.example.com.",      "mail.example.com. A 300 192.0.2.25",
        "mail.example.com. AAAA 300 2001:db8::25",       "sub.example.com. NS 300 ns.sub.example.com.",
        "ns.sub.example.com. A 300 192.0.2.99",          "host0.example.com. TXT 60 \"record number 0\"",
        "host1.example.com. TXT 60 \"record number 1\"", "host2.example.com. TXT 60 \"record number 2\""};
    EXPECT_EQ(body, want);
    ASSERT_EQ(ex.messages.size(), 1u);
    EXPECT_TRUE(ex.messages[0].header.has(dns::flag::AA));
    EXPECT_EQ(ex.messages[0].header.id, 4242);
    EXPECT_EQ(ex.messages[0].rcode(), dns::rcode::NOERROR);
}

TEST_F(TransferTest, LargeZoneStreamsManySignedMessagesThatVerify) {
    serve(zone_text(20000));
    Exchange ex = run(query(dns::type::AXFR, std::nullopt, &key_), far_);
    ASSERT_EQ(ex.report.kind, TransferReport::Kind::kAxfr) << ex.report.detail;
    EXPECT_GT(ex.messages.size(), 5u);
    EXPECT_EQ(ex.records().size(), 20000u + 9u);  // the SOA twice, 7 others
    dns::TsigStreamVerifier verify(key_, {request_mac_, request_mac_len_});
    for (const auto& m : ex.raw) ASSERT_EQ(verify.verify(m.data(), m.size(), now_), dns::TsigStatus::kOk);
    EXPECT_TRUE(verify.last_signed());
    // One byte changed in the middle of the stream: that message no longer verifies.
    dns::TsigStreamVerifier again(key_, {request_mac_, request_mac_len_});
    auto broken = ex.raw;
    broken[2][40] ^= 1;
    EXPECT_EQ(again.verify(broken[0].data(), broken[0].size(), now_), dns::TsigStatus::kOk);
    EXPECT_EQ(again.verify(broken[1].data(), broken[1].size(), now_), dns::TsigStatus::kOk);
    EXPECT_EQ(again.verify(broken[2].data(), broken[2].size(), now_), dns::TsigStatus::kBadSig);
}

TEST_F(TransferTest, AclRefusesOtherAddressesWithoutTheKey) {
    serve(zone_text(1));
    Exchange ex = run(query(dns::type::AXFR), far_);
    EXPECT_EQ(ex.report.kind, TransferReport::Kind::kRefused);
    ASSERT_EQ(ex.messages.size(), 1u);
    EXPECT_EQ(ex.messages[0].rcode(), dns::rcode::NOTAUTH);
    EXPECT_TRUE(ex.messages[0].answer.empty());
    // A wrong secret: NOTAUTH with BADSIG, whatever the address.
    dns::TsigKey wrong = *dns::tsig_key_from_text("hmac-sha256:xfr-key:d3Jvbmd3cm9uZ3dyb25nd3Jvbmc=");
    ex = run(query(dns::type::AXFR, std::nullopt, &wrong), local_);
    EXPECT_EQ(ex.report.kind, TransferReport::Kind::kTsig);
    ASSERT_EQ(ex.messages.size(), 1u);
    EXPECT_EQ(ex.messages[0].rcode(), dns::rcode::NOTAUTH);
    EXPECT_TRUE(ex.messages[0].answer.empty());
    // A zone not served here.
    ex = run(query(dns::type::AXFR, std::nullopt, nullptr, "example.org."), local_);
    EXPECT_EQ(ex.report.kind, TransferReport::Kind::kNotAuth);
}

TEST_F(TransferTest, IxfrSendsTheHistorysDeltas) {
    serve(zone_text(1));
    std::vector<change::HistoryEntry> history{
        step(8, 9, {}, {rs("old.example.com.", dns::type::A, 60, {"192.0.2.8"})}),
        step(9, 10, {rs("old.example.com.", dns::type::A, 60, {"192.0.2.8"})},
             {rs("new.example.com.", dns::type::A, 60, {"192.0.2.10"}),
              rs("old.example.com.", dns::type::A, 60, {"192.0.2.8", "192.0.2.9"})})};
    access_.history = [&](const dns::Name&) { return history; };
    Exchange ex = run(query(dns::type::IXFR, 9u), local_);
    ASSERT_EQ(ex.report.kind, TransferReport::Kind::kIxfr) << ex.report.detail;
    auto recs = ex.records();
    const std::string soa10 = "example.com. SOA 300 ns1.example.com. hostmaster.example.com. 10 7200 3600 1209600 60";
    const std::string soa9 = "example.com. SOA 300 ns1.example.com. hostmaster.example.com. 9 7200 3600 1209600 60";
    // The record kept by the replaced set is neither removed nor added again.
    std::vector<std::string> want{
        soa10, soa9, soa10, "new.example.com. A 60 192.0.2.10", "old.example.com. A 60 192.0.2.9", soa10};
    std::sort(recs.begin() + 3, recs.end() - 1);
    EXPECT_EQ(recs, want);
    // From 8: both steps.
    ex = run(query(dns::type::IXFR, 8u), local_);
    ASSERT_EQ(ex.report.kind, TransferReport::Kind::kIxfr);
    EXPECT_EQ(ex.records().size(), 1u + 3u + 4u + 1u);  // SOA, [SOA 8, SOA 9, +1], [SOA 9, SOA 10, +2], SOA
}

TEST_F(TransferTest, IxfrFallsBackToTheWholeZoneOrSaysUpToDate) {
    serve(zone_text(1));
    std::vector<change::HistoryEntry> history{step(9, 10, {}, {rs("a.example.com.", dns::type::A, 60, {"192.0.2.1"})})};
    access_.history = [&](const dns::Name&) { return history; };
    // At our serial, or past it (RFC 1982): the SOA alone.
    for (uint32_t serial : {10u, 11u}) {
        Exchange ex = run(query(dns::type::IXFR, serial), local_);
        EXPECT_EQ(ex.report.kind, TransferReport::Kind::kUpToDate);
        EXPECT_EQ(ex.records().size(), 1u);
    }
    // Before the history starts: the zone in AXFR form.
    Exchange ex = run(query(dns::type::IXFR, 5u), local_);
    EXPECT_EQ(ex.report.kind, TransferReport::Kind::kIxfrAsAxfr);
    EXPECT_EQ(ex.records().size(), 10u);
    EXPECT_NE(ex.report.detail.find("does not reach back"), std::string::npos) << ex.report.detail;
    // A routed record set in the way.
    policy::RecordSet routed = rs("lb.example.com.", dns::type::A, 60, {"192.0.2.7"});
    routed.set_identifier = "one";
    routed.weight = 1;
    history.push_back(step(10, 11, {}, {routed}));
    ex = run(query(dns::type::IXFR, 9u), local_);
    EXPECT_EQ(ex.report.kind, TransferReport::Kind::kIxfrAsAxfr);
    EXPECT_NE(ex.report.detail.find("routing-policy"), std::string::npos) << ex.report.detail;
    // An IXFR without the secondary's SOA cannot be answered.
    ex = run(query(dns::type::IXFR), local_);
    ASSERT_EQ(ex.messages.size(), 1u);
    EXPECT_EQ(ex.messages[0].rcode(), dns::rcode::FORMERR);
}

TEST_F(TransferTest, IxfrOverUdpIsWholeWhenItFitsElseTheSoaAlone) {
    serve(zone_text(1));
    std::vector<change::HistoryEntry> history{step(9, 10, {}, {rs("a.example.com.", dns::type::A, 60, {"192.0.2.1"})})};
    access_.history = [&](const dns::Name&) { return history; };
    std::vector<uint8_t> q = query(dns::type::IXFR, 9u);
    uint8_t out[4096];
    size_t n = respond_udp_ixfr(publisher_, access_, q.data(), q.size(), local_, now_, out, sizeof out);
    auto m = dns::read_message(out, n);
    ASSERT_TRUE(m.ok());
    EXPECT_EQ(m->answer.size(), 5u);  // SOA 10, SOA 9, SOA 10, the A, SOA 10
    // Deltas past 512 bytes: the SOA alone, and the secondary asks again over TCP.
    std::vector<policy::RecordSet> many;
    for (int i = 0; i < 40; ++i)
        many.push_back(rs("n" + std::to_string(i) + ".example.com.", dns::type::A, 60, {"192.0.2.2"}));
    history = {step(9, 10, {}, many)};
    n = respond_udp_ixfr(publisher_, access_, q.data(), q.size(), local_, now_, out, sizeof out);
    m = dns::read_message(out, n);
    ASSERT_TRUE(m.ok());
    ASSERT_EQ(m->answer.size(), 1u);
    EXPECT_EQ(m->answer[0].type, dns::type::SOA);
    // Outside the ACL: NOTAUTH, even over UDP.
    n = respond_udp_ixfr(publisher_, access_, q.data(), q.size(), far_, now_, out, sizeof out);
    m = dns::read_message(out, n);
    ASSERT_TRUE(m.ok());
    EXPECT_EQ(m->rcode(), dns::rcode::NOTAUTH);
}

}  // namespace
}  // namespace fz::xfr
