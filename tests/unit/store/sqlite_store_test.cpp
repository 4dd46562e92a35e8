// The SQLite store: what it keeps survives a reopen and a kill -9, a failed write leaves
// the previous content, and a damaged or newer store is refused naming its file.
#include "store/sqlite_store.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "change/content.h"
#include "dns/rrtype.h"
#include "policy/health_check.h"
#include "policy/record_set.h"

namespace fz::store {
namespace {

using change::HealthCheckRecord;
using change::HistoryEntry;
using change::ZoneContent;

dns::Name name(const std::string& text) { return *dns::name_from_text(text, nullptr); }

// Record sets from Route 53 JSON (a bare list), as the API would have parsed them.
std::vector<policy::RecordSet> sets(const std::string& origin, const std::string& json) {
    auto f = policy::parse_record_sets_text(json, "test.json", name(origin),
                                            policy::RecordSetOptions{.any_type = true});
    EXPECT_TRUE(f.ok()) << f.error().to_string();
    if (!f.ok()) return {};
    for (auto& rs : f->record_sets) rs.line = 0;
    return f->record_sets;
}

policy::RecordSet simple(const std::string& owner, const std::string& type, const std::string& value,
                         const std::string& origin = "example.com.") {
    auto v = sets(origin, R"([{"Name": ")" + owner + R"(", "Type": ")" + type +
                              R"(", "TTL": 300, "ResourceRecords": [{"Value": ")" + value + R"("}]}])");
    return v.empty() ? policy::RecordSet{} : v.front();
}

// Every routing policy kind, aliases, health check ids, a wildcard and a type Route 53
// does not have.
const char* kEveryKind = R"([
  {"Name": "example.com.", "Type": "SOA", "TTL": 900, "ResourceRecords": [{"Value": "ns1.example.net. hostmaster.example.com. 7 7200 900 1209600 86400"}]},
  {"Name": "example.com.", "Type": "NS", "TTL": 172800, "ResourceRecords": [{"Value": "ns1.example.net."}, {"Value": "ns2.example.net."}]},
  {"Name": "example.com.", "Type": "A", "AliasTarget": {"HostedZoneId": "Z2FDTNDATAQYW2", "DNSName": "d1.cloudfront.net.", "EvaluateTargetHealth": false}},
  {"Name": "\\052.example.com.", "Type": "TXT", "TTL": 60, "ResourceRecords": [{"Value": "\"wild \\\"card\\\"\""}]},
  {"Name": "w.example.com.", "Type": "A", "TTL": 60, "SetIdentifier": "one", "Weight": 10, "HealthCheckId": "hc-1", "ResourceRecords": [{"Value": "192.0.2.1"}]},
  {"Name": "w.example.com.", "Type": "A", "SetIdentifier": "two", "Weight": 0, "AliasTarget": {"HostedZoneId": "ZTEST", "DNSName": "alias.example.com.", "EvaluateTargetHealth": true}},
  {"Name": "g.example.com.", "Type": "A", "TTL": 60, "SetIdentifier": "eu", "GeoLocation": {"ContinentCode": "EU"}, "ResourceRecords": [{"Value": "192.0.2.2"}]},
  {"Name": "g.example.com.", "Type": "A", "TTL": 60, "SetIdentifier": "wa", "GeoLocation": {"CountryCode": "US", "SubdivisionCode": "WA"}, "ResourceRecords": [{"Value": "192.0.2.3"}]},
  {"Name": "g.example.com.", "Type": "A", "TTL": 60, "SetIdentifier": "any", "GeoLocation": {"CountryCode": "*"}, "ResourceRecords": [{"Value": "192.0.2.4"}]},
  {"Name": "l.example.com.", "Type": "AAAA", "TTL": 60, "SetIdentifier": "dub", "Region": "eu-west-1", "ResourceRecords": [{"Value": "2001:db8::1"}]},
  {"Name": "f.example.com.", "Type": "A", "TTL": 60, "SetIdentifier": "p", "Failover": "PRIMARY", "HealthCheckId": "hc-2", "ResourceRecords": [{"Value": "192.0.2.5"}]},
  {"Name": "f.example.com.", "Type": "A", "TTL": 60, "SetIdentifier": "s", "Failover": "SECONDARY", "ResourceRecords": [{"Value": "192.0.2.6"}]},
  {"Name": "m.example.com.", "Type": "A", "TTL": 60, "SetIdentifier": "m1", "MultiValueAnswer": true, "HealthCheckId": "hc-1", "ResourceRecords": [{"Value": "192.0.2.7"}]},
  {"Name": "c.example.com.", "Type": "A", "TTL": 60, "SetIdentifier": "office", "CidrRoutingConfig": {"CollectionId": "c1", "LocationName": "office"}, "ResourceRecords": [{"Value": "192.0.2.8"}]},
  {"Name": "c.example.com.", "Type": "A", "TTL": 60, "SetIdentifier": "rest", "CidrRoutingConfig": {"CollectionId": "c1", "LocationName": "*"}, "ResourceRecords": [{"Value": "192.0.2.9"}]},
  {"Name": "p.example.com.", "Type": "A", "TTL": 60, "SetIdentifier": "r", "GeoProximityLocation": {"AWSRegion": "us-east-1", "Bias": 20}, "ResourceRecords": [{"Value": "192.0.2.10"}]},
  {"Name": "p.example.com.", "Type": "A", "TTL": 60, "SetIdentifier": "xy", "GeoProximityLocation": {"Coordinates": {"Latitude": "51.50", "Longitude": "-0.12"}, "Bias": -5}, "ResourceRecords": [{"Value": "192.0.2.11"}]},
  {"Name": "mail.example.com.", "Type": "MX", "TTL": 300, "ResourceRecords": [{"Value": "10 mx1.example.net."}, {"Value": "20 mx2.example.net."}]},
  {"Name": "x.example.com.", "Type": "TYPE65280", "TTL": 300, "ResourceRecords": [{"Value": "\\# 2 abcd"}]}
])";

