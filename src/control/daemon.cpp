// The daemon: the running server's parts and the operations on them.
#include "control/daemon.h"

#include <arpa/inet.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <sstream>

#include "common/rcu.h"
#include "control/control_socket.h"
#include "control/describe.h"
#include "control/loader.h"
#include "control/log.h"
#include "control/metrics_http.h"
#include "dns/rrtype.h"
#include "engine/answer.h"
#include "health/checker.h"
#include "io/dpdk/dataplane.h"
#include "io/sockets/socket_server.h"
#include "policy/explain.h"
#include "policy/tables.h"

namespace fz::control {
namespace {

const char* kRcodeNames[engine::kZoneRcodes] = {"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED"};

std::string summary(const LoadReport& r) {
    return log::kv("zones", static_cast<long long>(r.zones)) + " " +
           log::kv("records", static_cast<long long>(r.records)) + " " +
           log::kv("image_bytes", static_cast<long long>(r.image_bytes)) + " " +
           log::kv("parse_ms", static_cast<long long>(r.parse_ms)) + " " +
           log::kv("compile_ms", static_cast<long long>(r.compile_ms));
}

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

double seconds_since_epoch(std::chrono::system_clock::time_point t) {
    return std::chrono::duration<double>(t.time_since_epoch()).count();
}

}  // namespace

// Every worker's counters summed, plus each worker's own query count.
struct Daemon::Totals {
    std::unique_ptr<engine::Counters> sum = std::make_unique<engine::Counters>();
    std::unique_ptr<io::dpdk::DataplaneStats> dataplane;  // null without a data plane
    std::vector<std::pair<std::string, uint64_t>> per_worker;
    size_t tcp_connections = 0;
};

Daemon::Daemon(std::string config_path) : config_path_(std::move(config_path)) {}

Daemon::~Daemon() { stop(); }

Status Daemon::load_only() {
    started_at_ = std::chrono::system_clock::now();
    auto config = load_config(config_path_);
    if (!config) return config.error();
    config_ = std::move(config.value());
    auto snap = build_snapshot(config_, nullptr);
    if (!snap) return snap.error();
    slots_.assign(**snap);
    (*snap)->generation = ++generation_;
    publish(std::move(snap.value()));
    return Ok{};
}

Status Daemon::start() {
    started_at_ = std::chrono::system_clock::now();
    auto config = load_config(config_path_);
    if (!config) return config.error();
    config_ = std::move(config.value());
    LoadReport report;
    auto snap = build_snapshot(config_, &report);
    if (!snap) return snap.error();
    for (const auto& w : report.warnings) log::warning("zone warning", log::kv("warning", w.to_string()));
    log::info("zones loaded", summary(report));
    slots_.assign(**snap);
    (*snap)->generation = ++generation_;
    apply_thread_ = std::thread([this] { apply_health_loop(); });
    {
        // Held until the snapshot is published, so that a flip is never applied to
        // tables other than the ones its checker was started for.
        std::lock_guard<std::mutex> lock(reload_mutex_);
        auto hs = restart_health(**snap);
        if (!hs) return hs.error();
        publish(std::move(snap.value()));
    }
    last_reload_at_ = std::chrono::system_clock::now();

    if (config_.server.listen.empty() && !config_.dataplane) {
        return Error{config_path_, 0, "nothing to listen on: set server.listen or dataplane"};
    }
    // The health flips apply_thread_ may already be applying read the workers' counters
    // through sockets_ and dataplane_ (raw_totals(), under the reload lock): set them under it.
    std::unique_lock<std::mutex> starting(reload_mutex_);
    sockets_ = std::make_unique<io::SocketServer>(config_.server, publisher_);
    auto st = sockets_->start();
    if (!st) return st.error();
    std::string addrs;
    for (const auto& a : config_.server.listen) addrs += (addrs.empty() ? "" : ",") + a.text;
    log::info("serving", log::kv("listen", addrs) + " " + log::kv("workers", static_cast<long long>(config_.server.workers)));

    if (config_.dataplane) {
        // Kernel-bypass data plane: polls its ports on its own lcores, reading the
        // snapshot published above.
        auto dp = io::dpdk::Dataplane::start(config_, publisher_);
        if (!dp) return dp.error();
        dataplane_ = std::move(dp.value());
    }
    starting.unlock();
    std::string sock = config_.control_socket.empty() ? default_control_socket() : config_.control_socket;
    control_ = std::make_unique<ControlSocket>(sock, [this](const std::string& line, bool& ok) {
        return handle_command(line, ok);
    });
    st = control_->start();
    if (!st) {
        log::warning("no control socket", log::kv("error", st.error().to_string()));
        control_.reset();
    } else {
        log::info("control socket", log::kv("path", sock));
    }
    if (config_.metrics.listen) {
        metrics_ = std::make_unique<MetricsHttp>(*config_.metrics.listen, [this] { return metrics_text(); });
        st = metrics_->start();
        if (!st) return st.error();
        log::info("metrics", log::kv("listen", config_.metrics.listen->text));
    }
    return Ok{};
}

Status Daemon::restart_health(engine::Snapshot& snap) {
    std::vector<health::CheckStatus> carried;
    if (health_) {
        health_->stop();
        carried = health_->statuses();
    }
    ++health_epoch_;  // flips of the previous checker, if still queued, are now stale
    if (!snap.policies || snap.policies->set().health_checks.checks.empty()) {
        health_.reset();
        return Ok{};
    }
    health::HealthChecker::Options o;
    o.webhook_url = config_.health_webhook;
    uint64_t epoch = health_epoch_;
    o.on_flip = [this, epoch](const policy::HealthVector& health, std::span<const uint32_t>) {
        std::lock_guard<std::mutex> lock(apply_mutex_);
        pending_health_ = std::make_pair(epoch, health);
        apply_cv_.notify_one();
    };
    auto checker = std::make_unique<health::HealthChecker>(std::move(o));
    auto st = checker->start(snap.policies->set().health_checks, carried);
    if (!st) return st.error();
    // The snapshot is not published yet: nothing reads its tables, so the versions the
    // carried-over health replaces can be freed at once.
    snap.policies->update_health(checker->health(), [](policy::PolicyTables::Retired) {});
    health_ = std::move(checker);
    return Ok{};
}

policy::PolicyTables::RetireFn Daemon::retire_into_counts(const engine::Snapshot& snap) {
    return [this, &snap](policy::PolicyTables::Retired old) {
        // After the grace period no worker counts into the old versions' windows: their
        // counts are final, and become answers per member before the windows are freed.
        rcu::synchronize();
        Totals t = raw_totals();
        for (const auto& version : old) slots_.fold(snap, *version, *t.sum);
        old.clear();
    };
}

void Daemon::publish(std::unique_ptr<engine::Snapshot> snap) {
    // The retired snapshot's window counts are folded before it is freed.
    publisher_.publish(std::move(snap), [this](const engine::Snapshot& old) {
        Totals t = raw_totals();
        slots_.fold_all(old, *t.sum);
    });
    slots_.published();
}

void Daemon::apply_health_loop() {
    const auto redraw_every = std::chrono::seconds(policy::PolicyTables::kRedrawSeconds);
    auto next_redraw = std::chrono::steady_clock::now() + redraw_every;
    while (true) {
        std::pair<uint64_t, std::vector<uint8_t>> next;
        {
            std::unique_lock<std::mutex> lock(apply_mutex_);
            const bool woken = apply_cv_.wait_until(lock, next_redraw,
                                                    [this] { return apply_stop_ || pending_health_.has_value(); });
            if (apply_stop_) return;
            if (!woken) {
                // Fresh multivalue answer windows (PolicyTables::redraw), freed after a grace period.
                lock.unlock();
                next_redraw = std::chrono::steady_clock::now() + redraw_every;
                std::lock_guard<std::mutex> reload_lock(reload_mutex_);
                publisher_.with_current([&](const engine::Snapshot& s) {
                    if (s.policies && !s.policies->redraw(retire_into_counts(s)).empty()) ++redraws_;
                    return 0;
                });
                continue;
            }
            next = std::move(*pending_health_);
            pending_health_.reset();
        }
        std::lock_guard<std::mutex> lock(reload_mutex_);
        if (next.first != health_epoch_) continue;  // reported by a checker a reload replaced
        // Rebuilds only the policies using the changed checks and swaps their pointers; the
        // old versions are freed after a grace period (this thread is no RCU reader).
        publisher_.with_current([&](const engine::Snapshot& s) {
            if (s.policies) s.policies->update_health(next.second, retire_into_counts(s));
            return 0;
        });
        ++health_updates_;
    }
}

void Daemon::run() {
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGHUP);
    while (!stopping_.load(std::memory_order_relaxed)) {
        int sig = 0;
        if (sigwait(&signals, &sig) != 0) continue;
        if (sig == SIGHUP) {
            auto r = reload();
            if (!r) continue;  // reload() logged it
            continue;
        }
        log::info("stopping", log::kv("signal", strsignal(sig)));
        break;
    }
}

