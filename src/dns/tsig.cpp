// TSIG (RFC 8945): reading records, keys, and the HMACs that sign and verify messages.
#include "dns/tsig.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <algorithm>
#include <cstring>

#include "common/encoding.h"

namespace fz::dns {
namespace {

// Expands the name at `pos` (compression pointers followed, backwards only) lower-cased
// into `out` (kMaxNameWire bytes). Returns the offset just past the name where it is
// written, or 0 when malformed. Every pointer goes back and every label grows the name,
// which is bounded: the walk ends.
size_t expand_name(const uint8_t* msg, size_t len, size_t pos, uint8_t* out, uint8_t* out_len) {
    size_t end = 0;
    size_t n = 0;
    while (pos < len) {
        const uint8_t l = msg[pos];
        if ((l & 0xc0) == 0xc0) {
            if (pos + 2 > len) return 0;
            const size_t target = static_cast<size_t>(((l & 0x3f) << 8) | msg[pos + 1]);
            if (target >= pos) return 0;
            if (end == 0) end = pos + 2;
            pos = target;
            continue;
        }
        if (l > kMaxLabel || n + l + 1u > kMaxNameWire || pos + 1u + l > len) return 0;
        out[n++] = l;
        for (size_t k = 1; k <= l; ++k) out[n++] = lower(msg[pos + k]);
        if (l == 0) {
            *out_len = static_cast<uint8_t>(n);
            return end != 0 ? end : pos + 1;
        }
        pos += l + 1u;
    }
    return 0;
}

uint64_t load_u48(const uint8_t* p) { return (uint64_t{load_u16(p)} << 32) | load_u32(p + 2); }

void store_u48(uint8_t* p, uint64_t v) {
    store_u16(p, static_cast<uint16_t>(v >> 32));
    store_u32(p + 2, static_cast<uint32_t>(v));
}

struct AlgorithmInfo {
    TsigAlgorithm algorithm;
    std::string_view wire;  // lower-cased, with the root label
    std::string_view text;
    const char* digest;  // OpenSSL's name
    size_t size;
};

// sizeof() of each literal counts its final NUL: the root label.
#define FZ_WIRE(literal) std::string_view(literal, sizeof(literal))
const AlgorithmInfo kAlgorithms[] = {
    {TsigAlgorithm::kHmacMd5, FZ_WIRE("\x08hmac-md5\x07sig-alg\x03reg\x03int"), "hmac-md5", "MD5", 16},
    {TsigAlgorithm::kHmacSha1, FZ_WIRE("\x09hmac-sha1"), "hmac-sha1", "SHA1", 20},
    {TsigAlgorithm::kHmacSha224, FZ_WIRE("\x0bhmac-sha224"), "hmac-sha224", "SHA224", 28},
    {TsigAlgorithm::kHmacSha256, FZ_WIRE("\x0bhmac-sha256"), "hmac-sha256", "SHA256", 32},
    {TsigAlgorithm::kHmacSha384, FZ_WIRE("\x0bhmac-sha384"), "hmac-sha384", "SHA384", 48},
    {TsigAlgorithm::kHmacSha512, FZ_WIRE("\x0bhmac-sha512"), "hmac-sha512", "SHA512", 64},
};
#undef FZ_WIRE

const AlgorithmInfo& info(TsigAlgorithm a) { return kAlgorithms[static_cast<size_t>(a)]; }

// One HMAC computation over pieces fed in order.
class Hmac {
public:
    Hmac(TsigAlgorithm algorithm, const std::string& secret) {
        // Fetched once: a fetch looks the implementation up in the provider tables.
        static EVP_MAC* const mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
        if (mac == nullptr) return;
        ctx_ = EVP_MAC_CTX_new(mac);
        if (ctx_ == nullptr) return;
        OSSL_PARAM params[] = {
            OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, const_cast<char*>(info(algorithm).digest), 0),
            OSSL_PARAM_construct_end(),
        };
        // A null key would mean "the previous key": an empty secret still needs a pointer.
        static const uint8_t kNoKey = 0;
        const auto* key = secret.empty() ? &kNoKey : reinterpret_cast<const uint8_t*>(secret.data());
        ok_ = EVP_MAC_init(ctx_, key, secret.size(), params) == 1;
    }
    ~Hmac() { EVP_MAC_CTX_free(ctx_); }
    Hmac(const Hmac&) = delete;
    Hmac& operator=(const Hmac&) = delete;

