// AWS Signature Version 4: canonical forms, HMAC-SHA256 key derivation (OpenSSL), checks.
#include "api/sigv4.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <ctime>
#include <map>

#include "common/text.h"

namespace fz::api {
namespace {

constexpr int64_t kClockSkewSeconds = 5 * 60;  // AWS refuses requests further off than this

std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

std::string to_hex(const unsigned char* p, size_t n) {
    static const char kDigits[] = "0123456789abcdef";
    std::string out;
    out.reserve(n * 2);
    for (size_t i = 0; i < n; ++i) {
        out += kDigits[p[i] >> 4];
        out += kDigits[p[i] & 15];
    }
    return out;
}

std::string hmac_sha256(std::string_view key, std::string_view data) {
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
         data.size(), out, &len);
    return std::string(reinterpret_cast<char*>(out), len);
}

// botocore's remove_dot_segments: empty and "." segments go, ".." removes the one before;
// a leading and a trailing slash stay.
std::string normalize_path(std::string_view path) {
    if (path.empty()) return "/";
    std::vector<std::string_view> out;
    size_t i = 0;
    while (i <= path.size()) {
        size_t j = path.find('/', i);
        if (j == std::string_view::npos) j = path.size();
        std::string_view seg = path.substr(i, j - i);
        if (seg == "..") {
            if (!out.empty()) out.pop_back();
        } else if (!seg.empty() && seg != ".") {
            out.push_back(seg);
        }
        i = j + 1;
    }
    std::string result = path.front() == '/' ? "/" : "";
    for (size_t k = 0; k < out.size(); ++k) {
        if (k) result += '/';
        result += out[k];
    }
    if (path.back() == '/' && !out.empty()) result += '/';
    return result;
}

// Trimmed, with runs of blanks made one space (SigV4's canonical header value).
std::string canonical_value(std::string_view v) {
    std::string out;
    bool blank = false;
    for (char c : v) {
        if (c == ' ' || c == '\t') {
            blank = !out.empty();
            continue;
        }
        if (blank) out += ' ';
        blank = false;
        out += c;
    }
    return out;
}

std::string scope_of(std::string_view date, std::string_view region, std::string_view service) {
    return std::string(date) + "/" + std::string(region) + "/" + std::string(service) + "/aws4_request";
}

}  // namespace

std::string sha256_hex(std::string_view data) {
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_Digest(data.data(), data.size(), out, &len, EVP_sha256(), nullptr);
    return to_hex(out, len);
}

std::string uri_encode(std::string_view text, bool keep_slash) {
    static const char kDigits[] = "0123456789ABCDEF";
    std::string out;
    for (char ch : text) {
        const auto c = static_cast<unsigned char>(ch);
        if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || (keep_slash && c == '/')) {
            out += ch;
        } else {
            out += '%';
            out += kDigits[c >> 4];
            out += kDigits[c & 15];
        }
    }
    return out;
}

std::string header_value(const std::vector<std::pair<std::string, std::string>>& headers, std::string_view name) {
    std::string out;
    bool found = false;
    for (const auto& [k, v] : headers) {
        if (lower(k) != lower(name)) continue;
        if (found) out += ',';
        out += canonical_value(v);
        found = true;
    }
    return out;
}

