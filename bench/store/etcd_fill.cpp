// Fills a fleet's store in etcd with many zones, the way an import writes them
// (store::EtcdStore::put_zone): what scripts/loadtest-fleet measures etcd's storage and a
// joining server's start-up against.
//
// usage: etcd_fill ENDPOINT[,ENDPOINT...] PREFIX ZONES SETS_PER_ZONE [THREADS] [MAX_TXN_OPS]
// Zone i is z<i>.fill.example. (id ZFILL<8 digits>): SOA, NS and SETS_PER_ZONE - 2 A
// record sets. Prints one line: zones, record sets, seconds, record sets per second.
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "change/content.h"
#include "dns/rrtype.h"
#include "policy/record_set.h"
#include "store/etcd_store.h"

namespace {

fz::policy::RecordSet record_set(const std::string& owner, uint16_t type, const std::string& value) {
    fz::policy::RecordSet rs;
    rs.name = *fz::dns::name_from_text(owner, nullptr);
    rs.type = type;
    rs.ttl = 300;
    rs.values = {value};
    return rs;
}

fz::change::ZoneContent make_zone(long index, long sets) {
    char id[32];
    std::snprintf(id, sizeof id, "ZFILL%08ld", index);
    const std::string origin = "z" + std::to_string(index) + ".fill.example.";
    fz::change::ZoneContent z;
    z.id = id;
    z.origin = *fz::dns::name_from_text(origin, nullptr);
    z.version = 1;
    z.record_sets = {
        record_set(origin, fz::dns::type::SOA, "ns1." + origin + " h." + origin + " 1 7200 900 1209600 60"),
        record_set(origin, fz::dns::type::NS, "ns1." + origin)};
    for (long i = 2; i < sets; ++i) {
        z.record_sets.push_back(record_set("h" + std::to_string(i) + "." + origin, fz::dns::type::A,
                                           "192.0.2." + std::to_string(i % 250 + 1)));
    }
    z.sort();
    return z;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 5) {
        std::fprintf(stderr, "usage: %s ENDPOINT[,ENDPOINT...] PREFIX ZONES SETS_PER_ZONE [THREADS] [MAX_TXN_OPS]\n",
                     argv[0]);
        return 2;
    }
    fz::store::EtcdStoreOptions o;
    std::stringstream endpoints(argv[1]);
    for (std::string e; std::getline(endpoints, e, ',');) o.etcd.endpoints.push_back(e);
    o.prefix = argv[2];
    const long zones = std::atol(argv[3]), sets = std::atol(argv[4]);
    const long threads = argc > 5 ? std::atol(argv[5]) : 4;
    o.max_txn_ops = argc > 6 ? static_cast<size_t>(std::atol(argv[6])) : 128;
    if (zones <= 0 || sets < 2 || threads <= 0) {
        std::fprintf(stderr, "ZONES and THREADS must be positive, SETS_PER_ZONE at least 2\n");
        return 2;
    }
    std::atomic<long> next{0}, failed{0};
    const auto t0 = std::chrono::steady_clock::now();
    std::vector<std::thread> workers;
    for (long t = 0; t < threads; ++t) {
        workers.emplace_back([&] {
            auto store = fz::store::EtcdStore::open(o);  // one each: a store writes one zone at a time
            if (!store) {
                std::fprintf(stderr, "%s\n", store.error().to_string().c_str());
                ++failed;
                return;
            }
            for (long i = next++; i < zones; i = next++) {
                auto st = (*store)->put_zone(make_zone(i, sets), fz::change::HistoryEntry{.change_id = "CFILL"});
                if (!st) {
                    std::fprintf(stderr, "zone %ld: %s\n", i, st.error().to_string().c_str());
                    ++failed;
                    return;
                }
            }
        });
    }
    for (auto& w : workers) w.join();
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (failed != 0) return 1;
    std::printf("zones %ld record_sets %ld seconds %.1f record_sets_per_second %.0f\n", zones, zones * sets, s,
                static_cast<double>(zones * sets) / s);
    return 0;
}
