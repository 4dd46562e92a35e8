// Rdata presentation formats: the entry points. One table of field layouts per type
// (rdata_layout) drives both directions, text -> wire (rdata_parse) and wire -> text
// (rdata_print), so what rdata_to_text prints always parses back to the same wire bytes.
#include "zone/rdata_text.h"

#include "common/encoding.h"
#include "dns/rrtype.h"
#include "zone/rdata_layout.h"
#include "zone/rdata_parse.h"
#include "zone/rdata_print.h"

namespace fz::zone {

Status rdata_from_tokens(uint16_t type, std::span<const Token> tokens, const dns::Name& origin, uint32_t line,
                         std::string& out) {
    RdataParser parser(type, tokens, origin, line, out);
    return parser.run();
}

Result<std::string> rdata_from_text(uint16_t type, std::string_view text, const dns::Name& origin) {
    auto tokens = tokenize(text);
    if (!tokens.ok()) return tokens.error();
    std::string out;
    auto status = rdata_from_tokens(type, *tokens, origin, 1, out);
    if (!status.ok()) return status.error();
    return out;
}

std::string rdata_to_generic_text(const uint8_t* rdata, size_t len) {
    std::string out = "\\# " + std::to_string(len);
    if (len > 0) {
        out.push_back(' ');
        append_hex(out, rdata, len);
    }
    return out;
}

std::string rdata_to_text(uint16_t type, const uint8_t* rdata, size_t len) {
    auto lay = layout_of(type);
    if (lay) {
        std::string out;
        RdataPrinter printer(rdata, len, out);
        if (printer.run(*lay)) return out;
    }
    return rdata_to_generic_text(rdata, len);
}

bool has_presentation_format(uint16_t type) { return layout_of(type).has_value(); }

bool rdata_is_valid(uint16_t type, const uint8_t* rdata, size_t len) {
    auto lay = layout_of(type);
    if (!lay) return true;
    std::string scratch;
    RdataPrinter printer(rdata, len, scratch);
    return printer.run(*lay);
}

std::string record_to_text(const Record& record) {
    std::string out = record.owner.to_text();
    out += '\t';
    out += std::to_string(record.ttl);
    out += '\t';
    out += dns::class_to_text(record.rclass);
    out += '\t';
    out += dns::type_to_text(record.type);
    out += '\t';
    out += rdata_to_text(record.type, record.rdata);
    return out;
}

}  // namespace fz::zone
