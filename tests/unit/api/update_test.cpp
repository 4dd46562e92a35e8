// RFC 2136 UPDATE over a change::Registry: every prerequisite and update kind, atomicity,
// routing-policy, ACL and TSIG refusals, signed responses, and a real nsupdate message.
#include "api/update.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "api/update_messages.h"
#include "change/registry.h"
#include "dns/message_reader.h"
#include "dns/rrtype.h"
#include "dns/wire.h"
#include "zone/rdata_text.h"

namespace fz::api {
namespace {

using namespace update_test;  // NOLINT(google-build-using-namespace): the messages the tests send

class UpdateTest : public ::testing::Test {
protected:
    UpdateTest() : registry_(change::RegistryOptions{{"ns1.example.net.", "ns2.example.net."}}, nullptr) {
        EXPECT_TRUE(keys_.add(key()).ok());
        EXPECT_TRUE(keys_.add(key("other-key.")).ok());
        auto z = registry_.create_zone(name("example.com."), "ref", "");
        EXPECT_TRUE(z.ok());
        zone_id_ = z.ok() ? z->zone->id : "";
        seed("www", "A", 300, {"192.0.2.1", "192.0.2.2"});
        seed("mail", "MX", 300, {"10 mx.example.com."});
        seed("alias", "CNAME", 300, {"www.example.com."});
        rules_.push_back(*make_acl_rule("keyed", {"update-key"}, {}, {"update"}));
        rules_.push_back(*make_acl_rule("local", {}, {"127.0.0.0/8", "::1"}, {"update"}));
        options_.zone_acls["example.com."] = {"keyed"};
        peer_.address.family = 4;
        peer_.address.address[0] = 192;
        peer_.address.address[1] = 0;
        peer_.address.address[2] = 2;
        peer_.address.address[3] = 99;
        peer_.address.port = 5353;
    }

    void seed(const std::string& owner, const std::string& t, uint32_t ttl, const std::vector<std::string>& values) {
        const std::string full = owner.empty() ? "example.com." : owner + ".example.com.";
        std::string json = R"([{"Name": ")" + full + R"(", "Type": ")" + t + R"(", "TTL": )" + std::to_string(ttl) +
                           R"(, "ResourceRecords": [)";
        for (size_t i = 0; i < values.size(); ++i)
            json += (i ? "," : "") + std::string(R"({"Value": ")") + values[i] + "\"}";
        seed_json(json + "]}]");
    }
    void seed_json(const std::string& json) {
        auto f = policy::parse_record_sets_text(json, "t.json", name("example.com."), policy::RecordSetOptions{true});
        ASSERT_TRUE(f.ok()) << f.error().to_string();
        change::Batch b;
        for (auto& rs : f->record_sets) b.changes.push_back({change::Action::kCreate, rs});
        auto r = registry_.submit(zone_id_, b);
        ASSERT_TRUE(r.ok()) << r.error().message;
    }

    // The processor's answer to `msg`: its rcode (or -1 when dropped); the response in last_.
    int run(const Bytes& msg, int64_t now = kNow) {
        UpdateProcessor p(registry_, keys_, rules_, options_);
        last_.assign(4096, 0);
        const size_t n = p.process(msg.data(), msg.size(), peer_, last_.data(), last_.size(), now, &report_);
        last_.resize(n);
        counters_ = p.counters();
        if (n == 0) return -1;
        return dns::load_u16(&last_[2]) & 0xf;
    }
    int run_signed(const Bytes& msg, const std::string& key_name = "update-key.") {
        return run(sign(msg, key(key_name), kNow, &request_mac_));
    }

    const policy::RecordSet* find(const std::string& owner, uint16_t t) {
        content_ = registry_.zone(zone_id_);
        return content_->find(change::key_of(name(owner), t));
    }
    std::vector<std::string> values(const std::string& owner, uint16_t t) {
        const auto* rs = find(owner, t);
        return rs == nullptr ? std::vector<std::string>{} : rs->values;
    }
    uint64_t version() { return registry_.zone(zone_id_)->version; }