ZoneContent zone(const std::string& id, const std::string& origin, const std::string& json) {
    ZoneContent z;
    z.id = id;
    z.origin = name(origin);
    z.caller_reference = "ref-" + id;
    z.comment = "zone " + origin;
    z.created_ms = 1700000000123;
    z.version = 1;
    z.record_sets = sets(origin, json);
    z.sort();
    return z;
}

ZoneContent small_zone(const std::string& id = "ZSMALL", const std::string& origin = "small.example.") {
    return zone(
        id, origin,
        R"([{"Name": ")" + origin +
            R"(", "Type": "SOA", "TTL": 900, "ResourceRecords": [{"Value": "ns1.example.net. h.example.net. 1 7200 900 1209600 86400"}]},
                  {"Name": ")" +
            origin + R"(", "Type": "NS", "TTL": 900, "ResourceRecords": [{"Value": "ns1.example.net."}]}])");
}

HistoryEntry entry_for(const ZoneContent& z, const std::string& change_id) {
    HistoryEntry e;
    e.change_id = change_id;
    e.zone_id = z.id;
    e.submitted_ms = 1700000000000 + static_cast<int64_t>(z.version);
    e.comment = "change " + change_id;
    e.serial_before = z.serial();
    e.serial_after = z.serial() + 1;
    e.version = z.version;
    e.added = z.record_sets.to_vector();
    return e;
}

// `others`: the checks a CALCULATED one's children are, for the parser to find.
HealthCheckRecord check(const std::string& json, const std::string& caller_reference, uint64_t version,
                        const std::string& others = "") {
    auto set = policy::parse_health_checks_text("[" + json + others + "]", "checks.json");
    EXPECT_TRUE(set.ok()) << set.error().to_string();
    HealthCheckRecord r;
    if (set.ok()) r.check = set->checks.front();
    r.check.line = 0;
    r.check.children.clear();
    r.caller_reference = caller_reference;
    r.version = version;
    return r;
}

std::vector<std::string> jsons(const std::vector<policy::RecordSet>& v) {
    std::vector<std::string> out;
    for (const auto& rs : v) out.push_back(policy::record_set_to_json(rs));
    return out;
}

void expect_same_zone(const ZoneContent& got, const ZoneContent& want) {
    EXPECT_EQ(got.id, want.id);
    EXPECT_EQ(got.origin.to_text(), want.origin.to_text());
    EXPECT_EQ(got.caller_reference, want.caller_reference);
    EXPECT_EQ(got.comment, want.comment);
    EXPECT_EQ(got.created_ms, want.created_ms);
    EXPECT_EQ(got.from_file, want.from_file);
    EXPECT_EQ(got.version, want.version);
    EXPECT_EQ(jsons(got.record_sets.to_vector()), jsons(want.record_sets.to_vector()));
}

// A row count straight from the file, to see what the store left behind.
int64_t count_rows(const std::string& path, const std::string& sql) {
    sqlite3* db = nullptr;
    int64_t n = -1;
    if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
        sqlite3_stmt* s = nullptr;
        if (sqlite3_prepare_v2(db, sql.c_str(), -1, &s, nullptr) == SQLITE_OK && sqlite3_step(s) == SQLITE_ROW) {
            n = sqlite3_column_int64(s, 0);
        }
        sqlite3_finalize(s);
    }
    sqlite3_close(db);
    return n;
}

