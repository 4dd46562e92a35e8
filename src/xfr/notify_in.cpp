// Checking and answering a NOTIFY.
#include "xfr/notify_in.h"

#include <algorithm>
#include <cstring>

#include "dns/message_reader.h"
#include "dns/wire.h"

namespace fz::xfr {

size_t answer_notify(const TransferAccess& access,
                     const std::map<std::string, std::vector<change::AclRule>>& primary_rules,
                     const std::function<bool(const dns::Name&)>& is_secondary, const uint8_t* msg, size_t len,
                     const engine::Peer& peer, int64_t now, uint8_t* out, size_t cap, NotifyVerdict& verdict) {
    verdict = {};
    auto m = dns::read_message(msg, len);
    if (!m || m->header.has(dns::flag::QR) || m->questions.size() != 1) return 0;  // nothing sound to answer
    const dns::Name zone = m->questions.front().name.lowered();
    dns::TsigContext ctx;
    dns::TsigStatus tsig = dns::TsigStatus::kOk;
    size_t pos = 0;
    const dns::TsigPresence presence = dns::locate_tsig(msg, len, pos);
    if (presence == dns::TsigPresence::kMalformed) return 0;
    if (presence == dns::TsigPresence::kLast) {
        tsig = dns::tsig_verify_request(msg, len, pos, access.keys, now, ctx);
        if (tsig == dns::TsigStatus::kFormErr) return 0;
    }
    const dns::TsigKey* key = presence == dns::TsigPresence::kLast && tsig == dns::TsigStatus::kOk ? ctx.key : nullptr;
    verdict.zone = zone.to_text();
    auto rules = primary_rules.find(zone.bytes());
    if (presence == dns::TsigPresence::kLast && tsig != dns::TsigStatus::kOk) {
        verdict.reason = dns::tsig_status_name(tsig);
    } else if (!is_secondary(zone)) {
        verdict.reason = "not a zone we are a secondary of";
    } else if (!access.acl.allows(zone, change::kAclNotify, key, peer) &&
               (rules == primary_rules.end() ||
                std::none_of(rules->second.begin(), rules->second.end(), [&](const change::AclRule& r) {
                    return change::acl_rule_matches(r, change::kAclNotify, key, peer);
                }))) {
        verdict.reason = key != nullptr ? "denied (key " + key->name.to_text() + ")" : "denied (no TSIG key)";
    } else {
        verdict.accepted = true;
    }
    // The header and question echoed (RFC 1996 4.7); AA only when taken, RD copied, as
    // Knot DNS answers.
    size_t qend = dns::kHeaderSize;
    while (qend < len && msg[qend] != 0 && (msg[qend] & 0xc0) == 0) qend += 1u + msg[qend];
    qend += 5;
    if (qend > len || qend > cap) return 0;
    std::memcpy(out, msg, qend);
    const uint16_t rd = dns::load_u16(msg + 2) & dns::flag::RD;
    const uint16_t flags = verdict.accepted ? dns::flag::AA : dns::rcode::NOTAUTH;
    dns::store_u16(out + 2, static_cast<uint16_t>(dns::flag::QR | rd | (4u << 11) | flags));
    dns::store_u16(out + 4, 1);
    std::memset(out + 6, 0, 6);
    if (presence != dns::TsigPresence::kLast) return qend;
    const size_t n = dns::tsig_sign_response(out, qend, cap, ctx, now);
    return n != 0 ? n : qend;
}

}  // namespace fz::xfr
