// Hex, base64 and base32hex (RFC 4648): one table of digits per encoding, both directions.
#include "common/encoding.h"

namespace fz {
namespace {

constexpr char kHexDigits[] = "0123456789ABCDEF";
constexpr char kBase64Digits[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr char kBase32HexDigits[] = "0123456789abcdefghijklmnopqrstuv";

int base64_value(char c) {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
}

int base32hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'v') return c - 'a' + 10;
    if (c >= 'A' && c <= 'V') return c - 'A' + 10;
    return -1;
}

bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

}  // namespace

int hex_digit_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

void append_hex(std::string& out, const uint8_t* p, size_t n) {
    for (size_t i = 0; i < n; ++i) {
        out.push_back(kHexDigits[p[i] >> 4]);
        out.push_back(kHexDigits[p[i] & 15]);
    }
}

bool hex_decode(std::string_view text, std::string& out) {
    if (text.size() % 2 != 0) return false;
    for (size_t i = 0; i < text.size(); i += 2) {
        int high = hex_digit_value(text[i]), low = hex_digit_value(text[i + 1]);
        if (high < 0 || low < 0) return false;
        out.push_back(static_cast<char>((high << 4) | low));
    }
    return true;
}

bool HexDecoder::add(std::string_view piece) {
    for (char c : piece) {
        if (is_blank(c)) continue;
        int v = hex_digit_value(c);
        if (v < 0) return false;
        if (high_ < 0) {
            high_ = v;
        } else {
            out_.push_back(static_cast<char>((high_ << 4) | v));
            high_ = -1;
        }
    }
    return true;
}

void append_base64(std::string& out, const uint8_t* p, size_t n) {
    size_t i = 0;
    for (; i + 3 <= n; i += 3) {
        uint32_t v = (static_cast<uint32_t>(p[i]) << 16) | (static_cast<uint32_t>(p[i + 1]) << 8) | p[i + 2];
        out.push_back(kBase64Digits[v >> 18]);
        out.push_back(kBase64Digits[(v >> 12) & 63]);
        out.push_back(kBase64Digits[(v >> 6) & 63]);
        out.push_back(kBase64Digits[v & 63]);
    }
    if (n - i == 1) {
        uint32_t v = static_cast<uint32_t>(p[i]) << 16;
        out.push_back(kBase64Digits[v >> 18]);
        out.push_back(kBase64Digits[(v >> 12) & 63]);
        out += "==";
    } else if (n - i == 2) {
        uint32_t v = (static_cast<uint32_t>(p[i]) << 16) | (static_cast<uint32_t>(p[i + 1]) << 8);
        out.push_back(kBase64Digits[v >> 18]);
        out.push_back(kBase64Digits[(v >> 12) & 63]);
        out.push_back(kBase64Digits[(v >> 6) & 63]);
        out.push_back('=');
    }
}

bool base64_decode(std::string_view text, std::string& out) {
    if (text.size() % 4 != 0) return false;
    for (size_t i = 0; i < text.size(); i += 4) {
        int v[4];
        int pad = 0;
        for (int k = 0; k < 4; ++k) {
            char c = text[i + static_cast<size_t>(k)];
            if (c == '=') {
                if (i + 4 != text.size() || k < 2) return false;
                v[k] = 0;
                ++pad;
            } else {
                if (pad > 0) return false;
                v[k] = base64_value(c);
                if (v[k] < 0) return false;
            }
        }
        uint32_t bits = (static_cast<uint32_t>(v[0]) << 18) | (static_cast<uint32_t>(v[1]) << 12) |
                        (static_cast<uint32_t>(v[2]) << 6) | static_cast<uint32_t>(v[3]);
        out.push_back(static_cast<char>(bits >> 16));
        if (pad < 2) out.push_back(static_cast<char>(bits >> 8));
        if (pad < 1) out.push_back(static_cast<char>(bits));
    }
    return true;
}

void append_base32hex(std::string& out, const uint8_t* p, size_t n) {
    uint32_t acc = 0;
    int bits = 0;
    for (size_t i = 0; i < n; ++i) {
        acc = (acc << 8) | p[i];
        bits += 8;
        while (bits >= 5) {
            bits -= 5;
            out.push_back(kBase32HexDigits[(acc >> bits) & 31]);
        }
        acc &= (1u << bits) - 1;
    }
    if (bits > 0) out.push_back(kBase32HexDigits[(acc << (5 - bits)) & 31]);
}

bool base32hex_decode(std::string_view text, std::string& out) {
    uint32_t acc = 0;
    int bits = 0;
    for (char c : text) {
        int v = base32hex_value(c);
        if (v < 0) return false;
        acc = (acc << 5) | static_cast<uint32_t>(v);
        bits += 5;
        if (bits >= 8) {
            bits -= 8;
            out.push_back(static_cast<char>(acc >> bits));
            acc &= (1u << bits) - 1;
        }
    }
    return bits < 5 && acc == 0;
}

}  // namespace fz
