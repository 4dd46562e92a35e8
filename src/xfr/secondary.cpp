// The secondary zones' thread: timers, SOA checks and transfers in.
#include "xfr/secondary.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <random>

#include "common/clock.h"
#include "common/log.h"
#include "dns/message_reader.h"
#include "dns/rrtype.h"
#include "dns/wire.h"
#include "xfr/net.h"
#include "xfr/source.h"

namespace fz::xfr {
namespace {

constexpr unsigned kTimeoutMs = 5000;       // connect, and each read and write
constexpr int64_t kFirstRetryMs = 2000;     // no copy yet: ask again this soon
constexpr uint32_t kMinRefreshSeconds = 2;  // SOA timers below this are raised to it

int64_t steady_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
}
// A query for (zone, qtype), with our SOA in the authority section for IXFR (RFC 1995 3),
// signed with `key` when there is one: the message and the MAC its answer covers.
std::vector<uint8_t> make_query(const dns::Name& zone, uint16_t qtype, const std::string& our_soa,
                                const std::optional<dns::TsigKey>& key, std::vector<uint8_t>& mac) {
    static thread_local std::mt19937 rng{std::random_device{}()};
    std::vector<uint8_t> m(12);
    dns::store_u16(m.data(), static_cast<uint16_t>(rng()));
    dns::store_u16(m.data() + 4, 1);
    m.insert(m.end(), zone.data(), zone.data() + zone.size());
    m.resize(m.size() + 4);
    dns::store_u16(m.data() + m.size() - 4, qtype);
    dns::store_u16(m.data() + m.size() - 2, dns::rrclass::IN);
    if (qtype == dns::type::IXFR) {
        const uint8_t rr[] = {0xc0, 0x0c, 0, 6, 0, 1, 0, 0, 0, 0};
        m.insert(m.end(), rr, rr + sizeof rr);
        m.push_back(static_cast<uint8_t>(our_soa.size() >> 8));
        m.push_back(static_cast<uint8_t>(our_soa.size()));
        m.insert(m.end(), our_soa.begin(), our_soa.end());
        dns::store_u16(m.data() + 8, 1);
    }
    mac.clear();
    if (key) {
        const size_t len = m.size();
        m.resize(len + 512);
        uint8_t out[dns::kMaxTsigMac];
        uint16_t out_len = 0;
        const int64_t now = unix_ms() / 1000;
        m.resize(dns::tsig_sign_request(m.data(), len, m.size(), *key, now, dns::tsig::kFudge, out, &out_len));
        mac.assign(out, out + out_len);
    }
    return m;
}

std::string primary_text(const Primary& p) { return p.remote + " (" + p.address.text + ")"; }

// One query to `p` over UDP or TCP: its answer, or empty when none came in time.
std::vector<uint8_t> exchange(const Primary& p, const std::vector<uint8_t>& q, bool tcp) {
    const int fd = connect_to(p.address, tcp ? SOCK_STREAM : SOCK_DGRAM, 2000);
    if (fd < 0) return {};
    std::vector<uint8_t> out;
    if (tcp) {
        std::vector<uint8_t> framed{static_cast<uint8_t>(q.size() >> 8), static_cast<uint8_t>(q.size())};
        framed.insert(framed.end(), q.begin(), q.end());
        if (!send_all(fd, framed.data(), framed.size()) || !read_frame(fd, out)) out.clear();
    } else if (send(fd, q.data(), q.size(), 0) == static_cast<ssize_t>(q.size())) {
        uint8_t buf[4096];
        ssize_t n;
        do {
            n = recv(fd, buf, sizeof buf, 0);  // 2 s timeout; answers to other ids are skipped
        } while (n >= 2 && (buf[0] != q[0] || buf[1] != q[1]));
        if (n > 0) out.assign(buf, buf + n);
    }
    close(fd);
    return out;
}

// The primary's SOA rdata, by a UDP query (one retry), then over TCP when UDP is refused:
// Knot DNS answers queries for a catalog zone over TCP only.
Result<std::string> query_soa(const dns::Name& zone, const Primary& p) {
    bool tcp = false;
    for (int attempt = 0; attempt < 3; ++attempt) {
        if (attempt == 2 && !tcp) break;
        std::vector<uint8_t> mac;
        const std::vector<uint8_t> q = make_query(zone, dns::type::SOA, {}, p.key, mac);
        const std::vector<uint8_t> a = exchange(p, q, tcp);
        if (a.size() < dns::kHeaderSize || a[0] != q[0] || a[1] != q[1]) continue;
        if (p.key) {
            const auto st = dns::tsig_verify_response(a.data(), a.size(), *p.key, mac, unix_ms() / 1000);
            if (st != dns::TsigStatus::kOk) {
                return make_error("", 0, std::string("its SOA answer's TSIG: ") + dns::tsig_status_name(st));
            }
        }
        auto m = dns::read_message(a.data(), a.size());
        if (!m) return make_error("", 0, "its SOA answer: " + m.error().message);
        if (m->rcode() == dns::rcode::REFUSED && !tcp) {
            tcp = true;
            attempt = 1;  // one try over TCP
            continue;
        }
        if (m->rcode() != dns::rcode::NOERROR) {
            return make_error("", 0, "it answered the SOA query " + dns::rcode_name(m->rcode()));
        }
        for (const auto& rr : m->answer) {
            if (rr.type == dns::type::SOA && rr.owner.equals(zone))
                return std::string(rr.rdata.begin(), rr.rdata.end());
        }
        return make_error("", 0, "its SOA answer holds no SOA of the zone");
    }
    return make_error("", 0, "no answer to the SOA query");
}

// A transfer of `zone` from `p` over TCP, read and checked message by message.
Result<Incoming> transfer(const dns::Name& zone, const Primary& p, const std::string& our_soa) {
    const bool ixfr = !our_soa.empty();
    const uint32_t our_serial = ixfr
                                    ? soa_rdata_serial(reinterpret_cast<const uint8_t*>(our_soa.data()), our_soa.size())
                                    : 0;
    const int fd = connect_to(p.address, SOCK_STREAM, kTimeoutMs);
    if (fd < 0) return make_error("", 0, std::string("cannot connect: ") + std::strerror(errno));
    std::vector<uint8_t> mac;
    std::vector<uint8_t> q = make_query(zone, ixfr ? dns::type::IXFR : dns::type::AXFR, our_soa, p.key, mac);
    std::vector<uint8_t> framed{static_cast<uint8_t>(q.size() >> 8), static_cast<uint8_t>(q.size())};
    framed.insert(framed.end(), q.begin(), q.end());
    if (!send_all(fd, framed.data(), framed.size())) {
        close(fd);
        return make_error("", 0, "cannot send the request");
    }
    TransferReader reader(zone, ixfr, our_serial);
    std::optional<dns::TsigStreamVerifier> verify;
    if (p.key) verify.emplace(*p.key, mac);
    std::vector<uint8_t> msg;
    size_t messages = 0;
    while (!reader.done()) {
        if (!read_frame(fd, msg)) {
            close(fd);
            return make_error("", 0, "the stream ended or stalled after " + std::to_string(messages) + " messages");
        }
        ++messages;
        if (msg.size() < 2 || msg[0] != q[0] || msg[1] != q[1]) {
            close(fd);
            return make_error("", 0, "a message with another id in the stream");
        }
        if (verify) {
            const auto st = verify->verify(msg.data(), msg.size(), unix_ms() / 1000);
            if (st != dns::TsigStatus::kOk) {
                close(fd);
                return make_error("", 0,
                                  "message " + std::to_string(messages) + "'s TSIG: " + dns::tsig_status_name(st));
            }
        }
        auto m = dns::read_message(msg.data(), msg.size());
        if (!m) {
            close(fd);
            return make_error("", 0, "message " + std::to_string(messages) + ": " + m.error().message);
        }
        auto st = reader.add(*m);
        if (!st) {
            close(fd);
            return make_error("", 0, "message " + std::to_string(messages) + ": " + st.error().message);
        }
    }
    close(fd);
    if (verify && !verify->last_signed()) return make_error("", 0, "the stream's last message is not signed");
    return reader.take();
}

}  // namespace

