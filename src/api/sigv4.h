// AWS Signature Version 4 (the scheme every AWS SDK signs Route 53 requests with): the
// canonical request, the string to sign, the derived key, and the check of a request's
// Authorization header against a secret, with AWS's 5-minute clock-skew window.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"

namespace fz::api {

// A request as it is signed. `path` and query values are decoded (as they arrive from the
// HTTP server after unescaping); the canonical forms re-encode them as the SDKs do.
struct SignedRequest {
    std::string method;
    std::string path;
    std::vector<std::pair<std::string, std::string>> query;
    std::vector<std::pair<std::string, std::string>> headers;  // names in any case; repeats allowed
    std::string body;
};

// The fields of "AWS4-HMAC-SHA256 Credential=AKID/20150830/us-east-1/route53/aws4_request,
// SignedHeaders=host;x-amz-date, Signature=...".
struct Authorization {
    std::string access_key_id;
    std::string date;  // YYYYMMDD of the credential scope
    std::string region;
    std::string service;
    std::vector<std::string> signed_headers;  // lower-case, in the order given
    std::string signature;                    // lower-case hex
};

// Parses an Authorization header value; the error says what is wrong in AWS's words.
Result<Authorization> parse_authorization(std::string_view header);

// RFC 3986 percent-encoding as SigV4 wants it: A-Z a-z 0-9 - _ . ~ stay, everything else
// (and '/' unless `keep_slash`) becomes %XX with upper-case hex.
std::string uri_encode(std::string_view text, bool keep_slash);

// The canonical request for `req` over `signed_headers` (lower-case names).
std::string canonical_request(const SignedRequest& req, const std::vector<std::string>& signed_headers);

// "AWS4-HMAC-SHA256\n<amz_date>\n<scope>\n<hex sha256 of canonical>".
std::string string_to_sign(std::string_view amz_date, std::string_view scope, std::string_view canonical);

// The signature (lower-case hex) of `req` with `secret`, dated `amz_date`
// (YYYYMMDDTHHMMSSZ) in `region`/`service`.
std::string compute_signature(const SignedRequest& req, const std::vector<std::string>& signed_headers,
                              std::string_view secret, std::string_view amz_date, std::string_view region,
                              std::string_view service);

// The Authorization header value a client would send: it signs "host" and every "x-amz-*"
// header of `req` (which must already carry X-Amz-Date). For tests and tools.
std::string sign_request(const SignedRequest& req, std::string_view access_key_id, std::string_view secret,
                         std::string_view region, std::string_view service);

std::string sha256_hex(std::string_view data);

// Seconds since the epoch of "20150830T123600Z", or -1 when it is not that form.
int64_t parse_amz_date(std::string_view text);
std::string format_amz_date(int64_t unix_seconds);

enum class Verdict : uint8_t {
    kOk,
    kIncomplete,         // no or malformed Authorization / date: IncompleteSignature (400)
    kExpired,            // more than 5 minutes off: SignatureDoesNotMatch (403)
    kSignatureMismatch,  // SignatureDoesNotMatch (403)
};

struct VerifyResult {
    Verdict verdict = Verdict::kIncomplete;
    std::string message;  // AWS's message for the failure
};

// Checks `req`, whose Authorization was parsed into `auth`, against `secret` at Unix time
// `now`. The request's date comes from X-Amz-Date, else Date (RFC 1123 is not accepted:
// every SDK sends X-Amz-Date).
VerifyResult verify_request(const SignedRequest& req, const Authorization& auth, std::string_view secret, int64_t now);

// The value of header `name` (any case), or empty.
std::string header_value(const std::vector<std::pair<std::string, std::string>>& headers, std::string_view name);

}  // namespace fz::api