    void update(const uint8_t* p, size_t n) {
        if (ok_ && n != 0) ok_ = EVP_MAC_update(ctx_, p, n) == 1;
    }
    // The MAC into `out` (kMaxTsigMac bytes); its length, or 0 on an OpenSSL failure.
    size_t final(uint8_t* out) {
        size_t n = 0;
        if (!ok_ || EVP_MAC_final(ctx_, out, &n, kMaxTsigMac) != 1) return 0;
        return n;
    }

private:
    EVP_MAC_CTX* ctx_ = nullptr;
    bool ok_ = false;
};

// The fields of a TSIG record that the MAC covers, whichever side writes or reads them.
struct TsigFields {
    const uint8_t* key_name;
    size_t key_name_len;
    uint16_t rclass;
    uint32_t ttl;
    const uint8_t* algorithm;
    size_t algorithm_len;
    uint64_t time_signed;
    uint16_t fudge;
    uint16_t original_id;
    uint16_t error;
    const uint8_t* other;
    uint16_t other_len;
};

// What a MAC covers besides the message and the TSIG variables.
struct MacInput {
    std::span<const uint8_t> request_mac;
    bool with_request_mac = false;    // a response: the request's MAC comes first (4.3.1)
    bool counted = false;             // ARCOUNT already counts the TSIG record (verifying)
    bool timers_only = false;         // a later message of a stream: only Time Signed and Fudge (5.3.1)
    std::span<const uint8_t> before;  // a stream's unsigned messages since the prior MAC (5.3.1)
};

// The MAC of RFC 8945 4.3: [request MAC size and MAC] + the message up to its TSIG
// record (ID replaced by Original ID, ARCOUNT without the TSIG) + the TSIG variables
// (4.3.3). Returns the MAC length, 0 on failure.
size_t compute_mac(const TsigKey& key, const MacInput& in, const uint8_t* msg, size_t body_len, const TsigFields& f,
                   uint8_t* out) {
    Hmac h(key.algorithm, key.secret);
    uint8_t b[10];
    if (in.with_request_mac) {
        store_u16(b, static_cast<uint16_t>(in.request_mac.size()));
        h.update(b, 2);
        h.update(in.request_mac.data(), in.request_mac.size());
    }
    h.update(in.before.data(), in.before.size());
    uint8_t header[kHeaderSize];
    std::memcpy(header, msg, kHeaderSize);
    store_u16(header, f.original_id);
    if (in.counted) store_u16(header + 10, static_cast<uint16_t>(load_u16(header + 10) - 1));
    h.update(header, kHeaderSize);
    h.update(msg + kHeaderSize, body_len - kHeaderSize);
    if (in.timers_only) {
        store_u48(b, f.time_signed);
        store_u16(b + 6, f.fudge);
        h.update(b, 8);
        return h.final(out);
    }
    h.update(f.key_name, f.key_name_len);
    store_u16(b, f.rclass);
    store_u32(b + 2, f.ttl);
    h.update(b, 6);
    h.update(f.algorithm, f.algorithm_len);
    store_u48(b, f.time_signed);
    store_u16(b + 6, f.fudge);
    h.update(b, 8);
    store_u16(b, f.error);
    store_u16(b + 2, f.other_len);
    h.update(b, 4);
    h.update(f.other, f.other_len);
    return h.final(out);
}

// Writes the TSIG record of `f` with `mac` at `out`; its length, or 0 without room.
size_t write_record(uint8_t* out, size_t room, const TsigFields& f, const uint8_t* mac, size_t mac_len) {
    const size_t rdlen = f.algorithm_len + 16u + mac_len + f.other_len;
    const size_t total = f.key_name_len + 10u + rdlen;
    if (total > room || rdlen > 0xffff) return 0;
    uint8_t* p = out;
    std::memcpy(p, f.key_name, f.key_name_len);
    p += f.key_name_len;
    store_u16(p, type::TSIG);
    store_u16(p + 2, f.rclass);
    store_u32(p + 4, f.ttl);
    store_u16(p + 8, static_cast<uint16_t>(rdlen));
    p += 10;
    std::memcpy(p, f.algorithm, f.algorithm_len);
    p += f.algorithm_len;
    store_u48(p, f.time_signed);
    store_u16(p + 6, f.fudge);
    store_u16(p + 8, static_cast<uint16_t>(mac_len));
    p += 10;
    if (mac_len != 0) std::memcpy(p, mac, mac_len);
    p += mac_len;
    store_u16(p, f.original_id);
    store_u16(p + 2, f.error);
    store_u16(p + 4, f.other_len);
    if (f.other_len != 0) std::memcpy(p + 6, f.other, f.other_len);
    return total;
}

uint64_t time48(int64_t now) { return now < 0 ? 0 : static_cast<uint64_t>(now) & 0xffffffffffffULL; }

// Class and TTL of the record whose owner starts at `rr` (read_tsig found it sound).
void class_and_ttl(const uint8_t* msg, size_t len, size_t rr, uint16_t& rclass, uint32_t& ttl) {
    uint8_t name[kMaxNameWire];
    size_t name_len = 0;
    const size_t pos = read_message_name(msg, len, rr, name, &name_len);
    if (pos == 0 || pos + 8 > len) return;  // the caller's ANY and 0 stand
    rclass = load_u16(msg + pos + 2);
    ttl = load_u32(msg + pos + 4);
}

// RFC 8945 5.2.2.1: a MAC longer than the HMAC, or shorter than both 10 bytes and half of
// it, is malformed.
bool mac_size_allowed(TsigAlgorithm a, size_t mac_size) {
    const size_t full = tsig_digest_size(a);
    return mac_size <= full && mac_size >= std::max<size_t>(10, full / 2);
}

// Checks the MAC of `t` (read from the record at `tsig_pos`), then its time.
TsigStatus check_mac_and_time(const uint8_t* msg, size_t tsig_pos, size_t len, const TsigRecord& t, const TsigKey& key,
                              MacInput in, int64_t now) {
    if (!mac_size_allowed(key.algorithm, t.mac_size)) return TsigStatus::kFormErr;
    TsigFields f{t.key_name,    t.key_name_len, rrclass::ANY,  0,       t.algorithm, t.algorithm_len,
                 t.time_signed, t.fudge,        t.original_id, t.error, t.other,     t.other_len};
    class_and_ttl(msg, len, tsig_pos, f.rclass, f.ttl);
    uint8_t mac[kMaxTsigMac];
    in.counted = true;
    const size_t n = compute_mac(key, in, msg, tsig_pos, f, mac);
    if (n < t.mac_size || CRYPTO_memcmp(mac, t.mac, t.mac_size) != 0) return TsigStatus::kBadSig;
    const int64_t signed_at = static_cast<int64_t>(t.time_signed);
    const int64_t skew = now > signed_at ? now - signed_at : signed_at - now;
    if (skew > t.fudge) return TsigStatus::kBadTime;
    return TsigStatus::kOk;
}

// Skips one record or question at `pos`; the offset after it, or 0 when malformed.
size_t skip_entry(const uint8_t* msg, size_t len, size_t pos, bool question, uint16_t& type_out) {
    uint8_t name[kMaxNameWire];
    size_t name_len = 0;
    pos = read_message_name(msg, len, pos, name, &name_len);
    const size_t fixed = question ? 4 : 10;
    if (pos == 0 || pos + fixed > len) return 0;
    type_out = load_u16(msg + pos);
    if (question) return pos + 4;
    const size_t end = pos + 10 + load_u16(msg + pos + 8);
    return end > len ? 0 : end;
}

}  // namespace