class SqliteStoreTest : public ::testing::Test {
protected:
    void SetUp() override {
        std::string tmpl = ::testing::TempDir() + "fz_store_XXXXXX";
        ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
        root_ = tmpl;
        dir_ = root_ + "/store";
        path_ = dir_ + "/fastzone.db";
    }
    void TearDown() override { std::filesystem::remove_all(root_); }

    std::unique_ptr<SqliteStore> open(SqliteStoreOptions options = {}) {
        auto s = SqliteStore::open(dir_, options);
        EXPECT_TRUE(s.ok()) << s.error().to_string();
        return s.ok() ? std::move(*s) : nullptr;
    }

    change::StoredState reload(SqliteStoreOptions options = {}) {
        auto store = open(options);
        if (!store) return {};
        auto state = store->load();
        EXPECT_TRUE(state.ok()) << state.error().to_string();
        return state.ok() ? std::move(*state) : change::StoredState{};
    }

    std::string root_, dir_, path_;
};

TEST_F(SqliteStoreTest, AMissingStoreIsCreatedEmptyInAPrivateFolder) {
    dir_ = root_ + "/a/b";
    auto store = open();
    ASSERT_TRUE(store);
    EXPECT_EQ(store->path(), dir_ + "/fastzone.db");
    struct stat st {};
    ASSERT_EQ(stat(dir_.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0750u);
    auto state = store->load();
    ASSERT_TRUE(state.ok()) << state.error().to_string();
    EXPECT_TRUE(state->zones.empty());
    EXPECT_TRUE(state->health_checks.empty());
}

TEST_F(SqliteStoreTest, ZonesOfEveryRoutingPolicyAndHealthChecksRoundTrip) {
    ZoneContent a = zone("ZEVERYKIND0001", "example.com.", kEveryKind);
    ASSERT_EQ(a.record_sets.size(), 19u);
    a.from_file = true;
    ZoneContent b = small_zone();
    std::vector<HealthCheckRecord> checks = {
        check(
            R"({"Id": "hc-1", "HealthCheckConfig": {"Type": "HTTP", "IPAddress": "192.0.2.1", "ResourcePath": "/up", "RequestInterval": 10, "FailureThreshold": 2, "Regions": ["us-east-1", "eu-west-1", "ap-southeast-1"]}})",
            "ref-1", 1),
        check(
            R"({"Id": "hc-2", "HealthCheckConfig": {"Type": "HTTPS_STR_MATCH", "FullyQualifiedDomainName": "www.example.com", "SearchString": "ok", "Inverted": true, "MeasureLatency": true}})",
            "ref-2", 3),
        check(
            R"({"Id": "hc-3", "HealthCheckConfig": {"Type": "TCP", "IPAddress": "2001:db8::1", "Port": 853, "Disabled": true, "EnableSNI": true}})",
            "ref-3", 1),
        // A child only the configured file has: the store must not need it.
        check(
            R"({"Id": "hc-4", "HealthCheckConfig": {"Type": "CALCULATED", "ChildHealthChecks": ["hc-1", "file-check"], "HealthThreshold": 1}})",
            "ref-4", 2,
            R"(, {"Id": "hc-1", "HealthCheckConfig": {"Type": "TCP", "IPAddress": "192.0.2.1", "Port": 1}},
                 {"Id": "file-check", "HealthCheckConfig": {"Type": "TCP", "IPAddress": "192.0.2.1", "Port": 1}})"),
    };
    {
        auto store = open();
        ASSERT_TRUE(store);
        ASSERT_TRUE(store->put_zone(a, entry_for(a, "C1")).ok());
        ASSERT_TRUE(store->put_zone(b, entry_for(b, "C2")).ok());
        for (const auto& c : checks) ASSERT_TRUE(store->put_health_check(c).ok());
    }
    change::StoredState state = reload();
    ASSERT_EQ(state.zones.size(), 2u);  // in id order
    expect_same_zone(state.zones[0], a);
    expect_same_zone(state.zones[1], b);
    ASSERT_EQ(state.health_checks.size(), checks.size());
    for (size_t i = 0; i < checks.size(); ++i) {
        EXPECT_EQ(policy::health_check_to_json(state.health_checks[i].check),
                  policy::health_check_to_json(checks[i].check));
        EXPECT_EQ(state.health_checks[i].caller_reference, checks[i].caller_reference);
        EXPECT_EQ(state.health_checks[i].version, checks[i].version);
        EXPECT_FALSE(state.health_checks[i].from_file);
    }
    EXPECT_EQ(state.health_checks[3].check.child_ids, (std::vector<std::string>{"hc-1", "file-check"}));
    EXPECT_TRUE(state.health_checks[1].check.enable_sni);  // HTTPS's default, kept
    // An update replaces; a delete removes.
    {
        auto store = open();
        ASSERT_TRUE(store);
        HealthCheckRecord updated = checks[0];
        updated.check.failure_threshold = 5;
        updated.version = 2;
        ASSERT_TRUE(store->put_health_check(updated).ok());
        ASSERT_TRUE(store->delete_health_check("hc-3").ok());
    }
    state = reload();
    ASSERT_EQ(state.health_checks.size(), 3u);
    EXPECT_EQ(state.health_checks[0].check.failure_threshold, 5u);
    EXPECT_EQ(state.health_checks[0].version, 2u);
    EXPECT_EQ(state.health_checks[2].check.id, "hc-4");
}

TEST_F(SqliteStoreTest, AnAppliedChangeIsWhatAReopenGives) {
    ZoneContent z = zone("ZAPPLY", "example.com.", kEveryKind);
    auto store = open();
    ASSERT_TRUE(store);
    ASSERT_TRUE(store->put_zone(z, entry_for(z, "C1")).ok());

    // Replace the MX, delete a weighted member, add a name.
    ZoneContent after = z;
    HistoryEntry e;
    e.change_id = "C2";
    e.zone_id = z.id;
    e.version = 2;
    const policy::RecordSet* mx = z.find(change::key_of(name("mail.example.com."), dns::type::MX));
    const policy::RecordSet* two = z.find(change::key_of(name("w.example.com."), dns::type::A, "two"));
    ASSERT_TRUE(mx && two);
    e.removed = {*mx, *two};
    e.added = {simple("mail.example.com.", "MX", "5 mx0.example.net."), simple("new.example.com.", "A", "192.0.2.99")};
    after.record_sets.erase(change::key_of(*mx));
    after.record_sets.erase(change::key_of(*two));
    for (const auto& rs : e.added) after.record_sets.upsert(rs);
    after.version = 2;
    after.comment = "renamed";
    ASSERT_TRUE(store->apply(after, e).ok());
    store.reset();

    change::StoredState state = reload();
    ASSERT_EQ(state.zones.size(), 1u);
    expect_same_zone(state.zones[0], after);

    // A change to a zone the store does not hold is refused, naming the file.
    store = open();
    ZoneContent ghost = small_zone("ZGHOST", "ghost.example.");
    Status st = store->apply(ghost, entry_for(ghost, "C3"));
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.error().file, path_);
    EXPECT_NE(st.error().message.find("ZGHOST"), std::string::npos) << st.error().message;
}

