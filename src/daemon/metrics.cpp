// Prometheus text exposition format (version 0.0.4), from one Totals.
#include "daemon/metrics.h"

#include <algorithm>
#include <iterator>
#include <sstream>

#include "dns/rrtype.h"

namespace fz::daemon {
namespace {

// Prometheus label values escape backslash, quote and newline.
std::string label(std::string_view v) {
    std::string out;
    for (char c : v) {
        if (c == '\\' || c == '"') out += '\\';
        if (c == '\n') {
            out += "\\n";
            continue;
        }
        out += c;
    }
    return out;
}

class Exposition {
public:
    void head(const char* name, const char* type, const char* help) {
        o_ << "# HELP " << name << " " << help << "\n# TYPE " << name << " " << type << "\n";
    }
    std::ostringstream& out() { return o_; }
    std::string str() const { return o_.str(); }

private:
    std::ostringstream o_;
};

void queries_and_responses(Exposition& e, const Totals& t) {
    const engine::CounterTotals& c = *t.sum;
    auto& o = e.out();
    e.head("fastzone_queries_total", "counter", "Queries received, by worker (thread or data plane).");
    for (const auto& [w, q] : t.per_worker) o << "fastzone_queries_total{worker=\"" << w << "\"} " << q << "\n";
    e.head("fastzone_responses_total", "counter", "Responses sent, by rcode (every response once).");
    for (size_t r : reported_rcodes(c)) {
        o << "fastzone_responses_total{rcode=\"" << dns::rcode_name(static_cast<uint16_t>(r)) << "\"} " << c.rcode[r]
          << "\n";
    }
    e.head("fastzone_dropped_total", "counter", "Queries dropped without a response, by reason.");
    o << "fastzone_dropped_total{reason=\"short\"} " << c.dropped[static_cast<size_t>(engine::Drop::kShort)] << "\n";
    o << "fastzone_dropped_total{reason=\"response\"} " << c.dropped[static_cast<size_t>(engine::Drop::kResponse)]
      << "\n";
    o << "fastzone_dropped_total{reason=\"malformed\"} " << c.dropped[static_cast<size_t>(engine::Drop::kMalformed)]
      << "\n";
    e.head("fastzone_truncated_total", "counter", "Responses with TC=1.");
    o << "fastzone_truncated_total " << c.truncated << "\n";
    e.head("fastzone_queries_by_transport_total", "counter", "Queries by transport.");
    o << "fastzone_queries_by_transport_total{transport=\"udp\"} " << c.udp << "\n";
    o << "fastzone_queries_by_transport_total{transport=\"tcp\"} " << c.tcp << "\n";
    e.head("fastzone_edns_queries_total", "counter", "Queries with EDNS, and with EDNS Client Subnet.");
    o << "fastzone_edns_queries_total{option=\"any\"} " << c.edns << "\n";
    o << "fastzone_edns_queries_total{option=\"client_subnet\"} " << c.ecs << "\n";
}

void zones_and_record_sets(Exposition& e, const Totals& t) {
    const engine::CounterTotals& c = *t.sum;
    auto& o = e.out();
    const auto& zones = t.zone_slots;
    const size_t zone_count = std::min(zones.size(), c.zones.size());
    e.head("fastzone_zone_queries_total", "counter",
           "Queries answered per zone (names in no zone, and queries not parsed: zone=\"(no zone)\").");
    for (size_t z = 0; z < zone_count; ++z) {
        if (zones[z].empty()) continue;  // a free slot
        o << "fastzone_zone_queries_total{zone=\"" << label(zones[z]) << "\"} " << c.zones[z].queries() << "\n";
    }
    e.head("fastzone_zone_responses_total", "counter",
           "Responses per zone and rcode (rcode=\"other\": NOTAUTH, BADVERS and the rest).");
    for (size_t z = 0; z < zone_count; ++z) {
        if (zones[z].empty()) continue;
        for (size_t r = 0; r <= engine::kZoneRcodes; ++r) {
            if (c.zones[z].rcode[r] == 0 && r != 0 && r != 3) continue;
            const std::string rcode = r < engine::kZoneRcodes ? dns::rcode_name(static_cast<uint16_t>(r)) : "other";
            o << "fastzone_zone_responses_total{zone=\"" << label(zones[z]) << "\",rcode=\"" << rcode << "\"} "
              << c.zones[z].rcode[r] << "\n";
        }
    }
    const auto& members = t.member_slots;
    e.head("fastzone_policy_answers_total", "counter", "Answers per routing-policy record set chosen.");
    for (size_t m = 1; m < members.size() && m < c.members.size(); ++m) {
        if (members[m].name.empty()) continue;  // a free slot
        o << "fastzone_policy_answers_total{name=\"" << label(members[m].name) << "\",type=\"" << members[m].type
          << "\",set_identifier=\"" << label(members[m].set_identifier) << "\"} " << c.members[m] << "\n";
    }
}

void health(Exposition& e, const Totals& t) {
    auto& o = e.out();
    if (t.health) {
        const auto& st = *t.health;
        e.head("fastzone_health_check_healthy", "gauge", "1 when the health check counts as healthy.");
        for (const auto& h : st)
            o << "fastzone_health_check_healthy{id=\"" << label(h.id) << "\"} " << (h.healthy ? 1 : 0) << "\n";
        e.head("fastzone_health_check_flips_total", "counter", "Changes of health of each check.");
        for (const auto& h : st)
            o << "fastzone_health_check_flips_total{id=\"" << label(h.id) << "\"} " << h.flips << "\n";
        e.head("fastzone_health_check_results_total", "counter", "Probe results of each check.");
        for (const auto& h : st) {
            o << "fastzone_health_check_results_total{id=\"" << label(h.id) << "\",result=\"ok\"} "
              << h.results - h.failures << "\n";
            o << "fastzone_health_check_results_total{id=\"" << label(h.id) << "\",result=\"fail\"} " << h.failures
              << "\n";
        }
    }
    if (t.health && t.health_checkers) {
        e.head("fastzone_health_check_checkers", "gauge",
               "The fleet's checkers reporting on each check, and those that say healthy.");
        for (size_t i = 0; i < t.health->size() && i < t.health_checkers->size(); ++i) {
            const std::string id = label((*t.health)[i].id);
            o << "fastzone_health_check_checkers{id=\"" << id << "\",state=\"healthy\"} "
              << (*t.health_checkers)[i].healthy << "\n";
            o << "fastzone_health_check_checkers{id=\"" << id << "\",state=\"reporting\"} "
              << (*t.health_checkers)[i].total << "\n";
        }
    }
    e.head("fastzone_health_updates_total", "counter", "Health changes applied to the policy tables.");
    o << "fastzone_health_updates_total " << t.health_updates << "\n";
    e.head("fastzone_multivalue_redraws_total", "counter", "Times the multivalue answer windows were drawn anew.");
    o << "fastzone_multivalue_redraws_total " << t.redraws << "\n";
}

void dataplane(Exposition& e, const io::dpdk::IoCounters& io) {
    auto& o = e.out();
    e.head("fastzone_dataplane_frames_total", "counter", "Frames through the data plane's ports.");
    o << "fastzone_dataplane_frames_total{direction=\"rx\"} " << io.rx << "\n";
    o << "fastzone_dataplane_frames_total{direction=\"tx\"} " << io.tx << "\n";
    o << "fastzone_dataplane_frames_total{direction=\"tx_dropped\"} " << io.tx_dropped << "\n";
    e.head("fastzone_dataplane_dropped_total", "counter", "Frames the data plane dropped, by reason.");
    for (size_t r = 0; r < std::size(io.dropped); ++r) {
        o << "fastzone_dataplane_dropped_total{reason=\"" << io::dpdk::kDropReasonNames[r] << "\"} " << io.dropped[r]
          << "\n";
    }
    o << "fastzone_dataplane_dropped_total{reason=\"too_big\"} " << io.too_big << "\n";
    o << "fastzone_dataplane_dropped_total{reason=\"no_exception_path\"} " << io.kernel_dropped << "\n";
    e.head("fastzone_dataplane_neighbor_replies_total", "counter", "ARP replies and neighbour advertisements sent.");
    o << "fastzone_dataplane_neighbor_replies_total{protocol=\"arp\"} " << io.arp_replies << "\n";
    o << "fastzone_dataplane_neighbor_replies_total{protocol=\"nd\"} " << io.nd_adverts << "\n";
    e.head("fastzone_dataplane_exception_frames_total", "counter", "Frames through the exception path to the kernel.");
    o << "fastzone_dataplane_exception_frames_total{direction=\"to_kernel\"} " << io.to_kernel << "\n";
    o << "fastzone_dataplane_exception_frames_total{direction=\"from_kernel\"} " << io.from_kernel << "\n";
}

void server(Exposition& e, const Totals& t) {
    auto& o = e.out();
    e.head("fastzone_tcp_connections", "gauge", "Open TCP connections.");
    o << "fastzone_tcp_connections " << t.tcp_connections << "\n";
    e.head("fastzone_tcp_pending_output_bytes", "gauge",
           "Bytes of TCP replies waiting for their clients to take them.");
    o << "fastzone_tcp_pending_output_bytes " << t.tcp_pending_output << "\n";
    e.head("fastzone_tcp_closed_total", "counter", "TCP connections the server closed, by reason.");
    const auto& c = t.tcp_closed;
    for (const auto& [reason, n] : {std::pair{"idle", c.idle},
                                    {"io_timeout", c.io_timeout},
                                    {"slots_full", c.slots_full},
                                    {"output_budget", c.output_budget},
                                    {"descriptors", c.descriptors}}) {
        o << "fastzone_tcp_closed_total{reason=\"" << reason << "\"} " << n << "\n";
    }
    e.head("fastzone_tcp_accept_errors_total", "counter", "accept() out of descriptors, buffers or memory.");
    o << "fastzone_tcp_accept_errors_total " << c.accept_errors << "\n";
    e.head("fastzone_updates_total", "counter", "RFC 2136 UPDATE messages, by outcome.");
    for (const auto& [what, n] : t.changes.updates) {
        if (what != "received") o << "fastzone_updates_total{outcome=\"" << what << "\"} " << n << "\n";
    }
    o << "fastzone_updates_total{outcome=\"dropped_queue_full\"} " << t.changes.updates_dropped << "\n";
    e.head("fastzone_transfers_out_total", "counter", "AXFR and IXFR requests answered or refused, by outcome.");
    for (const auto& [what, n] : t.changes.transfers) {
        if (what != "requests" && what != "records" && what != "bytes")
            o << "fastzone_transfers_out_total{outcome=\"" << what << "\"} " << n << "\n";
    }
    for (const auto& [what, n] : t.changes.transfers) {
        if (what == "records") {
            e.head("fastzone_transfer_out_records_total", "counter", "Records sent in outgoing transfers.");
            o << "fastzone_transfer_out_records_total " << n << "\n";
        } else if (what == "bytes") {
            e.head("fastzone_transfer_out_bytes_total", "counter", "Bytes sent in outgoing transfers.");
            o << "fastzone_transfer_out_bytes_total " << n << "\n";
        }
    }
    e.head("fastzone_notify_out_total", "counter", "NOTIFY messages to secondaries, by outcome.");
    for (const auto& [what, n] : t.changes.notifies)
        o << "fastzone_notify_out_total{outcome=\"" << what << "\"} " << n << "\n";
    e.head("fastzone_transfers_in_total", "counter", "Secondary zones' SOA checks and transfers in, by outcome.");
    for (const auto& [what, n] : t.changes.transfers_in)
        o << "fastzone_transfers_in_total{outcome=\"" << what << "\"} " << n << "\n";
    e.head("fastzone_secondary_serial", "gauge", "The serial each secondary zone serves (0: no copy yet).");
    for (const auto& z : t.changes.secondaries)
        o << "fastzone_secondary_serial{zone=\"" << z.zone << "\"} " << z.serial << "\n";
    e.head("fastzone_secondary_expired", "gauge",
           "1 when a secondary zone went past its SOA expire without a refresh.");
    for (const auto& z : t.changes.secondaries)
        o << "fastzone_secondary_expired{zone=\"" << z.zone << "\"} " << (z.state == "expired" ? 1 : 0) << "\n";
    e.head("fastzone_secondary_last_refresh_seconds", "gauge",
           "Unix time of a secondary zone's last refresh (0: none).");
    for (const auto& z : t.changes.secondaries)
        o << "fastzone_secondary_last_refresh_seconds{zone=\"" << z.zone << "\"} " << z.last_refresh_ms / 1000 << "\n";
    if (const auto& f = t.changes.fleet) {
        int64_t newest = 0;
        for (const auto& n : f->nodes) newest = std::max(newest, n.revision);
        e.head("fastzone_fleet_servers", "gauge", "Live servers of the fleet (etcd leases).");
        o << "fastzone_fleet_servers " << f->nodes.size() << "\n";
        e.head("fastzone_fleet_etcd_reachable", "gauge", "1 when etcd answered the last read of the fleet.");
        o << "fastzone_fleet_etcd_reachable " << (f->ok ? 1 : 0) << "\n";
        e.head("fastzone_fleet_etcd_last_contact_seconds", "gauge",
               "Unix time of the last read etcd answered: the data served is stale since then while it is away.");
        o << "fastzone_fleet_etcd_last_contact_seconds " << f->last_contact_ms / 1000 << "\n";
        e.head("fastzone_fleet_server_revision", "gauge", "The store revision each live server serves.");
        for (const auto& n : f->nodes)
            o << "fastzone_fleet_server_revision{server=\"" << n.name << "\"} " << n.revision << "\n";
        e.head("fastzone_fleet_server_lag", "gauge", "Revisions each server is behind the most current one.");
        for (const auto& n : f->nodes) {
            o << "fastzone_fleet_server_lag{server=\"" << n.name << "\"} " << newest - n.revision << "\n";
        }
    }
    e.head("fastzone_catalog_members", "gauge", "The member zones each catalog lists, consumed or produced.");
    for (const auto& cat : t.changes.catalogs) {
        o << "fastzone_catalog_members{catalog=\"" << cat.catalog << "\",role=\"" << cat.role << "\"} " << cat.members
          << "\n";
    }
    e.head("fastzone_catalog_errors_total", "counter",
           "Catalogs not read (no version 2), entries ignored, produced catalogs not written.");
    o << "fastzone_catalog_errors_total " << t.changes.catalog_errors << "\n";
    e.head("fastzone_change_rebuilds_total", "counter", "Snapshots built after accepted changes, by result.");
    o << "fastzone_change_rebuilds_total{result=\"ok\"} " << t.changes.rebuilds - t.changes.rebuilds_failed << "\n";
    o << "fastzone_change_rebuilds_total{result=\"failed\"} " << t.changes.rebuilds_failed << "\n";
    e.head("fastzone_snapshot_generation", "gauge", "Generation of the snapshot being served (1 at start).");
    o << "fastzone_snapshot_generation " << t.generation << "\n";
    e.head("fastzone_reloads_total", "counter", "Reloads, by result.");
    o << "fastzone_reloads_total{result=\"ok\"} " << t.reloads_ok << "\n";
    o << "fastzone_reloads_total{result=\"error\"} " << t.reloads_failed << "\n";
    e.head("fastzone_last_reload_success", "gauge", "1 when the last reload (or the start) succeeded.");
    o << "fastzone_last_reload_success " << (t.last_reload_ok ? 1 : 0) << "\n";
    e.head("fastzone_last_reload_timestamp_seconds", "gauge", "When the last reload (or the start) happened.");
    o << "fastzone_last_reload_timestamp_seconds "
      << std::chrono::duration_cast<std::chrono::seconds>(t.last_reload_at.time_since_epoch()).count() << "\n";
    e.head("fastzone_zone_records", "gauge", "Records per zone in the served snapshot.");
    for (const auto& z : t.zones) o << "fastzone_zone_records{zone=\"" << label(z.name) << "\"} " << z.records << "\n";
    e.head("fastzone_zone_image_bytes", "gauge", "Bytes of each compiled zone image.");
    for (const auto& z : t.zones)
        o << "fastzone_zone_image_bytes{zone=\"" << label(z.name) << "\"} " << z.image_bytes << "\n";
}

void anycast(Exposition& e, const AnycastState& a) {
    e.head("fastzone_anycast_announced", "gauge", "1 while the anycast addresses are on their interface.");
    e.out() << "fastzone_anycast_announced " << (a.announced ? 1 : 0) << "\n";
    e.head("fastzone_anycast_withdrawals_total", "counter",
           "Anycast withdrawals: stop, a data-plane fault, stale data (etcd away).");
    e.out() << "fastzone_anycast_withdrawals_total " << a.withdrawals << "\n";
}

}  // namespace

std::string metrics_text(const Totals& t) {
    Exposition e;
    queries_and_responses(e, t);
    zones_and_record_sets(e, t);
    health(e, t);
    if (t.dataplane) dataplane(e, t.dataplane->io);
    server(e, t);
    if (t.anycast.configured) anycast(e, t.anycast);
    return e.str();
}

}  // namespace fz::daemon
