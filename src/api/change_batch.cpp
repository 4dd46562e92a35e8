// Reading a ChangeBatch from XML through the record-set parser (cold).
#include "api/change_batch.h"

#include <pugixml.hpp>

#include <exception>
#include <string>

#include "api/xml.h"
#include "policy/record_set.h"

namespace fz::api {
namespace {

change::ServiceError invalid_input(std::string message) {
    return change::ServiceError{"InvalidInput", std::move(message), {}};
}

bool action_of(std::string_view text, change::Action* out) {
    if (text == "CREATE") {
        *out = change::Action::kCreate;
    } else if (text == "DELETE") {
        *out = change::Action::kDelete;
    } else if (text == "UPSERT") {
        *out = change::Action::kUpsert;
    } else {
        return false;
    }
    return true;
}

// Counts the batch against Route 53's quotas; the first one exceeded, or "".
std::string over_limits(const pugi::xml_node& changes, const ChangeBatchLimits& limits) {
    size_t records = 0, chars = 0;
    for (pugi::xml_node c = changes.first_child(); c; c = c.next_sibling()) {
        if (c.type() != pugi::node_element) continue;
        const size_t weight = xml::child_text(c, "Action") == "UPSERT" ? 2 : 1;
        pugi::xml_node list = xml::child(xml::child(c, "ResourceRecordSet"), "ResourceRecords");
        for (pugi::xml_node r = list.first_child(); r; r = r.next_sibling()) {
            if (r.type() != pugi::node_element) continue;
            const std::string value = xml::child_text(r, "Value");
            if (value.size() > limits.max_value) {
                return "a Value is longer than " + std::to_string(limits.max_value) + " characters";
            }
            records += weight;
            chars += weight * value.size();
        }
    }
    if (records > limits.max_records) {
        return "Number of records limit of " + std::to_string(limits.max_records) + " exceeded.";
    }
    if (chars > limits.max_value_chars) {
        return "Number of characters limit of " + std::to_string(limits.max_value_chars) + " exceeded.";
    }
    return {};
}

// One Change element: its action and record set, or the message that names the problem.
// `schema` is set when the element does not follow the request's schema (Route 53 answers
// those InvalidInput, and problems with a record set's content InvalidChangeBatch).
std::string parse_change(const pugi::xml_node& c, size_t index, const dns::Name& origin, change::Change* out,
                         bool* schema) {
    const std::string where = "change #" + std::to_string(index + 1) + ": ";
    *schema = true;
    if (xml::local_name(c) != "Change") return where + "unexpected element " + std::string(xml::local_name(c));
    const std::string action = xml::child_text(c, "Action");
    if (!action_of(action, &out->action)) {
        return where + "Action \"" + action + "\" is not one of CREATE, DELETE, UPSERT";
    }
    *schema = false;
    pugi::xml_node set = xml::child(c, "ResourceRecordSet");
    if (!set) return where + "missing ResourceRecordSet";
    nlohmann::json rs;
    if (std::string e = xml::to_json(set, &rs); !e.empty()) return where + e;
    if (!rs.is_object()) return where + "ResourceRecordSet must have Name and Type";
    nlohmann::json doc = {{"ResourceRecordSets", nlohmann::json::array({rs})}};
    auto parsed = policy::parse_record_sets_text(doc.dump(), "request", origin, policy::RecordSetOptions{false});
    if (!parsed.ok()) return parsed.error().message;
    if (parsed->record_sets.size() != 1) return where + "expected one record set";
    out->record_set = std::move(parsed->record_sets.front());
    out->record_set.line = 0;
    // Route 53 keeps names in lower case (and lists them so): a DELETE copied from a
    // listing then matches whatever case the CREATE used.
    out->record_set.name = out->record_set.name.lowered();
    if (out->record_set.alias()) out->record_set.edit().alias->dns_name = out->record_set.alias()->dns_name.lowered();
    return {};
}

change::Outcome<change::Batch> parse_document(const pugi::xml_document& doc, const dns::Name& origin,
                                              const ChangeBatchLimits& limits) {
    pugi::xml_node root = doc.document_element();
    if (!root || xml::local_name(root) != "ChangeResourceRecordSetsRequest") {
        return invalid_input("The request body must be a ChangeResourceRecordSetsRequest element");
    }
    pugi::xml_node batch_node = xml::child(root, "ChangeBatch");
    if (!batch_node) return invalid_input("Invalid request: missing ChangeBatch");
    pugi::xml_node changes = xml::child(batch_node, "Changes");
    if (!changes || !xml::child(changes, "Change")) return invalid_input("Invalid request: ChangeBatch has no Changes");
    if (std::string e = over_limits(changes, limits); !e.empty()) {
        return change::ServiceError{"InvalidChangeBatch", e, {e}};
    }
    change::Batch batch;
    batch.comment = xml::child_text(batch_node, "Comment");
    if (batch.comment.size() > 256) return invalid_input("Comment is longer than 256 characters");
    std::vector<std::string> problems;
    size_t index = 0;
    for (pugi::xml_node c = changes.first_child(); c; c = c.next_sibling()) {
        if (c.type() != pugi::node_element) continue;
        change::Change ch;
        bool schema = false;
        if (std::string e = parse_change(c, index++, origin, &ch, &schema); !e.empty()) {
            if (schema) return invalid_input("Invalid XML ; " + e);
            problems.push_back(std::move(e));
        } else {
            batch.changes.push_back(std::move(ch));
        }
    }
    if (!problems.empty()) {
        std::string joined;
        for (const std::string& p : problems) joined += (joined.empty() ? "" : ", ") + p;
        return change::ServiceError{"InvalidChangeBatch", "[" + joined + "]", problems};
    }
    return batch;
}

}  // namespace

change::Outcome<change::Batch> parse_change_batch(std::string_view body, const dns::Name& origin,
                                                  const ChangeBatchLimits& limits) {
    try {
        pugi::xml_document doc;
        pugi::xml_parse_result r = doc.load_buffer(body.data(), body.size(), pugi::parse_default, pugi::encoding_utf8);
        if (!r) {
            return invalid_input(std::string("The XML document is malformed: ") + r.description() + " at offset " +
                                 std::to_string(r.offset));
        }
        return parse_document(doc, origin, limits);
    } catch (const std::exception& e) {
        // pugixml and nlohmann::json throw on allocation failure and bad UTF-8 in dump().
        return invalid_input(std::string("The request could not be read: ") + e.what());
    }
}

}  // namespace fz::api
