// The etcd v3 JSON gateway over libcurl: one easy handle per request (the store is cold),
// endpoints tried in turn, an auth token taken when a user is configured.
#include "store/etcd_client.h"

#include <curl/curl.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <memory>
#include <thread>

#include "common/encoding.h"
#include "common/log.h"

namespace fz::store {
namespace {

using json = nlohmann::json;

std::string b64(const std::string& s) {
    std::string out;
    append_base64(out, reinterpret_cast<const uint8_t*>(s.data()), s.size());
    return out;
}

std::string unb64(const json& j, const char* field) {
    auto it = j.find(field);
    if (it == j.end() || !it->is_string()) return {};
    std::string out;
    base64_decode(it->get<std::string>(), out);
    return out;
}

// The gateway prints int64 fields as strings ("revision": "12") and leaves out zeroes.
int64_t number(const json& j, const char* field) {
    auto it = j.find(field);
    if (it == j.end()) return 0;
    if (it->is_string()) return std::strtoll(it->get<std::string>().c_str(), nullptr, 10);  // never throws
    if (it->is_number_integer()) return it->get<int64_t>();
    return 0;
}

EtcdKeyValue key_value(const json& j) {
    EtcdKeyValue kv;
    kv.key = unb64(j, "key");
    kv.value = unb64(j, "value");
    kv.create_revision = number(j, "create_revision");
    kv.mod_revision = number(j, "mod_revision");
    kv.version = number(j, "version");
    return kv;
}

json op_json(const EtcdOp& op) {
    if (op.kind == EtcdOp::Kind::kPut) {
        json put{{"key", b64(op.key)}, {"value", b64(op.value)}};
        if (op.lease != 0) put["lease"] = std::to_string(op.lease);
        return json{{"request_put", put}};
    }
    json del{{"key", b64(op.key)}};
    if (!op.range_end.empty()) del["range_end"] = b64(op.range_end);
    return json{{"request_delete_range", del}};
}

struct CurlDeleter {
    void operator()(CURL* c) const { curl_easy_cleanup(c); }
};
struct SlistDeleter {
    void operator()(curl_slist* s) const { curl_slist_free_all(s); }
};

size_t append_body(char* data, size_t size, size_t n, void* out) {
    static_cast<std::string*>(out)->append(data, size * n);
    return size * n;
}

// Where a watch's stream goes: complete JSON lines handed on one by one.
struct WatchSink {
    std::string buffer;
    const std::function<bool(const EtcdWatchResponse&)>* on_response = nullptr;
    const std::atomic<bool>* stop = nullptr;
    std::string error;
    bool finished = false;  // on_response said stop
};

size_t on_watch_lines(char* data, size_t size, size_t n, WatchSink* sink);

size_t on_watch_data(char* data, size_t size, size_t n, void* p) {
    auto* sink = static_cast<WatchSink*>(p);
    // Nothing may throw through libcurl: a response of an unexpected shape ends the stream.
    try {
        return on_watch_lines(data, size, n, sink);
    } catch (const std::exception& e) {
        sink->error = std::string("an unreadable response: ") + e.what();
        return 0;
    }
}

size_t on_watch_lines(char* data, size_t size, size_t n, WatchSink* sink) {
    sink->buffer.append(data, size * n);
    size_t line_end;
    while ((line_end = sink->buffer.find('\n')) != std::string::npos) {
        const std::string line = sink->buffer.substr(0, line_end);
        sink->buffer.erase(0, line_end + 1);
        const json j = json::parse(line, nullptr, false);
        if (j.is_discarded()) continue;
        if (j.contains("error")) {
            sink->error = j["error"].is_object() ? j["error"].value("message", j["error"].dump()) : j["error"].dump();
            return 0;
        }
        const json& r = j.contains("result") ? j["result"] : j;
        EtcdWatchResponse w;
        w.revision = r.contains("header") ? number(r["header"], "revision") : 0;
        w.compact_revision = number(r, "compact_revision");
        w.compacted = w.compact_revision != 0;
        if (r.contains("events")) {
            for (const json& e : r["events"]) {
                EtcdEvent ev;
                ev.deleted = e.value("type", "PUT") == "DELETE";
                if (e.contains("kv")) ev.kv = key_value(e["kv"]);
                w.events.push_back(std::move(ev));
            }
        }
        if ((w.events.empty() && !w.compacted) || *sink->on_response == nullptr) continue;
        if (!(*sink->on_response)(w)) {
            sink->finished = true;
            return 0;
        }
    }
    return size * n;
}

int on_watch_progress(void* p, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
    const auto* sink = static_cast<const WatchSink*>(p);
    return sink->stop->load() ? 1 : 0;
}

// A handle for one request to `url` with the TLS options set.
std::unique_ptr<CURL, CurlDeleter> handle(const EtcdOptions& o, const std::string& url) {
    std::unique_ptr<CURL, CurlDeleter> c(curl_easy_init());
    if (!c) return c;
    curl_easy_setopt(c.get(), CURLOPT_URL, url.c_str());
    curl_easy_setopt(c.get(), CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c.get(), CURLOPT_NOPROXY, "*");
    curl_easy_setopt(c.get(), CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c.get(), CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(o.timeout_ms));
    if (!o.ca_file.empty()) curl_easy_setopt(c.get(), CURLOPT_CAINFO, o.ca_file.c_str());
    if (!o.cert_file.empty()) curl_easy_setopt(c.get(), CURLOPT_SSLCERT, o.cert_file.c_str());
    if (!o.key_file.empty()) curl_easy_setopt(c.get(), CURLOPT_SSLKEY, o.key_file.c_str());
    return c;
}

}  // namespace

std::string etcd_prefix_end(const std::string& prefix) {
    std::string end = prefix;
    while (!end.empty()) {
        if (static_cast<unsigned char>(end.back()) < 0xff) {
            end.back() = static_cast<char>(static_cast<unsigned char>(end.back()) + 1);
            return end;
        }
        end.pop_back();
    }
    return std::string(1, '\0');  // every key
}

EtcdClient::EtcdClient(EtcdOptions options) : options_(std::move(options)) {}

std::string EtcdClient::describe() const {
    std::string s = "etcd (";
    for (size_t i = 0; i < options_.endpoints.size(); ++i) s += (i ? ", " : "") + options_.endpoints[i];
    return s + ")";
}

Status EtcdClient::authenticate(const std::string& endpoint) {
    auto c = handle(options_, endpoint + "/v3/auth/authenticate");
    if (!c) return make_error("", 0, "curl_easy_init failed");
    const std::string body = json{{"name", options_.username}, {"password", options_.password}}.dump();
    std::string out;
    curl_easy_setopt(c.get(), CURLOPT_POSTFIELDS, body.c_str());
    curl_easy_setopt(c.get(), CURLOPT_TIMEOUT_MS, static_cast<long>(options_.timeout_ms));
    curl_easy_setopt(c.get(), CURLOPT_WRITEFUNCTION, &append_body);
    curl_easy_setopt(c.get(), CURLOPT_WRITEDATA, &out);
    const CURLcode rc = curl_easy_perform(c.get());
    if (rc != CURLE_OK) return make_error("", 0, std::string("authentication: ") + curl_easy_strerror(rc));
    const json j = json::parse(out, nullptr, false);
    if (!j.is_object() || !j.contains("token") || !j["token"].is_string()) {
        return make_error("", 0, "authentication as " + options_.username + " refused: " + out.substr(0, 200));
    }
    token_ = j["token"].get<std::string>();
    return Ok{};
}

Result<std::string> EtcdClient::post(const std::string& path, const std::string& body) {
    std::lock_guard lock(mu_);
    if (options_.endpoints.empty()) return make_error("", 0, "etcd: no endpoints");
    std::string last_error;
    for (size_t tried = 0; tried < options_.endpoints.size(); ++tried) {
        const std::string& endpoint = options_.endpoints[(current_ + tried) % options_.endpoints.size()];
        for (int attempt = 0; attempt < 2; ++attempt) {
            if (!options_.username.empty() && token_.empty()) {
                if (auto st = authenticate(endpoint); !st) {
                    last_error = endpoint + ": " + st.error().message;
                    break;
                }
            }
            auto c = handle(options_, endpoint + path);
            if (!c) return make_error("", 0, "curl_easy_init failed");
            std::unique_ptr<curl_slist, SlistDeleter> headers;
            if (!token_.empty()) headers.reset(curl_slist_append(nullptr, ("Authorization: " + token_).c_str()));
            std::string out;
            curl_easy_setopt(c.get(), CURLOPT_POSTFIELDS, body.c_str());
            curl_easy_setopt(c.get(), CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
            curl_easy_setopt(c.get(), CURLOPT_HTTPHEADER, headers.get());
            curl_easy_setopt(c.get(), CURLOPT_TIMEOUT_MS, static_cast<long>(options_.timeout_ms));
            curl_easy_setopt(c.get(), CURLOPT_WRITEFUNCTION, &append_body);
            curl_easy_setopt(c.get(), CURLOPT_WRITEDATA, &out);
            const CURLcode rc = curl_easy_perform(c.get());
            if (rc != CURLE_OK) {
                last_error = endpoint + ": " + curl_easy_strerror(rc);
                break;  // the next endpoint
            }
            const json j = json::parse(out, nullptr, false);
            if (j.is_discarded()) return make_error("", 0, endpoint + ": not JSON: " + out.substr(0, 200));
            if (j.is_object() && (j.contains("error") || j.contains("code"))) {
                const std::string message = j.contains("message") && j["message"].is_string()
                                                ? j["message"].get<std::string>()
                                                : out.substr(0, 200);
                // An expired token: authenticate again, once.
                if (!options_.username.empty() && attempt == 0 && message.find("token") != std::string::npos) {
                    token_.clear();
                    continue;
                }
                // No leader, lost quorum, a stopping member: another endpoint may do.
                if (message.find("leader") != std::string::npos || message.find("stopped") != std::string::npos ||
                    message.find("timed out") != std::string::npos) {
                    last_error = endpoint + ": " + message;
                    break;
                }
                return make_error("", 0, endpoint + ": " + message);
            }
            current_ = (current_ + tried) % options_.endpoints.size();
            return out;
        }
    }
    return make_error("", 0, "etcd unreachable: " + last_error);
}

Result<EtcdRange> EtcdClient::range(const std::string& key, const std::string& range_end, int64_t revision,
                                    int64_t limit) {
    json req{{"key", b64(key)}};
    if (!range_end.empty()) req["range_end"] = b64(range_end);
    if (revision != 0) req["revision"] = std::to_string(revision);
    if (limit != 0) req["limit"] = std::to_string(limit);
    auto out = post("/v3/kv/range", req.dump());
    if (!out) return out.error();
    try {
        const json j = json::parse(out.value());
        EtcdRange r;
        r.revision = j.contains("header") ? number(j["header"], "revision") : 0;
        r.more = j.value("more", false);
        if (j.contains("kvs")) {
            for (const json& kv : j["kvs"]) r.kvs.push_back(key_value(kv));
        }
        return r;
    } catch (const json::exception& e) {
        return make_error("", 0, std::string("etcd: an unreadable range response: ") + e.what());
    }
}

Result<EtcdTxnResult> EtcdClient::txn(const std::vector<EtcdCompare>& compares, const std::vector<EtcdOp>& success,
                                      const std::vector<EtcdOp>& failure) {
    json req{{"compare", json::array()}, {"success", json::array()}, {"failure", json::array()}};
    for (const EtcdCompare& c : compares) {
        json cj{{"key", b64(c.key)}, {"result", "EQUAL"}};
        switch (c.target) {
            case EtcdCompare::Target::kMod:
                cj["target"] = "MOD";
                cj["mod_revision"] = std::to_string(c.number);
                break;
            case EtcdCompare::Target::kCreate:
                cj["target"] = "CREATE";
                cj["create_revision"] = std::to_string(c.number);
                break;
            case EtcdCompare::Target::kValue:
                cj["target"] = "VALUE";
                cj["value"] = b64(c.value);
                break;
        }
        req["compare"].push_back(std::move(cj));
    }
    for (const EtcdOp& op : success) req["success"].push_back(op_json(op));
    for (const EtcdOp& op : failure) req["failure"].push_back(op_json(op));
    auto out = post("/v3/kv/txn", req.dump());
    if (!out) return out.error();
    try {
        const json j = json::parse(out.value());
        EtcdTxnResult r;
        r.succeeded = j.value("succeeded", false);
        r.revision = j.contains("header") ? number(j["header"], "revision") : 0;
        return r;
    } catch (const json::exception& e) {
        return make_error("", 0, std::string("etcd: an unreadable txn response: ") + e.what());
    }
}

Result<int64_t> EtcdClient::lease_grant(int64_t ttl_seconds) {
    auto out = post("/v3/lease/grant", json{{"TTL", std::to_string(ttl_seconds)}}.dump());
    if (!out) return out.error();
    const json j = json::parse(out.value(), nullptr, false);
    const int64_t id = j.is_object() ? number(j, "ID") : 0;
    if (id == 0) return make_error("", 0, "etcd granted no lease: " + out.value().substr(0, 200));
    return id;
}

Status EtcdClient::lease_keep_alive(int64_t lease) {
    auto out = post("/v3/lease/keepalive", json{{"ID", std::to_string(lease)}}.dump());
    if (!out) return out.error();
    const json j = json::parse(out.value(), nullptr, false);
    const json& r = !j.is_discarded() && j.contains("result") ? j["result"] : j;
    if (number(r, "TTL") <= 0) return make_error("", 0, "lease " + std::to_string(lease) + " expired");
    return Ok{};
}

Status EtcdClient::lease_revoke(int64_t lease) {
    auto out = post("/v3/lease/revoke", json{{"ID", std::to_string(lease)}}.dump());
    if (!out) return out.error();
    return Ok{};
}

Status EtcdClient::watch(const std::string& key, const std::string& range_end, int64_t start_revision,
                         const std::function<bool(const EtcdWatchResponse&)>& on_response,
                         const std::atomic<bool>& stop) {
    std::string endpoint, token;
    {
        std::lock_guard lock(mu_);
        if (options_.endpoints.empty()) return make_error("", 0, "etcd: no endpoints");
        endpoint = options_.endpoints[current_ % options_.endpoints.size()];
        if (!options_.username.empty() && token_.empty()) {
            if (auto st = authenticate(endpoint); !st) return st.error();
        }
        token = token_;
    }
    json create{{"key", b64(key)}, {"start_revision", std::to_string(start_revision)}};
    if (!range_end.empty()) create["range_end"] = b64(range_end);
    const std::string body = json{{"create_request", create}}.dump();
    auto c = handle(options_, endpoint + "/v3/watch");
    if (!c) return make_error("", 0, "curl_easy_init failed");
    std::unique_ptr<curl_slist, SlistDeleter> headers;
    if (!token.empty()) headers.reset(curl_slist_append(nullptr, ("Authorization: " + token).c_str()));
    WatchSink sink;
    sink.on_response = &on_response;
    sink.stop = &stop;
    curl_easy_setopt(c.get(), CURLOPT_POSTFIELDS, body.c_str());
    curl_easy_setopt(c.get(), CURLOPT_HTTPHEADER, headers.get());
    curl_easy_setopt(c.get(), CURLOPT_WRITEFUNCTION, &on_watch_data);
    curl_easy_setopt(c.get(), CURLOPT_WRITEDATA, &sink);
    curl_easy_setopt(c.get(), CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(c.get(), CURLOPT_XFERINFOFUNCTION, &on_watch_progress);
    curl_easy_setopt(c.get(), CURLOPT_XFERINFODATA, &sink);
    // A stream that goes quiet (a partition, a member gone) is given up after 30 s without a
    // byte; etcd sends progress notifications only when asked, so the caller reconnects.
    curl_easy_setopt(c.get(), CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(c.get(), CURLOPT_LOW_SPEED_TIME, 30L);
    const CURLcode rc = curl_easy_perform(c.get());
    if (sink.finished || stop.load()) return Ok{};
    if (!sink.error.empty()) return make_error("", 0, endpoint + ": watch: " + sink.error);
    {
        std::lock_guard lock(mu_);
        current_ = (current_ + 1) % options_.endpoints.size();  // the next try goes elsewhere
    }
    return make_error("", 0,
                      endpoint +
                          ": watch: " + (rc == CURLE_OK ? std::string("the stream ended") : curl_easy_strerror(rc)));
}

void EtcdClient::watch_from(const std::string& key, const std::string& range_end, const std::string& what,
                            const std::function<Result<int64_t>()>& reread,
                            const std::function<void(const std::vector<EtcdEvent>&)>& take,
                            const std::atomic<bool>& stop) {
    int64_t from = 0;  // 0: read everything first
    bool failing = false;
    auto failed = [&](const std::string& message) {
        if (!failing) log::warning("etcd: " + what + " not read, tried again every second", log::kv("error", message));
        failing = true;
        for (int i = 0; i < 10 && !stop; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    };
    while (!stop) {
        if (from == 0) {
            auto revision = reread();
            if (!revision) {
                failed(revision.error().message);
                continue;
            }
            from = *revision + 1;
        }
        bool compacted = false;
        auto st = watch(
            key, range_end, from,
            [&](const EtcdWatchResponse& w) {
                if (w.compacted) {
                    compacted = true;
                    return false;
                }
                take(w.events);
                for (const EtcdEvent& e : w.events) from = std::max(from, e.kv.mod_revision + 1);
                failing = false;
                return !stop;
            },
            stop);
        if (stop) break;
        if (compacted) {
            log::warning("etcd compacted past this server's revision: read again",
                         log::kv("keys", what) + " " + log::kv("revision", static_cast<long long>(from)));
            from = 0;
            continue;
        }
        failed(st ? std::string("the watch ended") : st.error().message);
    }
}

}  // namespace fz::store