bool read_tsig(const uint8_t* msg, size_t len, size_t rr, TsigRecord& out) {
    size_t pos = expand_name(msg, len, rr, out.key_name, &out.key_name_len);
    if (pos == 0 || pos + 10 > len) return false;
    const size_t rdata = pos + 10;
    const size_t end = rdata + load_u16(msg + pos + 8);
    if (end > len) return false;
    // Algorithm Name, Time Signed (48 bits), Fudge, MAC Size, MAC, Original ID, Error,
    // Other Len, Other Data (RFC 8945 4.2), filling RDLENGTH exactly.
    pos = expand_name(msg, end, rdata, out.algorithm, &out.algorithm_len);
    if (pos == 0 || pos + 10 > end) return false;
    out.time_signed = load_u48(msg + pos);
    out.fudge = load_u16(msg + pos + 6);
    out.mac_size = load_u16(msg + pos + 8);
    pos += 10;
    if (pos + out.mac_size + 6 > end) return false;
    out.mac = msg + pos;
    pos += out.mac_size;
    out.original_id = load_u16(msg + pos);
    out.error = load_u16(msg + pos + 2);
    out.other_len = load_u16(msg + pos + 4);
    pos += 6;
    if (pos + out.other_len != end) return false;
    out.other = msg + pos;
    return true;
}

