// The daemon's zone transfers: the transfer threads that answer AXFR and IXFR over TCP
// (connections handed over by the socket server), and NOTIFY to each zone's secondaries
// whenever a published snapshot serves a new serial of the zone.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "change/registry.h"
#include "common/result.h"
#include "daemon/catalog.h"
#include "engine/publisher.h"
#include "loader/config.h"
#include "xfr/notify.h"
#include "xfr/secondary.h"
#include "xfr/server.h"

namespace fz::daemon {

class Transfers {
public:
    Transfers(const engine::Publisher& publisher, change::Registry& registry);
    ~Transfers();

    // Takes in a configuration's keys, ACL rules and notify lists (at start, on reload).
    Status configure(const loader::Config& config);
    void start();
    void stop();

    // A TCP connection asking for AXFR or IXFR (io::HandoffHandler).
    void take(int fd, std::vector<uint8_t> unsent, std::vector<uint8_t> query, const engine::Peer& peer) {
        server_.submit(fd, std::move(unsent), std::move(query), peer);
    }
    // A query the sockets hand to the control plane (on the update thread): an IXFR over
    // UDP, or a TSIG-signed query (verified, answered and signed).
    size_t answer_signed(const uint8_t* msg, size_t len, const engine::Peer& peer, engine::Transport transport,
                         uint8_t* out, size_t cap);
    // A NOTIFY (opcode 4) for a zone we are a secondary of: checked against the zone's
    // ACL (action notify; its primaries are allowed too, with their keys), answered, and
    // the zone refreshed at once.
    size_t answer_notify(const uint8_t* msg, size_t len, const engine::Peer& peer, engine::Transport transport,
                         uint8_t* out, size_t cap);
    // After each publish: NOTIFY for every zone whose serial is new, and the produced
    // catalog brought up to the zones now served.
    void published();

    const xfr::TransferCounters& counters() const { return server_.counters(); }
    const xfr::NotifyCounters& notify_counters() const { return notifier_.counters(); }
    std::vector<xfr::SecondaryStatus> secondary_status() const { return secondaries_.status(); }
    const xfr::SecondaryCounters& secondary_counters() const { return secondaries_.counters(); }

    // Each consumed catalog and the produced one, with the members they list.
    std::vector<CatalogStatus> catalog_status() const;
    uint64_t catalog_errors() const { return catalog_errors_.load(std::memory_order_relaxed); }

private:
    // The configuration as given, with a zone for each catalog member and for the
    // produced catalog: what the keys, ACL, notify lists and secondaries are made of.
    loader::Config with_catalog_zones(const loader::Config& config) const;
    Status reconfigure();
    // A consumed catalog got a new copy: its members are read again, and zones come and go.
    void catalog_changed(const dns::Name& catalog);
    // The members a consumed catalog's copy in the registry lists (none without a copy).
    Result<CatalogMembers> stored_members(const dns::Name& catalog) const;
    void produce_catalog();

    const engine::Publisher& publisher_;
    change::Registry& registry_;
    xfr::TransferServer server_;
    xfr::Notifier notifier_;
    // Applies a transfer in through the registry (whole, or as a batch).
    Status apply(const dns::Name& zone, const xfr::Incoming& in, const std::string& primary);
    Status apply_copy(const dns::Name& zone, const xfr::Incoming& in, const std::string& primary);
    xfr::Secondaries secondaries_;
    std::mutex mu_;  // guards what follows
    std::shared_ptr<const xfr::TransferAccess> access_;
    std::map<std::string, std::vector<xfr::NotifyTarget>> targets_;      // by canonical origin wire
    std::map<std::string, uint32_t> serials_;                            // the serials last published
    std::map<std::string, std::vector<change::AclRule>> primary_rules_;  // per secondary zone: its primaries
    std::map<std::string, std::vector<dns::Name>> members_;              // per consumed catalog (origin text)
    mutable std::mutex config_mu_;  // one reconfiguration at a time; guards what follows
    loader::Config config_;
    std::atomic<uint64_t> catalog_errors_{0};
};

}  // namespace fz::daemon