Result<Authorization> parse_authorization(std::string_view header) {
    constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";
    Authorization a;
    if (header.substr(0, kAlgorithm.size()) != kAlgorithm) {
        return Error{"", 0, "Authorization header requires the AWS4-HMAC-SHA256 algorithm"};
    }
    std::map<std::string, std::string> fields;
    std::string_view rest = header.substr(kAlgorithm.size());
    while (!rest.empty()) {
        size_t comma = rest.find(',');
        std::string_view part = rest.substr(0, comma);
        rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
        while (!part.empty() && part.front() == ' ') part.remove_prefix(1);
        while (!part.empty() && part.back() == ' ') part.remove_suffix(1);
        if (part.empty()) continue;
        size_t eq = part.find('=');
        if (eq == std::string_view::npos) {
            return Error{"", 0, "Authorization header requires each component to be of the form key=value"};
        }
        fields[std::string(part.substr(0, eq))] = std::string(part.substr(eq + 1));
    }
    for (const char* k : {"Credential", "SignedHeaders", "Signature"}) {
        if (!fields.count(k)) {
            return Error{"", 0, std::string("Authorization header requires '") + k + "' parameter"};
        }
    }
    std::vector<std::string> scope;
    std::string_view cred = fields["Credential"];
    for (size_t i = 0;;) {
        size_t j = cred.find('/', i);
        scope.emplace_back(cred.substr(i, j == std::string_view::npos ? std::string_view::npos : j - i));
        if (j == std::string_view::npos) break;
        i = j + 1;
    }
    if (scope.size() != 5 || scope[0].empty() || scope[1].size() != 8 || scope[4] != "aws4_request") {
        return Error{"", 0,
                     "Credential should be scoped to a valid region and service, of the form "
                     "<key>/<date>/<region>/<service>/aws4_request"};
    }
    a.access_key_id = scope[0];
    a.date = scope[1];
    a.region = scope[2];
    a.service = scope[3];
    std::string_view sh = fields["SignedHeaders"];
    for (size_t i = 0; i <= sh.size();) {
        size_t j = sh.find(';', i);
        if (j == std::string_view::npos) j = sh.size();
        if (j > i) a.signed_headers.push_back(lower(sh.substr(i, j - i)));
        i = j + 1;
    }
    a.signature = lower(fields["Signature"]);
    if (a.signed_headers.empty() || a.signature.empty()) {
        return Error{"", 0, "Authorization header has an empty SignedHeaders or Signature"};
    }
    return a;
}

std::string canonical_request(const SignedRequest& req, const std::vector<std::string>& signed_headers) {
    std::string out = req.method + "\n";
    out += uri_encode(uri_encode(normalize_path(req.path), true), true) + "\n";
    std::vector<std::pair<std::string, std::string>> query;
    for (const auto& [k, v] : req.query) query.emplace_back(uri_encode(k, false), uri_encode(v, false));
    std::sort(query.begin(), query.end());
    for (size_t i = 0; i < query.size(); ++i) {
        if (i) out += '&';
        out += query[i].first + "=" + query[i].second;
    }
    out += "\n";
    std::vector<std::string> names = signed_headers;
    std::sort(names.begin(), names.end());
    std::string joined;
    for (const std::string& name : names) {
        out += name + ":" + header_value(req.headers, name) + "\n";
        if (!joined.empty()) joined += ';';
        joined += name;
    }
    out += "\n" + joined + "\n" + sha256_hex(req.body);
    return out;
}

std::string string_to_sign(std::string_view amz_date, std::string_view scope, std::string_view canonical) {
    return "AWS4-HMAC-SHA256\n" + std::string(amz_date) + "\n" + std::string(scope) + "\n" + sha256_hex(canonical);
}

std::string compute_signature(const SignedRequest& req, const std::vector<std::string>& signed_headers,
                              std::string_view secret, std::string_view amz_date, std::string_view region,
                              std::string_view service) {
    const std::string_view date = amz_date.substr(0, 8);
    std::string key = hmac_sha256("AWS4" + std::string(secret), date);
    key = hmac_sha256(key, region);
    key = hmac_sha256(key, service);
    key = hmac_sha256(key, "aws4_request");
    const std::string sts = string_to_sign(amz_date, scope_of(date, region, service),
                                           canonical_request(req, signed_headers));
    const std::string mac = hmac_sha256(key, sts);
    return to_hex(reinterpret_cast<const unsigned char*>(mac.data()), mac.size());
}