size_t write_tsig_error(uint8_t* out, size_t room, const TsigRecord& request, uint16_t id, uint16_t error) {
    const size_t rdlen = request.algorithm_len + 16u;
    const size_t total = request.key_name_len + 10u + rdlen;
    if (total > room) return 0;
    uint8_t* p = out;
    std::memcpy(p, request.key_name, request.key_name_len);
    p += request.key_name_len;
    store_u16(p, type::TSIG);
    store_u16(p + 2, rrclass::ANY);
    store_u32(p + 4, 0);
    store_u16(p + 8, static_cast<uint16_t>(rdlen));
    p += 10;
    std::memcpy(p, request.algorithm, request.algorithm_len);
    p += request.algorithm_len;
    store_u16(p, static_cast<uint16_t>(request.time_signed >> 32));
    store_u32(p + 2, static_cast<uint32_t>(request.time_signed));
    store_u16(p + 6, tsig::kFudge);
    store_u16(p + 8, 0);  // MAC Size: an unsigned error (RFC 8945 5.3.2)
    store_u16(p + 10, id);
    store_u16(p + 12, error);
    store_u16(p + 14, 0);  // Other Len
    return total;
}

std::optional<TsigAlgorithm> tsig_algorithm_from_wire(const uint8_t* name, size_t len) {
    for (const auto& a : kAlgorithms) {
        if (a.wire.size() == len && std::memcmp(a.wire.data(), name, len) == 0) return a.algorithm;
    }
    return std::nullopt;
}

std::optional<TsigAlgorithm> tsig_algorithm_from_text(std::string_view text) {
    if (!text.empty() && text.back() == '.') text.remove_suffix(1);
    std::string lowered(text);
    for (auto& c : lowered) c = static_cast<char>(lower(static_cast<uint8_t>(c)));
    if (lowered == "hmac-md5.sig-alg.reg.int") return TsigAlgorithm::kHmacMd5;
    for (const auto& a : kAlgorithms) {
        if (a.text == lowered) return a.algorithm;
    }
    return std::nullopt;
}

std::string_view tsig_algorithm_text(TsigAlgorithm algorithm) { return info(algorithm).text; }
size_t tsig_digest_size(TsigAlgorithm algorithm) { return info(algorithm).size; }

Result<TsigKey> tsig_key_from_text(std::string_view spec) {
    TsigKey key;
    const size_t last = spec.rfind(':');
    if (last == std::string_view::npos) return make_error("", 0, "a TSIG key is [algorithm:]name:secret");
    std::string_view name = spec.substr(0, last);
    const std::string_view secret = spec.substr(last + 1);
    const size_t first = name.find(':');
    if (first != std::string_view::npos) {
        const auto algorithm = tsig_algorithm_from_text(name.substr(0, first));
        if (!algorithm) return make_error("", 0, "unknown TSIG algorithm '" + std::string(name.substr(0, first)) + "'");
        key.algorithm = *algorithm;
        name = name.substr(first + 1);
    }
    std::string absolute(name);
    if (absolute.empty() || absolute.back() != '.') absolute += '.';
    auto parsed = name_from_text(absolute, nullptr);
    if (!parsed) return make_error("", 0, "TSIG key name '" + std::string(name) + "': " + parsed.error().message);
    key.name = parsed->lowered();
    if (!base64_decode(secret, key.secret)) return make_error("", 0, "TSIG key secret is not base64");
    return key;
}

