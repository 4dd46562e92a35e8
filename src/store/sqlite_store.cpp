// The durable store over SQLite: schema, one transaction per Journal call, rows in Route 53's JSON (cold).
//
// Why SQLite and not a file per zone or LMDB: ACID transactions with WAL, one file, and with
// synchronous=FULL a commit that returned is on disk (kill -9 and power loss keep it); it is
// well kept in Debian; a zone's change history, what IXFR serves, is one more table. LMDB
// reads faster, but the store is never on the query path. Record sets and health checks are
// stored as the JSON Route 53 itself prints (record_set_to_json, health_check_to_json) and
// read back through the same parsers as the configured files, so the store has no second
// schema of its own to keep in step.
#include "store/sqlite_store.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <iterator>
#include <set>

#include "change/content.h"
#include "dns/name.h"
#include "policy/health_check.h"
#include "policy/record_set.h"
#include "store/codec.h"

namespace fz::store {
namespace {

// WITHOUT ROWID where the primary key is how rows are read (record sets in Route 53's
// order, by zone): one b-tree instead of a table and an index. History rows are large
// (whole record sets), so they keep a rowid table.
constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS zones (
    id TEXT PRIMARY KEY NOT NULL,
    origin TEXT NOT NULL UNIQUE,
    caller_reference TEXT NOT NULL,
    comment TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    from_file INTEGER NOT NULL,
    version INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS record_sets (
    zone_id TEXT NOT NULL REFERENCES zones(id) ON DELETE CASCADE,
    name_key TEXT NOT NULL,
    type TEXT NOT NULL,
    set_identifier TEXT NOT NULL,
    json TEXT NOT NULL,
    PRIMARY KEY (zone_id, name_key, type, set_identifier)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS health_checks (
    id TEXT PRIMARY KEY NOT NULL,
    caller_reference TEXT NOT NULL,
    version INTEGER NOT NULL,
    json TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS history (
    zone_id TEXT NOT NULL REFERENCES zones(id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    change_id TEXT NOT NULL,
    submitted_ms INTEGER NOT NULL,
    comment TEXT NOT NULL,
    serial_before INTEGER NOT NULL,
    serial_after INTEGER NOT NULL,
    version INTEGER NOT NULL,
    removed_json TEXT NOT NULL,
    added_json TEXT NOT NULL,
    PRIMARY KEY (zone_id, seq)
);
CREATE TABLE IF NOT EXISTS zone_signing (
    zone_id TEXT PRIMARY KEY NOT NULL REFERENCES zones(id) ON DELETE CASCADE,
    json TEXT NOT NULL
) WITHOUT ROWID;
)sql";

// Indexed by SqliteStore::Statement.
constexpr const char* kStatementSql[] = {
    "BEGIN IMMEDIATE",
    "COMMIT",
    "ROLLBACK",
    "INSERT INTO zones (id, origin, caller_reference, comment, created_ms, from_file, version) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (id) DO UPDATE SET origin = excluded.origin, "
    "caller_reference = excluded.caller_reference, comment = excluded.comment, created_ms = excluded.created_ms, "
    "from_file = excluded.from_file, version = excluded.version",
    "UPDATE zones SET caller_reference = ?3, comment = ?4, created_ms = ?5, from_file = ?6, version = ?7 "
    "WHERE id = ?1 AND origin = ?2",
    "DELETE FROM record_sets WHERE zone_id = ?1",
    "INSERT OR REPLACE INTO record_sets (zone_id, name_key, type, set_identifier, json) VALUES (?1, ?2, ?3, ?4, ?5)",
    "DELETE FROM record_sets WHERE zone_id = ?1 AND name_key = ?2 AND type = ?3 AND set_identifier = ?4",
    "SELECT COALESCE(MAX(seq), 0) + 1 FROM history WHERE zone_id = ?1",
    "INSERT INTO history (zone_id, seq, change_id, submitted_ms, comment, serial_before, serial_after, version, "
    "removed_json, added_json) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    "DELETE FROM history WHERE zone_id = ?1 AND seq <= ?2",
    "DELETE FROM history WHERE zone_id = ?1",
    "DELETE FROM zones WHERE id = ?1",
    "INSERT INTO health_checks (id, caller_reference, version, json) VALUES (?1, ?2, ?3, ?4) "
    "ON CONFLICT (id) DO UPDATE SET caller_reference = excluded.caller_reference, version = excluded.version, "
    "json = excluded.json",
    "DELETE FROM health_checks WHERE id = ?1",
    "SELECT id, origin, caller_reference, comment, created_ms, from_file, version FROM zones ORDER BY id",
    // The primary key's order is Route 53's (reversed name, type name, set identifier).
    "SELECT json FROM record_sets WHERE zone_id = ?1 ORDER BY name_key, type, set_identifier",
    "SELECT id, caller_reference, version, json FROM health_checks ORDER BY id",
    "SELECT origin FROM zones WHERE id = ?1",
    "SELECT change_id, submitted_ms, comment, serial_before, serial_after, version, removed_json, added_json "
    "FROM history WHERE zone_id = ?1 ORDER BY seq",
    "INSERT INTO zone_signing (zone_id, json) VALUES (?1, ?2) ON CONFLICT (zone_id) DO UPDATE SET json = excluded.json",
    "SELECT json FROM zone_signing WHERE zone_id = ?1",
};

// Resets a statement when the scope ends, so that none is left holding a read lock or
// pointing at a bound string that is gone.
class Reset {
public:
    explicit Reset(sqlite3_stmt* s) : s_(s) {}
    ~Reset() {
        sqlite3_reset(s_);
        sqlite3_clear_bindings(s_);
    }
    Reset(const Reset&) = delete;
    Reset& operator=(const Reset&) = delete;

private:
    sqlite3_stmt* s_;
};

// Bound strings must outlive the step: every caller keeps them until its Reset runs. (Not
// named bind(): std::bind, found by argument-dependent lookup, would win for a std::string&.)
void bind_value(sqlite3_stmt* s, int i, const std::string& v) {
    sqlite3_bind_text(s, i, v.data(), static_cast<int>(v.size()), SQLITE_STATIC);
}
void bind_value(sqlite3_stmt* s, int i, int64_t v) { sqlite3_bind_int64(s, i, v); }

std::string column_text(sqlite3_stmt* s, int i) {
    const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(s, i));
    return p == nullptr ? std::string() : std::string(p, static_cast<size_t>(sqlite3_column_bytes(s, i)));
}

}  // namespace

SqliteStore::SqliteStore(std::string path, SqliteStoreOptions options) : path_(std::move(path)), options_(options) {
    if (options_.history_limit == 0) options_.history_limit = 1;
}

SqliteStore::~SqliteStore() {
    for (sqlite3_stmt* s : stmts_) sqlite3_finalize(s);
    // The last connection to close checkpoints the WAL into the database and removes it.
    sqlite3_close(db_);
}

Error SqliteStore::error(const std::string& what) const {
    const char* why = db_ != nullptr ? sqlite3_errmsg(db_) : "out of memory";
    return Error{path_, 0, "store: " + what + ": " + why};
}

Result<std::unique_ptr<SqliteStore>> SqliteStore::open(const std::string& dir, SqliteStoreOptions options) {
    std::string folder = dir.empty() ? std::string(".") : dir;
    while (folder.size() > 1 && folder.back() == '/') folder.pop_back();
    const std::string path = folder + "/fastzone.db";
    // The history holds every zone's content: not for other users to read. Parents too, as
    // `mkdir -p` would.
    for (size_t slash = folder.find('/', 1);; slash = folder.find('/', slash + 1)) {
        const std::string part = folder.substr(0, slash);
        if (::mkdir(part.c_str(), 0750) != 0 && errno != EEXIST) {
            return Error{path, 0, "store: cannot create the folder " + part + ": " + std::strerror(errno)};
        }
        if (slash == std::string::npos) break;
    }
    struct stat st {};
    if (::stat(folder.c_str(), &st) != 0) {
        return Error{path, 0, "store: cannot use the folder " + folder + ": " + std::strerror(errno)};
    }
    if (!S_ISDIR(st.st_mode)) return Error{path, 0, "store: " + folder + " is not a folder"};
    // SQLite writes the -wal and -shm files beside the database: the folder itself must be
    // writable, not only the file.
    if (::access(folder.c_str(), R_OK | W_OK | X_OK) != 0) {
        return Error{path, 0, "store: cannot read and write the folder " + folder + ": " + std::strerror(errno)};
    }
    std::unique_ptr<SqliteStore> store(new SqliteStore(path, options));
    if (Status s = store->init(); !s.ok()) return s.error();
    return store;
}

Status SqliteStore::init() {
    // The store holds the private keys of the zones the API signs: the server's user's
    // only. SQLite gives its -wal and -shm files the database's mode.
    for (const char* suffix : {"", "-wal", "-shm"}) {
        const std::string file = path_ + suffix;
        const int fd = ::open(file.c_str(), O_RDWR | O_CLOEXEC | (*suffix == 0 ? O_CREAT : 0), 0600);
        if (fd < 0 && *suffix == 0) return Error{path_, 0, std::string("store: cannot open: ") + std::strerror(errno)};
        if (fd < 0) continue;
        const bool owned = ::fchmod(fd, 0600) == 0;
        ::close(fd);
        if (!owned && *suffix == 0) {
            return Error{path_, 0,
                         std::string("store: cannot make the database private (chmod 600): ") + std::strerror(errno)};
        }
    }
    const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
    if (sqlite3_open_v2(path_.c_str(), &db_, flags, nullptr) != SQLITE_OK) return error("cannot open");
    sqlite3_extended_result_codes(db_, 1);
    // Another process (fastzonectl) may hold the write lock for a moment.
    sqlite3_busy_timeout(db_, 5000);

    // The first read of the header is where a file that is not a database shows.
    int version = -1;
    sqlite3_stmt* s = nullptr;
    if (sqlite3_prepare_v2(db_, "PRAGMA user_version", -1, &s, nullptr) != SQLITE_OK) {
        return error("cannot read the database (is it a fastzone store?)");
    }
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) version = sqlite3_column_int(s, 0);
    sqlite3_finalize(s);
    if (rc != SQLITE_ROW) return error("cannot read the database (is it a fastzone store?)");
    if (version > kSchemaVersion) {
        return Error{path_, 0,
                     "store: schema version " + std::to_string(version) + " is newer than this fastzone's (" +
                         std::to_string(kSchemaVersion) + "): the store was written by a newer release"};
    }

    // quick_check reads every page (not the index cross-checks of integrity_check): a torn
    // or overwritten file is refused here rather than half-read later.
    if (sqlite3_prepare_v2(db_, "PRAGMA quick_check", -1, &s, nullptr) != SQLITE_OK) {
        return error("cannot check the database");
    }
    // One row "ok", or rows of problems: the first few say enough.
    std::string verdict;
    int rows = 0;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW && rows++ < 4) {
        if (!verdict.empty()) verdict += "; ";
        verdict += column_text(s, 0);
    }
    sqlite3_finalize(s);
    if (rows == 0) return error("cannot check the database");
    if (verdict != "ok") {
        std::replace(verdict.begin(), verdict.end(), '\n', ' ');
        return Error{path_, 0, "store: the database is damaged (PRAGMA quick_check: " + verdict + ")"};
    }

