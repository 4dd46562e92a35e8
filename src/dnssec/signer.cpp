#include "dnssec/signer.h"

#include <openssl/ecdsa.h>
#include <openssl/evp.h>

#include <algorithm>
#include <cstring>
#include <ctime>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <thread>

#include "common/encoding.h"
#include "dns/name.h"
#include "dns/name_hash.h"
#include "dns/nsec3.h"
#include "dns/rrtype.h"
#include "dns/wire.h"
#include "zone/presentation.h"
#include "zone/rdata_layout.h"
#include "zone/rrset_writer.h"

namespace fz::dnssec {
namespace {

struct MdCtxFree {
    void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};

bool is_dnssec_type(uint16_t t) {
    return t == dns::type::RRSIG || t == dns::type::NSEC || t == dns::type::NSEC3 || t == dns::type::NSEC3PARAM ||
           t == dns::type::CDS || t == dns::type::CDNSKEY;
}

// The types whose rdata names are lower-cased in the canonical form (RFC 4034 6.2, as
// RFC 6840 5.1 corrects it).
bool names_lowered(uint16_t t) {
    switch (t) {
        case dns::type::NS:
        case dns::type::CNAME:
        case dns::type::SOA:
        case dns::type::PTR:
        case dns::type::MX:
        case dns::type::SRV:
        case dns::type::DNAME:
        case dns::type::NAPTR:
        case 3:   // MD
        case 4:   // MF
        case 7:   // MB
        case 8:   // MG
        case 9:   // MR
        case 14:  // MINFO
        case 17:  // RP
        case 18:  // AFSDB
        case 21:  // RT
        case 26:  // PX
        case 36:  // KX
        case 38:  // A6
            return true;
        default: return false;
    }
}

// The rdata in canonical form: the names of the types above lower-cased, walking the
// fields of the type's layout up to the last name.
std::string canonical_rdata(uint16_t type, const std::string& rdata) {
    if (!names_lowered(type)) return rdata;
    auto layout = zone::layout_of(type);
    if (!layout) return rdata;
    std::string out = rdata;
    size_t p = 0;
    for (size_t f = 0; f < layout->count && p < out.size(); ++f) {
        switch (layout->fields[f].kind) {
            case zone::Field::kU8: p += 1; break;
            case zone::Field::kU16: p += 2; break;
            case zone::Field::kU32:
            case zone::Field::kTimer:
            case zone::Field::kIPv4: p += 4; break;
            case zone::Field::kIPv6: p += 16; break;
            case zone::Field::kCharString: p += 1 + static_cast<uint8_t>(out[p]); break;
            case zone::Field::kName:
                while (p < out.size() && out[p] != 0) {
                    const size_t len = static_cast<uint8_t>(out[p]);
                    for (size_t k = 1; k <= len && p + k < out.size(); ++k)
                        out[p + k] = static_cast<char>(dns::lower(static_cast<uint8_t>(out[p + k])));
                    p += len + 1;
                }
                ++p;
                break;
            default: return out;  // no name after fields of other kinds in these types
        }
    }
    return out;
}

// One RRset to sign: its first record (owner, type, TTL) and every record's rdata.
struct RRsetToSign {
    const zone::Record* first;
    std::vector<const std::string*> rdatas;
};

using zone::put_u16;
using zone::put_u32;

// A raw signature of `data` by `key`: r || s for ECDSA (RFC 6605 4), as is for Ed25519.
Result<std::string> sign_bytes(const SigningKey& key, const std::string& data, EVP_MD_CTX* ctx) {
    EVP_MD_CTX_reset(ctx);
    const EVP_MD* md = key.algorithm == kEcdsaP256Sha256 ? EVP_sha256() : nullptr;
    size_t len = 0;
    if (EVP_DigestSignInit(ctx, nullptr, md, nullptr, key.key.get()) <= 0 ||
        EVP_DigestSign(ctx, nullptr, &len, reinterpret_cast<const unsigned char*>(data.data()), data.size()) <= 0) {
        return Error{key.file, 0, "OpenSSL cannot sign with this key"};
    }
    std::string sig(len, '\0');
    if (EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(sig.data()), &len,
                       reinterpret_cast<const unsigned char*>(data.data()), data.size()) <= 0) {
        return Error{key.file, 0, "OpenSSL failed to sign"};
    }
    sig.resize(len);
    if (key.algorithm != kEcdsaP256Sha256) return sig;
    // DER SEQUENCE { INTEGER r, INTEGER s } to two 32-byte big-endian numbers.
    const auto* p = reinterpret_cast<const unsigned char*>(sig.data());
    ECDSA_SIG* es = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(sig.size()));
    if (es == nullptr) return Error{key.file, 0, "OpenSSL made an ECDSA signature it cannot read"};
    std::string raw(64, '\0');
    BN_bn2binpad(ECDSA_SIG_get0_r(es), reinterpret_cast<unsigned char*>(raw.data()), 32);
    BN_bn2binpad(ECDSA_SIG_get0_s(es), reinterpret_cast<unsigned char*>(raw.data()) + 32, 32);
    ECDSA_SIG_free(es);
    return raw;
}

}  // namespace

