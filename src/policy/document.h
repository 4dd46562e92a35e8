// Reading Route 53's JSON (or the same shape in YAML) into nlohmann::json, with the line of
// each element of the top-level list so that schema errors can point at it.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace fz::policy {

// A parsed input file: its root, the list under `list_key` and each list element's line.
struct Document {
    std::string file;
    nlohmann::json root;
    std::string list_key;         // the list's key in `root`; empty when `root` is the list
    std::vector<uint32_t> lines;  // 1-based; 0 when unknown

    // Looked up, not kept as a pointer: a Document moves (inside a Result), and a pointer
    // to `root` itself would not follow it.
    const nlohmann::json& list() const { return list_key.empty() ? root : root.at(list_key); }
    uint32_t line_of(size_t index) const { return index < lines.size() ? lines[index] : 0; }
};

enum class DocumentFormat { kAuto, kJson, kYaml };

// Parses `text` (JSON or YAML; kAuto decides by the file extension, then by the first
// character) and finds the list under `list_key` ("ResourceRecordSets"); a bare list at
// the top is accepted too. Syntax errors carry the line. YAML scalars become strings:
// the field readers below accept numbers and booleans written as strings.
Result<Document> parse_document(std::string_view text, const std::string& file, const char* list_key,
                                DocumentFormat format = DocumentFormat::kAuto);
Result<Document> read_document(const std::string& path, const char* list_key,
                               DocumentFormat format = DocumentFormat::kAuto);

// Lenient field readers shared by the schema parsers. Each returns an error message
// (without file or record context) or an empty string when the value is good.
std::string get_string(const nlohmann::json& v, std::string* out);
std::string get_int(const nlohmann::json& v, int64_t min, int64_t max, int64_t* out);
std::string get_bool(const nlohmann::json& v, bool* out);
std::string get_double(const nlohmann::json& v, double* out);

}  // namespace fz::policy
