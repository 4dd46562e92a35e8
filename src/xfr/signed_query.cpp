// Verifying, answering and signing a TSIG-signed query.
#include "xfr/signed_query.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include "dns/message_reader.h"
#include "dns/wire.h"

namespace fz::xfr {
namespace {

// The header and question of `msg` as a response with `rcode` and, when the query had
// EDNS, an OPT record (our UDP size, DO echoed), as answer() writes one; its length, or 0
// when the question cannot be read.
size_t error_reply(const uint8_t* msg, size_t len, uint16_t rcode, uint16_t udp_size, uint8_t* out, size_t cap) {
    size_t pos = dns::kHeaderSize;
    while (pos < len && msg[pos] != 0 && (msg[pos] & 0xc0) == 0) pos += 1u + msg[pos];
    if (pos >= len || msg[pos] != 0 || pos + 5 > len || pos + 5 > cap || dns::load_u16(msg + 4) != 1) return 0;
    const size_t n = pos + 5;
    std::memcpy(out, msg, n);
    const uint16_t flags = dns::load_u16(msg + 2);
    dns::store_u16(out + 2, static_cast<uint16_t>(dns::flag::QR | (flags & (dns::flag::OPCODE_MASK | dns::flag::RD)) |
                                                  (rcode & dns::flag::RCODE_MASK)));
    std::memset(out + 6, 0, 6);
    auto m = dns::read_message(msg, len);
    if (!m || !m->opt || n + 11 > cap) return n;
    uint8_t* opt = out + n;
    opt[0] = 0;  // the root
    dns::store_u16(opt + 1, dns::type::OPT);
    dns::store_u16(opt + 3, udp_size);
    dns::store_u32(opt + 5, m->opt->do_bit ? dns::kEdnsDoBit : 0);
    dns::store_u16(opt + 9, 0);
    dns::store_u16(out + 10, 1);
    return n + 11;
}

}  // namespace

size_t answer_signed_query(const engine::Publisher& publisher, const dns::TsigKeyring& keys, const uint8_t* msg,
                           size_t len, const engine::Peer& peer, engine::Transport transport, uint8_t* out, size_t cap,
                           int64_t now) {
    size_t pos = 0;
    if (len < dns::kHeaderSize || dns::locate_tsig(msg, len, pos) != dns::TsigPresence::kLast) return 0;
    dns::TsigContext ctx;
    const dns::TsigStatus st = dns::tsig_verify_request(msg, len, pos, keys, now, ctx);
    const uint16_t udp_size = publisher.with_current([](const engine::Snapshot& snap) {
        return snap.options.udp_max_payload;
    });
    if (st == dns::TsigStatus::kFormErr) {
        return error_reply(msg, len, dns::rcode::FORMERR, udp_size, out, cap);
    }
    size_t n = 0;
    if (st != dns::TsigStatus::kOk) {
        n = error_reply(msg, len, dns::rcode::NOTAUTH, udp_size, out, cap);
    } else {
        // The query without its TSIG record, as answer() reads any other.
        std::vector<uint8_t> plain(msg, msg + pos);
        dns::store_u16(plain.data() + 10, static_cast<uint16_t>(dns::load_u16(plain.data() + 10) - 1));
        n = publisher.with_current([&](const engine::Snapshot& snap) {
            engine::Worker worker;  // counted apart: the query path's counters are the workers'
            worker.seed_from_entropy();
            return engine::answer(snap, plain.data(), plain.size(), peer, transport, out, cap, worker);
        });
    }
    if (n == 0) return 0;
    const size_t signed_len = dns::tsig_sign_response(out, n, cap, ctx, now);
    return signed_len != 0 ? signed_len : n;
}

}  // namespace fz::xfr