RRsetSigner::RRsetSigner(const dns::Name& apex, const std::vector<SigningKey>& keys, int64_t now, uint32_t inception,
                         uint32_t expiration)
    : apex_(apex.lowered().bytes()), keys_(keys), now_(now), inception_(inception), expiration_(expiration) {}

std::vector<const SigningKey*> RRsetSigner::signers_of(uint16_t type) const {
    const bool want_ksk = type == dns::type::DNSKEY || type == dns::type::CDS || type == dns::type::CDNSKEY;
    std::vector<const SigningKey*> out;
    for (const auto& k : keys_) {
        if (k.ksk() == want_ksk && k.active(now_)) out.push_back(&k);
    }
    if (out.empty()) {
        for (const auto& k : keys_) {
            if (k.active(now_)) out.push_back(&k);
        }
    }
    return out;
}

// RFC 4034 3.1.8.1: RRSIG rdata without the signature, then every record in canonical
// form and order.
Result<std::vector<std::string>> RRsetSigner::sign(const dns::Name& name, uint16_t type, uint32_t ttl,
                                                   const std::vector<const std::string*>& rdatas,
                                                   EVP_MD_CTX* ctx) const {
    std::unique_ptr<EVP_MD_CTX, MdCtxFree> own;
    if (ctx == nullptr) {
        own.reset(EVP_MD_CTX_new());
        ctx = own.get();
    }
    const std::string owner = name.lowered().bytes();
    uint8_t labels = static_cast<uint8_t>(name.label_count());
    if (name.is_wildcard()) --labels;
    std::vector<std::string> canon;
    canon.reserve(rdatas.size());
    for (const std::string* rd : rdatas) canon.push_back(canonical_rdata(type, *rd));
    std::vector<const std::string*> order;
    order.reserve(canon.size());
    for (const std::string& rd : canon) order.push_back(&rd);
    zone::canonical_rdata_order(order);  // RFC 4034 6.3, duplicates dropped
    std::string records;
    for (const std::string* rd : order) {
        records += owner;
        put_u16(records, type);
        put_u16(records, dns::rrclass::IN);
        put_u32(records, ttl);
        put_u16(records, static_cast<uint16_t>(rd->size()));
        records += *rd;
    }
    std::vector<std::string> out;
    for (const SigningKey* key : signers_of(type)) {
        std::string rdata;
        put_u16(rdata, type);
        rdata.push_back(static_cast<char>(key->algorithm));
        rdata.push_back(static_cast<char>(labels));
        put_u32(rdata, ttl);
        put_u32(rdata, expiration_);
        put_u32(rdata, inception_);
        put_u16(rdata, key->tag);
        rdata += apex_;
        auto sig = sign_bytes(*key, rdata + records, ctx);
        if (!sig) return sig.error();
        out.push_back(rdata + *sig);
    }
    return out;
}

namespace {

class Signer {
public:
    Signer(zone::ZoneSource& zone, const std::vector<SigningKey>& keys, const SignOptions& o)
        : zone_(zone),
          keys_(keys),
          o_(o),
          apex_(zone.origin.lowered().bytes()),
          now_(o.now != 0 ? o.now : static_cast<int64_t>(std::time(nullptr))),
          signer_(zone.origin, keys, now_, o.inception, o.expiration) {}

