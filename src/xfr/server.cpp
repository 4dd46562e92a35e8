// The transfer threads: checking a request, streaming AXFR or IXFR, the connection's end.
#include "xfr/server.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>

#include "common/log.h"
#include "dns/message_reader.h"
#include "dns/wire.h"
#include "xfr/ixfr.h"
#include "xfr/net.h"
#include "xfr/source.h"
#include "xfr/stream.h"

namespace fz::xfr {
namespace {

using Kind = TransferReport::Kind;

// The whole zone: its SOA, every other record, its SOA again (RFC 5936 2.2). A node's
// RRSIG RRset is sent as the signatures of each RRset it covers, with that RRset's TTL.
bool stream_zone(const ZoneSource& src, ResponseStream& out) {
    const zone::ZoneImage& image = *src.image;
    const std::string_view apex(reinterpret_cast<const char*>(image.header().apex_name), image.header().apex_len);
    if (!out.add(apex, dns::type::SOA, src.soa_ttl, src.soa_rdata)) return false;
    bool ok = true;
    auto send_rrset = [&](std::string_view owner, const zone::RRset& r) {
        const uint8_t* p = r.rdata();
        for (uint16_t i = 0; i < r.count && ok; ++i) {
            const uint16_t len = dns::load_u16(p);
            ok = out.add(owner, r.type, r.ttl, p + 2, len);
            p += 2 + len;
        }
    };
    image.for_each_node([&](const zone::Node* n) {
        if (!ok) return;
        const std::string_view owner(reinterpret_cast<const char*>(n->name()), n->name_len);
        const uint32_t node = static_cast<uint32_t>(reinterpret_cast<const uint8_t*>(n) - image.base());
        const zone::RRsetRef* refs = n->refs();
        for (uint16_t i = 0; i < n->rrset_count && ok; ++i) {
            if (refs[i].type == dns::type::RRSIG) continue;
            if ((refs[i].flags & (zone::kRRsetPolicy | zone::kRRsetAlias)) != 0) {
                if (const RoutedRRset* routed = src.find_routed(node, refs[i].type)) {
                    for (const Record& rec : routed->records) {
                        if (!(ok = out.add(owner, rec.type, rec.ttl, rec.rdata))) break;
                    }
                }
                continue;
            }
            const zone::RRset* r = image.rrset_at(refs[i].rrset);
            if (refs[i].rrset != image.header().soa) send_rrset(owner, *r);
            if (r->signatures != 0) send_rrset(owner, *image.rrset_at(r->signatures));
        }
    });
    return ok && out.add(apex, dns::type::SOA, src.soa_ttl, src.soa_rdata);
}

bool stream_deltas(const std::vector<Delta>& deltas, std::string_view apex, ResponseStream& out) {
    const Record& newest = deltas.back().soa_after;
    auto add = [&](const Record& r) { return out.add(r.owner, r.type, r.ttl, r.rdata); };
    if (!add(newest)) return false;
    for (const Delta& d : deltas) {
        if (!add(d.soa_before)) return false;
        for (const Record& r : d.removed) {
            if (!add(r)) return false;
        }
        if (!add(d.soa_after)) return false;
        for (const Record& r : d.added) {
            if (!add(r)) return false;
        }
    }
    (void)apex;
    return add(newest);
}

// The serial of the SOA an IXFR request carries in its authority section (RFC 1995 3).
std::optional<uint32_t> requested_serial(const dns::Message& m, const dns::Name& zone) {
    for (const auto& rr : m.authority) {
        if (rr.type == dns::type::SOA && rr.owner.equals(zone))
            return soa_rdata_serial(rr.rdata.data(), rr.rdata.size());
    }
    return std::nullopt;
}

}  // namespace

TransferReport respond_transfer(const engine::Publisher& publisher, const TransferAccess& access,
                                const std::vector<uint8_t>& query, const engine::Peer& peer, int64_t now,
                                const std::function<bool(const uint8_t*, size_t)>& sink, bool soa_only) {
    TransferReport report;
    auto m = dns::read_message(query.data(), query.size());
    if (!m || m->questions.size() != 1 || m->header.has(dns::flag::QR)) {
        report.detail = m ? "not one question" : m.error().message;
        return report;  // nothing sound to echo: the connection closes
    }
    const dns::Question& q = m->questions.front();
    report.zone = q.name.to_text();
    size_t tsig_pos = 0;
    const dns::TsigPresence presence = dns::locate_tsig(query.data(), query.size(), tsig_pos);
    if (presence == dns::TsigPresence::kMalformed) {
        report.detail = "malformed TSIG record";
        return report;
    }
    dns::TsigContext ctx;
    dns::TsigStatus tsig = dns::TsigStatus::kOk;
    if (presence == dns::TsigPresence::kLast) {
        tsig = dns::tsig_verify_request(query.data(), query.size(), tsig_pos, access.keys, now, ctx);
        if (tsig == dns::TsigStatus::kFormErr) {
            report.detail = "malformed TSIG record";
            return report;
        }
    }
    dns::TsigStreamSigner signer(ctx);
    dns::TsigStreamSigner* sign = presence == dns::TsigPresence::kLast ? &signer : nullptr;
    const std::string apex = q.name.lowered().bytes();
    ResponseStream out(m->header.id, m->header.has(dns::flag::RD), apex, q.qtype, sign, now, sink);
    auto refuse = [&](Kind kind, std::string why) {
        report.kind = kind;
        report.detail = std::move(why);
        out.error(dns::rcode::NOTAUTH);
        report.messages = out.messages();
        report.bytes = out.bytes();
        return report;
    };
    if (tsig != dns::TsigStatus::kOk) return refuse(Kind::kTsig, dns::tsig_status_name(tsig));
    auto src = take_zone(publisher, q.name);
    if (!src) return refuse(Kind::kNotAuth, "not a zone served here");
    const dns::TsigKey* key = sign != nullptr ? ctx.key : nullptr;
    if (!access.acl.allows(q.name, change::kAclTransfer, key, peer)) {
        return refuse(Kind::kRefused, key != nullptr ? "denied by the zone's ACL (key " + key->name.to_text() + ")"
                                                     : "denied by the zone's ACL (no TSIG key)");
    }
    report.serial = src->serial;
    bool sent = false;
    if (q.qtype == dns::type::IXFR) {
        const auto from = requested_serial(*m, q.name);
        if (!from) {
            report.detail = "IXFR without the secondary's SOA";
            out.error(dns::rcode::FORMERR);
            return report;
        }
        std::vector<change::HistoryEntry> history;
        if (!serial_newer(src->serial, *from) || soa_only) {
            // At or past ours: the SOA alone says there is nothing newer (RFC 1995 2).
            report.kind = Kind::kUpToDate;
            sent = out.add(apex, dns::type::SOA, src->soa_ttl, src->soa_rdata) && out.finish();
        } else if (src->signed_zone) {
            report.detail = "a signed zone: its signatures are not in the history";
        } else if (access.history && !(history = access.history(q.name)).empty()) {
            auto deltas = ixfr_deltas(history, q.name, *from, report.detail);
            if (deltas && !deltas->empty()) {
                report.kind = Kind::kIxfr;
                report.serial =
                    soa_rdata_serial(reinterpret_cast<const uint8_t*>(deltas->back().soa_after.rdata.data()),
                                     deltas->back().soa_after.rdata.size());
                sent = stream_deltas(*deltas, apex, out) && out.finish();
            }
        } else {
            report.detail = "no change history for the zone";
        }
        if (report.kind != Kind::kIxfr && report.kind != Kind::kUpToDate) report.kind = Kind::kIxfrAsAxfr;
    } else {
        report.kind = Kind::kAxfr;
    }
    if (report.kind == Kind::kAxfr || report.kind == Kind::kIxfrAsAxfr) {
        sent = stream_zone(*src, out) && out.finish();
    }
    if (!sent) report.kind = Kind::kFailed;
    report.records = out.records();
    report.messages = out.messages();
    report.bytes = out.bytes();
    return report;
}

size_t respond_udp_ixfr(const engine::Publisher& publisher, const TransferAccess& access, const uint8_t* query,
                        size_t len, const engine::Peer& peer, int64_t now, uint8_t* out, size_t cap) {
    const std::vector<uint8_t> q(query, query + len);
    auto m = dns::read_message(query, len);
    size_t limit = 512;
    if (m && m->opt) limit = std::clamp<size_t>(m->opt->udp_size, 512, 1232);
    limit = std::min(limit, cap);
    std::vector<std::vector<uint8_t>> messages;
    auto collect = [&](const uint8_t* framed, size_t n) {
        messages.emplace_back(framed + 2, framed + n);
        return messages.size() == 1 && n - 2 <= limit;  // a second message, or one too large: stop
    };
    respond_transfer(publisher, access, q, peer, now, collect);
    if (messages.size() != 1 || messages[0].size() > limit) {
        messages.clear();
        respond_transfer(publisher, access, q, peer, now, collect, true);
    }
    if (messages.size() != 1 || messages[0].size() > limit) return 0;
    std::memcpy(out, messages[0].data(), messages[0].size());
    return messages[0].size();
}

TransferServer::TransferServer(const engine::Publisher& publisher, TransferOptions options)
    : publisher_(publisher), options_(options) {}

TransferServer::~TransferServer() { stop(); }

void TransferServer::configure(std::shared_ptr<const TransferAccess> access) {
    std::lock_guard lock(mu_);
    access_ = std::move(access);
}

void TransferServer::start() {
    for (unsigned i = 0; i < options_.threads; ++i) threads_.emplace_back([this] { loop(); });
}

void TransferServer::stop() {
    {
        std::lock_guard lock(mu_);
        stopping_ = true;
        for (Job& j : jobs_) close(j.fd);
        jobs_.clear();
    }
    cv_.notify_all();
    for (auto& t : threads_) t.join();
    threads_.clear();
}

void TransferServer::submit(int fd, std::vector<uint8_t> unsent, std::vector<uint8_t> query, const engine::Peer& peer) {
    {
        std::lock_guard lock(mu_);
        if (!stopping_ && jobs_.size() < options_.queue) {
            jobs_.push_back({fd, std::move(unsent), std::move(query), peer});
            cv_.notify_one();
            return;
        }
    }
    close(fd);
    std::lock_guard lock(count_mu_);
    ++counters_.dropped;
}

void TransferServer::loop() {
    for (;;) {
        Job job;
        {
            std::unique_lock lock(mu_);
            cv_.wait(lock, [&] { return stopping_ || !jobs_.empty(); });
            if (jobs_.empty()) return;
            job = std::move(jobs_.front());
            jobs_.pop_front();
        }
        serve(job);
    }
}

namespace {

// Ends a transfer's connection: our side shut first, then what the client sent
// meanwhile read and dropped, so that the close sends no RST over data still in flight.
void finish_connection(int fd) {
    shutdown(fd, SHUT_WR);
    (void)fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    uint8_t buf[4096];
    while (recv(fd, buf, sizeof buf, 0) > 0) {
    }
    close(fd);
}

}  // namespace

void TransferServer::serve(Job& job) {
    std::shared_ptr<const TransferAccess> access;
    {
        std::lock_guard lock(mu_);
        access = access_;
    }
    // Blocking sends with a timeout: this thread does one transfer at a time.
    (void)fcntl(job.fd, F_SETFL, fcntl(job.fd, F_GETFL) & ~O_NONBLOCK);
    timeval tv{static_cast<time_t>(options_.send_timeout_ms / 1000),
               static_cast<suseconds_t>((options_.send_timeout_ms % 1000) * 1000)};
    setsockopt(job.fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    TransferReport r;
    const auto started = std::chrono::steady_clock::now();
    if (access == nullptr || !send_all(job.fd, job.unsent.data(), job.unsent.size())) {
        r.kind = Kind::kFailed;
    } else {
        const int64_t now =
            std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
                .count();
        r = respond_transfer(publisher_, *access, job.query, job.peer, now,
                             [&](const uint8_t* p, size_t n) { return send_all(job.fd, p, n); });
    }
    finish_connection(job.fd);
    const auto ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count();
    {
        std::lock_guard lock(count_mu_);
        ++counters_.requests;
        switch (r.kind) {
            case Kind::kAxfr: ++counters_.axfr; break;
            case Kind::kIxfr: ++counters_.ixfr; break;
            case Kind::kIxfrAsAxfr: ++counters_.ixfr_as_axfr; break;
            case Kind::kUpToDate: ++counters_.up_to_date; break;
            case Kind::kRefused: ++counters_.refused; break;
            case Kind::kNotAuth: ++counters_.notauth; break;
            case Kind::kTsig: ++counters_.tsig_failed; break;
            case Kind::kFormErr: ++counters_.formerr; break;
            case Kind::kFailed: ++counters_.failed; break;
        }
        counters_.records += r.records;
        counters_.bytes += r.bytes;
    }
    static const char* const kNames[] = {"axfr",    "ixfr", "ixfr as axfr", "up to date", "refused",
                                         "notauth", "tsig", "formerr",      "failed"};
    std::string fields = log::kv("zone", r.zone) + " " +
                         log::kv("peer", change::peer_text(job.peer, engine::Transport::kTcp)) + " " +
                         log::kv("outcome", kNames[static_cast<size_t>(r.kind)]) + " " +
                         log::kv("serial", static_cast<long long>(r.serial)) + " " +
                         log::kv("records", static_cast<long long>(r.records)) + " " +
                         log::kv("messages", static_cast<long long>(r.messages)) + " " +
                         log::kv("ms", static_cast<long long>(ms));
    if (!r.detail.empty()) fields += " " + log::kv("detail", r.detail);
    const bool served = r.kind == Kind::kAxfr || r.kind == Kind::kIxfr || r.kind == Kind::kIxfrAsAxfr ||
                        r.kind == Kind::kUpToDate;
    if (served) {
        log::info("transfer out", fields);
    } else {
        log::warning("transfer out refused or failed", fields);
    }
}

}  // namespace fz::xfr
