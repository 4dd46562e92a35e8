// Configuration keys of the data plane that the integration tests do not start a port for,
// and the server's TCP limits.
#include "loader/config.h"

#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "tests/unit/health/loopback_servers.h"

namespace fz::loader {
namespace {

// A configuration with one data-plane port (plus `dataplane_extra` lines) and its zone,
// and a server section of `server_lines` when given, in a temporary folder removed afterwards.
class ConfigFile {
public:
    explicit ConfigFile(const std::string& dataplane_extra, const std::string& server_lines = "")
        : path_(dir_.path() + "/fastzone.yaml") {
        std::ofstream(dir_.path() + "/example.com.zone")
            << "@ 3600 SOA ns1.example.com. h.example.com. 1 7200 3600 1209600 300\n"
               "@ 3600 NS ns1.example.com.\n";
        std::ofstream(path_) << (server_lines.empty() ? "" : "server:\n" + server_lines)
                             << "dataplane:\n"
                                "  eal: [--no-pci]\n"
                                "  ports:\n"
                                "    - device: net_null0\n"
                                "      addresses: [192.0.2.53/24]\n"
                             << dataplane_extra
                             << "zones:\n"
                                "  - origin: example.com.\n"
                                "    file: example.com.zone\n";
    }
    const std::string& path() const { return path_; }

private:
    health::testing::TempDir dir_;
    std::string path_;
};

TEST(Config, Ipv4UdpChecksumDefaultsOnAndCanBeTurnedOff) {
    auto on = load_config(ConfigFile("").path());
    ASSERT_TRUE(on.ok()) << on.error().to_string();
    ASSERT_TRUE(on->dataplane.has_value());
    EXPECT_TRUE(on->dataplane->ipv4_udp_checksum);

    auto off = load_config(ConfigFile("  ipv4_udp_checksum: false\n").path());
    ASSERT_TRUE(off.ok()) << off.error().to_string();
    EXPECT_FALSE(off->dataplane->ipv4_udp_checksum);
}

TEST(Config, Ipv4UdpChecksumMustBeABoolean) {
    ConfigFile file("  ipv4_udp_checksum: sometimes\n");
    auto bad = load_config(file.path());
    ASSERT_FALSE(bad.ok());
    const std::string text = bad.error().to_string();
    EXPECT_NE(text.find("ipv4_udp_checksum"), std::string::npos) << text;
    EXPECT_NE(text.find("true or false"), std::string::npos) << text;
    EXPECT_NE(text.find(file.path()), std::string::npos) << text;
    EXPECT_NE(text.find(":6"), std::string::npos) << "the line: " << text;
}

// Before: "unknown key 'root:*:20228:0:99999:7::' in 'top level'" for fastzonectl check
// /etc/shadow. A file with none of our keys is not quoted.
TEST(Config, AFileThatIsNoConfigurationIsNotQuoted) {
    health::testing::TempDir dir;
    const std::string path = dir.path() + "/shadow";
    std::ofstream(path) << "root:x:SECRET-HASH:19000:0:99999:7:::\n";
    auto r = load_config(path);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().file, path);
    EXPECT_EQ(r.error().message.find("SECRET"), std::string::npos) << r.error().to_string();
    EXPECT_NE(r.error().message.find("not a fastzone configuration"), std::string::npos) << r.error().to_string();
}

TEST(Config, AConfigurationWithATypoNamesTheKey) {
    ConfigFile file("");
    std::ofstream(file.path(), std::ios::app) << "latency_defualt_order: [us-east-1]\n";
    auto r = load_config(file.path());
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message.find("unknown key 'latency_defualt_order'"), std::string::npos)
        << r.error().to_string();
}

TEST(Config, TcpLimitsHaveDefaultsAndAreRead) {
    auto defaults = load_config(ConfigFile("").path());
    ASSERT_TRUE(defaults.ok()) << defaults.error().to_string();
    EXPECT_EQ(defaults->server.sockets.tcp_io_timeout_ms, 500u);
    EXPECT_EQ(defaults->server.sockets.tcp_max_pending_output, 65536u);
    EXPECT_EQ(defaults->server.sockets.tcp_pending_output_budget, 33554432u);

    auto set = load_config(ConfigFile("",
                                      "  tcp_io_timeout_ms: 250\n  tcp_max_pending_output: 8192\n"
                                      "  tcp_pending_output_budget: 1048576\n")
                               .path());
    ASSERT_TRUE(set.ok()) << set.error().to_string();
    EXPECT_EQ(set->server.sockets.tcp_io_timeout_ms, 250u);
    EXPECT_EQ(set->server.sockets.tcp_max_pending_output, 8192u);
    EXPECT_EQ(set->server.sockets.tcp_pending_output_budget, 1048576u);

    ConfigFile zero("", "  tcp_io_timeout_ms: 0\n");
    auto bad = load_config(zero.path());
    ASSERT_FALSE(bad.ok());
    EXPECT_NE(bad.error().to_string().find("server.tcp_io_timeout_ms"), std::string::npos) << bad.error().to_string();
    EXPECT_NE(bad.error().to_string().find(":2"), std::string::npos) << "the line: " << bad.error().to_string();
}

}  // namespace
}  // namespace fz::loader

