// Builds a Snapshot from a configuration: parse every zone and the Route 53 inputs,
// merge record sets into their zones, check, compile, compile the policy tables.
#include "loader/loader.h"

#include <algorithm>
#include <chrono>
#include <ctime>
#include <map>
#include <unordered_set>

#include <sys/stat.h>

#include "change/zone_keys.h"
#include "common/log.h"
#include "dns/name_hash.h"
#include "dnssec/keys.h"
#include "dnssec/signer.h"
#include "policy/cidr.h"
#include "policy/geoip.h"
#include "policy/health_check.h"
#include "policy/latency.h"
#include "policy/policy_set.h"
#include "policy/record_set.h"
#include "zone/check.h"
#include "zone/compiler.h"
#include "zone/master_parser.h"
#include "zone/rdata_text.h"

namespace fz::loader {
namespace {

double ms_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

std::string rrset_key(const dns::Name& name, uint16_t type) {
    std::string k = name.lowered().bytes();
    k.push_back(static_cast<char>(type >> 8));
    k.push_back(static_cast<char>(type));
    return k;
}

// The zone (index into `zones`) whose origin is the longest suffix of `name`.
// The zone a name falls in (the deepest origin at or above it), found by hash lookups of
// the name's ancestors: a linear search of every zone for every record set made a server
// joining a fleet of 10k zones and 1M record sets spend most of its start-up here. Of two
// zones with one origin, the first.
class ZoneIndex {
public:
    explicit ZoneIndex(const std::vector<zone::ZoneSource>& zones) {
        for (size_t i = 0; i < zones.size(); ++i) by_origin_.emplace(zones[i].origin.lowered().bytes(), i);
    }
    int find(const dns::Name& name) const {
        const std::string wire = name.lowered().bytes();
        for (size_t at = 0; at < wire.size();) {
            auto it = by_origin_.find(wire.substr(at));
            if (it != by_origin_.end()) return static_cast<int>(it->second);
            const size_t len = static_cast<uint8_t>(wire[at]);
            if (len == 0) break;
            at += 1 + len;
        }
        return -1;
    }

private:
    std::unordered_map<std::string, size_t> by_origin_;
};

bool served_from_store(const StoredInputs& stored, const dns::Name& origin) {
    return std::any_of(stored.zones.begin(), stored.zones.end(), [&](const auto& z) { return z->origin == origin; });
}

// The API's health checks after the file's: one set, children resolved by Id.
Status add_health_checks(policy::HealthCheckSet& set, const std::vector<policy::HealthCheck>& more) {
    if (more.empty()) return Ok{};
    if (set.file.empty()) set.file = "store: health checks";
    for (const auto& hc : more) {
        if (set.find(hc.id) >= 0) return Error{set.file, 0, "health check " + hc.id + " is defined twice"};
        set.index_of_id[hc.id] = static_cast<uint32_t>(set.checks.size());
        set.checks.push_back(hc);
    }
    for (auto& hc : set.checks) {
        hc.children.clear();
        for (const std::string& child : hc.child_ids) {
            int64_t i = set.find(child);
            if (i < 0) return Error{set.file, hc.line, "health check " + hc.id + ": no child health check " + child};
            hc.children.push_back(static_cast<uint32_t>(i));
        }
    }
    return Ok{};
}

uint16_t file_id(zone::ZoneSource& z, const std::string& file) {
    for (size_t i = 0; i < z.files.size(); ++i) {
        if (z.files[i] == file) return static_cast<uint16_t>(i);
    }
    z.files.push_back(file);
    return static_cast<uint16_t>(z.files.size() - 1);
}

// Record-set values are presentation format: the zone parser's rdata reader turns them
// into wire rdata, with errors naming the record set.
Result<std::string> value_rdata(const policy::RecordSet& rs, const std::string& file, const std::string& value,
                                const dns::Name& origin) {
    auto rd = zone::rdata_from_text(rs.type, value, origin);
    if (!rd) return Error{file, rs.line, rs.describe() + ": bad value '" + value + "': " + rd.error().message};
    return std::move(rd.value());
}

// A simple record set's values as records of the zone that holds its name.
Status add_simple(std::vector<zone::ZoneSource>& zones, const ZoneIndex& index, const policy::RecordSet& rs,
                  const std::string& file) {
    int zi = index.find(rs.name);
    if (zi < 0) return Error{file, rs.line, rs.describe() + ": not inside any zone served"};
    zone::ZoneSource& z = zones[static_cast<size_t>(zi)];
    uint16_t fid = file_id(z, file);
    for (const std::string& v : rs.values) {
        auto rd = value_rdata(rs, file, v, z.origin);
        if (!rd) return rd.error();
        zone::Record r;
        r.owner = rs.name;
        r.type = rs.type;
        r.ttl = rs.ttl;
        r.rdata = std::move(rd.value());
        r.line = rs.line;
        r.file_id = fid;
        z.records.push_back(std::move(r));
    }
    return Ok{};
}

// Whether `image` holds an RRset of `type` at `name`.
bool image_has(const zone::ZoneImage& image, const dns::Name& name, uint16_t type) {
    const dns::Name lower = name.lowered();
    const zone::Node* n = image.find(lower.data(), lower.size(), dns::hash_name(lower.data()));
    return n != nullptr && image.find_type(n, type) != nullptr;
}

// Everything Route 53-shaped: record sets, health checks, CIDR collections, GeoIP,
// latency. Merges simple record sets into `zones` and adds one policy RRset per policy.
// Alias targets may also lie in `reused`, the images taken from the previous build.
Result<std::shared_ptr<policy::PolicyTables>> load_policies(
    const Config& config, const StoredInputs& stored, std::vector<zone::ZoneSource>& zones,
    const std::vector<std::shared_ptr<const zone::ZoneImage>>& reused) {
    bool any = !config.health_checks.empty() || !stored.zones.empty() || !stored.health_checks.empty();
    for (const auto& zc : config.zones) any |= !zc.record_sets.empty();
    if (!any) return std::shared_ptr<policy::PolicyTables>();
    const ZoneIndex index(zones);

    policy::PolicyInputs in;
    for (size_t i = 0; i < config.zones.size(); ++i) {
        const ZoneConfig& zc = config.zones[i];
        if (served_from_store(stored, zc.origin)) continue;
        in.zones.push_back(policy::ZoneInfo{zc.origin, zc.hosted_zone_id});
        if (zc.record_sets.empty()) continue;
        auto f = policy::parse_record_sets_file(zc.record_sets, zc.origin);
        if (!f) return f.error();
        in.record_sets.push_back(std::move(f.value()));
    }
    // A stored zone is all record sets. The simple ones become its records here, without
    // the policy layer's copies: the registry already holds each (name, type) once, and a
    // 1M-record zone would otherwise be copied twice more per build. The rest are routed.
    for (const auto& z : stored.zones) {
        in.zones.push_back(policy::ZoneInfo{z->origin, z->id});
        policy::RecordSetFile routed{store_file(*z), z->origin, {}};
        for (const policy::RecordSet& rs : z->record_sets) {
            if (!rs.is_simple()) {
                routed.record_sets.push_back(rs);
                continue;
            }
            auto added = add_simple(zones, index, rs, routed.file);
            if (!added) return added.error();
        }
        if (!routed.record_sets.empty()) in.record_sets.push_back(std::move(routed));
    }
    if (!config.health_checks.empty()) {
        auto h = policy::parse_health_checks_file(config.health_checks);
        if (!h) return h.error();
        in.health_checks = std::move(h.value());
    }
    auto merged = add_health_checks(in.health_checks, stored.health_checks);
    if (!merged) return merged.error();
    if (!config.cidr_collections.empty()) {
        auto c = policy::parse_cidr_collections_file(config.cidr_collections);
        if (!c) return c.error();
        in.cidr_collections = std::move(c.value());
    }
    if (!config.geoip.empty()) {
        auto g = policy::load_geoip(config.geoip);
        if (!g) return g.error();
        in.geo = std::move(g.value());
    }
    if (!config.latency.empty()) {
        policy::LatencyOptions lo;
        lo.default_order = config.latency_default_order;
        auto l = policy::load_latency_file(config.latency, lo);
        if (!l) return l.error();
        in.latency = std::move(l.value());
    }
    // Alias targets may be zone-file RRsets (or simple record sets, which the policy layer
    // sees itself); only with routed record sets: for a large zone without any, the set
    // costs more than the rest of the build.
    std::unordered_set<std::string> present;
    for (const auto& z : zones) {
        if (in.record_sets.empty()) break;
        for (const auto& r : z.records) present.insert(rrset_key(r.owner, r.type));
    }
    in.zone_has_rrset = [&present, &reused](const dns::Name& name, uint16_t type) {
        if (present.count(rrset_key(name, type)) != 0) return true;
        return std::any_of(reused.begin(), reused.end(),
                           [&](const auto& image) { return image_has(*image, name, type); });
    };
    auto set = policy::build_policy_set(std::move(in));
    if (!set) return set.error();
    // A name and type is served from the zone file or by a routing policy, never both.
    for (const policy::Policy& p : (*set)->policies) {
        if (present.count(rrset_key(p.name, p.type)) == 0) continue;
        uint32_t line = p.members.empty() ? 0 : p.members.front().record.line;
        std::string what = p.name.to_text() + " " + policy::type_name(p.type);
        return Error{p.file, line,
                     what + ": the zone file also has " + policy::type_name(p.type) +
                         " records at this name; serve it from the zone file or by a routing policy, "
                         "not both"};
    }

    for (const auto& simple : (*set)->simple) {
        auto added = add_simple(zones, index, simple.record, simple.file);
        if (!added) return added.error();
    }
    // Merged: the snapshot keeps the set, and needs no second copy of these.
    (*set)->simple.clear();
    (*set)->simple.shrink_to_fit();
    for (uint32_t id = 0; id < (*set)->policies.size(); ++id) {
        const policy::Policy& p = (*set)->policies[id];
        int zi = index.find(p.name);
        if (zi < 0) return Error{p.file, 0, p.describe() + ": not inside any zone served"};
        zone::ZoneSource& z = zones[static_cast<size_t>(zi)];
        zone::PolicyRRsetSource src;
        src.owner = p.name;
        src.type = p.type;
        src.policy = id;
        src.multivalue = p.kind == policy::RoutingKind::kMultiValue;
        for (const policy::PolicyMember& m : p.members) {
            zone::PolicyMemberSource ms;
            if (m.record.alias()) {
                ms.alias = true;
                ms.alias_target = m.record.alias()->dns_name;
            } else {
                ms.ttl = m.record.ttl;
                for (const std::string& v : m.record.values) {
                    auto rd = value_rdata(m.record, p.file, v, z.origin);
                    if (!rd) return rd.error();
                    ms.rdatas.push_back(std::move(rd.value()));
                }
            }
            src.members.push_back(std::move(ms));
        }
        z.policies.push_back(std::move(src));
    }
    return std::shared_ptr<policy::PolicyTables>(policy::PolicyTables::create(set.value()));
}

// check_zone() over the zone's records plus one stand-in record per policy RRset, so
// that the zone rules (CNAME exclusivity, occlusion...) see routed names too.
Status check_with_policies(zone::ZoneSource& z, const policy::PolicyTables* tables, std::vector<Error>* warnings) {
    size_t base = z.records.size();
    for (const auto& p : z.policies) {
        zone::Record r;
        r.owner = p.owner;
        r.type = p.type;
        for (const auto& m : p.members) {
            if (!m.rdatas.empty()) {
                r.rdata = m.rdatas.front();
                r.ttl = m.ttl;
                break;
            }
        }
        if (tables != nullptr) {
            const policy::Policy& pol = tables->set().policies[p.policy];
            r.file_id = file_id(z, pol.file);
            if (!pol.members.empty()) r.line = pol.members.front().record.line;
        }
        z.records.push_back(std::move(r));
    }
    auto st = zone::check_zone(z, warnings);
    z.records.resize(base);
    return st;
}

}  // namespace

std::string store_file(const change::ZoneContent& zone) { return "store:" + zone.origin.to_text(); }

std::optional<FileIdentity> file_identity(const std::string& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) return std::nullopt;
    return FileIdentity{static_cast<uint64_t>(st.st_dev), static_cast<uint64_t>(st.st_ino),
                        static_cast<int64_t>(st.st_size),
                        static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec};
}

