// The registry: zones created and changed as Route 53 does, changes PENDING until
// published, file-managed zones refused, health checks in use kept.
#include "change/registry.h"

#include "change/zone_keys.h"

#include <gtest/gtest.h>

#include "dns/rrtype.h"

namespace fz::change {
namespace {

dns::Name name(const std::string& text) { return *dns::name_from_text(text, nullptr); }

policy::RecordSet parse_one(const std::string& json, const std::string& origin = "example.com.") {
    auto f = policy::parse_record_sets_text(json, "test.json", name(origin), policy::RecordSetOptions{true});
    EXPECT_TRUE(f.ok()) << f.error().to_string();
    return f.ok() ? f->record_sets.front() : policy::RecordSet{};
}

policy::RecordSet a_set(const std::string& owner, const std::string& value, const std::string& hc = {}) {
    std::string json = R"([{"Name": ")" + owner + R"(", "Type": "A", "TTL": 60, "ResourceRecords": [{"Value": ")" +
                       value + "\"}]";
    if (!hc.empty()) json += R"(, "HealthCheckId": ")" + hc + "\"";
    return parse_one(json + "}]");
}

Batch batch(Action action, policy::RecordSet rs) {
    Batch b;
    b.changes.push_back(Change{action, std::move(rs)});
    return b;
}

// A journal whose writes fail, as a full disk makes them.
class FailingJournal final : public Journal {
public:
    Result<StoredState> load() override { return StoredState{}; }
    Status put_zone(const ZoneContent&, const HistoryEntry&) override { return fail(); }
    Status apply(const ZoneContent&, const HistoryEntry&) override { return fail(); }
    Status delete_zone(const std::string&) override { return fail(); }
    Status put_signing(const std::string&, const ZoneSigning&) override { return fail(); }
    Status put_health_check(const HealthCheckRecord&) override { return fail(); }
    Status delete_health_check(const std::string&) override { return fail(); }
    Result<std::vector<HistoryEntry>> history(const std::string&) override { return std::vector<HistoryEntry>{}; }
    bool failing = false;

private:
    Status fail() {
        if (failing) return Error{"/store/fastzone.db", 0, "database or disk is full"};
        return Ok{};
    }
};

class RegistryTest : public ::testing::Test {
protected:
    RegistryTest() : registry_(options(), nullptr) {}
    static RegistryOptions options() {
        RegistryOptions o;
        o.name_servers = {"ns1.example.net.", "ns2.example.net."};
        return o;
    }
    std::string create(const std::string& origin = "example.com.") {
        auto z = registry_.create_zone(name(origin), "ref-" + origin, "");
        EXPECT_TRUE(z.ok()) << (z.ok() ? "" : z.error().message);
        return z.ok() ? z->zone->id : "";
    }
    Registry registry_;
};

TEST_F(RegistryTest, ANewZoneHasTheDelegationSetsSoaAndNs) {
    auto z = registry_.create_zone(name("example.com."), "r1", "first");
    ASSERT_TRUE(z.ok());
    EXPECT_EQ(z->zone->record_sets.size(), 2u);
    const policy::RecordSet* ns = z->zone->find(key_of(name("example.com."), dns::type::NS));
    ASSERT_NE(ns, nullptr);
    EXPECT_EQ(ns->values, (std::vector<std::string>{"ns1.example.net.", "ns2.example.net."}));
    ASSERT_NE(z->zone->soa(), nullptr);
    EXPECT_EQ(z->zone->serial(), 1u);
    EXPECT_EQ(z->change.status, ChangeStatus::kPending);
    EXPECT_EQ(z->zone->id.size(), 14u);
}