void Daemon::stop() {
    stopping_.store(true, std::memory_order_relaxed);
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
    auto config = load_config(config_path_);
    if (!config) return fail(config.error());
    LoadReport report;
    // Out of memory (or any other surprise) while building must not stop the server:
    // the running snapshot stays.
    Result<std::unique_ptr<engine::Snapshot>> snap = Error{"", 0, "not built"};
    try {
        snap = build_snapshot(*config, &report);
    } catch (const std::exception& e) {
        return fail(Error{config_path_, 0, std::string("cannot build the new data: ") + e.what()});
    }
    if (!snap) return fail(snap.error());
    for (const auto& w : report.warnings) log::warning("zone warning", log::kv("warning", w.to_string()));
    if (config->server.listen.size() != config_.server.listen.size()) {
        log::warning("server.listen changes take effect at the next restart");
    }
    slots_.assign(**snap);
    auto listen = config_.server.listen;  // sockets stay bound: only a restart moves them
    config_ = std::move(config.value());
    config_.server.listen = std::move(listen);
    auto hs = restart_health(**snap);
    if (!hs) return fail(hs.error());
    (*snap)->generation = ++generation_;
    // One pointer swap; the old snapshot is freed after every reader passed a quiescent state.
    publish(std::move(snap.value()));
    last_reload_ms_ = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    ++reloads_ok_;
    last_reload_ok_ = true;
    last_reload_error_.clear();
    std::string s = summary(report) + " " + log::kv("generation", static_cast<long long>(generation_)) + " " +
                    log::kv("reload_ms", static_cast<long long>(last_reload_ms_));
    log::info("reloaded", s);
    return s;
}

