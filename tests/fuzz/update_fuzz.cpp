// libFuzzer target for RFC 2136 UPDATE: any bytes through the UpdateProcessor over a fresh
// Registry, as they came (an unsigned UPDATE from a local address the ACL allows) and
// signed with a configured key (so that the prerequisites and updates are reached past
// TSIG). Nothing may crash, and a response must fit its buffer, keep the request's ID and
// read back as a message.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "api/update.h"
#include "change/registry.h"
#include "common/log.h"
#include "dns/message_reader.h"
#include "dns/tsig.h"

namespace {

using namespace fz;

constexpr int64_t kNow = 1'796'282'950;

dns::Name name(const char* text) { return *dns::name_from_text(text, nullptr); }

const dns::TsigKeyring& keyring() {
    static const dns::TsigKeyring* const keys = [] {
        auto* k = new dns::TsigKeyring;
        (void)k->add(*dns::tsig_key_from_text("hmac-sha256:update-key:ZmFzdHpvbmUtdXBkYXRlLXRlc3Qtc2VjcmV0LTAxMjM="));
        return k;
    }();
    return *keys;
}

// A zone with simple record sets of several types and a weighted pair.
std::unique_ptr<change::Registry> registry() {
    auto r = std::make_unique<change::Registry>(change::RegistryOptions{{"ns1.example.net.", "ns2.example.net."}},
                                                nullptr);
    auto z = r->create_zone(name("example.com."), "fuzz", "");
    if (!z.ok()) __builtin_trap();
    auto f = policy::parse_record_sets_text(
        R"([{"Name": "www.example.com.", "Type": "A", "TTL": 300, "ResourceRecords": [{"Value": "192.0.2.1"}]},
            {"Name": "old.example.com.", "Type": "A", "TTL": 300, "ResourceRecords": [{"Value": "192.0.2.66"}]},
            {"Name": "mail.example.com.", "Type": "MX", "TTL": 300, "ResourceRecords": [{"Value": "10 mx.example.com."}]},
            {"Name": "alias.example.com.", "Type": "CNAME", "TTL": 300, "ResourceRecords": [{"Value": "www.example.com."}]},
            {"Name": "geo.example.com.", "Type": "A", "TTL": 60, "SetIdentifier": "one", "Weight": 1,
             "ResourceRecords": [{"Value": "192.0.2.10"}]},
            {"Name": "geo.example.com.", "Type": "A", "TTL": 60, "SetIdentifier": "two", "Weight": 2,
             "ResourceRecords": [{"Value": "192.0.2.20"}]}])",
        "fuzz.json", name("example.com."), policy::RecordSetOptions{true});
    if (!f.ok()) __builtin_trap();
    change::Batch b;
    for (auto& rs : f->record_sets) b.changes.push_back({change::Action::kCreate, rs});
    if (!r->submit(z->zone->id, b).ok()) __builtin_trap();
    return r;
}

void check(const uint8_t* msg, size_t size, const uint8_t* out, size_t n, size_t cap) {
    if (n == 0) return;
    if (n > cap || n < dns::kHeaderSize || size < 2 || out[0] != msg[0] || out[1] != msg[1]) __builtin_trap();
    if (!dns::read_message(out, n).ok()) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static const bool quiet = [] {
        log::set_level(log::Level::kError);  // every refusal logs a warning
        return true;
    }();
    (void)quiet;
    auto service = registry();
    std::vector<api::AclRule> rules = {*api::make_acl_rule("keyed", {"update-key"}, {}, {"update"}),
                                       *api::make_acl_rule("local", {}, {"127.0.0.0/8"}, {"update"})};
    api::UpdateOptions options;
    options.zone_acls["example.com."] = {"keyed", "local"};
    api::UpdateProcessor processor(*service, keyring(), rules, options);
    api::UpdatePeer peer;
    peer.address.family = 4;
    peer.address.address[0] = 127;
    peer.address.address[3] = 1;

    std::vector<uint8_t> out(4096);
    size_t n = processor.process(data, size, peer, out.data(), out.size(), kNow);
    check(data, size, out.data(), n, out.size());
    n = processor.process(data, size, peer, out.data(), 40, kNow);  // a buffer too small for most answers
    check(data, size, out.data(), n, 40);

    if (size < dns::kHeaderSize || size > 8192) return 0;
    std::vector<uint8_t> signed_msg(data, data + size);
    signed_msg.resize(size + 512);
    const dns::TsigKey* key = keyring().find(name("update-key."));
    const size_t len = dns::tsig_sign_request(signed_msg.data(), size, signed_msg.size(), *key, kNow);
    if (len == 0) return 0;
    n = processor.process(signed_msg.data(), len, peer, out.data(), out.size(), kNow);
    check(signed_msg.data(), len, out.data(), n, out.size());
    return 0;
}
