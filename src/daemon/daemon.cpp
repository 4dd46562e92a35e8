// The daemon's lifecycle: start, reload, health changes, stop.
#include "daemon/daemon.h"

#include <signal.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <functional>
#include <random>

#include "common/fd_limit.h"
#include "common/log.h"
#include "common/memory.h"
#include "common/rcu.h"
#include "daemon/changes.h"
#include "daemon/commands.h"
#include "daemon/control_socket.h"
#include "daemon/descriptor_budget.h"
#include "daemon/metrics.h"
#include "daemon/metrics_http.h"
#include "dns/message_reader.h"
#include "dns/name.h"
#include "dns/rrtype.h"
#include "engine/explain.h"
#include "engine/snapshot.h"
#include "health/checker.h"
#include "io/dpdk/dataplane.h"
#include "io/sockets/socket_server.h"
#include "loader/loader.h"
#include "policy/rng.h"
#include "policy/tables.h"
#include "zone/rdata_text.h"

namespace fz::daemon {
namespace {

std::string summary(const loader::LoadReport& r) {
    return log::kv("zones", static_cast<long long>(r.zones)) + " " +
           log::kv("records", static_cast<long long>(r.records)) + " " +
           log::kv("image_bytes", static_cast<long long>(r.image_bytes)) + " " +
           log::kv("parse_ms", static_cast<long long>(r.parse_ms)) + " " +
           log::kv("compile_ms", static_cast<long long>(r.compile_ms)) + " " +
           log::kv("unchanged_files_kept", static_cast<long long>(r.reused)) +
           (r.signatures + r.signatures_kept == 0
                ? std::string()
                : " " + log::kv("signatures", static_cast<long long>(r.signatures)) + " " +
                      log::kv("signatures_kept", static_cast<long long>(r.signatures_kept)) + " " +
                      log::kv("sign_ms", static_cast<long long>(r.sign_ms)));
}

void log_warnings(const loader::LoadReport& r) {
    for (const auto& w : r.warnings) log::warning("zone warning", log::kv("warning", w.to_string()));
}

// The soft descriptor limit raised to the hard one: 1,024 is the usual soft default, and
// TCP connections alone may want more.
uint64_t raise_descriptor_limit() {
    const FdLimit l = raise_fd_limit();
    log::info("descriptor limit", log::kv("soft", static_cast<long long>(l.soft)) + " " +
                                      log::kv("hard", static_cast<long long>(l.hard)) + " " +
                                      log::kv("soft_at_start", static_cast<long long>(l.soft_before)));
    return l.soft;
}

}  // namespace

Daemon::Daemon(std::string config_path) : config_path_(std::move(config_path)) {}

Daemon::~Daemon() { stop(); }

Status Daemon::start() {
    started_at_ = std::chrono::system_clock::now();
    fd_limit_ = raise_descriptor_limit();
    auto config = loader::load_config(config_path_);
    if (!config) return config.error();
    config_ = std::move(config.value());
    auto changes = ChangePath::open(config_, ChangePath::Host{
                                                 [this](const change::Registry::View& v) { return rebuild_from(v); },
                                                 registry_hooks(), [this] { health_changed(); }});
    if (!changes) return changes.error();
    changes_ = std::move(changes.value());
    auto configured = changes_->configure(config_);
    if (!configured) return configured.error();
    transfers_ = std::make_unique<Transfers>(publisher_, changes_->registry());
    auto transfers = transfers_->configure(config_);
    if (!transfers) return transfers.error();
    transfers_->start();
    const change::Registry::View view = changes_->view();
    loader::LoadReport report;
    auto snap = loader::build_snapshot(config_, ChangePath::inputs(view), &report);
    if (!snap) return snap.error();
    log_warnings(report);
    log::info("zones loaded", summary(report));
    assign_slots(**snap);
    (*snap)->generation = ++generation_;
    apply_thread_ = std::thread([this] { apply_health_loop(); });
    {
        // Held until the snapshot is published, so that a flip is never applied to
        // tables other than the ones its checker was started for.
        std::lock_guard<std::mutex> lock(reload_mutex_);
        auto hs = refresh_health(**snap, view);
        if (!hs) return hs.error();
        publish(std::move(snap.value()));
        serving(view, &report);
    }
    changes_->published(view);
    // The parse's and the compile's pages go back to the system: a 1M-record zone is
    // served at about a third of the RSS the allocator would otherwise keep.
    log::info("memory", log::kv("released", release_free_memory()));
    last_reload_at_ = std::chrono::system_clock::now();
    auto listening = start_listeners();
    if (!listening) return listening.error();
    auto changing = changes_->start(config_);
    if (!changing) return changing;
    return start_anycast();
}

Status Daemon::start_anycast() {
    auto anycast = std::make_unique<Anycast>(config_.anycast);
    auto st = anycast->start();
    if (!st) return st.error();
    // On the anycast thread: what is read here is set before and stopped after it.
    anycast->keep_announcing([this, fleet_configured = config_.store.etcd.has_value()] {
        AnycastInputs in;
        in.listening = sockets_ != nullptr || dataplane_ != nullptr;
        in.stopping = stopping_.load(std::memory_order_relaxed);
        if (dataplane_) in.dataplane_fault = dataplane_->fault();
        // A fleet serving its local copy (etcd not read since the start) has no contact yet.
        in.fleet = fleet_configured;
        if (const std::optional<store::FleetView> fleet = changes_->fleet())
            in.last_contact_ms = fleet->last_contact_ms;
        return in;
    });
    std::lock_guard<std::mutex> lock(reload_mutex_);  // totals() and reload() read it under the lock
    anycast_ = std::move(anycast);
    return Ok{};
}

io::SocketOptions Daemon::sized_socket_options() const {
    io::SocketOptions so = config_.server.sockets;
    const size_t checks = publisher_.with_current([](const engine::Snapshot& s) {
        return s.policies ? s.policies->set().health_checks.checks.size() : size_t{0};
    });
    const DescriptorReserve reserve = descriptor_reserve(config_, open_descriptors(), checks);
    const TcpCap cap = tcp_connection_cap(so.tcp_max_connections, fd_limit_, reserve);
    const std::string why = describe(cap, so.tcp_max_connections, fd_limit_, reserve);
    if (cap.lowered) {
        log::warning("tcp_max_connections lowered to fit the descriptor limit (raise LimitNOFILE / ulimit -n)", why);
    } else {
        log::info("tcp connections", why);
    }
    so.tcp_max_connections = cap.connections;
    return so;
}

Status Daemon::start_listeners() {
    if (config_.server.sockets.listen.empty() && !config_.dataplane) {
        return Error{config_path_, 0, "nothing to listen on: set server.listen or dataplane"};
    }
    const io::SocketOptions so = sized_socket_options();
    // The health flips apply_thread_ may already be applying read the workers' counters
    // through sockets_ and dataplane_ (sum_counters(), under the reload lock): set them under it.
    std::unique_lock<std::mutex> starting(reload_mutex_);
    sockets_ = std::make_unique<io::SocketServer>(so, publisher_);
    sockets_->set_update_handler([this](const uint8_t* msg, size_t len, const engine::Peer& peer,
                                        engine::Transport transport, uint8_t* out, size_t cap) {
        if (io::is_update(msg, len)) return changes_->handle_update(msg, len, peer, transport, out, cap);
        if (io::is_update_or_notify(msg, len)) return transfers_->answer_notify(msg, len, peer, transport, out, cap);
        return transfers_->answer_signed(msg, len, peer, transport, out, cap);
    });
    sockets_->set_handoff_handler([this](io::TcpHandoff h) {
        transfers_->take(h.fd, std::move(h.unsent), std::move(h.query), h.peer);
    });
    auto st = sockets_->start();
    if (!st) return st.error();
    std::string addrs;
    for (const auto& a : so.listen) addrs += (addrs.empty() ? "" : ",") + a.text;
    log::info("serving", log::kv("listen", addrs) + " " + log::kv("workers", static_cast<long long>(so.workers)));

    if (config_.dataplane) {
        // Kernel-bypass data plane: polls its ports on its own lcores, reading the
        // snapshot published above.
        auto dp = io::dpdk::Dataplane::start(*config_.dataplane, publisher_);
        if (!dp) return dp.error();
        dataplane_ = std::move(dp.value());
    }
    starting.unlock();
    std::string sock = config_.control_socket.empty() ? default_control_socket() : config_.control_socket;
    control_ = std::make_unique<ControlSocket>(sock, [this](const std::string& line, bool& ok) {
        return handle_command(*this, line, ok);
    });
    st = control_->start();
    if (!st) {
        log::warning("no control socket", log::kv("error", st.error().to_string()));
        control_.reset();
    } else {
        log::info("control socket", log::kv("path", sock));
    }
    if (config_.metrics.listen) {
        metrics_ = std::make_unique<MetricsHttp>(*config_.metrics.listen, [this] { return metrics_text(totals()); });
        st = metrics_->start();
        if (!st) return st.error();
        log::info("metrics", log::kv("listen", config_.metrics.listen->text));
    }
    return Ok{};
}

policy::PolicyTables::RetireFn Daemon::retire_into_counts(const engine::Snapshot& snap) {
    return [this, &snap](policy::PolicyTables::Retired old) {
        // After the grace period no worker counts into the old versions' windows: their
        // counts are final, and become answers per member before the windows are freed.
        rcu::synchronize();
        Totals t;
        sum_counters(t);
        for (const auto& version : old) slots_.fold(snap, *version, *t.sum);
        old.clear();
    };
}

void Daemon::assign_slots(engine::Snapshot& snap) {
    const engine::CounterSlots::Unslotted u = slots_.assign(snap);
    if (u.zones != 0 || u.members != 0) {
        log::warning("counter slots full: these count as \"(no zone)\" / \"(other)\"",
                     log::kv("zones", static_cast<long long>(u.zones)) + " " +
                         log::kv("record_sets", static_cast<long long>(u.members)));
    }
}

void Daemon::serving(const change::Registry::View& view, loader::LoadReport* built) {
    served_ = ServedStore::of(view);
    if (built != nullptr) file_zones_ = std::move(built->file_zones);
}

void Daemon::publish(std::unique_ptr<engine::Snapshot> snap) {
    // The retired snapshot's window counts are folded before it is freed.
    publisher_.publish(std::move(snap), [this](const engine::Snapshot& old) {
        Totals t;
        sum_counters(t);
        slots_.fold_all(old, *t.sum);
    });
    // After the grace period: the slots the new snapshot does not use are counted into by
    // no worker, and their counts, summed now, are final.
    Totals t;
    sum_counters(t);
    publisher_.with_current([&](const engine::Snapshot& s) {
        slots_.published(s, *t.sum);
        return 0;
    });
    if (transfers_) transfers_->published();
}

void Daemon::redraw_windows() {
    std::lock_guard<std::mutex> reload_lock(reload_mutex_);
    publisher_.with_current([&](const engine::Snapshot& s) {
        if (s.policies && !s.policies->redraw(retire_into_counts(s)).empty()) ++redraws_;
        return 0;
    });
}

// Signed zones are signed again by a reload signature_refresh before their earliest
// signature expires, less up to a tenth of it (fixed per zone and process, so that a fleet
// does not re-sign at once, and a schedule computed again keeps its time); the reload
// keeps every signature that is not due (loader::sign_zone). A failed one is tried again
// a minute later. The zones the API signs roll their ZSKs here (Registry::roll_zsks).
void Daemon::schedule_resigning(bool loaded) {
    const auto now = std::chrono::steady_clock::now();
    if (!loaded) {
        if (resign_at_) resign_at_ = now + std::chrono::minutes(1);
        return;
    }
    static const size_t seed = std::random_device{}();
    resign_at_.reset();
    const auto wall = static_cast<int64_t>(std::time(nullptr));
    auto consider = [&](int64_t in) {
        const auto at = now + std::chrono::seconds(std::max<int64_t>(0, in));
        if (!resign_at_ || at < *resign_at_) resign_at_ = at;
    };
    auto due_in = [&](const dns::Name& origin, const loader::DnssecConfig& d, const loader::CompiledFileZone* f) {
        const int64_t oldest = f != nullptr ? f->oldest_signature : wall + d.signature_validity;
        const uint32_t refresh = d.signature_refresh;
        const size_t spread = refresh / 10;
        const int64_t jitter = spread == 0
                                   ? 0
                                   : static_cast<int64_t>((std::hash<std::string>{}(origin.to_text()) ^ seed) % spread);
        int64_t in = oldest - wall - refresh - jitter;
        // A key's Publish, Activate, Inactive or Delete time: a rollover's next step.
        if (f != nullptr && f->next_key_event != 0) in = std::min(in, f->next_key_event - wall);
        return in;
    };
    {
        std::lock_guard<std::mutex> lock(reload_mutex_);  // file_zones_ (a change's rebuild sets it)
        for (const auto& f : file_zones_) {
            if (f.oldest_signature == 0) continue;
            const loader::ZoneConfig* z = nullptr;
            for (const auto& c : config_.zones) {
                if (c.origin == f.origin && c.dnssec) z = &c;
            }
            consider(due_in(f.origin, z != nullptr ? *z->dnssec : config_.api_dnssec, &f));
        }
        for (const auto& z : config_.zones) {
            const bool built = std::any_of(file_zones_.begin(), file_zones_.end(), [&](const auto& f) {
                return f.origin == z.origin && f.oldest_signature != 0;
            });
            if (z.dnssec && !built) consider(due_in(z.origin, *z.dnssec, nullptr));
        }
    }
    if (changes_ && config_.api_dnssec.zsk_lifetime != 0) {
        const loader::DnssecConfig& d = config_.api_dnssec;
        const int64_t prepublish = std::min<int64_t>(86400, d.zsk_lifetime / 4);
        bool rolled = false;
        auto due = changes_->registry().roll_zsks(wall, d.zsk_lifetime, prepublish, d.signature_validity + prepublish,
                                                  &rolled);
        if (!due) {
            log::error("ZSK rollover of a zone the API signs failed", log::kv("error", due.error().to_string()));
            consider(60);
        } else if (*due != 0) {
            consider(*due - wall);
        }
        if (rolled) log::info("ZSK rollover started", log::kv("zones", "signed through the API"));
    }
}

void Daemon::run() {
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGHUP);
    sigaddset(&signals, kRescheduleSignal);
    schedule_resigning(true);
    while (!stopping_.load(std::memory_order_relaxed)) {
        int sig = 0;
        if (resign_at_) {
            const auto wait = std::max<std::chrono::nanoseconds>(std::chrono::nanoseconds(0),
                                                                 *resign_at_ - std::chrono::steady_clock::now());
            const struct timespec ts {
                static_cast<time_t>(wait.count() / 1000000000), static_cast<long>(wait.count() % 1000000000)
            };
            sig = sigtimedwait(&signals, nullptr, &ts);
            if (sig < 0) {
                if (errno != EAGAIN) continue;
                log::info("re-signing", log::kv("reason", "signature_refresh or a key's timing reached"));
                schedule_resigning(reload().ok());
                continue;
            }
        } else if (sigwait(&signals, &sig) != 0) {
            continue;
        }
        if (sig == kRescheduleSignal) {
            schedule_resigning(true);
            continue;
        }
        if (sig == SIGHUP) {
            schedule_resigning(reload().ok());  // reload() logs what went wrong
            continue;
        }
        log::info("stopping", log::kv("signal", strsignal(sig)));
        break;
    }
}

