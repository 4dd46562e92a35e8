// Control commands: parsing and dispatch.
#include "daemon/commands.h"

#include <sstream>

#include "daemon/daemon.h"
#include "daemon/metrics.h"
#include "daemon/reports.h"
#include "loader/loader.h"

namespace fz::daemon {
namespace {

// The reply to a command that returns text or an error.
std::string reply(const Result<std::string>& r, bool& ok, const std::string& error_prefix = "") {
    if (r) return *r;
    ok = false;
    return error_prefix + r.error().to_string();
}

// `check [PATH]`: validates a configuration and all its data without serving it.
Result<std::string> check(const std::string& path) {
    auto config = loader::load_config(path);
    if (!config) return config.error();
    loader::LoadReport report;
    auto snap = loader::build_snapshot(*config, &report);
    if (!snap) return snap.error();
    return path + ": OK (" + std::to_string(report.zones) + " zones, " + std::to_string(report.records) + " records)";
}

}  // namespace

std::string handle_command(Daemon& daemon, const std::string& line, bool& ok) {
    std::istringstream in(line);
    std::string cmd;
    in >> cmd;
    std::string rest;
    std::getline(in, rest);
    if (cmd == "status") return status_text(daemon.totals());
    if (cmd == "stats") return stats_text(daemon.totals());
    if (cmd == "health") return health_text(daemon.totals());
    if (cmd == "fleet") return fleet_text(daemon.totals());
    if (cmd == "metrics") return metrics_text(daemon.totals());
    if (cmd == "reload") {
        auto r = daemon.reload();
        return r ? "reloaded: " + *r : reply(r, ok, "reload failed, still serving the previous data: ");
    }
    if (cmd == "explain") return reply(daemon.explain(rest), ok);
    if (cmd == "import") return reply(daemon.import_zone(rest), ok);
    if (cmd == "export") {
        const bool json = rest.find("--json") != std::string::npos;
        std::string origin = rest.substr(0, rest.find("--json"));
        return reply(daemon.export_zone(origin, json), ok);
    }
    if (cmd == "check") {
        size_t first = rest.find_first_not_of(' ');
        return reply(check(first == std::string::npos ? daemon.config_path() : rest.substr(first)), ok);
    }
    if (cmd == "stop") {
        daemon.request_stop();
        return "stopping";
    }
    ok = false;
    return "unknown command '" + cmd +
           "' (status, reload, stats, health, fleet, explain, check, metrics, import, export, stop)";
}

}  // namespace fz::daemon