TEST_F(RegistryTest, CreateHostedZoneIsIdempotentByCallerReference) {
    auto a = registry_.create_zone(name("example.com."), "same", "");
    auto b = registry_.create_zone(name("example.com."), "same", "");
    ASSERT_TRUE(a.ok() && b.ok());
    EXPECT_EQ(a->zone->id, b->zone->id);
    EXPECT_EQ(a->change.id, b->change.id);
    EXPECT_EQ(registry_.zones().size(), 1u);
    auto other = registry_.create_zone(name("example.org."), "same", "");
    ASSERT_FALSE(other.ok());
    EXPECT_EQ(other.error().code, "HostedZoneAlreadyExists");
    auto again = registry_.create_zone(name("example.com."), "another", "");
    ASSERT_FALSE(again.ok());
    EXPECT_EQ(again.error().code, "ConflictingDomainExists");
}

TEST_F(RegistryTest, AChangeIsPendingUntilTheSnapshotWithItIsPublished) {
    std::string id = create();
    int notified = 0;
    registry_.set_on_change([&] { ++notified; });
    auto c = registry_.submit(id, batch(Action::kCreate, a_set("www.example.com.", "192.0.2.1")));
    ASSERT_TRUE(c.ok()) << c.error().message;
    EXPECT_EQ(notified, 1);
    EXPECT_EQ(registry_.change(c->id)->status, ChangeStatus::kPending);
    Registry::View v = registry_.view();
    ASSERT_EQ(v.zones.size(), 1u);
    EXPECT_EQ(v.zones.front()->record_sets.size(), 3u);
    EXPECT_EQ(v.zones.front()->serial(), 2u);
    registry_.published(v.sequence);
    EXPECT_EQ(registry_.change(c->id)->status, ChangeStatus::kInsync);
    EXPECT_EQ(registry_.change("CNOSUCH").error().code, "NoSuchChange");
}

TEST_F(RegistryTest, TheKeysOfRecentBatchesAreRememberedForPatching) {
    std::string id = create();
    const uint64_t v1 = registry_.view().zones.front()->version;
    ASSERT_TRUE(registry_.submit(id, batch(Action::kCreate, a_set("www.example.com.", "192.0.2.1"))).ok());
    ASSERT_TRUE(registry_.submit(id, batch(Action::kCreate, a_set("a.b.example.com.", "192.0.2.2"))).ok());
    const auto& zone = *registry_.view().zones.front();
    auto keys = registry_.touched_between(id, v1, zone.version);
    ASSERT_TRUE(keys.has_value());
    // Both names and the apex SOA, whose serial each batch raised, once each.
    EXPECT_EQ(*keys, (std::vector<RecordSetKey>{key_of(name("example.com."), dns::type::SOA),
                                                key_of(name("a.b.example.com."), dns::type::A),
                                                key_of(name("www.example.com."), dns::type::A)}));
    EXPECT_EQ(registry_.touched_between(id, v1 + 1, zone.version)->size(), 2u);
    EXPECT_FALSE(registry_.touched_between(id, v1 - 1, zone.version).has_value());  // before what it remembers
    EXPECT_FALSE(registry_.touched_between("ZNOSUCH", v1, zone.version).has_value());
    // Names below: a.b has none, b has a.b, www has none; the apex has all.
    EXPECT_FALSE(zone.has_names_below(name("a.b.example.com.")));
    EXPECT_TRUE(zone.has_names_below(name("b.example.com.")));
    EXPECT_FALSE(zone.has_names_below(name("www.example.com.")));
    EXPECT_TRUE(zone.has_names_below(name("example.com.")));
}

TEST(RecordSetKeys, AKeyGivesBackItsName) {
    for (const char* text : {"www.Example.com.", "example.com.", "a\\.b.example.com.", "*.x.example.com.", "."}) {
        const RecordSetKey key = key_of(name(text), dns::type::TXT);
        auto back = name_of(key);
        ASSERT_TRUE(back.ok()) << text;
        EXPECT_EQ(*back, name(text).lowered()) << text << " as " << key.reversed_name;
        EXPECT_EQ(key_of(*back, dns::type::TXT), key) << text;
    }
}

