// RFC 1035 master-file parser: directives, owner/TTL/class/type fields, $INCLUDE, default
// TTLs (RFC 2308), then duplicate removal and RRset TTL unification (RFC 2181 5.2).
#include "zone/master_parser.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <vector>

#include "common/text.h"
#include "dns/rrtype.h"
#include "dns/wire.h"
#include "zone/lexer.h"
#include "zone/rdata_text.h"

namespace fz::zone {
namespace {

// The whole file in memory: mapped read-only, so a 100 MB zone costs no copy.
class FileBuffer {
public:
    FileBuffer() = default;
    FileBuffer(const FileBuffer&) = delete;
    FileBuffer& operator=(const FileBuffer&) = delete;
    ~FileBuffer() {
        if (map_ != nullptr) munmap(map_, size_);
    }

    // Returns errno on failure, 0 on success.
    int open(const std::string& path) {
        int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd < 0) return errno;
        struct stat st {};
        if (fstat(fd, &st) != 0) {
            int err = errno;
            ::close(fd);
            return err;
        }
        if (!S_ISREG(st.st_mode)) {
            ::close(fd);
            return S_ISDIR(st.st_mode) ? EISDIR : EINVAL;
        }
        size_ = static_cast<size_t>(st.st_size);
        if (size_ > 0) {
            void* p = mmap(nullptr, size_, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
            if (p == MAP_FAILED) {
                int err = errno;
                ::close(fd);
                return err;
            }
            map_ = p;
            madvise(map_, size_, MADV_SEQUENTIAL);
        }
        ::close(fd);
        return 0;
    }

    std::string_view text() const {
        return map_ == nullptr ? std::string_view() : std::string_view(static_cast<const char*>(map_), size_);
    }

private:
    void* map_ = nullptr;
    size_t size_ = 0;
};

// What a file's records inherit from the lines before them. An $INCLUDEd file starts
// with a copy of its includer's state; nothing it changes flows back (RFC 1035 5.1).
struct FileState {
    dns::Name origin;
    std::optional<uint32_t> dollar_ttl;  // $TTL (RFC 2308 4)
    std::optional<uint32_t> last_ttl;    // last explicit TTL (RFC 1035 5.1)
    dns::Name owner;                     // previous owner, for lines that start with a blank
    bool have_owner = false;
    bool owner_in_zone = false;
};

std::string dirname_of(const std::string& path) {
    size_t slash = path.rfind('/');
    if (slash == std::string::npos) return std::string();
    if (slash == 0) return "/";
    return path.substr(0, slash);
}

std::optional<std::string> real_path(const std::string& path) {
    char buf[PATH_MAX];
    if (::realpath(path.c_str(), buf) == nullptr) return std::nullopt;
    return std::string(buf);
}

bool starts_with_digit(std::string_view t) { return !t.empty() && t[0] >= '0' && t[0] <= '9'; }

// Message for a TTL token that duration_from_text refused.
std::string bad_ttl_message(std::string_view text) {
    bool shaped = std::all_of(text.begin(), text.end(),
                              [](char c) { return (c >= '0' && c <= '9') || std::strchr("smhdwSMHDW", c) != nullptr; });
    if (shaped && duration_from_text(text, 0xffffffffU).has_value()) {
        return "TTL '" + std::string(text) + "' out of range (0.." + std::to_string(kMaxTtl) + ")";
    }
    if (std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        return "TTL '" + std::string(text) + "' out of range (0.." + std::to_string(kMaxTtl) + ")";
    }
    return "bad TTL '" + std::string(text) + "'";
}

class Parser {
public:
    Parser(ZoneSource& zone, const ParseOptions& options) : zone_(zone), options_(options) {}

    // Parses `text` as the file `file_name` (already registered as `file_id`).
    Status parse(std::string_view text, uint16_t file_id, FileState& state, unsigned depth);

