#include "loader/answer_signing.h"

#include <algorithm>
#include <ctime>

#include "common/log.h"
#include "dnssec/signer.h"
#include "zone/presentation.h"

namespace fz::loader {

void AnswerSigning::add(const zone::ZoneSource& zone, std::vector<dnssec::SigningKey> keys, uint32_t validity) {
    if (std::none_of(zone.policies.begin(), zone.policies.end(), [](const auto& p) { return p.multivalue; })) return;
    zones_.push_back(std::make_unique<Zone>(Zone{zone.origin, std::move(keys), validity}));
    for (const zone::PolicyRRsetSource& p : zone.policies) {
        if (!p.multivalue) continue;
        Routed r{zones_.size() - 1, p.owner, p.type, {}};
        for (const zone::PolicyMemberSource& m : p.members) r.members.push_back(Member{m.ttl, m.rdatas});
        policies_[p.policy] = std::move(r);
    }
}

policy::PolicyTables::Signed AnswerSigning::sign(uint32_t id, std::span<const uint16_t> members) const {
    auto it = policies_.find(id);
    if (it == policies_.end()) return {};
    const Routed& r = it->second;
    const Zone& z = *zones_[r.zone];
    std::vector<const std::string*> rdatas;
    uint32_t ttl = 0;
    for (uint16_t m : members) {
        if (m >= r.members.size()) return {};
        // The largest TTL as the original TTL: no record of the answer exceeds it.
        ttl = std::max(ttl, r.members[m].ttl);
        for (const std::string& rd : r.members[m].rdatas) rdatas.push_back(&rd);
    }
    const auto now = static_cast<uint32_t>(std::time(nullptr));
    const dnssec::RRsetSigner signer(z.origin, z.keys, now, now - 3600, now + z.validity);
    auto sigs = signer.sign(r.owner, r.type, ttl, rdatas);
    if (!sigs) {
        log::error("cannot sign a multivalue answer",
                   log::kv("owner", r.owner.to_text()) + " " + log::kv("error", sigs.error().message));
        return {};
    }
    policy::PolicyTables::Signed out;
    for (const std::string& sig : *sigs) {
        zone::put_u16(out.records, static_cast<uint16_t>(sig.size()));
        out.records += sig;
    }
    out.count = static_cast<uint8_t>(sigs->size());
    return out;
}

}  // namespace fz::loader
