// Explaining a query over a snapshot: the answer a client gets, in dig-like text, and the
// routing-policy decision behind it (policy::explain). What `fastzonectl explain` prints,
// online (over the published snapshot) and offline (over one built from the files).
// Control plane: allocates.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "dns/name.h"
#include "engine/answer.h"
#include "engine/snapshot.h"
#include "policy/client.h"

namespace fz::engine {

struct ExplainRequest {
    dns::Name qname;
    uint16_t qtype = 0;
    std::optional<policy::ClientInfo> client;  // --client: the packet's source address
    std::optional<policy::ClientInfo> ecs;     // --ecs: an EDNS Client Subnet option in the query
};

// Parses "NAME TYPE [--client IP] [--ecs PREFIX]"; errors say which word is wrong.
Result<ExplainRequest> parse_explain_request(const std::string& args);

// The response answer() gives to the request (sent over `transport`, from --client's
// address), with the policy draws made from `seed`.
std::vector<uint8_t> answer_request(const Snapshot& snap, const ExplainRequest& request, uint64_t seed,
                                    Transport transport);

// Answers the request with answer() (over TCP: never truncated) and explains the policy
// decision, if the name has one. Both draw from `seed`, so the record sets explained are
// the ones answered.
std::string explain_query(const Snapshot& snap, const ExplainRequest& request, uint64_t seed);

}  // namespace fz::engine
