// Route 53's DNSSEC operations on the registry (CreateKeySigningKey and friends,
// Enable/DisableHostedZoneDNSSEC, GetDNSSEC), and the rollover of the ZSKs it manages.
// Each change of a zone's keys is one journal write (Journal::put_signing) before it is
// acknowledged, and a new snapshot signs with them (loader::build_snapshot).
#include <algorithm>
#include <cctype>

#include "change/registry.h"
#include "change/registry_internal.h"
#include "change/zone_keys.h"
#include "common/encoding.h"

namespace fz::change {
namespace {

using registry_internal::error;
using registry_internal::now_ms;
using registry_internal::store_error;

constexpr size_t kMaxKeySigningKeys = 2;  // Route 53's limit per hosted zone

bool valid_key_name(const std::string& name) {
    return name.size() >= 3 && name.size() <= 128 &&
           std::all_of(name.begin(), name.end(), [](unsigned char c) { return std::isalnum(c) || c == '_'; });
}

ServiceError no_such_key(const std::string& zone_id, const std::string& name) {
    return error("NoSuchKeySigningKey",
                 "The key-signing key (KSK) " + name + " does not exist in hosted zone " + zone_id + ".");
}

}  // namespace

Outcome<ChangeInfo> Registry::change_signing(const std::string& id, const std::string& comment,
                                             const std::function<std::optional<ServiceError>(ZoneSigning&)>& edit) {
    ChangeInfo info;
    {
        std::lock_guard lock(mu_);
        const Zone* z = find_zone(id);
        if (z == nullptr) return error("NoSuchHostedZone", "No hosted zone found with ID: " + id);
        if (z->file_managed) {
            return error("InvalidInput", "hosted zone " + id + " (" + z->content->origin.to_text() +
                                             ") is managed by its zone file; sign it with zones[].dnssec, or "
                                             "import it into the store first");
        }
        ZoneSigning next = z->content->signing.value_or(ZoneSigning{});
        if (auto refused = edit(next)) return *refused;
        next.modified_ms = now_ms();
        if (journal_ != nullptr) {
            auto st = journal_->put_signing(id, next);
            if (!st) return store_error(st.error());
        }
        info = new_change(comment);
        remember(info);
        auto content = std::make_shared<ZoneContent>(*z->content);
        content->signing = std::move(next);
        zones_[id].content = std::move(content);
    }
    notify();
    return info;
}

Outcome<std::pair<KeySigningKeyInfo, ChangeInfo>> Registry::create_key_signing_key(const std::string& zone_id,
                                                                                   const std::string& caller_reference,
                                                                                   const std::string& name,
                                                                                   const std::string& kms_arn,
                                                                                   bool active) {
    if (caller_reference.empty() || caller_reference.size() > 128) {
        return error("InvalidInput", "CallerReference must be 1 to 128 characters");
    }
    if (!valid_key_name(name)) {
        return error("InvalidKeySigningKeyName",
                     "The key-signing key (KSK) name that you specified isn't a valid name: 3 to 128 letters, "
                     "digits and underscores");
    }
    if (kms_arn.rfind("arn:", 0) != 0 || kms_arn.size() > 1024) {
        return error("InvalidKMSArn",
                     "The KeyManagementServiceArn that you specified isn't valid to use with DNSSEC signing.");
    }
    dns::Name origin;
    {
        std::lock_guard lock(mu_);
        const Zone* z = find_zone(zone_id);
        if (z == nullptr) return error("NoSuchHostedZone", "No hosted zone found with ID: " + zone_id);
        origin = z->content->origin;
    }
    // Made outside the lock: key generation is the slow part.
    auto made = dnssec::new_key(origin, dnssec::kEcdsaP256Sha256, true, {}, now_ms() / 1000);
    if (!made) return error("InternalFailure", made.error().to_string());
    auto change = change_signing(zone_id, "create key-signing key " + name, [&](ZoneSigning& s) {
        std::optional<ServiceError> refused;
        const auto ksks = std::count_if(s.keys.begin(), s.keys.end(), [](const ZoneKey& k) { return k.ksk; });
        if (s.find(name) != nullptr) {
            refused = error("KeySigningKeyAlreadyExists",
                            "You've already created a key-signing key (KSK) with this name: " + name);
        } else if (static_cast<size_t>(ksks) >= kMaxKeySigningKeys) {
            refused = error("TooManyKeySigningKeys",
                            "You've reached the limit of two key-signing keys (KSKs) "
                            "for hosted zone " +
                                zone_id + ".");
        } else if (std::any_of(s.keys.begin(), s.keys.end(), [&](const ZoneKey& k) { return k.tag == made->tag; })) {
            refused = error("ConcurrentModification", "a key of the zone has the new key's tag; try again");
        } else {
            ZoneKey k;
            k.name = name;
            k.ksk = true;
            k.kms_arn = kms_arn;
            k.active = active;
            k.tag = made->tag;
            k.public_text = made->public_text;
            k.private_text = made->private_text;
            k.created_ms = k.modified_ms = now_ms();
            s.keys.push_back(std::move(k));
        }
        return refused;
    });
    if (!change.ok()) return change.error();
    auto status = dnssec(zone_id);
    if (!status.ok()) return status.error();
    for (const KeySigningKeyInfo& k : status->keys) {
        if (k.name == name) return std::pair(k, change.value());
    }
    return error("InternalFailure", "the key-signing key " + name + " was created, then not found");
}

Outcome<ChangeInfo> Registry::set_key_signing_key_status(const std::string& zone_id, const std::string& name,
                                                         bool active) {
    const std::string what = std::string(active ? "activate" : "deactivate") + " key-signing key " + name;
    return change_signing(zone_id, what, [&](ZoneSigning& s) -> std::optional<ServiceError> {
        ZoneKey* k = s.find(name);
        if (k == nullptr || !k->ksk) return no_such_key(zone_id, name);
        const auto others = std::count_if(s.keys.begin(), s.keys.end(),
                                          [&](const ZoneKey& o) { return o.ksk && o.active && o.name != name; });
        if (!active && s.enabled && others == 0) {
            return error("KeySigningKeyInUse", "The key-signing key (KSK) " + name +
                                                   " is the only active KSK of a zone that DNSSEC signs: disable "
                                                   "DNSSEC signing first, or activate another KSK.");
        }
        k->active = active;
        k->modified_ms = now_ms();
        return std::nullopt;
    });
}

Outcome<ChangeInfo> Registry::delete_key_signing_key(const std::string& zone_id, const std::string& name) {
    return change_signing(zone_id, "delete key-signing key " + name,
                          [&](ZoneSigning& s) -> std::optional<ServiceError> {
                              const ZoneKey* k = s.find(name);
                              if (k == nullptr || !k->ksk) return no_such_key(zone_id, name);
                              if (k->active) {
                                  return error("InvalidKeySigningKeyStatus",
                                               "The key-signing key (KSK) " + name +
                                                   " is ACTIVE: deactivate it before you delete it.");
                              }
                              std::erase_if(s.keys, [&](const ZoneKey& o) { return o.name == name; });
                              return std::nullopt;
                          });
}

Outcome<ChangeInfo> Registry::set_dnssec(const std::string& zone_id, bool enabled) {
    dns::Name origin;
    bool has_zsk = false;
    {
        std::lock_guard lock(mu_);
        const Zone* z = find_zone(zone_id);
        if (z == nullptr) return error("NoSuchHostedZone", "No hosted zone found with ID: " + zone_id);
        origin = z->content->origin;
        if (z->content->signing) {
            has_zsk = std::any_of(z->content->signing->keys.begin(), z->content->signing->keys.end(),
                                  [](const ZoneKey& k) { return !k.ksk; });
        }
    }
    std::optional<dnssec::KeyFiles> zsk;
    if (enabled && !has_zsk) {
        auto made = dnssec::new_key(origin, dnssec::kEcdsaP256Sha256, false, {}, now_ms() / 1000);
        if (!made) return error("InternalFailure", made.error().to_string());
        zsk = std::move(made.value());
    }
    const std::string what = enabled ? "enable DNSSEC signing" : "disable DNSSEC signing";
    return change_signing(zone_id, what, [&](ZoneSigning& s) -> std::optional<ServiceError> {
        if (s.keys.empty()) {
            if (!enabled) return error("DNSSECNotFound", "The hosted zone " + zone_id + " has no DNSSEC resources.");
            return error("KeySigningKeyWithActiveStatusNotFound",
                         "A key-signing key (KSK) with ACTIVE status wasn't found: create one first "
                         "(CreateKeySigningKey).");
        }
        if (enabled && !s.active_ksk()) {
            return error("KeySigningKeyWithActiveStatusNotFound",
                         "A key-signing key (KSK) with ACTIVE status wasn't found: activate one first.");
        }
        if (zsk) {
            StoredKeyRing ring(s, origin, now_ms());
            if (auto st = ring.add(*zsk); !st) {
                return error("ConcurrentModification", "a key of the zone has the new ZSK's tag; try again");
            }
        }
        s.enabled = enabled;
        return std::nullopt;
    });
}

Outcome<DnssecStatus> Registry::dnssec(const std::string& zone_id) const {
    std::shared_ptr<const ZoneContent> content;
    {
        std::lock_guard lock(mu_);
        const Zone* z = find_zone(zone_id);
        if (z == nullptr) return error("NoSuchHostedZone", "No hosted zone found with ID: " + zone_id);
        content = z->content;
    }
    DnssecStatus out;
    const bool enabled = content->signing && content->signing->enabled;
    out.serve_signature = enabled ? "SIGNING" : "NOT_SIGNING";
    if (!content->signing) return out;
    for (const ZoneKey& k : content->signing->keys) {
        if (!k.ksk) continue;
        auto key = dnssec::parse_key(key_where(content->origin, k.name), k.public_text, k.private_text);
        if (!key) return error("InternalFailure", key.error().to_string());
        KeySigningKeyInfo info;
        info.name = k.name;
        info.kms_arn = k.kms_arn;
        info.status = k.active ? "ACTIVE" : "INACTIVE";
        info.flag = key->flags;
        info.algorithm = key->algorithm;
        info.key_tag = key->tag;
        const std::string ds = dnssec::ds_rdata(content->origin, key->dnskey_rdata);
        append_hex(info.digest_hex, reinterpret_cast<const uint8_t*>(ds.data()) + 4, ds.size() - 4);
        std::string b64;
        append_base64(b64, reinterpret_cast<const uint8_t*>(key->dnskey_rdata.data()) + 4,
                      key->dnskey_rdata.size() - 4);
        info.public_key = b64;
        info.ds_record = std::to_string(key->tag) + " " + std::to_string(key->algorithm) + " 2 " + info.digest_hex;
        info.dnskey_record = std::to_string(key->flags) + " 3 " + std::to_string(key->algorithm) + " " + b64;
        info.created_ms = k.created_ms;
        info.modified_ms = k.modified_ms;
        out.keys.push_back(std::move(info));
    }
    return out;
}

Result<int64_t> Registry::roll_zsks(int64_t now, int64_t lifetime, int64_t prepublish, int64_t retire, bool* rolled) {
    *rolled = false;
    std::vector<std::string> ids;
    {
        std::lock_guard lock(mu_);
        for (const auto& [id, z] : zones_) {
            if (!z.file_managed && z.content->signing && z.content->signing->enabled) ids.push_back(id);
        }
    }
    int64_t earliest = 0;
    for (const std::string& id : ids) {
        int64_t due = 0;
        std::optional<Error> failed;
        bool started = false;
        auto change = change_signing(id, "ZSK rollover", [&](ZoneSigning& s) -> std::optional<ServiceError> {
            const dns::Name origin = zones_.at(id).content->origin;  // (mu_ is held here)
            StoredKeyRing ring(s, origin, now * 1000);
            auto keys = ring.load();
            if (!keys) {
                failed = keys.error();
                return error("InternalFailure", "");
            }
            auto r = dnssec::roll_zsk_if_due(*keys, ring, origin, now, lifetime, prepublish, retire, &due);
            if (!r) {
                failed = r.error();
                return error("InternalFailure", "");
            }
            // Keys past their Delete time are gone from the zone: the store forgets them too.
            const size_t before = s.keys.size();
            std::erase_if(s.keys, [&](const ZoneKey& k) {
                auto key = dnssec::parse_key(key_where(origin, k.name), k.public_text, k.private_text);
                return !k.ksk && key && key->remove != 0 && key->remove <= now;
            });
            started = r->has_value();
            if (!started && s.keys.size() == before) return error("NothingToDo", "");
            return std::nullopt;
        });
        if (failed) return *failed;
        if (!change.ok() && change.error().code != "NothingToDo") return Error{"store", 0, change.error().message};
        *rolled |= started;
        if (due != 0 && (earliest == 0 || due < earliest)) earliest = due;
    }
    return earliest;
}

}  // namespace fz::change
