// libFuzzer target for zone transfers, in and out. The input is read three ways:
//  - as a transfer response stream ([2-byte length][message]...) fed to a TransferReader,
//    for an AXFR and for an IXFR from serial 5, message by message, as a secondary reads
//    what a primary sends (with TSIG verification of each message when it is signed);
//  - as a transfer request to respond_transfer() over a small zone with a change history
//    (AXFR, IXFR, over UDP too): every message it sends must read back;
//  - as a NOTIFY to answer_notify(), and as a signed query to answer_signed_query().
// Nothing may crash, and every response must fit its buffer and read back as a message.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "common/log.h"
#include "dns/message_reader.h"
#include "dns/tsig.h"
#include "engine/publisher.h"
#include "tests/support/zone_snapshot.h"
#include "xfr/inbound.h"
#include "xfr/notify_in.h"
#include "xfr/server.h"
#include "xfr/signed_query.h"

namespace {

using namespace fz;

constexpr int64_t kNow = 1'796'282'950;

struct World {
    engine::Publisher publisher;
    xfr::TransferAccess access;
    dns::TsigKey key;
    std::map<std::string, std::vector<change::AclRule>> primaries;
    dns::Name zone = *dns::name_from_text("example.com.", nullptr);

    World() {
        auto snap = test::snapshot_from_text(
            {{"example.com.",
              "$ORIGIN example.com.\n$TTL 300\n@ SOA ns1 hostmaster 10 7200 3600 1209600 60\n@ NS ns1\n"
              "ns1 A 192.0.2.53\nwww A 192.0.2.1\nmail MX 10 www\n"}});
        if (!snap.ok()) __builtin_trap();
        publisher.publish(std::move(snap.value()));
        key = *dns::tsig_key_from_text("hmac-sha256:xfr-key:ZmFzdHpvbmUtdXBkYXRlLXRlc3Qtc2VjcmV0LTAxMjM=");
        (void)access.keys.add(key);
        std::vector<change::AclRule> rules{*change::make_acl_rule("any", {}, {}, {"transfer", "notify"})};
        access.acl = change::Acl(rules, {{"example.com.", {"any"}}});
        access.history = [](const dns::Name&) {
            change::HistoryEntry e;
            e.serial_before = 9;
            e.serial_after = 10;
            policy::RecordSet soa9, soa10, www;
            soa9.name = soa10.name = *dns::name_from_text("example.com.", nullptr);
            soa9.type = soa10.type = 6;
            soa9.values = {"ns1.example.com. hostmaster.example.com. 9 7200 3600 1209600 60"};
            soa10.values = {"ns1.example.com. hostmaster.example.com. 10 7200 3600 1209600 60"};
            www.name = *dns::name_from_text("www.example.com.", nullptr);
            www.type = 1;
            www.ttl = 300;
            www.values = {"192.0.2.1"};
            e.removed = {soa9};
            e.added = {soa10, www};
            return std::vector<change::HistoryEntry>{e};
        };
    }
};

World& world() {
    static World* w = new World;
    return *w;
}

void must_read(const uint8_t* out, size_t n, size_t cap) {
    if (n == 0) return;
    if (n > cap || !dns::read_message(out, n).ok()) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static const bool quiet = [] {
        log::set_level(log::Level::kError);
        return true;
    }();
    (void)quiet;
    World& w = world();

    // A response stream, as a secondary reads it.
    for (bool ixfr : {false, true}) {
        xfr::TransferReader reader(w.zone, ixfr, 5);
        dns::TsigStreamVerifier verify(w.key, {});
        size_t pos = 0;
        while (pos + 2 <= size && !reader.done()) {
            const size_t len = static_cast<size_t>(data[pos]) << 8 | data[pos + 1];
            if (pos + 2 + len > size) break;
            (void)verify.verify(data + pos + 2, len, kNow);
            auto m = dns::read_message(data + pos + 2, len);
            pos += 2 + len;
            if (!m || !reader.add(*m)) break;
        }
        if (reader.done()) (void)reader.take();
    }

    // A request, as a primary answers it.
    std::vector<uint8_t> query(data, data + size);
    engine::Peer peer;
    peer.family = 4;
    peer.address[0] = 127;
    peer.address[3] = 1;
    (void)xfr::respond_transfer(w.publisher, w.access, query, peer, kNow, [](const uint8_t* framed, size_t n) {
        if (n < 2 || (static_cast<size_t>(framed[0]) << 8 | framed[1]) != n - 2) __builtin_trap();
        must_read(framed + 2, n - 2, 65535);
        return true;
    });
    std::vector<uint8_t> out(4096);
    size_t n = xfr::respond_udp_ixfr(w.publisher, w.access, data, size, peer, kNow, out.data(), out.size());
    must_read(out.data(), n, out.size());

    // A NOTIFY, and a signed query.
    xfr::NotifyVerdict verdict;
    n = xfr::answer_notify(
        w.access, w.primaries, [](const dns::Name&) { return true; }, data, size, peer, kNow, out.data(), out.size(),
        verdict);
    must_read(out.data(), n, out.size());
    n = xfr::answer_signed_query(w.publisher, w.access.keys, data, size, peer, engine::Transport::kUdp, out.data(),
                                 out.size(), kNow);
    must_read(out.data(), n, out.size());
    return 0;
}
