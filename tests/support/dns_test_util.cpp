// Test helpers over the dns message toolkit: queries, decoded responses, snapshots.
#include "tests/support/dns_test_util.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "dns/message_reader.h"
#include "zone/rdata_text.h"

namespace fz::test {

std::vector<uint8_t> QueryBuilder::build() const {
    auto wire = dns::QueryBuilder::build();
    EXPECT_TRUE(wire.ok()) << (wire.ok() ? "" : wire.error().to_string());
    return wire.ok() ? std::move(*wire) : std::vector<uint8_t>{};
}

std::vector<uint8_t> edns_query(const std::string& name, uint16_t type, bool do_bit, uint16_t udp_size) {
    QueryBuilder q;
    q.qname = name;
    q.qtype = type;
    q.edns = true;
    q.do_bit = do_bit;
    q.udp_size = udp_size;
    return q.build();
}

Decoded decode(const uint8_t* msg, size_t len) {
    Decoded d;
    const auto header = dns::read_header(msg, len);
    if (!header) return d;
    d.id = header->id;
    d.flags = header->flags;
    d.rcode = header->flags & dns::flag::RCODE_MASK;
    d.qdcount = header->qdcount;
    const auto m = dns::read_message(msg, len);
    if (!m) return d;
    d.rcode = m->rcode();
    if (m->questions.size() == 1) {
        d.qname = m->questions[0].name.to_text();
        d.qtype = m->questions[0].qtype;
        d.qclass = m->questions[0].qclass;
    }
    auto flatten = [](const std::vector<dns::ResourceRecord>& records, std::vector<DecodedRR>& out) {
        for (const dns::ResourceRecord& rr : records) {
            out.push_back(DecodedRR{rr.owner.lowered().to_text(), rr.type, rr.rclass, rr.ttl, rr.rdata,
                                    zone::rdata_to_text(rr.type, rr.rdata.data(), rr.rdata.size())});
        }
    };
    flatten(m->answer, d.answer);
    flatten(m->authority, d.authority);
    flatten(m->additional, d.additional);
    if (m->opt) {
        d.has_opt = true;
        d.opt_udp = m->opt->udp_size;
        d.opt_version = m->opt->version;
        d.opt_do = m->opt->do_bit;
        for (const dns::EdnsOption& o : m->opt->options) d.opt_options.emplace_back(o.code, o.data);
    }
    d.ok = true;
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
