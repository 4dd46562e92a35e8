// The NOTIFY thread: sends, retries and answers matched to their NOTIFY.
#include "xfr/notify.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <random>

#include "common/log.h"
#include "dns/wire.h"
#include "xfr/net.h"

namespace fz::xfr {
namespace {

uint64_t steady_ms() {
    return static_cast<uint64_t>(
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
            .count());
}

int64_t unix_now() {
    return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

}  // namespace

Notifier::Notifier(NotifyOptions options) : options_(options) {}

Notifier::~Notifier() { stop(); }

void Notifier::start() {
    wake_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    thread_ = std::thread([this] { loop(); });
}

void Notifier::stop() {
    {
        std::lock_guard lock(mu_);
        if (stopping_ || !thread_.joinable()) return;
        stopping_ = true;
    }
    uint64_t one = 1;
    (void)!write(wake_fd_, &one, sizeof one);
    thread_.join();
    for (Pending& p : pending_) {
        if (p.fd >= 0) close(p.fd);
    }
    pending_.clear();
    close(wake_fd_);
}

void Notifier::notify(const dns::Name& zone, uint32_t serial, const std::vector<NotifyTarget>& targets) {
    {
        std::lock_guard lock(mu_);
        for (const NotifyTarget& t : targets) {
            Pending p;
            p.zone = zone;
            p.serial = serial;
            p.target = t;
            incoming_.push_back(std::move(p));
        }
    }
    uint64_t one = 1;
    (void)!write(wake_fd_, &one, sizeof one);
}

void Notifier::send(Pending& p, uint64_t now) {
    static thread_local std::mt19937 rng{std::random_device{}()};
    if (p.fd < 0) p.fd = connect_to(p.target.address, SOCK_DGRAM, 1000);
    if (p.fd < 0) {
        p.attempts = options_.attempts;
        p.next_ms = now;
        return;
    }
    p.id = static_cast<uint16_t>(rng());
    uint8_t msg[dns::kMaxNameWire + 512];
    dns::store_u16(msg, p.id);
    dns::store_u16(msg + 2, static_cast<uint16_t>((4u << 11) | dns::flag::AA));  // opcode NOTIFY
    dns::store_u16(msg + 4, 1);
    std::memset(msg + 6, 0, 6);
    std::memcpy(msg + 12, p.zone.data(), p.zone.size());
    size_t len = 12 + p.zone.size();
    dns::store_u16(msg + len, dns::type::SOA);
    dns::store_u16(msg + len + 2, dns::rrclass::IN);
    len += 4;
    if (p.target.key) {
        len = dns::tsig_sign_request(msg, len, sizeof msg, *p.target.key, unix_now(), dns::tsig::kFudge, p.mac,
                                     &p.mac_len);
    }
    if (len != 0 && ::send(p.fd, msg, len, MSG_DONTWAIT) > 0) ++counters_.sent;
    ++p.attempts;
    p.next_ms = now + options_.retry_interval_ms;
}

bool Notifier::receive(Pending& p) {
    uint8_t buf[4096];
    for (;;) {
        const ssize_t n = recv(p.fd, buf, sizeof buf, MSG_DONTWAIT);
        if (n < 0) return false;  // EAGAIN, or an ICMP error the next attempt will meet again
        if (n < static_cast<ssize_t>(dns::kHeaderSize) || dns::load_u16(buf) != p.id) continue;
        const uint16_t flags = dns::load_u16(buf + 2);
        if ((flags & dns::flag::QR) == 0 || ((flags >> 11) & 0x0f) != 4) continue;
        if (p.target.key) {
            const auto st = dns::tsig_verify_response(buf, static_cast<size_t>(n), *p.target.key, {p.mac, p.mac_len},
                                                      unix_now());
            if (st != dns::TsigStatus::kOk) {
                done(p, false, std::string("the answer's TSIG: ") + dns::tsig_status_name(st));
                return true;
            }
        }
        const uint16_t rcode = flags & dns::flag::RCODE_MASK;
        done(p, rcode == dns::rcode::NOERROR, rcode == dns::rcode::NOERROR ? "" : "rcode " + std::to_string(rcode));
        return true;
    }
}

void Notifier::done(Pending& p, bool answered, const std::string& why) {
    const std::string fields = log::kv("zone", p.zone.to_text()) + " " + log::kv("remote", p.target.remote) + " " +
                               log::kv("address", p.target.address.text) + " " +
                               log::kv("serial", static_cast<long long>(p.serial)) +
                               (why.empty() ? "" : " " + log::kv("reason", why));
    if (answered) {
        ++counters_.answered;
        log::info("notify answered", fields);
    } else {
        ++counters_.failed;
        log::warning("notify failed", fields);
    }
    if (p.fd >= 0) close(p.fd);
    p.fd = -1;
    p.attempts = ~0u;  // removed by the loop
}

void Notifier::loop() {
    for (;;) {
        {
            std::lock_guard lock(mu_);
            if (stopping_) return;
            for (Pending& in : incoming_) {
                // A newer serial replaces the one still being retried for this secondary.
                for (Pending& old : pending_) {
                    if (old.zone.equals(in.zone) && old.target.address == in.target.address) {
                        if (old.fd >= 0) close(old.fd);
                        old.fd = -1;
                        old.attempts = ~0u;
                    }
                }
                pending_.push_back(std::move(in));
            }
            incoming_.clear();
        }
        std::erase_if(pending_, [](const Pending& p) { return p.attempts == ~0u; });
        uint64_t now = steady_ms();
        int timeout = -1;
        for (Pending& p : pending_) {
            if (p.next_ms <= now) {
                if (p.attempts >= options_.attempts) {
                    done(p, false, "no answer after " + std::to_string(options_.attempts) + " attempts");
                    continue;
                }
                send(p, now);
            }
            const int wait = static_cast<int>(p.next_ms > now ? p.next_ms - now : 0);
            if (p.attempts != ~0u && (timeout < 0 || wait < timeout)) timeout = wait;
        }
        std::erase_if(pending_, [](const Pending& p) { return p.attempts == ~0u; });
        std::vector<pollfd> fds{{wake_fd_, POLLIN, 0}};
        for (const Pending& p : pending_) fds.push_back({p.fd, POLLIN, 0});
        if (poll(fds.data(), fds.size(), timeout) <= 0) continue;
        if (fds[0].revents != 0) {
            uint64_t v;
            (void)!read(wake_fd_, &v, sizeof v);
        }
        for (size_t i = 1; i < fds.size(); ++i) {
            if (fds[i].revents != 0) receive(pending_[i - 1]);
        }
    }
}

}  // namespace fz::xfr