    change::Registry registry_;
    dns::TsigKeyring keys_;
    std::vector<AclRule> rules_;
    UpdateOptions options_;
    UpdatePeer peer_;
    std::string zone_id_;
    Bytes last_;
    Bytes request_mac_;
    UpdateReport report_;
    UpdateCounters counters_;
    std::shared_ptr<const change::ZoneContent> content_;
};

using Values = std::vector<std::string>;

TEST_F(UpdateTest, AddsCreateAndMergeIntoRecordSets) {
    ASSERT_EQ(run_signed(update({}, {{"new.example.com.", type::A, rrclass::IN, 60, "192.0.2.7"}})), rcode::NOERROR)
        << report_.reason;
    EXPECT_EQ(values("new.example.com.", type::A), (Values{"192.0.2.7"}));
    EXPECT_EQ(find("new.example.com.", type::A)->ttl, 60u);
    EXPECT_FALSE(report_.change_id.empty());
    EXPECT_EQ(counters_.applied, 1u);

    ASSERT_EQ(run_signed(update({}, {{"www.example.com.", type::A, rrclass::IN, 120, "192.0.2.3"}})), rcode::NOERROR);
    EXPECT_EQ(values("www.example.com.", type::A), (Values{"192.0.2.1", "192.0.2.2", "192.0.2.3"}));
    EXPECT_EQ(find("www.example.com.", type::A)->ttl, 120u) << "the RRset takes the TTL last given";

    const uint64_t v = version();
    ASSERT_EQ(run_signed(update({}, {{"WWW.example.com.", type::A, rrclass::IN, 120, "192.0.2.3"}})), rcode::NOERROR);
    EXPECT_EQ(version(), v) << "a duplicate changes nothing and submits nothing";
    EXPECT_EQ(counters_.unchanged, 1u);
}

TEST_F(UpdateTest, DeletesAnRrAnRrsetAndAName) {
    ASSERT_EQ(run_signed(update({}, {{"www.example.com.", type::A, rrclass::NONE, 0, "192.0.2.1"}})), rcode::NOERROR);
    EXPECT_EQ(values("www.example.com.", type::A), (Values{"192.0.2.2"}));
    ASSERT_EQ(run_signed(update({}, {{"www.example.com.", type::A, rrclass::NONE, 0, "192.0.2.2"}})), rcode::NOERROR);
    EXPECT_EQ(find("www.example.com.", type::A), nullptr) << "the last RR deleted takes the record set";

    ASSERT_EQ(run_signed(update({}, {{"mail.example.com.", type::MX, rrclass::ANY, 0, ""}})), rcode::NOERROR);
    EXPECT_EQ(find("mail.example.com.", type::MX), nullptr);

    seed("multi", "TXT", 300, {"\\\"a\\\""});
    seed("multi", "AAAA", 300, {"2001:db8::1"});
    ASSERT_EQ(run_signed(update({}, {{"multi.example.com.", type::ANY, rrclass::ANY, 0, ""}})), rcode::NOERROR);
    EXPECT_EQ(find("multi.example.com.", type::TXT), nullptr);
    EXPECT_EQ(find("multi.example.com.", type::AAAA), nullptr);
}

TEST_F(UpdateTest, TheApexSoaAndNsSurviveDeletes) {
    const Values ns = values("example.com.", type::NS);
    ASSERT_EQ(ns.size(), 2u);
    seed("", "TXT", 300, {"\\\"apex\\\""});
    ASSERT_EQ(run_signed(update({}, {{"example.com.", type::ANY, rrclass::ANY, 0, ""},
                                     {"example.com.", type::NS, rrclass::ANY, 0, ""},
                                     {"example.com.", type::SOA, rrclass::ANY, 0, ""}})),
              rcode::NOERROR);
    EXPECT_EQ(find("example.com.", type::TXT), nullptr);
    EXPECT_EQ(values("example.com.", type::NS), ns);
    EXPECT_NE(find("example.com.", type::SOA), nullptr);

    // One NS by one: the last one stays (RFC 2136 3.4.2.4).
    ASSERT_EQ(run_signed(update({}, {{"example.com.", type::NS, rrclass::NONE, 0, ns[0]},
                                     {"example.com.", type::NS, rrclass::NONE, 0, ns[1]}})),
              rcode::NOERROR);
    EXPECT_EQ(values("example.com.", type::NS), (Values{ns[1]}));
}

TEST_F(UpdateTest, CnameRulesAndSoaSerials) {
    const uint64_t v = version();
    // A CNAME where other data is, and other data where a CNAME is: both ignored.
    ASSERT_EQ(run_signed(update({}, {{"www.example.com.", type::CNAME, rrclass::IN, 60, "alias.example.com."},
                                     {"alias.example.com.", type::A, rrclass::IN, 60, "192.0.2.9"}})),
              rcode::NOERROR);
    EXPECT_EQ(version(), v);
    EXPECT_EQ(find("alias.example.com.", type::A), nullptr);
    // A CNAME replaces the CNAME.
    ASSERT_EQ(run_signed(update({}, {{"alias.example.com.", type::CNAME, rrclass::IN, 60, "mail.example.com."}})),
              rcode::NOERROR);
    EXPECT_EQ(values("alias.example.com.", type::CNAME), (Values{"mail.example.com."}));

    // An SOA with an older serial is ignored; a greater one is taken.
    const uint32_t serial = registry_.zone(zone_id_)->serial();
    const std::string soa = "ns1.example.net. hostmaster.example.com. ";
    ASSERT_EQ(run_signed(update({}, {{"example.com.", type::SOA, rrclass::IN, 900, soa + "1 7200 900 1209600 86400"}})),
              rcode::NOERROR);
    EXPECT_EQ(registry_.zone(zone_id_)->serial(), serial);
    const uint32_t wanted = serial + 1000;
    ASSERT_EQ(run_signed(update({}, {{"example.com.", type::SOA, rrclass::IN, 900,
                                      soa + std::to_string(wanted) + " 7200 900 1209600 86400"}})),
              rcode::NOERROR);
    EXPECT_EQ(registry_.zone(zone_id_)->serial(), wanted);
}

TEST_F(UpdateTest, EveryPrerequisiteKind) {
    struct Case {
        Rr prereq;
        int rcode;
    };
    const std::vector<Case> cases = {
        {{"www.example.com.", type::ANY, rrclass::ANY}, rcode::NOERROR},  // name in use
        {{"nope.example.com.", type::ANY, rrclass::ANY}, rcode::NXDOMAIN},
        {{"nope.example.com.", type::ANY, rrclass::NONE}, rcode::NOERROR},  // name not in use
        {{"www.example.com.", type::ANY, rrclass::NONE}, rcode::YXDOMAIN},
        {{"www.example.com.", type::A, rrclass::ANY}, rcode::NOERROR},  // RRset exists
        {{"www.example.com.", type::AAAA, rrclass::ANY}, dns::rcode::NXRRSET},
        {{"www.example.com.", type::AAAA, rrclass::NONE}, rcode::NOERROR},  // RRset does not exist
        {{"www.example.com.", type::A, rrclass::NONE}, dns::rcode::YXRRSET},
        {{"www.example.com.", type::A, rrclass::ANY, 10}, rcode::FORMERR},              // a TTL
        {{"www.example.com.", type::A, rrclass::ANY, 0, "192.0.2.1"}, rcode::FORMERR},  // rdata
        {{"www.example.com.", type::A, rrclass::CH}, rcode::FORMERR},
        {{"www.example.org.", type::A, rrclass::ANY}, dns::rcode::NOTZONE},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.prereq.owner + " " + dns::type_to_text(c.prereq.type) + " class " +
                     std::to_string(c.prereq.rclass));
        EXPECT_EQ(run_signed(update({c.prereq}, {})), c.rcode) << report_.reason;
    }
    // Value dependent: exactly the values, in any order and case.
    EXPECT_EQ(run_signed(update({{"www.example.com.", type::A, rrclass::IN, 0, "192.0.2.2"},
                                 {"www.example.com.", type::A, rrclass::IN, 0, "192.0.2.1"}},
                                {})),
              rcode::NOERROR);
    EXPECT_EQ(run_signed(update({{"www.example.com.", type::A, rrclass::IN, 0, "192.0.2.2"}}, {})),
              dns::rcode::NXRRSET);
    EXPECT_EQ(run_signed(update({{"mail.example.com.", type::MX, rrclass::IN, 0, "10 MX.Example.COM."}}, {})),
              rcode::NOERROR);
}

TEST_F(UpdateTest, AFailingPrerequisiteLeavesTheZoneUntouched) {
    const uint64_t v = version();
    EXPECT_EQ(run_signed(update({{"www.example.com.", type::AAAA, rrclass::ANY}},
                                {{"new.example.com.", type::A, rrclass::IN, 60, "192.0.2.7"},
                                 {"www.example.com.", type::ANY, rrclass::ANY}})),
              dns::rcode::NXRRSET);
    EXPECT_EQ(version(), v);
    EXPECT_EQ(find("new.example.com.", type::A), nullptr);
    EXPECT_EQ(values("www.example.com.", type::A).size(), 2u);
    EXPECT_EQ(counters_.prereq_failed, 1u);
    // A bad record late in the update section stops the ones before it too.
    EXPECT_EQ(run_signed(update({}, {{"new.example.com.", type::A, rrclass::IN, 60, "192.0.2.7"},
                                     {"other.example.org.", type::A, rrclass::IN, 60, "192.0.2.8"}})),
              dns::rcode::NOTZONE);
    EXPECT_EQ(version(), v);
}

TEST_F(UpdateTest, RoutingPolicyRecordSetsAreRefused) {
    seed_json(R"([{"Name": "geo.example.com.", "Type": "A", "TTL": 60, "SetIdentifier": "one", "Weight": 10,
                   "ResourceRecords": [{"Value": "192.0.2.10"}]},
                  {"Name": "geo.example.com.", "Type": "A", "TTL": 60, "SetIdentifier": "two", "Weight": 20,
                   "ResourceRecords": [{"Value": "192.0.2.20"}]}])");
    const uint64_t v = version();
    EXPECT_EQ(run_signed(update({}, {{"geo.example.com.", type::A, rrclass::IN, 60, "192.0.2.30"}})), rcode::REFUSED);
    EXPECT_NE(report_.reason.find("routing policy"), std::string::npos) << report_.reason;
    EXPECT_EQ(run_signed(update({}, {{"geo.example.com.", type::ANY, rrclass::ANY}})), rcode::REFUSED);
    EXPECT_EQ(run_signed(update({}, {{"geo.example.com.", type::A, rrclass::NONE, 0, "192.0.2.10"}})), rcode::REFUSED);
    EXPECT_EQ(version(), v);
    // Other types at the name are still simple record sets.
    EXPECT_EQ(run_signed(update({}, {{"geo.example.com.", type::TXT, rrclass::IN, 60, "\"x\""}})), rcode::NOERROR);
    EXPECT_EQ(counters_.applied, 1u);
}

