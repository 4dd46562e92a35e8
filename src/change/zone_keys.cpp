// A zone's DNSSEC keys held in the store.
#include "change/zone_keys.h"

#include <algorithm>

namespace fz::change {

std::string key_where(const dns::Name& origin, const std::string& name) {
    return "store:" + origin.to_text() + " key " + name;
}

Result<std::vector<dnssec::SigningKey>> signing_keys(const dns::Name& origin, const ZoneSigning& signing) {
    std::vector<dnssec::SigningKey> out;
    for (const ZoneKey& k : signing.keys) {
        if (k.ksk && !k.active) continue;
        auto key = dnssec::parse_key(key_where(origin, k.name), k.public_text, k.private_text, k.created_ms / 1000);
        if (!key) return key.error();
        out.push_back(std::move(key.value()));
    }
    return out;
}

Result<std::vector<dnssec::SigningKey>> StoredKeyRing::load() { return signing_keys(origin_, signing_); }

Status StoredKeyRing::add(const dnssec::KeyFiles& key) {
    if (std::any_of(signing_.keys.begin(), signing_.keys.end(), [&](const ZoneKey& k) { return k.tag == key.tag; }))
        return Error{where(), 0, dnssec::kTagTaken};
    ZoneKey k;
    k.name = key.base;
    k.ksk = false;
    k.tag = key.tag;
    k.public_text = key.public_text;
    k.private_text = key.private_text;
    k.created_ms = k.modified_ms = now_ms_;
    signing_.keys.push_back(std::move(k));
    return Ok{};
}

Status StoredKeyRing::set_time(const dnssec::SigningKey& key, const std::string& field, int64_t t) {
    for (ZoneKey& k : signing_.keys) {
        if (k.tag != key.tag) continue;
        k.private_text = dnssec::with_key_time(k.private_text, field, t);
        k.modified_ms = now_ms_;
        return Ok{};
    }
    return Error{where(), 0, "no key with tag " + std::to_string(key.tag)};
}

}  // namespace fz::change
