// The configuration file (YAML): the keys README.md documents (the server, data plane,
// zones and data files named there are a contract that outside tools rely on).
// Parsing only; building snapshots from it is loader.h's job.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "change/batch.h"
#include "common/listen_address.h"
#include "common/result.h"
#include "dns/name.h"
#include "dnssec/signer.h"
#include "io/dpdk/options.h"
#include "io/sockets/options.h"

namespace fz::loader {

// The server section: the socket server's own options, and what answer() says about itself.
struct ServerConfig {
    io::SocketOptions sockets;  // listen, workers, udp_max_payload, TCP limits
    std::string identity;       // CH TXT id.server; empty refuses
    std::string version;        // CH TXT version.bind; empty refuses
    std::string nsid;
};

// A zone fastzone signs (zones[].dnssec).
struct DnssecConfig {
    std::string keys_dir;                       // BIND key files of the zone, all used
    uint32_t signature_validity = 14 * 86400;   // seconds a signature is valid from now
    uint32_t signature_refresh = 7 * 86400;     // re-sign when less than this remains
    std::optional<dnssec::Nsec3Options> nsec3;  // denial: nsec3 (else NSEC)
    // A ZSK signs this long, then a pre-publish rollover starts by itself (the server
    // writes the successor's key files into keys_dir); 0: rollovers are the operator's.
    uint32_t zsk_lifetime = 0;
};

// The ZSK lifetime of the zones the API signs, unless api.dnssec says otherwise (Knot
// DNS's default zsk-lifetime).
inline constexpr uint32_t kApiZskLifetime = 30 * 86400;

struct ZoneConfig {
    std::string origin_text;
    dns::Name origin;
    std::string file;         // resolved against the configuration's folder
    std::string record_sets;  // optional Route 53 ResourceRecordSets file
    std::string hosted_zone_id;
    std::vector<std::string> acl;  // ids of acl rules; one allowing update puts the zone in the store
    std::optional<change::SerialPolicy> serial_policy;
    std::optional<DnssecConfig> dnssec;
    std::vector<std::string> notify;  // ids of remotes told of each change (NOTIFY)
    // ids of remotes this zone is a secondary of: its data comes by transfer into the
    // store, and `file` may be empty.
    std::vector<std::string> primaries;
    uint32_t line = 0;  // where the zone is declared, for errors
};

// The Route 53 API (api:).
struct ApiConfig {
    std::optional<ListenAddress> listen;
    std::string credentials;                // the access keys file (JSON)
    std::vector<std::string> name_servers;  // NS of the zones the API creates
    std::string tls_certificate;            // PEM files; both set: HTTPS
    std::string tls_key;
};

// A fleet's store (store.etcd): etcd v3 through its HTTP/JSON gateway.
struct EtcdConfig {
    std::vector<std::string> endpoints;  // "http://10.0.0.1:2379"
    std::string prefix = "/fastzone/";   // every key under it
    std::string username, password;      // etcd user authentication, when set
    std::string ca_file, cert_file, key_file;
    uint32_t max_txn_ops = 128;  // etcd's --max-txn-ops
    // A folder for a copy of what this server serves (an SQLite store, written after each
    // publish): a server that starts while etcd cannot be read serves it, refusing
    // changes, until etcd answers. Empty: none (such a start fails).
    std::string local_copy;
    uint32_t line = 0;
};

// The store (store:): the embedded one in `path`, or etcd for a fleet.
struct StoreConfig {
    std::string path;  // a folder, created if missing; empty: none (or etcd)
    std::optional<EtcdConfig> etcd;
    change::SerialPolicy serial_policy = change::SerialPolicy::kIncrement;
    bool enabled() const { return !path.empty() || etcd.has_value(); }
};

// This server in a fleet (node:).
struct NodeConfig {
    std::string name;         // unique in the fleet; the host name when not set
    uint32_t lease_ttl = 10;  // seconds: a server that dies leaves the fleet's list after this
};

// Health checking (health:). In a fleet every server probes the checks and publishes what
// it sees; a check is healthy when more than `aggregate_threshold` of the servers
// reporting say so (Route 53's rule, 18%).
struct HealthConfig {
    double aggregate_threshold = 0.18;
    // The checker region this server stands for. A check whose Regions list does not name
    // it is not probed here (the others' observations decide it); empty: every check.
    std::string region;
};

// Anycast (anycast:): the service addresses put on `interface` (a dummy interface, made if
// missing) while this server serves current data, for a routing daemon (BIRD's direct
// protocol) to announce; taken away on stop, on a data-plane failure, or when the data is
// stale (etcd away) for longer than `stale_limit` seconds.
struct AnycastConfig {
    std::vector<std::string> addresses;  // CIDR prefixes: "192.0.2.53/32", "2001:db8::53/128"
    std::string interface = "fz-anycast";
    uint32_t stale_limit = 30;
    uint32_t line = 0;
};

// A TSIG key (keys[]).
struct TsigKeyConfig {
    std::string id;         // the key name, as a DNS name ("update-key.")
    std::string algorithm;  // hmac-sha256, hmac-sha512, hmac-sha384, hmac-sha224, hmac-sha1, hmac-md5
    std::string secret;     // decoded from base64
    uint32_t line = 0;
};

// Another server (remotes[]), as Knot DNS's configuration names one: its addresses and
// the TSIG key that signs what goes to it and comes from it.
struct RemoteConfig {
    std::string id;
    std::vector<ListenAddress> addresses;  // "ADDR@PORT" (port 53 by default)
    std::string key;                       // a keys[] id, or empty
    uint32_t line = 0;
};

// An access rule (acl[]): a request matches when its key is one of `keys` (if any are
// listed) and its address is inside one of `addresses` (if any are listed). `remotes`
// stand for their addresses and keys, as one rule each.
struct AclConfig {
    std::string id;
    std::vector<std::string> remotes;    // remote ids as written
    std::vector<std::string> keys;       // key ids as written
    std::vector<std::string> addresses;  // CIDR prefixes
    std::vector<std::string> actions;    // update, transfer, notify
    uint32_t line = 0;
};

// Catalog zones (catalog:, RFC 9432 version 2). A consumed catalog is also listed in
// Config::zones, as a secondary zone of its primaries; each member it lists becomes a
// secondary zone of the same primaries, under the same ACL rules.
struct CatalogConsumeConfig {
    dns::Name origin;
    std::vector<std::string> primaries;  // remote ids
    std::vector<std::string> acl;        // acl ids, for the catalog and its members
    uint32_t line = 0;

