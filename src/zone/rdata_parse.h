// Text -> wire: the parser of one record's rdata tokens, field by field along the type's
// layout. Private to src/zone; the API is rdata_from_tokens in rdata_text.h.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"
#include "dns/name.h"
#include "dns/rrtype.h"
#include "zone/lexer.h"
#include "zone/rdata_layout.h"

namespace fz::zone {

struct SvcParam;  // svc_params.cpp

// Parses the tokens of one record into `out`; run() once. The member functions of the
// SVCB parameters and of LOC are defined in svc_params.cpp and loc.cpp.
class RdataParser {
public:
    RdataParser(uint16_t type, std::span<const Token> tokens, const dns::Name& origin, uint32_t line, std::string& out)
        : type_(type), tokens_(tokens), origin_(origin), line_(line), out_(out) {}

    Status run();

private:
    bool generic();

    bool at_end() const { return pos_ >= tokens_.size(); }
    // The next token for field `f`; fails with "missing ..." when there is none.
    const Token* take(const FieldSpec& f);
    // The next token, which must not be quoted (numbers, names, addresses).
    const Token* take_plain(const FieldSpec& f);

    bool fail(uint32_t line, std::string message) {
        error_ = Error{"", line, std::move(message)};
        return false;
    }
    bool bad(const Token& t, const FieldSpec& f) {
        return fail(t.line,
                    "bad " + std::string(f.name) + " '" + std::string(t.text) + "' in " + type_name() + " rdata");
    }
    std::string type_name() const { return dns::type_to_text(type_); }

    bool number(const FieldSpec& f, uint64_t max, uint64_t& v);
    bool append_char_string(const Token& t);

    // One function per kind of field (Field in rdata_layout.h), which field() picks: each
    // takes its tokens and appends its wire bytes, or sets error_ and returns false.
    bool field(const FieldSpec& f);
    bool integer(const FieldSpec& f, unsigned bytes);  // kU8, kU16, kU32
    // A number of `bytes` bytes that `value_of` reads from one plain token (nullopt: a bad
    // token): kTimer, kAlgorithm, kCertType, kType, kTime.
    bool coded(const FieldSpec& f, unsigned bytes, std::optional<uint32_t> (*value_of)(std::string_view));
    bool address(const FieldSpec& f);  // kIPv4, kIPv6
    bool name(const FieldSpec& f);
    bool char_string(const FieldSpec& f);
    bool char_strings(const FieldSpec& f);
    bool hex_rest(const FieldSpec& f, bool required);     // kHex, and the \# data
    bool base64_rest(const FieldSpec& f, bool required);  // kBase64, kBase64Opt
    bool bare_string(const FieldSpec& f);                 // kString
    bool caa_tag(const FieldSpec& f);
    bool salt(const FieldSpec& f);
    bool hash32(const FieldSpec& f);
    bool bitmap();
    bool eui(const FieldSpec& f);  // kEui48, kEui64
    bool ilnp64(const FieldSpec& f);
    bool gateway(const FieldSpec& f);
    bool svc_params(const FieldSpec& f);                        // svc_params.cpp, with the next two
    bool svc_param(const FieldSpec& f, SvcParam& param);        // one key=value token
    bool svc_params_consistent(std::vector<SvcParam>& params);  // sorts them; RFC 9460 8
    bool loc(const FieldSpec& f);                               // loc.cpp
    bool apl();

    uint16_t type_;
    std::span<const Token> tokens_;
    const dns::Name& origin_;
    uint32_t line_;
    std::string& out_;
    size_t start_ = 0;  // where this record's rdata begins in out_
    size_t pos_ = 0;
    Error error_;
    std::string scratch_;
};

}  // namespace fz::zone