Daemon::Totals Daemon::totals() const {
    // Under the reload lock, from the sum on: no version is retired and folded between
    // the sum and the folded counts it is compared with.
    std::lock_guard<std::mutex> lock(reload_mutex_);
    Totals t = raw_totals();
    publisher_.with_current([&](const engine::Snapshot& s) {
        slots_.add_window_answers(s, *t.sum);
        return 0;
    });
    return t;
}

Daemon::Totals Daemon::raw_totals() const {
    Totals t;
    if (sockets_) {
        auto cs = sockets_->counters();
        for (size_t i = 0; i < cs.size(); ++i) {
            engine::add_counters(*t.sum, *cs[i]);
            t.per_worker.emplace_back(i + 1 == cs.size() ? "tcp" : "udp-" + std::to_string(i), cs[i]->queries);
        }
        t.tcp_connections = sockets_->tcp_connections();
    }
    if (dataplane_) {
        t.dataplane = dataplane_->stats();
        engine::add_counters(*t.sum, t.dataplane->engine);
        for (auto& [lcore, queries] : dataplane_->lcore_queries()) t.per_worker.emplace_back("lcore " + lcore, queries);
    }
    return t;
}

std::string Daemon::status_text() const {
    std::ostringstream o;
    uint64_t gen = publisher_.with_current([](const engine::Snapshot& s) { return s.generation; });
    auto up = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now() - started_at_).count();
    o << "fastzoned pid " << getpid() << ", up " << up << " s, snapshot generation " << gen << "\n";
    o << "config " << config_path_ << "\n";
    publisher_.with_current([&](const engine::Snapshot& s) {
        for (const auto& z : s.zones) {
            o << "zone " << dns::wire_name_to_text(z->header().apex_name) << ": " << z->header().record_count
              << " records, " << z->header().node_count << " names, " << z->size() << " image bytes, "
              << z->header().policy_count << " routing policies\n";
        }
        return 0;
    });
    o << "reloads: " << reloads_ok_ << " ok, " << reloads_failed_ << " failed";
    if (!last_reload_ok_) o << "; last failed: " << last_reload_error_;
    o << "\n";
    o << "data plane: " << (dataplane_ ? "running" : "off") << "\n";
    return o.str();
}

