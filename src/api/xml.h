// Route 53's XML as the API reads and writes it (pugixml): response documents in the
// 2013-04-01 namespace, the elements shared by several operations (HostedZone,
// ChangeInfo, ResourceRecordSet, HealthCheck), and request elements turned into the JSON
// shape that the record-set and health-check parsers already validate.
#pragma once

#include <pugixml.hpp>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <string_view>

#include "change/service.h"
#include "dns/name.h"
#include "policy/health_check.h"
#include "policy/record_set.h"

namespace fz::api::xml {

inline constexpr const char* kNamespace = "https://route53.amazonaws.com/doc/2013-04-01/";
// Request elements nest no deeper than this (GeoProximityLocation/Coordinates/Latitude
// inside a Change is the deepest Route 53 has); deeper input is refused, not recursed into.
inline constexpr int kMaxDepth = 12;

// The root element of a response, in Route 53's namespace, under an XML declaration.
pugi::xml_node start(pugi::xml_document& doc, const char* root);
std::string to_string(const pugi::xml_document& doc);
pugi::xml_node add_text(pugi::xml_node parent, const char* name, std::string_view value);

// "2017-03-27T17:48:16.751Z" (ISO 8601, UTC, milliseconds) from Unix milliseconds.
std::string iso_time(int64_t unix_ms);
// A name as Route 53 prints it: lower case (as the API stores names), final dot, '*' and
// other special bytes as \ooo octal.
std::string display_name(const dns::Name& name);
// An element's local name, without a namespace prefix.
std::string_view local_name(const pugi::xml_node& node);
// The first child element with this local name, or an empty node.
pugi::xml_node child(const pugi::xml_node& parent, std::string_view name);
// Its text, or `fallback` when there is no such child.
std::string child_text(const pugi::xml_node& parent, std::string_view name, const std::string& fallback = {});

void write_change_info(pugi::xml_node parent, const change::ChangeInfo& info);
void write_hosted_zone(pugi::xml_node parent, const change::ZoneSummary& zone);
void write_delegation_set(pugi::xml_node parent, const std::vector<std::string>& name_servers);
void write_record_set(pugi::xml_node parent, const policy::RecordSet& rs);
void write_health_check(pugi::xml_node parent, const change::HealthCheckRecord& record);

// A request element as Route 53's JSON shape: leaves become strings, elements with
// children objects, and the lists Route 53 wraps (ResourceRecords, ChildHealthChecks,
// Regions, ResetElements) arrays. An empty string on success, else the problem.
std::string to_json(const pugi::xml_node& element, nlohmann::json* out, int depth = 0);

// A health check's HealthCheckConfig as the health-checks file writes it (the inverse of
// its parser: what parse_health_checks_text reads back as the same configuration).
nlohmann::json health_check_config_json(const policy::HealthCheck& check);

// Parses `config` (HealthCheckConfig's JSON shape) as the health-checks file loader does.
// CALCULATED children are only named here (the service checks that they exist). The error
// is the parser's message without the file name.
Result<policy::HealthCheck> parse_health_check_config(const nlohmann::json& config);

}  // namespace fz::api::xml