    // The zone `origin` (the catalog itself, or one of its members) as a secondary zone of
    // the catalog's primaries, under its rules.
    ZoneConfig secondary_zone(const dns::Name& origin) const {
        ZoneConfig z;
        z.origin = origin;
        z.origin_text = origin.to_text();
        z.primaries = primaries;
        z.acl = acl;
        z.line = line;
        return z;
    }
};

// The catalog fastzone writes of the zones it serves, for its own secondaries.
struct CatalogProduceConfig {
    dns::Name origin;
    std::vector<std::string> acl;     // acl ids (who may transfer it)
    std::vector<std::string> notify;  // remote ids told of each new serial
    uint32_t line = 0;
};

struct CatalogConfig {
    std::vector<CatalogConsumeConfig> consume;
    std::optional<CatalogProduceConfig> produce;
};

struct MetricsConfig {
    std::optional<ListenAddress> listen;
};

struct Config {
    std::string path;  // as given
    std::string dir;   // folder relative paths resolve against
    ServerConfig server;
    std::optional<io::dpdk::DataplaneOptions> dataplane;  // its udp_max_payload and source set from the rest
    std::vector<ZoneConfig> zones;
    std::string health_checks;
    std::string health_webhook;  // URL that receives a JSON POST per health flip
    std::string cidr_collections;
    std::string geoip;
    std::string latency;
    std::vector<std::string> latency_default_order;  // regions for clients the CSV lacks
    std::string control_socket;
    MetricsConfig metrics;
    ApiConfig api;
    // How the zones the API signs (EnableHostedZoneDNSSEC; their keys in the store) are
    // signed: api.dnssec, else these defaults. No keys_dir.
    DnssecConfig api_dnssec = [] {
        DnssecConfig d;
        d.zsk_lifetime = kApiZskLifetime;
        return d;
    }();
    StoreConfig store;
    NodeConfig node;
    HealthConfig health;
    std::optional<AnycastConfig> anycast;
    std::vector<TsigKeyConfig> keys;
    std::vector<RemoteConfig> remotes;
    std::vector<AclConfig> acl;
    CatalogConfig catalog;

    const RemoteConfig* find_remote(const std::string& id) const;

    // The rule with this id, or null.
    const AclConfig* find_acl(const std::string& id) const;
    // Whether one of the zone's rules allows `action`.
    bool zone_allows(const ZoneConfig& zone, const std::string& action) const;
};

// Reads and validates `path`. Errors name the file, the line and the key.
Result<Config> load_config(const std::string& path);

// The settings that take effect only when the server starts (sockets, data plane, control
// socket, metrics endpoint) that differ between `running` and `next`, by key
// ("server.listen", "dataplane", ...); empty when a reload can apply `next` whole.
std::vector<std::string> restart_only_changes(const Config& running, const Config& next);

}  // namespace fz::loader