std::string Daemon::stats_text() const {
    Totals t = totals();
    const engine::Counters& c = *t.sum;
    std::ostringstream o;
    o << "queries " << c.queries << "\nresponses " << c.responses << "\nudp " << c.udp << "\ntcp " << c.tcp
      << "\ntruncated " << c.truncated << "\nedns " << c.edns << "\necs " << c.ecs << "\n";
    for (size_t r = 0; r < engine::kZoneRcodes; ++r) o << "rcode " << kRcodeNames[r] << " " << c.rcode[r] << "\n";
    o << "dropped short " << c.dropped[static_cast<size_t>(engine::Drop::kShort)] << "\n";
    o << "dropped response " << c.dropped[static_cast<size_t>(engine::Drop::kResponse)] << "\n";
    o << "dropped malformed " << c.dropped[static_cast<size_t>(engine::Drop::kMalformed)] << "\n";
    for (const auto& [w, q] : t.per_worker) o << "worker " << w << " queries " << q << "\n";
    auto zones = slots_.zone_names();
    for (size_t z = 0; z < zones.size(); ++z) {
        if (c.zones[z].queries == 0) continue;
        o << "zone " << zones[z] << " queries " << c.zones[z].queries;
        for (size_t r = 0; r < engine::kZoneRcodes; ++r) {
            if (c.zones[z].rcode[r]) o << " " << kRcodeNames[r] << " " << c.zones[z].rcode[r];
        }
        o << "\n";
    }
    auto members = slots_.members();
    for (size_t m = 1; m < members.size(); ++m) {
        if (c.members[m] == 0) continue;
        o << "policy " << members[m].name << " " << members[m].type << " \"" << members[m].set_identifier
          << "\" answers " << c.members[m] << "\n";
    }
    o << "tcp_connections " << t.tcp_connections << "\n";
    return o.str();
}

std::string Daemon::health_text() const {
    std::lock_guard<std::mutex> lock(reload_mutex_);
    if (!health_) return "no health checks configured\n";
    auto fmt_time = [](int64_t ms) {
        if (ms == 0) return std::string("never");
        time_t t = static_cast<time_t>(ms / 1000);
        tm g;
        gmtime_r(&t, &g);
        char buf[32];
        std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &g);
        return std::string(buf);
    };
    std::ostringstream o;
    for (const auto& c : health_->statuses()) {
        o << c.id << " " << policy::health_check_type_name(c.type) << " " << (c.target.empty() ? "-" : c.target) << ": "
          << (c.healthy ? "healthy" : "UNHEALTHY") << (c.disabled ? " (disabled)" : "")
          << (c.inverted ? " (inverted)" : "") << "; last result "
          << (c.has_result ? (c.last_ok ? "ok" : "fail") + std::string(c.last_reason.empty() ? "" : " (" + c.last_reason + ")")
                           : std::string("none yet"))
          << " at " << fmt_time(c.last_result_ms) << "; last change " << fmt_time(c.last_change_ms) << "; flips "
          << c.flips << ", results " << c.results << ", failures " << c.failures << "\n";
    }
    return o.str();
}