namespace {

// Whether another zone served is above or below `origin` (its record sets or policies
// could then land in this zone's image).
bool nested_with_another(const Config& config, const StoredInputs& stored, const dns::Name& origin) {
    auto related = [&](const dns::Name& other) {
        return !(other == origin) && (other.is_subdomain_of(origin) || origin.is_subdomain_of(other));
    };
    return std::any_of(config.zones.begin(), config.zones.end(),
                       [&](const ZoneConfig& z) { return related(z.origin); }) ||
           std::any_of(stored.zones.begin(), stored.zones.end(), [&](const auto& z) { return related(z->origin); });
}

// The previous image of `zc`, when it can be taken again.
const CompiledFileZone* reusable_image(const Config& config, const StoredInputs& stored, const ZoneConfig& zc,
                                       const std::vector<CompiledFileZone>& reusable,
                                       const std::optional<FileIdentity>& identity) {
    // A zone fastzone signs is signed again: its keys or the clock may have moved.
    if (!identity || !zc.record_sets.empty() || zc.dnssec || nested_with_another(config, stored, zc.origin))
        return nullptr;
    for (const CompiledFileZone& c : reusable) {
        if (c.origin == zc.origin && c.file == zc.file && c.identity == *identity && c.oldest_signature == 0) return &c;
    }
    return nullptr;
}

const ZoneConfig* configured(const Config& config, const dns::Name& origin) {
    for (const ZoneConfig& z : config.zones) {
        if (z.origin == origin) return &z;
    }
    return nullptr;
}

// The last signed image of `origin`, whose signatures a new signing may keep.
const zone::ZoneImage* previous_signed(const std::vector<CompiledFileZone>& reusable, const dns::Name& origin) {
    for (const CompiledFileZone& c : reusable) {
        if (c.origin == origin && c.oldest_signature != 0) return c.image.get();
    }
    return nullptr;
}

}  // namespace