namespace fz::loader {
namespace {

// zones[].dnssec: its keys folder resolved against the configuration's, durations and
// NSEC3 parameters read, what is out of bounds refused with the line.
Result<Config> zone_with_dnssec(const health::testing::TempDir& dir, const std::string& dnssec_lines) {
    std::ofstream(dir.path() + "/fastzone.yaml") << "zones:\n"
                                                    "  - origin: example.com.\n"
                                                    "    file: example.com.zone\n"
                                                    "    dnssec:\n"
                                                 << dnssec_lines;
    return load_config(dir.path() + "/fastzone.yaml");
}

TEST(Config, ZoneDnssecIsRead) {
    health::testing::TempDir dir;
    auto c = zone_with_dnssec(dir,
                              "      keys_dir: keys\n      signature_validity: 30d\n      signature_refresh: 1w\n");
    ASSERT_TRUE(c.ok()) << c.error().to_string();
    ASSERT_TRUE(c->zones[0].dnssec.has_value());
    EXPECT_EQ(c->zones[0].dnssec->keys_dir, dir.path() + "/keys");
    EXPECT_EQ(c->zones[0].dnssec->signature_validity, 30u * 86400u);
    EXPECT_EQ(c->zones[0].dnssec->signature_refresh, 7u * 86400u);

    auto nsec3 = zone_with_dnssec(dir,
                                  "      keys_dir: keys\n      denial: nsec3\n      nsec3: {iterations: 0, salt: "
                                  "aabb, opt_out: true}\n");
    ASSERT_TRUE(nsec3.ok()) << nsec3.error().to_string();
    ASSERT_TRUE(nsec3->zones[0].dnssec->nsec3.has_value());
    EXPECT_EQ(nsec3->zones[0].dnssec->nsec3->salt, std::string("\xaa\xbb"));
    EXPECT_TRUE(nsec3->zones[0].dnssec->nsec3->opt_out);
    auto many = zone_with_dnssec(dir, "      keys_dir: keys\n      denial: nsec3\n      nsec3: {iterations: 151}\n");
    ASSERT_FALSE(many.ok());
    EXPECT_NE(many.error().message.find("nsec3.iterations"), std::string::npos) << many.error().message;
    EXPECT_EQ(many.error().line, 7u);
    auto stray = zone_with_dnssec(dir, "      keys_dir: keys\n      nsec3: {iterations: 0}\n");
    ASSERT_FALSE(stray.ok());
    EXPECT_NE(stray.error().message.find("goes with 'denial: nsec3'"), std::string::npos);
    auto refresh =
        zone_with_dnssec(dir, "      keys_dir: keys\n      signature_validity: 7d\n      signature_refresh: 7d\n");
    ASSERT_FALSE(refresh.ok());
    EXPECT_NE(refresh.error().message.find("shorter than"), std::string::npos) << refresh.error().message;
    auto no_keys = zone_with_dnssec(dir, "      denial: nsec\n");
    ASSERT_FALSE(no_keys.ok());
    EXPECT_NE(no_keys.error().message.find("keys_dir"), std::string::npos);
}

}  // namespace
}  // namespace fz::loader