    // WAL: a commit appends to the log and readers never block the writer. synchronous=FULL
    // syncs the log on every commit, which is what makes an acknowledged change durable
    // across power loss (NORMAL would keep it across a crash of the process only).
    // journal_size_limit trims the log after a large import has been checkpointed.
    std::string pragmas =
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; "
        "PRAGMA cache_size=-32768; PRAGMA journal_size_limit=67108864;";
    if (options_.max_page_count != 0) pragmas += "PRAGMA max_page_count=" + std::to_string(options_.max_page_count);
    if (sqlite3_exec(db_, pragmas.c_str(), nullptr, nullptr, nullptr) != SQLITE_OK) {
        return error("cannot set up the database");
    }
    if (sqlite3_prepare_v2(db_, "PRAGMA journal_mode", -1, &s, nullptr) == SQLITE_OK) {
        rc = sqlite3_step(s);
        verdict = rc == SQLITE_ROW ? column_text(s, 0) : std::string();
        sqlite3_finalize(s);
        if (verdict != "wal") {
            return Error{path_, 0, "store: cannot use a write-ahead log here (journal mode is \"" + verdict + "\")"};
        }
    }
    if (version < kSchemaVersion) {
        const std::string create = std::string("BEGIN IMMEDIATE;") + kSchema +
                                   "PRAGMA user_version=" + std::to_string(kSchemaVersion) + ";COMMIT;";
        if (sqlite3_exec(db_, create.c_str(), nullptr, nullptr, nullptr) != SQLITE_OK) {
            Error e = error("cannot create the schema");
            sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
            return e;
        }
    }
    return prepare_statements();
}

Status SqliteStore::prepare_statements() {
    static_assert(sizeof kStatementSql / sizeof kStatementSql[0] == kStatementCount);
    for (int i = 0; i < kStatementCount; ++i) {
        if (sqlite3_prepare_v3(db_, kStatementSql[i], -1, SQLITE_PREPARE_PERSISTENT, &stmts_[i], nullptr) !=
            SQLITE_OK) {
            return error("cannot prepare \"" + std::string(kStatementSql[i]) + "\"");
        }
    }
    return Ok{};
}

template <typename Body>
Status SqliteStore::transaction(const std::string& what, Body&& body) {
    std::lock_guard lock(mu_);
    auto run = [&](Statement s) {
        Reset reset(stmt(s));
        return sqlite3_step(stmt(s)) == SQLITE_DONE;
    };
    if (!run(kBegin)) return error(what);
    Status st = body();
    if (st.ok() && !run(kCommit)) st = error(what);
    // A failed COMMIT may leave the transaction open (SQLITE_BUSY) or rolled back already
    // (SQLITE_FULL): ROLLBACK only what is still open.
    if (!st.ok() && sqlite3_get_autocommit(db_) == 0) run(kRollback);
    return st;
}

Status SqliteStore::write_record_set(const std::string& zone_id, const policy::RecordSet& rs, const std::string& what) {
    const change::RecordSetKey key = change::key_of(rs);
    const std::string json = policy::record_set_to_json(rs);
    sqlite3_stmt* s = stmt(kInsertRecordSet);
    Reset reset(s);
    bind_value(s, 1, zone_id);
    bind_value(s, 2, key.reversed_name);
    bind_value(s, 3, key.type);
    bind_value(s, 4, key.set_identifier);
    bind_value(s, 5, json);
    if (sqlite3_step(s) != SQLITE_DONE) return error(what + ": record set " + rs.describe());
    return Ok{};
}

Status SqliteStore::write_history(const change::HistoryEntry& entry, const std::string& what) {
    const std::string& zone_id = entry.zone_id;
    int64_t seq = 1;
    {
        sqlite3_stmt* s = stmt(kNextSeq);
        Reset reset(s);
        bind_value(s, 1, zone_id);
        if (sqlite3_step(s) != SQLITE_ROW) return error(what + ": history");
        seq = sqlite3_column_int64(s, 0);
    }
    const std::string removed = record_sets_json(entry.removed);
    const std::string added = record_sets_json(entry.added);
    {
        sqlite3_stmt* s = stmt(kInsertHistory);
        Reset reset(s);
        bind_value(s, 1, zone_id);
        bind_value(s, 2, seq);
        bind_value(s, 3, entry.change_id);
        bind_value(s, 4, entry.submitted_ms);
        bind_value(s, 5, entry.comment);
        bind_value(s, 6, static_cast<int64_t>(entry.serial_before));
        bind_value(s, 7, static_cast<int64_t>(entry.serial_after));
        bind_value(s, 8, static_cast<int64_t>(entry.version));
        bind_value(s, 9, removed);
        bind_value(s, 10, added);
        if (sqlite3_step(s) != SQLITE_DONE) return error(what + ": history");
    }
    // Pruned here, in the same transaction, so the table never holds more than the limit.
    if (seq > options_.history_limit) {
        sqlite3_stmt* s = stmt(kPruneHistory);
        Reset reset(s);
        bind_value(s, 1, zone_id);
        bind_value(s, 2, seq - static_cast<int64_t>(options_.history_limit));
        if (sqlite3_step(s) != SQLITE_DONE) return error(what + ": history");
    }
    return Ok{};
}

Status SqliteStore::put_zone(const change::ZoneContent& zone, const change::HistoryEntry& entry) {
    const std::string what = "cannot write zone " + zone.origin.to_text();
    return transaction(what, [&]() -> Status {
        const std::string origin = zone.origin.to_text();
        {
            sqlite3_stmt* s = stmt(kUpsertZone);
            Reset reset(s);
            bind_value(s, 1, zone.id);
            bind_value(s, 2, origin);
            bind_value(s, 3, zone.caller_reference);
            bind_value(s, 4, zone.comment);
            bind_value(s, 5, zone.created_ms);
            bind_value(s, 6, int64_t{zone.from_file});
            bind_value(s, 7, static_cast<int64_t>(zone.version));
            if (sqlite3_step(s) != SQLITE_DONE) return error(what);
        }
        {
            sqlite3_stmt* s = stmt(kDeleteZoneRecordSets);
            Reset reset(s);
            bind_value(s, 1, zone.id);
            if (sqlite3_step(s) != SQLITE_DONE) return error(what);
        }
        for (const policy::RecordSet& rs : zone.record_sets) {
            if (Status st = write_record_set(zone.id, rs, what); !st.ok()) return st;
        }
        change::HistoryEntry e = entry;
        e.zone_id = zone.id;
        return write_history(e, what);
    });
}

Status SqliteStore::apply(const change::ZoneContent& after, const change::HistoryEntry& entry) {
    const std::string what = "cannot apply change " + entry.change_id + " to zone " + after.origin.to_text();
    return transaction(what, [&]() -> Status {
        const std::string origin = after.origin.to_text();
        {
            sqlite3_stmt* s = stmt(kUpdateZone);
            Reset reset(s);
            bind_value(s, 1, after.id);
            bind_value(s, 2, origin);
            bind_value(s, 3, after.caller_reference);
            bind_value(s, 4, after.comment);
            bind_value(s, 5, after.created_ms);
            bind_value(s, 6, int64_t{after.from_file});
            bind_value(s, 7, static_cast<int64_t>(after.version));
            if (sqlite3_step(s) != SQLITE_DONE) return error(what);
            if (sqlite3_changes(db_) == 0) {
                return Error{path_, 0, "store: " + what + ": the store holds no zone " + after.id + " for it"};
            }
        }
        // Removed first: a replaced record set is in both lists.
        for (const policy::RecordSet& rs : entry.removed) {
            const change::RecordSetKey key = change::key_of(rs);
            sqlite3_stmt* s = stmt(kDeleteRecordSet);
            Reset reset(s);
            bind_value(s, 1, after.id);
            bind_value(s, 2, key.reversed_name);
            bind_value(s, 3, key.type);
            bind_value(s, 4, key.set_identifier);
            if (sqlite3_step(s) != SQLITE_DONE) return error(what + ": record set " + rs.describe());
        }
        for (const policy::RecordSet& rs : entry.added) {
            if (Status st = write_record_set(after.id, rs, what); !st.ok()) return st;
        }
        change::HistoryEntry e = entry;
        e.zone_id = after.id;
        return write_history(e, what);
    });
}

Status SqliteStore::delete_zone(const std::string& zone_id) {
    const std::string what = "cannot delete zone " + zone_id;
    return transaction(what, [&]() -> Status {
        for (Statement which : {kDeleteHistory, kDeleteZoneRecordSets, kDeleteZone}) {
            sqlite3_stmt* s = stmt(which);
            Reset reset(s);
            bind_value(s, 1, zone_id);
            if (sqlite3_step(s) != SQLITE_DONE) return error(what);
        }
        return Ok{};
    });
}

Status SqliteStore::put_signing(const std::string& zone_id, const change::ZoneSigning& signing) {
    const std::string what = "cannot write the DNSSEC keys of zone " + zone_id;
    return transaction(what, [&]() -> Status {
        const std::string json = signing_json(signing);
        sqlite3_stmt* s = stmt(kUpsertSigning);
        Reset reset(s);
        bind_value(s, 1, zone_id);
        bind_value(s, 2, json);
        if (sqlite3_step(s) != SQLITE_DONE) return error(what);
        return Ok{};
    });
}

Status SqliteStore::put_health_check(const change::HealthCheckRecord& check) {
    const std::string what = "cannot write health check " + check.check.id;
    return transaction(what, [&]() -> Status {
        const std::string json = policy::health_check_to_json(check.check);
        sqlite3_stmt* s = stmt(kUpsertHealthCheck);
        Reset reset(s);
        bind_value(s, 1, check.check.id);
        bind_value(s, 2, check.caller_reference);
        bind_value(s, 3, static_cast<int64_t>(check.version));
        bind_value(s, 4, json);
        if (sqlite3_step(s) != SQLITE_DONE) return error(what);
        return Ok{};
    });
}

Status SqliteStore::delete_health_check(const std::string& id) {
    const std::string what = "cannot delete health check " + id;
    return transaction(what, [&]() -> Status {
        sqlite3_stmt* s = stmt(kDeleteHealthCheck);
        Reset reset(s);
        bind_value(s, 1, id);
        if (sqlite3_step(s) != SQLITE_DONE) return error(what);
        return Ok{};
    });
}

Result<change::ZoneContent> SqliteStore::read_zone(sqlite3_stmt* row) {
    change::ZoneContent zone;
    zone.id = column_text(row, 0);
    const std::string origin_text = column_text(row, 1);
    auto origin = dns::name_from_text(origin_text, nullptr);
    if (!origin.ok()) {
        return Error{path_, 0, "store: zone " + zone.id + ": bad origin \"" + origin_text + "\""};
    }
    zone.origin = *origin;
    zone.caller_reference = column_text(row, 2);
    zone.comment = column_text(row, 3);
    zone.created_ms = sqlite3_column_int64(row, 4);
    zone.from_file = sqlite3_column_int64(row, 5) != 0;
    zone.version = static_cast<uint64_t>(sqlite3_column_int64(row, 6));

    // Parsed a chunk of rows at a time: the JSON tree of a million record sets at once would
    // cost gigabytes for a moment.
    constexpr uint32_t kChunkRows = 4096;
    const std::string context = "zone " + origin_text + " (" + zone.id + ")";
    std::string text;
    std::vector<std::pair<size_t, size_t>> rows;  // each row's place in `text`
    int64_t chunk_start = 0;
    auto flush = [&]() -> Status {
        if (rows.empty()) return Ok{};
        text += "\n]";
        auto sets = parse_rows(text, path_, zone.origin, context);
        if (!sets.ok()) {
            // Cold: which row? Each alone, so that the error names the first bad one's key
            // even when its JSON is what cannot be read.
            for (size_t i = 0; i < rows.size(); ++i) {
                const std::string one = "[\n" + text.substr(rows[i].first, rows[i].second) + "\n]";
                const std::string row = context + ", row " + row_key(zone.id, chunk_start + static_cast<int64_t>(i));
                auto alone = parse_rows(one, path_, zone.origin, row);
                if (!alone.ok()) return alone.error();
            }
            return sets.error();
        }
        std::move(sets->begin(), sets->end(), std::back_inserter(zone.record_sets));
        chunk_start += static_cast<int64_t>(rows.size());
        rows.clear();
        text.clear();
        return Ok{};
    };
    sqlite3_stmt* s = stmt(kSelectRecordSets);
    Reset reset(s);
    bind_value(s, 1, zone.id);
    int rc = 0;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        text += rows.empty() ? "[\n" : ",\n";
        const auto bytes = static_cast<size_t>(sqlite3_column_bytes(s, 0));
        rows.emplace_back(text.size(), bytes);
        text.append(reinterpret_cast<const char*>(sqlite3_column_text(s, 0)), bytes);
        if (rows.size() == kChunkRows) {
            if (Status st = flush(); !st.ok()) return st.error();
        }
    }
    if (rc != SQLITE_DONE) return error("cannot read zone " + origin_text);
    if (Status st = flush(); !st.ok()) return st.error();
    sqlite3_stmt* k = stmt(kSelectSigning);
    Reset reset_keys(k);
    bind_value(k, 1, zone.id);
    rc = sqlite3_step(k);
    if (rc == SQLITE_ROW) {
        zone.signing = signing_of(column_text(k, 0));
        if (!zone.signing) return Error{path_, 0, "store: " + context + ": the DNSSEC keys row is not readable"};
    } else if (rc != SQLITE_DONE) {
        return error("cannot read the DNSSEC keys of zone " + origin_text);
    }
    return zone;
}