    Result<SignReport> run() {
        strip_and_publish_keys();
        auto groups = group();
        find_cuts(groups);
        if (o_.nsec3) {
            add_nsec3_chain(groups);
        } else {
            add_nsec_chain(groups);
        }
        groups = group();  // the NSEC records joined the zone (no cut moved: they are not NS)
        std::vector<const RRsetToSign*> work;
        for (const auto& [key, g] : groups) {
            if (signed_rrset(key)) work.push_back(&g);
        }
        report_.oldest = o_.expiration;
        auto sigs = sign_all(work);
        if (!sigs) return sigs.error();
        auto policy = sign_policy_members(groups);  // before the RRSIGs join the records groups points into
        if (!policy) return policy.error();
        report_.rrsets = work.size();
        report_.signatures = sigs->size() - report_.reused + *policy;
        for (auto& r : *sigs) zone_.records.push_back(std::move(r));
        return report_;
    }

private:
    using Key = std::pair<std::string, uint16_t>;  // canonical owner, type

    void strip_and_publish_keys() {
        auto& recs = zone_.records;
        recs.erase(std::remove_if(recs.begin(), recs.end(),
                                  [](const zone::Record& r) { return is_dnssec_type(r.type); }),
                   recs.end());
        uint32_t ttl = 3600;
        for (const auto& r : recs) {
            if (r.type == dns::type::SOA && r.owner == zone_.origin) {
                ttl = r.ttl;
                soa_minimum_ = std::min(r.ttl, dns::load_u32(reinterpret_cast<const uint8_t*>(r.rdata.data()) +
                                                             r.rdata.size() - 4));
            }
        }
        for (const SigningKey& k : keys_) {
            if (!k.published(now_)) continue;  // before its Publish time, or past its Delete
            const bool present = std::any_of(recs.begin(), recs.end(), [&](const zone::Record& r) {
                return r.type == dns::type::DNSKEY && r.owner == zone_.origin && r.rdata == k.dnskey_rdata;
            });
            if (present) continue;
            zone::Record r;
            r.owner = zone_.origin;
            r.type = dns::type::DNSKEY;
            r.ttl = ttl;
            r.rdata = k.dnskey_rdata;
            recs.push_back(std::move(r));
        }
        publish_cds(ttl);
    }

    // RFC 7344 / RFC 8078: the DS the parent should hold, as CDS (SHA-256 digest) and
    // CDNSKEY, for every active KSK (every active key when there are only CSKs), so that
    // a parent or registrar that scans for them can take them in.
    void publish_cds(uint32_t ttl) {
        const bool any_ksk = std::any_of(keys_.begin(), keys_.end(),
                                         [this](const SigningKey& k) { return k.ksk() && k.active(now_); });
        for (const SigningKey& k : keys_) {
            if ((any_ksk && !k.ksk()) || !k.active(now_)) continue;
            const std::string cds = ds_rdata(zone_.origin, k.dnskey_rdata);
            for (const auto& [type, rdata] :
                 {std::pair{dns::type::CDS, cds}, std::pair{dns::type::CDNSKEY, k.dnskey_rdata}}) {
                zone::Record r;
                r.owner = zone_.origin;
                r.type = type;
                r.ttl = ttl;
                r.rdata = rdata;
                zone_.records.push_back(std::move(r));
            }
        }
    }

    std::map<Key, RRsetToSign> group() const {
        std::map<Key, RRsetToSign> g;
        for (const auto& r : zone_.records) {
            auto& set = g[{r.owner.lowered().bytes(), r.type}];
            if (set.first == nullptr) set.first = &r;
            set.rdatas.push_back(&r.rdata);
        }
        return g;
    }

    static std::string parent_of(const std::string& name) { return name.substr(static_cast<uint8_t>(name[0]) + 1u); }

    // Delegations (NS below the apex) and the names below them (glue): not signed.
    void find_cuts(const std::map<Key, RRsetToSign>& groups) {
        cuts_.clear();
        for (const auto& [key, g] : groups) {
            if (key.second == dns::type::NS && key.first != apex_) cuts_.insert(key.first);
        }
    }
    bool below_cut(const std::string& name) const {
        for (std::string n = name; n.size() > apex_.size(); n = parent_of(n)) {
            if (n != name && cuts_.count(n)) return true;
        }
        return false;
    }
    bool signed_rrset(const Key& key) const {
        if (below_cut(key.first)) return false;
        if (cuts_.count(key.first)) return key.second == dns::type::DS || key.second == dns::type::NSEC;
        return true;
    }