std::optional<SoaTimers> soa_timers(const std::string& rdata) {
    const auto* p = reinterpret_cast<const uint8_t*>(rdata.data());
    size_t pos = 0;
    for (int name = 0; name < 2; ++name) {
        while (pos < rdata.size() && p[pos] != 0) pos += 1u + p[pos];
        ++pos;
    }
    if (pos + 20 > rdata.size()) return std::nullopt;
    return SoaTimers{dns::load_u32(p + pos), dns::load_u32(p + pos + 4), dns::load_u32(p + pos + 8),
                     dns::load_u32(p + pos + 12)};
}

Secondaries::Secondaries(Apply apply, Expired expired) : apply_(std::move(apply)), expired_(std::move(expired)) {}

Secondaries::~Secondaries() { stop(); }

void Secondaries::configure(std::vector<SecondaryZone> zones, const std::map<std::string, std::string>& stored_soa) {
    std::lock_guard lock(mu_);
    std::map<std::string, Zone> next;
    const int64_t now = steady_ms();
    for (SecondaryZone& c : zones) {
        const std::string key = c.origin.bytes();
        auto old = zones_.find(key);
        Zone z;
        if (old != zones_.end()) {
            z = std::move(old->second);
        } else {
            z.status.zone = c.origin.to_text();
            z.status.state = "waiting for the first transfer";
            auto stored = stored_soa.find(key);
            if (stored != stored_soa.end()) {
                // The store's copy is served at once; its expire timer starts now.
                z.soa = stored->second;
                z.status.loaded = true;
                z.status.state = "ok";
                if (auto t = soa_timers(z.soa)) {
                    z.status.serial = t->serial;
                    z.expire_at = now + int64_t{t->expire} * 1000;
                }
            }
            z.next_ms = now;  // refresh at once
        }
        z.config = std::move(c);
        next.emplace(key, std::move(z));
    }
    zones_ = std::move(next);
    cv_.notify_all();
}

