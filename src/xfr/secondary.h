// fastzone as a secondary (zones[].primaries): per zone, the SOA timers of RFC 1034 4.3.5
// and RFC 1996 (refresh, retry, expire; NOTIFY starts a refresh at once), the SOA check
// and the transfer (IXFR from our serial, else AXFR) from each primary in turn, with TSIG,
// on one thread of its own. What a transfer brings is handed to `apply` (the change path);
// a bad transfer is logged and counted and the zone keeps its copy.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/count.h"
#include "common/listen_address.h"
#include "common/result.h"
#include "dns/name.h"
#include "dns/tsig.h"
#include "xfr/inbound.h"

namespace fz::xfr {

struct Primary {
    std::string remote;  // the remote's id, for logs and status
    ListenAddress address;
    std::optional<dns::TsigKey> key;
};

struct SecondaryZone {
    dns::Name origin;  // canonical
    std::vector<Primary> primaries;
};

// What `fastzonectl status` and the metrics show of one secondary zone.
struct SecondaryStatus {
    std::string zone;
    std::string state;  // "waiting for the first transfer", "ok", "retrying", "expired"
    uint32_t serial = 0;
    bool loaded = false;
    int64_t last_refresh_ms = 0;  // Unix ms of the last successful SOA check or transfer (0: none)
    int64_t next_refresh_ms = 0;
    int64_t expires_ms = 0;  // 0: not loaded
    std::string primary;     // the primary that gave the copy served
    std::string last_error;
};

struct SecondaryCounters {
    Count refreshes;   // SOA checks made
    Count transfers;   // transfers applied (AXFR or IXFR)
    Count ixfr;        // of which IXFR deltas
    Count up_to_date;  // SOA checks that found our serial current
    Count failed;      // SOA checks or transfers that failed (TSIG, broken stream, timeout...)
    Count rejected;    // transfers the change path refused (zone checks)
    Count notifies;    // NOTIFY messages accepted
    Count expired;     // zones that expired
};

class Secondaries {
public:
    // Applies a transfer to the zone (the change path); an error keeps the old copy.
    using Apply = std::function<Status(const dns::Name& zone, const Incoming& transfer, const std::string& primary)>;
    // The zone went past its expire time without a refresh (true) or got a copy again.
    using Expired = std::function<void(const dns::Name& zone, bool expired)>;

    Secondaries(Apply apply, Expired expired);
    ~Secondaries();
    Secondaries(const Secondaries&) = delete;
    Secondaries& operator=(const Secondaries&) = delete;

    // The zones and their primaries (at start and on reload). `stored`: the SOA rdata of
    // each zone's copy in the store, served at once and refreshed right away.
    void configure(std::vector<SecondaryZone> zones, const std::map<std::string, std::string>& stored_soa);
    void start();
    void stop();

    // A NOTIFY for `zone` arrived (verified by the caller): refresh now. False when
    // `zone` is not one of ours.
    bool notified(const dns::Name& zone);
    bool is_secondary(const dns::Name& zone) const;

    std::vector<SecondaryStatus> status() const;
    const SecondaryCounters& counters() const { return counters_; }

private:
    struct Zone {
        SecondaryZone config;
        std::string soa;  // our copy's SOA rdata (empty: none)
        SecondaryStatus status;
        int64_t next_ms = 0;    // steady-clock ms of the next refresh
        int64_t expire_at = 0;  // steady-clock ms; 0: no copy
        bool expired = false;
    };
    void loop();
    void refresh(Zone& z);
    // One primary: the SOA check, then the transfer when the serial is newer.
    Status refresh_from(Zone& z, const Primary& p, bool& changed);

    Apply apply_;
    Expired expired_;
    mutable std::mutex mu_;
    std::condition_variable cv_;
    std::map<std::string, Zone> zones_;  // by canonical origin wire
    bool stopping_ = false;
    std::thread thread_;
    SecondaryCounters counters_;
};

// The SOA timers in SOA rdata (refresh, retry, expire, minimum after the serial), seconds.
struct SoaTimers {
    uint32_t serial = 0, refresh = 0, retry = 0, expire = 0;
};
std::optional<SoaTimers> soa_timers(const std::string& rdata);

}  // namespace fz::xfr
