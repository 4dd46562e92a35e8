// Measured latency from client prefixes to regions (a CSV, see README.md), compiled into a
// longest-prefix-match table from client address to the regions ordered by latency.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "common/result.h"
#include "policy/client.h"
#include "policy/lpm.h"

namespace fz::policy {

struct LatencyOptions {
    // Region order for clients no prefix covers, and the tail of every prefix's order.
    std::vector<std::string> default_order;
};

// One client prefix of the file.
struct LatencyEntry {
    std::string prefix;                                 // as "203.0.113.0/24"
    std::vector<std::pair<uint16_t, double>> measured;  // region id, ms; fastest first
    std::vector<uint16_t> order;                        // measured, then the covering prefixes', then default
    uint32_t line = 0;
};

// Immutable once built. Lookup values index entries(); kLpmNoValue means no prefix
// covers the client, which then gets default_order().
class LatencyTable {
public:
    LatencyTable(std::string file, std::vector<std::string> regions, std::vector<LatencyEntry> entries,
                 std::vector<uint16_t> default_order, Lpm4 v4, Lpm6 v6)
        : file_(std::move(file)),
          regions_(std::move(regions)),
          entries_(std::move(entries)),
          default_order_(std::move(default_order)),
          tables_{std::move(v4), std::move(v6)} {}

    LatencyTable(const LatencyTable&) = delete;
    LatencyTable& operator=(const LatencyTable&) = delete;

    // Hot path.
    LpmMatch lookup(const ClientInfo& client) const noexcept { return tables_.lookup(client); }
    void prefetch(bool ipv4, const uint8_t* address) const noexcept { tables_.prefetch(ipv4, address); }

    const std::string& file() const { return file_; }
    const std::vector<std::string>& regions() const { return regions_; }
    const std::vector<LatencyEntry>& entries() const { return entries_; }
    const std::vector<uint16_t>& default_order() const { return default_order_; }
    // Region order for a lookup value (kLpmNoValue gives the default order).
    const std::vector<uint16_t>& order_for(uint32_t value) const {
        return value < entries_.size() ? entries_[value].order : default_order_;
    }
    // Id of a region name, or -1.
    int64_t find_region(const std::string& region) const;

private:
    std::string file_;
    std::vector<std::string> regions_;
    std::vector<LatencyEntry> entries_;
    std::vector<uint16_t> default_order_;
    // IPv4 in DIR-24-8, as for GeoIP: a 64 MiB root, but one load (which answer()
    // prefetches) where 16-8-8 took two for the /24s real-user measurements come in.
    ClientTables<Lpm4> tables_;
};

// Reads `client prefix,region,latency ms` lines (format in README.md). Errors name the
// file and line: a bad prefix, an empty region, a latency that is not a non-negative
// number, the same prefix and region twice.
Result<std::shared_ptr<const LatencyTable>> load_latency_file(const std::string& path,
                                                              const LatencyOptions& options = {});
Result<std::shared_ptr<const LatencyTable>> parse_latency_text(std::string_view text, const std::string& file,
                                                               const LatencyOptions& options = {});

}  // namespace fz::policy
