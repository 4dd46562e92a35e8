// The durable store: change::Journal over one SQLite database, `<store.path>/fastzone.db`.
//
// Why SQLite: ACID transactions with a write-ahead log, one file to back up or move, and
// with synchronous=FULL a change acknowledged to a client survives kill -9 and power loss;
// it is well kept in Debian, and a zone's change history (what IXFR serves) is simply a
// table. LMDB would read faster, but the store is never on the query path: it is read
// once at start-up and written once per accepted change.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "change/registry.h"
#include "common/result.h"

struct sqlite3;
struct sqlite3_stmt;

namespace fz::store {

struct SqliteStoreOptions {
    // History entries kept per zone (the newest); older ones are pruned by the write that
    // adds one. At least 1.
    uint32_t history_limit = 1000;
    // Caps the database at this many pages (of 4 KiB); 0 for no cap. A write that would
    // grow past it fails as on a full disk: for tests, and to keep the store from filling
    // a disk shared with others.
    uint32_t max_page_count = 0;
};

class SqliteStore final : public change::Journal {
public:
    // Opens (or creates, empty) the store in folder `dir`, itself created with mode 0750 if
    // missing. Fails, naming the file, on a folder that cannot be used, a file that is not
    // a database or fails its integrity check, or a schema newer than this build knows.
    static Result<std::unique_ptr<SqliteStore>> open(const std::string& dir, SqliteStoreOptions options = {});
    ~SqliteStore() override;

    SqliteStore(const SqliteStore&) = delete;
    SqliteStore& operator=(const SqliteStore&) = delete;

    // The database file's path.
    const std::string& path() const { return path_; }

    // change::Journal. Each call is one transaction: on error nothing of it is written,
    // and the error's file is path(). Calls from several threads take turns (one
    // connection, its statements reused).
    Result<change::StoredState> load() override;
    Status put_zone(const change::ZoneContent& zone, const change::HistoryEntry& entry) override;
    Status apply(const change::ZoneContent& after, const change::HistoryEntry& entry) override;
    Status delete_zone(const std::string& zone_id) override;
    Status put_signing(const std::string& zone_id, const change::ZoneSigning& signing) override;
    Status put_health_check(const change::HealthCheckRecord& check) override;
    Status delete_health_check(const std::string& id) override;
    Result<std::vector<change::HistoryEntry>> history(const std::string& zone_id) override;

    // The schema version this build writes (PRAGMA user_version).
    // 2: zone_signing (a zone's DNSSEC keys); a version 1 store gains the table when opened.
    static constexpr int kSchemaVersion = 2;

private:
    // The statements every call reuses, prepared once at open.
    enum Statement : uint8_t {
        kBegin,
        kCommit,
        kRollback,
        kUpsertZone,
        kUpdateZone,
        kDeleteZoneRecordSets,
        kInsertRecordSet,
        kDeleteRecordSet,
        kNextSeq,
        kInsertHistory,
        kPruneHistory,
        kDeleteHistory,
        kDeleteZone,
        kUpsertHealthCheck,
        kDeleteHealthCheck,
        kSelectZones,
        kSelectRecordSets,
        kSelectHealthChecks,
        kSelectOrigin,
        kSelectHistory,
        kUpsertSigning,
        kSelectSigning,
        kStatementCount,
    };

    SqliteStore(std::string path, SqliteStoreOptions options);
    Status init();
    Status prepare_statements();
    sqlite3_stmt* stmt(Statement s) const { return stmts_[s]; }

    // An Error naming the file: "store: <what>: <SQLite's message>".
    Error error(const std::string& what) const;
    // Runs `body` in BEGIN IMMEDIATE ... COMMIT, and ROLLBACK when it (or COMMIT) fails.
    template <typename Body>
    Status transaction(const std::string& what, Body&& body);

    Status write_record_set(const std::string& zone_id, const policy::RecordSet& rs, const std::string& what);
    Status write_history(const change::HistoryEntry& entry, const std::string& what);
    Result<change::ZoneContent> read_zone(sqlite3_stmt* row);
    // The stored key of a zone's index-th record set (Route 53's order), for errors.
    std::string row_key(const std::string& zone_id, int64_t index);

    std::string path_;
    SqliteStoreOptions options_;
    std::mutex mu_;  // one call at a time on the connection and its statements
    sqlite3* db_ = nullptr;
    sqlite3_stmt* stmts_[kStatementCount] = {};
};

}  // namespace fz::store