TEST_F(RegistryTest, ABadBatchChangesNothingAndNamesEveryBadChange) {
    std::string id = create();
    Batch b = batch(Action::kDelete, a_set("gone.example.com.", "192.0.2.1"));
    b.changes.push_back(Change{Action::kCreate, a_set("www.example.com.", "192.0.2.2")});
    b.changes.push_back(Change{Action::kDelete, a_set("other.example.com.", "192.0.2.3")});
    auto c = registry_.submit(id, b);
    ASSERT_FALSE(c.ok());
    EXPECT_EQ(c.error().code, "InvalidChangeBatch");
    EXPECT_EQ(c.error().messages.size(), 2u);
    EXPECT_NE(c.error().messages.front().find("but it was not found"), std::string::npos);
    EXPECT_EQ(registry_.zone(id)->record_sets.size(), 2u);
    EXPECT_EQ(registry_.submit("ZNOSUCH", b).error().code, "NoSuchHostedZone");
}

TEST_F(RegistryTest, AZoneIsDeletedOnlyWhenOnlyItsSoaAndNsAreLeft) {
    std::string id = create();
    ASSERT_TRUE(registry_.submit(id, batch(Action::kCreate, a_set("www.example.com.", "192.0.2.1"))).ok());
    EXPECT_EQ(registry_.delete_zone(id).error().code, "HostedZoneNotEmpty");
    ASSERT_TRUE(registry_.submit(id, batch(Action::kDelete, a_set("www.example.com.", "192.0.2.1"))).ok());
    EXPECT_TRUE(registry_.delete_zone(id).ok());
    EXPECT_TRUE(registry_.zones().empty());
}

TEST_F(RegistryTest, FileManagedZonesAreListedAndRefusedUntilImported) {
    auto file_zone = std::make_shared<ZoneContent>();
    file_zone->origin = name("files.example.");
    file_zone->id = Registry::derived_zone_id(file_zone->origin);
    file_zone->from_file = true;
    file_zone->record_sets.push_back(
        parse_one(R"([{"Name": "files.example.", "Type": "SOA", "TTL": 60, "ResourceRecords": [{"Value": )"
                  R"("ns. host. 5 1 1 1 1"}]}])",
                  "files.example."));
    file_zone->record_sets.push_back(parse_one(
        R"([{"Name": "files.example.", "Type": "NS", "TTL": 60, "ResourceRecords": [{"Value": "ns.example."}]}])",
        "files.example."));
    file_zone->sort();
    registry_.set_file_zones({file_zone});
    auto zones = registry_.zones();
    ASSERT_EQ(zones.size(), 1u);
    EXPECT_TRUE(zones.front().file_managed);
    policy::RecordSet rs = parse_one(R"([{"Name": "www.files.example.", "Type": "A", "TTL": 60, )"
                                     R"("ResourceRecords": [{"Value": "192.0.2.1"}]}])",
                                     "files.example.");
    auto refused = registry_.submit(file_zone->id, batch(Action::kCreate, rs));
    ASSERT_FALSE(refused.ok());
    EXPECT_NE(refused.error().message.find("fastzonectl import files.example."), std::string::npos);

    ASSERT_TRUE(registry_.import_zone(*file_zone).ok());
    EXPECT_TRUE(registry_.stored(file_zone->origin));
    EXPECT_TRUE(registry_.submit(file_zone->id, batch(Action::kCreate, rs)).ok());
    EXPECT_EQ(registry_.zone(file_zone->id)->serial(), 6u);
    // A reload's file zones do not replace the stored one.
    registry_.set_file_zones({file_zone});
    EXPECT_EQ(registry_.zone(file_zone->id)->record_sets.size(), 3u);
}