    // The types at each authoritative name and delegation (routing-policy ones too).
    std::map<std::string, std::vector<uint16_t>> types_by_name(const std::map<Key, RRsetToSign>& groups) const {
        std::map<std::string, std::vector<uint16_t>> types;
        for (const auto& [key, g] : groups) {
            if (below_cut(key.first)) continue;
            types[key.first].push_back(key.second);
        }
        for (const auto& p : zone_.policies) {
            const std::string name = p.owner.lowered().bytes();
            if (!below_cut(name)) types[name].push_back(p.type);
        }
        return types;
    }

    // RFC 4034 4: one NSEC per authoritative name and delegation, in canonical order,
    // at the negative TTL (RFC 9077), with the types there, RRSIG and NSEC included.
    void add_nsec_chain(const std::map<Key, RRsetToSign>& groups) {
        auto types = types_by_name(groups);
        std::vector<std::string> names;
        names.reserve(types.size());
        for (auto& [name, t] : types) names.push_back(name);
        std::sort(names.begin(), names.end(), [](const std::string& a, const std::string& b) {
            return dns::canonical_compare_wire(reinterpret_cast<const uint8_t*>(a.data()),
                                               reinterpret_cast<const uint8_t*>(b.data())) < 0;
        });
        for (size_t i = 0; i < names.size(); ++i) {
            std::vector<uint16_t>& t = types[names[i]];
            t.push_back(dns::type::RRSIG);  // the NSEC itself is signed, at a cut too
            t.push_back(dns::type::NSEC);
            zone::Record r;
            r.owner = dns::Name::from_wire(reinterpret_cast<const uint8_t*>(names[i].data()), names[i].size());
            r.type = dns::type::NSEC;
            r.ttl = soa_minimum_;
            r.rdata = names[(i + 1) % names.size()];
            denial_at_[names[i]] = Denial{r.owner, r.type, r.rdata, t};
            zone::append_type_bitmap(r.rdata, t);
            zone_.records.push_back(std::move(r));
        }
        report_.nsec = names.size();
    }

    // RFC 5155 7.1: an NSEC3 per authoritative name, delegation (with opt-out, only those
    // with a DS) and empty non-terminal, in hash order, each with the types of its
    // original name, and the apex NSEC3PARAM that names the parameters.
    void add_nsec3_chain(const std::map<Key, RRsetToSign>& groups) {
        const Nsec3Options& p = *o_.nsec3;
        auto types = types_by_name(groups);
        if (p.opt_out) {
            for (const std::string& cut : cuts_) {
                const auto& t = types[cut];
                if (std::find(t.begin(), t.end(), dns::type::DS) == t.end()) types.erase(cut);
            }
        }
        std::vector<std::string> names;
        names.reserve(types.size());
        for (const auto& [name, t] : types) names.push_back(name);
        for (const std::string& name : names) {
            for (std::string n = name; n.size() > apex_.size(); n = parent_of(n)) types.try_emplace(parent_of(n));
        }
        std::vector<std::pair<std::string, std::vector<uint16_t>>> chain;  // hash, types
        std::map<std::string, std::string> originals;                      // hash: its name
        for (auto& [name, t] : types) {
            std::string hash(dns::kNsec3HashLen, '\0');
            dns::nsec3_hash(reinterpret_cast<const uint8_t*>(name.data()), name.size(),
                            reinterpret_cast<const uint8_t*>(p.salt.data()), p.salt.size(), p.iterations,
                            reinterpret_cast<uint8_t*>(hash.data()));
            // RRSIG where something of the name is signed: not at an unsigned delegation.
            const bool cut = cuts_.count(name) != 0;
            const bool has_ds = std::find(t.begin(), t.end(), dns::type::DS) != t.end();
            if (!t.empty() && (!cut || has_ds)) t.push_back(dns::type::RRSIG);
            if (name == apex_) t.push_back(dns::type::NSEC3PARAM);
            chain.emplace_back(std::move(hash), std::move(t));
            originals.emplace(chain.back().first, name);
        }
        std::sort(chain.begin(), chain.end());
        std::string head;
        head.push_back(static_cast<char>(dns::kNsec3AlgSha1));
        head.push_back(static_cast<char>(p.opt_out ? dns::kNsec3FlagOptOut : 0));
        put_u16(head, p.iterations);
        head.push_back(static_cast<char>(p.salt.size()));
        head += p.salt;
        for (size_t i = 0; i < chain.size(); ++i) {
            std::string label;
            append_base32hex(label, reinterpret_cast<const uint8_t*>(chain[i].first.data()), dns::kNsec3HashLen);
            zone::Record r;
            r.owner = dns::Name::from_wire(reinterpret_cast<const uint8_t*>(apex_.data()), apex_.size());
            r.owner.prepend_label(label);
            r.type = dns::type::NSEC3;
            r.ttl = soa_minimum_;
            r.rdata = head + static_cast<char>(dns::kNsec3HashLen) + chain[(i + 1) % chain.size()].first;
            denial_at_[originals[chain[i].first]] = Denial{r.owner, r.type, r.rdata, chain[i].second};
            zone::append_type_bitmap(r.rdata, chain[i].second);
            zone_.records.push_back(std::move(r));
        }
        zone::Record param;
        param.owner = zone_.origin;
        param.type = dns::type::NSEC3PARAM;
        param.ttl = 0;
        param.rdata = head;
        param.rdata[1] = 0;  // NSEC3PARAM's flags are zero (RFC 5155 4.1.2)
        zone_.records.push_back(std::move(param));
        report_.nsec = chain.size();
    }

