// Test helpers: build queries, decode responses, build snapshots from zone text.
#include "tests/support/dns_test_util.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "dns/name.h"
#include "dns/wire.h"
#include "dns/writer.h"
#include "zone/rdata_text.h"

namespace fz::test {

std::vector<uint8_t> QueryBuilder::build() const {
    std::vector<uint8_t> m(12, 0);
    dns::store_u16(m.data(), id);
    dns::store_u16(m.data() + 2, flags);
    dns::store_u16(m.data() + 4, 1);
    auto name = dns::name_from_text(qname, nullptr);
    EXPECT_TRUE(name.ok()) << qname;
    m.insert(m.end(), name->data(), name->data() + name->size());
    m.push_back(static_cast<uint8_t>(qtype >> 8));
    m.push_back(static_cast<uint8_t>(qtype));
    m.push_back(static_cast<uint8_t>(qclass >> 8));
    m.push_back(static_cast<uint8_t>(qclass));
    if (edns) {
        dns::store_u16(m.data() + 10, 1);
        size_t rdlen = 0;
        for (const auto& o : options) rdlen += 4 + o.second.size();
        uint8_t opt[11] = {0, 0, 41};
        dns::store_u16(opt + 3, udp_size);
        opt[5] = 0;
        opt[6] = edns_version;
        dns::store_u16(opt + 7, do_bit ? 0x8000 : 0);
        dns::store_u16(opt + 9, static_cast<uint16_t>(rdlen));
        m.insert(m.end(), opt, opt + 11);
        for (const auto& o : options) {
            uint8_t h[4];
            dns::store_u16(h, o.first);
            dns::store_u16(h + 2, static_cast<uint16_t>(o.second.size()));
            m.insert(m.end(), h, h + 4);
            m.insert(m.end(), o.second.begin(), o.second.end());
        }
    }
    return m;
}

namespace {

bool read_name(const uint8_t* msg, size_t len, size_t& pos, std::string& text, std::vector<uint8_t>* wire) {
    uint8_t buf[256];
    size_t n = 0;
    size_t next = dns::read_message_name(msg, len, pos, buf, &n);
    if (next == 0) return false;
    pos = next;
    text = dns::wire_name_to_text(buf);
    if (wire != nullptr) wire->insert(wire->end(), buf, buf + n);
    return true;
}

// Decompresses the names inside rdata of the RFC 1035 types (and SRV/NAPTR never
// compressed, so copied as they are).
bool read_rdata(const uint8_t* msg, size_t len, size_t pos, size_t rdlen, uint16_t type, std::vector<uint8_t>& out) {
    size_t end = pos + rdlen;
    std::string ignored;
    switch (dns::rdata_names(type)) {
        case dns::RdataNames::kNone:
            out.assign(msg + pos, msg + end);
            return true;
        case dns::RdataNames::kName:
            return read_name(msg, len, pos, ignored, &out) && pos == end;
        case dns::RdataNames::kPrefName:
            out.assign(msg + pos, msg + pos + 2);
            pos += 2;
            return read_name(msg, len, pos, ignored, &out) && pos == end;
        case dns::RdataNames::kSoa:
            if (!read_name(msg, len, pos, ignored, &out) || !read_name(msg, len, pos, ignored, &out)) return false;
            if (end - pos != 20) return false;
            out.insert(out.end(), msg + pos, msg + end);
            return true;
    }
    return false;
}

}  // namespace

Decoded decode(const uint8_t* msg, size_t len) {
    Decoded d;
    if (len < 12) return d;
    d.id = dns::load_u16(msg);
    d.flags = dns::load_u16(msg + 2);
    d.rcode = d.flags & 0xf;
    d.qdcount = dns::load_u16(msg + 4);
    uint16_t counts[3] = {dns::load_u16(msg + 6), dns::load_u16(msg + 8), dns::load_u16(msg + 10)};
    size_t pos = 12;
    if (d.qdcount == 1) {
        if (!read_name(msg, len, pos, d.qname, nullptr) || pos + 4 > len) return d;
        // Keep the case as written: re-read raw labels.
        d.qtype = dns::load_u16(msg + pos);
        d.qclass = dns::load_u16(msg + pos + 2);
        std::string raw;
        for (size_t p = 12; msg[p] != 0; p += msg[p] + 1u) {
            raw.append(reinterpret_cast<const char*>(msg + p + 1), msg[p]);
            raw += '.';
        }
        d.qname = raw.empty() ? "." : raw;
        pos += 4;
    }
    std::vector<DecodedRR>* sections[3] = {&d.answer, &d.authority, &d.additional};
    for (int s = 0; s < 3; ++s) {
        for (uint16_t i = 0; i < counts[s]; ++i) {
            DecodedRR rr;
            if (!read_name(msg, len, pos, rr.owner, nullptr) || pos + 10 > len) return d;
            for (auto& c : rr.owner) c = static_cast<char>(dns::lower(static_cast<uint8_t>(c)));
            rr.type = dns::load_u16(msg + pos);
            rr.rclass = dns::load_u16(msg + pos + 2);
            rr.ttl = dns::load_u32(msg + pos + 4);
            size_t rdlen = dns::load_u16(msg + pos + 8);
            pos += 10;
            if (pos + rdlen > len) return d;
            if (rr.type == dns::type::OPT) {
                d.has_opt = true;
                d.opt_udp = rr.rclass;
                d.rcode = static_cast<uint16_t>(d.rcode | ((rr.ttl >> 24) << 4));
                d.opt_version = static_cast<uint8_t>(rr.ttl >> 16);
                d.opt_do = (rr.ttl & 0x8000) != 0;
                for (size_t p = pos; p + 4 <= pos + rdlen;) {
                    uint16_t code = dns::load_u16(msg + p);
                    uint16_t olen = dns::load_u16(msg + p + 2);
                    d.opt_options.emplace_back(code, std::vector<uint8_t>(msg + p + 4, msg + p + 4 + olen));
                    p += 4 + olen;
                }
                pos += rdlen;
                continue;
            }
            if (!read_rdata(msg, len, pos, rdlen, rr.type, rr.rdata)) return d;
            rr.rdata_text = zone::rdata_to_text(rr.type, rr.rdata.data(), rr.rdata.size());
            pos += rdlen;
            sections[s]->push_back(std::move(rr));
        }
    }
    d.ok = pos == len;
    return d;
}

std::unique_ptr<engine::Snapshot> make_snapshot(const std::vector<ZoneText>& zones, engine::Options options) {
    auto snap = snapshot_from_text(zones, std::move(options));
    EXPECT_TRUE(snap.ok()) << (snap.ok() ? "" : snap.error().to_string());
    return snap.ok() ? std::move(*snap) : nullptr;
}

uint16_t free_port() {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a));
    socklen_t l = sizeof(a);
    getsockname(fd, reinterpret_cast<sockaddr*>(&a), &l);
    close(fd);
    return ntohs(a.sin_port);
}

std::vector<uint8_t> ask(const engine::Snapshot& snap, const std::vector<uint8_t>& query, engine::Transport transport,
                         engine::Worker* worker) {
    engine::Worker local;
    engine::Worker& w = worker != nullptr ? *worker : local;
    std::vector<uint8_t> out(65536);
    engine::Peer peer;
    peer.family = 4;
    size_t n = engine::answer(snap, query.data(), query.size(), peer, transport, out.data(), out.size(), w);
    out.resize(n);
    return out;
}

}  // namespace fz::test
