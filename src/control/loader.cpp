// Builds a Snapshot from a configuration: parse every zone, check it, compile it.
#include "control/loader.h"

#include <chrono>

#include "zone/check.h"
#include "zone/compiler.h"
#include "zone/master_parser.h"

namespace fz::control {
namespace {

double ms_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

Result<zone::ZoneSource> load_zone(const ZoneConfig& zc, std::vector<Error>* warnings) {
    auto src = zone::parse_zone_file(zc.file, zc.origin);
    if (!src) return src.error();
    auto st = zone::check_zone(*src);
    if (!st) return st.error();
    if (warnings != nullptr) warnings->insert(warnings->end(), src->warnings.begin(), src->warnings.end());
    return std::move(src.value());
}

engine::Options engine_options(const ServerConfig& server) {
    engine::Options o;
    o.udp_max_payload = server.udp_max_payload;
    o.identity = server.identity;
    o.version = server.version;
    o.nsid = server.nsid;
    return o;
}

Result<std::unique_ptr<engine::Snapshot>> build_snapshot(const Config& config, LoadReport* report) {
    auto snap = std::make_unique<engine::Snapshot>();
    snap->options = engine_options(config.server);
    LoadReport local;
    LoadReport& rep = report != nullptr ? *report : local;
    for (const ZoneConfig& zc : config.zones) {
        auto t0 = std::chrono::steady_clock::now();
        auto src = load_zone(zc, &rep.warnings);
        if (!src) return src.error();
        rep.parse_ms += ms_since(t0);
        auto t1 = std::chrono::steady_clock::now();
        auto image = zone::compile_zone(*src);
        if (!image) return image.error();
        rep.compile_ms += ms_since(t1);
        rep.records += src->records.size();
        rep.image_bytes += (*image)->size();
        ++rep.zones;
        snap->zones.push_back(std::move(image.value()));
    }
    snap->build_index();
    return snap;
}

}  // namespace fz::control