std::string SqliteStore::row_key(const std::string& zone_id, int64_t index) {
    sqlite3_stmt* s = nullptr;
    const char* sql =
        "SELECT name_key, type, set_identifier FROM record_sets WHERE zone_id = ?1 "
        "ORDER BY name_key, type, set_identifier LIMIT 1 OFFSET ?2";
    std::string out;
    if (sqlite3_prepare_v2(db_, sql, -1, &s, nullptr) == SQLITE_OK) {
        bind_value(s, 1, zone_id);
        bind_value(s, 2, index);
        if (sqlite3_step(s) == SQLITE_ROW) {
            // The row's key as stored (reversed name/type/set identifier): the JSON may be
            // what cannot be read.
            out = column_text(s, 0) + "/" + column_text(s, 1);
            if (const std::string id = column_text(s, 2); !id.empty()) out += "/" + id;
        }
    }
    sqlite3_finalize(s);
    return out;
}

Result<change::StoredState> SqliteStore::load() {
    change::StoredState state;
    Status st = transaction("cannot read the store", [&]() -> Status {
        sqlite3_stmt* zones = stmt(kSelectZones);
        Reset reset_zones(zones);
        int rc = 0;
        while ((rc = sqlite3_step(zones)) == SQLITE_ROW) {
            auto zone = read_zone(zones);
            if (!zone.ok()) return zone.error();
            state.zones.push_back(std::move(*zone));
        }
        if (rc != SQLITE_DONE) return error("cannot read the zones");

        sqlite3_stmt* checks = stmt(kSelectHealthChecks);
        Reset reset_checks(checks);
        while ((rc = sqlite3_step(checks)) == SQLITE_ROW) {
            auto record = health_check_of(column_text(checks, 0), column_text(checks, 1),
                                          static_cast<uint64_t>(sqlite3_column_int64(checks, 2)),
                                          column_text(checks, 3), path_);
            if (!record.ok()) return record.error();
            state.health_checks.push_back(std::move(record.value()));
        }
        if (rc != SQLITE_DONE) return error("cannot read the health checks");
        return Ok{};
    });
    if (!st.ok()) return st.error();
    return state;
}