    // Every answer a routing policy can give from one member is that member's RRset at
    // the policy's owner: each is signed here, so that the data plane only copies the
    // signature it picked. (A multivalue answer, several members at once, is signed as a
    // whole when its windows are drawn: PolicyTables::AnswerSigner.)
    Result<size_t> sign_policy_members(const std::map<Key, RRsetToSign>& groups) {
        std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
        size_t made = 0;
        std::map<Key, const zone::PolicyRRsetSource*> policies;  // alias targets under a policy
        for (const auto& p : zone_.policies) policies.emplace(Key{p.owner.lowered().bytes(), p.type}, &p);
        for (auto& p : zone_.policies) {
            if (below_cut(p.owner.lowered().bytes())) continue;
            for (auto& m : p.members) {
                if (m.alias || m.rdatas.empty()) continue;
                std::vector<const std::string*> rdatas;
                for (const std::string& rd : m.rdatas) rdatas.push_back(&rd);
                auto sigs = signer_.sign(p.owner, p.type, m.ttl, rdatas, ctx.get());
                if (!sigs) return sigs.error();
                made += sigs->size();
                m.signatures = std::move(*sigs);
            }
            auto aliases = sign_alias_answers(p, groups, policies, ctx.get());
            if (!aliases) return aliases.error();
            made += *aliases;
            auto nodata = sign_policy_nodata(p, ctx.get());
            if (!nodata) return nodata.error();
            made += *nodata;
        }
        return made;
    }

    // A policy may have no answer for some clients (geolocation or IP-based without a
    // default): NODATA for them, whose proof cannot be the name's NSEC, which lists the
    // type for everyone else. Its proof is the same NSEC (NSEC3) without the type, made
    // ahead: a flood of such queries signs nothing (zone::PolicyRRsetSource::nodata_denial).
    Result<size_t> sign_policy_nodata(zone::PolicyRRsetSource& p, EVP_MD_CTX* ctx) {
        p.nodata_signatures.clear();
        auto it = denial_at_.find(p.owner.lowered().bytes());
        if (it == denial_at_.end()) return size_t{0};  // opt-out left it out, or below a cut
        const Denial& d = it->second;
        std::vector<uint16_t> types;
        for (uint16_t t : d.types) {
            if (t != p.type) types.push_back(t);
        }
        p.nodata_denial.owner = d.owner;
        p.nodata_denial.type = d.type;
        p.nodata_denial.ttl = soa_minimum_;
        p.nodata_denial.rdata = d.head;
        zone::append_type_bitmap(p.nodata_denial.rdata, types);
        auto sigs = signer_.sign(d.owner, d.type, soa_minimum_, {&p.nodata_denial.rdata}, ctx);
        if (!sigs) return sigs.error();
        p.nodata_signatures = std::move(*sigs);
        return p.nodata_signatures.size();
    }