// Valid from an hour ago: clocks drift.
Result<SigningTimes> sign_zone(const DnssecConfig& d, zone::ZoneSource& src, LoadReport& rep, AnswerSigning* answers,
                               const zone::ZoneImage* previous, bool roll_keys) {
    const auto now = static_cast<uint32_t>(std::time(nullptr));
    auto keys = dnssec::load_keys(d.keys_dir, src.origin);
    if (!keys) return keys.error();
    int64_t roll_due = 0;
    if (roll_keys && d.zsk_lifetime != 0) {
        // A day to publish the successor first (less for a short lifetime), and the old key
        // kept published until its last signatures have expired.
        const int64_t prepublish = std::min<int64_t>(86400, d.zsk_lifetime / 4);
        dnssec::KeyFolder folder(d.keys_dir, src.origin);
        auto rolled = dnssec::roll_zsk_if_due(*keys, folder, src.origin, now, d.zsk_lifetime, prepublish,
                                              d.signature_validity + prepublish, &roll_due);
        if (!rolled) return rolled.error();
        if (*rolled) {
            log::info("ZSK rollover started", log::kv("zone", src.origin.to_text()) + " " +
                                                  log::kv("new_key", **rolled) + " " +
                                                  log::kv("signs_in_s", static_cast<long long>(prepublish)));
            keys = dnssec::load_keys(d.keys_dir, src.origin);  // with the successor and the new times
            if (!keys) return keys.error();
        }
    }
    return sign_with_keys(d, std::move(keys.value()), src, rep, answers, previous, roll_due);
}