TEST_F(UpdateTest, ZoneSectionChecks) {
    EXPECT_EQ(run_signed(update({}, {}, "example.org.")), rcode::NOTAUTH);
    EXPECT_EQ(run_signed(update({}, {}, "www.example.com.")), rcode::NOTAUTH) << "the zone exactly, not a name in it";
    EXPECT_EQ(run_signed(update({}, {}, "example.com.", type::A)), rcode::FORMERR);
    Bytes two = update({}, {});
    two[5] = 2;  // ZOCOUNT 2 with one entry: malformed
    EXPECT_EQ(run(two), rcode::FORMERR);
    Bytes response = update({}, {});
    response[2] |= 0x80;
    EXPECT_EQ(run(response), -1) << "a response is never answered";
    EXPECT_EQ(run(Bytes{1, 2, 3}), -1);
    // The response echoes the zone section.
    ASSERT_EQ(run_signed(update({}, {})), rcode::NOERROR);
    EXPECT_EQ(dns::load_u16(&last_[0]), 0x4d2);
    EXPECT_EQ(dns::load_u16(&last_[4]), 1);
    EXPECT_EQ((dns::load_u16(&last_[2]) >> 11) & 0xf, dns::opcode::UPDATE);
}

TEST_F(UpdateTest, EdnsRequestsGetAnOptBack) {
    Bytes msg = update({}, {{"new.example.com.", type::A, rrclass::IN, 60, "192.0.2.7"}});
    const Bytes opt = {0, 0, 41, 0x04, 0xd0, 0, 0, 0, 0, 0, 0};  // root, OPT, 1232, no options
    msg.insert(msg.end(), opt.begin(), opt.end());
    msg[11] = 1;
    ASSERT_EQ(run_signed(msg), rcode::NOERROR) << report_.reason;
    auto read = dns::read_message(last_);
    ASSERT_TRUE(read.ok()) << read.error().message;
    ASSERT_TRUE(read->opt.has_value());
    EXPECT_EQ(read->opt->udp_size, dns::kDefaultUdpPayload);
    EXPECT_EQ(dns::tsig_verify_response(last_.data(), last_.size(), key(), request_mac_, kNow), dns::TsigStatus::kOk);
}