Status TsigKeyring::add(TsigKey key) {
    key.name = key.name.lowered();
    const std::string id = key.name.bytes();
    if (keys_.contains(id)) return make_error("", 0, "TSIG key " + key.name.to_text() + " is defined twice");
    keys_.emplace(id, std::move(key));
    return Ok{};
}

const TsigKey* TsigKeyring::find(const uint8_t* wire_name, size_t len) const {
    if (len == 0 || len > kMaxNameWire) return nullptr;
    char lowered[kMaxNameWire];
    for (size_t i = 0; i < len; ++i) lowered[i] = static_cast<char>(lower(wire_name[i]));
    const auto it = keys_.find(std::string_view(lowered, len));
    return it == keys_.end() ? nullptr : &it->second;
}

TsigPresence locate_tsig(const uint8_t* msg, size_t len, size_t& pos) {
    if (len < kHeaderSize) return TsigPresence::kMalformed;
    const size_t counts[4] = {load_u16(msg + 4), load_u16(msg + 6), load_u16(msg + 8), load_u16(msg + 10)};
    const size_t records = counts[1] + counts[2] + counts[3];
    size_t at = kHeaderSize;
    uint16_t type = 0;
    for (size_t i = 0; i < counts[0]; ++i) {
        at = skip_entry(msg, len, at, true, type);
        if (at == 0) return TsigPresence::kMalformed;
    }
    for (size_t i = 0; i < records; ++i) {
        const size_t start = at;
        at = skip_entry(msg, len, at, false, type);
        if (at == 0) return TsigPresence::kMalformed;
        if (type != type::TSIG) continue;
        // RFC 8945 5.1: the last record of the additional section, and only there.
        if (i + 1 != records || counts[3] == 0 || at != len) return TsigPresence::kMalformed;
        pos = start;
        return TsigPresence::kLast;
    }
    return TsigPresence::kNone;
}

uint16_t tsig_error_code(TsigStatus status) {
    switch (status) {
        case TsigStatus::kBadKey: return tsig::BADKEY;
        case TsigStatus::kBadSig: return tsig::BADSIG;
        case TsigStatus::kBadTime: return tsig::BADTIME;
        case TsigStatus::kBadTrunc: return tsig::BADTRUNC;
        case TsigStatus::kOk:
        case TsigStatus::kFormErr: break;
    }
    return 0;
}

const char* tsig_status_name(TsigStatus status) {
    switch (status) {
        case TsigStatus::kOk: return "OK";
        case TsigStatus::kFormErr: return "FORMERR";
        case TsigStatus::kBadKey: return "BADKEY";
        case TsigStatus::kBadSig: return "BADSIG";
        case TsigStatus::kBadTime: return "BADTIME";
        case TsigStatus::kBadTrunc: return "BADTRUNC";
    }
    return "?";
}

TsigStatus tsig_verify_request(const uint8_t* msg, size_t len, size_t tsig_pos, const TsigKeyring& keys, int64_t now,
                               TsigContext& ctx) {
    ctx = TsigContext{};
    if (len < kHeaderSize || tsig_pos < kHeaderSize || !read_tsig(msg, len, tsig_pos, ctx.request)) {
        return TsigStatus::kFormErr;
    }
    const TsigRecord& t = ctx.request;
    const TsigKey* key = keys.find(t.key_name, t.key_name_len);
    const auto algorithm = tsig_algorithm_from_wire(t.algorithm, t.algorithm_len);
    TsigStatus status = TsigStatus::kBadKey;
    if (key != nullptr && algorithm && *algorithm == key->algorithm) {
        status = check_mac_and_time(msg, tsig_pos, len, t, *key, MacInput{}, now);
    }
    if (status == TsigStatus::kFormErr) return status;
    // Only a MAC that verified is echoed into the response's (4.3.1); a BADKEY or BADSIG
    // response is unsigned.
    if (status == TsigStatus::kOk || status == TsigStatus::kBadTime) {
        ctx.key = key;
        ctx.request_mac_len = t.mac_size;
        std::memcpy(ctx.request_mac, t.mac, t.mac_size);
    }
    ctx.error = tsig_error_code(status);
    return status;
}