void Secondaries::start() {
    thread_ = std::thread([this] { loop(); });
}

void Secondaries::stop() {
    {
        std::lock_guard lock(mu_);
        stopping_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
}

bool Secondaries::notified(const dns::Name& zone) {
    std::lock_guard lock(mu_);
    auto it = zones_.find(zone.lowered().bytes());
    if (it == zones_.end()) return false;
    ++counters_.notifies;
    it->second.next_ms = steady_ms();
    cv_.notify_all();
    return true;
}

bool Secondaries::is_secondary(const dns::Name& zone) const {
    std::lock_guard lock(mu_);
    return zones_.count(zone.lowered().bytes()) != 0;
}

std::vector<SecondaryStatus> Secondaries::status() const {
    std::lock_guard lock(mu_);
    std::vector<SecondaryStatus> out;
    const int64_t steady = steady_ms();
    const int64_t unix = unix_ms();
    for (const auto& [key, z] : zones_) {
        SecondaryStatus s = z.status;
        s.next_refresh_ms = unix + std::max<int64_t>(0, z.next_ms - steady);
        s.expires_ms = z.expire_at == 0 ? 0 : unix + (z.expire_at - steady);
        out.push_back(std::move(s));
    }
    return out;
}

void Secondaries::loop() {
    std::unique_lock lock(mu_);
    while (!stopping_) {
        int64_t now = steady_ms();
        Zone* due = nullptr;
        int64_t wait = 60000;
        for (auto& [key, z] : zones_) {
            if (z.expire_at != 0 && !z.expired && now >= z.expire_at) {
                // RFC 1034 4.3.5: past expire without a refresh, the copy is no longer served.
                z.expired = true;
                z.status.state = "expired";
                ++counters_.expired;
                log::warning("secondary zone expired: answered SERVFAIL until a transfer succeeds",
                             log::kv("zone", z.status.zone));
                const dns::Name origin = z.config.origin;
                lock.unlock();
                expired_(origin, true);
                lock.lock();
                break;  // zones_ may have changed meanwhile
            }
            if (z.next_ms <= now) {
                due = &z;
                break;
            }
            wait = std::min(wait, z.next_ms - now);
            if (z.expire_at != 0 && !z.expired) wait = std::min(wait, z.expire_at - now);
        }
        if (due == nullptr) {
            cv_.wait_for(lock, std::chrono::milliseconds(std::max<int64_t>(wait, 1)));
            continue;
        }
        // The refresh runs without the lock; configure() may replace the zone meanwhile,
        // so the work is done on a copy and its outcome written back by origin.
        Zone work = *due;
        due->next_ms = now + 60000;  // not picked again while it runs
        lock.unlock();
        refresh(work);
        lock.lock();
        auto it = zones_.find(work.config.origin.bytes());
        if (it == zones_.end()) continue;
        const bool was_expired = it->second.expired;
        it->second.soa = work.soa;
        it->second.status = work.status;
        it->second.next_ms = work.next_ms;
        it->second.expire_at = work.expire_at;
        it->second.expired = work.expired;
        if (was_expired && !work.expired) {
            const dns::Name origin = work.config.origin;
            lock.unlock();
            expired_(origin, false);
            lock.lock();
        }
    }
}

void Secondaries::refresh(Zone& z) {
    ++counters_.refreshes;
    std::string errors;
    bool changed = false;
    for (const Primary& p : z.config.primaries) {
        auto st = refresh_from(z, p, changed);
        if (st) {
            const int64_t now = steady_ms();
            const auto t = soa_timers(z.soa);
            const uint32_t refresh = std::max(t ? t->refresh : 3600u, kMinRefreshSeconds);
            z.next_ms = now + int64_t{refresh} * 1000;
            if (t) z.expire_at = now + int64_t{std::max(t->expire, kMinRefreshSeconds)} * 1000;
            z.expired = false;
            z.status.state = "ok";
            z.status.last_refresh_ms = unix_ms();
            z.status.last_error.clear();
            return;
        }
        errors += (errors.empty() ? "" : "; ") + primary_text(p) + ": " + st.error().message;
    }
    ++counters_.failed;
    z.status.last_error = errors;
    const auto t = soa_timers(z.soa);
    const int64_t retry = z.soa.empty() ? kFirstRetryMs
                                        : int64_t{std::max(t ? t->retry : 600u, kMinRefreshSeconds)} * 1000;
    z.next_ms = steady_ms() + retry;
    if (!z.expired) z.status.state = z.status.loaded ? "retrying" : "waiting for the first transfer";
    log::warning("secondary refresh failed, keeping the copy served",
                 log::kv("zone", z.status.zone) + " " + log::kv("serial", static_cast<long long>(z.status.serial)) +
                     " " + log::kv("error", errors) + " " + log::kv("retry_ms", static_cast<long long>(retry)));
}

Status Secondaries::refresh_from(Zone& z, const Primary& p, bool& changed) {
    auto soa = query_soa(z.config.origin, p);
    if (!soa) return soa.error();
    const uint32_t theirs = soa_rdata_serial(reinterpret_cast<const uint8_t*>(soa->data()), soa->size());
    if (!z.soa.empty() && !serial_newer(theirs, z.status.serial)) {
        if (theirs != z.status.serial) {
            log::warning("a primary's serial is older than ours (RFC 1982): not transferred",
                         log::kv("zone", z.status.zone) + " " + log::kv("primary", primary_text(p)) + " " +
                             log::kv("theirs", static_cast<long long>(theirs)) + " " +
                             log::kv("ours", static_cast<long long>(z.status.serial)));
        }
        ++counters_.up_to_date;
        return Ok{};
    }
    auto in = transfer(z.config.origin, p, z.soa);
    if (!in) return in.error();
    if (in->kind == Incoming::Kind::kUpToDate) {
        ++counters_.up_to_date;
        return Ok{};
    }
    if (!z.soa.empty() && !serial_newer(in->serial, z.status.serial)) {
        return make_error("", 0,
                          "the transfer brought serial " + std::to_string(in->serial) + ", not newer than " +
                              std::to_string(z.status.serial));
    }
    auto applied = apply_(z.config.origin, *in, primary_text(p));
    if (!applied) {
        ++counters_.rejected;
        return make_error("", 0, "the transfer was refused: " + applied.error().message);
    }
    ++counters_.transfers;
    if (in->kind == Incoming::Kind::kDeltas) ++counters_.ixfr;
    log::info("secondary zone transferred", log::kv("zone", z.status.zone) + " " + log::kv("primary", primary_text(p)) +
                                                " " + log::kv("from", static_cast<long long>(z.status.serial)) + " " +
                                                log::kv("serial", static_cast<long long>(in->serial)) + " " +
                                                log::kv("kind", in->kind == Incoming::Kind::kDeltas ? "ixfr" : "axfr") +
                                                " " + log::kv("records", static_cast<long long>(in->records.size())) +
                                                " " + log::kv("deltas", static_cast<long long>(in->deltas.size())));
    z.soa = in->kind == Incoming::Kind::kDeltas ? in->deltas.back().soa_after.rdata : in->records.front().rdata;
    z.status.serial = in->serial;
    z.status.loaded = true;
    z.status.primary = p.remote;
    changed = true;
    return Ok{};
}

}  // namespace fz::xfr