Result<std::string> Daemon::explain_text(const std::string& args) {
    std::istringstream in(args);
    std::string name, type_text, word, client_text, ecs_text;
    in >> name >> type_text;
    while (in >> word) {
        if (word == "--client") in >> client_text;
        else if (word == "--ecs") in >> ecs_text;
        else return Error{"", 0, "explain: unknown argument '" + word + "'"};
    }
    if (name.empty() || type_text.empty()) return Error{"", 0, "usage: explain NAME TYPE [--client IP] [--ecs PREFIX]"};
    if (name.back() != '.') name += '.';
    auto qname = dns::name_from_text(name, nullptr);
    if (!qname) return Error{"", 0, "explain: bad name: " + qname.error().message};
    auto type = dns::type_from_text(type_text);
    if (!type) return Error{"", 0, "explain: unknown type '" + type_text + "'"};

    engine::Peer peer;  // family 0: a client of unknown location unless --client says
    std::optional<policy::ClientInfo> client;
    if (!client_text.empty()) {
        client = policy::parse_client(client_text);
        if (!client) return Error{"", 0, "explain: bad client address '" + client_text + "'"};
        peer.family = client->family == policy::Family::kIpv4 ? 4 : 6;
        std::memcpy(peer.address, client->address, 16);
    }
    // The query, with an ECS option when asked ("198.51.100.0/24").
    std::vector<uint8_t> q = {0x4a, 0x4a, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0};
    q.insert(q.end(), qname->data(), qname->data() + qname->size());
    q.push_back(static_cast<uint8_t>(*type >> 8));
    q.push_back(static_cast<uint8_t>(*type));
    q.push_back(0);
    q.push_back(1);
    if (!ecs_text.empty()) {
        size_t slash = ecs_text.find('/');
        std::string addr = ecs_text.substr(0, slash);
        std::optional<unsigned> prefix;
        if (slash != std::string::npos) {
            std::string digits = ecs_text.substr(slash + 1);
            if (digits.empty() || digits.size() > 3 || digits.find_first_not_of("0123456789") != std::string::npos) {
                return Error{"", 0, "explain: bad --ecs prefix length in '" + ecs_text + "'"};
            }
            prefix = static_cast<unsigned>(std::stoul(digits));
        }
        auto ecs = policy::parse_client(addr, prefix);
        if (!ecs) return Error{"", 0, "explain: bad --ecs '" + ecs_text + "'"};
        client = ecs;
        bool v4 = ecs->family == policy::Family::kIpv4;
        size_t bytes = (ecs->source_prefix + 7u) / 8u;
        q[11] = 1;
        const uint8_t opt[9] = {0, 0, 41, 0x04, 0xd0, 0, 0, 0, 0};
        q.insert(q.end(), opt, opt + 9);
        uint16_t rdlen = static_cast<uint16_t>(8 + bytes);
        q.push_back(static_cast<uint8_t>(rdlen >> 8));
        q.push_back(static_cast<uint8_t>(rdlen));
        const uint8_t head[6] = {0, 8, 0, static_cast<uint8_t>(4 + bytes), 0, static_cast<uint8_t>(v4 ? 1 : 2)};
        q.insert(q.end(), head, head + 6);
        q.push_back(ecs->source_prefix);
        q.push_back(0);
        q.insert(q.end(), ecs->address, ecs->address + bytes);
    }
    // The answer and the explanation draw the same random numbers (weighted and
    // multivalue choices), so the record sets explained are the ones answered.
    const uint64_t seed = policy::entropy_seed();
    auto worker = std::make_unique<engine::Worker>();
    worker->rng.reseed(seed);
    std::vector<uint8_t> out(65536);
    return publisher_.with_current([&](const engine::Snapshot& snap) {
        size_t n = engine::answer(snap, q.data(), q.size(), peer, engine::Transport::kTcp, out.data(), out.size(), *worker);
        std::string text = describe_response(out.data(), n);
        if (snap.policies) {
            uint32_t id = snap.policies->find(*qname, *type);
            if (id != policy::kNoPolicy) {
                policy::ClientInfo ci = client.value_or(policy::ClientInfo{});
                policy::Rng rng(seed);
                text += ";; routing policy:\n" + policy::explain(*snap.policies, id, ci, rng);
            }
        }
        return Result<std::string>(text);
    });
}

