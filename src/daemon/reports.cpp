// status, stats and health as text, from one Totals.
#include "daemon/reports.h"

#include <algorithm>

#include <unistd.h>

#include <ctime>
#include <sstream>

#include "dns/rrtype.h"
#include "policy/health_check.h"

namespace fz::daemon {
namespace {

// "2026-12-02T12:00:00Z", or "never" for 0.
std::string utc_time(int64_t ms) {
    if (ms == 0) return "never";
    time_t t = static_cast<time_t>(ms / 1000);
    tm g;
    gmtime_r(&t, &g);
    char buf[32];
    std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &g);
    return buf;
}

}  // namespace

std::string status_text(const Totals& t) {
    std::ostringstream o;
    auto up = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now() - t.started_at).count();
    o << "fastzoned pid " << getpid() << ", up " << up << " s, snapshot generation " << t.generation << "\n";
    o << "config " << t.config_path << "\n";
    for (const auto& z : t.zones) {
        o << "zone " << z.name << ": " << z.records << " records, " << z.names << " names, " << z.image_bytes
          << " image bytes, " << z.policies << " routing policies\n";
    }
    o << "reloads: " << t.reloads_ok << " ok, " << t.reloads_failed << " failed";
    if (!t.last_reload_ok) o << "; last failed: " << t.last_reload_error;
    o << "\n";
    o << "data plane: " << (t.dataplane ? "running" : "off") << "\n";
    const Totals::Changes& c = t.changes;
    o << "store: " << (c.store.empty() ? "none" : c.store) << " (" << c.stored_zones << " zones; " << c.file_zones
      << " file-managed listed by the API)\n";
    o << "route 53 api: " << (c.api_port != 0 ? "port " + std::to_string(c.api_port) : std::string("off")) << "\n";
    o << "changes: " << c.rebuilds << " rebuilds after changes, " << c.rebuilds_failed << " failed\n";
    for (const xfr::SecondaryStatus& z : c.secondaries) {
        o << "secondary " << z.zone << ": " << z.state << ", serial " << z.serial << ", primary "
          << (z.primary.empty() ? "-" : z.primary) << ", last refresh " << utc_time(z.last_refresh_ms)
          << ", next refresh " << utc_time(z.next_refresh_ms) << ", expires "
          << (z.expires_ms == 0 ? std::string("-") : utc_time(z.expires_ms));
        if (!z.last_error.empty()) o << ", last error: " << z.last_error;
        o << "\n";
    }
    for (const CatalogStatus& cat : c.catalogs) {
        o << "catalog " << cat.catalog << ": " << cat.role << ", " << cat.members << " members\n";
    }
    if (const AnycastState& a = t.anycast; a.configured) {
        std::string addresses;
        for (const auto& x : a.addresses) addresses += (addresses.empty() ? "" : " ") + x;
        o << "anycast: " << (a.announced ? "announced" : "WITHDRAWN") << ": " << a.reason << "; since "
          << utc_time(a.since_ms) << "; " << addresses << " on " << a.interface << "; " << a.withdrawals
          << " withdrawals";
        if (!a.error.empty()) o << "; netlink error: " << a.error;
        o << "\n";
    } else {
        o << "anycast: off\n";
    }
    return o.str();
}

std::string fleet_text(const Totals& t) {
    if (!t.changes.fleet) return "no fleet: the store is not etcd (store.etcd)\n";
    const store::FleetView& f = *t.changes.fleet;
    std::ostringstream o;
    int64_t newest = 0;
    for (const auto& n : f.nodes) newest = std::max(newest, n.revision);
    o << "fleet: " << f.nodes.size() << " servers, etcd revision " << f.store_revision;
    if (!f.ok) {
        o << "; etcd not answering (" << f.error << "), the data served is stale since "
          << (f.last_contact_ms == 0 ? std::string("the start") : utc_time(f.last_contact_ms));
    }
    o << "\n";
    for (const auto& n : f.nodes) {
        o << "server " << n.name << ": revision " << n.revision << ", lag " << newest - n.revision << ", live"
          << (n.self ? " (this server)" : "") << "\n";
    }
    return o.str();
}

