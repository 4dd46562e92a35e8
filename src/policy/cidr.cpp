// Parsing and compiling Route 53 CIDR collections (cold).
#include "policy/cidr.h"

#include <algorithm>
#include <map>
#include <set>

#include "policy/document.h"

namespace fz::policy {
namespace {

bool valid_location_name(const std::string& s) {
    return !s.empty() && s.size() <= 16 && std::all_of(s.begin(), s.end(), [](char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '-';
    });
}

Result<CidrCollectionSet> collections_from(const Result<Document>& doc) {
    if (!doc.ok()) return doc.error();
    CidrCollectionSet set;
    set.file = doc->file;
    std::set<std::string> ids;
    const nlohmann::json& list = doc->list();
    for (size_t i = 0; i < list.size(); ++i) {
        const nlohmann::json& item = list[i];
        auto c = std::make_shared<CidrCollection>();
        c->line = doc->line_of(i);
        auto fail = [&](const std::string& problem) {
            const std::string who = c->id.empty() ? "CIDR collection #" + std::to_string(i + 1)
                                                  : "CIDR collection \"" + c->id + "\"";
            return Error{doc->file, c->line, who + ": " + problem};
        };
        if (!item.is_object()) return fail("must be an object");
        std::vector<PrefixValue> v4, v6;
        std::map<std::string, std::string> location_of_block;  // canonical block -> location
        for (const auto& [key, value] : item.items()) {
            std::string e;
            if (key == "Id") {
                e = get_string(value, &c->id);
            } else if (key == "Name") {
                e = get_string(value, &c->name);
            } else if (key == "Arn" || key == "Version") {
                continue;  // printed by the API, meaningless here
            } else if (key == "Locations") {
                if (!value.is_array()) return fail("Locations must be a list");
                for (const auto& loc : value) {
                    CidrLocation l;
                    if (!loc.is_object() || !loc.contains("LocationName"))
                        return fail("a location has no LocationName");
                    if (std::string le = get_string(loc["LocationName"], &l.name); !le.empty()) {
                        return fail("LocationName " + le);
                    }
                    if (!valid_location_name(l.name)) {
                        return fail("LocationName \"" + l.name + "\" must be 1-16 characters of 0-9 A-Z a-z _ -");
                    }
                    if (c->find_location(l.name) >= 0) return fail("location \"" + l.name + "\" appears twice");
                    if (!loc.contains("CidrList") || !loc["CidrList"].is_array() || loc["CidrList"].empty()) {
                        return fail("location \"" + l.name + "\" needs a non-empty CidrList");
                    }
                    const auto index = static_cast<uint32_t>(c->locations.size());
                    for (const auto& b : loc["CidrList"]) {
                        std::string text;
                        if (std::string be = get_string(b, &text); !be.empty()) {
                            return fail("location \"" + l.name + "\": CidrList entry " + be);
                        }
                        unsigned bits = 0;
                        auto p = parse_prefix(text, &bits);
                        if (!p.ok()) return fail("location \"" + l.name + "\": " + p.error().message);
                        if ((bits == 32 && p->length > 24) || (bits == 128 && p->length > 48)) {
                            return fail("location \"" + l.name + "\": CIDR block " + text +
                                        " is longer than Route 53 allows (/24 for IPv4, /48 for IPv6)");
                        }
                        const std::string canonical = prefix_to_text(*p, bits);
                        if (auto [it, inserted] = location_of_block.emplace(canonical, l.name); !inserted) {
                            return fail("CIDR block " + canonical + " is in both \"" + it->second + "\" and \"" +
                                        l.name + "\"");
                        }
                        (bits == 32 ? v4 : v6).push_back(PrefixValue{*p, index});
                        l.blocks.push_back(canonical);
                    }
                    c->locations.push_back(std::move(l));
                }
            } else {
                e = "unknown field";
            }
            if (!e.empty()) return fail(key + " " + e);
        }
        if (c->id.empty()) return fail("missing Id");
        if (!ids.insert(c->id).second) return fail("duplicate Id");
        auto t4 = Lpm4Small::build(v4);
        auto t6 = Lpm6::build(v6);
        if (!t4.ok()) return fail(t4.error().message);
        if (!t6.ok()) return fail(t6.error().message);
        c->tables = {std::move(*t4), std::move(*t6)};
        set.collections.push_back(std::move(c));
    }
    return set;
}

}  // namespace

int64_t CidrCollection::find_location(const std::string& location_name) const {
    for (size_t i = 0; i < locations.size(); ++i) {
        if (locations[i].name == location_name) return static_cast<int64_t>(i);
    }
    return -1;
}

const std::shared_ptr<const CidrCollection>* CidrCollectionSet::find(const std::string& id) const {
    for (const auto& c : collections) {
        if (c->id == id) return &c;
    }
    for (const auto& c : collections) {
        if (!c->name.empty() && c->name == id) return &c;
    }
    return nullptr;
}

Result<CidrCollectionSet> parse_cidr_collections_text(std::string_view text, const std::string& file) {
    return collections_from(parse_document(text, file, "CidrCollections"));
}

Result<CidrCollectionSet> parse_cidr_collections_file(const std::string& path) {
    return collections_from(read_document(path, "CidrCollections"));
}

}  // namespace fz::policy