std::string Daemon::metrics_text() const {
    Totals t = totals();
    const engine::Counters& c = *t.sum;
    std::ostringstream o;
    auto head = [&](const char* name, const char* type, const char* help) {
        o << "# HELP " << name << " " << help << "\n# TYPE " << name << " " << type << "\n";
    };
    head("fastzone_queries_total", "counter", "Queries received, by worker (thread or data plane).");
    for (const auto& [w, q] : t.per_worker) o << "fastzone_queries_total{worker=\"" << w << "\"} " << q << "\n";
    head("fastzone_responses_total", "counter", "Responses sent, by rcode.");
    for (size_t r = 0; r < engine::kZoneRcodes; ++r) {
        o << "fastzone_responses_total{rcode=\"" << kRcodeNames[r] << "\"} " << c.rcode[r] << "\n";
    }
    o << "fastzone_responses_total{rcode=\"BADVERS\"} " << c.rcode[16] << "\n";
    head("fastzone_dropped_total", "counter", "Queries dropped without a response, by reason.");
    o << "fastzone_dropped_total{reason=\"short\"} " << c.dropped[static_cast<size_t>(engine::Drop::kShort)] << "\n";
    o << "fastzone_dropped_total{reason=\"response\"} " << c.dropped[static_cast<size_t>(engine::Drop::kResponse)] << "\n";
    o << "fastzone_dropped_total{reason=\"malformed\"} " << c.dropped[static_cast<size_t>(engine::Drop::kMalformed)]
      << "\n";
    head("fastzone_truncated_total", "counter", "Responses with TC=1.");
    o << "fastzone_truncated_total " << c.truncated << "\n";
    head("fastzone_queries_by_transport_total", "counter", "Queries by transport.");
    o << "fastzone_queries_by_transport_total{transport=\"udp\"} " << c.udp << "\n";
    o << "fastzone_queries_by_transport_total{transport=\"tcp\"} " << c.tcp << "\n";
    head("fastzone_edns_queries_total", "counter", "Queries with EDNS, and with EDNS Client Subnet.");
    o << "fastzone_edns_queries_total{option=\"any\"} " << c.edns << "\n";
    o << "fastzone_edns_queries_total{option=\"client_subnet\"} " << c.ecs << "\n";
    auto zones = slots_.zone_names();
    head("fastzone_zone_queries_total", "counter", "Queries per zone (names in no zone: zone=\"(no zone)\").");
    for (size_t z = 0; z < zones.size(); ++z) {
        o << "fastzone_zone_queries_total{zone=\"" << label(zones[z]) << "\"} " << c.zones[z].queries << "\n";
    }
    head("fastzone_zone_responses_total", "counter", "Responses per zone and rcode.");
    for (size_t z = 0; z < zones.size(); ++z) {
        for (size_t r = 0; r < engine::kZoneRcodes; ++r) {
            if (c.zones[z].rcode[r] == 0 && r != 0 && r != 3) continue;
            o << "fastzone_zone_responses_total{zone=\"" << label(zones[z]) << "\",rcode=\"" << kRcodeNames[r]
              << "\"} " << c.zones[z].rcode[r] << "\n";
        }
    }
    auto members = slots_.members();
    head("fastzone_policy_answers_total", "counter", "Answers per routing-policy record set chosen.");
    for (size_t m = 1; m < members.size(); ++m) {
        o << "fastzone_policy_answers_total{name=\"" << label(members[m].name) << "\",type=\"" << members[m].type
          << "\",set_identifier=\"" << label(members[m].set_identifier) << "\"} " << c.members[m] << "\n";
    }
    {
        std::lock_guard<std::mutex> lock(reload_mutex_);
        if (health_) {
            auto st = health_->statuses();
            head("fastzone_health_check_healthy", "gauge", "1 when the health check counts as healthy.");
            for (const auto& h : st) o << "fastzone_health_check_healthy{id=\"" << label(h.id) << "\"} " << (h.healthy ? 1 : 0) << "\n";
            head("fastzone_health_check_flips_total", "counter", "Changes of health of each check.");
            for (const auto& h : st) o << "fastzone_health_check_flips_total{id=\"" << label(h.id) << "\"} " << h.flips << "\n";
            head("fastzone_health_check_results_total", "counter", "Probe results of each check.");
            for (const auto& h : st) {
                o << "fastzone_health_check_results_total{id=\"" << label(h.id) << "\",result=\"ok\"} " << h.results - h.failures
                  << "\n";
                o << "fastzone_health_check_results_total{id=\"" << label(h.id) << "\",result=\"fail\"} " << h.failures << "\n";
            }
        }
        head("fastzone_health_updates_total", "counter", "Health changes applied to the policy tables.");
        o << "fastzone_health_updates_total " << health_updates_ << "\n";
        head("fastzone_multivalue_redraws_total", "counter", "Times the multivalue answer windows were drawn anew.");
        o << "fastzone_multivalue_redraws_total " << redraws_ << "\n";
    }
    if (t.dataplane) {
        const io::dpdk::IoCounters& io = t.dataplane->io;
        head("fastzone_dataplane_frames_total", "counter", "Frames through the data plane's ports.");
        o << "fastzone_dataplane_frames_total{direction=\"rx\"} " << io.rx << "\n";
        o << "fastzone_dataplane_frames_total{direction=\"tx\"} " << io.tx << "\n";
        o << "fastzone_dataplane_frames_total{direction=\"tx_dropped\"} " << io.tx_dropped << "\n";
        head("fastzone_dataplane_dropped_total", "counter", "Frames the data plane dropped, by reason.");
        for (size_t r = 0; r < std::size(io.dropped); ++r) {
            o << "fastzone_dataplane_dropped_total{reason=\"" << io::dpdk::kDropReasonNames[r] << "\"} " << io.dropped[r]
              << "\n";
        }
        o << "fastzone_dataplane_dropped_total{reason=\"too_big\"} " << io.too_big << "\n";
        o << "fastzone_dataplane_dropped_total{reason=\"no_exception_path\"} " << io.kernel_dropped << "\n";
        head("fastzone_dataplane_neighbor_replies_total", "counter", "ARP replies and neighbour advertisements sent.");
        o << "fastzone_dataplane_neighbor_replies_total{protocol=\"arp\"} " << io.arp_replies << "\n";
        o << "fastzone_dataplane_neighbor_replies_total{protocol=\"nd\"} " << io.nd_adverts << "\n";
        head("fastzone_dataplane_exception_frames_total", "counter", "Frames through the exception path to the kernel.");
        o << "fastzone_dataplane_exception_frames_total{direction=\"to_kernel\"} " << io.to_kernel << "\n";
        o << "fastzone_dataplane_exception_frames_total{direction=\"from_kernel\"} " << io.from_kernel << "\n";
    }
    head("fastzone_tcp_connections", "gauge", "Open TCP connections.");
    o << "fastzone_tcp_connections " << t.tcp_connections << "\n";
    head("fastzone_snapshot_generation", "gauge", "Generation of the snapshot being served (1 at start).");
    o << "fastzone_snapshot_generation "
      << publisher_.with_current([](const engine::Snapshot& s) { return s.generation; }) << "\n";
    head("fastzone_reloads_total", "counter", "Reloads, by result.");
    o << "fastzone_reloads_total{result=\"ok\"} " << reloads_ok_ << "\n";
    o << "fastzone_reloads_total{result=\"error\"} " << reloads_failed_ << "\n";
    head("fastzone_last_reload_success", "gauge", "1 when the last reload (or the start) succeeded.");
    o << "fastzone_last_reload_success " << (last_reload_ok_ ? 1 : 0) << "\n";
    head("fastzone_last_reload_timestamp_seconds", "gauge", "When the last reload (or the start) happened.");
    o << "fastzone_last_reload_timestamp_seconds " << static_cast<uint64_t>(seconds_since_epoch(last_reload_at_))
      << "\n";
    publisher_.with_current([&](const engine::Snapshot& s) {
        head("fastzone_zone_records", "gauge", "Records per zone in the served snapshot.");
        for (const auto& z : s.zones) {
            o << "fastzone_zone_records{zone=\"" << label(dns::wire_name_to_text(z->header().apex_name)) << "\"} "
              << z->header().record_count << "\n";
        }
        head("fastzone_zone_image_bytes", "gauge", "Bytes of each compiled zone image.");
        for (const auto& z : s.zones) {
            o << "fastzone_zone_image_bytes{zone=\"" << label(dns::wire_name_to_text(z->header().apex_name)) << "\"} "
              << z->size() << "\n";
        }
        return 0;
    });
    return o.str();
}

