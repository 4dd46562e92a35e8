// Parsing the latency CSV and computing each prefix's region order with fallbacks (cold).
#include "policy/latency.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <unordered_map>

namespace fz::policy {
namespace {

std::string trim(std::string_view s) {
    const size_t b = s.find_first_not_of(" \t\r");
    if (b == std::string_view::npos) return {};
    const size_t e = s.find_last_not_of(" \t\r");
    return std::string(s.substr(b, e - b + 1));
}

struct Row {
    Prefix prefix;
    unsigned bits;
    uint32_t line;
};

// What the CSV says: the regions, and one entry (with its row) per distinct prefix.
struct Measurements {
    std::vector<std::string> regions;  // a region's id is its index
    std::unordered_map<std::string, uint16_t> region_id;
    std::vector<LatencyEntry> entries;
    std::vector<Row> rows;                                                 // rows[i] is the prefix of entries[i]
    std::map<std::pair<unsigned, std::string>, uint32_t> entry_of_prefix;  // (bits, canonical) -> entry

    uint16_t id_of(const std::string& r) {
        auto [it, inserted] = region_id.emplace(r, static_cast<uint16_t>(regions.size()));
        if (inserted) regions.push_back(r);
        return it->second;
    }
};

// One "client prefix,region,latency ms" line (trimmed, not a comment) into `m`.
// `seen_data` says whether a row came before: a header line is allowed only until then.
Status read_row(const std::string& line, uint32_t line_no, const std::string& file, bool& seen_data, Measurements& m) {
    std::vector<std::string> fields;
    std::stringstream ss(line);
    for (std::string f; std::getline(ss, f, ',');) fields.push_back(trim(f));
    if (fields.size() != 3) {
        return Error{
            file, line_no,
            "expected 'client prefix,region,latency ms' (3 fields, found " + std::to_string(fields.size()) + ")"};
    }
    unsigned bits = 0;
    auto prefix = parse_prefix(fields[0], &bits);
    if (!prefix.ok()) {
        // A header line is allowed before the first row.
        if (!seen_data && fields[0].find("prefix") != std::string::npos) return Ok{};
        return Error{file, line_no, prefix.error().message};
    }
    seen_data = true;
    if (fields[1].empty()) return Error{file, line_no, "empty region"};
    char* end = nullptr;
    const double ms = std::strtod(fields[2].c_str(), &end);
    if (fields[2].empty() || *end != '\0' || !std::isfinite(ms) || ms < 0) {
        return Error{file, line_no, "latency \"" + fields[2] + "\" is not a non-negative number of milliseconds"};
    }
    if (m.regions.size() >= 0xffff) return Error{file, line_no, "too many regions"};
    const uint16_t region = m.id_of(fields[1]);
    const std::string canonical = prefix_to_text(*prefix, bits);
    auto [it, inserted] = m.entry_of_prefix.emplace(std::make_pair(bits, canonical),
                                                    static_cast<uint32_t>(m.entries.size()));
    if (inserted) {
        LatencyEntry e;
        e.prefix = canonical;
        e.line = line_no;
        m.entries.push_back(std::move(e));
        m.rows.push_back(Row{*prefix, bits, line_no});
    }
    LatencyEntry& entry = m.entries[it->second];
    for (const auto& [r, _] : entry.measured) {
        if (r == region) {
            return Error{file, line_no, "prefix " + canonical + " already has a latency for region " + fields[1]};
        }
    }
    entry.measured.emplace_back(region, ms);
    return Ok{};
}

// Every line of the CSV; blank lines and '#' comments are skipped.
Status read_measurements(std::string_view text, const std::string& file, Measurements& m) {
    uint32_t line_no = 0;
    bool seen_data = false;
    size_t pos = 0;
    while (pos <= text.size()) {
        size_t nl = text.find('\n', pos);
        if (nl == std::string_view::npos) nl = text.size();
        const std::string line = trim(text.substr(pos, nl - pos));
        pos = nl + 1;
        ++line_no;
        if (line.empty() || line[0] == '#') continue;
        if (Status st = read_row(line, line_no, file, seen_data, m); !st.ok()) return st;
    }
    if (m.entries.size() >= kLpmNoValue) return Error{file, 0, "too many prefixes"};
    return Ok{};
}

// Each prefix's order: its own regions, then those of the prefixes covering it (nearest
// first), then the default order. Prefixes nest, so walking them sorted by address with a
// stack of open ancestors finds every prefix's covering chain.
void order_regions(Measurements& m, const std::vector<uint16_t>& default_order) {
    const std::vector<Row>& rows = m.rows;
    std::vector<uint32_t> sorted(m.entries.size());
    for (uint32_t i = 0; i < sorted.size(); ++i) sorted[i] = i;
    std::sort(sorted.begin(), sorted.end(), [&](uint32_t a, uint32_t b) {
        if (rows[a].bits != rows[b].bits) return rows[a].bits < rows[b].bits;
        if (rows[a].prefix.address != rows[b].prefix.address) return rows[a].prefix.address < rows[b].prefix.address;
        return rows[a].prefix.length < rows[b].prefix.length;
    });
    auto covers = [&](uint32_t outer, uint32_t inner) {
        const Row& o = rows[outer];
        const Row& n = rows[inner];
        if (o.bits != n.bits || o.prefix.length > n.prefix.length) return false;
        for (unsigned b = 0; b < o.prefix.length; ++b) {
            const unsigned mask = 0x80u >> (b % 8);
            if ((o.prefix.address[b / 8] & mask) != (n.prefix.address[b / 8] & mask)) return false;
        }
        return true;
    };
    std::vector<uint32_t> open;
    for (uint32_t i : sorted) {
        while (!open.empty() && !covers(open.back(), i)) open.pop_back();
        LatencyEntry& e = m.entries[i];
        auto add = [&e](uint16_t r) {
            if (std::find(e.order.begin(), e.order.end(), r) == e.order.end()) e.order.push_back(r);
        };
        for (const auto& [r, _] : e.measured) add(r);
        for (auto it = open.rbegin(); it != open.rend(); ++it) {
            for (const auto& [r, _] : m.entries[*it].measured) add(r);
        }
        for (uint16_t r : default_order) add(r);
        open.push_back(i);
    }
}

}  // namespace

int64_t LatencyTable::find_region(const std::string& region) const {
    for (size_t i = 0; i < regions_.size(); ++i) {
        if (regions_[i] == region) return static_cast<int64_t>(i);
    }
    return -1;
}

Result<std::shared_ptr<const LatencyTable>> parse_latency_text(std::string_view text, const std::string& file,
                                                               const LatencyOptions& options) {
    Measurements m;
    if (Status st = read_measurements(text, file, m); !st.ok()) return st.error();

    std::vector<uint16_t> default_order;
    for (const std::string& r : options.default_order) {
        const uint16_t id = m.id_of(r);
        if (std::find(default_order.begin(), default_order.end(), id) == default_order.end())
            default_order.push_back(id);
    }
    for (LatencyEntry& e : m.entries) {
        std::stable_sort(e.measured.begin(), e.measured.end(), [&](const auto& a, const auto& b) {
            if (a.second != b.second) return a.second < b.second;
            return m.regions[a.first] < m.regions[b.first];
        });
    }
    order_regions(m, default_order);

    std::vector<PrefixValue> v4, v6;
    for (uint32_t i = 0; i < m.rows.size(); ++i) {
        (m.rows[i].bits == 32 ? v4 : v6).push_back(PrefixValue{m.rows[i].prefix, i});
    }
    auto t4 = Lpm4::build(v4);
    auto t6 = Lpm6::build(v6);
    if (!t4.ok()) return Error{file, 0, t4.error().message};
    if (!t6.ok()) return Error{file, 0, t6.error().message};
    return std::shared_ptr<const LatencyTable>(std::make_shared<LatencyTable>(
        file, std::move(m.regions), std::move(m.entries), std::move(default_order), std::move(*t4), std::move(*t6)));
}

Result<std::shared_ptr<const LatencyTable>> load_latency_file(const std::string& path, const LatencyOptions& options) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return Error{path, 0, "cannot open latency file"};
    std::ostringstream ss;
    ss << in.rdbuf();
    return parse_latency_text(ss.str(), path, options);
}

}  // namespace fz::policy