TEST_F(UpdateTest, FileManagedZonesAreRefused) {
    change::ZoneContent file_zone = *registry_.zone(zone_id_);
    file_zone.origin = name("files.test.");
    file_zone.id = "ZFILES";
    file_zone.record_sets.clear();
    registry_.set_file_zones({std::make_shared<const change::ZoneContent>(file_zone)});
    options_.zone_acls["files.test."] = {"keyed"};
    EXPECT_EQ(run_signed(update({}, {}, "files.test.")), rcode::REFUSED);
    EXPECT_NE(report_.reason.find("zone file"), std::string::npos) << report_.reason;
}

TEST_F(UpdateTest, AclRefusals) {
    const Bytes add = update({}, {{"new.example.com.", type::A, rrclass::IN, 60, "192.0.2.7"}});
    EXPECT_EQ(run(add), rcode::REFUSED) << "no key where the ACL asks for one";
    EXPECT_EQ(report_.reason, "denied by the zone's ACL (no TSIG key)");
    EXPECT_EQ(run_signed(add, "other-key."), rcode::REFUSED) << "a known key the ACL does not list";
    EXPECT_TRUE(report_.signed_response) << "the key verified: the refusal is signed";
    EXPECT_EQ(counters_.refused_acl, 1u);

    options_.zone_acls.clear();
    options_.zone_acls["Example.COM"] = {"local"};  // as a configuration may write it
    EXPECT_EQ(run(add), rcode::REFUSED) << "192.0.2.99 is not local";
    peer_.address.address[0] = 127;
    EXPECT_EQ(run(add), rcode::NOERROR) << report_.reason;
    peer_.address.family = 6;
    std::memset(peer_.address.address, 0, 16);
    peer_.address.address[15] = 1;
    EXPECT_EQ(run(update({}, {{"six.example.com.", type::A, rrclass::IN, 60, "192.0.2.7"}})), rcode::NOERROR);
    peer_.address.address[10] = 0xff;  // ::ffff:0.0.0.1 is not 127/8
    peer_.address.address[11] = 0xff;
    EXPECT_EQ(run(add), rcode::REFUSED);
    peer_.address.address[12] = 127;  // ::ffff:127.0.0.1 is
    EXPECT_EQ(run(update({}, {{"mapped.example.com.", type::A, rrclass::IN, 60, "192.0.2.7"}})), rcode::NOERROR);

    options_.zone_acls.clear();
    EXPECT_EQ(run(add), rcode::REFUSED) << "a zone without an ACL takes no UPDATE";
}