TEST_F(RegistryTest, AHealthCheckInUseIsNotDeletedAndUnknownOnesAreRefused) {
    std::string id = create();
    policy::HealthCheck hc;
    hc.type = policy::HealthCheckType::kTcp;
    hc.ip_address = "192.0.2.9";
    hc.port = 80;
    auto created = registry_.create_health_check("hc-ref", hc);
    ASSERT_TRUE(created.ok());
    EXPECT_EQ(registry_.create_health_check("hc-ref", hc)->check.id, created->check.id);
    policy::HealthCheck other = hc;
    other.port = 81;
    EXPECT_EQ(registry_.create_health_check("hc-ref", other).error().code, "HealthCheckAlreadyExists");
    std::string check_id = created->check.id;
    EXPECT_EQ(registry_.submit(id, batch(Action::kCreate, a_set("w.example.com.", "192.0.2.1", "nope"))).error().code,
              "NoSuchHealthCheck");
    ASSERT_TRUE(registry_.submit(id, batch(Action::kCreate, a_set("w.example.com.", "192.0.2.1", check_id))).ok());
    EXPECT_EQ(registry_.delete_health_check(check_id).error().code, "HealthCheckInUse");
    auto updated = registry_.update_health_check(check_id, 1, hc);
    ASSERT_TRUE(updated.ok());
    EXPECT_EQ(updated->version, 2u);
    EXPECT_EQ(registry_.update_health_check(check_id, 1, hc).error().code, "HealthCheckVersionMismatch");
    ASSERT_TRUE(registry_.submit(id, batch(Action::kDelete, a_set("w.example.com.", "192.0.2.1", check_id))).ok());
    EXPECT_TRUE(registry_.delete_health_check(check_id).ok());
    EXPECT_FALSE(registry_.health_check(check_id).has_value());
}

TEST(RegistryStore, AFailedWriteIsRefusedAndAppliesNothing) {
    FailingJournal journal;
    RegistryOptions o;
    o.name_servers = {"ns1.example.net."};
    Registry registry(o, &journal);
    ASSERT_TRUE(registry.open().ok());
    auto z = registry.create_zone(name("example.com."), "r", "");
    ASSERT_TRUE(z.ok());
    journal.failing = true;
    auto c = registry.submit(z->zone->id, batch(Action::kCreate, a_set("www.example.com.", "192.0.2.1")));
    ASSERT_FALSE(c.ok());
    EXPECT_EQ(c.error().code, "ServiceUnavailable");
    EXPECT_NE(c.error().message.find("/store/fastzone.db"), std::string::npos);
    EXPECT_EQ(registry.zone(z->zone->id)->record_sets.size(), 2u);
    EXPECT_EQ(registry.create_zone(name("example.org."), "r2", "").error().code, "ServiceUnavailable");
    EXPECT_EQ(registry.zones().size(), 1u);
}

}  // namespace

