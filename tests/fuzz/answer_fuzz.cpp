// libFuzzer target for answer(): any bytes as a query, over UDP and TCP, against a zone
// with one of everything. Checks what must hold for every response, not just "no crash".
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>

#include "engine/answer.h"
#include "response_check.h"
#include "tests/support/zone_snapshot.h"

namespace {

constexpr const char* kZone = R"(
$ORIGIN example.com.
$TTL 3600
@        SOA   ns1 hostmaster 1 7200 3600 1209600 300
@        NS    ns1
@        NS    ns2.example.net.
@        MX    10 mail
@        A     192.0.2.1
ns1      A     192.0.2.53
ns1      AAAA  2001:db8::53
mail     A     192.0.2.25
www      A     192.0.2.10
www      AAAA  2001:db8::10
alias    CNAME www
loop1    CNAME loop2
loop2    CNAME loop1
out      CNAME www.example.net.
*.wild   A     192.0.2.80
*.wild   TXT   "wildcard"
a.b.c    A     192.0.2.90
sub      NS    ns1.sub
ns1.sub  A     192.0.2.99
dn       DNAME example.org.
self     DNAME example.com.
_sip._udp SRV  10 60 5060 sip
sip      A     192.0.2.60
big      TXT   "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
big      TXT   "cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc" "dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd"
)";

const fz::engine::Snapshot& snapshot() {
    static const fz::engine::Snapshot* snap = [] {
        fz::engine::Options options;
        options.version = "fuzz";
        auto built = fz::test::snapshot_from_text({{"example.com.", kZone}}, options);
        if (!built) std::abort();
        return built->release();
    }();
    return *snap;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static fz::engine::Worker worker;
    static uint8_t out[65536];
    // The data plane's look-ahead reads the same untrusted bytes: in bounds, and any zone
    // it names is one of the snapshot's.
    fz::engine::LookupHint hint;
    fz::engine::prefetch_lookup(snapshot(), data, size, hint);
    if (hint.zone != nullptr && hint.zone != snapshot().zones[0].get()) __builtin_trap();
    fz::engine::Peer peer;
    peer.family = 4;
    for (auto t : {fz::engine::Transport::kUdp, fz::engine::Transport::kTcp}) {
        size_t cap = t == fz::engine::Transport::kUdp ? 4096 : sizeof(out);
        size_t n = fz::engine::answer(snapshot(), data, size, peer, t, out, cap, worker);
        fz::fuzz::check_response(data, size, out, n, cap);
    }
    return 0;
}
