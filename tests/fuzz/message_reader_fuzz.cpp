// libFuzzer target for the message reader: any bytes as a message. Reading must stay in
// bounds, and what it accepts must agree with the header: one entry per counted question
// and record (the OPT apart), sound names, the decoded options among the raw ones.
#include <cstddef>
#include <cstdint>

#include "dns/message_reader.h"
#include "dns/name.h"

namespace {

bool sound(const fz::dns::Name& name) { return fz::dns::wire_name_length(name.data(), name.size()) == name.size(); }

bool has_option(const fz::dns::OptRecord& opt, uint16_t code) {
    for (const auto& o : opt.options) {
        if (o.code == code) return true;
    }
    return false;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace fz;
    const auto read = dns::read_message(data, size);
    if (!read) return 0;
    const dns::Message& m = *read;
    const auto header = dns::read_header(data, size);
    if (!header || header->flags != m.header.flags || header->arcount != m.header.arcount) __builtin_trap();
    if (m.questions.size() != m.header.qdcount || m.answer.size() != m.header.ancount ||
        m.authority.size() != m.header.nscount || m.additional.size() + (m.opt ? 1 : 0) != m.header.arcount) {
        __builtin_trap();
    }
    for (const auto& q : m.questions) {
        if (!sound(q.name)) __builtin_trap();
    }
    for (const auto* section : {&m.answer, &m.authority, &m.additional}) {
        for (const auto& rr : *section) {
            if (!sound(rr.owner) || rr.type == dns::type::OPT) __builtin_trap();
        }
    }
    if (m.opt) {
        if (m.opt->client_subnet.has_value() != has_option(*m.opt, dns::edns::CLIENT_SUBNET) ||
            m.opt->cookie.has_value() != has_option(*m.opt, dns::edns::COOKIE) ||
            m.opt->nsid.has_value() != has_option(*m.opt, dns::edns::NSID)) {
            __builtin_trap();
        }
    }
    return 0;
}