TEST_F(SqliteStoreTest, PuttingAZoneAgainReplacesItsRecordSetsAndKeepsItsHistory) {
    ZoneContent z = zone("ZREPUT", "example.com.", kEveryKind);
    auto store = open();
    ASSERT_TRUE(store);
    ASSERT_TRUE(store->put_zone(z, entry_for(z, "C1")).ok());
    ZoneContent again = small_zone("ZREPUT", "example.com.");
    again.version = 2;
    ASSERT_TRUE(store->put_zone(again, entry_for(again, "C2")).ok());
    auto state = store->load();
    ASSERT_TRUE(state.ok()) << state.error().to_string();
    ASSERT_EQ(state->zones.size(), 1u);
    expect_same_zone(state->zones[0], again);
    EXPECT_EQ(count_rows(path_, "SELECT COUNT(*) FROM record_sets"), 2);
    auto h = store->history(z.id);
    ASSERT_TRUE(h.ok());
    ASSERT_EQ(h->size(), 2u);
    EXPECT_EQ((*h)[1].change_id, "C2");
    // Another zone id for the same origin is refused: one zone per origin.
    ZoneContent clash = small_zone("ZCLASH", "example.com.");
    Status st = store->put_zone(clash, entry_for(clash, "C3"));
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.error().file, path_);
    EXPECT_TRUE(st.error().message.starts_with("store: cannot write zone example.com.: ")) << st.error().message;
}