namespace fz::loader {
namespace {

// catalog: a consumed catalog becomes a secondary zone of its primaries; the produced one
// needs the store; what names nothing that exists is refused with the line.
Result<Config> with_catalog(const health::testing::TempDir& dir, const std::string& catalog_lines, bool store = true) {
    std::ofstream(dir.path() + "/fastzone.yaml")
        << (store ? "store:\n  path: store\n" : "")
        << "remotes:\n  - id: hidden\n    address: 127.0.0.1@5300\n"
           "acl:\n  - id: out\n    addresses: [127.0.0.0/8]\n    actions: [transfer]\n"
           "zones: []\n"
           "catalog:\n"
        << catalog_lines;
    return load_config(dir.path() + "/fastzone.yaml");
}

TEST(Config, AConsumedCatalogIsASecondaryZone) {
    health::testing::TempDir dir;
    auto c = with_catalog(dir,
                          "  consume: [{origin: cat.example, primaries: [hidden], acl: [out]}]\n"
                          "  produce: {origin: cat.fastzone., acl: [out]}\n");
    ASSERT_TRUE(c.ok()) << c.error().to_string();
    ASSERT_EQ(c->catalog.consume.size(), 1u);
    EXPECT_EQ(c->catalog.consume[0].origin.to_text(), "cat.example.");
    ASSERT_EQ(c->zones.size(), 1u);
    EXPECT_EQ(c->zones[0].origin_text, "cat.example.");
    EXPECT_EQ(c->zones[0].primaries, std::vector<std::string>{"hidden"});
    EXPECT_EQ(c->zones[0].acl, std::vector<std::string>{"out"});
    ASSERT_TRUE(c->catalog.produce.has_value());
    EXPECT_EQ(c->catalog.produce->origin.to_text(), "cat.fastzone.");
}

TEST(Config, ACatalogThatNamesNothingOrLacksTheStoreIsRefused) {
    health::testing::TempDir dir;
    auto no_remote = with_catalog(dir, "  consume: [{origin: cat.example, primaries: [nobody]}]\n");
    ASSERT_FALSE(no_remote.ok());
    EXPECT_NE(no_remote.error().message.find("no remote 'nobody'"), std::string::npos) << no_remote.error().message;
    auto no_acl = with_catalog(dir, "  produce: {origin: cat.fastzone., acl: [none]}\n");
    ASSERT_FALSE(no_acl.ok());
    EXPECT_NE(no_acl.error().message.find("no acl rule 'none'"), std::string::npos);
    EXPECT_GT(no_acl.error().line, 0u);
    auto no_store = with_catalog(dir, "  produce: {origin: cat.fastzone.}\n", false);
    ASSERT_FALSE(no_store.ok());
    EXPECT_NE(no_store.error().message.find("store.path"), std::string::npos);
    auto twice = with_catalog(dir,
                              "  consume: [{origin: cat.example, primaries: [hidden]}]\n"
                              "  produce: {origin: cat.example.}\n");
    ASSERT_FALSE(twice.ok());
    EXPECT_NE(twice.error().message.find("also a zone"), std::string::npos);
}

}  // namespace
}  // namespace fz::loader

