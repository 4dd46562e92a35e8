// The stores' JSON forms.
#include "store/codec.h"

#include <nlohmann/json.hpp>

#include <set>

#include "policy/health_check.h"
#include "policy/record_set.h"

namespace fz::store {
namespace {

// A check's ChildHealthChecks from its stored JSON (a CALCULATED check), or nullopt when
// the row is not a JSON object.
std::optional<std::vector<std::string>> child_ids_of(const std::string& json) {
    const nlohmann::json j = nlohmann::json::parse(json, nullptr, false);
    if (j.is_discarded() || !j.is_object()) return std::nullopt;
    std::vector<std::string> out;
    auto cfg = j.find("HealthCheckConfig");
    if (cfg == j.end() || !cfg->is_object()) return out;
    auto children = cfg->find("ChildHealthChecks");
    if (children == cfg->end() || !children->is_array()) return out;
    for (const auto& c : *children) {
        if (c.is_string()) out.push_back(c.get<std::string>());
    }
    return out;
}

}  // namespace

// Record sets as a JSON list, one per line.
std::string record_sets_json(const std::vector<policy::RecordSet>& sets) {
    std::string out = "[\n";
    for (size_t i = 0; i < sets.size(); ++i) {
        if (i != 0) out += ",\n";
        out += policy::record_set_to_json(sets[i]);
    }
    out += "\n]";
    return out;
}

// Parses a list of stored record sets (record_sets_json's form) for zone `origin`; an error
// is "store: <context>: <the parser's message>".
Result<std::vector<policy::RecordSet>> parse_rows(std::string_view text, const std::string& file,
                                                  const dns::Name& origin, const std::string& context) {
    auto parsed = policy::parse_record_sets_text(text, file, origin, policy::RecordSetOptions{.any_type = true});
    if (!parsed.ok()) return Error{file, 0, "store: " + context + ": " + parsed.error().message};
    // The lines are those of the text built here, which mean nothing to anyone else.
    for (policy::RecordSet& rs : parsed->record_sets) rs.line = 0;
    return std::move(parsed->record_sets);
}

// A zone's signing state as one JSON row (the keys' texts as BIND writes them).
std::string signing_json(const change::ZoneSigning& signing) {
    nlohmann::json keys = nlohmann::json::array();
    for (const change::ZoneKey& k : signing.keys) {
        keys.push_back({{"Name", k.name},
                        {"Ksk", k.ksk},
                        {"KmsArn", k.kms_arn},
                        {"Active", k.active},
                        {"Tag", k.tag},
                        {"Public", k.public_text},
                        {"Private", k.private_text},
                        {"CreatedMs", k.created_ms},
                        {"ModifiedMs", k.modified_ms}});
    }
    return nlohmann::json{{"Enabled", signing.enabled}, {"ModifiedMs", signing.modified_ms}, {"Keys", keys}}.dump();
}

std::optional<change::ZoneSigning> signing_of(const std::string& text) {
    const nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
    if (j.is_discarded() || !j.is_object()) return std::nullopt;
    try {
        change::ZoneSigning out;
        out.enabled = j.at("Enabled").get<bool>();
        out.modified_ms = j.at("ModifiedMs").get<int64_t>();
        for (const auto& k : j.at("Keys")) {
            change::ZoneKey key;
            key.name = k.at("Name").get<std::string>();
            key.ksk = k.at("Ksk").get<bool>();
            key.kms_arn = k.at("KmsArn").get<std::string>();
            key.active = k.at("Active").get<bool>();
            key.tag = k.at("Tag").get<uint16_t>();
            key.public_text = k.at("Public").get<std::string>();
            key.private_text = k.at("Private").get<std::string>();
            key.created_ms = k.at("CreatedMs").get<int64_t>();
            key.modified_ms = k.at("ModifiedMs").get<int64_t>();
            out.keys.push_back(std::move(key));
        }
        return out;
    } catch (const nlohmann::json::exception&) {
        return std::nullopt;
    }
}

Result<change::HealthCheckRecord> health_check_of(const std::string& id, const std::string& caller_reference,
                                                  uint64_t version, const std::string& json, const std::string& file) {
    change::HealthCheckRecord record;
    record.caller_reference = caller_reference;
    record.version = version;
    auto child_ids = child_ids_of(json);
    if (!child_ids) return Error{file, 0, "store: health check " + id + ": the stored row is not JSON"};
    std::string text = "[\n" + json;
    for (const std::string& child : std::set<std::string>(child_ids->begin(), child_ids->end())) {
        if (child == id) continue;
        nlohmann::json stand_in = {{"Id", child},
                                   {"HealthCheckConfig", {{"Type", "TCP"}, {"IPAddress", "192.0.2.1"}, {"Port", 1}}}};
        text += ",\n" + stand_in.dump();
    }
    text += "\n]";
    auto parsed = policy::parse_health_checks_text(text, file);
    if (!parsed.ok()) return Error{file, 0, "store: health check " + id + ": " + parsed.error().message};
    record.check = std::move(parsed->checks.front());
    record.check.children.clear();
    record.check.line = 0;
    return record;
}

std::string history_json(const change::HistoryEntry& e) {
    return nlohmann::json{{"ChangeId", e.change_id},
                          {"ZoneId", e.zone_id},
                          {"SubmittedMs", e.submitted_ms},
                          {"Comment", e.comment},
                          {"SerialBefore", e.serial_before},
                          {"SerialAfter", e.serial_after},
                          {"Version", e.version},
                          {"Removed", record_sets_json(e.removed)},
                          {"Added", record_sets_json(e.added)}}
        .dump();
}

Result<change::HistoryEntry> history_of(const std::string& text, const dns::Name& origin, const std::string& file) {
    const nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
    if (j.is_discarded() || !j.is_object()) return Error{file, 0, "store: a history entry is not JSON"};
    change::HistoryEntry e;
    try {
        e.change_id = j.at("ChangeId").get<std::string>();
        e.zone_id = j.at("ZoneId").get<std::string>();
        e.submitted_ms = j.at("SubmittedMs").get<int64_t>();
        e.comment = j.at("Comment").get<std::string>();
        e.serial_before = j.at("SerialBefore").get<uint32_t>();
        e.serial_after = j.at("SerialAfter").get<uint32_t>();
        e.version = j.at("Version").get<uint64_t>();
        const std::string context = "zone " + e.zone_id + " change " + e.change_id;
        auto removed = parse_rows(j.at("Removed").get<std::string>(), file, origin, context + " (removed)");
        if (!removed.ok()) return removed.error();
        auto added = parse_rows(j.at("Added").get<std::string>(), file, origin, context + " (added)");
        if (!added.ok()) return added.error();
        e.removed = std::move(*removed);
        e.added = std::move(*added);
    } catch (const nlohmann::json::exception& ex) {
        return Error{file, 0, std::string("store: a history entry: ") + ex.what()};
    }
    return e;
}

}  // namespace fz::store