TEST_F(UpdateTest, TsigErrorsAreNotauthWithTheTsigError) {
    const Bytes add = update({}, {{"new.example.com.", type::A, rrclass::IN, 60, "192.0.2.7"}});
    EXPECT_EQ(run(sign(add, key("unknown-key."), kNow)), rcode::NOTAUTH);
    EXPECT_EQ(report_.tsig_error, dns::tsig::BADKEY);
    EXPECT_FALSE(report_.signed_response);
    EXPECT_EQ(counters_.tsig_badkey, 1u);

    Bytes bad = sign(add, key(), kNow);
    bad[40] ^= 1;
    EXPECT_EQ(run(bad), rcode::NOTAUTH);
    EXPECT_EQ(report_.tsig_error, dns::tsig::BADSIG);
    EXPECT_FALSE(report_.signed_response);

    Bytes mac;
    const Bytes late = sign(add, key(), kNow - 1000, &mac);
    EXPECT_EQ(run(late), rcode::NOTAUTH);
    EXPECT_EQ(report_.tsig_error, dns::tsig::BADTIME);
    EXPECT_TRUE(report_.signed_response);
    EXPECT_EQ(dns::tsig_verify_response(last_.data(), last_.size(), key(), mac, kNow - 1000),
              dns::TsigStatus::kBadTime);
    EXPECT_EQ(find("new.example.com.", type::A), nullptr);
}

