// The image's denial chains against brute force: the NSEC whose owner is the last at or
// before a name in canonical order (sort keys that tie, and labels holding a zero byte,
// fall back to whole names), and the NSEC3 whose hash is the last at or before one.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "common/encoding.h"
#include "dns/name.h"
#include "dns/nsec3.h"
#include "zone/compiler.h"
#include "zone/image.h"
#include "zone/master_parser.h"
#include "zone/rrset_writer.h"

namespace fz::zone {
namespace {

const dns::Name kOrigin = *dns::name_from_text("example.com.", nullptr);

std::shared_ptr<const ZoneImage> compile(const std::string& text) {
    auto src = parse_zone_text(text, "chain.zone", kOrigin);
    EXPECT_TRUE(src.ok()) << (src.ok() ? "" : src.error().to_string());
    auto image = compile_zone(*src);
    EXPECT_TRUE(image.ok());
    return *image;
}

// Owners sharing their first 12 key bytes, nested names, and (optionally) a zero byte.
std::vector<std::string> owners(bool zero_byte) {
    std::vector<std::string> v = {"example.com.",     "a.example.com.",       "b.a.example.com.", "ab.example.com.",
                                  "sub.example.com.", "x.y.sub.example.com.", "z.example.com."};
    for (int i = 0; i < 40; i += 3) v.push_back("service-host-" + std::to_string(100 + i) + ".example.com.");
    if (zero_byte) v.push_back("a\\000b.example.com.");
    return v;
}

std::string nsec_zone(const std::vector<std::string>& names) {
    std::string z = "$TTL 300\n@ SOA ns hostmaster 1 2 3 4 5\n@ NS ns\nns A 192.0.2.1\n";
    for (const auto& n : names) z += n + " NSEC " + n + " A\n";  // the next names do not matter here
    return z;
}

void expect_nsec_lookups_match(const std::vector<std::string>& names, uint8_t no_keys_flag) {
    auto image = compile(nsec_zone(names));
    ASSERT_TRUE(image->header().dnssec & kImageNsec);
    EXPECT_EQ(image->header().dnssec & kImageNsecNoKeys, no_keys_flag);
    std::vector<dns::Name> sorted;
    for (const auto& n : names) sorted.push_back(*dns::name_from_text(n, nullptr));
    std::mt19937 rng(7);
    const std::vector<std::string> parts = {"a",
                                            "b",
                                            "service-host-1",
                                            "service-host-12",
                                            "service-host-120",
                                            "sub",
                                            "x",
                                            "y",
                                            "z",
                                            "zz",
                                            "ab",
                                            "a\\000",
                                            "a\\000c",
                                            "*"};
    for (int i = 0; i < 2000; ++i) {
        std::string text;
        for (int l = 1 + static_cast<int>(rng() % 3); l > 0; --l) text += parts[rng() % parts.size()] + ".";
        const dns::Name probe = *dns::name_from_text(text + "example.com.", nullptr);
        const dns::Name* want = nullptr;
        for (const auto& n : sorted) {
            if (dns::canonical_compare(n, probe) <= 0 && (want == nullptr || dns::canonical_compare(*want, n) < 0))
                want = &n;
        }
        ASSERT_NE(want, nullptr);
        const std::string wire = canonical_wire(probe);
        const Node* got = image->nsec_at_or_before(reinterpret_cast<const uint8_t*>(wire.data()));
        ASSERT_NE(got, nullptr);
        EXPECT_EQ(dns::wire_name_to_text(got->name()), want->lowered().to_text()) << probe.to_text();
    }
}

TEST(DenialChain, NsecLookupIsTheCanonicalPredecessor) { expect_nsec_lookups_match(owners(false), 0); }

TEST(DenialChain, NsecLookupWithAZeroByteInALabelComparesWholeNames) {
    expect_nsec_lookups_match(owners(true), kImageNsecNoKeys);
}

TEST(DenialChain, Nsec3LookupIsTheHashPredecessorOnARing) {
    std::string z = "$TTL 300\n@ SOA ns hostmaster 1 2 3 4 5\n@ NS ns\nns A 192.0.2.1\n@ NSEC3PARAM 1 0 0 -\n";
    std::vector<std::string> hashes;
    for (const char* n : {"example.com.", "ns.example.com.", "www.example.com.", "mail.example.com."}) {
        const dns::Name name = *dns::name_from_text(n, nullptr);
        uint8_t h[dns::kNsec3HashLen];
        dns::nsec3_hash(name.data(), name.size(), nullptr, 0, 0, h);
        std::string label;
        append_base32hex(label, h, sizeof h);
        hashes.push_back(std::string(reinterpret_cast<const char*>(h), sizeof h));
        z += label + " NSEC3 1 0 0 - " + label + " A\n";
    }
    auto image = compile(z);
    ASSERT_TRUE(image->header().dnssec & kImageNsec3);
    ASSERT_EQ(image->header().denial_count, 4u);
    std::mt19937 rng(11);
    for (int i = 0; i < 500; ++i) {
        std::string probe(dns::kNsec3HashLen, '\0');
        for (auto& c : probe) c = static_cast<char>(rng());
        const std::string* want = nullptr;
        for (const auto& h : hashes) {
            if (h <= probe && (want == nullptr || *want < h)) want = &h;
        }
        if (want == nullptr) {  // before every entry: the ring's last covers it
            for (const auto& h : hashes) {
                if (want == nullptr || *want < h) want = &h;
            }
        }
        const Nsec3Entry* got = image->nsec3_at_or_before(reinterpret_cast<const uint8_t*>(probe.data()));
        ASSERT_NE(got, nullptr);
        EXPECT_EQ(std::string(reinterpret_cast<const char*>(got->hash), dns::kNsec3HashLen), *want);
    }
}

}  // namespace
}  // namespace fz::zone