std::string Daemon::handle_command(const std::string& line, bool& ok) {
    std::istringstream in(line);
    std::string cmd;
    in >> cmd;
    std::string rest;
    std::getline(in, rest);
    if (cmd == "status") return status_text();
    if (cmd == "stats") return stats_text();
    if (cmd == "health") return health_text();
    if (cmd == "metrics") return metrics_text();
    if (cmd == "reload") {
        auto r = reload();
        if (!r) {
            ok = false;
            return "reload failed, still serving the previous data: " + r.error().to_string();
        }
        return "reloaded: " + *r;
    }
    if (cmd == "explain") {
        auto r = explain_text(rest);
        if (!r) {
            ok = false;
            return r.error().to_string();
        }
        return *r;
    }
    if (cmd == "check") {
        size_t first = rest.find_first_not_of(' ');
        std::string path = first == std::string::npos ? config_path_ : rest.substr(first);
        auto cfg = load_config(path);
        if (!cfg) {
            ok = false;
            return cfg.error().to_string();
        }
        LoadReport rep;
        auto snap = build_snapshot(*cfg, &rep);
        if (!snap) {
            ok = false;
            return snap.error().to_string();
        }
        return path + ": OK (" + std::to_string(rep.zones) + " zones, " + std::to_string(rep.records) + " records)";
    }
    if (cmd == "stop") {
        ok = true;
        stopping_.store(true, std::memory_order_relaxed);
        kill(getpid(), SIGTERM);  // wakes run()'s sigwait
        return "stopping";
    }
    ok = false;
    return "unknown command '" + cmd + "' (status, reload, stats, health, explain, check, metrics, stop)";
}

}  // namespace fz::control