Result<SigningTimes> sign_with_keys(const DnssecConfig& d, std::vector<dnssec::SigningKey> keys, zone::ZoneSource& src,
                                    LoadReport& rep, AnswerSigning* answers, const zone::ZoneImage* previous,
                                    int64_t roll_due) {
    const auto now = static_cast<uint32_t>(std::time(nullptr));
    auto t0 = std::chrono::steady_clock::now();
    const size_t warned = src.warnings.size();
    // Kept: what the next scheduled refresh (signature_refresh less up to a tenth before
    // the earliest expiration) would not have to sign again.
    const uint32_t reuse_after = now + d.signature_refresh + d.signature_refresh / 10;
    auto signed_ = dnssec::sign_zone(src, keys,
                                     dnssec::SignOptions{now - 3600, now + d.signature_validity, 0, d.nsec3, previous,
                                                         reuse_after});
    if (!signed_) return signed_.error();
    rep.sign_ms += ms_since(t0);
    rep.signatures += signed_->signatures;
    rep.signatures_kept += signed_->reused;
    rep.warnings.insert(rep.warnings.end(), src.warnings.begin() + static_cast<std::ptrdiff_t>(warned),
                        src.warnings.end());
    SigningTimes times{signed_->oldest, roll_due};
    for (const dnssec::SigningKey& k : keys) {
        const int64_t e = k.next_event(now);
        if (e != 0 && (times.next_key_event == 0 || e < times.next_key_event)) times.next_key_event = e;
    }
    if (answers != nullptr && !src.policies.empty()) answers->add(src, std::move(keys), d.signature_validity);
    return times;
}