TEST_F(SqliteStoreTest, HistoryIsOldestFirstAndKeepsTheLastEntries) {
    auto store = open(SqliteStoreOptions{.history_limit = 3});
    ASSERT_TRUE(store);
    ZoneContent z = small_zone();
    ASSERT_TRUE(store->put_zone(z, entry_for(z, "C0")).ok());
    for (uint32_t i = 1; i <= 5; ++i) {
        HistoryEntry e;
        e.change_id = "C" + std::to_string(i);
        e.version = i + 1;
        e.serial_before = i;
        e.serial_after = i + 1;
        e.submitted_ms = 1000 + i;
        e.comment = "#" + std::to_string(i);
        if (i > 1)
            e.removed = {simple("h.small.example.", "TXT", "\\\"v" + std::to_string(i - 1) + "\\\"", "small.example.")};
        e.added = {simple("h.small.example.", "TXT", "\\\"v" + std::to_string(i) + "\\\"", "small.example.")};
        z.version = i + 1;
        ASSERT_TRUE(store->apply(z, e).ok());
    }
    auto h = store->history(z.id);
    ASSERT_TRUE(h.ok()) << h.error().to_string();
    ASSERT_EQ(h->size(), 3u);
    for (size_t i = 0; i < 3; ++i) {
        const HistoryEntry& e = (*h)[i];
        const uint32_t n = static_cast<uint32_t>(i) + 3;
        EXPECT_EQ(e.change_id, "C" + std::to_string(n));
        EXPECT_EQ(e.zone_id, z.id);
        EXPECT_EQ(e.version, n + 1);
        EXPECT_EQ(e.serial_before, n);
        EXPECT_EQ(e.serial_after, n + 1);
        EXPECT_EQ(e.submitted_ms, 1000 + n);
        EXPECT_EQ(e.comment, "#" + std::to_string(n));
        ASSERT_EQ(e.removed.size(), 1u);
        ASSERT_EQ(e.added.size(), 1u);
        EXPECT_EQ(e.removed[0].values, std::vector<std::string>{"\"v" + std::to_string(n - 1) + "\""});
        EXPECT_EQ(e.added[0].values, std::vector<std::string>{"\"v" + std::to_string(n) + "\""});
    }
    EXPECT_EQ(count_rows(path_, "SELECT COUNT(*) FROM history"), 3);
    auto none = store->history("ZNOSUCH");
    ASSERT_TRUE(none.ok());
    EXPECT_TRUE(none->empty());
}

TEST_F(SqliteStoreTest, DeletingAZoneRemovesItsRecordSetsAndHistory) {
    ZoneContent a = zone("ZA", "example.com.", kEveryKind);
    ZoneContent b = small_zone("ZB");
    {
        auto store = open();
        ASSERT_TRUE(store);
        ASSERT_TRUE(store->put_zone(a, entry_for(a, "C1")).ok());
        ASSERT_TRUE(store->put_zone(b, entry_for(b, "C2")).ok());
        ASSERT_TRUE(store->delete_zone("ZA").ok());
        ASSERT_TRUE(store->delete_zone("ZA").ok());  // already gone: nothing to do
        auto h = store->history("ZA");
        ASSERT_TRUE(h.ok());
        EXPECT_TRUE(h->empty());
    }
    EXPECT_EQ(count_rows(path_, "SELECT COUNT(*) FROM record_sets WHERE zone_id = 'ZA'"), 0);
    EXPECT_EQ(count_rows(path_, "SELECT COUNT(*) FROM history WHERE zone_id = 'ZA'"), 0);
    EXPECT_EQ(count_rows(path_, "SELECT COUNT(*) FROM history WHERE zone_id = 'ZB'"), 1);
    change::StoredState state = reload();
    ASSERT_EQ(state.zones.size(), 1u);
    expect_same_zone(state.zones[0], b);
    // The origin is free again, for a new zone.
    auto store = open();
    ZoneContent again = zone("ZA2", "example.com.", kEveryKind);
    ASSERT_TRUE(store->put_zone(again, entry_for(again, "C3")).ok());
}

TEST_F(SqliteStoreTest, AFailedWriteNamesTheFileAndLeavesThePreviousContent) {
    ZoneContent z = small_zone();
    ZoneContent big = small_zone("ZBIG", "big.example.");
    for (int i = 0; i < 3000; ++i) {
        big.record_sets.push_back(simple("n" + std::to_string(i) + ".big.example.", "TXT",
                                         "\\\"" + std::string(200, 'x') + "\\\"", "big.example."));
    }
    big.sort();
    {
        // 64 pages of 4 KiB: room for the schema and a small zone, not for 600 KiB more.
        auto store = open(SqliteStoreOptions{.max_page_count = 64});
        ASSERT_TRUE(store);
        ASSERT_TRUE(store->put_zone(z, entry_for(z, "C1")).ok());
        Status st = store->put_zone(big, entry_for(big, "C2"));
        ASSERT_FALSE(st.ok());
        EXPECT_EQ(st.error().file, path_);
        EXPECT_TRUE(st.error().message.starts_with("store: cannot write zone big.example.: "));
        EXPECT_TRUE(st.error().message.ends_with(": database or disk is full")) << st.error().message;
        // A change too large for what is left fails the same way, and so leaves the zone.
        ZoneContent after = z;
        after.version = 2;
        HistoryEntry e = entry_for(after, "C3");
        e.added.clear();
        for (int i = 0; i < 3000; ++i) {
            e.added.push_back(simple("n" + std::to_string(i) + ".small.example.", "TXT",
                                     "\\\"" + std::string(200, 'y') + "\\\"", "small.example."));
        }
        st = store->apply(after, e);
        ASSERT_FALSE(st.ok());
        EXPECT_EQ(st.error().file, path_);
        EXPECT_NE(st.error().message.find("cannot apply change C3 to zone small.example."), std::string::npos)
            << st.error().message;
        // The store still works for what fits.
        auto state = store->load();
        ASSERT_TRUE(state.ok()) << state.error().to_string();
        ASSERT_EQ(state->zones.size(), 1u);
    }
    change::StoredState state = reload();
    ASSERT_EQ(state.zones.size(), 1u);
    expect_same_zone(state.zones[0], z);
    auto store = open();
    auto h = store->history(z.id);
    ASSERT_TRUE(h.ok());
    ASSERT_EQ(h->size(), 1u);
    EXPECT_EQ((*h)[0].change_id, "C1");
}