    // The answers `routed` gives with another RRset's data: an alias member's target in
    // this zone (a static RRset, or each answer of the policy there, down the chain),
    // signed at `routed`'s owner (zone::AliasAnswerSource). A target in another zone
    // cannot be signed with this zone's data: a warning, and those answers go unsigned.
    Result<size_t> sign_alias_answers(zone::PolicyRRsetSource& routed, const std::map<Key, RRsetToSign>& groups,
                                      const std::map<Key, const zone::PolicyRRsetSource*>& policies, EVP_MD_CTX* ctx) {
        routed.alias_answers.clear();
        std::set<std::pair<uint32_t, uint16_t>> seen;
        size_t made = 0;
        std::optional<Error> failed;
        std::function<void(const zone::PolicyRRsetSource&, unsigned)> visit = [&](const zone::PolicyRRsetSource& p,
                                                                                  unsigned depth) {
            for (size_t i = 0; i < p.members.size() && !failed; ++i) {
                const zone::PolicyMemberSource& m = p.members[i];
                const auto key = std::make_pair(p.policy, static_cast<uint16_t>(i));
                std::vector<const std::string*> rdatas;
                uint32_t ttl = m.ttl;
                const Key target{m.alias ? m.alias_target.lowered().bytes() : std::string(), p.type};
                if (!m.alias) {
                    if (&p == &routed) continue;  // its own member: signed above
                    for (const std::string& rd : m.rdatas) rdatas.push_back(&rd);
                } else if (auto next = policies.find(target); next != policies.end()) {
                    if (next->second->multivalue) {
                        // Its windows are signed for its own name only, as they are drawn.
                        zone_.warnings.push_back(Error{zone_.files.empty() ? "" : zone_.files[0], 0,
                                                       routed.owner.to_text() +
                                                           ": alias to the multivalue record "
                                                           "sets of " +
                                                           m.alias_target.to_text() +
                                                           ": those answers here go unsigned (bogus to a validating "
                                                           "resolver); query the multivalue name itself, or use a "
                                                           "CNAME to it"});
                        continue;
                    }
                    if (depth < kMaxAliasDepth) visit(*next->second, depth + 1);
                    continue;
                } else if (!m.alias_target.is_subdomain_of(zone_.origin)) {
                    zone_.warnings.push_back(Error{zone_.files.empty() ? "" : zone_.files[0], 0,
                                                   routed.owner.to_text() + ": alias target " +
                                                       m.alias_target.to_text() +
                                                       " is in another zone; its answers here go unsigned"});
                    continue;
                } else if (auto set = groups.find(target); set != groups.end()) {
                    rdatas = set->second.rdatas;  // the static RRset, signed as sign_all() signs it
                    ttl = set->second.first->ttl;
                }
                if (rdatas.empty() || !seen.insert(key).second) continue;
                auto sigs = signer_.sign(routed.owner, routed.type, ttl, rdatas, ctx);
                if (!sigs) {
                    failed = sigs.error();
                    return;
                }
                made += sigs->size();
                routed.alias_answers.push_back(zone::AliasAnswerSource{key.first, key.second, ttl, std::move(*sigs)});
            }
        };
        visit(routed, 0);
        if (failed) return *failed;
        return made;
    }

    // The previous image's RRSIGs over this very RRset (SignOptions::previous), one by
    // each key that signs it, or nothing. `oldest`: lowered to the earliest expiration.
    std::optional<std::vector<std::string>> reusable(const RRsetToSign& set, uint32_t& oldest) const {
        const zone::ZoneImage* img = o_.previous;
        if (img == nullptr) return std::nullopt;
        const zone::Record& r = *set.first;
        const std::string owner = r.owner.lowered().bytes();
        const auto* wire = reinterpret_cast<const uint8_t*>(owner.data());
        const zone::Node* node = img->find(wire, owner.size(), dns::hash_name(wire));
        const zone::RRsetRef* ref = node != nullptr ? img->find_type(node, r.type) : nullptr;
        if (ref == nullptr || (ref->flags & zone::kRRsetPolicy)) return std::nullopt;
        const zone::RRset* old = img->rrset_at(ref->rrset);
        std::vector<const std::string*> order = set.rdatas;
        zone::canonical_rdata_order(order);  // as the compiler laid them out
        if (old->ttl != r.ttl || old->signatures == 0 || old->count != order.size()) return std::nullopt;
        const uint8_t* p = old->rdata();
        for (const std::string* rd : order) {
            const uint16_t len = dns::load_u16(p);
            if (len != rd->size() || std::memcmp(p + 2, rd->data(), len) != 0) return std::nullopt;
            p += 2 + len;
        }
        const zone::RRset* sigs = img->rrset_at(old->signatures);
        std::vector<std::string> out;
        uint32_t earliest = oldest;
        for (const SigningKey* k : signer_.signers_of(r.type)) {
            const uint8_t* s = sigs->rdata();
            bool found = false;
            for (uint16_t i = 0; i < sigs->count && !found; ++i, s += 2 + dns::load_u16(s)) {
                const uint8_t* rd = s + 2;
                const uint32_t expiration = dns::load_u32(rd + 8);
                if (dns::load_u16(s) < 18 || dns::load_u16(rd) != r.type || rd[2] != k->algorithm ||
                    dns::load_u16(rd + 16) != k->tag || expiration <= o_.reuse_after)
                    continue;
                out.emplace_back(reinterpret_cast<const char*>(rd), dns::load_u16(s));
                earliest = std::min(earliest, expiration);
                found = true;
            }
            if (!found) return std::nullopt;
        }
        oldest = earliest;
        return out;
    }