TEST_F(UpdateTest, SignedResponsesVerify) {
    ASSERT_EQ(run_signed(update({}, {{"new.example.com.", type::A, rrclass::IN, 60, "192.0.2.7"}})), rcode::NOERROR);
    ASSERT_TRUE(report_.signed_response);
    EXPECT_EQ(dns::tsig_verify_response(last_.data(), last_.size(), key(), request_mac_, kNow), dns::TsigStatus::kOk);
    EXPECT_EQ(dns::load_u16(&last_[10]), 1);
}

// A journal whose writes fail, as a full disk makes them.
class FullDisk final : public change::Journal {
public:
    Result<change::StoredState> load() override { return change::StoredState{}; }
    Status put_zone(const change::ZoneContent&, const change::HistoryEntry&) override { return Ok{}; }
    Status apply(const change::ZoneContent&, const change::HistoryEntry&) override {
        return Error{"/store/fastzone.db", 0, "database or disk is full"};
    }
    Status delete_zone(const std::string&) override { return Ok{}; }
    Status put_signing(const std::string&, const change::ZoneSigning&) override { return Ok{}; }
    Status put_health_check(const change::HealthCheckRecord&) override { return Ok{}; }
    Status delete_health_check(const std::string&) override { return Ok{}; }
    Result<std::vector<change::HistoryEntry>> history(const std::string&) override {
        return std::vector<change::HistoryEntry>{};
    }
};

TEST_F(UpdateTest, AStoreThatCannotWriteIsServfail) {
    FullDisk journal;
    change::Registry full(change::RegistryOptions{{"ns1.example.net."}}, &journal);
    ASSERT_TRUE(full.open().ok());
    ASSERT_TRUE(full.create_zone(name("example.com."), "r", "").ok());
    UpdateProcessor p(full, keys_, rules_, options_);
    const Bytes msg = sign(update({}, {{"new.example.com.", type::A, rrclass::IN, 60, "192.0.2.7"}}), key(), kNow);
    uint8_t out[1024];
    UpdateReport report;
    ASSERT_NE(p.process(msg.data(), msg.size(), peer_, out, sizeof(out), kNow, &report), 0u);
    EXPECT_EQ(report.rcode, rcode::SERVFAIL);
    EXPECT_NE(report.reason.find("ServiceUnavailable"), std::string::npos) << report.reason;
    EXPECT_EQ(p.counters().servfail, 1u);
}