TEST_F(SqliteStoreTest, AFileThatIsNotADatabaseIsRefusedNamingIt) {
    std::filesystem::create_directories(dir_);
    {
        std::ofstream out(path_, std::ios::binary);
        for (int i = 0; i < 500; ++i) out << "this is not a database, only garbage ";
    }
    auto store = SqliteStore::open(dir_);
    ASSERT_FALSE(store.ok());
    EXPECT_EQ(store.error().file, path_);
    EXPECT_NE(store.error().message.find("not a database"), std::string::npos) << store.error().message;
}

TEST_F(SqliteStoreTest, ADamagedDatabaseIsRefusedNamingIt) {
    {
        auto store = open();
        ASSERT_TRUE(store);
        ZoneContent big = small_zone("ZBIG", "big.example.");
        for (int i = 0; i < 500; ++i) {
            big.record_sets.push_back(simple("n" + std::to_string(i) + ".big.example.", "TXT",
                                             "\\\"" + std::string(100, 'x') + "\\\"", "big.example."));
        }
        big.sort();
        ASSERT_TRUE(store->put_zone(big, entry_for(big, "C1")).ok());
    }
    // Overwrite pages in the middle of the file (the closed store has checkpointed its log).
    const auto size = std::filesystem::file_size(path_);
    ASSERT_GT(size, 16u * 4096);
    {
        std::fstream f(path_, std::ios::in | std::ios::out | std::ios::binary);
        for (uintmax_t off = 2 * 4096; off < size - 4096; off += 3 * 4096) {
            f.seekp(static_cast<std::streamoff>(off));
            const std::string junk(4096, '\x5a');
            f.write(junk.data(), static_cast<std::streamsize>(junk.size()));
        }
    }
    auto store = SqliteStore::open(dir_);
    Error e;
    if (store.ok()) {
        auto state = (*store)->load();
        ASSERT_FALSE(state.ok());
        e = state.error();
    } else {
        e = store.error();
    }
    EXPECT_EQ(e.file, path_);
    EXPECT_NE(e.message.find("store: "), std::string::npos) << e.message;
}

TEST_F(SqliteStoreTest, ARowThatDoesNotParseIsAnErrorNamingTheZoneAndTheRecordSet) {
    ZoneContent z = zone("ZROWS", "example.com.", kEveryKind);
    {
        auto store = open();
        ASSERT_TRUE(store);
        ASSERT_TRUE(store->put_zone(z, entry_for(z, "C1")).ok());
    }
    auto corrupt = [&](const std::string& json) {
        sqlite3* db = nullptr;
        ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
        const std::string sql = "UPDATE record_sets SET json = '" + json +
                                "' WHERE name_key = 'com.example.mail.' AND type = 'MX'";
        EXPECT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK);
        sqlite3_close(db);
    };
    corrupt(R"({"Name": "mail.example.com.", "Type": "MX", "TTL": "soon", "ResourceRecords": [{"Value": "10 mx."}]})");
    auto store = open();
    ASSERT_TRUE(store);
    auto state = store->load();
    ASSERT_FALSE(state.ok());
    EXPECT_EQ(state.error().file, path_);
    const std::string& m = state.error().message;
    EXPECT_TRUE(
        m.starts_with("store: zone example.com. (ZROWS), row com.example.mail./MX: record set mail.example.com. MX"))
        << m;
    EXPECT_NE(m.find("TTL"), std::string::npos) << m;
    store.reset();
    corrupt("not json at all");
    store = open();
    state = store->load();
    ASSERT_FALSE(state.ok());
    EXPECT_TRUE(state.error().message.starts_with("store: zone example.com. (ZROWS), row com.example.mail./MX: "))
        << state.error().message;
}

