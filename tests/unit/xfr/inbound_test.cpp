// Transfers in: AXFR and IXFR streams read into a whole zone or deltas, and every broken
// stream refused with what is wrong.
#include "xfr/inbound.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "dns/rrtype.h"
#include "zone/rdata_text.h"

namespace fz::xfr {
namespace {

const dns::Name kZone = *dns::name_from_text("example.com.", nullptr);

dns::ResourceRecord rr(const std::string& owner, uint16_t type, const std::string& text) {
    dns::ResourceRecord r;
    r.owner = *dns::name_from_text(owner, nullptr);
    r.type = type;
    r.rclass = 1;
    r.ttl = 300;
    auto rd = zone::rdata_from_text(type, text, kZone);
    EXPECT_TRUE(rd.ok()) << text;
    r.rdata.assign(rd->begin(), rd->end());
    return r;
}
dns::ResourceRecord soa(uint32_t serial) {
    return rr("example.com.", dns::type::SOA, "ns1 hostmaster " + std::to_string(serial) + " 7200 3600 1209600 60");
}
dns::ResourceRecord a(const std::string& owner, const std::string& addr) { return rr(owner, dns::type::A, addr); }

dns::Message message(std::vector<dns::ResourceRecord> answer) {
    dns::Message m;
    m.header.flags = dns::flag::QR | dns::flag::AA;
    m.questions.push_back({kZone, dns::type::AXFR, 1});
    m.answer = std::move(answer);
    return m;
}

TEST(TransferReader, AxfrAcrossMessagesIsTheWholeZone) {
    TransferReader r(kZone, false, 0);
    ASSERT_TRUE(r.add(message({soa(5), a("www.example.com.", "192.0.2.1")})).ok());
    EXPECT_FALSE(r.done());
    ASSERT_TRUE(r.add(message({a("mail.example.com.", "192.0.2.2"), soa(5)})).ok());
    ASSERT_TRUE(r.done());
    Incoming in = r.take();
    EXPECT_EQ(in.kind, Incoming::Kind::kWhole);
    EXPECT_EQ(in.serial, 5u);
    EXPECT_EQ(in.records.size(), 3u);  // the SOA once, and the two A
    // Nothing may follow the closing SOA.
    EXPECT_FALSE(r.add(message({a("x.example.com.", "192.0.2.3")})).ok());
}

TEST(TransferReader, IxfrDeltasChainFromOurSerial) {
    TransferReader r(kZone, true, 5);
    ASSERT_TRUE(r.add(message({soa(7), soa(5), a("old.example.com.", "192.0.2.1"), soa(6),
                               a("new.example.com.", "192.0.2.2")}))
                    .ok());
    ASSERT_TRUE(r.add(message({soa(6), soa(7), a("newer.example.com.", "192.0.2.3"), soa(7)})).ok());
    ASSERT_TRUE(r.done());
    Incoming in = r.take();
    ASSERT_EQ(in.kind, Incoming::Kind::kDeltas);
    ASSERT_EQ(in.deltas.size(), 2u);
    EXPECT_EQ(in.deltas[0].removed.size(), 1u);
    EXPECT_EQ(in.deltas[0].added.size(), 1u);
    EXPECT_EQ(in.deltas[1].removed.size(), 0u);
    EXPECT_EQ(in.deltas[1].added.size(), 1u);
    EXPECT_EQ(in.serial, 7u);
}

TEST(TransferReader, AnIxfrAnsweredWithTheSoaAloneIsUpToDate) {
    TransferReader r(kZone, true, 5);
    ASSERT_TRUE(r.add(message({soa(5)})).ok());
    ASSERT_TRUE(r.done());
    EXPECT_EQ(r.take().kind, Incoming::Kind::kUpToDate);
}

TEST(TransferReader, AnIxfrAnsweredInAxfrFormIsTheWholeZone) {
    TransferReader r(kZone, true, 5);
    ASSERT_TRUE(r.add(message({soa(9), a("www.example.com.", "192.0.2.1"), soa(9)})).ok());
    ASSERT_TRUE(r.done());
    EXPECT_EQ(r.take().kind, Incoming::Kind::kWhole);
}

TEST(TransferReader, BrokenStreamsAreRefusedWithTheReason) {
    auto error_of = [](bool ixfr, uint32_t ours, std::vector<std::vector<dns::ResourceRecord>> messages) {
        TransferReader r(kZone, ixfr, ours);
        for (auto& m : messages) {
            auto st = r.add(message(std::move(m)));
            if (!st) return st.error().message;
        }
        return r.done() ? std::string("accepted") : std::string("incomplete");
    };
    EXPECT_NE(error_of(false, 0, {{a("www.example.com.", "192.0.2.1")}}).find("does not start with"),
              std::string::npos);
    EXPECT_NE(error_of(false, 0, {{soa(5), a("www.example.org.", "192.0.2.1")}}).find("outside the zone"),
              std::string::npos);
    EXPECT_NE(error_of(true, 5, {{soa(7), soa(4)}}).find("not ours"), std::string::npos);
    EXPECT_NE(error_of(true, 5, {{soa(7), soa(5), soa(4)}}).find("backwards"), std::string::npos);
    EXPECT_NE(error_of(true, 5, {{soa(7), soa(5), soa(6), soa(5)}}).find("sequence breaks"), std::string::npos);
    EXPECT_EQ(error_of(false, 0, {{soa(5), a("www.example.com.", "192.0.2.1")}}), "incomplete");  // truncated
    dns::Message refused = message({});
    refused.header.flags |= dns::rcode::NOTAUTH;
    TransferReader r(kZone, false, 0);
    EXPECT_NE(r.add(refused).error().message.find("NOTAUTH"), std::string::npos);
}

}  // namespace
}  // namespace fz::xfr