    Result<uint16_t> add_file(const std::string& name, uint32_t line_for_error, const std::string& includer) {
        if (zone_.files.size() > 65535) return Error{includer, line_for_error, "too many $INCLUDE files"};
        zone_.files.push_back(name);
        return static_cast<uint16_t>(zone_.files.size() - 1);
    }

    std::vector<std::string> open_files;  // real paths of the files being read (include loops)

private:
    Status directive(const Entry& e, uint16_t file_id, FileState& state, unsigned depth);
    Status record(const Entry& e, uint16_t file_id, FileState& state);
    Status include(const Entry& e, uint16_t file_id, const FileState& state, unsigned depth);

    Error error(uint16_t file_id, uint32_t line, std::string message) const {
        return Error{zone_.files[file_id], line, std::move(message)};
    }

    ZoneSource& zone_;
    const ParseOptions& options_;
    std::string rdata_;  // reused for every record
};

Status Parser::parse(std::string_view text, uint16_t file_id, FileState& state, unsigned depth) {
    Lexer lexer(text);
    Entry entry;
    entry.tokens.reserve(64);
    // Until one entry of an included file parses, it may be any file at all ($INCLUDE
    // /etc/shadow, say, in a zone someone else wrote): its errors then quote nothing of it.
    // The zone's own file is the one the operator's configuration names.
    bool recognised = file_id == 0;
    auto unquoted = [&](const Error& e) {
        if (recognised || e.file != zone_.files[file_id]) return e;
        return Error{e.file, e.line,
                     "not a zone file: this first entry is neither a record nor a directive (nothing of the "
                     "file is quoted until one of its entries parses)"};
    };
    while (true) {
        auto more = lexer.next(entry);
        if (!more.ok()) return unquoted(error(file_id, more.error().line, more.error().message));
        if (!*more) return Ok{};
        const Token& first = entry.tokens[0];
        const bool is_directive = !first.quoted && !first.text.empty() && first.text[0] == '$';
        // A known directive already says what kind of file this is.
        if (is_directive &&
            (equals_ci(first.text, "$ORIGIN") || equals_ci(first.text, "$TTL") || equals_ci(first.text, "$INCLUDE"))) {
            recognised = true;
        }
        Status status = is_directive ? directive(entry, file_id, state, depth) : record(entry, file_id, state);
        if (!status.ok()) return unquoted(status.error());
        recognised = true;
    }
}

Status Parser::directive(const Entry& e, uint16_t file_id, FileState& state, unsigned depth) {
    std::string_view name = e.tokens[0].text;
    size_t args = e.tokens.size() - 1;
    if (equals_ci(name, "$ORIGIN")) {
        if (args != 1) return error(file_id, e.line, "$ORIGIN needs exactly one domain name");
        auto origin = dns::name_from_text(e.tokens[1].text, &state.origin);
        if (!origin.ok()) return error(file_id, e.line, "bad $ORIGIN: " + origin.error().message);
        state.origin = std::move(*origin);
        return Ok{};
    }
    if (equals_ci(name, "$TTL")) {
        if (args != 1) return error(file_id, e.line, "$TTL needs exactly one value");
        auto ttl = duration_from_text(e.tokens[1].text);
        if (!ttl) return error(file_id, e.line, "bad $TTL: " + bad_ttl_message(e.tokens[1].text));
        state.dollar_ttl = *ttl;
        return Ok{};
    }
    if (equals_ci(name, "$INCLUDE")) return include(e, file_id, state, depth);
    return error(file_id, e.line, "unknown directive '" + std::string(name) + "'");
}

Status Parser::include(const Entry& e, uint16_t file_id, const FileState& state, unsigned depth) {
    size_t args = e.tokens.size() - 1;
    if (args < 1 || args > 2) return error(file_id, e.line, "$INCLUDE needs a file name and an optional origin");
    std::string written(e.tokens[1].text);
    FileState inner = state;
    if (args == 2) {
        auto origin = dns::name_from_text(e.tokens[2].text, &state.origin);
        if (!origin.ok()) return error(file_id, e.line, "bad $INCLUDE origin: " + origin.error().message);
        inner.origin = std::move(*origin);
    }
    if (depth + 1 > options_.max_include_depth) {
        return error(file_id, e.line,
                     "$INCLUDE nested deeper than " + std::to_string(options_.max_include_depth) + " levels at '" +
                         written + "'");
    }
    // A relative path is relative to the folder of the file that includes it.
    std::string path = written;
    if (path.empty() || path[0] != '/') {
        std::string dir = dirname_of(zone_.files[file_id]);
        if (!dir.empty()) path = dir + "/" + written;
    }
    auto real = real_path(path);
    if (!real) return error(file_id, e.line, "$INCLUDE file '" + written + "' not found");
    if (std::find(open_files.begin(), open_files.end(), *real) != open_files.end()) {
        return error(file_id, e.line, "$INCLUDE loop: '" + written + "' is already being read");
    }
    FileBuffer buffer;
    if (int err = buffer.open(path); err != 0) {
        return error(file_id, e.line, "$INCLUDE file '" + written + "' cannot be read: " + std::strerror(err));
    }
    auto inner_id = add_file(path, e.line, zone_.files[file_id]);
    if (!inner_id.ok()) return inner_id.error();
    open_files.push_back(*real);
    Status status = parse(buffer.text(), *inner_id, inner, depth + 1);
    open_files.pop_back();
    return status;
}

Status Parser::record(const Entry& e, uint16_t file_id, FileState& state) {
    const std::vector<Token>& t = e.tokens;
    size_t i = 0;
    if (!e.owner_omitted) {
        const Token& owner = t[0];
        if (owner.quoted) return error(file_id, e.line, "owner name may not be a quoted string");
        uint8_t wire[dns::kMaxNameWire];
        size_t len = name_to_wire(owner.text, state.origin, wire);
        if (len == 0) {
            auto why = dns::name_from_text(owner.text, &state.origin);
            return error(file_id, e.line,
                         "bad owner name '" + std::string(owner.text) +
                             "': " + (why.ok() ? std::string("not a valid domain name") : why.error().message));
        }
        // Consecutive records usually share the owner: skip rebuilding it.
        if (!state.have_owner || state.owner.size() != len || std::memcmp(state.owner.data(), wire, len) != 0) {
            state.owner = dns::Name::from_wire(wire, len);
            state.owner_in_zone = state.owner.is_subdomain_of(zone_.origin);
        }
        state.have_owner = true;
        i = 1;
    } else if (!state.have_owner) {
        return error(file_id, e.line,
                     "record without an owner name (the line starts with a blank and no "
                     "earlier record names one)");
    }
    if (!state.owner_in_zone) {
        return error(file_id, e.line, "owner " + state.owner.to_text() + " is outside zone " + zone_.origin.to_text());
    }

    // [TTL] [class] or [class] [TTL], then the type (RFC 1035 5.1). TTLs start with a digit;
    // no class or type mnemonic does.
    std::optional<uint32_t> ttl;
    bool class_seen = false;
    while (i < t.size() && !t[i].quoted) {
        std::string_view f = t[i].text;
        if (starts_with_digit(f)) {
            if (ttl) break;
            ttl = duration_from_text(f);
            if (!ttl) return error(file_id, t[i].line, bad_ttl_message(f));
            ++i;
            continue;
        }
        if (class_seen) break;
        auto rclass = (f.size() == 2 && (f[0] | 0x20) == 'i' && (f[1] | 0x20) == 'n')
                          ? std::optional<uint16_t>(dns::rrclass::IN)
                          : dns::class_from_text(f);
        if (!rclass) break;
        if (*rclass != dns::rrclass::IN) {
            return error(file_id, t[i].line,
                         "class " + dns::class_to_text(*rclass) + " is not supported: only class IN is served");
        }
        class_seen = true;
        ++i;
    }
    if (i >= t.size()) return error(file_id, e.line, "missing type in record of " + state.owner.to_text());
    const Token& type_token = t[i];
    auto type = type_token.quoted ? std::nullopt : dns::type_from_text(type_token.text);
    if (!type) return error(file_id, type_token.line, "unknown type '" + std::string(type_token.text) + "'");
    if (dns::is_meta_type(*type)) {
        return error(file_id, type_token.line, "type " + dns::type_to_text(*type) + " cannot appear in a zone");
    }

    rdata_.clear();
    std::span<const Token> rdata_tokens(t.data() + i + 1, t.size() - i - 1);
    Status parsed = rdata_from_tokens(*type, rdata_tokens, state.origin, type_token.line, rdata_);
    if (!parsed.ok()) return error(file_id, parsed.error().line, parsed.error().message);

    uint32_t record_ttl;
    if (ttl) {
        record_ttl = *ttl;
        state.last_ttl = *ttl;
    } else if (state.dollar_ttl) {
        record_ttl = *state.dollar_ttl;
    } else if (state.last_ttl) {
        record_ttl = *state.last_ttl;
    } else if (*type == dns::type::SOA && rdata_.size() >= 4) {
        // BIND's fallback: the SOA MINIMUM becomes the TTL of the SOA and of what follows.
        uint32_t minimum = dns::load_u32(reinterpret_cast<const uint8_t*>(rdata_.data() + rdata_.size() - 4));
        record_ttl = std::min(minimum, kMaxTtl);
        state.last_ttl = record_ttl;
    } else if (options_.default_ttl != 0) {
        record_ttl = options_.default_ttl;
    } else {
        return error(file_id, e.line, "no TTL for this record: no $TTL, no earlier TTL and no default");
    }

    Record& r = zone_.records.emplace_back();
    r.owner = state.owner;
    r.type = *type;
    r.rclass = dns::rrclass::IN;
    r.ttl = record_ttl;
    r.rdata.assign(rdata_);
    r.line = e.line;
    r.file_id = file_id;
    return Ok{};
}

// ---------------------------------------------------------------- duplicates and RRset TTLs

inline uint64_t fnv_step(uint64_t h, uint8_t b) { return (h ^ b) * 0x100000001b3ULL; }

uint64_t hash_owner_type(const dns::Name& owner, uint16_t type) {
    uint64_t h = 0xcbf29ce484222325ULL ^ type;
    const uint8_t* p = owner.data();
    for (size_t i = 0; i < owner.size(); ++i) h = fnv_step(h, dns::lower(p[i]));
    return h;
}

uint64_t hash_rdata(uint64_t h, const std::string& rdata) {
    for (char c : rdata) h = fnv_step(h, static_cast<uint8_t>(c));
    return h ^ (h >> 29);
}

// Drops records identical to an earlier one (same owner, type and rdata bytes) and gives
// every record of an RRset the TTL of its first record, with a warning (RFC 2181 5.2).
// Keeps file order. Two open-addressing tables of record indices keep it linear; the
// hashes are computed first so that the table slots can be prefetched a few records
// ahead, since with a million records nearly every probe is a cache miss.
void unify_records(ZoneSource& zone) {
    auto& recs = zone.records;
    const size_t n = recs.size();
    size_t cap = 16;
    while (cap < n * 2) cap <<= 1;
    const size_t mask = cap - 1;
    struct Slot {
        uint32_t index = UINT32_MAX;
        uint32_t tag = 0;  // high hash bits: most mismatches are rejected without touching the record
    };
    struct Hashes {
        uint64_t rrset;
        uint64_t exact;
    };
    std::vector<Hashes> hashes(n);
    for (size_t r = 0; r < n; ++r) {
        hashes[r].rrset = hash_owner_type(recs[r].owner, recs[r].type);
        hashes[r].exact = hash_rdata(hashes[r].rrset, recs[r].rdata);
    }
    std::vector<Slot> rrsets(cap), exact(cap);
    constexpr size_t kPrefetchDistance = 8;
    size_t kept = 0;
    for (size_t r = 0; r < n; ++r) {
        if (r + kPrefetchDistance < n) {
            __builtin_prefetch(&rrsets[hashes[r + kPrefetchDistance].rrset & mask]);
            __builtin_prefetch(&exact[hashes[r + kPrefetchDistance].exact & mask]);
        }
        Record& rec = recs[r];
        uint64_t h1 = hashes[r].rrset;
        auto tag1 = static_cast<uint32_t>(h1 >> 32);
        size_t s = h1 & mask;
        const Record* first = nullptr;
        for (; rrsets[s].index != UINT32_MAX; s = (s + 1) & mask) {
            if (rrsets[s].tag != tag1) continue;
            const Record& o = recs[rrsets[s].index];
            if (o.type == rec.type && o.owner == rec.owner) {
                first = &o;
                break;
            }
        }
        if (first == nullptr) {
            rrsets[s] = Slot{static_cast<uint32_t>(kept), tag1};
        } else if (first->ttl != rec.ttl && rec.type != dns::type::RRSIG) {
            // (An owner's RRSIGs cover RRsets of different TTLs: theirs differ by right,
            // RFC 4034 section 3.)
            zone.warnings.push_back(Error{zone.file_of(rec), rec.line,
                                          "TTL " + std::to_string(rec.ttl) + " of this " + dns::type_to_text(rec.type) +
                                              " record differs from TTL " + std::to_string(first->ttl) +
                                              " of its RRset " + rec.owner.to_text() + " (line " +
                                              std::to_string(first->line) + "); using " + std::to_string(first->ttl)});
            rec.ttl = first->ttl;
        }
        uint64_t h2 = hashes[r].exact;
        auto tag2 = static_cast<uint32_t>(h2 >> 32);
        bool duplicate = false;
        s = h2 & mask;
        for (; exact[s].index != UINT32_MAX; s = (s + 1) & mask) {
            if (exact[s].tag != tag2) continue;
            const Record& o = recs[exact[s].index];
            if (o.type == rec.type && o.rdata == rec.rdata && o.owner == rec.owner) {
                duplicate = true;
                break;
            }
        }
        if (duplicate) continue;
        exact[s] = Slot{static_cast<uint32_t>(kept), tag2};
        if (kept != r) recs[kept] = std::move(rec);
        ++kept;
    }
    recs.erase(recs.begin() + static_cast<std::ptrdiff_t>(kept), recs.end());
}

Result<ZoneSource> parse_top(std::string_view text, const std::string& file_name, const dns::Name& origin,
                             const ParseOptions& options) {
    ZoneSource zone;
    zone.origin = origin;
    zone.files.push_back(file_name);
    // One record per line is the common shape: reserving for it avoids regrowing a
    // vector of a million records.
    zone.records.reserve(static_cast<size_t>(std::count(text.begin(), text.end(), '\n')) + 1);
    Parser parser(zone, options);
    if (auto real = real_path(file_name)) parser.open_files.push_back(*real);
    FileState state;
    state.origin = origin;
    Status status = parser.parse(text, 0, state, 0);
    if (!status.ok()) return status.error();
    unify_records(zone);
    return zone;
}

}  // namespace

Result<ZoneSource> parse_zone_file(const std::string& path, const dns::Name& origin, const ParseOptions& options) {
    FileBuffer buffer;
    if (int err = buffer.open(path); err != 0) {
        return Error{path, 0, std::string("cannot read zone file: ") + std::strerror(err)};
    }
    return parse_top(buffer.text(), path, origin, options);
}

Result<ZoneSource> parse_zone_text(std::string_view text, const std::string& file_name, const dns::Name& origin,
                                   const ParseOptions& options) {
    return parse_top(text, file_name, origin, options);
}

}  // namespace fz::zone
