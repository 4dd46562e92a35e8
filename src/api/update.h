// RFC 2136 UPDATE: a signed (RFC 8945 TSIG) or unsigned UPDATE message checked against the
// zone's ACL, its prerequisites tested and its updates turned into one change batch
// submitted to the change::Service, and the response written. Control plane: called from
// the I/O paths for opcode UPDATE only, never on the query path.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "change/acl.h"
#include "change/service.h"
#include "common/count.h"
#include "common/result.h"
#include "dns/name.h"
#include "dns/tsig.h"
#include "engine/answer.h"

namespace fz::api {

// The ACL rules UPDATE is checked against (action update), as change/acl.h defines them.
using change::AclRule;
using change::make_acl_rule;

struct UpdateOptions {
    // Per zone origin ("example.com.", any case, the final dot optional): the ids of the
    // ACL rules that may update it. A zone without an entry refuses every UPDATE.
    std::map<std::string, std::vector<std::string>> zone_acls;
};

// Where an UPDATE came from.
struct UpdatePeer {
    engine::Peer address;
    engine::Transport transport = engine::Transport::kUdp;
};

// Control-plane counters: written under the processor's lock (one writer at a time), read
// by anyone.
struct UpdateCounters {
    Count received;
    Count applied;        // a batch was submitted and accepted
    Count unchanged;      // NOERROR with nothing to change
    Count refused_acl;    // no ACL rule matched (REFUSED)
    Count refused_zone;   // file-managed zone, routing-policy record sets, zone without ACL (REFUSED)
    Count notauth;        // not a zone we serve
    Count tsig_badkey;    // NOTAUTH + BADKEY
    Count tsig_badsig;    // NOTAUTH + BADSIG
    Count tsig_badtime;   // NOTAUTH + BADTIME
    Count prereq_failed;  // YXDOMAIN, YXRRSET, NXDOMAIN, NXRRSET
    Count notzone;
    Count formerr;
    Count notimp;  // another opcode
    Count servfail;
    Count dropped;  // not answered: shorter than a header, or a response
};

// Every counter with its name, in the order status and metrics print them: what sums and
// prints them goes through this one list, so that a counter added above is never left out.
struct UpdateCounterField {
    const char* name;
    Count UpdateCounters::*field;
};
inline constexpr UpdateCounterField kUpdateCounterFields[] = {
    {"received", &UpdateCounters::received},
    {"applied", &UpdateCounters::applied},
    {"unchanged", &UpdateCounters::unchanged},
    {"refused_acl", &UpdateCounters::refused_acl},
    {"refused_zone", &UpdateCounters::refused_zone},
    {"notauth", &UpdateCounters::notauth},
    {"tsig_badkey", &UpdateCounters::tsig_badkey},
    {"tsig_badsig", &UpdateCounters::tsig_badsig},
    {"tsig_badtime", &UpdateCounters::tsig_badtime},
    {"prereq_failed", &UpdateCounters::prereq_failed},
    {"notzone", &UpdateCounters::notzone},
    {"formerr", &UpdateCounters::formerr},
    {"notimp", &UpdateCounters::notimp},
    {"servfail", &UpdateCounters::servfail},
    {"dropped", &UpdateCounters::dropped},
};
static_assert(sizeof(kUpdateCounterFields) / sizeof(kUpdateCounterFields[0]) * sizeof(Count) == sizeof(UpdateCounters),
              "every UpdateCounters field is in kUpdateCounterFields");

// What became of one UPDATE, for the caller's log and tests.
struct UpdateReport {
    uint16_t rcode = 0;
    uint16_t tsig_error = 0;
    std::string zone;    // the origin, when the zone section was read
    std::string reason;  // why it was not applied (empty when it was)
    std::string change_id;
    bool signed_response = false;
};

class UpdateProcessor {
public:
    // `service` and `keys` must outlive the processor. `rules` are the configuration's ACL.
    UpdateProcessor(change::Service& service, const dns::TsigKeyring& keys, std::vector<AclRule> rules,
                    UpdateOptions options);

    // Answers the UPDATE `msg` (`len` bytes) from `peer` into `out` (`cap` bytes) at Unix
    // time `now_s`. Returns the response length; 0 means no response (drop). Each refusal is
    // logged with the zone, the peer and the reason; `report`, when given, receives them.
    // Safe to call from several threads: UPDATEs are applied one at a time, so that each is
    // planned on the content the one before it left.
    size_t process(const uint8_t* msg, size_t len, const UpdatePeer& peer, uint8_t* out, size_t cap, int64_t now_s,
                   UpdateReport* report = nullptr);

    const UpdateCounters& counters() const { return counters_; }

private:
    struct Request;
    size_t handle(Request& rq);
    uint16_t check(Request& rq);  // the response's rcode
    uint16_t authorize(Request& rq, const change::ZoneSummary& zone);
    uint16_t apply(Request& rq, const change::ZoneSummary& zone);
    size_t respond(Request& rq);
    void finish(const Request& rq);  // counts and logs the outcome

    change::Service& service_;
    const dns::TsigKeyring& keys_;
    change::Acl acl_;
    std::mutex mu_;  // one UPDATE at a time (see process())
    UpdateCounters counters_;
};

// "192.0.2.1#53 udp": how a log line names a peer.
std::string peer_text(const UpdatePeer& peer);

}  // namespace fz::api
