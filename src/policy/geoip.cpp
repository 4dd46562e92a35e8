// Loading GeoIP databases (cold): MaxMind DB search-tree walk, Tor geoip ranges, location dedup.
#include "policy/geoip.h"

#include <arpa/inet.h>
#include <maxminddb.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>
#include <unordered_map>

#include "policy/geo_codes.h"

namespace fz::policy {
namespace {

// Assigns ids to distinct locations.
class LocationTable {
public:
    uint32_t id_of(const GeoLocation& l) {
        char coords[64] = "";
        if (l.has_coordinates) std::snprintf(coords, sizeof coords, "%.6f,%.6f", l.latitude, l.longitude);
        const std::string key = l.continent + "/" + l.country + "/" + l.subdivision + "/" + coords;
        auto [it, inserted] = ids_.emplace(key, static_cast<uint32_t>(locations_.size()));
        if (inserted) locations_.push_back(l);
        return it->second;
    }
    std::vector<GeoLocation> take() { return std::move(locations_); }
    size_t size() const { return locations_.size(); }

private:
    std::unordered_map<std::string, uint32_t> ids_;
    std::vector<GeoLocation> locations_;
};

Error mmdb_error(const std::string& path, const std::string& what, int status) {
    return Error{path, 0, what + ": " + MMDB_strerror(status)};
}

// Reads one string at `path...` of a data record; absent is not an error, corrupt is.
Status read_string(const std::string& file, MMDB_entry_s entry, const char* const* path, std::string* out) {
    MMDB_entry_data_s data{};
    const int status = MMDB_aget_value(&entry, &data, path);
    if (status == MMDB_LOOKUP_PATH_DOES_NOT_MATCH_DATA_ERROR || status == MMDB_INVALID_LOOKUP_PATH_ERROR) return Ok{};
    if (status != MMDB_SUCCESS) {
        return mmdb_error(file, "corrupt data record at offset " + std::to_string(entry.offset), status);
    }
    if (data.has_data && data.type == MMDB_DATA_TYPE_UTF8_STRING) out->assign(data.utf8_string, data.data_size);
    return Ok{};
}

Status read_double(const std::string& file, MMDB_entry_s entry, const char* const* path, bool* found, double* out) {
    MMDB_entry_data_s data{};
    const int status = MMDB_aget_value(&entry, &data, path);
    if (status == MMDB_LOOKUP_PATH_DOES_NOT_MATCH_DATA_ERROR || status == MMDB_INVALID_LOOKUP_PATH_ERROR) return Ok{};
    if (status != MMDB_SUCCESS) {
        return mmdb_error(file, "corrupt data record at offset " + std::to_string(entry.offset), status);
    }
    if (data.has_data && data.type == MMDB_DATA_TYPE_DOUBLE) {
        *out = data.double_value;
        *found = true;
    }
    return Ok{};
}

struct MmdbWalker {
    const std::string& file;
    MMDB_s* mmdb;
    LocationTable locations;
    std::unordered_map<uint32_t, uint32_t> location_of_offset;
    uint64_t visited = 0;

    Result<uint32_t> location_of(MMDB_entry_s entry) {
        if (auto it = location_of_offset.find(entry.offset); it != location_of_offset.end()) return it->second;
        static const char* const kContinent[] = {"continent", "code", nullptr};
        static const char* const kCountry[] = {"country", "iso_code", nullptr};
        static const char* const kSubdivision[] = {"subdivisions", "0", "iso_code", nullptr};
        static const char* const kLatitude[] = {"location", "latitude", nullptr};
        static const char* const kLongitude[] = {"location", "longitude", nullptr};
        GeoLocation l;
        bool has_lat = false, has_lon = false;
        for (const Status& s :
             {read_string(file, entry, kContinent, &l.continent), read_string(file, entry, kCountry, &l.country),
              read_string(file, entry, kSubdivision, &l.subdivision),
              read_double(file, entry, kLatitude, &has_lat, &l.latitude),
              read_double(file, entry, kLongitude, &has_lon, &l.longitude)}) {
            if (!s.ok()) return s.error();
        }
        l.has_coordinates = has_lat && has_lon;
        if (!l.has_coordinates) l.latitude = l.longitude = 0;
        const uint32_t id = locations.id_of(l);
        location_of_offset.emplace(entry.offset, id);
        return id;
    }