// A zone's DNSSEC keys are kept whole (their private texts too), and the database that
// holds them is readable by the server's user only.
TEST_F(SqliteStoreTest, SigningKeysRoundTripInAPrivateDatabase) {
    ZoneContent z = small_zone();
    auto store = open();
    ASSERT_TRUE(store);
    ASSERT_TRUE(store->put_zone(z, entry_for(z, "C1")).ok());
    change::ZoneSigning s;
    s.enabled = true;
    s.modified_ms = 1700000000123;
    change::ZoneKey k;
    k.name = "ksk_1";
    k.ksk = true;
    k.kms_arn = "arn:aws:kms:us-east-1:1:key/a";
    k.active = false;
    k.tag = 4242;
    k.public_text = "small.example. IN DNSKEY 257 3 13 AAAA\n";
    k.private_text = "Private-key-format: v1.3\nPrivateKey: BBBB\n";
    k.created_ms = 1;
    k.modified_ms = 2;
    s.keys = {k};
    ASSERT_TRUE(store->put_signing(z.id, s).ok());
    s.keys[0].active = true;  // written again: replaced
    ASSERT_TRUE(store->put_signing(z.id, s).ok());
    store.reset();
    struct stat st {};
    ASSERT_EQ(stat(path_.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    change::StoredState state = reload();
    ASSERT_EQ(state.zones.size(), 1u);
    ASSERT_TRUE(state.zones[0].signing);
    const change::ZoneSigning& got = *state.zones[0].signing;
    EXPECT_TRUE(got.enabled);
    EXPECT_EQ(got.modified_ms, 1700000000123);
    ASSERT_EQ(got.keys.size(), 1u);
    EXPECT_EQ(got.keys[0].name, "ksk_1");
    EXPECT_TRUE(got.keys[0].ksk);
    EXPECT_TRUE(got.keys[0].active);
    EXPECT_EQ(got.keys[0].tag, 4242);
    EXPECT_EQ(got.keys[0].kms_arn, k.kms_arn);
    EXPECT_EQ(got.keys[0].public_text, k.public_text);
    EXPECT_EQ(got.keys[0].private_text, k.private_text);
    // Deleting the zone deletes its keys.
    store = open();
    ASSERT_TRUE(store->delete_zone(z.id).ok());
    ASSERT_TRUE(store->put_zone(z, entry_for(z, "C2")).ok());
    store.reset();
    EXPECT_FALSE(reload().zones[0].signing);
}

// A store written by the release before keys were kept (schema 1) opens, and keeps them.
TEST_F(SqliteStoreTest, AVersionOneStoreGainsTheSigningTable) {
    ZoneContent z = small_zone();
    {
        auto store = open();
        ASSERT_TRUE(store->put_zone(z, entry_for(z, "C1")).ok());
    }
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db, "DROP TABLE zone_signing; PRAGMA user_version = 1", nullptr, nullptr, nullptr),
              SQLITE_OK);
    sqlite3_close(db);
    auto store = open();
    ASSERT_TRUE(store);
    change::ZoneSigning s;
    s.enabled = true;
    ASSERT_TRUE(store->put_signing(z.id, s).ok());
    store.reset();
    change::StoredState state = reload();
    ASSERT_EQ(state.zones.size(), 1u);
    EXPECT_EQ(state.zones[0].record_sets.size(), z.record_sets.size());
    ASSERT_TRUE(state.zones[0].signing);
    EXPECT_TRUE(state.zones[0].signing->enabled);
}

TEST_F(SqliteStoreTest, AStoreFromANewerReleaseIsRefused) {
    open().reset();
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db, "PRAGMA user_version = 7", nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(db);
    auto store = SqliteStore::open(dir_);
    ASSERT_FALSE(store.ok());
    EXPECT_EQ(store.error().file, path_);
    EXPECT_NE(store.error().message.find("schema version 7 is newer"), std::string::npos) << store.error().message;
}

TEST_F(SqliteStoreTest, AFolderThatCannotBeUsedIsAnErrorNamingTheFile) {
    { std::ofstream(root_ + "/plain") << "a file, not a folder"; }
    dir_ = root_ + "/plain";
    auto store = SqliteStore::open(dir_);
    ASSERT_FALSE(store.ok());
    EXPECT_EQ(store.error().file, dir_ + "/fastzone.db");
    auto nested = SqliteStore::open(root_ + "/plain/sub");
    ASSERT_FALSE(nested.ok());
    EXPECT_EQ(nested.error().file, root_ + "/plain/sub/fastzone.db");
}

