// TSIG (RFC 8945): reading the record a message carries, keys and keyrings, verifying a
// signed request or response and signing one (HMAC by OpenSSL). Reading and the error
// record are data-plane code (rare path: no allocation, no exceptions); keys are built on
// the control plane, and a MAC costs OpenSSL's own small allocations.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "dns/name.h"
#include "dns/wire.h"

namespace fz::dns {

namespace tsig {
// TSIG error codes (RFC 8945 section 3), carried in the record's Error field.
inline constexpr uint16_t BADSIG = 16;
inline constexpr uint16_t BADKEY = 17;
inline constexpr uint16_t BADTIME = 18;
inline constexpr uint16_t BADTRUNC = 22;
// Seconds of clock difference allowed, in the records we write (RFC 8945 10 recommends
// 300; Knot DNS writes it too).
inline constexpr uint16_t kFudge = 300;
}  // namespace tsig

// A TSIG record's fields. The names are expanded (a compressed owner is legal) and
// lower-cased, as the MAC covers them (RFC 8945 4.3.3); MAC and Other Data point into the
// message read.
struct TsigRecord {
    uint8_t key_name[kMaxNameWire];
    uint8_t key_name_len;
    uint8_t algorithm[kMaxNameWire];
    uint8_t algorithm_len;
    uint64_t time_signed;  // seconds since the epoch, 48 bits
    uint16_t fudge;
    const uint8_t* mac;
    uint16_t mac_size;
    uint16_t original_id;
    uint16_t error;
    const uint8_t* other;
    uint16_t other_len;
};

// Reads the TSIG record whose owner starts at `rr` in `msg` (`len` bytes) and which ends
// the message. False when it is malformed: a name that cannot be read, or rdata whose
// fields do not fill RDLENGTH exactly (RFC 8945 5.2: FORMERR). CLASS and TTL are not
// checked, as Knot DNS does not either.
[[gnu::cold]] bool read_tsig(const uint8_t* msg, size_t len, size_t rr, TsigRecord& out);

// Writes the unsigned TSIG record answering `request` with `error` (BADKEY, BADSIG:
// RFC 8945 5.3.2, MAC size 0): the same key name and algorithm, Time Signed echoed, our
// fudge, `id` as Original ID. Returns its length, or 0 when it needs more than `room`.
[[gnu::cold]] size_t write_tsig_error(uint8_t* out, size_t room, const TsigRecord& request, uint16_t id,
                                      uint16_t error);

// ---------------------------------------------------------------- keys

// The HMAC algorithms of RFC 8945 6 (MD5 kept for old peers; SHA-256 is the one to use).
enum class TsigAlgorithm : uint8_t { kHmacMd5, kHmacSha1, kHmacSha224, kHmacSha256, kHmacSha384, kHmacSha512 };

inline constexpr size_t kMaxTsigMac = 64;  // SHA-512's output

// The algorithm a lower-cased wire name ("\x0bhmac-sha256\0", "hmac-md5.sig-alg.reg.int.")
// stands for, or nullopt.
std::optional<TsigAlgorithm> tsig_algorithm_from_wire(const uint8_t* name, size_t len);
// From configuration text: "hmac-sha256" or "HMAC-SHA256.", any case.
std::optional<TsigAlgorithm> tsig_algorithm_from_text(std::string_view text);
// "hmac-sha256" (without the final dot; MD5 as "hmac-md5").
std::string_view tsig_algorithm_text(TsigAlgorithm algorithm);
// The HMAC's full output in bytes (16 for MD5 .. 64 for SHA-512).
size_t tsig_digest_size(TsigAlgorithm algorithm);

struct TsigKey {
    Name name;  // lower-cased: keys are found case-insensitively
    TsigAlgorithm algorithm = TsigAlgorithm::kHmacSha256;
    std::string secret;  // the raw bytes (decoded from base64)
};

// "[algorithm:]name:base64-secret", as kdig -y and nsupdate -y take it; the algorithm
// defaults to hmac-sha256 and the name may omit its final dot.
Result<TsigKey> tsig_key_from_text(std::string_view spec);

// The configured keys, found by name.
class TsigKeyring {
public:
    // Fails on a name already there.
    Status add(TsigKey key);
    // The key named by the uncompressed wire name (any case), or null.
    const TsigKey* find(const uint8_t* wire_name, size_t len) const;
    const TsigKey* find(const Name& name) const { return find(name.data(), name.size()); }
    size_t size() const { return keys_.size(); }
    bool empty() const { return keys_.empty(); }

private:
    std::map<std::string, TsigKey, std::less<>> keys_;  // by lower-cased wire name
};

// ---------------------------------------------------------------- verify and sign

// Where a message's TSIG record is.
enum class TsigPresence : uint8_t {
    kNone,       // no TSIG record
    kLast,       // the last record of the additional section, ending the message: `pos`
    kMalformed,  // a TSIG elsewhere, twice, records that do not parse, or bytes after them (FORMERR)
};
TsigPresence locate_tsig(const uint8_t* msg, size_t len, size_t& pos);

// What verifying a message found (RFC 8945 5.2, 5.4.1).
enum class TsigStatus : uint8_t {
    kOk,
    kFormErr,   // malformed record, or a MAC longer than the HMAC or shorter than allowed (5.2.2.1)
    kBadKey,    // unknown key name, or an algorithm other than the key's (5.2.1)
    kBadSig,    // the MAC does not match (5.2.2)
    kBadTime,   // outside Time Signed +- Fudge (5.2.3)
    kBadTrunc,  // truncated below our minimum (5.2.4)
};
// The TSIG error code for a status (0 for kOk and kFormErr).
uint16_t tsig_error_code(TsigStatus status);
const char* tsig_status_name(TsigStatus status);  // "BADSIG", ...

// What a verified request leaves for signing its response: the key, the request's MAC
// (the response's MAC covers it, 4.3.1) and the error the response carries.
struct TsigContext {
    const TsigKey* key = nullptr;  // null when the key is unknown (BADKEY)
    TsigRecord request{};          // request.mac and request.other point into the request
    uint8_t request_mac[kMaxTsigMac]{};
    uint16_t request_mac_len = 0;
    uint16_t error = 0;  // the TSIG error the response carries
};

// Verifies the request `msg` whose TSIG record starts at `tsig_pos` (locate_tsig) against
// `keys` at Unix time `now` (seconds), in RFC 8945 5.2's order: key, MAC, time. `ctx` is
// filled for tsig_sign_response() whatever the outcome (except kFormErr).
TsigStatus tsig_verify_request(const uint8_t* msg, size_t len, size_t tsig_pos, const TsigKeyring& keys, int64_t now,
                               TsigContext& ctx);

// Appends the TSIG record answering a verified request to the response `msg` (`len`
// bytes, `cap` room) and counts it in ARCOUNT: signed with the request's key over its MAC
// and the response (4.3.1), or unsigned for BADKEY and BADSIG (5.3.2); a BADTIME record
// echoes the request's Time Signed and carries our time in Other Data (5.2.3). Returns the
// new length, or 0 when it does not fit (the message is then unchanged).
size_t tsig_sign_response(uint8_t* msg, size_t len, size_t cap, const TsigContext& ctx, int64_t now);

// Signs the messages of one response stream (AXFR, IXFR over TCP; RFC 8945 5.3.1): the
// first over the request's MAC and all TSIG variables, as tsig_sign_response() does, each
// later one over the previous message's MAC, the message and the timers only. Every
// message is signed (the RFC allows gaps of up to 99; Knot DNS and BIND sign each too). A
// context with an error (BADKEY, BADSIG, BADTIME) signs the one error response as
// tsig_sign_response() does.
class TsigStreamSigner {
public:
    explicit TsigStreamSigner(const TsigContext& ctx) : ctx_(ctx) {}
    // Appends the TSIG record to `msg` as sign_response does; 0 when it does not fit.
    size_t sign(uint8_t* msg, size_t len, size_t cap, int64_t now);

private:
    TsigContext ctx_;
    uint8_t prior_[kMaxTsigMac]{};
    uint16_t prior_len_ = 0;
    bool first_ = true;
};

// Verifies the messages of one response stream to a request we signed with `key` whose
// MAC was `request_mac` (RFC 8945 5.3.1): the first as tsig_verify_response() does, each
// later signed one over the previous MAC, the unsigned messages since (at most 99 in a
// row) and itself with the timers. The stream's last message must be signed.
class TsigStreamVerifier {
public:
    TsigStreamVerifier(const TsigKey& key, std::span<const uint8_t> request_mac);
    // The next message: kOk when it verified, or is unsigned within the allowed run.
    TsigStatus verify(const uint8_t* msg, size_t len, int64_t now);
    // Whether the last message given was signed (a stream must end on one).
    bool last_signed() const { return unsigned_run_ == 0; }

private:
    const TsigKey& key_;
    std::vector<uint8_t> prior_;     // the MAC the next one covers
    std::vector<uint8_t> unsigned_;  // unsigned messages since it, back to back
    unsigned unsigned_run_ = 0;
    bool first_ = true;
};

// Appends a signed TSIG record to the request `msg` (Original ID: its ID) and counts it in
// ARCOUNT. `mac_out` (kMaxTsigMac bytes), when given, receives the MAC for verifying the
// response; returns the new length (and *mac_len), or 0 when it does not fit.
size_t tsig_sign_request(uint8_t* msg, size_t len, size_t cap, const TsigKey& key, int64_t now,
                         uint16_t fudge = tsig::kFudge, uint8_t* mac_out = nullptr, uint16_t* mac_len = nullptr);

// Verifies a response to a request we signed with `key` whose MAC was `request_mac`.
// A response with an unsigned error record gives that error.
TsigStatus tsig_verify_response(const uint8_t* msg, size_t len, const TsigKey& key,
                                std::span<const uint8_t> request_mac, int64_t now);

}  // namespace fz::dns