// Route 53's DNSSEC rules: a KSK before signing, at most two, the last active one kept
// while signing, only an inactive one deleted; the DS shown is the DNSKEY's.
TEST_F(RegistryTest, DnssecFollowsRoute53sKeySigningKeyRules) {
    const std::string id = create();
    const std::string arn = "arn:aws:kms:us-east-1:111122223333:key/k1";
    EXPECT_EQ(registry_.dnssec(id)->serve_signature, "NOT_SIGNING");
    EXPECT_EQ(registry_.set_dnssec(id, true).error().code, "KeySigningKeyWithActiveStatusNotFound");
    EXPECT_EQ(registry_.set_dnssec(id, false).error().code, "DNSSECNotFound");
    EXPECT_EQ(registry_.create_key_signing_key(id, "r", "no", arn, true).error().code, "InvalidKeySigningKeyName");
    EXPECT_EQ(registry_.create_key_signing_key(id, "r", "ksk_1", "kms-key", true).error().code, "InvalidKMSArn");
    EXPECT_EQ(registry_.create_key_signing_key("ZNONE", "r", "ksk_1", arn, true).error().code, "NoSuchHostedZone");
    auto one = registry_.create_key_signing_key(id, "r1", "ksk_1", arn, false);
    ASSERT_TRUE(one.ok()) << one.error().message;
    EXPECT_EQ(one->first.status, "INACTIVE");
    EXPECT_EQ(one->first.flag, 257);
    EXPECT_EQ(one->first.ds_record.rfind(std::to_string(one->first.key_tag) + " 13 2 ", 0), 0u) << one->first.ds_record;
    EXPECT_EQ(one->first.digest_hex.size(), 64u);
    EXPECT_EQ(registry_.create_key_signing_key(id, "r2", "ksk_1", arn, true).error().code,
              "KeySigningKeyAlreadyExists");
    EXPECT_EQ(registry_.set_dnssec(id, true).error().code, "KeySigningKeyWithActiveStatusNotFound");
    ASSERT_TRUE(registry_.set_key_signing_key_status(id, "ksk_1", true).ok());
    ASSERT_TRUE(registry_.set_dnssec(id, true).ok());
    auto zone = registry_.zone(id);
    ASSERT_TRUE(zone->signing);
    ASSERT_EQ(zone->signing->keys.size(), 2u);  // and the ZSK the server made
    EXPECT_FALSE(zone->signing->keys[1].ksk);
    EXPECT_EQ(registry_.dnssec(id)->serve_signature, "SIGNING");
    EXPECT_EQ(registry_.set_key_signing_key_status(id, "ksk_1", false).error().code, "KeySigningKeyInUse");
    EXPECT_EQ(registry_.delete_key_signing_key(id, "ksk_1").error().code, "InvalidKeySigningKeyStatus");
    EXPECT_EQ(registry_.delete_key_signing_key(id, "ksk_9").error().code, "NoSuchKeySigningKey");
    ASSERT_TRUE(registry_.create_key_signing_key(id, "r3", "ksk_2", arn, true).ok());
    EXPECT_EQ(registry_.create_key_signing_key(id, "r4", "ksk_3", arn, true).error().code, "TooManyKeySigningKeys");
    ASSERT_TRUE(registry_.set_key_signing_key_status(id, "ksk_1", false).ok());
    ASSERT_TRUE(registry_.delete_key_signing_key(id, "ksk_1").ok());
    auto status = registry_.dnssec(id);
    ASSERT_EQ(status->keys.size(), 1u);
    EXPECT_EQ(status->keys[0].name, "ksk_2");
    // Disabling keeps the keys: enabling again signs with them.
    ASSERT_TRUE(registry_.set_dnssec(id, false).ok());
    EXPECT_EQ(registry_.dnssec(id)->serve_signature, "NOT_SIGNING");
    EXPECT_EQ(registry_.zone(id)->signing->keys.size(), 2u);
}

// The ZSK the server made is rolled by lifetime: a successor pre-published, the old one
// given its Inactive and Delete times, and forgotten once deleted.
TEST_F(RegistryTest, TheServersZskRollsByLifetime) {
    const std::string id = create();
    ASSERT_TRUE(registry_.create_key_signing_key(id, "r", "ksk_1", "arn:aws:kms:::key/1", true).ok());
    ASSERT_TRUE(registry_.set_dnssec(id, true).ok());
    const int64_t t0 = registry_.zone(id)->signing->keys[1].created_ms / 1000;
    bool rolled = true;
    auto due = registry_.roll_zsks(t0 + 10, 100, 20, 50, &rolled);
    ASSERT_TRUE(due.ok()) << due.error().to_string();
    EXPECT_FALSE(rolled);
    EXPECT_EQ(*due, t0 + 80);
    due = registry_.roll_zsks(t0 + 80, 100, 20, 50, &rolled);
    ASSERT_TRUE(due.ok());
    EXPECT_TRUE(rolled);
    auto keys = signing_keys(registry_.zone(id)->origin, *registry_.zone(id)->signing);
    ASSERT_TRUE(keys.ok()) << keys.error().to_string();
    ASSERT_EQ(keys->size(), 3u);
    EXPECT_EQ((*keys)[1].inactive, t0 + 100);
    EXPECT_EQ((*keys)[1].remove, t0 + 150);
    EXPECT_EQ((*keys)[2].activate, t0 + 100);
    // Past the old ZSK's Delete time it leaves the store.
    ASSERT_TRUE(registry_.roll_zsks(t0 + 151, 1000, 20, 50, &rolled).ok());
    EXPECT_FALSE(rolled);
    EXPECT_EQ(registry_.zone(id)->signing->keys.size(), 2u);
}

}  // namespace fz::change
