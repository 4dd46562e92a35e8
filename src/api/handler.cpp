// Routing, authentication and Route 53's error responses (cold).
#include "api/handler.h"

#include <chrono>
#include <cstdio>
#include <exception>
#include <random>
#include <vector>

#include "api/operations.h"
#include "api/xml.h"

namespace fz::api {
namespace {

constexpr std::string_view kVersionPrefix = "/2013-04-01/";

using Operation = Response (*)(const ops::Context&);

struct Route {
    const char* method;
    const char* first;  // first path segment after /2013-04-01/
    int segments;       // 1: /first, 2: /first/{id}, 3: /first/{id}/last, 4: /first/{id}/{name}/last
    const char* last;   // the last segment when fixed (3 or 4 segments), or null: {name}
    const char* name;   // Route 53's operation name
    Operation run;
    bool zone_resource;  // the id (or ?hostedzoneid) is a hosted zone the key must be granted
};

constexpr Route kRoutes[] = {
    {"POST", "hostedzone", 1, nullptr, "CreateHostedZone", ops::create_hosted_zone, false},
    {"GET", "hostedzone", 1, nullptr, "ListHostedZones", ops::list_hosted_zones, false},
    {"GET", "hostedzone", 2, nullptr, "GetHostedZone", ops::get_hosted_zone, true},
    {"DELETE", "hostedzone", 2, nullptr, "DeleteHostedZone", ops::delete_hosted_zone, true},
    {"POST", "hostedzone", 3, "rrset", "ChangeResourceRecordSets", ops::change_resource_record_sets, true},
    {"GET", "hostedzone", 3, "rrset", "ListResourceRecordSets", ops::list_resource_record_sets, true},
    {"GET", "hostedzonesbyname", 1, nullptr, "ListHostedZonesByName", ops::list_hosted_zones_by_name, false},
    {"GET", "hostedzonecount", 1, nullptr, "GetHostedZoneCount", ops::get_hosted_zone_count, false},
    {"GET", "healthcheckcount", 1, nullptr, "GetHealthCheckCount", ops::get_health_check_count, false},
    {"GET", "change", 2, nullptr, "GetChange", ops::get_change, false},
    {"POST", "healthcheck", 1, nullptr, "CreateHealthCheck", ops::create_health_check, false},
    {"GET", "healthcheck", 1, nullptr, "ListHealthChecks", ops::list_health_checks, false},
    {"GET", "healthcheck", 2, nullptr, "GetHealthCheck", ops::get_health_check, false},
    {"POST", "healthcheck", 2, nullptr, "UpdateHealthCheck", ops::update_health_check, false},
    {"DELETE", "healthcheck", 2, nullptr, "DeleteHealthCheck", ops::delete_health_check, false},
    {"GET", "healthcheck", 3, "status", "GetHealthCheckStatus", ops::get_health_check_status, false},
    {"GET", "testdnsanswer", 1, nullptr, "TestDNSAnswer", ops::test_dns_answer, true},
    {"POST", "hostedzone", 3, "enable-dnssec", "EnableHostedZoneDNSSEC", ops::enable_hosted_zone_dnssec, true},
    {"POST", "hostedzone", 3, "disable-dnssec", "DisableHostedZoneDNSSEC", ops::disable_hosted_zone_dnssec, true},
    {"GET", "hostedzone", 3, "dnssec", "GetDNSSEC", ops::get_dnssec, true},
    // CreateKeySigningKey names its zone in the body, and checks the grant itself.
    {"POST", "keysigningkey", 1, nullptr, "CreateKeySigningKey", ops::create_key_signing_key, false},
    {"POST", "keysigningkey", 4, "activate", "ActivateKeySigningKey", ops::activate_key_signing_key, true},
    {"POST", "keysigningkey", 4, "deactivate", "DeactivateKeySigningKey", ops::deactivate_key_signing_key, true},
    {"DELETE", "keysigningkey", 3, nullptr, "DeleteKeySigningKey", ops::delete_key_signing_key, true},
};

std::vector<std::string> split_path(std::string_view path) {
    std::vector<std::string> out;
    size_t i = 0;
    while (i < path.size()) {
        size_t j = path.find('/', i);
        if (j == std::string_view::npos) j = path.size();
        if (j > i) out.emplace_back(path.substr(i, j - i));
        i = j + 1;
    }
    return out;
}

// The route for `method` and `path`; `*known_path` says whether another method would match.
const Route* find_route(std::string_view method, std::string_view path, std::string* id, std::string* name,
                        bool* known_path) {
    *known_path = false;
    if (path.substr(0, kVersionPrefix.size()) != kVersionPrefix) return nullptr;
    const std::vector<std::string> seg = split_path(path.substr(kVersionPrefix.size()));
    for (const Route& r : kRoutes) {
        if (static_cast<int>(seg.size()) != r.segments || seg[0] != r.first) continue;
        if (r.last != nullptr && seg.back() != r.last) continue;
        *known_path = true;
        if (method != r.method) continue;
        *id = seg.size() >= 2 ? seg[1] : "";
        *name = seg.size() >= 3 && (r.last == nullptr || seg.size() == 4) ? seg[2] : "";
        return &r;
    }
    return nullptr;
}

}  // namespace

const std::string* Request::query_param(std::string_view name) const {
    for (const auto& [k, v] : query) {
        if (k == name) return &v;
    }
    return nullptr;
}

std::string Response::header(std::string_view name) const {
    for (const auto& [k, v] : headers) {
        if (k == name) return v;
    }
    return {};
}

unsigned status_of(std::string_view code) {
    struct Status {
        const char* code;
        unsigned status;
    };
    static constexpr Status kStatuses[] = {
        {"NoSuchHostedZone", 404},
        {"NoSuchChange", 404},
        {"NoSuchHealthCheck", 404},
        {"NoSuchKeySigningKey", 404},
        {"KeySigningKeyAlreadyExists", 409},
        {"HostedZoneAlreadyExists", 409},
        {"HealthCheckAlreadyExists", 409},
        {"HealthCheckVersionMismatch", 409},
        {"ServiceUnavailable", 503},
        {"Throttling", 400},
        {"AccessDenied", 403},
        {"InvalidClientTokenId", 403},
        {"SignatureDoesNotMatch", 403},
        {"MissingAuthenticationToken", 403},
        {"InternalFailure", 500},
    };
    for (const Status& s : kStatuses) {
        if (code == s.code) return s.status;
    }
    return 400;  // InvalidInput, InvalidChangeBatch, HostedZoneNotEmpty, HealthCheckInUse, InvalidDomainName, ...
}

Response error_response(unsigned status, std::string_view code, std::string_view message, const std::string& request_id,
                        const std::vector<std::string>& messages) {
    pugi::xml_document doc;
    pugi::xml_node root = xml::start(doc, "ErrorResponse");
    pugi::xml_node e = root.append_child("Error");
    xml::add_text(e, "Type", status >= 500 ? "Receiver" : "Sender");
    xml::add_text(e, "Code", code);
    xml::add_text(e, "Message", message);
    if (!messages.empty()) {
        pugi::xml_node list = e.append_child("Messages");
        for (const std::string& m : messages) xml::add_text(list, "Message", m);
    }
    xml::add_text(root, "RequestId", request_id);
    return ops::xml_response(doc, request_id, status);
}

Response service_error(const change::ServiceError& error, const std::string& request_id) {
    return error_response(status_of(error.code), error.code, error.message, request_id, error.messages);
}

Handler::Handler(change::Service& service, Credentials credentials, HandlerOptions options)
    : service_(service),
      credentials_(std::make_shared<const Credentials>(std::move(credentials))),
      options_(std::move(options)) {
    if (!options_.clock) {
        options_.clock = [] {
            return static_cast<int64_t>(
                std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
                    .count());
        };
    }
}

Response Handler::handle(const Request& request) {
    // A request id in the form Route 53 gives them: random per process, counted per request.
    static const uint64_t seed = std::random_device{}() * 0x9E3779B97F4A7C15ull;
    const uint64_t n = requests_.fetch_add(1, std::memory_order_relaxed);  // only uniqueness matters
    const uint64_t mixed = seed ^ (n * 0xBF58476D1CE4E5B9ull);
    char id[40];
    std::snprintf(id, sizeof id, "%08x-%04x-%04x-%04x-%012llx", static_cast<unsigned>(seed >> 32),
                  static_cast<unsigned>(n >> 32 & 0xffff), static_cast<unsigned>(n >> 16 & 0xffff),
                  static_cast<unsigned>(n & 0xffff), static_cast<unsigned long long>(mixed & 0xffffffffffffull));
    Call call{request, id, "", ""};
    try {
        return dispatch(call);
    } catch (const std::exception& e) {
        // Nothing may escape to the HTTP server's C frames; the service does not throw by
        // contract, but allocation can.
        return error_response(500, "InternalFailure", std::string("internal error: ") + e.what(), call.request_id);
    }
}

void Handler::set_credentials(Credentials credentials) {
    auto next = std::make_shared<const Credentials>(std::move(credentials));
    std::lock_guard lock(credentials_mutex_);
    credentials_ = std::move(next);
}

Response Handler::authenticate(const Call& call, const Credentials& credentials, const AccessKey** key) {
    const std::string auth_header = header_value(call.request.headers, "authorization");
    if (auth_header.empty()) {
        return error_response(403, "MissingAuthenticationToken", "Missing Authentication Token", call.request_id);
    }
    auto auth = parse_authorization(auth_header);
    if (!auth.ok()) return error_response(400, "IncompleteSignature", auth.error().message, call.request_id);
    *key = credentials.find(auth->access_key_id);
    if (*key == nullptr) {
        return error_response(403, "InvalidClientTokenId", "The security token included in the request is invalid.",
                              call.request_id);
    }
    VerifyResult v = verify_request(call.request, *auth, (*key)->secret, options_.clock());
    switch (v.verdict) {
        case Verdict::kOk: break;
        case Verdict::kIncomplete: return error_response(400, "IncompleteSignature", v.message, call.request_id);
        case Verdict::kExpired:
        case Verdict::kSignatureMismatch:
            return error_response(403, "SignatureDoesNotMatch", v.message, call.request_id);
    }
    return Response{0, {}, {}};
}

Response Handler::dispatch(Call& call) {
    const Request& r = call.request;
    if (r.body.size() > options_.max_body) {
        return error_response(400, "InvalidInput",
                              "The request body is larger than " + std::to_string(options_.max_body) + " bytes",
                              call.request_id);
    }
    std::shared_ptr<const Credentials> credentials;
    {
        std::lock_guard lock(credentials_mutex_);
        credentials = credentials_;  // held to the end: `key` points into it
    }
    const AccessKey* key = nullptr;
    if (Response denied = authenticate(call, *credentials, &key); denied.status != 0) return denied;

    bool known_path = false;
    const Route* route = find_route(r.method, r.path, &call.resource, &call.subresource, &known_path);
    if (route == nullptr) {
        if (known_path) {
            return error_response(405, "MethodNotAllowed", "The method " + r.method + " is not allowed on " + r.path,
                                  call.request_id);
        }
        return error_response(404, "UnknownOperationException", "No Route 53 operation at " + r.method + " " + r.path,
                              call.request_id);
    }
    call.operation = route->name;
    std::string zone;
    if (route->zone_resource) {
        const std::string* q = r.query_param("hostedzoneid");
        zone = call.resource.empty() && q != nullptr ? *q : call.resource;
    }
    if (!key->allows(route->name, zone)) {
        std::string resource = zone.empty() ? "*" : "hostedzone/" + zone;
        if (!route->zone_resource && !call.resource.empty()) resource = std::string(route->first) + "/" + call.resource;
        return error_response(403, "AccessDenied",
                              "User: " + key->access_key_id + " is not authorized to perform: route53:" + route->name +
                                  " on resource: arn:aws:route53:::" + resource,
                              call.request_id);
    }
    ops::Context context{service_, call, options_, *key};
    return route->run(context);
}

namespace ops {

Response xml_response(const pugi::xml_document& doc, const std::string& request_id, unsigned status) {
    Response out;
    out.status = status;
    out.body = xml::to_string(doc);
    out.headers.emplace_back("Content-Type", "text/xml");
    out.headers.emplace_back("x-amz-request-id", request_id);
    return out;
}

Response invalid_input(const Context& c, const std::string& message) {
    return error_response(400, "InvalidInput", message, c.call.request_id);
}

bool parse_body(const Context& c, const char* root, pugi::xml_document& doc, Response* error) {
    const std::string& body = c.request().body;
    pugi::xml_parse_result r = doc.load_buffer(body.data(), body.size(), pugi::parse_default, pugi::encoding_utf8);
    if (!r) {
        *error = invalid_input(c, std::string("The XML document is malformed: ") + r.description() + " at offset " +
                                      std::to_string(r.offset));
        return false;
    }
    if (!doc.document_element() || xml::local_name(doc.document_element()) != root) {
        *error = invalid_input(c, std::string("The request body must be a ") + root + " element");
        return false;
    }
    return true;
}

std::optional<size_t> max_items(const Request& r, size_t fallback, size_t cap) {
    const std::string* v = r.query_param("maxitems");
    if (v == nullptr) return fallback;
    if (v->empty() || v->size() > 9 || v->find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
    const size_t n = std::stoul(*v);
    if (n == 0) return std::nullopt;
    return n > cap ? cap : n;
}

std::vector<change::ZoneSummary> visible_zones(const Context& c) {
    std::vector<change::ZoneSummary> zones = c.service.zones();
    std::erase_if(zones, [&](const change::ZoneSummary& z) { return !c.key.allows(c.call.operation, z.id); });
    return zones;
}

std::string location(const Context& c, const std::string& path) {
    std::string host = header_value(c.request().headers, "host");
    if (host.empty()) host = "route53.amazonaws.com";
    std::string out = c.options.scheme + "://" + host + "/2013-04-01/";
    return out + path;
}

}  // namespace ops
}  // namespace fz::api
