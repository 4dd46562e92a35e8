// NOTIFY out (RFC 1996): after a zone changes, each of its secondaries is told over UDP,
// signed with the remote's TSIG key when it has one, and asked again until it answers
// (retries at a fixed interval, then given up and logged). One thread of its own; a newer
// serial for the same zone and secondary replaces a NOTIFY still being retried.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/count.h"
#include "common/listen_address.h"
#include "dns/name.h"
#include "dns/tsig.h"

namespace fz::xfr {

// One secondary to notify.
struct NotifyTarget {
    std::string remote;  // the remote's id, for logs
    ListenAddress address;
    std::optional<dns::TsigKey> key;
};

struct NotifyOptions {
    unsigned attempts = 5;              // sends before giving up
    unsigned retry_interval_ms = 2000;  // between sends without an answer
};

struct NotifyCounters {
    Count sent;      // NOTIFY messages sent, retries included
    Count answered;  // acknowledged by the secondary
    Count failed;    // given up on: no answer after every attempt, or an error answer
};

class Notifier {
public:
    explicit Notifier(NotifyOptions options = {});
    ~Notifier();
    Notifier(const Notifier&) = delete;
    Notifier& operator=(const Notifier&) = delete;

    void start();
    void stop();

    // Tells every target of `zone` (canonical) that it is now at `serial`.
    void notify(const dns::Name& zone, uint32_t serial, const std::vector<NotifyTarget>& targets);

    const NotifyCounters& counters() const { return counters_; }

private:
    struct Pending {
        dns::Name zone;
        uint32_t serial = 0;
        NotifyTarget target;
        int fd = -1;
        uint16_t id = 0;
        unsigned attempts = 0;
        uint64_t next_ms = 0;  // the next send (steady clock)
        uint8_t mac[dns::kMaxTsigMac]{};
        uint16_t mac_len = 0;
    };
    void loop();
    void send(Pending& p, uint64_t now);
    // True when `p` is done (answered, or refused by the secondary).
    bool receive(Pending& p);
    void done(Pending& p, bool answered, const std::string& why);

    NotifyOptions options_;
    std::mutex mu_;
    std::condition_variable cv_;
    std::vector<Pending> incoming_;  // queued by notify(), taken by the thread
    bool stopping_ = false;
    std::thread thread_;
    int wake_fd_ = -1;              // eventfd: notify() wakes the thread's poll
    std::vector<Pending> pending_;  // the thread's own
    NotifyCounters counters_;       // written by the thread only
};

}  // namespace fz::xfr