Result<zone::ZoneSource> load_zone(const ZoneConfig& zc, std::vector<Error>* warnings) {
    auto src = zone::parse_zone_file(zc.file, zc.origin);
    if (!src) return src.error();
    if (warnings != nullptr) warnings->insert(warnings->end(), src->warnings.begin(), src->warnings.end());
    auto st = zone::check_zone(*src, warnings);
    if (!st) return st.error();
    return std::move(src.value());
}

engine::Options engine_options(const ServerConfig& server) {
    engine::Options o;
    o.udp_max_payload = server.sockets.udp_max_payload;
    o.identity = server.identity;
    o.version = server.version;
    o.nsid = server.nsid;
    return o;
}

Result<std::unique_ptr<engine::Snapshot>> build_snapshot(const Config& config, LoadReport* report) {
    return build_snapshot(config, StoredInputs{}, report);
}

Result<std::unique_ptr<engine::Snapshot>> build_snapshot(const Config& config, const StoredInputs& stored,
                                                         LoadReport* report,
                                                         const std::vector<CompiledFileZone>& reusable) {
    auto snap = std::make_unique<engine::Snapshot>();
    snap->options = engine_options(config.server);
    LoadReport local;
    LoadReport& rep = report != nullptr ? *report : local;

    auto t0 = std::chrono::steady_clock::now();
    std::vector<zone::ZoneSource> sources;
    // Per source: the file zone it is (for LoadReport::file_zones) and its record count
    // as parsed (more after the merge: another zone's record sets landed in it).
    struct FromFile {
        const ZoneConfig* config = nullptr;
        std::optional<FileIdentity> identity;
        size_t parsed = 0;
    };
    std::vector<FromFile> from_file;
    std::vector<std::shared_ptr<const zone::ZoneImage>> reused;
    for (const ZoneConfig& zc : config.zones) {
        if (served_from_store(stored, zc.origin) || !zc.primaries.empty()) continue;  // secondaries: the store's
        // Before the parse: a file changed while it is read is not taken for the old one.
        const std::optional<FileIdentity> identity = file_identity(zc.file);
        if (const CompiledFileZone* prev = reusable_image(config, stored, zc, reusable, identity)) {
            reused.push_back(prev->image);
            rep.file_zones.push_back(*prev);
            continue;
        }
        auto src = zone::parse_zone_file(zc.file, zc.origin);
        if (!src) return src.error();
        rep.warnings.insert(rep.warnings.end(), src->warnings.begin(), src->warnings.end());
        from_file.push_back(FromFile{&zc, identity, src->records.size()});
        sources.push_back(std::move(src.value()));
    }
    for (const auto& z : stored.zones) {
        zone::ZoneSource src;
        src.origin = z->origin;
        src.files.push_back(store_file(*z));
        sources.push_back(std::move(src));
    }
    auto tables = load_policies(config, stored, sources, reused);
    if (!tables) return tables.error();
    snap->policies = std::move(tables.value());
    rep.parse_ms += ms_since(t0);

    auto answers = std::make_shared<AnswerSigning>();
    for (size_t i = 0; i < sources.size(); ++i) {
        zone::ZoneSource& src = sources[i];
        auto st = check_with_policies(src, snap->policies.get(), &rep.warnings);
        if (!st) return st.error();
        SigningTimes times;
        // A zone of the store is signed as its configuration says too (its changes come
        // through the API or UPDATE, and each signs what it touched).
        const ZoneConfig* zc = i < from_file.size() ? from_file[i].config : configured(config, src.origin);
        const change::ZoneContent* stored_zone = i < from_file.size() ? nullptr
                                                                      : stored.zones[i - from_file.size()].get();
        const zone::ZoneImage* previous = previous_signed(reusable, src.origin);
        if (zc != nullptr && zc->dnssec) {
            auto signed_ = sign_zone(*zc->dnssec, src, rep, answers.get(), previous, true);
            if (!signed_) return signed_.error();
            times = *signed_;
        } else if (stored_zone != nullptr && stored_zone->signing && stored_zone->signing->enabled) {
            // Signed through the API, with the store's keys (their rollovers are the
            // registry's: change::Registry::roll_zsks).
            auto keys = change::signing_keys(src.origin, *stored_zone->signing);
            if (!keys) return keys.error();
            auto signed_ = sign_with_keys(config.api_dnssec, std::move(keys.value()), src, rep, answers.get(), previous,
                                          0);
            if (!signed_) return signed_.error();
            times = *signed_;
        }
        auto t1 = std::chrono::steady_clock::now();
        auto image = zone::compile_zone(src);
        if (!image) return image.error();
        if (stored_zone != nullptr && stored.expired.count(src.origin.lowered().to_text()) != 0) {
            zone::mark_expired(**image);
        }
        if (times.oldest_signature != 0) {
            rep.file_zones.push_back(CompiledFileZone{src.origin,
                                                      zc != nullptr ? zc->file : store_file(*stored_zone),
                                                      {},
                                                      *image,
                                                      times.oldest_signature,
                                                      times.next_key_event});
        }
        rep.compile_ms += ms_since(t1);
        rep.records += src.records.size();
        rep.image_bytes += (*image)->size();
        ++rep.zones;
        if (i < from_file.size() && from_file[i].identity && from_file[i].config->record_sets.empty() &&
            src.policies.empty() && src.records.size() == from_file[i].parsed) {
            rep.file_zones.push_back(CompiledFileZone{src.origin, from_file[i].config->file, *from_file[i].identity,
                                                      *image});
        }
        snap->zones.push_back(std::move(image.value()));
    }
    if (!answers->empty() && snap->policies) {
        snap->policies->set_answer_signer([answers](uint32_t id, std::span<const uint16_t> members) {
            return answers->sign(id, members);
        });
    }
    for (auto& image : reused) {
        rep.records += image->header().record_count;
        rep.image_bytes += image->size();
        ++rep.zones;
        ++rep.reused;
        snap->zones.push_back(std::move(image));
    }
    auto st = snap->finish();
    if (!st) return st.error();
    return snap;
}

