// Explaining a query over a snapshot: answer() plus policy::explain().
#include "engine/explain.h"

#include <cstring>
#include <memory>
#include <sstream>
#include <vector>

#include "dns/message_builder.h"
#include "dns/rrtype.h"
#include "engine/answer.h"
#include "engine/describe.h"
#include "policy/explain.h"
#include "policy/rng.h"

namespace fz::engine {
namespace {

Error explain_error(const std::string& message) { return Error{"", 0, "explain: " + message}; }

// "198.51.100.0/24" (or an address alone: its full length).
Result<policy::ClientInfo> parse_ecs(const std::string& text) {
    size_t slash = text.find('/');
    std::optional<unsigned> prefix;
    if (slash != std::string::npos) {
        std::string digits = text.substr(slash + 1);
        if (digits.empty() || digits.size() > 3 || digits.find_first_not_of("0123456789") != std::string::npos) {
            return explain_error("bad --ecs prefix length in '" + text + "'");
        }
        prefix = static_cast<unsigned>(std::stoul(digits));
    }
    auto ecs = policy::parse_client(text.substr(0, slash), prefix);
    if (!ecs) return explain_error("bad --ecs '" + text + "'");
    return *ecs;
}

// The query: id 0x4a4a, one question, and an OPT with the ECS option when asked.
std::vector<uint8_t> build_query(const ExplainRequest& r) {
    dns::QueryBuilder q;
    q.id = 0x4a4a;
    q.flags = 0;
    q.set_qname(r.qname);
    q.qtype = r.qtype;
    if (r.ecs) {
        const uint16_t family = r.ecs->family == policy::Family::kIpv4 ? 1 : 2;
        q.options.push_back(dns::client_subnet_option(family, r.ecs->source_prefix, r.ecs->address));
    }
    auto wire = q.build();
    return wire ? std::move(*wire) : std::vector<uint8_t>{};  // a parsed Name always builds
}

}  // namespace

Result<ExplainRequest> parse_explain_request(const std::string& args) {
    std::istringstream in(args);
    std::string name, type_text, word, client_text, ecs_text;
    in >> name >> type_text;
    while (in >> word) {
        if (word == "--client") {
            in >> client_text;
        } else if (word == "--ecs") {
            in >> ecs_text;
        } else {
            return explain_error("unknown argument '" + word + "'");
        }
    }
    if (name.empty() || type_text.empty()) return Error{"", 0, "usage: explain NAME TYPE [--client IP] [--ecs PREFIX]"};
    if (name.back() != '.') name += '.';
    ExplainRequest r;
    auto qname = dns::name_from_text(name, nullptr);
    if (!qname) return explain_error("bad name: " + qname.error().message);
    r.qname = *qname;
    auto type = dns::type_from_text(type_text);
    if (!type) return explain_error("unknown type '" + type_text + "'");
    r.qtype = *type;
    if (!client_text.empty()) {
        r.client = policy::parse_client(client_text);
        if (!r.client) return explain_error("bad client address '" + client_text + "'");
    }
    if (!ecs_text.empty()) {
        auto ecs = parse_ecs(ecs_text);
        if (!ecs) return ecs.error();
        r.ecs = *ecs;
    }
    return r;
}

std::vector<uint8_t> answer_request(const Snapshot& snap, const ExplainRequest& request, uint64_t seed,
                                    Transport transport) {
    Peer peer;  // family 0: a client of unknown location unless --client says
    if (request.client) {
        peer.family = request.client->family == policy::Family::kIpv4 ? 4 : 6;
        std::memcpy(peer.address, request.client->address, 16);
    }
    auto query = build_query(request);
    auto worker = std::make_unique<Worker>();
    worker->rng.reseed(seed);
    std::vector<uint8_t> out(65536);
    size_t n = answer(snap, query.data(), query.size(), peer, transport, out.data(), out.size(), *worker);
    out.resize(n);
    return out;
}

std::string explain_query(const Snapshot& snap, const ExplainRequest& request, uint64_t seed) {
    std::vector<uint8_t> response = answer_request(snap, request, seed, Transport::kTcp);
    std::string text = describe_response(response.data(), response.size());
    if (!snap.policies) return text;
    uint32_t id = snap.policies->find(request.qname, request.qtype);
    if (id == policy::kNoPolicy) return text;
    // The ECS option, when given, is what the policy sees; else the packet's address.
    policy::ClientInfo client = request.ecs.value_or(request.client.value_or(policy::ClientInfo{}));
    policy::Rng rng(seed);
    return text + ";; routing policy:\n" + policy::explain(*snap.policies, id, client, rng);
}

}  // namespace fz::engine
