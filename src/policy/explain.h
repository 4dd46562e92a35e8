// explain(): the same decision as resolve(), with a human-readable trace of why (the
// Route 53 "test DNS answer" for `fastzonectl explain NAME TYPE --client IP [--ecs N]`).
#pragma once

#include <string>

#include "policy/tables.h"

namespace fz::policy {

// Decides for `client` exactly as resolve() does (same tables, same rng draws) and
// describes each step: the matched GeoIP location / CIDR block / latency order with the
// block width, every candidate with its weight or location and health, the chosen record
// sets, alias hops, and the ECS scope. Control plane (allocates).
std::string explain(const PolicyTables& tables, uint32_t policy, const ClientInfo& client, Rng& rng);

// "192.0.2.0/24", or "unknown" when the client carries no usable address.
std::string client_to_text(const ClientInfo& client);

}  // namespace fz::policy