void Daemon::request_stop() {
    stopping_.store(true, std::memory_order_relaxed);
    kill(getpid(), SIGTERM);  // wakes run()'s sigwait
}

void Daemon::stop() {
    stopping_.store(true, std::memory_order_relaxed);
    // The routers move the traffic away first, while every part still answers.
    if (anycast_) anycast_->stop();
    if (changes_) changes_->stop();
    if (metrics_) metrics_->stop();
    if (control_) control_->stop();
    if (health_) health_->stop();
    if (apply_thread_.joinable()) {
        {
            std::lock_guard<std::mutex> lock(apply_mutex_);
            apply_stop_ = true;
        }
        apply_cv_.notify_one();
        apply_thread_.join();
    }
    if (dataplane_) dataplane_->stop();
    if (sockets_) sockets_->stop();
    if (transfers_) transfers_->stop();  // after the sockets: nothing is handed over any more
}

Result<std::string> Daemon::reload() {
    std::lock_guard<std::mutex> lock(reload_mutex_);
    auto t0 = std::chrono::steady_clock::now();
    last_reload_at_ = std::chrono::system_clock::now();
    auto fail = [&](const Error& e) -> Result<std::string> {
        ++reloads_failed_;
        last_reload_ok_ = false;
        last_reload_error_ = e.to_string();
        log::error("reload failed, still serving the previous data", log::kv("error", e.to_string()));
        return e;
    };
    auto config = loader::load_config(config_path_);
    if (!config) return fail(config.error());
    // Sockets, data plane and endpoints were set up at start: a reload that silently kept
    // the old ones while reporting success would lie. Refuse it whole instead.
    if (auto changed = loader::restart_only_changes(config_, *config); !changed.empty()) {
        std::string keys;
        for (const auto& k : changed) keys += (keys.empty() ? "" : ", ") + k;
        return fail(Error{config_path_, 0,
                          keys + " changed, which takes effect only when fastzoned restarts: "
                                 "nothing was reloaded (restart it, or undo the change)"});
    }
    // The new configuration's zones with an update ACL move into the store (for good: the
    // store keeps what it took), the others are listed from the new files.
    auto configured = changes_->configure(*config);
    if (!configured) {
        (void)changes_->configure(config_);
        return fail(configured.error());
    }
    const change::Registry::View view = changes_->view();
    loader::LoadReport report;
    // Out of memory (or any other surprise) while building must not stop the server:
    // the running snapshot stays.
    Result<std::unique_ptr<engine::Snapshot>> snap = Error{"", 0, "not built"};
    try {
        snap = loader::build_snapshot(*config, ChangePath::inputs(view), &report, file_zones_);
    } catch (const std::exception& e) {
        (void)changes_->configure(config_);
        return fail(Error{config_path_, 0, std::string("cannot build the new data: ") + e.what()});
    }
    if (!snap) {
        (void)changes_->configure(config_);
        return fail(snap.error());
    }
    log_warnings(report);
    assign_slots(**snap);
    config_ = std::move(config.value());
    if (anycast_) anycast_->reconfigure(config_.anycast);  // applied at its next tick
    if (auto t = transfers_->configure(config_); !t) {
        log::error("transfers keep their previous keys and ACL", log::kv("error", t.error().to_string()));
    }
    health_signature_.clear();  // the health-checks file may have changed: restart the checker
    auto hs = refresh_health(**snap, view);
    if (!hs) return fail(hs.error());
    (*snap)->generation = ++generation_;
    // One pointer swap; the old snapshot is freed after every reader passed a quiescent state.
    publish(std::move(snap.value()));
    serving(view, &report);
    changes_->published(view);
    // The old snapshot's pages go back to the system, not to the allocator's cache: a
    // reload from a large zone to a small one must not keep the large one's footprint.
    const char* released = release_free_memory();
    double reload_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    ++reloads_ok_;
    last_reload_ok_ = true;
    last_reload_error_.clear();
    std::string s = summary(report) + " " + log::kv("generation", static_cast<long long>(generation_)) + " " +
                    log::kv("reload_ms", static_cast<long long>(reload_ms)) + " " + log::kv("memory", released);
    log::info("reloaded", s);
    return s;
}

