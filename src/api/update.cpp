// The UPDATE processor: TSIG, ACL, zone checks, the plan submitted, the response written.
#include "api/update.h"

#include <algorithm>
#include <cstring>
#include <optional>
#include <utility>

#include "api/update_message.h"
#include "api/update_plan.h"
#include "common/log.h"
#include "dns/rrtype.h"
#include "dns/wire.h"

namespace fz::api {
namespace {

namespace rcode = dns::rcode;

}  // namespace

std::string peer_text(const UpdatePeer& peer) { return change::peer_text(peer.address, peer.transport); }

struct UpdateProcessor::Request {
    const uint8_t* msg;
    size_t len;
    const UpdatePeer& peer;
    uint8_t* out;
    size_t cap;
    int64_t now;
    UpdateReport report;
    Count* tally = nullptr;  // the counter the outcome adds to
    bool has_tsig = false;
    dns::TsigStatus tsig_status = dns::TsigStatus::kOk;
    dns::TsigContext tsig;
    UpdateMessage m;
    bool echo_zone = false;

    // The key the request verified with, or null.
    const dns::TsigKey* key() const { return has_tsig && tsig_status == dns::TsigStatus::kOk ? tsig.key : nullptr; }

    uint16_t done(uint16_t code, Count& counter, std::string reason = {}) {
        report.rcode = code;
        tally = &counter;
        if (!reason.empty()) report.reason = std::move(reason);
        return code;
    }
};

UpdateProcessor::UpdateProcessor(change::Service& service, const dns::TsigKeyring& keys, std::vector<AclRule> rules,
                                 UpdateOptions options)
    : service_(service), keys_(keys), acl_(std::move(rules), options.zone_acls) {}

size_t UpdateProcessor::process(const uint8_t* msg, size_t len, const UpdatePeer& peer, uint8_t* out, size_t cap,
                                int64_t now_s, UpdateReport* report) {
    std::lock_guard lock(mu_);
    Request rq{msg, len, peer, out, cap, now_s};
    ++counters_.received;
    const size_t n = handle(rq);
    finish(rq);
    if (report != nullptr) *report = std::move(rq.report);
    return n;
}

uint16_t UpdateProcessor::authorize(Request& rq, const change::ZoneSummary& zone) {
    if (!acl_.zone_has(zone.origin, change::kAclUpdate)) {
        return rq.done(rcode::REFUSED, counters_.refused_acl, "no ACL allows UPDATE of the zone");
    }
    if (acl_.allows(zone.origin, change::kAclUpdate, rq.key(), rq.peer.address)) return rcode::NOERROR;
    std::string reason = "denied by the zone's ACL (";
    reason += rq.key() != nullptr ? "key " + rq.key()->name.to_text() : std::string("no TSIG key");
    return rq.done(rcode::REFUSED, counters_.refused_acl, reason + ")");
}

uint16_t UpdateProcessor::apply(Request& rq, const change::ZoneSummary& zone) {
    if (zone.file_managed) {
        return rq.done(rcode::REFUSED, counters_.refused_zone,
                       "the zone is served from its zone file: import it into the store to change it");
    }
    const auto content = service_.zone(zone.id);
    if (content == nullptr) return rq.done(rcode::SERVFAIL, counters_.servfail, "the zone's content is gone");
    UpdatePlan plan = plan_update(*content, rq.m);
    if (plan.rcode != rcode::NOERROR) {
        Count& c = plan.prerequisite_failed       ? counters_.prereq_failed
                   : plan.rcode == rcode::FORMERR ? counters_.formerr
                   : plan.rcode == rcode::NOTZONE ? counters_.notzone
                   : plan.rcode == rcode::REFUSED ? counters_.refused_zone
                                                  : counters_.servfail;
        return rq.done(plan.rcode, c, std::move(plan.reason));
    }
    if (plan.batch.changes.empty()) return rq.done(rcode::NOERROR, counters_.unchanged);
    plan.batch.comment = "RFC 2136 UPDATE from " + peer_text(rq.peer);
    if (rq.key() != nullptr) plan.batch.comment += " key " + rq.key()->name.to_text();
    auto outcome = service_.submit(zone.id, plan.batch);
    if (outcome.ok()) {
        rq.report.change_id = outcome->id;
        return rq.done(rcode::NOERROR, counters_.applied);
    }
    const auto& e = outcome.error();
    std::string reason = e.code + ": " + e.message;
    for (const auto& m : e.messages) reason += "; " + m;
    // A batch Route 53's rules refuse (a value it does not take, CNAME beside other
    // data): the server will not make the change, as BIND and Knot refuse what their zone
    // checks reject. A store that could not write is the server's failure.
    if (e.code == "InvalidChangeBatch" || e.code == "InvalidInput") {
        return rq.done(rcode::REFUSED, counters_.refused_zone, std::move(reason));
    }
    if (e.code == "NoSuchHostedZone") return rq.done(rcode::NOTAUTH, counters_.notauth, std::move(reason));
    return rq.done(rcode::SERVFAIL, counters_.servfail, std::move(reason));
}

size_t UpdateProcessor::handle(Request& rq) {
    // Shorter than a header, or a response: nothing to answer (a reply to a reply could loop).
    if (rq.len < dns::kHeaderSize || (dns::load_u16(rq.msg + 2) & dns::flag::QR) != 0) {
        rq.tally = &counters_.dropped;
        return 0;
    }
    rq.report.rcode = check(rq);
    return respond(rq);
}

uint16_t UpdateProcessor::check(Request& rq) {
    size_t tsig_pos = rq.len;
    const auto presence = dns::locate_tsig(rq.msg, rq.len, tsig_pos);
    if (presence == dns::TsigPresence::kMalformed) {
        return rq.done(rcode::FORMERR, counters_.formerr, "malformed records or a misplaced TSIG");
    }
    if (presence == dns::TsigPresence::kLast) {
        rq.has_tsig = true;
        rq.tsig_status = dns::tsig_verify_request(rq.msg, rq.len, tsig_pos, keys_, rq.now, rq.tsig);
        rq.report.tsig_error = rq.tsig.error;
    }
    const bool parsed = read_update(rq.msg, tsig_pos, rq.has_tsig, rq.m);
    rq.echo_zone = rq.m.has_zone;
    if (rq.m.has_zone) rq.report.zone = rq.m.zone.to_text();
    if (rq.has_tsig && rq.tsig_status != dns::TsigStatus::kOk) {
        // RFC 8945 5.2: NOTAUTH with the TSIG error, as BIND and Knot answer.
        Count& c = rq.tsig_status == dns::TsigStatus::kBadKey    ? counters_.tsig_badkey
                   : rq.tsig_status == dns::TsigStatus::kBadTime ? counters_.tsig_badtime
                   : rq.tsig_status == dns::TsigStatus::kFormErr ? counters_.formerr
                                                                 : counters_.tsig_badsig;
        const uint16_t rc = rq.tsig_status == dns::TsigStatus::kFormErr ? rcode::FORMERR : rcode::NOTAUTH;
        return rq.done(rc, c, std::string("TSIG ") + dns::tsig_status_name(rq.tsig_status));
    }
    if ((dns::load_u16(rq.msg + 2) & dns::flag::OPCODE_MASK) != dns::opcode::UPDATE << 11) {
        return rq.done(rcode::NOTIMP, counters_.notimp, "not an UPDATE");
    }
    if (!parsed) return rq.done(rcode::FORMERR, counters_.formerr, "malformed message");
    // RFC 2136 3.1.1: one zone entry, of type SOA.
    if (rq.m.zone_count != 1 || rq.m.zone_type != dns::type::SOA) {
        return rq.done(rcode::FORMERR, counters_.formerr, "the zone section is not one SOA entry");
    }
    std::optional<change::ZoneSummary> zone;
    if (rq.m.zone_class == dns::rrclass::IN) {
        for (auto& z : service_.zones()) {
            if (z.origin.equals(rq.m.zone)) zone = std::move(z);
        }
    }
    if (!zone) return rq.done(rcode::NOTAUTH, counters_.notauth, "not a zone this server serves");
    const uint16_t code = authorize(rq, *zone);
    return code == rcode::NOERROR ? apply(rq, *zone) : code;
}

size_t UpdateProcessor::respond(Request& rq) {
    if (rq.cap < dns::kHeaderSize) {
        rq.tally = &counters_.dropped;
        return 0;
    }
    uint8_t* o = rq.out;
    std::memcpy(o, rq.msg, 2);  // the ID
    const uint16_t opcode = dns::load_u16(rq.msg + 2) & dns::flag::OPCODE_MASK;
    dns::store_u16(o + 2, static_cast<uint16_t>(dns::flag::QR | opcode | (rq.report.rcode & dns::flag::RCODE_MASK)));
    std::memset(o + 4, 0, 8);
    size_t n = dns::kHeaderSize;
    const dns::Name& z = rq.m.zone;
    if (rq.echo_zone && n + z.size() + 4 <= rq.cap) {  // the zone section, echoed (RFC 2136 3.8)
        std::memcpy(o + n, z.data(), z.size());
        n += z.size();
        dns::store_u16(o + n, rq.m.zone_type);
        dns::store_u16(o + n + 2, rq.m.zone_class);
        n += 4;
        dns::store_u16(o + 4, 1);
    }
    if (rq.m.has_opt && n + 11 <= rq.cap) {
        // RFC 6891 7: a request with OPT gets one back (our payload size, no options).
        o[n] = 0;
        dns::store_u16(o + n + 1, dns::type::OPT);
        dns::store_u16(o + n + 3, dns::kDefaultUdpPayload);
        dns::store_u32(o + n + 5, 0);
        dns::store_u16(o + n + 9, 0);
        n += 11;
        dns::store_u16(o + 10, 1);
    }
    if (rq.has_tsig && rq.tsig_status != dns::TsigStatus::kFormErr) {
        // Signed with the request's key when it verified (RFC 8945 5.3); BADKEY and BADSIG
        // go back with an unsigned TSIG.
        const size_t signed_len = dns::tsig_sign_response(o, n, rq.cap, rq.tsig, rq.now);
        if (signed_len == 0) {
            rq.tally = &counters_.dropped;
            return 0;
        }
        rq.report.signed_response = rq.tsig.key != nullptr;
        n = signed_len;
    }
    return n;
}

void UpdateProcessor::finish(const Request& rq) {
    if (rq.tally != nullptr) ++*rq.tally;
    if (rq.tally == &counters_.dropped) return;
    std::string fields = log::kv("zone", rq.report.zone.empty() ? "?" : rq.report.zone);
    fields += ' ';
    fields += log::kv("peer", peer_text(rq.peer));
    if (rq.key() != nullptr) {
        fields += ' ';
        fields += log::kv("key", rq.key()->name.to_text());
    }
    if (rq.report.rcode == rcode::NOERROR) {
        if (rq.report.change_id.empty()) return;
        fields += ' ';
        fields += log::kv("change", rq.report.change_id);
        log::info("UPDATE applied", fields);
        return;
    }
    fields += ' ';
    fields += log::kv("rcode", dns::rcode_name(rq.report.rcode));
    fields += ' ';
    fields += log::kv("reason", rq.report.reason);
    log::warning("UPDATE refused", fields);
}

}  // namespace fz::api