size_t tsig_sign_response(uint8_t* msg, size_t len, size_t cap, const TsigContext& ctx, int64_t now) {
    if (len < kHeaderSize || len > cap) return 0;
    const TsigRecord& t = ctx.request;
    size_t n = 0;
    if (ctx.key == nullptr || ctx.error == tsig::BADKEY || ctx.error == tsig::BADSIG) {
        n = write_tsig_error(msg + len, cap - len, t, t.original_id, ctx.error);
    } else {
        uint8_t other[6];
        TsigFields f{ctx.key->name.data(), ctx.key->name.size(), rrclass::ANY,  0,         t.algorithm, t.algorithm_len,
                     time48(now),          tsig::kFudge,         t.original_id, ctx.error, nullptr,     0};
        if (ctx.error == tsig::BADTIME) {
            // The request's own time comes back, and ours in Other Data (RFC 8945 5.2.3).
            f.time_signed = t.time_signed;
            store_u48(other, time48(now));
            f.other = other;
            f.other_len = 6;
        }
        uint8_t mac[kMaxTsigMac];
        const MacInput in{{ctx.request_mac, ctx.request_mac_len}, true, false};
        const size_t mac_len = compute_mac(*ctx.key, in, msg, len, f, mac);
        if (mac_len == 0) return 0;
        n = write_record(msg + len, cap - len, f, mac, mac_len);
    }
    if (n == 0) return 0;
    store_u16(msg + 10, static_cast<uint16_t>(load_u16(msg + 10) + 1));
    return len + n;
}

size_t TsigStreamSigner::sign(uint8_t* msg, size_t len, size_t cap, int64_t now) {
    if (len < kHeaderSize || len > cap) return 0;
    const TsigRecord& t = ctx_.request;
    if (ctx_.key == nullptr || ctx_.error != 0) return tsig_sign_response(msg, len, cap, ctx_, now);
    TsigFields f{ctx_.key->name.data(), ctx_.key->name.size(), rrclass::ANY,  0, t.algorithm, t.algorithm_len,
                 time48(now),           tsig::kFudge,          t.original_id, 0, nullptr,     0};
    MacInput in{{prior_, prior_len_}, true, false, prior_len_ != 0 && !first_};
    if (first_) in.request_mac = {ctx_.request_mac, ctx_.request_mac_len};
    uint8_t mac[kMaxTsigMac];
    const size_t mac_len = compute_mac(*ctx_.key, in, msg, len, f, mac);
    if (mac_len == 0) return 0;
    const size_t n = write_record(msg + len, cap - len, f, mac, mac_len);
    if (n == 0) return 0;
    store_u16(msg + 10, static_cast<uint16_t>(load_u16(msg + 10) + 1));
    std::memcpy(prior_, mac, mac_len);
    prior_len_ = static_cast<uint16_t>(mac_len);
    first_ = false;
    return len + n;
}

TsigStreamVerifier::TsigStreamVerifier(const TsigKey& key, std::span<const uint8_t> request_mac)
    : key_(key), prior_(request_mac.begin(), request_mac.end()) {}

