// Health checks and TestDNSAnswer: the operations that do not change zones (cold).
#include <algorithm>

#include "api/operations.h"
#include "api/xml.h"

namespace fz::api::ops {
namespace {

constexpr size_t kCheckPage = 100;  // ListHealthChecks default
constexpr size_t kCheckCap = 1000;  // and its largest page

Response no_such_check(const Context& c, const std::string& id) {
    return error_response(404, "NoSuchHealthCheck", "No health check exists with the specified ID " + id,
                          c.call.request_id);
}

Response health_check_response(const Context& c, const char* root, const change::HealthCheckRecord& record,
                               unsigned status) {
    pugi::xml_document out;
    xml::write_health_check(xml::start(out, root), record);
    return xml_response(out, c.call.request_id, status);
}

// The request's HealthCheckConfig (or UpdateHealthCheckRequest) element as JSON.
bool element_json(const Context& c, const pugi::xml_node& element, nlohmann::json* out, Response* error) {
    if (std::string e = xml::to_json(element, out); !e.empty()) {
        *error = invalid_input(c, "Invalid request: " + e);
        return false;
    }
    if (!out->is_object()) {
        *error = invalid_input(c, std::string("Invalid request: ") + element.name() + " has no fields");
        return false;
    }
    return true;
}

}  // namespace

Response create_health_check(const Context& c) {
    pugi::xml_document doc;
    Response error;
    if (!parse_body(c, "CreateHealthCheckRequest", doc, &error)) return error;
    pugi::xml_node root = doc.document_element();
    const std::string caller = xml::child_text(root, "CallerReference");
    if (caller.empty() || caller.size() > 64) return invalid_input(c, "CallerReference must be 1-64 characters");
    pugi::xml_node config = xml::child(root, "HealthCheckConfig");
    if (!config) return invalid_input(c, "Invalid request: missing HealthCheckConfig");
    nlohmann::json json;
    if (!element_json(c, config, &json, &error)) return error;
    auto check = xml::parse_health_check_config(json);
    if (!check.ok()) return invalid_input(c, "Invalid HealthCheckConfig: " + check.error().message);
    auto created = c.service.create_health_check(caller, std::move(*check));
    if (!created.ok()) return service_error(created.error(), c.call.request_id);
    Response resp = health_check_response(c, "CreateHealthCheckResponse", created.value(), 201);
    resp.headers.emplace_back("Location", location(c, "healthcheck/" + created->check.id));
    return resp;
}

Response get_health_check(const Context& c) {
    auto record = c.service.health_check(c.id());
    if (!record) return no_such_check(c, c.id());
    return health_check_response(c, "GetHealthCheckResponse", *record, 200);
}

Response list_health_checks(const Context& c) {
    const auto page = max_items(c.request(), kCheckPage, kCheckCap);
    if (!page) return invalid_input(c, "MaxItems must be a whole number from 1 to 1000");
    const std::vector<change::HealthCheckRecord> checks = c.service.health_checks();
    const std::string* marker = c.request().query_param("marker");
    size_t i = 0;
    if (marker != nullptr) {
        auto it = std::find_if(checks.begin(), checks.end(), [&](const auto& r) { return r.check.id == *marker; });
        if (it == checks.end()) return invalid_input(c, "Invalid marker: no health check with ID " + *marker);
        i = static_cast<size_t>(it - checks.begin());
    }
    pugi::xml_document out;
    pugi::xml_node r = xml::start(out, "ListHealthChecksResponse");
    pugi::xml_node list = r.append_child("HealthChecks");
    for (const size_t from = i; i < checks.size() && i - from < *page; ++i) xml::write_health_check(list, checks[i]);
    xml::add_text(r, "Marker", marker != nullptr ? *marker : "");
    xml::add_text(r, "IsTruncated", i < checks.size() ? "true" : "false");
    if (i < checks.size()) xml::add_text(r, "NextMarker", checks[i].check.id);
    xml::add_text(r, "MaxItems", std::to_string(*page));
    return xml_response(out, c.call.request_id);
}

// Route 53's UpdateHealthCheck: the request's fields replace the current configuration's,
// ResetElements return fields to their defaults, HealthCheckVersion (if given) must match.
Response update_health_check(const Context& c) {
    pugi::xml_document doc;
    Response error;
    if (!parse_body(c, "UpdateHealthCheckRequest", doc, &error)) return error;
    auto current = c.service.health_check(c.id());
    if (!current) return no_such_check(c, c.id());
    nlohmann::json request;
    if (!element_json(c, doc.document_element(), &request, &error)) {
        request = nlohmann::json::object();  // an empty update leaves the check as it is
    }
    std::optional<uint64_t> expected;
    nlohmann::json config = xml::health_check_config_json(current->check);
    for (const auto& [key, value] : request.items()) {
        if (key == "HealthCheckVersion") {
            const std::string v = value.is_string() ? value.get<std::string>() : "";
            if (v.empty() || v.size() > 18 || v.find_first_not_of("0123456789") != std::string::npos) {
                return invalid_input(c, "HealthCheckVersion must be a whole number");
            }
            expected = std::stoull(v);
        } else if (key == "ResetElements") {
            for (const auto& name : value) {
                const std::string n = name.is_string() ? name.get<std::string>() : "";
                if (n != "FullyQualifiedDomainName" && n != "Regions" && n != "ResourcePath" &&
                    n != "ChildHealthChecks") {
                    return invalid_input(c, "ResetElements: \"" + n + "\" cannot be reset");
                }
                config.erase(n);
            }
        } else if (key == "Type") {
            return invalid_input(c, "The Type of a health check cannot be changed");
        } else {
            config[key] = value;
        }
    }
    auto check = xml::parse_health_check_config(config);
    if (!check.ok()) return invalid_input(c, "Invalid HealthCheckConfig: " + check.error().message);
    check->id = c.id();
    auto updated = c.service.update_health_check(c.id(), expected, std::move(*check));
    if (!updated.ok()) return service_error(updated.error(), c.call.request_id);
    return health_check_response(c, "UpdateHealthCheckResponse", updated.value(), 200);
}

Response delete_health_check(const Context& c) {
    auto deleted = c.service.delete_health_check(c.id());
    if (!deleted.ok()) return service_error(deleted.error(), c.call.request_id);
    pugi::xml_document out;
    xml::start(out, "DeleteHealthCheckResponse");
    return xml_response(out, c.call.request_id);
}

Response get_health_check_status(const Context& c) {
    auto status = c.service.health_check_status(c.id());
    if (!status.ok()) return service_error(status.error(), c.call.request_id);
    pugi::xml_document out;
    pugi::xml_node list = xml::start(out, "GetHealthCheckStatusResponse").append_child("HealthCheckObservations");
    for (const change::HealthObservation& o : status.value()) {
        pugi::xml_node n = list.append_child("HealthCheckObservation");
        xml::add_text(n, "Region", o.checker);
        pugi::xml_node report = n.append_child("StatusReport");
        std::string text = o.healthy ? "Success" : "Failure";
        if (!o.reason.empty()) text += ": " + o.reason;
        xml::add_text(report, "Status", text);
        if (o.checked_ms != 0) xml::add_text(report, "CheckedTime", xml::iso_time(o.checked_ms));
    }
    return xml_response(out, c.call.request_id);
}

Response test_dns_answer(const Context& c) {
    const Request& req = c.request();
    const std::string* zone = req.query_param("hostedzoneid");
    const std::string* name = req.query_param("recordname");
    const std::string* type = req.query_param("recordtype");
    if (zone == nullptr || name == nullptr || type == nullptr) {
        return invalid_input(c, "TestDNSAnswer needs hostedzoneid, recordname and recordtype");
    }
    auto param = [&](const char* k) {
        const std::string* v = req.query_param(k);
        return v != nullptr ? *v : std::string();
    };
    std::optional<int> mask;
    if (const std::string* m = req.query_param("edns0clientsubnetmask"); m != nullptr && !m->empty()) {
        if (m->size() > 3 || m->find_first_not_of("0123456789") != std::string::npos || std::stoi(*m) > 128) {
            return invalid_input(c, "EDNS0ClientSubnetMask must be a whole number from 0 to 128");
        }
        mask = std::stoi(*m);
    }
    auto answer = c.service.test_dns_answer(*zone, *name, *type, param("resolverip"), param("edns0clientsubnetip"),
                                            mask);
    if (!answer.ok()) return service_error(answer.error(), c.call.request_id);
    const change::DnsAnswerTest& a = answer.value();
    pugi::xml_document out;
    pugi::xml_node r = xml::start(out, "TestDNSAnswerResponse");
    xml::add_text(r, "Nameserver", a.nameserver);
    xml::add_text(r, "RecordName", a.record_name);
    xml::add_text(r, "RecordType", a.record_type);
    pugi::xml_node data = r.append_child("RecordData");
    for (const std::string& d : a.record_data) xml::add_text(data, "RecordDataEntry", d);
    xml::add_text(r, "ResponseCode", a.response_code);
    xml::add_text(r, "Protocol", a.protocol);
    return xml_response(out, c.call.request_id);
}

}  // namespace fz::api::ops
