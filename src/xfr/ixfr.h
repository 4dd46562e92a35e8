// IXFR out (RFC 1995) from a zone's change history: the differences that bring a
// secondary from its serial to the newest one, each as the old SOA, the records removed,
// the new SOA and the records added. Control plane.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "change/registry.h"
#include "dns/name.h"
#include "xfr/source.h"

namespace fz::xfr {

struct Delta {
    Record soa_before;
    std::vector<Record> removed;
    Record soa_after;
    std::vector<Record> added;
};

// The deltas from serial `from` to the history's newest serial, oldest first. nullopt,
// with the reason in `why`, when the history cannot give them and a whole zone has to
// go (RFC 1995 4: the server may answer with the zone in AXFR form instead): `from` is
// not in it (too old, or from before an import or a re-creation), a step in between
// changed a routing-policy or alias record set (which a plain secondary sees only as the
// answer chosen for it), or a value does not parse as rdata.
std::optional<std::vector<Delta>> ixfr_deltas(const std::vector<change::HistoryEntry>& history, const dns::Name& origin,
                                              uint32_t from, std::string& why);

// RFC 1982: is `a` newer than `b`?
inline bool serial_newer(uint32_t a, uint32_t b) { return a != b && static_cast<uint32_t>(a - b) < 0x80000000u; }

}  // namespace fz::xfr
