// Hosted zones, record sets and changes: the operations that read and change zones (cold).
#include <algorithm>

#include "api/operations.h"
#include "api/xml.h"
#include "change/content.h"
#include "dns/rrtype.h"

namespace fz::api::ops {
namespace {

constexpr size_t kZonePage = 100;    // ListHostedZones / ListHostedZonesByName default and cap
constexpr size_t kRecordPage = 300;  // ListResourceRecordSets default and cap

Response no_such_zone(const Context& c, const std::string& id) {
    return error_response(404, "NoSuchHostedZone", "No hosted zone found with ID: " + id, c.call.request_id);
}

change::ZoneSummary summary_of(const change::ZoneContent& z) {
    change::ZoneSummary s;
    s.id = z.id;
    s.origin = z.origin;
    s.caller_reference = z.caller_reference;
    s.comment = z.comment;
    s.record_set_count = z.record_sets.size();
    s.file_managed = z.from_file;
    return s;
}

// The zone's delegation: its apex NS record set, or the server's name servers.
std::vector<std::string> name_servers_of(const Context& c, const change::ZoneContent* zone) {
    if (zone != nullptr) {
        const policy::RecordSet* ns = zone->find(change::key_of(zone->origin, dns::type::NS));
        if (ns != nullptr && !ns->values.empty()) return ns->values;
    }
    return c.service.name_servers();
}

}  // namespace

Response create_hosted_zone(const Context& c) {
    pugi::xml_document doc;
    Response error;
    if (!parse_body(c, "CreateHostedZoneRequest", doc, &error)) return error;
    pugi::xml_node root = doc.document_element();
    const std::string name_text = xml::child_text(root, "Name");
    const std::string caller = xml::child_text(root, "CallerReference");
    if (name_text.empty()) return invalid_input(c, "Invalid request: missing Name");
    if (caller.empty() || caller.size() > 128) return invalid_input(c, "CallerReference must be 1-128 characters");
    pugi::xml_node config = xml::child(root, "HostedZoneConfig");
    const std::string comment = xml::child_text(config, "Comment");
    if (comment.size() > 256) return invalid_input(c, "Comment is longer than 256 characters");
    if (xml::child_text(config, "PrivateZone") == "true" || xml::child(root, "VPC")) {
        return invalid_input(c, "Private hosted zones (VPC) are not supported by this server");
    }
    if (xml::child(root, "DelegationSetId")) {
        return error_response(400, "NoSuchDelegationSet", "Reusable delegation sets are not supported by this server",
                              c.call.request_id);
    }
    auto origin = policy::route53_name(name_text);
    if (!origin.ok()) {
        return error_response(400, "InvalidDomainName", "Invalid domain name: " + name_text, c.call.request_id);
    }
    auto created = c.service.create_zone(*origin, caller, comment);
    if (!created.ok()) return service_error(created.error(), c.call.request_id);
    const change::ZoneContent& zone = *created->zone;

    pugi::xml_document out;
    pugi::xml_node r = xml::start(out, "CreateHostedZoneResponse");
    xml::write_hosted_zone(r, summary_of(zone));
    xml::write_change_info(r, created->change);
    xml::write_delegation_set(r, created->name_servers.empty() ? name_servers_of(c, &zone) : created->name_servers);
    Response resp = xml_response(out, c.call.request_id, 201);
    resp.headers.emplace_back("Location", location(c, "hostedzone/" + zone.id));
    return resp;
}

Response get_hosted_zone(const Context& c) {
    auto zone = c.service.zone(c.id());
    if (!zone) return no_such_zone(c, c.id());
    pugi::xml_document out;
    pugi::xml_node r = xml::start(out, "GetHostedZoneResponse");
    xml::write_hosted_zone(r, summary_of(*zone));
    xml::write_delegation_set(r, name_servers_of(c, zone.get()));
    return xml_response(out, c.call.request_id);
}

Response list_hosted_zones(const Context& c) {
    const auto page = max_items(c.request(), kZonePage, kZonePage);
    if (!page) return invalid_input(c, "MaxItems must be a whole number from 1 to 100");
    if (c.request().query_param("delegationsetid") != nullptr) {
        return error_response(400, "NoSuchDelegationSet", "Reusable delegation sets are not supported by this server",
                              c.call.request_id);
    }
    const std::vector<change::ZoneSummary> zones = c.service.zones();
    const std::string* marker = c.request().query_param("marker");
    size_t from = 0;
    if (marker != nullptr) {
        auto it = std::find_if(zones.begin(), zones.end(), [&](const auto& z) { return z.id == *marker; });
        if (it == zones.end()) return invalid_input(c, "Invalid marker: no hosted zone with ID " + *marker);
        from = static_cast<size_t>(it - zones.begin());
    }
    pugi::xml_document out;
    pugi::xml_node r = xml::start(out, "ListHostedZonesResponse");
    pugi::xml_node list = r.append_child("HostedZones");
    size_t i = from;
    for (; i < zones.size() && i - from < *page; ++i) xml::write_hosted_zone(list, zones[i]);
    xml::add_text(r, "Marker", marker != nullptr ? *marker : "");
    xml::add_text(r, "IsTruncated", i < zones.size() ? "true" : "false");
    if (i < zones.size()) xml::add_text(r, "NextMarker", zones[i].id);
    xml::add_text(r, "MaxItems", std::to_string(*page));
    return xml_response(out, c.call.request_id);
}

Response list_hosted_zones_by_name(const Context& c) {
    const Request& req = c.request();
    const auto page = max_items(req, kZonePage, kZonePage);
    if (!page) return invalid_input(c, "MaxItems must be a whole number from 1 to 100");
    const std::string* dns_name = req.query_param("dnsname");
    const std::string* zone_id = req.query_param("hostedzoneid");
    if (zone_id != nullptr && dns_name == nullptr) {
        return invalid_input(c, "HostedZoneId can be given only with DNSName");
    }
    std::pair<std::string, std::string> start;  // (reversed name, id): the zones' list order
    if (dns_name != nullptr) {
        auto name = policy::route53_name(*dns_name);
        if (!name.ok())
            return error_response(400, "InvalidDomainName", "Invalid domain name: " + *dns_name, c.call.request_id);
        start = {change::reversed_name(*name), zone_id != nullptr ? *zone_id : ""};
    }
    const std::vector<change::ZoneSummary> zones = c.service.zones();
    size_t i = 0;
    while (i < zones.size() && std::make_pair(change::reversed_name(zones[i].origin), zones[i].id) < start) ++i;
    pugi::xml_document out;
    pugi::xml_node r = xml::start(out, "ListHostedZonesByNameResponse");
    pugi::xml_node list = r.append_child("HostedZones");
    const size_t from = i;
    for (; i < zones.size() && i - from < *page; ++i) xml::write_hosted_zone(list, zones[i]);
    if (dns_name != nullptr) xml::add_text(r, "DNSName", *dns_name);
    if (zone_id != nullptr) xml::add_text(r, "HostedZoneId", *zone_id);
    xml::add_text(r, "IsTruncated", i < zones.size() ? "true" : "false");
    if (i < zones.size()) {
        xml::add_text(r, "NextDNSName", xml::display_name(zones[i].origin));
        xml::add_text(r, "NextHostedZoneId", zones[i].id);
    }
    xml::add_text(r, "MaxItems", std::to_string(*page));
    return xml_response(out, c.call.request_id);
}

Response delete_hosted_zone(const Context& c) {
    auto deleted = c.service.delete_zone(c.id());
    if (!deleted.ok()) return service_error(deleted.error(), c.call.request_id);
    pugi::xml_document out;
    xml::write_change_info(xml::start(out, "DeleteHostedZoneResponse"), deleted.value());
    return xml_response(out, c.call.request_id);
}

Response change_resource_record_sets(const Context& c) {
    auto zone = c.service.zone(c.id());
    if (!zone) return no_such_zone(c, c.id());
    auto batch = parse_change_batch(c.request().body, zone->origin, c.options.limits);
    if (!batch.ok()) return service_error(batch.error(), c.call.request_id);
    auto submitted = c.service.submit(c.id(), batch.value());
    if (!submitted.ok()) return service_error(submitted.error(), c.call.request_id);
    pugi::xml_document out;
    xml::write_change_info(xml::start(out, "ChangeResourceRecordSetsResponse"), submitted.value());
    return xml_response(out, c.call.request_id);
}

Response list_resource_record_sets(const Context& c) {
    const Request& req = c.request();
    auto zone = c.service.zone(c.id());
    if (!zone) return no_such_zone(c, c.id());
    const auto page = max_items(req, kRecordPage, kRecordPage);
    if (!page) return invalid_input(c, "MaxItems must be a whole number from 1 to 300");
    const std::string* name_text = req.query_param("name");
    const std::string* type_text = req.query_param("type");
    const std::string* identifier = req.query_param("identifier");
    if (type_text != nullptr && name_text == nullptr) {
        return invalid_input(c, "The input is not valid: StartRecordType requires StartRecordName");
    }
    if (identifier != nullptr && type_text == nullptr) {
        return invalid_input(c, "The input is not valid: StartRecordIdentifier requires StartRecordType");
    }
    change::RecordSetKey start;
    if (name_text != nullptr) {
        auto name = policy::route53_name(*name_text);
        if (!name.ok()) return invalid_input(c, "Invalid StartRecordName: " + *name_text);
        start.reversed_name = change::reversed_name(*name);
        if (type_text != nullptr) {
            auto type = policy::route53_type(*type_text);
            if (!type) return invalid_input(c, "Invalid StartRecordType: " + *type_text);
            start = change::key_of(*name, *type, identifier != nullptr ? *identifier : "");
        }
    }
    const auto& sets = zone->record_sets;
    auto it = std::lower_bound(sets.begin(), sets.end(), start,
                               [](const policy::RecordSet& rs, const change::RecordSetKey& k) {
                                   return change::key_of(rs) < k;
                               });
    pugi::xml_document out;
    pugi::xml_node r = xml::start(out, "ListResourceRecordSetsResponse");
    pugi::xml_node list = r.append_child("ResourceRecordSets");
    size_t n = 0;
    for (; it != sets.end() && n < *page; ++it, ++n) xml::write_record_set(list, *it);
    xml::add_text(r, "IsTruncated", it != sets.end() ? "true" : "false");
    if (it != sets.end()) {
        xml::add_text(r, "NextRecordName", xml::display_name(it->name));
        xml::add_text(r, "NextRecordType", dns::type_to_text(it->type));
        if (!it->set_identifier.empty()) xml::add_text(r, "NextRecordIdentifier", it->set_identifier);
    }
    xml::add_text(r, "MaxItems", std::to_string(*page));
    return xml_response(out, c.call.request_id);
}

Response get_change(const Context& c) {
    auto info = c.service.change(c.id());
    if (!info.ok()) return service_error(info.error(), c.call.request_id);
    pugi::xml_document out;
    xml::write_change_info(xml::start(out, "GetChangeResponse"), info.value());
    return xml_response(out, c.call.request_id);
}

}  // namespace fz::api::ops
