// Reading Route 53's JSON or YAML input files with line numbers for schema errors (cold).
#include "policy/document.h"

#include <yaml-cpp/yaml.h>

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace fz::policy {
namespace {

uint32_t line_at(std::string_view text, size_t offset) {
    uint32_t line = 1;
    for (size_t i = 0; i < offset && i < text.size(); ++i) line += text[i] == '\n';
    return line;
}

// nlohmann::json keeps no positions, so one light pass over the text finds where each
// element of the list under `key` starts (strings and nesting are tracked, nothing else).
std::vector<uint32_t> json_element_lines(std::string_view text, const char* key) {
    std::vector<uint32_t> lines;
    int depth = 0;
    bool in_string = false;
    bool escaped = false;
    std::string current;      // the string being read
    std::string last_string;  // the last complete string at depth 1: a candidate key
    std::string key_at_depth1;
    int list_depth = -1;  // depth inside the wanted list, -1 when not in it
    bool bare_list = false;
    uint32_t line = 1;
    for (char c : text) {
        if (c == '\n') ++line;
        if (in_string) {
            if (escaped) {
                escaped = false;
            } else if (c == '\\') {
                escaped = true;
            } else if (c == '"') {
                in_string = false;
                if (depth == 1) last_string = current;
            } else {
                current.push_back(c);
            }
            continue;
        }
        switch (c) {
            case '"':
                in_string = true;
                current.clear();
                break;
            case ':':
                if (depth == 1) key_at_depth1 = last_string;
                break;
            case '[':
                if (depth == 0) bare_list = true;
                if ((depth == 1 && key_at_depth1 == key) || (depth == 0 && bare_list)) list_depth = depth + 1;
                ++depth;
                break;
            case '{':
                if (depth == list_depth) lines.push_back(line);
                ++depth;
                break;
            case ']':
            case '}':
                --depth;
                if (depth + 1 == list_depth) list_depth = -1;
                break;
            default: break;
        }
    }
    return lines;
}

nlohmann::json yaml_to_json(const YAML::Node& node) {
    switch (node.Type()) {
        case YAML::NodeType::Sequence: {
            nlohmann::json out = nlohmann::json::array();
            for (const auto& item : node) out.push_back(yaml_to_json(item));
            return out;
        }
        case YAML::NodeType::Map: {
            nlohmann::json out = nlohmann::json::object();
            for (const auto& kv : node) out[kv.first.as<std::string>()] = yaml_to_json(kv.second);
            return out;
        }
        case YAML::NodeType::Scalar: return node.Scalar();
        default: return nullptr;
    }
}

Result<Document> parse_json(std::string_view text, const std::string& file, const char* list_key) {
    Document doc;
    doc.file = file;
    try {
        doc.root = nlohmann::json::parse(text.begin(), text.end());
    } catch (const nlohmann::json::parse_error& e) {
        // what() is "[json.exception.parse_error.101] parse error at line L, column C: ...":
        // keep the explanation, the line goes in its own field.
        std::string what = e.what();
        if (const size_t colon = what.find(": "); colon != std::string::npos) what = what.substr(colon + 2);
        const size_t byte = e.byte == 0 ? 0 : e.byte - 1;
        return Error{file, line_at(text, byte), "JSON syntax error: " + what};
    }
    doc.lines = json_element_lines(text, list_key);
    return doc;
}

Result<Document> parse_yaml(std::string_view text, const std::string& file, const char* list_key) {
    Document doc;
    doc.file = file;
    try {
        const YAML::Node root = YAML::Load(std::string(text));
        doc.root = yaml_to_json(root);
        YAML::Node list;
        if (root.IsSequence()) {
            list = root;
        } else if (root.IsMap() && root[list_key]) {
            list = root[list_key];
        }
        if (list && list.IsSequence()) {
            for (const auto& item : list) doc.lines.push_back(static_cast<uint32_t>(item.Mark().line + 1));
        }
    } catch (const YAML::Exception& e) {
        return Error{file, static_cast<uint32_t>(e.mark.line + 1), "YAML syntax error: " + e.msg};
    }
    return doc;
}

bool ends_with(const std::string& s, std::string_view suffix) {
    return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

Result<Document> parse_document(std::string_view text, const std::string& file, const char* list_key,
                                DocumentFormat format) {
    if (format == DocumentFormat::kAuto) {
        if (ends_with(file, ".yaml") || ends_with(file, ".yml")) {
            format = DocumentFormat::kYaml;
        } else if (ends_with(file, ".json")) {
            format = DocumentFormat::kJson;
        } else {
            const size_t first = text.find_first_not_of(" \t\r\n");
            format = first != std::string_view::npos && (text[first] == '{' || text[first] == '[')
                         ? DocumentFormat::kJson
                         : DocumentFormat::kYaml;
        }
    }
    auto doc = format == DocumentFormat::kJson ? parse_json(text, file, list_key) : parse_yaml(text, file, list_key);
    if (!doc.ok()) return doc;
    if (doc->root.is_array()) {
        doc->list_key.clear();
    } else if (doc->root.is_object() && doc->root.contains(list_key)) {
        doc->list_key = list_key;
        if (!doc->list().is_array()) return Error{file, 0, std::string("\"") + list_key + "\" must be a list"};
    } else {
        return Error{file, 0, std::string("expected an object with a \"") + list_key + "\" list"};
    }
    return doc;
}

Result<Document> read_document(const std::string& path, const char* list_key, DocumentFormat format) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return Error{path, 0, "cannot open file"};
    std::ostringstream ss;
    ss << in.rdbuf();
    return parse_document(ss.str(), path, list_key, format);
}

std::string get_string(const nlohmann::json& v, std::string* out) {
    if (!v.is_string()) return "must be a string";
    *out = v.get<std::string>();
    return {};
}

std::string get_int(const nlohmann::json& v, int64_t min, int64_t max, int64_t* out) {
    int64_t x = 0;
    if (v.is_number_integer()) {
        x = v.get<int64_t>();
    } else if (v.is_number_float()) {
        const double d = v.get<double>();
        if (d != std::floor(d)) return "must be a whole number";
        x = static_cast<int64_t>(d);
    } else if (v.is_string()) {
        const std::string s = v.get<std::string>();
        char* end = nullptr;
        errno = 0;
        x = std::strtoll(s.c_str(), &end, 10);
        if (s.empty() || *end != '\0' || errno != 0) return "must be a whole number, not \"" + s + "\"";
    } else {
        return "must be a whole number";
    }
    if (x < min || x > max) {
        return std::to_string(x) + " is outside " + std::to_string(min) + ".." + std::to_string(max);
    }
    *out = x;
    return {};
}

std::string get_bool(const nlohmann::json& v, bool* out) {
    if (v.is_boolean()) {
        *out = v.get<bool>();
        return {};
    }
    if (v.is_string()) {
        const std::string s = v.get<std::string>();
        if (s == "true" || s == "True" || s == "TRUE") {
            *out = true;
            return {};
        }
        if (s == "false" || s == "False" || s == "FALSE") {
            *out = false;
            return {};
        }
    }
    return "must be true or false";
}

std::string get_double(const nlohmann::json& v, double* out) {
    if (v.is_number()) {
        *out = v.get<double>();
        return {};
    }
    if (v.is_string()) {
        const std::string s = v.get<std::string>();
        char* end = nullptr;
        const double d = std::strtod(s.c_str(), &end);
        if (!s.empty() && *end == '\0' && std::isfinite(d)) {
            *out = d;
            return {};
        }
        return "must be a number, not \"" + s + "\"";
    }
    return "must be a number";
}

}  // namespace fz::policy
