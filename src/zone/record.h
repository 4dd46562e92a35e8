// The zone model: records as parsed from a master file or a Route 53 record-set file,
// before compilation into an image. Control plane only.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "dns/name.h"

namespace fz::zone {

// One resource record. `rdata` is the uncompressed wire form (names in rdata are
// uncompressed and keep the case they were written in).
struct Record {
    dns::Name owner;
    uint16_t type = 0;
    uint16_t rclass = 1;
    uint32_t ttl = 0;
    std::string rdata;
    uint32_t line = 0;     // 1-based line of the record's first token; 0 if not from a file
    uint16_t file_id = 0;  // index into ZoneSource::files
};

// Every record of one zone plus the files it came from ($INCLUDE adds files).
struct ZoneSource {
    dns::Name origin;
    std::vector<std::string> files;
    std::vector<Record> records;
    std::vector<Error> warnings;  // accepted but worth telling the operator (TTL mismatch...)

    const std::string& file_of(const Record& r) const {
        static const std::string none;
        return r.file_id < files.size() ? files[r.file_id] : none;
    }
};

}  // namespace fz::zone
