// The API's operations, one function each, shared by handler.cpp (which routes to them)
// and the files that implement them: zones_ops.cpp (hosted zones, record sets, changes)
// health_ops.cpp (health checks, TestDNSAnswer) and dnssec_ops.cpp (DNSSEC signing).
// Internal to src/api.
#pragma once

#include <pugixml.hpp>

#include <optional>
#include <string>

#include "api/handler.h"

namespace fz::api::ops {

struct Context {
    change::Service& service;
    const Handler::Call& call;
    const HandlerOptions& options;
    const AccessKey& key;

    const Request& request() const { return call.request; }
    const std::string& id() const { return call.resource; }
};

// 200 (or `status`) with the document as text/xml.
Response xml_response(const pugi::xml_document& doc, const std::string& request_id, unsigned status = 200);
Response invalid_input(const Context& c, const std::string& message);
// Parses the request body as XML with root `root`; on failure fills `error`.
bool parse_body(const Context& c, const char* root, pugi::xml_document& doc, Response* error);
// MaxItems from the query: `fallback` when absent, at most `cap`; nullopt when malformed.
std::optional<size_t> max_items(const Request& r, size_t fallback, size_t cap);
// The zones the service serves that the caller's key is granted (for the list operations,
// so that a key limited to some zones sees only those).
std::vector<change::ZoneSummary> visible_zones(const Context& c);
// "https://host/2013-04-01/<path>" for Location headers.
std::string location(const Context& c, const std::string& path);

Response create_hosted_zone(const Context& c);
Response get_hosted_zone(const Context& c);
Response list_hosted_zones(const Context& c);
Response list_hosted_zones_by_name(const Context& c);
Response delete_hosted_zone(const Context& c);
Response get_hosted_zone_count(const Context& c);
Response change_resource_record_sets(const Context& c);
Response list_resource_record_sets(const Context& c);
Response get_change(const Context& c);

Response create_health_check(const Context& c);
Response get_health_check(const Context& c);
Response list_health_checks(const Context& c);
Response update_health_check(const Context& c);
Response delete_health_check(const Context& c);
Response get_health_check_count(const Context& c);
Response get_health_check_status(const Context& c);
Response test_dns_answer(const Context& c);

Response create_key_signing_key(const Context& c);
Response activate_key_signing_key(const Context& c);
Response deactivate_key_signing_key(const Context& c);
Response delete_key_signing_key(const Context& c);
Response enable_hosted_zone_dnssec(const Context& c);
Response disable_hosted_zone_dnssec(const Context& c);
Response get_dnssec(const Context& c);

}  // namespace fz::api::ops
