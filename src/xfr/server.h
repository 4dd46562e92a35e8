// Outgoing zone transfers (AXFR, RFC 5936; IXFR, RFC 1995) on threads of their own: the
// TCP server hands over each connection that asks for one, and a transfer thread checks
// the request (TSIG, the zone's ACL, action transfer), streams the zone from the
// published snapshot with bounded memory, and closes the connection. Query answering never
// waits for a transfer, and a transfer holds no lock while it sends.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "change/acl.h"
#include "change/registry.h"
#include "common/count.h"
#include "common/result.h"
#include "dns/tsig.h"
#include "engine/publisher.h"

namespace fz::xfr {

// Counters, written by the transfer threads under the server's lock, read by anyone.
struct TransferCounters {
    Count requests;
    Count axfr;          // AXFR streams sent whole
    Count ixfr;          // IXFR answered from the history
    Count ixfr_as_axfr;  // IXFR answered with the whole zone (the history did not reach)
    Count up_to_date;    // IXFR from a serial at or past ours: our SOA alone
    Count refused;       // the zone's ACL did not allow it (NOTAUTH)
    Count notauth;       // not a zone we serve
    Count tsig_failed;   // BADKEY, BADSIG, BADTIME
    Count formerr;       // a request we could not read
    Count failed;        // the connection failed or stalled mid-stream
    Count dropped;       // closed unanswered: every transfer thread busy and the queue full
    Count records;       // records sent
    Count bytes;         // bytes sent
};

struct TransferCounterField {
    const char* name;
    Count TransferCounters::*field;
};
inline constexpr TransferCounterField kTransferCounterFields[] = {
    {"requests", &TransferCounters::requests},
    {"axfr", &TransferCounters::axfr},
    {"ixfr", &TransferCounters::ixfr},
    {"ixfr_as_axfr", &TransferCounters::ixfr_as_axfr},
    {"up_to_date", &TransferCounters::up_to_date},
    {"refused", &TransferCounters::refused},
    {"notauth", &TransferCounters::notauth},
    {"tsig_failed", &TransferCounters::tsig_failed},
    {"formerr", &TransferCounters::formerr},
    {"failed", &TransferCounters::failed},
    {"dropped", &TransferCounters::dropped},
    {"records", &TransferCounters::records},
    {"bytes", &TransferCounters::bytes},
};
static_assert(sizeof(kTransferCounterFields) / sizeof(kTransferCounterFields[0]) * sizeof(Count) ==
                  sizeof(TransferCounters),
              "every TransferCounters field is in kTransferCounterFields");

// Who may transfer what, and where IXFR's history comes from: replaced whole on reload.
struct TransferAccess {
    dns::TsigKeyring keys;
    change::Acl acl;
    // A zone's change history, oldest first (empty: none, as for a file-managed zone).
    std::function<std::vector<change::HistoryEntry>(const dns::Name& origin)> history;
};

struct TransferOptions {
    unsigned threads = 2;
    size_t queue = 64;                 // handed-over connections waiting for a thread
    unsigned send_timeout_ms = 10000;  // a client that takes nothing for this long is dropped
};

// What became of one request.
struct TransferReport {
    enum class Kind : uint8_t { kAxfr, kIxfr, kIxfrAsAxfr, kUpToDate, kRefused, kNotAuth, kTsig, kFormErr, kFailed };
    Kind kind = Kind::kFormErr;
    std::string zone;
    uint32_t serial = 0;  // the serial sent (the newest)
    std::string detail;   // why it was refused, or fell back to AXFR
    uint64_t records = 0;
    uint64_t messages = 0;
    uint64_t bytes = 0;
};

// Answers the transfer request `query` from `peer` at Unix time `now`: the whole exchange
// as framed messages handed to `sink` (see ResponseStream). What the transfer threads run
// for each request; tests and fuzzers call it directly.
// With `soa_only`, an IXFR that would send more than the SOA sends the current SOA alone
// (RFC 1995 2: the answer to an IXFR over UDP that does not fit).
TransferReport respond_transfer(const engine::Publisher& publisher, const TransferAccess& access,
                                const std::vector<uint8_t>& query, const engine::Peer& peer, int64_t now,
                                const std::function<bool(const uint8_t*, size_t)>& sink, bool soa_only = false);

// An IXFR over UDP (RFC 1995 2): the whole answer when it fits in one datagram (512
// bytes, or the query's EDNS size up to 1232), else the current SOA alone, which sends
// the secondary to TCP. Written into `out` (`cap` bytes); its length, 0 for no answer.
size_t respond_udp_ixfr(const engine::Publisher& publisher, const TransferAccess& access, const uint8_t* query,
                        size_t len, const engine::Peer& peer, int64_t now, uint8_t* out, size_t cap);

class TransferServer {
public:
    TransferServer(const engine::Publisher& publisher, TransferOptions options);
    ~TransferServer();
    TransferServer(const TransferServer&) = delete;
    TransferServer& operator=(const TransferServer&) = delete;

    void configure(std::shared_ptr<const TransferAccess> access);
    void start();
    void stop();  // closes what is queued; waits for the transfers in progress

    // A connection whose next query is `query` (AXFR or IXFR), after `unsent` earlier
    // replies. Takes `fd` in every case.
    void submit(int fd, std::vector<uint8_t> unsent, std::vector<uint8_t> query, const engine::Peer& peer);

    const TransferCounters& counters() const { return counters_; }

private:
    struct Job {
        int fd;
        std::vector<uint8_t> unsent;
        std::vector<uint8_t> query;
        engine::Peer peer;
    };
    void loop();
    void serve(Job& job);

    const engine::Publisher& publisher_;
    TransferOptions options_;
    std::mutex mu_;
    std::condition_variable cv_;
    std::deque<Job> jobs_;
    std::shared_ptr<const TransferAccess> access_;
    bool stopping_ = false;
    std::vector<std::thread> threads_;
    std::mutex count_mu_;  // one writer at a time for counters_
    TransferCounters counters_;
};

}  // namespace fz::xfr