TEST_F(UpdateTest, FormerrForBadUpdateRecords) {
    EXPECT_EQ(run_signed(update({}, {{"x.example.com.", type::ANY, rrclass::IN, 60}})), rcode::FORMERR);
    EXPECT_EQ(run_signed(update({}, {{"x.example.com.", type::A, rrclass::ANY, 60}})), rcode::FORMERR);
    EXPECT_EQ(run_signed(update({}, {{"x.example.com.", type::A, rrclass::ANY, 0, "192.0.2.1"}})), rcode::FORMERR);
    EXPECT_EQ(run_signed(update({}, {{"x.example.com.", type::ANY, rrclass::NONE, 0}})), rcode::FORMERR);
    EXPECT_EQ(run_signed(update({}, {{"x.example.com.", type::AXFR, rrclass::ANY, 0}})), rcode::FORMERR);
    EXPECT_EQ(run_signed(update({}, {{"x.example.com.", type::A, rrclass::CH, 0}})), rcode::FORMERR);
    EXPECT_EQ(run_signed(update({}, {{"x.example.com.", type::A, rrclass::IN, 60}})), rcode::FORMERR) << "no rdata";
}

// nsupdate -y hmac-sha256:update-key:... sent to a UDP socket at kNow + 2: zone
// example.com., prereq nxrrset new.example.com. A, update add new.example.com. 300 A
// 192.0.2.7, update delete old.example.com. A. Its names are compressed.
TEST_F(UpdateTest, ARealNsupdateMessage) {
    seed("old", "A", 300, {"192.0.2.66"});
    const Bytes msg = hex_bytes(
        "ce1028000001000100020001076578616d706c6503636f6d0000060001036e6577c00c000100fe000000000000c01d0001000100"
        "00012c0004c0000207036f6c64c00c000100ff0000000000000a7570646174652d6b65790000fa00ff00000000003d0b686d6163"
        "2d7368613235360000006b111a46012c00207203fb144860f8a9b37f940b2ed339dfbec794b94ae093f8b66839babd4dc962ce10"
        "00000000");
    ASSERT_EQ(run(msg, kNow + 2), rcode::NOERROR) << report_.reason;
    EXPECT_EQ(values("new.example.com.", type::A), (Values{"192.0.2.7"}));
    EXPECT_EQ(find("new.example.com.", type::A)->ttl, 300u);
    EXPECT_EQ(find("old.example.com.", type::A), nullptr);
    EXPECT_TRUE(report_.signed_response);
    // Sent again, its prerequisite fails.
    EXPECT_EQ(run(msg, kNow + 2), dns::rcode::YXRRSET);
}

// knsupdate -y hmac-sha256:update-key:... at Unix time 1796283770: prereq yxrrset
// www.example.com. A, update add www.example.com. 300 A 192.0.2.55, update delete
// mail.example.com. MX.
TEST_F(UpdateTest, ARealKnsupdateMessage) {
    const Bytes msg = hex_bytes(
        "7e8628000001000100020001076578616d706c6503636f6d000006000103777777c00c000100ff000000000000c01d0001000100"
        "00012c0004c0000237046d61696cc00c000f00ff0000000000000a7570646174652d6b65790000fa00ff00000000003d0b686d61"
        "632d7368613235360000006b111d7a012c002077547666290f447545a199c303edb5ed7c6573d5e28de7952c00fbd58031bc0e7e"
        "8600000000");
    ASSERT_EQ(run(msg, 1'796'283'770), rcode::NOERROR) << report_.reason;
    EXPECT_EQ(values("www.example.com.", type::A), (Values{"192.0.2.1", "192.0.2.2", "192.0.2.55"}));
    EXPECT_EQ(find("mail.example.com.", type::MX), nullptr);
    EXPECT_TRUE(report_.signed_response);
    EXPECT_EQ(run(msg, 1'796'283'770 + 301), rcode::NOTAUTH);
    EXPECT_EQ(report_.tsig_error, dns::tsig::BADTIME);
}

}  // namespace
}  // namespace fz::api