    // Depth-first walk of the binary search tree below `root`, appending one prefix per
    // data record. `skip` is a node not to enter (the IPv4 subtree and its aliases when
    // walking IPv6). A corrupt file can make the tree a graph: visits are bounded.
    Status walk(uint32_t root, unsigned max_depth, uint64_t skip, std::vector<PrefixValue>* out) {
        struct Item {
            uint64_t node;
            uint8_t depth;
            std::array<uint8_t, 16> address;
        };
        std::vector<Item> stack{Item{root, 0, {}}};
        const uint64_t limit = 4ull * mmdb->metadata.node_count + 1024;
        while (!stack.empty()) {
            const Item item = stack.back();
            stack.pop_back();
            if (++visited > limit) {
                return Error{file, 0, "corrupt search tree: nodes are shared or form a loop"};
            }
            MMDB_search_node_s node{};
            const int status = MMDB_read_node(mmdb, static_cast<uint32_t>(item.node), &node);
            if (status != MMDB_SUCCESS) {
                return mmdb_error(file, "corrupt search tree at node " + std::to_string(item.node), status);
            }
            for (int side = 1; side >= 0; --side) {
                const uint64_t record = side ? node.right_record : node.left_record;
                const uint8_t type = side ? node.right_record_type : node.left_record_type;
                Item child = item;
                child.depth = static_cast<uint8_t>(item.depth + 1);
                if (side) child.address[item.depth / 8] |= static_cast<uint8_t>(0x80u >> (item.depth % 8));
                switch (type) {
                    case MMDB_RECORD_TYPE_SEARCH_NODE:
                        if (record == skip) break;
                        if (child.depth >= max_depth) {
                            return Error{file, 0,
                                         "corrupt search tree: deeper than " + std::to_string(max_depth) + " bits"};
                        }
                        child.node = record;
                        stack.push_back(child);
                        break;
                    case MMDB_RECORD_TYPE_EMPTY: break;
                    case MMDB_RECORD_TYPE_DATA: {
                        auto id = location_of(side ? node.right_record_entry : node.left_record_entry);
                        if (!id.ok()) return id.error();
                        PrefixValue pv;
                        pv.prefix.address = child.address;
                        pv.prefix.length = child.depth;
                        pv.value = *id;
                        out->push_back(pv);
                        break;
                    }
                    default:
                        return Error{file, 0,
                                     "corrupt search tree: node " + std::to_string(item.node) +
                                         " points outside the tree and the data section"};
                }
            }
        }
        return Ok{};
    }
};

Result<std::shared_ptr<const GeoDatabase>> load_mmdb(const std::string& path) {
    MMDB_s mmdb{};
    const int status = MMDB_open(path.c_str(), MMDB_MODE_MMAP, &mmdb);
    if (status != MMDB_SUCCESS) {
        std::string extra = status == MMDB_IO_ERROR || status == MMDB_FILE_OPEN_ERROR ? ""
                                                                                      : " (is it a MaxMind DB file?)";
        return mmdb_error(path, "cannot open GeoIP database" + extra, status);
    }
    struct Closer {
        MMDB_s* m;
        ~Closer() { MMDB_close(m); }
    } closer{&mmdb};

    MmdbWalker walker{path, &mmdb, {}, {}, 0};
    std::vector<PrefixValue> v4, v6;
    const uint16_t ip_version = mmdb.metadata.ip_version;
    if (ip_version == 4) {
        if (Status s = walker.walk(0, 32, ~uint64_t{0}, &v4); !s.ok()) return s.error();
    } else if (ip_version == 6) {
        // The IPv4 space lives at ::/96; ::ffff:0:0/96, 2002::/16 and Teredo may alias it.
        uint64_t node = 0;
        bool ipv4_is_node = true;
        for (int depth = 0; depth < 96; ++depth) {
            MMDB_search_node_s n{};
            const int st = MMDB_read_node(&mmdb, static_cast<uint32_t>(node), &n);
            if (st != MMDB_SUCCESS) return mmdb_error(path, "corrupt search tree", st);
            if (n.left_record_type != MMDB_RECORD_TYPE_SEARCH_NODE) {
                ipv4_is_node = false;
                break;
            }
            node = n.left_record;
        }
        const uint64_t ipv4_node = ipv4_is_node ? node : ~uint64_t{0};
        if (Status s = walker.walk(0, 128, ipv4_node, &v6); !s.ok()) return s.error();
        if (ipv4_is_node) {
            if (Status s = walker.walk(static_cast<uint32_t>(ipv4_node), 32, ~uint64_t{0}, &v4); !s.ok())
                return s.error();
        }
    } else {
        return Error{path, 0, "unsupported ip_version " + std::to_string(ip_version) + " in database metadata"};
    }

    std::vector<GeoLocation> locations = walker.locations.take();
    bool any_geo = false;
    for (const GeoLocation& l : locations) any_geo = any_geo || !l.continent.empty() || !l.country.empty();
    if (!any_geo) {
        const std::string type = mmdb.metadata.database_type ? mmdb.metadata.database_type : "unknown";
        return Error{path, 0,
                     "database type '" + type +
                         "' has no country or continent data: use a GeoIP2/GeoLite2 Country or City database"};
    }
    return make_geo_database(path, std::move(locations), v4, v6);
}

// Tor's geoip files are lines of digits, commas, country codes and # comments; a MaxMind
// DB is binary from its first bytes (the search tree), whole or truncated. So a file whose
// first 4 KiB are not all printable ASCII is read as MaxMind DB, and its errors are
// MaxMind's; its metadata marker, at the end, would miss a truncated file.
bool looks_like_text(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    char buf[4096];
    in.read(buf, sizeof buf);
    const std::streamsize n = in.gcount();
    for (std::streamsize i = 0; i < n; ++i) {
        const auto c = static_cast<unsigned char>(buf[i]);
        if ((c < 0x20 || c > 0x7e) && c != '\n' && c != '\r' && c != '\t') return false;
    }
    return true;
}

Status read_tor_file(const std::string& path, bool ipv6, LocationTable* locations, std::vector<PrefixValue>* out) {
    std::ifstream in(path);
    if (!in) return Error{path, 0, "cannot open Tor geoip file"};
    std::unordered_map<std::string, uint32_t> id_of_country;
    std::string line;
    uint32_t line_no = 0;
    while (std::getline(in, line)) {
        ++line_no;
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.empty() || line[0] == '#') continue;
        const size_t c1 = line.find(',');
        const size_t c2 = c1 == std::string::npos ? c1 : line.find(',', c1 + 1);
        if (c2 == std::string::npos) return Error{path, line_no, "expected 'first,last,COUNTRY'"};
        const std::string first = line.substr(0, c1), last = line.substr(c1 + 1, c2 - c1 - 1);
        const std::string country = line.substr(c2 + 1);
        uint8_t a[16] = {}, b[16] = {};
        if (ipv6) {
            if (inet_pton(AF_INET6, first.c_str(), a) != 1 || inet_pton(AF_INET6, last.c_str(), b) != 1) {
                return Error{path, line_no, "bad IPv6 address in range"};
            }
        } else {
            char* end1 = nullptr;
            char* end2 = nullptr;
            const unsigned long long lo = std::strtoull(first.c_str(), &end1, 10);
            const unsigned long long hi = std::strtoull(last.c_str(), &end2, 10);
            if (first.empty() || last.empty() || *end1 != '\0' || *end2 != '\0' || hi > 0xffffffffull || lo > hi) {
                return Error{path, line_no, "bad IPv4 range (expected two numbers, first <= last)"};
            }
            for (int i = 0; i < 4; ++i) {
                a[i] = static_cast<uint8_t>(lo >> (24 - 8 * i));
                b[i] = static_cast<uint8_t>(hi >> (24 - 8 * i));
            }
        }
        if (country == "??" || country.empty()) continue;  // Tor's "unknown"
        auto it = id_of_country.find(country);
        if (it == id_of_country.end()) {
            GeoLocation l;
            l.country = country;
            l.continent = std::string(continent_of_country(country));
            it = id_of_country.emplace(country, locations->id_of(l)).first;
        }
        for (const Prefix& p : range_to_prefixes(a, b, ipv6 ? 128 : 32)) out->push_back(PrefixValue{p, it->second});
    }
    return Ok{};
}

}  // namespace

