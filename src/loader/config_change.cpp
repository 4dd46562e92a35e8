// The change path's configuration: api, store, keys and acl, with file:line errors.
#include "loader/config_change.h"

#include <algorithm>

#include "common/encoding.h"
#include "policy/lpm.h"

namespace fz::loader {
namespace {

constexpr std::initializer_list<const char*> kAlgorithms = {"hmac-md5",    "hmac-sha1",   "hmac-sha224",
                                                            "hmac-sha256", "hmac-sha384", "hmac-sha512"};

Status read_api(const Reader& rd, const YAML::Node& n, const std::string& dir, ApiConfig& api) {
    auto st = rd.only_keys(n, "api", {"listen", "credentials", "name_servers", "tls_certificate", "tls_key", "dnssec"});
    if (!st) return st.error();
    if (n["listen"]) {
        FZ_TRY(v, rd.string(n["listen"], "api.listen"));
        auto a = parse_listen_address(v, 8053);
        if (!a) return rd.error(n["listen"], a.error().message);
        api.listen = *a;
    }
    if (n["credentials"]) {
        FZ_TRY(v, rd.string(n["credentials"], "api.credentials"));
        api.credentials = rd.resolve(dir, v);
    }
    if (n["name_servers"]) {
        FZ_TRY(list, rd.strings(n["name_servers"], "api.name_servers"));
        for (std::string& ns : list) {
            if (ns.empty() || ns.back() != '.') ns += '.';
            auto name = dns::name_from_text(ns, nullptr);
            if (!name) return rd.error(n["name_servers"], "bad name server '" + ns + "': " + name.error().message);
            api.name_servers.push_back(name->to_text());
        }
    }
    for (auto [key, field] : {std::pair{"tls_certificate", &api.tls_certificate}, std::pair{"tls_key", &api.tls_key}}) {
        if (!n[key]) continue;
        FZ_TRY(v, rd.string(n[key], std::string("api.") + key));
        *field = rd.resolve(dir, v);
    }
    if (api.tls_certificate.empty() != api.tls_key.empty()) {
        return rd.error(n, "'api.tls_certificate' and 'api.tls_key' go together");
    }
    if (api.listen && api.credentials.empty()) {
        return rd.error(n, "'api.credentials' is required: every request is checked against its access keys");
    }
    return Ok{};
}

Status read_etcd(const Reader& rd, const YAML::Node& n, const std::string& dir, EtcdConfig& etcd) {
    auto st = rd.only_keys(n, "store.etcd",
                           {"endpoints", "prefix", "username", "password", "ca_file", "cert_file", "key_file",
                            "max_txn_ops", "local_copy"});
    if (!st) return st.error();
    etcd.line = static_cast<uint32_t>(n.Mark().line + 1);
    if (!n["endpoints"]) return rd.error(n, "'store.etcd' needs 'endpoints'");
    FZ_TRY(endpoints, rd.strings(n["endpoints"], "store.etcd.endpoints"));
    if (endpoints.empty()) return rd.error(n["endpoints"], "'store.etcd.endpoints' is empty");
    for (std::string& e : endpoints) {
        if (e.rfind("http://", 0) != 0 && e.rfind("https://", 0) != 0) {
            return rd.error(n["endpoints"], "etcd endpoint '" + e + "' must start with http:// or https://");
        }
        while (!e.empty() && e.back() == '/') e.pop_back();
    }
    etcd.endpoints = endpoints;
    if (n["prefix"]) {
        FZ_TRY(prefix, rd.string(n["prefix"], "store.etcd.prefix"));
        if (prefix.empty()) return rd.error(n["prefix"], "'store.etcd.prefix' is empty");
        etcd.prefix = prefix.back() == '/' ? prefix : prefix + "/";
    }
    for (auto [key, field] : {std::pair{"username", &etcd.username}, std::pair{"password", &etcd.password}}) {
        if (!n[key]) continue;
        FZ_TRY(v, rd.string(n[key], std::string("store.etcd.") + key));
        *field = v;
    }
    if (etcd.username.empty() != etcd.password.empty()) {
        return rd.error(n, "'store.etcd' needs both 'username' and 'password', or neither");
    }
    for (auto [key, field] : {std::pair{"ca_file", &etcd.ca_file}, std::pair{"cert_file", &etcd.cert_file},
                              std::pair{"key_file", &etcd.key_file}}) {
        if (!n[key]) continue;
        FZ_TRY(v, rd.string(n[key], std::string("store.etcd.") + key));
        *field = rd.resolve(dir, v);
    }
    if (n["max_txn_ops"]) {
        FZ_TRY(v, rd.number(n["max_txn_ops"], "store.etcd.max_txn_ops", 16, 1000000));
        etcd.max_txn_ops = static_cast<uint32_t>(v);
    }
    if (n["local_copy"]) {
        FZ_TRY(v, rd.string(n["local_copy"], "store.etcd.local_copy"));
        if (v.empty()) return rd.error(n["local_copy"], "'store.etcd.local_copy' is empty");
        etcd.local_copy = rd.resolve(dir, v);
    }
    return Ok{};
}

Status read_store(const Reader& rd, const YAML::Node& n, const std::string& dir, StoreConfig& store) {
    auto st = rd.only_keys(n, "store", {"path", "etcd", "serial_policy"});
    if (!st) return st.error();
    if (!n["path"] && !n["etcd"]) return rd.error(n, "'store' needs a 'path' (or 'etcd')");
    if (n["path"] && n["etcd"]) return rd.error(n, "'store' takes a 'path' or 'etcd', not both");
    if (n["etcd"]) {
        EtcdConfig etcd;
        auto e = read_etcd(rd, n["etcd"], dir, etcd);
        if (!e) return e.error();
        store.etcd = std::move(etcd);
    } else {
        FZ_TRY(path, rd.string(n["path"], "store.path"));
        store.path = rd.resolve(dir, path);
    }
    if (n["serial_policy"]) {
        FZ_TRY(policy, read_serial_policy(rd, n["serial_policy"], "store.serial_policy"));
        store.serial_policy = policy;
    }
    return Ok{};
}

Status read_keys(const Reader& rd, const YAML::Node& n, std::vector<TsigKeyConfig>& keys) {
    if (!n.IsSequence()) return rd.error(n, "'keys' must be a list");
    for (const auto& k : n) {
        auto st = rd.only_keys(k, "keys[]", {"id", "algorithm", "secret"});
        if (!st) return st.error();
        TsigKeyConfig key;
        key.line = static_cast<uint32_t>(k.Mark().line + 1);
        for (const char* required : {"id", "algorithm", "secret"}) {
            if (!k[required]) return rd.error(k, std::string("key without '") + required + "'");
        }
        FZ_TRY(id, rd.string(k["id"], "keys[].id"));
        std::string text = id;
        if (text.empty() || text.back() != '.') text += '.';
        auto name = dns::name_from_text(text, nullptr);
        if (!name) return rd.error(k["id"], "bad key name '" + id + "': " + name.error().message);
        key.id = id;
        FZ_TRY(alg, rd.string(k["algorithm"], "keys[].algorithm"));
        if (std::find_if(kAlgorithms.begin(), kAlgorithms.end(), [&](const char* a) { return alg == a; }) ==
            kAlgorithms.end()) {
            return rd.error(k["algorithm"], "key " + id + ": unknown algorithm '" + alg +
                                                "' (hmac-sha256, hmac-sha512, hmac-sha384, hmac-sha224, hmac-sha1, "
                                                "hmac-md5)");
        }
        key.algorithm = alg;
        FZ_TRY(secret, rd.string(k["secret"], "keys[].secret"));
        if (!base64_decode(secret, key.secret) || key.secret.empty()) {
            return rd.error(k["secret"], "key " + id + ": the secret is not base64");
        }
        for (const auto& other : keys) {
            if (other.id == key.id) return rd.error(k["id"], "key " + id + " is declared twice");
        }
        keys.push_back(std::move(key));
    }
    return Ok{};
}

Status read_remotes(const Reader& rd, const YAML::Node& n, const std::vector<TsigKeyConfig>& keys,
                    std::vector<RemoteConfig>& remotes) {
    if (!n.IsSequence()) return rd.error(n, "'remotes' must be a list");
    for (const auto& r : n) {
        auto st = rd.only_keys(r, "remotes[]", {"id", "address", "key"});
        if (!st) return st.error();
        RemoteConfig remote;
        remote.line = static_cast<uint32_t>(r.Mark().line + 1);
        if (!r["id"]) return rd.error(r, "remote without 'id'");
        FZ_TRY(id, rd.string(r["id"], "remotes[].id"));
        remote.id = id;
        if (!r["address"]) return rd.error(r, "remote " + id + " has no 'address'");
        std::vector<std::string> list;
        if (r["address"].IsSequence()) {
            FZ_TRY(l, rd.strings(r["address"], "remotes[].address"));
            list = l;
        } else {
            FZ_TRY(one, rd.string(r["address"], "remotes[].address"));
            list.push_back(one);
        }
        for (const std::string& text : list) {
            auto a = parse_listen_address(text, 53);
            if (!a) return rd.error(r["address"], "remote " + id + ": " + a.error().message);
            remote.addresses.push_back(*a);
        }
        if (r["key"]) {
            FZ_TRY(k, rd.string(r["key"], "remotes[].key"));
            if (std::none_of(keys.begin(), keys.end(), [&](const TsigKeyConfig& key) { return key.id == k; })) {
                return rd.error(r["key"], "remote " + id + ": no key '" + k + "' in 'keys'");
            }
            remote.key = k;
        }
        for (const auto& other : remotes) {
            if (other.id == remote.id) return rd.error(r["id"], "remote " + id + " is declared twice");
        }
        remotes.push_back(std::move(remote));
    }
    return Ok{};
}

Status read_acl(const Reader& rd, const YAML::Node& n, const std::vector<TsigKeyConfig>& keys,
                const std::vector<RemoteConfig>& remotes, std::vector<AclConfig>& acl) {
    if (!n.IsSequence()) return rd.error(n, "'acl' must be a list");
    for (const auto& a : n) {
        auto st = rd.only_keys(a, "acl[]", {"id", "remotes", "keys", "addresses", "actions"});
        if (!st) return st.error();
        AclConfig rule;
        rule.line = static_cast<uint32_t>(a.Mark().line + 1);
        if (!a["id"]) return rd.error(a, "acl rule without 'id'");
        FZ_TRY(id, rd.string(a["id"], "acl[].id"));
        rule.id = id;
        if (a["remotes"]) {
            FZ_TRY(list, rd.strings(a["remotes"], "acl[].remotes"));
            for (const std::string& r : list) {
                if (std::none_of(remotes.begin(), remotes.end(), [&](const RemoteConfig& x) { return x.id == r; })) {
                    return rd.error(a["remotes"], "acl " + id + ": no remote '" + r + "' in 'remotes'");
                }
            }
            rule.remotes = list;
        }
        if (a["keys"]) {
            FZ_TRY(list, rd.strings(a["keys"], "acl[].keys"));
            for (const std::string& k : list) {
                if (std::none_of(keys.begin(), keys.end(), [&](const TsigKeyConfig& key) { return key.id == k; })) {
                    return rd.error(a["keys"], "acl " + id + ": no key '" + k + "' in 'keys'");
                }
            }
            rule.keys = list;
        }
        if (a["addresses"]) {
            FZ_TRY(list, rd.strings(a["addresses"], "acl[].addresses"));
            for (const std::string& p : list) {
                auto prefix = policy::parse_prefix(p, nullptr);
                if (!prefix) return rd.error(a["addresses"], "acl " + id + ": bad address prefix '" + p + "'");
            }
            rule.addresses = list;
        }
        if (!a["actions"]) return rd.error(a, "acl " + id + " has no 'actions'");
        FZ_TRY(actions, rd.strings(a["actions"], "acl[].actions"));
        for (const std::string& action : actions) {
            if (action != "update" && action != "transfer" && action != "notify") {
                return rd.error(a["actions"],
                                "acl " + id + ": unknown action '" + action + "' (update, transfer, notify)");
            }
        }
        rule.actions = actions;
        for (const auto& other : acl) {
            if (other.id == rule.id) return rd.error(a["id"], "acl " + id + " is declared twice");
        }
        acl.push_back(std::move(rule));
    }
    return Ok{};
}

// A catalog's origin, as zones[].origin is read.
Result<dns::Name> catalog_origin(const Reader& rd, const YAML::Node& n, const std::string& key) {
    if (!n["origin"]) return rd.error(n, key + " without 'origin'");
    FZ_TRY(origin, rd.string(n["origin"], key + ".origin"));
    std::string text = origin;
    if (text.empty() || text.back() != '.') text += '.';
    auto name = dns::name_from_text(text, nullptr);
    if (!name) return rd.error(n["origin"], "bad catalog origin '" + origin + "': " + name.error().message);
    return *name;
}

Status read_catalog(const Reader& rd, const YAML::Node& n, Config& c) {
    auto st = rd.only_keys(n, "catalog", {"consume", "produce"});
    if (!st) return st.error();
    auto taken = [&c](const dns::Name& origin) {
        return std::any_of(c.zones.begin(), c.zones.end(), [&](const ZoneConfig& z) { return z.origin == origin; });
    };
    if (n["consume"]) {
        if (!n["consume"].IsSequence()) return rd.error(n["consume"], "'catalog.consume' must be a list");
        for (const auto& e : n["consume"]) {
            auto only = rd.only_keys(e, "catalog.consume[]", {"origin", "primaries", "acl"});
            if (!only) return only.error();
            CatalogConsumeConfig cc;
            cc.line = static_cast<uint32_t>(e.Mark().line + 1);
            FZ_TRY(origin, catalog_origin(rd, e, "catalog.consume[]"));
            cc.origin = origin;
            if (!e["primaries"]) return rd.error(e, "catalog " + origin.to_text() + " has no 'primaries'");
            FZ_TRY(primaries, rd.strings(e["primaries"], "catalog.consume[].primaries"));
            if (primaries.empty()) return rd.error(e["primaries"], "catalog " + origin.to_text() + ": no primaries");
            cc.primaries = primaries;
            if (e["acl"]) {
                FZ_TRY(acl, rd.strings(e["acl"], "catalog.consume[].acl"));
                cc.acl = acl;
            }
            if (taken(origin)) return rd.error(e["origin"], "catalog " + origin.to_text() + " is also a zone");
            // The catalog itself is a secondary zone of its primaries (checked below as one).
            c.zones.push_back(cc.secondary_zone(origin));
            c.catalog.consume.push_back(std::move(cc));
        }
    }
    if (n["produce"]) {
        const YAML::Node& e = n["produce"];
        auto only = rd.only_keys(e, "catalog.produce", {"origin", "acl", "notify"});
        if (!only) return only.error();
        CatalogProduceConfig pc;
        pc.line = static_cast<uint32_t>(e.Mark().line + 1);
        FZ_TRY(origin, catalog_origin(rd, e, "catalog.produce"));
        pc.origin = origin;
        if (taken(origin)) return rd.error(e["origin"], "catalog " + origin.to_text() + " is also a zone");
        for (auto [key, field] : {std::pair{"acl", &pc.acl}, std::pair{"notify", &pc.notify}}) {
            if (!e[key]) continue;
            FZ_TRY(list, rd.strings(e[key], std::string("catalog.produce.") + key));
            *field = list;
        }
        for (const std::string& id : pc.acl) {
            if (c.find_acl(id) == nullptr) return rd.error(e["acl"], "catalog.produce: no acl rule '" + id + "'");
        }
        for (const std::string& id : pc.notify) {
            if (c.find_remote(id) == nullptr) return rd.error(e["notify"], "catalog.produce: no remote '" + id + "'");
        }
        if (!c.store.enabled()) {
            return rd.error(e, "catalog.produce needs a store: set 'store.path' (its history feeds IXFR)");
        }
        c.catalog.produce = std::move(pc);
    }
    return Ok{};
}

}  // namespace

Result<change::SerialPolicy> read_serial_policy(const Reader& rd, const YAML::Node& n, const std::string& key) {
    FZ_TRY(v, rd.string(n, key));
    if (v == "increment") return change::SerialPolicy::kIncrement;
    if (v == "unixtime") return change::SerialPolicy::kUnixtime;
    if (v == "dateserial") return change::SerialPolicy::kDateserial;
    return rd.error(n, "'" + key + "' must be increment, unixtime or dateserial");
}

Status read_change_config(const Reader& rd, const YAML::Node& root, Config& c) {
    if (root["api"]) {
        auto st = read_api(rd, root["api"], c.dir, c.api);
        if (!st) return st.error();
    }
    if (root["store"]) {
        auto st = read_store(rd, root["store"], c.dir, c.store);
        if (!st) return st.error();
    }
    if (root["keys"]) {
        auto st = read_keys(rd, root["keys"], c.keys);
        if (!st) return st.error();
    }
    if (root["remotes"]) {
        auto st = read_remotes(rd, root["remotes"], c.keys, c.remotes);
        if (!st) return st.error();
    }
    if (root["acl"]) {
        auto st = read_acl(rd, root["acl"], c.keys, c.remotes, c.acl);
        if (!st) return st.error();
    }
    if (root["catalog"]) {
        auto st = read_catalog(rd, root["catalog"], c);
        if (!st) return st.error();
    }
    if (c.api.listen && !c.store.enabled()) {
        return rd.error(root["api"], "the API needs a store: set 'store.path'");
    }
    for (const ZoneConfig& z : c.zones) {
        for (const std::string& id : z.acl) {
            if (c.find_acl(id) == nullptr) {
                return Error{rd.file(), z.line, "zone " + z.origin_text + ": no acl rule '" + id + "'"};
            }
        }
        for (const std::string& id : z.primaries) {
            if (c.find_remote(id) == nullptr) {
                return Error{rd.file(), z.line, "zone " + z.origin_text + ": primaries: no remote '" + id + "'"};
            }
        }
        if (!z.primaries.empty() && !c.store.enabled()) {
            return Error{rd.file(), z.line,
                         "zone " + z.origin_text + " is a secondary: set 'store.path' so that its copy is kept"};
        }
        for (const std::string& id : z.notify) {
            if (c.find_remote(id) == nullptr) {
                return Error{rd.file(), z.line, "zone " + z.origin_text + ": notify: no remote '" + id + "'"};
            }
        }
        if (c.zone_allows(z, "update") && !c.store.enabled()) {
            return Error{rd.file(), z.line,
                         "zone " + z.origin_text + " accepts updates: set 'store.path' so that they are kept"};
        }
    }
    return Ok{};
}

}  // namespace fz::loader