std::string stats_text(const Totals& t) {
    const engine::CounterTotals& c = *t.sum;
    std::ostringstream o;
    o << "queries " << c.queries << "\nresponses " << c.responses() << "\nudp " << c.udp << "\ntcp " << c.tcp
      << "\ntruncated " << c.truncated << "\nedns " << c.edns << "\necs " << c.ecs << "\n";
    for (size_t r : reported_rcodes(c)) {
        o << "rcode " << dns::rcode_name(static_cast<uint16_t>(r)) << " " << c.rcode[r] << "\n";
    }
    o << "dropped short " << c.dropped[static_cast<size_t>(engine::Drop::kShort)] << "\n";
    o << "dropped response " << c.dropped[static_cast<size_t>(engine::Drop::kResponse)] << "\n";
    o << "dropped malformed " << c.dropped[static_cast<size_t>(engine::Drop::kMalformed)] << "\n";
    for (const auto& [w, q] : t.per_worker) o << "worker " << w << " queries " << q << "\n";
    for (const auto& [what, n] : t.changes.updates) o << "update " << what << " " << n << "\n";
    o << "update dropped_queue_full " << t.changes.updates_dropped << "\n";
    for (const auto& [what, n] : t.changes.transfers) o << "transfer " << what << " " << n << "\n";
    for (const auto& [what, n] : t.changes.notifies) o << "notify " << what << " " << n << "\n";
    for (const auto& [what, n] : t.changes.transfers_in) o << "transfer_in " << what << " " << n << "\n";
    for (size_t z = 0; z < t.zone_slots.size() && z < c.zones.size(); ++z) {
        if (c.zones[z].queries() == 0 || t.zone_slots[z].empty()) continue;
        o << "zone " << t.zone_slots[z] << " queries " << c.zones[z].queries();
        for (size_t r = 0; r < engine::kZoneRcodes; ++r) {
            if (c.zones[z].rcode[r] == 0) continue;
            o << " " << dns::rcode_name(static_cast<uint16_t>(r)) << " " << c.zones[z].rcode[r];
        }
        if (c.zones[z].rcode[engine::kZoneRcodes]) o << " other " << c.zones[z].rcode[engine::kZoneRcodes];
        o << "\n";
    }
    for (size_t m = 1; m < t.member_slots.size() && m < c.members.size(); ++m) {
        if (c.members[m] == 0 || t.member_slots[m].name.empty()) continue;
        const auto& member = t.member_slots[m];
        o << "policy " << member.name << " " << member.type << " \"" << member.set_identifier << "\" answers "
          << c.members[m] << "\n";
    }
    o << "tcp_connections " << t.tcp_connections << "\n";
    const auto& closed = t.tcp_closed;
    o << "tcp_closed idle " << closed.idle << " io_timeout " << closed.io_timeout << " slots_full " << closed.slots_full
      << " output_budget " << closed.output_budget << " descriptors " << closed.descriptors << "\n";
    o << "tcp_accept_errors " << closed.accept_errors << "\ntcp_pending_output " << t.tcp_pending_output << "\n";
    return o.str();
}

std::string health_text(const Totals& t) {
    if (!t.health) return "no health checks configured\n";
    std::ostringstream o;
    for (size_t i = 0; i < t.health->size(); ++i) {
        const auto& c = (*t.health)[i];
        o << c.id << " " << policy::health_check_type_name(c.type) << " " << (c.target.empty() ? "-" : c.target) << ": "
          << (c.healthy ? "healthy" : "UNHEALTHY") << (c.disabled ? " (disabled)" : "")
          << (c.inverted ? " (inverted)" : "") << "; last result ";
        if (c.has_result) {
            o << (c.last_ok ? "ok" : "fail") << (c.last_reason.empty() ? "" : " (" + c.last_reason + ")");
        } else {
            o << "none yet";
        }
        o << " at " << utc_time(c.last_result_ms) << "; last change " << utc_time(c.last_change_ms) << "; flips "
          << c.flips << ", results " << c.results << ", failures " << c.failures;
        if (!c.probed_here) o << "; not probed here";
        if (t.health_checkers && i < t.health_checkers->size()) {
            // In a fleet: the state above is the aggregate of every server's observation.
            const health::Tally& k = (*t.health_checkers)[i];
            o << "; checkers " << k.healthy << " of " << k.total << " healthy (healthy above "
              << static_cast<int>(t.health_threshold * 100 + 0.5) << "%)";
        }
        o << "\n";
    }
    return o.str();
}

}  // namespace fz::daemon