TsigStatus TsigStreamVerifier::verify(const uint8_t* msg, size_t len, int64_t now) {
    size_t pos = 0;
    const TsigPresence presence = locate_tsig(msg, len, pos);
    if (presence == TsigPresence::kMalformed) return TsigStatus::kFormErr;
    if (presence == TsigPresence::kNone) {
        // The first message must be signed; later ones may skip, 99 in a row at most.
        if (first_ || ++unsigned_run_ > 99) return TsigStatus::kBadSig;
        unsigned_.insert(unsigned_.end(), msg, msg + len);
        return TsigStatus::kOk;
    }
    if (first_) {
        const TsigStatus st = tsig_verify_response(msg, len, key_, prior_, now);
        if (st != TsigStatus::kOk) return st;
    } else {
        TsigRecord t;
        if (!read_tsig(msg, len, pos, t)) return TsigStatus::kFormErr;
        if (!key_.name.equals(Name::from_wire(t.key_name, t.key_name_len))) return TsigStatus::kBadKey;
        if (t.mac_size == 0) return TsigStatus::kBadSig;
        MacInput in{prior_, true, true, true, unsigned_};
        TsigFields f{t.key_name,    t.key_name_len, rrclass::ANY,  0,       t.algorithm, t.algorithm_len,
                     t.time_signed, t.fudge,        t.original_id, t.error, t.other,     t.other_len};
        if (!mac_size_allowed(key_.algorithm, t.mac_size)) return TsigStatus::kFormErr;
        uint8_t mac[kMaxTsigMac];
        const size_t n = compute_mac(key_, in, msg, pos, f, mac);
        if (n < t.mac_size || CRYPTO_memcmp(mac, t.mac, t.mac_size) != 0) return TsigStatus::kBadSig;
        const int64_t signed_at = static_cast<int64_t>(t.time_signed);
        if ((now > signed_at ? now - signed_at : signed_at - now) > t.fudge) return TsigStatus::kBadTime;
    }
    // The MAC this message carries is the one the next covers.
    TsigRecord t;
    if (!read_tsig(msg, len, pos, t)) return TsigStatus::kFormErr;
    prior_.assign(t.mac, t.mac + t.mac_size);
    unsigned_.clear();
    unsigned_run_ = 0;
    first_ = false;
    return TsigStatus::kOk;
}

size_t tsig_sign_request(uint8_t* msg, size_t len, size_t cap, const TsigKey& key, int64_t now, uint16_t fudge,
                         uint8_t* mac_out, uint16_t* mac_len) {
    if (len < kHeaderSize || len > cap) return 0;
    const std::string_view alg = info(key.algorithm).wire;
    const TsigFields f{key.name.data(),
                       key.name.size(),
                       rrclass::ANY,
                       0,
                       reinterpret_cast<const uint8_t*>(alg.data()),
                       alg.size(),
                       time48(now),
                       fudge,
                       load_u16(msg),
                       0,
                       nullptr,
                       0};
    uint8_t mac[kMaxTsigMac];
    const size_t n = compute_mac(key, MacInput{}, msg, len, f, mac);
    if (n == 0) return 0;
    const size_t rr = write_record(msg + len, cap - len, f, mac, n);
    if (rr == 0) return 0;
    store_u16(msg + 10, static_cast<uint16_t>(load_u16(msg + 10) + 1));
    if (mac_out != nullptr) std::memcpy(mac_out, mac, n);
    if (mac_len != nullptr) *mac_len = static_cast<uint16_t>(n);
    return len + rr;
}

TsigStatus tsig_verify_response(const uint8_t* msg, size_t len, const TsigKey& key,
                                std::span<const uint8_t> request_mac, int64_t now) {
    size_t pos = 0;
    if (locate_tsig(msg, len, pos) != TsigPresence::kLast) return TsigStatus::kFormErr;
    TsigRecord t;
    if (!read_tsig(msg, len, pos, t)) return TsigStatus::kFormErr;
    if (!key.name.equals(Name::from_wire(t.key_name, t.key_name_len))) return TsigStatus::kBadKey;
    const auto algorithm = tsig_algorithm_from_wire(t.algorithm, t.algorithm_len);
    if (!algorithm || *algorithm != key.algorithm) return TsigStatus::kBadKey;
    if (t.mac_size == 0) {
        // An unsigned error (RFC 8945 5.3.2): what the server found wrong with the request.
        if (t.error == tsig::BADKEY) return TsigStatus::kBadKey;
        return t.error == tsig::BADSIG ? TsigStatus::kBadSig : TsigStatus::kFormErr;
    }
    const TsigStatus status = check_mac_and_time(msg, pos, len, t, key, MacInput{request_mac, true, true}, now);
    if (status != TsigStatus::kOk) return status;
    if (t.error == tsig::BADTIME) return TsigStatus::kBadTime;
    return t.error == tsig::BADTRUNC ? TsigStatus::kBadTrunc : TsigStatus::kOk;
}

}  // namespace fz::dns