namespace fz::loader {
namespace {

// store.etcd: endpoints (http or https), prefix, credentials in pairs; not with a path.
Result<Config> with_store(const health::testing::TempDir& dir, const std::string& store_lines) {
    std::ofstream(dir.path() + "/example.com.zone") << "@ 3600 SOA ns1.example.com. h.example.com. 1 2 3 4 5\n";
    std::ofstream(dir.path() + "/fastzone.yaml")
        << "node:\n  name: ns1\nstore:\n"
        << store_lines << "zones:\n  - origin: example.com.\n    file: example.com.zone\n";
    return load_config(dir.path() + "/fastzone.yaml");
}

TEST(Config, AnEtcdStoreIsRead) {
    health::testing::TempDir dir;
    auto c = with_store(dir,
                        "  etcd:\n    endpoints: [http://10.0.0.1:2379/, https://10.0.0.2:2379]\n"
                        "    prefix: /dns\n    username: fz\n    password: secret\n    ca_file: ca.pem\n"
                        "    local_copy: copy\n");
    ASSERT_TRUE(c.ok()) << c.error().to_string();
    ASSERT_TRUE(c->store.etcd.has_value());
    EXPECT_TRUE(c->store.enabled());
    EXPECT_EQ(c->store.etcd->endpoints, (std::vector<std::string>{"http://10.0.0.1:2379", "https://10.0.0.2:2379"}));
    EXPECT_EQ(c->store.etcd->prefix, "/dns/");
    EXPECT_EQ(c->store.etcd->ca_file, dir.path() + "/ca.pem");
    EXPECT_EQ(c->store.etcd->local_copy, dir.path() + "/copy");
    EXPECT_EQ(c->node.name, "ns1");
}

TEST(Config, AnEtcdStoreWithoutEndpointsOrWithAPathIsRefused) {
    health::testing::TempDir dir;
    auto none = with_store(dir, "  etcd:\n    prefix: /dns/\n");
    ASSERT_FALSE(none.ok());
    EXPECT_NE(none.error().message.find("endpoints"), std::string::npos);
    auto scheme = with_store(dir, "  etcd:\n    endpoints: [10.0.0.1:2379]\n");
    ASSERT_FALSE(scheme.ok());
    EXPECT_NE(scheme.error().message.find("http://"), std::string::npos);
    auto both = with_store(dir, "  path: store\n  etcd:\n    endpoints: [http://10.0.0.1:2379]\n");
    ASSERT_FALSE(both.ok());
    EXPECT_NE(both.error().message.find("not both"), std::string::npos);
    auto half = with_store(dir, "  etcd:\n    endpoints: [http://10.0.0.1:2379]\n    username: fz\n");
    ASSERT_FALSE(half.ok());
    EXPECT_NE(half.error().message.find("password"), std::string::npos);
}

TEST(Config, AStoreAloneNeedsNoZones) {
    // A server joining a fleet serves what etcd holds; one with a store, what the API created.
    health::testing::TempDir dir;
    std::ofstream(dir.path() + "/fastzone.yaml")
        << "store:\n  etcd:\n    endpoints: [http://127.0.0.1:2379]\nserver:\n  listen: 127.0.0.1@5300\n";
    auto c = load_config(dir.path() + "/fastzone.yaml");
    ASSERT_TRUE(c.ok()) << c.error().to_string();
    EXPECT_TRUE(c->zones.empty());
    std::ofstream(dir.path() + "/none.yaml") << "server:\n  listen: 127.0.0.1@5300\n";
    auto none = load_config(dir.path() + "/none.yaml");
    ASSERT_FALSE(none.ok());
    EXPECT_NE(none.error().message.find("nothing to serve"), std::string::npos);
}

// health and anycast: the fleet's keys, checked with the line they are on.
Result<Config> with_fleet(const health::testing::TempDir& dir, const std::string& lines) {
    return with_store(dir, "  etcd:\n    endpoints: [http://127.0.0.1:2379]\n" + std::string("health:\n") + lines);
}

TEST(Config, HealthAndAnycastOfAFleetAreRead) {
    health::testing::TempDir dir;
    auto c = with_fleet(dir,
                        "  aggregate_threshold: 0.5\n  region: eu-west-1\n"
                        "anycast:\n  addresses: [192.0.2.53/32, 2001:db8::53/128]\n  stale_limit: 45s\n");
    ASSERT_TRUE(c.ok()) << c.error().to_string();
    EXPECT_DOUBLE_EQ(c->health.aggregate_threshold, 0.5);
    EXPECT_EQ(c->health.region, "eu-west-1");
    ASSERT_TRUE(c->anycast.has_value());
    EXPECT_EQ(c->anycast->addresses, (std::vector<std::string>{"192.0.2.53/32", "2001:db8::53/128"}));
    EXPECT_EQ(c->anycast->stale_limit, 45u);
    EXPECT_EQ(c->anycast->interface, "fz-anycast");
    auto plain = with_store(dir, "  etcd:\n    endpoints: [http://127.0.0.1:2379]\n");
    ASSERT_TRUE(plain.ok()) << plain.error().to_string();
    EXPECT_DOUBLE_EQ(plain->health.aggregate_threshold, 0.18);  // Route 53's
    EXPECT_FALSE(plain->anycast.has_value());
}

TEST(Config, BadHealthAndAnycastKeysNameTheirLine) {
    health::testing::TempDir dir;
    auto share = with_fleet(dir, "  aggregate_threshold: 18%\n");
    ASSERT_FALSE(share.ok());
    EXPECT_NE(share.error().message.find("from 0 to 1"), std::string::npos) << share.error().message;
    EXPECT_EQ(share.error().line, 7u);
    auto all = with_fleet(dir, "  aggregate_threshold: 1\n");
    ASSERT_FALSE(all.ok());
    EXPECT_NE(all.error().message.find("below 1"), std::string::npos);
    auto prefix = with_fleet(dir, "  region: x\nanycast:\n  addresses: [192.0.2.53/33]\n");
    ASSERT_FALSE(prefix.ok());
    EXPECT_NE(prefix.error().message.find("192.0.2.53/33"), std::string::npos) << prefix.error().message;
    auto none = with_fleet(dir, "  region: x\nanycast:\n  stale_limit: 30s\n");
    ASSERT_FALSE(none.ok());
    EXPECT_NE(none.error().message.find("addresses"), std::string::npos);
    auto ifname = with_fleet(dir, "  region: x\nanycast:\n  addresses: [192.0.2.53]\n  interface: a-very-long-name0\n");
    ASSERT_FALSE(ifname.ok());
    EXPECT_NE(ifname.error().message.find("interface"), std::string::npos);
    auto typo = with_fleet(dir, "  treshold: 0.2\n");
    ASSERT_FALSE(typo.ok());
    EXPECT_NE(typo.error().message.find("treshold"), std::string::npos);
}

}  // namespace
}  // namespace fz::loader
