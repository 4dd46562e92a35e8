// libFuzzer target for answer() on routing-policy names: any bytes as a query against the
// example policy configuration (config/fastzone-policies.yaml: weighted, geolocation with
// the MaxMind test database, latency, IP-based, failover, multivalue, geoproximity and
// alias chains), from a client address that varies with the input, so that EDNS Client
// Subnet parsing, the client's table lookups and every decide() path see hostile input.
// Checks the same response invariants as the plain answer target. Each input is also
// answered by the same configuration signed by fastzone (keys made at start in a temporary
// folder), where queries with DO take the signed policy answers: member and window
// signatures, alias signatures, a policy's own NODATA proof.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>

#include "engine/answer.h"
#include "loader/config.h"
#include "loader/loader.h"
#include "response_check.h"
#include "tests/support/signed_config.h"

namespace {

[[noreturn]] void fail(const fz::Error& e) {
    std::fprintf(stderr, "answer_policy_fuzz: %s\n", e.to_string().c_str());
    std::abort();
}

// The example configuration, or with `signed_` its zones signed with fresh keys.
const fz::engine::Snapshot* build(bool signed_) {
    constexpr const char* kConfig = FZ_SOURCE_ROOT "/config/fastzone-policies.yaml";
    if (signed_) {
        auto built = fz::test::signed_snapshot_of_config(kConfig);
        if (!built) fail(built.error());
        return built.value().release();
    }
    auto config = fz::loader::load_config(kConfig);
    if (!config) fail(config.error());
    auto built = fz::loader::build_snapshot(*config, nullptr);
    if (!built) fail(built.error());
    return built.value().release();
}

const fz::engine::Snapshot& snapshot(bool signed_) {
    static const fz::engine::Snapshot* plain = build(false);
    static const fz::engine::Snapshot* with_keys = build(true);
    return signed_ ? *with_keys : *plain;
}

// The packet's source, when the query carries no ECS: IPv4 or IPv6 from a hash of the input.
fz::engine::Peer peer_for(const uint8_t* data, size_t size) {
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < size; ++i) h = (h ^ data[i]) * 0x100000001b3ull;
    fz::engine::Peer peer;
    peer.family = (h & 1) ? 6 : 4;
    for (size_t i = 0; i < sizeof peer.address; ++i) {
        h = h * 6364136223846793005ull + 1442695040888963407ull;
        peer.address[i] = static_cast<uint8_t>(h >> 56);
    }
    peer.port = 40000;
    return peer;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static fz::engine::Worker worker;
    static uint8_t out[65536];
    const fz::engine::Peer peer = peer_for(data, size);
    for (bool signed_ : {false, true}) {
        for (auto t : {fz::engine::Transport::kUdp, fz::engine::Transport::kTcp}) {
            size_t cap = t == fz::engine::Transport::kUdp ? 4096 : sizeof(out);
            size_t n = fz::engine::answer(snapshot(signed_), data, size, peer, t, out, cap, worker);
            fz::fuzz::check_response(data, size, out, n, cap);
        }
    }
    return 0;
}