// A child applies changes and reports each acknowledged one; it is killed mid-way. Every
// acknowledged change must be there after a reopen, and none half: each change replaces
// a marker and adds two names, all three in one transaction.
TEST_F(SqliteStoreTest, ChangesAcknowledgedBeforeAKillSurviveIt) {
    ZoneContent z = small_zone();
    {
        auto store = open();
        ASSERT_TRUE(store);
        ASSERT_TRUE(store->put_zone(z, entry_for(z, "C0")).ok());
    }
    auto marker = [](uint32_t i) {
        return simple("marker.small.example.", "TXT", "\\\"" + std::to_string(i) + "\\\"", "small.example.");
    };
    int fds[2];
    ASSERT_EQ(pipe(fds), 0);
    const pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
        close(fds[0]);
        auto store = SqliteStore::open(dir_);
        if (!store.ok()) _exit(2);
        ZoneContent after = z;
        for (uint32_t i = 1; i <= 100000; ++i) {
            HistoryEntry e;
            e.change_id = "C" + std::to_string(i);
            e.version = i + 1;
            if (i > 1) e.removed = {marker(i - 1)};
            e.added = {marker(i),
                       simple("a" + std::to_string(i) + ".small.example.", "A", "192.0.2.1", "small.example."),
                       simple("b" + std::to_string(i) + ".small.example.", "A", "192.0.2.2", "small.example.")};
            after.version = i + 1;
            if (!(*store)->apply(after, e).ok()) _exit(3);
            if (write(fds[1], &i, sizeof i) != sizeof i) _exit(4);
        }
        _exit(0);
    }
    close(fds[1]);
    uint32_t acked = 0;
    uint32_t n = 0;
    while (acked < 30 && read(fds[0], &n, sizeof n) == sizeof n) acked = n;
    kill(pid, SIGKILL);
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    // Acknowledgements written before the kill count too.
    while (read(fds[0], &n, sizeof n) == sizeof n) acked = n;
    close(fds[0]);
    ASSERT_TRUE(WIFSIGNALED(status)) << "the child ended first, status " << status;
    ASSERT_GE(acked, 30u);

    change::StoredState state = reload();
    ASSERT_EQ(state.zones.size(), 1u);
    const ZoneContent& got = state.zones[0];
    ASSERT_GE(got.version, uint64_t{acked} + 1);
    const uint32_t applied = static_cast<uint32_t>(got.version - 1);
    EXPECT_EQ(got.record_sets.size(), 2u + 1u + 2u * applied);  // SOA, NS, the marker, a and b of each
    const policy::RecordSet* m = got.find(change::key_of(name("marker.small.example."), dns::type::TXT));
    ASSERT_NE(m, nullptr);
    EXPECT_EQ(m->values, std::vector<std::string>{"\"" + std::to_string(applied) + "\""});
    for (uint32_t i = 1; i <= applied + 1; ++i) {
        const bool want = i <= applied;
        EXPECT_EQ(got.find(change::key_of(name("a" + std::to_string(i) + ".small.example."), dns::type::A)) != nullptr,
                  want)
            << i;
        EXPECT_EQ(got.find(change::key_of(name("b" + std::to_string(i) + ".small.example."), dns::type::A)) != nullptr,
                  want)
            << i;
    }
    auto store = open();
    auto h = store->history(z.id);
    ASSERT_TRUE(h.ok());
    ASSERT_EQ(h->size(), std::min<size_t>(applied + 1, 1000));
    EXPECT_EQ(h->back().change_id, "C" + std::to_string(applied));
}

// Not a benchmark (bench/store has the figure): a zone of many record sets goes in as one
// transaction and comes back whole.
TEST_F(SqliteStoreTest, ALargeZoneIsWrittenAndReadWhole) {
    ZoneContent z = small_zone("ZLARGE", "large.example.");
    for (int i = 0; i < 20000; ++i) {
        z.record_sets.push_back(simple("h" + std::to_string(i) + ".large.example.", "A", "192.0.2.1",
                                       "large.example."));
    }
    z.sort();
    {
        auto store = open();
        ASSERT_TRUE(store);
        ASSERT_TRUE(store->put_zone(z, HistoryEntry{.change_id = "C1"}).ok());
    }
    change::StoredState state = reload();
    ASSERT_EQ(state.zones.size(), 1u);
    expect_same_zone(state.zones[0], z);
    // Rows are read in chunks: a bad one far in is still named by its key.
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
    EXPECT_EQ(sqlite3_exec(db, "UPDATE record_sets SET json = '{' WHERE name_key = 'example.large.h9999.'", nullptr,
                           nullptr, nullptr),
              SQLITE_OK);
    sqlite3_close(db);
    auto store = open();
    auto bad = store->load();
    ASSERT_FALSE(bad.ok());
    EXPECT_TRUE(bad.error().message.starts_with("store: zone large.example. (ZLARGE), row example.large.h9999./A: "))
        << bad.error().message;
}

}  // namespace
}  // namespace fz::store
