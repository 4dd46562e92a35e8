// The DNSSEC keys of a zone the API signs, as the signer and the rollover steps use them:
// read from the store's texts (change::ZoneSigning), and a dnssec::KeyRing over them.
#pragma once

#include <string>
#include <vector>

#include "change/content.h"
#include "common/result.h"
#include "dnssec/keys.h"

namespace fz::change {

// What names a zone's key in errors: "store:<origin> key <name>".
std::string key_where(const dns::Name& origin, const std::string& name);

// The keys that publish and sign: every ZSK, and the ACTIVE KSKs. An unreadable key is an
// error naming it.
Result<std::vector<dnssec::SigningKey>> signing_keys(const dns::Name& origin, const ZoneSigning& signing);

// The keys of `signing` as a KeyRing: rollover steps edit them in place (the caller
// journals the result).
class StoredKeyRing final : public dnssec::KeyRing {
public:
    StoredKeyRing(ZoneSigning& signing, dns::Name origin, int64_t now_ms)
        : signing_(signing), origin_(std::move(origin)), now_ms_(now_ms) {}
    Result<std::vector<dnssec::SigningKey>> load() override;
    Status add(const dnssec::KeyFiles& key) override;
    Status set_time(const dnssec::SigningKey& key, const std::string& field, int64_t t) override;
    std::string where() const override { return "store:" + origin_.to_text(); }

private:
    ZoneSigning& signing_;
    dns::Name origin_;
    int64_t now_ms_;
};

}  // namespace fz::change
