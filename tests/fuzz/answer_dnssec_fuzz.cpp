// libFuzzer target for answer() on signed zones (tests/data/dnssec: NSEC, NSEC3, NSEC3
// opt-out, signed by dnssec-signzone): any bytes as a query, over UDP and TCP, against
// each. The seeds ask with DO, so the proofs, RRSIGs and their TC choices are exercised;
// every response must hold what check_response() asks of any answer.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include "engine/answer.h"
#include "response_check.h"
#include "tests/support/zone_snapshot.h"

namespace {

const fz::engine::Snapshot* load(const char* denial) {
    std::ifstream in(std::string(FZ_SOURCE_ROOT) + "/tests/data/dnssec/example.com." + denial + ".zone");
    std::stringstream text;
    text << in.rdbuf();
    if (!in) std::abort();
    auto built = fz::test::snapshot_from_text({{"example.com.", text.str()}});
    if (!built) std::abort();
    return built->release();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static const fz::engine::Snapshot* snaps[] = {load("nsec"), load("nsec3"), load("optout")};
    static fz::engine::Worker worker;
    static uint8_t out[65536];
    fz::engine::Peer peer;
    peer.family = 4;
    for (const auto* snap : snaps) {
        for (auto t : {fz::engine::Transport::kUdp, fz::engine::Transport::kTcp}) {
            size_t cap = t == fz::engine::Transport::kUdp ? 4096 : sizeof(out);
            size_t n = fz::engine::answer(*snap, data, size, peer, t, out, cap, worker);
            fz::fuzz::check_response(data, size, out, n, cap);
        }
    }
    return 0;
}
