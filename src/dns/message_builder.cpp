// Query messages as wire bytes: the question, EDNS and its options, broken variants.
#include "dns/message_builder.h"

#include <algorithm>
#include <cstring>

namespace fz::dns {
namespace {

void put_u16(std::vector<uint8_t>& out, uint16_t v) {
    out.push_back(static_cast<uint8_t>(v >> 8));
    out.push_back(static_cast<uint8_t>(v));
}

void put_bytes(std::vector<uint8_t>& out, std::span<const uint8_t> bytes) {
    out.insert(out.end(), bytes.begin(), bytes.end());
}

// Address bytes an ECS option carries for `source_prefix`, at most a whole IPv6 address.
size_t subnet_bytes(uint8_t source_prefix) { return std::min<size_t>((source_prefix + 7u) / 8u, 16); }

}  // namespace

EdnsOption client_subnet_option(const ClientSubnet& subnet) {
    EdnsOption o{edns::CLIENT_SUBNET, {}};
    put_u16(o.data, subnet.family);
    o.data.push_back(subnet.source_prefix);
    o.data.push_back(subnet.scope_prefix);
    put_bytes(o.data, std::span<const uint8_t>(subnet.address, subnet_bytes(subnet.source_prefix)));
    return o;
}

EdnsOption client_subnet_option(uint16_t family, uint8_t source_prefix, const uint8_t* address) {
    ClientSubnet subnet{};
    subnet.family = family;
    subnet.source_prefix = source_prefix;
    std::memcpy(subnet.address, address, subnet_bytes(source_prefix));
    return client_subnet_option(subnet);
}

EdnsOption cookie_option(std::span<const uint8_t> client, std::span<const uint8_t> server) {
    EdnsOption o{edns::COOKIE, {}};
    put_bytes(o.data, client);
    put_bytes(o.data, server);
    return o;
}

EdnsOption nsid_option() { return EdnsOption{edns::NSID, {}}; }

Result<std::vector<uint8_t>> tsig_record(std::string_view key, std::string_view algorithm, uint64_t time_signed,
                                         std::span<const uint8_t> mac, uint16_t original_id, uint16_t fudge) {
    const Name root;
    auto owner = name_from_text(key, &root);
    if (!owner) return Error{"", 0, "TSIG key name: " + owner.error().message};
    auto alg = name_from_text(algorithm, &root);
    if (!alg) return Error{"", 0, "TSIG algorithm: " + alg.error().message};
    std::vector<uint8_t> rdata(alg->data(), alg->data() + alg->size());
    put_u16(rdata, static_cast<uint16_t>(time_signed >> 32));
    put_u16(rdata, static_cast<uint16_t>(time_signed >> 16));
    put_u16(rdata, static_cast<uint16_t>(time_signed));
    put_u16(rdata, fudge);
    put_u16(rdata, static_cast<uint16_t>(mac.size()));
    put_bytes(rdata, mac);
    put_u16(rdata, original_id);
    put_u16(rdata, 0);  // Error
    put_u16(rdata, 0);  // Other Len
    std::vector<uint8_t> rr(owner->data(), owner->data() + owner->size());
    put_u16(rr, type::TSIG);
    put_u16(rr, rrclass::ANY);
    put_u16(rr, 0);  // TTL
    put_u16(rr, 0);
    put_u16(rr, static_cast<uint16_t>(rdata.size()));
    put_bytes(rr, rdata);
    return rr;
}

void QueryBuilder::set_qname(const Name& name) { qname_wire.assign(name.data(), name.data() + name.size()); }

Result<std::vector<uint8_t>> QueryBuilder::build() const {
    std::vector<uint8_t> name = qname_wire;
    if (question && name.empty()) {
        const Name root;
        auto parsed = name_from_text(qname, &root);
        if (!parsed) return Error{"", 0, "query name: " + parsed.error().message};
        name.assign(parsed->data(), parsed->data() + parsed->size());
    }
    size_t options_len = 0;
    for (const EdnsOption& o : options) options_len += 4 + o.data.size();
    if (options_len > 0xffff) return Error{"", 0, "EDNS options longer than 65535 bytes"};
    const bool opt = edns || !options.empty();

    std::vector<uint8_t> m;
    put_u16(m, id);
    put_u16(m, flags);
    put_u16(m, qdcount.value_or(question ? 1 : 0));
    put_u16(m, 0);  // ANCOUNT
    put_u16(m, 0);  // NSCOUNT
    put_u16(m, static_cast<uint16_t>((opt ? 1 : 0) + extra_additional.size()));
    if (question) {
        put_bytes(m, name);
        put_u16(m, qtype);
        put_u16(m, qclass);
    }
    if (opt) {
        // RFC 6891 6.1.2: owner the root, CLASS the UDP size, TTL extended rcode,
        // version and the DO bit.
        m.push_back(0);
        put_u16(m, type::OPT);
        put_u16(m, udp_size);
        m.push_back(0);
        m.push_back(edns_version);
        put_u16(m, do_bit ? kEdnsDoBit : 0);
        put_u16(m, static_cast<uint16_t>(options_len));
        for (const EdnsOption& o : options) {
            put_u16(m, o.code);
            put_u16(m, static_cast<uint16_t>(o.data.size()));
            put_bytes(m, o.data);
        }
    }
    for (const auto& record : extra_additional) put_bytes(m, record);
    put_bytes(m, trailing);
    return m;
}

}  // namespace fz::dns