std::string GeoLocation::describe() const {
    std::string out = continent.empty() ? "-" : continent;
    out += "/" + (country.empty() ? std::string("-") : country);
    if (!subdivision.empty()) out += "/" + subdivision;
    if (has_coordinates) {
        char buf[64];
        std::snprintf(buf, sizeof buf, " (%.4f, %.4f)", latitude, longitude);
        out += buf;
    }
    return out;
}

Result<std::shared_ptr<const GeoDatabase>> make_geo_database(std::string source, std::vector<GeoLocation> locations,
                                                             const std::vector<PrefixValue>& v4,
                                                             const std::vector<PrefixValue>& v6) {
    if (locations.size() >= kLpmNoValue) return Error{source, 0, "too many distinct locations"};
    auto t4 = Lpm4::build(v4);
    if (!t4.ok()) return Error{source, 0, t4.error().message};
    auto t6 = Lpm6::build(v6);
    if (!t6.ok()) return Error{source, 0, t6.error().message};
    return std::shared_ptr<const GeoDatabase>(std::make_shared<GeoDatabase>(std::move(source), std::move(locations),
                                                                            std::move(*t4), std::move(*t6)));
}

Result<std::shared_ptr<const GeoDatabase>> load_geoip_tor(const std::string& ipv4_path, const std::string& ipv6_path) {
    LocationTable locations;
    std::vector<PrefixValue> v4, v6;
    if (!ipv4_path.empty()) {
        if (Status s = read_tor_file(ipv4_path, false, &locations, &v4); !s.ok()) return s.error();
    }
    if (!ipv6_path.empty()) {
        if (Status s = read_tor_file(ipv6_path, true, &locations, &v6); !s.ok()) return s.error();
    }
    std::string source = ipv4_path;
    if (!ipv6_path.empty()) source += (source.empty() ? "" : " + ") + ipv6_path;
    if (locations.size() == 0) return Error{source, 0, "Tor geoip files map no address to a country"};
    return make_geo_database(source, locations.take(), v4, v6);
}

Result<std::shared_ptr<const GeoDatabase>> load_geoip(const std::string& path, GeoFormat format) {
    if (format == GeoFormat::kAuto) {
        std::ifstream probe(path);
        if (!probe) return Error{path, 0, "cannot open GeoIP database"};
        format = looks_like_text(path) ? GeoFormat::kTor : GeoFormat::kMmdb;
    }
    if (format == GeoFormat::kMmdb) return load_mmdb(path);
    const std::string v6 = path + "6";
    std::ifstream probe6(v6);
    return load_geoip_tor(path, probe6 ? v6 : std::string());
}

}  // namespace fz::policy