void Daemon::sum_counters(Totals& t) const {
    *t.sum = engine::CounterTotals(slots_.zone_slot_count(), slots_.member_slot_count());
    if (sockets_) {
        auto cs = sockets_->counters();
        for (size_t i = 0; i < cs.size(); ++i) {
            engine::add_counters(*t.sum, *cs[i]);
            t.per_worker.emplace_back(i + 1 == cs.size() ? "tcp" : "udp-" + std::to_string(i), cs[i]->queries);
        }
        t.tcp_connections = sockets_->tcp_connections();
        t.tcp_pending_output = sockets_->tcp_pending_output();
        if (const io::TcpCounters* c = sockets_->tcp_closed()) {
            constexpr auto relaxed = std::memory_order_relaxed;  // counters: nothing to order
            t.tcp_closed = {c->idle.load(relaxed),        c->io_timeout.load(relaxed),
                            c->slots_full.load(relaxed),  c->output_budget.load(relaxed),
                            c->descriptors.load(relaxed), c->accept_errors.load(relaxed)};
        }
    }
    if (dataplane_) {
        t.dataplane = dataplane_->stats();
        for (const engine::Counters* c : dataplane_->counters()) engine::add_counters(*t.sum, *c);
        for (auto& [lcore, queries] : dataplane_->lcore_queries()) t.per_worker.emplace_back("lcore " + lcore, queries);
    }
}

