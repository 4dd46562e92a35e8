// Snapshots straight from zone text or generated zones.
#include "tests/support/zone_snapshot.h"

#include "dns/name.h"
#include "zone/check.h"
#include "zone/compiler.h"
#include "zone/master_parser.h"

namespace fz::test {
namespace {

Status add_zone(engine::Snapshot& snap, const zone::ZoneSource& source) {
    auto image = zone::compile_zone(source);
    if (!image) return image.error();
    snap.zones.push_back(std::move(*image));
    return Ok{};
}

Result<std::unique_ptr<engine::Snapshot>> finished(std::unique_ptr<engine::Snapshot> snap) {
    auto st = snap->finish();
    if (!st) return st.error();
    return snap;
}

}  // namespace

Result<std::unique_ptr<engine::Snapshot>> snapshot_from_text(const std::vector<ZoneText>& zones,
                                                             engine::Options options) {
    auto snap = std::make_unique<engine::Snapshot>();
    snap->options = std::move(options);
    for (const ZoneText& z : zones) {
        auto origin = dns::name_from_text(z.origin, nullptr);
        if (!origin) return Error{"", 0, "origin '" + z.origin + "': " + origin.error().message};
        auto source = zone::parse_zone_text(z.text, z.origin + "zone", *origin);
        if (!source) return source.error();
        auto st = zone::check_zone(*source);
        if (!st) return st.error();
        st = add_zone(*snap, *source);
        if (!st) return st.error();
    }
    return finished(std::move(snap));
}

Result<std::unique_ptr<engine::Snapshot>> snapshot_from_source(const zone::ZoneSource& source,
                                                               engine::Options options) {
    auto snap = std::make_unique<engine::Snapshot>();
    snap->options = std::move(options);
    auto st = add_zone(*snap, source);
    if (!st) return st.error();
    return finished(std::move(snap));
}

}  // namespace fz::test