    // The RRsets split over threads (signing is the cost; each thread its own context).
    Result<std::vector<zone::Record>> sign_all(const std::vector<const RRsetToSign*>& work) {
        unsigned n = o_.threads != 0 ? o_.threads : std::max(1u, std::thread::hardware_concurrency());
        n = static_cast<unsigned>(std::min<size_t>(n, std::max<size_t>(1, work.size() / 64)));
        std::vector<std::vector<zone::Record>> out(n);
        std::vector<std::optional<Error>> errors(n);
        std::vector<size_t> reused(n, 0);
        std::vector<uint32_t> oldest(n, o_.expiration);
        std::vector<std::thread> threads;
        for (unsigned t = 0; t < n; ++t) {
            threads.emplace_back([&, t] {
                std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
                for (size_t i = t; i < work.size() && !errors[t]; i += n) {
                    const zone::Record& first = *work[i]->first;
                    auto kept = reusable(*work[i], oldest[t]);
                    if (kept) reused[t] += kept->size();
                    auto sigs = kept ? Result<std::vector<std::string>>(std::move(*kept))
                                     : signer_.sign(first.owner, first.type, first.ttl, work[i]->rdatas, ctx.get());
                    if (!sigs) {
                        errors[t] = sigs.error();
                        break;
                    }
                    for (std::string& sig : *sigs) {
                        zone::Record r;
                        r.owner = first.owner;
                        r.type = dns::type::RRSIG;
                        r.ttl = first.ttl;
                        r.rdata = std::move(sig);
                        out[t].push_back(std::move(r));
                    }
                }
            });
        }
        for (auto& th : threads) th.join();
        std::vector<zone::Record> all;
        for (unsigned t = 0; t < n; ++t) {
            if (errors[t]) return *errors[t];
            for (auto& r : out[t]) all.push_back(std::move(r));
            report_.reused += reused[t];
            report_.oldest = std::min(report_.oldest, oldest[t]);
        }
        return all;
    }

    // Aliases to aliases followed at most this deep (the policy set bounds chains).
    static constexpr unsigned kMaxAliasDepth = 16;

    zone::ZoneSource& zone_;
    const std::vector<SigningKey>& keys_;
    SignOptions o_;
    std::string apex_;
    int64_t now_;  // which keys are published and active (SigningKey::published, active)
    RRsetSigner signer_;
    // Each NSEC or NSEC3 of the chain by its original name: its owner, its rdata before
    // the type bitmap, and the types of the bitmap.
    struct Denial {
        dns::Name owner;
        uint16_t type = 0;
        std::string head;
        std::vector<uint16_t> types;
    };
    std::map<std::string, Denial> denial_at_;
    uint32_t soa_minimum_ = 3600;
    std::set<std::string> cuts_;
    SignReport report_;
};

}  // namespace

Result<SignReport> sign_zone(zone::ZoneSource& zone, const std::vector<SigningKey>& keys, const SignOptions& options) {
    const int64_t now = options.now != 0 ? options.now : static_cast<int64_t>(std::time(nullptr));
    if (std::none_of(keys.begin(), keys.end(), [now](const SigningKey& k) { return k.active(now); })) {
        return Error{keys.empty() ? (zone.files.empty() ? "" : zone.files[0]) : keys[0].file, 0,
                     "no key of " + zone.origin.to_text() + " is active now (Activate, Inactive, Delete times)"};
    }
    return Signer(zone, keys, options).run();
}

}  // namespace fz::dnssec
