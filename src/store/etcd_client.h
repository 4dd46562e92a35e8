// An etcd v3 client over etcd's documented HTTP/JSON gateway (/v3/kv/range, /v3/kv/txn,
// /v3/lease/..., /v3/watch, /v3/auth/authenticate) through libcurl: KV reads, transactions
// with compares, leases and a streaming watch. Keys and values are bytes (base64 on the
// wire). Several endpoints may be given: a request that cannot reach one tries the next.
//
// Why the gateway and not gRPC: etcd documents and keeps it, libcurl and nlohmann_json are
// already linked, and Debian packages no C++ etcd client; the store is never on the query
// path, so JSON's cost does not matter. Consensus stays etcd's.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "common/result.h"

namespace fz::store {

struct EtcdOptions {
    std::vector<std::string> endpoints;  // "http://10.0.0.1:2379", "https://..."
    std::string username, password;      // etcd user authentication, when set
    std::string ca_file;                 // TLS: the CA that signed etcd's certificates
    std::string cert_file, key_file;     // TLS client certificate, when etcd asks for one
    int timeout_ms = 5000;               // per request (a watch has none)
};

struct EtcdKeyValue {
    std::string key, value;
    int64_t create_revision = 0, mod_revision = 0, version = 0;
};

struct EtcdRange {
    std::vector<EtcdKeyValue> kvs;
    int64_t revision = 0;  // the store's revision the read saw
    bool more = false;     // a limit left keys out
};

// One comparison of a transaction: the key's modification or creation revision, or its
// value, against `number` / `value`.
struct EtcdCompare {
    enum class Target : uint8_t { kMod, kCreate, kValue };
    std::string key;
    Target target = Target::kMod;
    int64_t number = 0;
    std::string value;
};

struct EtcdOp {
    enum class Kind : uint8_t { kPut, kDeleteRange };
    Kind kind = Kind::kPut;
    std::string key;
    std::string value;      // kPut
    std::string range_end;  // kDeleteRange: [key, range_end); empty: the key alone
    int64_t lease = 0;      // kPut: attached to this lease
};

struct EtcdTxnResult {
    bool succeeded = false;
    int64_t revision = 0;  // the store's revision after it (unchanged when it failed)
};

struct EtcdEvent {
    bool deleted = false;  // DELETE; else PUT
    EtcdKeyValue kv;       // for a DELETE, its mod_revision is the deletion's
};

struct EtcdWatchResponse {
    int64_t revision = 0;
    std::vector<EtcdEvent> events;
    bool compacted = false;  // the start revision is gone: read whole again
    int64_t compact_revision = 0;
};

// The range end that covers every key starting with `prefix`.
std::string etcd_prefix_end(const std::string& prefix);

class EtcdClient {
public:
    explicit EtcdClient(EtcdOptions options);

    // Keys in [key, range_end) (the key alone when range_end is empty), at `revision`
    // (0: the newest), at most `limit` of them (0: all).
    Result<EtcdRange> range(const std::string& key, const std::string& range_end = "", int64_t revision = 0,
                            int64_t limit = 0);
    Result<EtcdTxnResult> txn(const std::vector<EtcdCompare>& compares, const std::vector<EtcdOp>& success,
                              const std::vector<EtcdOp>& failure = {});
    Result<int64_t> lease_grant(int64_t ttl_seconds);
    // Refreshes the lease; an error when it expired meanwhile (etcd answers TTL 0).
    Status lease_keep_alive(int64_t lease);
    Status lease_revoke(int64_t lease);
    // Watches [key, range_end) from `start_revision`, calling `on_response` for every
    // response with events (and for a compaction), until it returns false, `stop` is set
    // (checked at least every second), or the stream fails (the error says why).
    Status watch(const std::string& key, const std::string& range_end, int64_t start_revision,
                 const std::function<bool(const EtcdWatchResponse&)>& on_response, const std::atomic<bool>& stop);

    // Keeps a watch of [key, range_end) open until `stop`: `reread` reads everything first
    // and returns the revision it read, the watch goes on from the next one, and each
    // response's events go to `take` (which checks `stop` itself when an event is slow).
    // A broken stream is opened again a second later from where it was; after a
    // compaction `reread` runs again. Each streak of failures is logged once, naming `what`.
    void watch_from(const std::string& key, const std::string& range_end, const std::string& what,
                    const std::function<Result<int64_t>()>& reread,
                    const std::function<void(const std::vector<EtcdEvent>&)>& take, const std::atomic<bool>& stop);

    // "etcd (http://...)": how errors name the store.
    std::string describe() const;

private:
    // One POST of `body` to `path` on an endpoint (the last one that answered first); the
    // response's JSON text. gRPC errors in the body come back as errors.
    Result<std::string> post(const std::string& path, const std::string& body);
    Status authenticate(const std::string& endpoint);

    EtcdOptions options_;
    std::mutex mu_;  // guards what follows
    size_t current_ = 0;
    std::string token_;
};

}  // namespace fz::store