Result<change::ZoneContent> zone_content(const ZoneConfig& zc) {
    auto src = zone::parse_zone_file(zc.file, zc.origin);
    if (!src) return src.error();
    change::ZoneContent z;
    z.id = zc.hosted_zone_id;
    z.origin = zc.origin;
    z.from_file = true;
    // One record set per owner and type, values in presentation form.
    std::map<std::pair<std::string, uint16_t>, size_t> index;
    for (const zone::Record& r : src->records) {
        auto key = std::pair(r.owner.lowered().bytes(), r.type);
        auto [it, fresh] = index.emplace(key, z.record_sets.size());
        if (fresh) {
            policy::RecordSet rs;
            rs.name = r.owner;
            rs.type = r.type;
            rs.ttl = r.ttl;
            rs.line = r.line;
            z.record_sets.push_back(std::move(rs));
        }
        z.record_sets.mutable_at(it->second).values.push_back(zone::rdata_to_text(r.type, r.rdata));
    }
    if (!zc.record_sets.empty()) {
        auto f = policy::parse_record_sets_file(zc.record_sets, zc.origin);
        if (!f) return f.error();
        for (auto& rs : f->record_sets) z.record_sets.push_back(std::move(rs));
    }
    z.sort();
    return z;
}

}  // namespace fz::loader
