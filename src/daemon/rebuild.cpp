// The daemon's side of the change path: rebuilding and publishing after accepted changes,
// health checks that come and go with them, and what the API asks of the running server.
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>

#include "common/log.h"
#include "common/memory.h"
#include "daemon/changes.h"
#include "daemon/daemon.h"
#include "dns/message_reader.h"
#include "dns/rrtype.h"
#include "engine/explain.h"
#include "engine/snapshot.h"
#include "health/checker.h"
#include "policy/client.h"
#include "zone/rdata_text.h"

namespace fz::daemon {
namespace {

change::ServiceError invalid(const std::string& message) { return change::ServiceError{"InvalidInput", message, {}}; }

}  // namespace

Status Daemon::rebuild_from(const change::Registry::View& view) {
    auto t0 = std::chrono::steady_clock::now();
    std::string whole;  // why the snapshot was built whole, not patched
    loader::LoadReport report;
    {
        std::lock_guard<std::mutex> lock(reload_mutex_);
        Result<std::unique_ptr<engine::Snapshot>> snap = Error{"", 0, "not built"};
        try {
            snap = patched_snapshot(view);
            if (!snap) {
                whole = snap.error().message;
                snap = loader::build_snapshot(config_, ChangePath::inputs(view), &report, file_zones_);
            }
        } catch (const std::exception& e) {
            snap = Error{config_path_, 0, std::string("cannot build the new data: ") + e.what()};
        }
        if (!snap) {
            log::error("change not served: the new data does not build, still serving the previous data",
                       log::kv("error", snap.error().to_string()));
            return snap.error();
        }
        assign_slots(**snap);
        auto hs = refresh_health(**snap, view);
        if (!hs) {
            log::error("change not served: health checks", log::kv("error", hs.error().to_string()));
            return hs.error();
        }
        (*snap)->generation = ++generation_;
        publish(std::move(snap.value()));
        const bool signed_zone = std::any_of(report.file_zones.begin(), report.file_zones.end(),
                                             [](const auto& f) { return f.oldest_signature != 0; });
        serving(view, whole.empty() ? nullptr : &report);
        // Its re-signing and key events are the main thread's to schedule.
        if (signed_zone) kill(getpid(), kRescheduleSignal);
    }
    changes_->published(view);
    // A whole build leaves the parse's and the old snapshot's pages with the allocator.
    if (!whole.empty()) release_free_memory();
    double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    std::string how = whole.empty() ? log::kv("patched", "yes") : log::kv("built_whole", whole);
    log::info("changes published", log::kv("sequence", static_cast<long long>(view.sequence)) + " " +
                                       log::kv("generation", static_cast<long long>(generation_)) + " " +
                                       log::kv("rebuild_ms", static_cast<long long>(ms)) + " " + how);
    return Ok{};
}

namespace {

Result<dns::Name> origin_of(const std::string& text) {
    std::string t = text;
    while (!t.empty() && t.front() == ' ') t.erase(t.begin());
    while (!t.empty() && t.back() == ' ') t.pop_back();
    if (t.empty()) return Error{"", 0, "which zone? give its origin"};
    if (t.back() != '.') t += '.';
    auto name = dns::name_from_text(t, nullptr);
    if (!name) return Error{"", 0, "bad zone origin '" + text + "': " + name.error().message};
    return *name;
}

}  // namespace

Result<std::string> Daemon::import_zone(const std::string& origin_text) {
    auto origin = origin_of(origin_text);
    if (!origin) return origin.error();
    if (!changes_->has_store()) return Error{config_path_, 0, "no store: set store.path to import zones into one"};
    if (changes_->registry().stored(*origin)) return Error{"", 0, origin->to_text() + " is in the store already"};
    const loader::ZoneConfig* zc = nullptr;
    {
        std::lock_guard<std::mutex> lock(reload_mutex_);
        for (const auto& z : config_.zones) {
            if (z.origin == *origin) zc = &z;
        }
        if (zc == nullptr) return Error{config_path_, 0, "no zone " + origin->to_text() + " in the configuration"};
        auto content = loader::zone_content(*zc);
        if (!content) return content.error();
        if (content->id.empty()) content->id = change::Registry::derived_zone_id(*origin);
        auto imported = changes_->registry().import_zone(std::move(content.value()));
        if (!imported.ok()) return Error{zc->file, 0, imported.error().message};
        return "imported " + origin->to_text() + " as hosted zone " + imported->id + " (" +
               std::to_string(imported->record_set_count) +
               " record sets): it is served from the store now, and its zone file is no longer read";
    }
}

Result<std::string> Daemon::export_zone(const std::string& origin_text, bool json) const {
    auto origin = origin_of(origin_text);
    if (!origin) return origin.error();
    for (const auto& s : changes_->registry().zones()) {
        if (s.origin != *origin) continue;
        auto z = changes_->registry().zone(s.id);
        if (z) return json ? change::to_record_sets_json(*z) : change::to_zone_file(*z);
    }
    std::lock_guard<std::mutex> lock(reload_mutex_);
    for (const auto& zc : config_.zones) {
        if (zc.origin != *origin) continue;
        auto z = loader::zone_content(zc);
        if (!z) return z.error();
        return json ? change::to_record_sets_json(*z) : change::to_zone_file(*z);
    }
    return Error{"", 0, "no zone " + origin->to_text() + " is served"};
}

change::RegistryHooks Daemon::registry_hooks() {
    change::RegistryHooks hooks;
    hooks.health_status = [this](const std::string& id) { return health_observations(id); };
    hooks.test_answer = [this](const change::ZoneContent& zone, const std::string& record_name,
                               const std::string& record_type, const std::string& resolver_ip,
                               const std::string& subnet_ip,
                               std::optional<int> subnet_mask) -> change::Outcome<change::DnsAnswerTest> {
        std::string name = record_name;
        if (name.empty() || name.back() != '.') name += '.';
        auto qname = dns::name_from_text(name, nullptr);
        if (!qname) return invalid("bad record name '" + record_name + "'");
        if (!qname->is_subdomain_of(zone.origin)) return invalid(name + " is not in zone " + zone.origin.to_text());
        auto qtype = dns::type_from_text(record_type);
        if (!qtype) return invalid("unknown record type '" + record_type + "'");
        engine::ExplainRequest req;
        req.qname = *qname;
        req.qtype = *qtype;
        if (!resolver_ip.empty()) {
            req.client = policy::parse_client(resolver_ip);
            if (!req.client) return invalid("bad resolver IP '" + resolver_ip + "'");
        }
        if (!subnet_ip.empty()) {
            std::optional<unsigned> prefix;
            if (subnet_mask) prefix = static_cast<unsigned>(*subnet_mask);
            req.ecs = policy::parse_client(subnet_ip, prefix);
            if (!req.ecs) return invalid("bad client subnet '" + subnet_ip + "'");
        }
        const uint64_t seed = static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
        std::vector<uint8_t> wire = publisher_.with_current([&](const engine::Snapshot& snap) {
            return engine::answer_request(snap, req, seed, engine::Transport::kUdp);
        });
        auto msg = dns::read_message(wire.data(), wire.size());
        if (!msg) return change::ServiceError{"ServiceUnavailable", "the answer could not be read back", {}};
        change::DnsAnswerTest t;
        t.nameserver = config_.server.identity.empty() ? "fastzone" : config_.server.identity;
        t.record_name = name;
        t.record_type = dns::type_to_text(*qtype);
        t.response_code = dns::rcode_name(msg->rcode());
        for (const auto& rr : msg->answer) {
            if (rr.type != *qtype) continue;
            t.record_data.push_back(zone::rdata_to_text(rr.type, rr.rdata.data(), rr.rdata.size()));
        }
        return t;
    };
    return hooks;
}

}  // namespace fz::daemon