std::string sign_request(const SignedRequest& req, std::string_view access_key_id, std::string_view secret,
                         std::string_view region, std::string_view service) {
    std::vector<std::string> names;
    for (const auto& [k, v] : req.headers) {
        std::string n = lower(k);
        if ((n == "host" || n.rfind("x-amz-", 0) == 0) && std::find(names.begin(), names.end(), n) == names.end()) {
            names.push_back(n);
        }
    }
    std::sort(names.begin(), names.end());
    const std::string amz_date = header_value(req.headers, "x-amz-date");
    std::string joined;
    for (const std::string& n : names) joined += (joined.empty() ? "" : ";") + n;
    return "AWS4-HMAC-SHA256 Credential=" + std::string(access_key_id) + "/" +
           scope_of(amz_date.substr(0, 8), region, service) + ", SignedHeaders=" + joined +
           ", Signature=" + compute_signature(req, names, secret, amz_date, region, service);
}

int64_t parse_amz_date(std::string_view t) {
    if (t.size() != 16 || t[8] != 'T' || t[15] != 'Z') return -1;
    for (size_t i = 0; i < 15; ++i) {
        if (i != 8 && !std::isdigit(static_cast<unsigned char>(t[i]))) return -1;
    }
    auto num = [&](size_t at, size_t n) { return std::stoi(std::string(t.substr(at, n))); };
    std::tm tm{};
    tm.tm_year = num(0, 4) - 1900;
    tm.tm_mon = num(4, 2) - 1;
    tm.tm_mday = num(6, 2);
    tm.tm_hour = num(9, 2);
    tm.tm_min = num(11, 2);
    tm.tm_sec = num(13, 2);
    if (tm.tm_mon > 11 || tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_hour > 23 || tm.tm_min > 59 || tm.tm_sec > 60) {
        return -1;
    }
    return static_cast<int64_t>(timegm(&tm));
}

std::string format_amz_date(int64_t unix_seconds) { return format_utc(unix_seconds, "%Y%m%dT%H%M%SZ"); }

VerifyResult verify_request(const SignedRequest& req, const Authorization& auth, std::string_view secret, int64_t now) {
    std::string amz_date = header_value(req.headers, "x-amz-date");
    if (amz_date.empty()) amz_date = header_value(req.headers, "date");
    const int64_t when = parse_amz_date(amz_date);
    if (when < 0) {
        return {Verdict::kIncomplete,
                "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' "
                "header in the ISO 8601 form YYYYMMDD'T'HHMMSS'Z'"};
    }
    if (std::find(auth.signed_headers.begin(), auth.signed_headers.end(), "host") == auth.signed_headers.end()) {
        return {Verdict::kSignatureMismatch, "'Host' must be a 'SignedHeader' in the AWS Authorization."};
    }
    if (when < now - kClockSkewSeconds) {
        return {Verdict::kExpired, "Signature expired: " + amz_date + " is now earlier than " +
                                       format_amz_date(now - kClockSkewSeconds) + " (" + format_amz_date(now) +
                                       " - 5 min.)"};
    }
    if (when > now + kClockSkewSeconds) {
        return {Verdict::kExpired, "Signature not yet current: " + amz_date + " is still later than " +
                                       format_amz_date(now + kClockSkewSeconds) + " (" + format_amz_date(now) +
                                       " + 5 min.)"};
    }
    if (auth.date != amz_date.substr(0, 8)) {
        return {Verdict::kSignatureMismatch,
                "Date in Credential scope does not match YYYYMMDD from ISO-8601 "
                "version of date from HTTP: '" +
                    auth.date + "' != '" + amz_date.substr(0, 8) + "'"};
    }
    const std::string expected = compute_signature(req, auth.signed_headers, secret, amz_date, auth.region,
                                                   auth.service);
    if (expected.size() != auth.signature.size() ||
        CRYPTO_memcmp(expected.data(), auth.signature.data(), expected.size()) != 0) {
        return {Verdict::kSignatureMismatch,
                "The request signature we calculated does not match the signature you provided. Check your AWS "
                "Secret Access Key and signing method. Consult the service documentation for details."};
    }
    return {Verdict::kOk, ""};
}

}  // namespace fz::api