Result<std::vector<change::HistoryEntry>> SqliteStore::history(const std::string& zone_id) {
    std::vector<change::HistoryEntry> out;
    const std::string what = "cannot read the history of zone " + zone_id;
    Status st = transaction(what, [&]() -> Status {
        dns::Name origin;
        {
            sqlite3_stmt* s = stmt(kSelectOrigin);
            Reset reset(s);
            bind_value(s, 1, zone_id);
            const int rc = sqlite3_step(s);
            if (rc == SQLITE_DONE) return Ok{};  // no such zone: no history
            if (rc != SQLITE_ROW) return error(what);
            auto name = dns::name_from_text(column_text(s, 0), nullptr);
            if (!name.ok()) return Error{path_, 0, "store: zone " + zone_id + ": bad origin"};
            origin = *name;
        }
        sqlite3_stmt* s = stmt(kSelectHistory);
        Reset reset(s);
        bind_value(s, 1, zone_id);
        int rc = 0;
        while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
            change::HistoryEntry e;
            e.zone_id = zone_id;
            e.change_id = column_text(s, 0);
            e.submitted_ms = sqlite3_column_int64(s, 1);
            e.comment = column_text(s, 2);
            e.serial_before = static_cast<uint32_t>(sqlite3_column_int64(s, 3));
            e.serial_after = static_cast<uint32_t>(sqlite3_column_int64(s, 4));
            e.version = static_cast<uint64_t>(sqlite3_column_int64(s, 5));
            const std::string context = "zone " + zone_id + " change " + e.change_id;
            auto removed = parse_rows(column_text(s, 6), path_, origin, context + " (removed)");
            if (!removed.ok()) return removed.error();
            auto added = parse_rows(column_text(s, 7), path_, origin, context + " (added)");
            if (!added.ok()) return added.error();
            e.removed = std::move(*removed);
            e.added = std::move(*added);
            out.push_back(std::move(e));
        }
        if (rc != SQLITE_DONE) return error(what);
        return Ok{};
    });
    if (!st.ok()) return st.error();
    return out;
}

}  // namespace fz::store
