// A DNS response in dig-like text, read with dns::read_message.
#include "engine/describe.h"

#include <string>
#include <utility>
#include <vector>

#include "dns/message_reader.h"
#include "dns/name.h"
#include "dns/rrtype.h"
#include "dns/wire.h"
#include "zone/rdata_text.h"

namespace fz::engine {
namespace {

std::string flags_text(const dns::Header& h) {
    const std::pair<uint16_t, const char*> flags[] = {
        {dns::flag::QR, "qr"}, {dns::flag::AA, "aa"}, {dns::flag::TC, "tc"}, {dns::flag::RD, "rd"},
        {dns::flag::RA, "ra"}, {dns::flag::AD, "ad"}, {dns::flag::CD, "cd"}};
    std::string out;
    for (const auto& [bit, name] : flags) {
        if (h.has(bit)) out += std::string(out.empty() ? "" : " ") + name;
    }
    return out;
}

std::string opt_text(const dns::OptRecord& opt) {
    std::string out = ";; EDNS: version " + std::to_string(opt.version) + ", udp " + std::to_string(opt.udp_size);
    if (opt.client_subnet) {
        out += ", client-subnet source /" + std::to_string(opt.client_subnet->source_prefix) + " scope /" +
               std::to_string(opt.client_subnet->scope_prefix);
    }
    return out + "\n";
}

std::string section_text(const char* title, const std::vector<dns::ResourceRecord>& rrs) {
    if (rrs.empty()) return {};
    std::string out = std::string(";; ") + title + ":\n";
    for (const auto& rr : rrs) {
        out += rr.owner.to_text() + "\t" + std::to_string(rr.ttl) + "\t" + dns::class_to_text(rr.rclass) + "\t" +
               dns::type_to_text(rr.type) + "\t" + zone::rdata_to_text(rr.type, rr.rdata.data(), rr.rdata.size()) +
               "\n";
    }
    return out;
}

}  // namespace

std::string describe_response(const uint8_t* msg, size_t len) {
    if (len < dns::kHeaderSize) return ";; no response (dropped)\n";
    auto m = dns::read_message(msg, len);
    if (!m) return ";; malformed response\n";
    std::string out = ";; status: " + dns::rcode_name(m->rcode()) + ", flags: " + flags_text(m->header) + "\n";
    if (m->opt) out += opt_text(*m->opt);
    out += section_text("ANSWER", m->answer);
    out += section_text("AUTHORITY", m->authority);
    out += section_text("ADDITIONAL", m->additional);
    return out;
}

}  // namespace fz::engine
