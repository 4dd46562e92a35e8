// UPDATE messages for the tests of api/update: records from presentation text, the
// zone section, TSIG signing with the test key.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "dns/name.h"
#include "dns/tsig.h"
#include "dns/wire.h"
#include "zone/rdata_text.h"

namespace fz::api::update_test {

using Bytes = std::vector<uint8_t>;
namespace rcode = dns::rcode;
namespace type = dns::type;
namespace rrclass = dns::rrclass;

inline constexpr int64_t kNow = 1'796'282'948;
inline const char* const kSecret = "ZmFzdHpvbmUtdXBkYXRlLXRlc3Qtc2VjcmV0LTAxMjM=";

inline dns::Name name(const std::string& text) { return *dns::name_from_text(text, nullptr); }

struct Rr {
    std::string owner;
    uint16_t type = type::A;
    uint16_t rclass = rrclass::IN;
    uint32_t ttl = 0;
    std::string rdata;  // presentation form; empty: no rdata
};

inline void put16(Bytes& b, uint16_t v) {
    b.push_back(static_cast<uint8_t>(v >> 8));
    b.push_back(static_cast<uint8_t>(v));
}

inline void put_name(Bytes& b, const std::string& text) {
    const dns::Name n = name(text);
    b.insert(b.end(), n.data(), n.data() + n.size());
}

inline void put_rr(Bytes& b, const Rr& rr) {
    put_name(b, rr.owner);
    put16(b, rr.type);
    put16(b, rr.rclass);
    put16(b, static_cast<uint16_t>(rr.ttl >> 16));
    put16(b, static_cast<uint16_t>(rr.ttl));
    std::string rdata;
    if (!rr.rdata.empty()) {
        auto r = zone::rdata_from_text(rr.type, rr.rdata, name("example.com."));
        EXPECT_TRUE(r.ok()) << rr.rdata;
        if (r.ok()) rdata = *r;
    }
    put16(b, static_cast<uint16_t>(rdata.size()));
    b.insert(b.end(), rdata.begin(), rdata.end());
}

// An UPDATE for `zone` with these prerequisites and updates.
inline Bytes update(const std::vector<Rr>& prereqs, const std::vector<Rr>& updates,
                    const std::string& zone = "example.com.", uint16_t zone_type = type::SOA) {
    Bytes b;
    put16(b, 0x4d2);
    put16(b, static_cast<uint16_t>(dns::opcode::UPDATE << 11));
    put16(b, 1);
    put16(b, static_cast<uint16_t>(prereqs.size()));
    put16(b, static_cast<uint16_t>(updates.size()));
    put16(b, 0);
    put_name(b, zone);
    put16(b, zone_type);
    put16(b, rrclass::IN);
    for (const auto& rr : prereqs) put_rr(b, rr);
    for (const auto& rr : updates) put_rr(b, rr);
    return b;
}

inline dns::TsigKey key(const std::string& key_name = "update-key.") {
    return *dns::tsig_key_from_text("hmac-sha256:" + key_name + ":" + kSecret);
}

inline Bytes sign(Bytes msg, const dns::TsigKey& k, int64_t now, Bytes* mac = nullptr) {
    const size_t len = msg.size();
    msg.resize(len + 300);
    uint8_t m[dns::kMaxTsigMac];
    uint16_t m_len = 0;
    msg.resize(dns::tsig_sign_request(msg.data(), len, msg.size(), k, now, dns::tsig::kFudge, m, &m_len));
    if (mac != nullptr) *mac = Bytes(m, m + m_len);
    return msg;
}

inline Bytes hex_bytes(const std::string& hex) {
    Bytes out;
    for (size_t i = 0; i + 1 < hex.size(); i += 2)
        out.push_back(static_cast<uint8_t>(std::stoul(hex.substr(i, 2), nullptr, 16)));
    return out;
}

}  // namespace fz::api::update_test
