// One value holding everything `status`, `stats`, `health` and /metrics report, read from
// the running server at one moment (Daemon::totals()). The renderers (reports.h,
// metrics.h) are pure functions of it.
#pragma once

#include <chrono>
#include <cstdint>
#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "daemon/anycast.h"
#include "daemon/catalog.h"
#include "dns/wire.h"
#include "engine/answer.h"
#include "engine/counter_slots.h"
#include "health/aggregate.h"
#include "health/status.h"
#include "io/dpdk/dataplane.h"
#include "store/etcd_fleet.h"
#include "xfr/secondary.h"

namespace fz::daemon {

struct Totals {
    // Every worker's counters summed, multivalue windows turned into answers per member,
    // each zone and member slot counted since its current owner got it.
    std::unique_ptr<engine::CounterTotals> sum = std::make_unique<engine::CounterTotals>();
    std::unique_ptr<io::dpdk::DataplaneStats> dataplane;       // null without a data plane
    std::vector<std::pair<std::string, uint64_t>> per_worker;  // ("udp-0", queries), ("tcp", ...), ("lcore ...", ...)
    size_t tcp_connections = 0;
    size_t tcp_pending_output = 0;  // bytes of replies waiting for their clients to take them
    // TCP connections the server closed, by reason (io::TcpCounters), and accept() failures.
    struct TcpClosed {
        uint64_t idle = 0;
        uint64_t io_timeout = 0;
        uint64_t slots_full = 0;
        uint64_t output_budget = 0;
        uint64_t descriptors = 0;
        uint64_t accept_errors = 0;
    } tcp_closed;
    // Labels of the counter slots: zones (index = slot), record sets chosen (index = slot);
    // empty for a free slot.
    std::vector<std::string> zone_slots;
    std::vector<engine::CounterSlots::Member> member_slots;

    // The served snapshot.
    struct Zone {
        std::string name;
        uint32_t records = 0;
        uint32_t names = 0;
        uint32_t policies = 0;
        size_t image_bytes = 0;
    };
    std::vector<Zone> zones;
    uint64_t generation = 0;

    // Health checks: absent when none are configured.
    std::optional<std::vector<health::CheckStatus>> health;
    // In a fleet: the checkers reporting on each check (index-aligned with `health`, whose
    // `healthy` is then the aggregate the policies read) and the share that must say healthy.
    std::optional<std::vector<health::Tally>> health_checkers;
    double health_threshold = 0;
    uint64_t health_updates = 0;  // health changes applied to the policy tables
    uint64_t redraws = 0;         // multivalue answer windows drawn anew

    // The change path.
    struct Changes {
        std::string store;        // the store's folder; empty without one
        size_t stored_zones = 0;  // zones served from the store
        size_t file_zones = 0;    // zones served from their files
        uint16_t api_port = 0;    // 0: no Route 53 API
        uint64_t rebuilds = 0;    // snapshots built after accepted changes
        uint64_t rebuilds_failed = 0;
        // UPDATE outcomes by name ("applied", "refused_acl", "tsig_badsig", ...), in a fixed order.
        std::vector<std::pair<std::string, uint64_t>> updates;
        uint64_t updates_dropped = 0;  // UDP UPDATEs dropped for a full queue
        // Outgoing transfers by outcome ("axfr", "ixfr", "refused", ..., "records", "bytes")
        // and NOTIFY to the secondaries ("sent", "answered", "failed"), in a fixed order.
        std::vector<std::pair<std::string, uint64_t>> transfers;
        std::vector<std::pair<std::string, uint64_t>> notifies;
        // Zones fastzone is a secondary of, and the counts of its refreshes and transfers in.
        std::vector<xfr::SecondaryStatus> secondaries;
        std::vector<std::pair<std::string, uint64_t>> transfers_in;
        // Catalog zones: each consumed one and the produced one, with their member counts.
        std::vector<CatalogStatus> catalogs;
        uint64_t catalog_errors = 0;  // catalogs not read, entries ignored, catalogs not written
        // The fleet's members, when the store is etcd.
        std::optional<store::FleetView> fleet;
    } changes;

    // Anycast announcement (anycast:): configured false without the section.
    AnycastState anycast;

    // The process and its reloads.
    std::string config_path;
    std::chrono::system_clock::time_point started_at;
    std::chrono::system_clock::time_point last_reload_at;
    uint64_t reloads_ok = 0;
    uint64_t reloads_failed = 0;
    bool last_reload_ok = true;
    std::string last_reload_error;
};

// The rcodes reported, as indexes of QueryCounts::rcode: NOERROR..YXDOMAIN, NOTAUTH and
// BADVERS always (what answer() sends), any other one counted. Their counts add up to
// responses(), and with the drops to the queries.
inline std::vector<size_t> reported_rcodes(const engine::QueryCounts& c) {
    std::vector<size_t> out;
    for (size_t r = 0; r < std::size(c.rcode); ++r) {
        const bool sent = r <= dns::rcode::YXDOMAIN || r == dns::rcode::NOTAUTH || r == dns::rcode::BADVERS;
        if (sent || c.rcode[r] != 0) out.push_back(r);
    }
    return out;
}

}  // namespace fz::daemon