Totals Daemon::totals() const {
    // Under the reload lock, from the sum on: no version is retired and folded between
    // the sum and the folded counts it is compared with.
    std::lock_guard<std::mutex> lock(reload_mutex_);
    Totals t;
    sum_counters(t);
    publisher_.with_current([&](const engine::Snapshot& s) {
        slots_.settle(s, *t.sum);
        t.generation = s.generation;
        for (const auto& z : s.zones) {
            const auto& h = z->header();
            t.zones.push_back({dns::wire_name_to_text(h.apex_name), h.record_count, h.node_count, h.policy_count,
                               z->size()});
        }
        return 0;
    });
    t.zone_slots = slots_.zone_names();
    t.member_slots = slots_.members();
    health_totals(t);
    t.health_updates = health_updates_;
    t.redraws = redraws_;
    t.config_path = config_path_;
    t.started_at = started_at_;
    t.last_reload_at = last_reload_at_;
    t.reloads_ok = reloads_ok_;
    t.reloads_failed = reloads_failed_;
    t.last_reload_ok = last_reload_ok_;
    t.last_reload_error = last_reload_error_;
    if (changes_) {
        t.changes.store = config_.store.path;
        if (const auto& e = config_.store.etcd) {
            t.changes.store = "etcd";
            for (const auto& endpoint : e->endpoints) t.changes.store += " " + endpoint;
            t.changes.store += " prefix " + e->prefix;
        }
        for (const auto& z : changes_->registry().zones())
            ++(z.file_managed ? t.changes.file_zones : t.changes.stored_zones);
        t.changes.api_port = changes_->api_port();
        t.changes.fleet = changes_->fleet();
        t.changes.rebuilds = changes_->rebuilds();
        t.changes.rebuilds_failed = changes_->rebuilds_failed();
        const api::UpdateCounters u = changes_->update_counters();
        t.changes.updates.clear();
        for (const auto& f : api::kUpdateCounterFields) t.changes.updates.emplace_back(f.name, u.*f.field);
    }
    if (sockets_) t.changes.updates_dropped = sockets_->updates_dropped();
    if (anycast_) t.anycast = anycast_->state();
    if (transfers_) {
        const xfr::TransferCounters& x = transfers_->counters();
        for (const auto& f : xfr::kTransferCounterFields) t.changes.transfers.emplace_back(f.name, x.*f.field);
        const xfr::NotifyCounters& n = transfers_->notify_counters();
        t.changes.notifies = {{"sent", n.sent}, {"answered", n.answered}, {"failed", n.failed}};
        t.changes.secondaries = transfers_->secondary_status();
        t.changes.catalogs = transfers_->catalog_status();
        t.changes.catalog_errors = transfers_->catalog_errors();
        const xfr::SecondaryCounters& in = transfers_->secondary_counters();
        t.changes.transfers_in = {{"refreshes", in.refreshes},   {"transfers", in.transfers}, {"ixfr", in.ixfr},
                                  {"up_to_date", in.up_to_date}, {"failed", in.failed},       {"rejected", in.rejected},
                                  {"notifies", in.notifies},     {"expired", in.expired}};
    }
    return t;
}

Result<std::string> Daemon::explain(const std::string& args) const {
    auto request = engine::parse_explain_request(args);
    if (!request) return request.error();
    const uint64_t seed = policy::entropy_seed();
    return publisher_.with_current([&](const engine::Snapshot& snap) {
        return Result<std::string>(engine::explain_query(snap, *request, seed));
    });
}

}  // namespace fz::daemon
