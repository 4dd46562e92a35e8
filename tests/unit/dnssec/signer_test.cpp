// Keys in BIND's format and the zone signer: what a loaded key refuses, and a signed
// zone checked here with OpenSSL (every RRSIG verifies over the RRset in canonical form)
// and against the NSEC chain's rules.
#include <gtest/gtest.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include "dns/rrtype.h"
#include "dns/wire.h"
#include "dnssec/keys.h"
#include "dnssec/signer.h"
#include "zone/compiler.h"
#include "zone/master_parser.h"
#include "zone/rdata_text.h"

namespace fz::dnssec {
namespace {

const dns::Name kOrigin = *dns::name_from_text("example.com.", nullptr);

// A key pair written as dnssec-keygen writes it (made here with OpenSSL: the test does
// not need BIND). Returns the .private path.
// With `short_scalar`, an ECDSA key whose scalar begins with a zero byte, written as BIND
// writes it: 31 bytes.
std::string write_key(const std::string& dir, uint8_t alg, uint16_t flags, uint16_t id, bool short_scalar = false) {
again:
    EVP_PKEY* key = nullptr;
    EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_name(nullptr, alg == kEd25519 ? "ED25519" : "EC", nullptr);
    EVP_PKEY_keygen_init(ctx);
    if (alg != kEd25519) EVP_PKEY_CTX_set_group_name(ctx, "prime256v1");
    EVP_PKEY_generate(ctx, &key);
    EVP_PKEY_CTX_free(ctx);
    std::string pub, priv;
    if (alg == kEd25519) {
        size_t n = 32;
        pub.resize(32);
        priv.resize(32);
        EVP_PKEY_get_raw_public_key(key, reinterpret_cast<unsigned char*>(pub.data()), &n);
        EVP_PKEY_get_raw_private_key(key, reinterpret_cast<unsigned char*>(priv.data()), &n);
    } else {
        unsigned char point[65];
        size_t n = 0;
        EVP_PKEY_get_octet_string_param(key, "pub", point, sizeof point, &n);
        pub.assign(reinterpret_cast<char*>(point) + 1, 64);
        BIGNUM* d = nullptr;
        EVP_PKEY_get_bn_param(key, "priv", &d);
        priv.resize(32);
        BN_bn2binpad(d, reinterpret_cast<unsigned char*>(priv.data()), 32);
        BN_free(d);
    }
    EVP_PKEY_free(key);
    if (short_scalar) {
        if (priv[0] != 0) goto again;  // one key in 256
        priv.erase(0, 1);
    }
    auto b64 = [](const std::string& s) {
        std::string out(4 * ((s.size() + 2) / 3) + 1, '\0');
        const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                      reinterpret_cast<const unsigned char*>(s.data()), static_cast<int>(s.size()));
        out.resize(static_cast<size_t>(n));
        return out;
    };
    char base[64];
    std::snprintf(base, sizeof base, "/Kexample.com.+%03u+%05u", alg, id);
    std::ofstream(dir + base + ".key") << "; This is a key-signing key\nexample.com. IN DNSKEY " << flags << " 3 "
                                       << int{alg} << " " << b64(pub) << "\n";
    const std::string private_path = dir + base + ".private";
    std::ofstream(private_path) << "Private-key-format: v1.3\nAlgorithm: " << int{alg} << "\nPrivateKey: " << b64(priv)
                                << "\n";
    chmod(private_path.c_str(), 0600);
    return private_path;
}

class KeysDir : public ::testing::Test {
protected:
    void SetUp() override {
        char tmpl[] = "/tmp/fz-keys-XXXXXX";
        dir_ = mkdtemp(tmpl);
        folder = KeyFolder(dir_, kOrigin);
    }
    void TearDown() override { std::filesystem::remove_all(dir_); }
    std::string dir_;
    KeyFolder folder{"", kOrigin};
};

TEST_F(KeysDir, LoadsKskAndZskWithTheirTags) {
    write_key(dir_, kEcdsaP256Sha256, 257, 1);
    write_key(dir_, kEcdsaP256Sha256, 256, 2);
    auto keys = load_keys(dir_, kOrigin);
    ASSERT_TRUE(keys.ok()) << keys.error().to_string();
    ASSERT_EQ(keys->size(), 2u);
    EXPECT_TRUE((*keys)[0].ksk());
    EXPECT_FALSE((*keys)[1].ksk());
    EXPECT_EQ((*keys)[0].tag, key_tag((*keys)[0].dnskey_rdata));
}

TEST_F(KeysDir, RefusesAPrivateKeyOthersMayRead) {
    const std::string priv = write_key(dir_, kEd25519, 257, 3);
    chmod(priv.c_str(), 0644);
    auto keys = load_keys(dir_, kOrigin);
    ASSERT_FALSE(keys.ok());
    EXPECT_EQ(keys.error().file, priv);
    EXPECT_NE(keys.error().message.find("readable by others (mode 0644)"), std::string::npos) << keys.error().message;
}

TEST_F(KeysDir, RefusesOtherAlgorithmsAndAnEmptyFolder) {
    auto none = load_keys(dir_, kOrigin);
    ASSERT_FALSE(none.ok());
    EXPECT_NE(none.error().message.find("no keys of example.com."), std::string::npos);
    std::ofstream(dir_ + "/Kexample.com.+008+00001.key") << "example.com. IN DNSKEY 257 3 8 AwEAAQ==\n";
    auto rsa = load_keys(dir_, kOrigin);
    ASSERT_FALSE(rsa.ok());
    EXPECT_NE(rsa.error().message.find("algorithm 8"), std::string::npos) << rsa.error().message;
}

constexpr const char* kZone = R"($TTL 3600
@        SOA   ns1 hostmaster 1 7200 3600 1209600 300
@        NS    ns1
ns1      A     192.0.2.53
WWW      A     192.0.2.10
www      AAAA  2001:db8::10
mail     MX    10 NS1
*.wild   TXT   "wild"
a.b.ent  TXT   "deep"
sub      NS    ns.sub
ns.sub   A     192.0.2.99
secure   NS    ns1
secure   DS    12345 13 2 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
)";

// Verifies an RRSIG over its RRset as a validator would (RFC 4034 3.1.8.1), for the key.
bool verifies(const zone::Record& sig, const std::vector<const zone::Record*>& rrset, const SigningKey& key) {
    const std::string& rd = sig.rdata;
    const size_t signer_len = dns::wire_name_length(reinterpret_cast<const uint8_t*>(rd.data()) + 18, rd.size() - 18);
    std::string data = rd.substr(0, 18 + signer_len);
    std::vector<std::string> records;
    for (const auto* r : rrset) {
        std::string owner = r->owner.lowered().bytes(), rdata = r->rdata;
        if (r->type == dns::type::MX)
            rdata = rdata.substr(0, 2) +
                    dns::Name::from_wire(reinterpret_cast<const uint8_t*>(rdata.data()) + 2, rdata.size() - 2)
                        .lowered()
                        .bytes();
        std::string rr = owner;
        for (uint16_t v : {r->type, dns::rrclass::IN}) rr += {static_cast<char>(v >> 8), static_cast<char>(v)};
        rr += rd.substr(4, 4);  // the original TTL
        rr += {static_cast<char>(rdata.size() >> 8), static_cast<char>(rdata.size())};
        records.push_back(rr + rdata);
    }
    // One owner, type, class and TTL: the records sort by their rdata (RFC 4034 6.3).
    std::sort(records.begin(), records.end(), [](const std::string& a, const std::string& b) {
        return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
            return static_cast<uint8_t>(x) < static_cast<uint8_t>(y);
        });
    });
    for (const auto& r : records) data += r;
    std::string signature = rd.substr(18 + signer_len);
    if (key.algorithm == kEcdsaP256Sha256) {  // r || s back to DER
        ECDSA_SIG* es = ECDSA_SIG_new();
        ECDSA_SIG_set0(es, BN_bin2bn(reinterpret_cast<const unsigned char*>(signature.data()), 32, nullptr),
                       BN_bin2bn(reinterpret_cast<const unsigned char*>(signature.data()) + 32, 32, nullptr));
        unsigned char* der = nullptr;
        const int n = i2d_ECDSA_SIG(es, &der);
        signature.assign(reinterpret_cast<char*>(der), static_cast<size_t>(n));
        OPENSSL_free(der);
        ECDSA_SIG_free(es);
    }
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    const bool ok = EVP_DigestVerifyInit(ctx, nullptr, key.algorithm == kEcdsaP256Sha256 ? EVP_sha256() : nullptr,
                                         nullptr, key.key.get()) > 0 &&
                    EVP_DigestVerify(ctx, reinterpret_cast<const unsigned char*>(signature.data()), signature.size(),
                                     reinterpret_cast<const unsigned char*>(data.data()), data.size()) == 1;
    EVP_MD_CTX_free(ctx);
    return ok;
}

// A weighted policy RRset of two one-A members (192.0.2.1 and .2, TTL 60) at `owner`.
zone::PolicyRRsetSource two_member_policy(const char* owner, uint32_t id) {
    zone::PolicyRRsetSource p;
    p.owner = *dns::name_from_text(owner, nullptr);
    p.type = dns::type::A;
    p.policy = id;
    for (const char* a : {"\xc0\x00\x02\x01", "\xc0\x00\x02\x02"}) {
        zone::PolicyMemberSource m;
        m.ttl = 60;
        m.rdatas.emplace_back(a, 4);
        p.members.push_back(std::move(m));
    }
    return p;
}

// An RRSIG record of `rdata` at `owner`, for verifies().
zone::Record rrsig(const dns::Name& owner, const std::string& rdata) {
    zone::Record sig;
    sig.owner = owner;
    sig.type = dns::type::RRSIG;
    sig.rdata = rdata;
    return sig;
}

void expect_signed_zone(const std::string& dir, size_t key_count) {
    auto keys = load_keys(dir, kOrigin);
    ASSERT_TRUE(keys.ok()) << keys.error().to_string();
    ASSERT_EQ(keys->size(), key_count);
    auto src = zone::parse_zone_text(kZone, "example.com.zone", kOrigin);
    ASSERT_TRUE(src.ok());
    auto report = sign_zone(*src, *keys, SignOptions{1700000000, 1800000000, 2});
    ASSERT_TRUE(report.ok()) << report.error().to_string();
    std::map<std::pair<std::string, uint16_t>, std::vector<const zone::Record*>> rrsets;
    std::vector<const zone::Record*> sigs, nsecs;
    for (const auto& r : src->records) {
        if (r.type == dns::type::RRSIG) {
            sigs.push_back(&r);
        } else {
            rrsets[{r.owner.lowered().to_text(), r.type}].push_back(&r);
            if (r.type == dns::type::NSEC) nsecs.push_back(&r);
        }
    }
    std::set<std::pair<std::string, uint16_t>> covered;
    for (const auto* s : sigs) {
        const uint16_t type = static_cast<uint16_t>(static_cast<uint8_t>(s->rdata[0]) << 8 |
                                                    static_cast<uint8_t>(s->rdata[1]));
        const uint16_t tag = static_cast<uint16_t>(static_cast<uint8_t>(s->rdata[16]) << 8 |
                                                   static_cast<uint8_t>(s->rdata[17]));
        const auto& set = rrsets[{s->owner.lowered().to_text(), type}];
        const SigningKey* key = nullptr;
        for (const auto& k : *keys) key = k.tag == tag ? &k : key;
        ASSERT_NE(key, nullptr);
        EXPECT_TRUE(verifies(*s, set, *key)) << s->owner.to_text() << " " << type;
        if (key_count == 2) {
            const bool by_ksk = type == dns::type::DNSKEY || type == dns::type::CDS || type == dns::type::CDNSKEY;
            EXPECT_EQ(key->ksk(), by_ksk) << s->owner.to_text() << " " << type;
        }
        covered.insert({s->owner.lowered().to_text(), type});
    }
    // CDS and CDNSKEY (RFC 7344) name the KSK (or the CSK): the DS the parent should hold.
    const SigningKey& ksk = *std::find_if(keys->begin(), keys->end(), [](const SigningKey& k) { return k.ksk(); });
    const auto& cds = rrsets[{"example.com.", dns::type::CDS}];
    const auto& cdnskey = rrsets[{"example.com.", dns::type::CDNSKEY}];
    ASSERT_EQ(cds.size(), 1u);
    ASSERT_EQ(cdnskey.size(), 1u);
    EXPECT_EQ(cdnskey[0]->rdata, ksk.dnskey_rdata);
    const std::string data = kOrigin.lowered().bytes() + ksk.dnskey_rdata;
    unsigned char digest[32];
    EVP_Digest(data.data(), data.size(), digest, nullptr, EVP_sha256(), nullptr);
    std::string want = {static_cast<char>(ksk.tag >> 8), static_cast<char>(ksk.tag & 0xff),
                        static_cast<char>(ksk.algorithm), 2};
    want.append(reinterpret_cast<const char*>(digest), sizeof digest);
    EXPECT_EQ(cds[0]->rdata, want);
    // Signed: every authoritative RRset; not the delegations' NS, not glue.
    EXPECT_TRUE(covered.count({"www.example.com.", dns::type::A}));
    EXPECT_TRUE(covered.count({"example.com.", dns::type::DNSKEY}));
    EXPECT_TRUE(covered.count({"secure.example.com.", dns::type::DS}));
    EXPECT_TRUE(covered.count({"*.wild.example.com.", dns::type::TXT}));
    EXPECT_FALSE(covered.count({"sub.example.com.", dns::type::NS}));
    EXPECT_FALSE(covered.count({"ns.sub.example.com.", dns::type::A}));
    // The NSEC chain: authoritative names and delegations, no glue, no empty non-terminal.
    std::set<std::string> owners;
    for (const auto* n : nsecs) owners.insert(n->owner.lowered().to_text());
    EXPECT_EQ(owners, (std::set<std::string>{"example.com.", "ns1.example.com.", "www.example.com.",
                                             "mail.example.com.", "*.wild.example.com.", "a.b.ent.example.com.",
                                             "sub.example.com.", "secure.example.com."}));
    EXPECT_EQ(report->nsec, 8u);
}

TEST_F(KeysDir, ReadsAnEcdsaScalarBindWroteWithoutItsLeadingZero) {
    write_key(dir_, kEcdsaP256Sha256, 257, 1, true);
    write_key(dir_, kEcdsaP256Sha256, 256, 2);
    expect_signed_zone(dir_, 2);
}

TEST_F(KeysDir, SignsEveryAuthoritativeRrsetWithAKskAndZsk) {
    write_key(dir_, kEcdsaP256Sha256, 257, 1);
    write_key(dir_, kEcdsaP256Sha256, 256, 2);
    expect_signed_zone(dir_, 2);
}

TEST_F(KeysDir, SignsEachMemberOfARoutingPolicy) {
    write_key(dir_, kEcdsaP256Sha256, 257, 1);
    write_key(dir_, kEcdsaP256Sha256, 256, 2);
    auto keys = load_keys(dir_, kOrigin);
    ASSERT_TRUE(keys.ok());
    auto src = zone::parse_zone_text(kZone, "example.com.zone", kOrigin);
    ASSERT_TRUE(src.ok());
    src->policies.push_back(two_member_policy("w.example.com.", 0));
    auto report = sign_zone(*src, *keys, SignOptions{1700000000, 1800000000, 1});
    ASSERT_TRUE(report.ok());
    for (const auto& m : src->policies[0].members) {
        ASSERT_EQ(m.signatures.size(), 1u);  // by the ZSK
        zone::Record answer;
        answer.owner = src->policies[0].owner;
        answer.type = dns::type::A;
        answer.ttl = m.ttl;
        answer.rdata = m.rdatas[0];
        EXPECT_TRUE(verifies(rrsig(answer.owner, m.signatures[0]), {&answer}, (*keys)[1]));
    }
    // The policy's name is in the NSEC chain, its type in the bitmap.
    bool in_chain = false;
    for (const auto& r : src->records) in_chain |= r.type == dns::type::NSEC && r.owner.to_text() == "w.example.com.";
    EXPECT_TRUE(in_chain);
}

// An alias answers with its target's data, at its own name: the signer signs that data
// for the alias's owner, down an alias chain (alias -> weighted policy -> its members);
// and a policy that has no answer for some clients gets a NODATA proof of its own, the
// name's NSEC without the policy's type.
TEST_F(KeysDir, SignsAliasAnswersForTheAliasNameAndAPolicyNodataProof) {
    write_key(dir_, kEcdsaP256Sha256, 257, 1);
    write_key(dir_, kEcdsaP256Sha256, 256, 2);
    auto keys = load_keys(dir_, kOrigin);
    ASSERT_TRUE(keys.ok());
    auto src = zone::parse_zone_text(kZone, "example.com.zone", kOrigin);
    ASSERT_TRUE(src.ok());
    const dns::Name www = *dns::name_from_text("www.example.com.", nullptr);
    const dns::Name w = *dns::name_from_text("w.example.com.", nullptr);
    zone::PolicyRRsetSource weighted = two_member_policy("w.example.com.", 0);
    zone::PolicyRRsetSource alias;  // failover: primary an alias to w, secondary to www
    alias.owner = *dns::name_from_text("al.example.com.", nullptr);
    alias.type = dns::type::A;
    alias.policy = 1;
    for (const dns::Name& target : {w, www}) {
        zone::PolicyMemberSource m;
        m.alias = true;
        m.alias_target = target;
        alias.members.push_back(std::move(m));
    }
    src->policies.push_back(std::move(weighted));
    src->policies.push_back(std::move(alias));
    auto report = sign_zone(*src, *keys, SignOptions{1700000000, 1800000000, 1});
    ASSERT_TRUE(report.ok());
    const zone::PolicyRRsetSource& signed_alias = src->policies[1];
    // Both of w's members (policy 0) and www's A (policy 1's member 1), each signed for al.
    std::set<std::pair<uint32_t, uint16_t>> keys_seen;
    for (const auto& a : signed_alias.alias_answers) {
        keys_seen.insert({a.policy, a.member});
        ASSERT_EQ(a.signatures.size(), 1u);
        std::vector<zone::Record> data;
        if (a.policy == 0) {
            zone::Record r;
            r.owner = signed_alias.owner;
            r.type = dns::type::A;
            r.rdata = src->policies[0].members[a.member].rdatas[0];
            data.push_back(r);
        } else {
            for (const auto& r : src->records) {
                if (r.type == dns::type::A && r.owner == www) data.push_back(r);
            }
            for (auto& r : data) r.owner = signed_alias.owner;
        }
        std::vector<const zone::Record*> rrset;
        for (const auto& r : data) rrset.push_back(&r);
        EXPECT_TRUE(verifies(rrsig(signed_alias.owner, a.signatures[0]), rrset, (*keys)[1]))
            << a.policy << "/" << a.member;
        EXPECT_EQ(dns::load_u32(reinterpret_cast<const uint8_t*>(a.signatures[0].data()) + 4),
                  a.policy == 0 ? 60u : 3600u);
    }
    EXPECT_EQ(keys_seen, (std::set<std::pair<uint32_t, uint16_t>>{{0, 0}, {0, 1}, {1, 1}}));
    // NODATA at al: its NSEC with al's types but A, signed.
    const zone::Record& denial = signed_alias.nodata_denial;
    EXPECT_EQ(denial.type, dns::type::NSEC);
    EXPECT_EQ(denial.owner, signed_alias.owner);
    EXPECT_EQ(zone::rdata_to_text(denial.type, denial.rdata), "a.b.ent.example.com. RRSIG NSEC");
    ASSERT_EQ(signed_alias.nodata_signatures.size(), 1u);
    EXPECT_TRUE(verifies(rrsig(denial.owner, signed_alias.nodata_signatures[0]), {&denial}, (*keys)[1]));
}

// An alias to a multivalue policy would answer with several of its members at once, which
// no member's signature covers: the load says so, naming the alias, and signs none.
TEST_F(KeysDir, AnAliasToAMultivaluePolicyIsAWarningNotAWrongSignature) {
    write_key(dir_, kEcdsaP256Sha256, 257, 1);
    write_key(dir_, kEcdsaP256Sha256, 256, 2);
    auto keys = load_keys(dir_, kOrigin);
    ASSERT_TRUE(keys.ok());
    auto src = zone::parse_zone_text(kZone, "example.com.zone", kOrigin);
    ASSERT_TRUE(src.ok());
    zone::PolicyRRsetSource pool = two_member_policy("mv.example.com.", 0);
    pool.multivalue = true;
    zone::PolicyRRsetSource alias;
    alias.owner = *dns::name_from_text("al.example.com.", nullptr);
    alias.type = dns::type::A;
    alias.policy = 1;
    zone::PolicyMemberSource m;
    m.alias = true;
    m.alias_target = pool.owner;
    alias.members.push_back(std::move(m));
    src->policies.push_back(std::move(pool));
    src->policies.push_back(std::move(alias));
    ASSERT_TRUE(sign_zone(*src, *keys, SignOptions{1700000000, 1800000000, 1}).ok());
    EXPECT_TRUE(src->policies[1].alias_answers.empty());
    const bool warned = std::any_of(src->warnings.begin(), src->warnings.end(), [](const Error& e) {
        return e.message.find("al.example.com.: alias to the multivalue record sets of mv.example.com.") == 0;
    });
    EXPECT_TRUE(warned);
}

// Signing again over the last signed image keeps the RRSIGs of what did not change and
// is not due; a changed RRset, and every one when all are due, is signed anew.
TEST_F(KeysDir, SigningAgainKeepsTheSignaturesOfUnchangedRrsets) {
    write_key(dir_, kEcdsaP256Sha256, 257, 1);
    write_key(dir_, kEcdsaP256Sha256, 256, 2);
    auto keys = load_keys(dir_, kOrigin);
    ASSERT_TRUE(keys.ok());
    auto first = zone::parse_zone_text(kZone, "example.com.zone", kOrigin);
    ASSERT_TRUE(first.ok());
    auto made = sign_zone(*first, *keys, SignOptions{1700000000, 1800000000, 1});
    ASSERT_TRUE(made.ok());
    auto image = zone::compile_zone(*first);
    ASSERT_TRUE(image.ok());
    std::string changed = kZone;
    changed.replace(changed.find("192.0.2.10"), 10, "192.0.2.11");
    auto second = zone::parse_zone_text(changed, "example.com.zone", kOrigin);
    ASSERT_TRUE(second.ok());
    auto again = sign_zone(*second, *keys, SignOptions{1700000100, 1800000100, 1, {}, image->get(), 1750000000});
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(again->signatures, 1u);  // www A alone: its NSEC's bitmap did not change
    EXPECT_EQ(again->reused + again->signatures, made->signatures);
    EXPECT_EQ(again->oldest, 1800000000u);
    size_t kept = 0;
    for (const auto& r : second->records) {
        if (r.type != dns::type::RRSIG) continue;
        bool before = false;
        for (const auto& o : first->records) before |= o.type == dns::type::RRSIG && o.rdata == r.rdata;
        kept += before;
    }
    EXPECT_EQ(kept, again->reused);
    auto due = zone::parse_zone_text(kZone, "example.com.zone", kOrigin);
    ASSERT_TRUE(due.ok());
    auto all = sign_zone(*due, *keys, SignOptions{1700000100, 1800000100, 1, {}, image->get(), 1800000000});
    ASSERT_TRUE(all.ok());
    EXPECT_EQ(all->reused, 0u);
}

// BIND's timing metadata decides which keys are in the DNSKEY RRset and which sign:
// roll_zsk() writes a pre-publish rollover, and the signer follows it over time.
TEST_F(KeysDir, KeyTimingDrivesAPrePublishZskRollover) {
    const int64_t t0 = 1790000000;
    ASSERT_TRUE(generate_key(dir_, kOrigin, kEcdsaP256Sha256, true).ok());
    ASSERT_TRUE(generate_key(dir_, kOrigin, kEcdsaP256Sha256, false).ok());
    auto before = load_keys(dir_, kOrigin);
    ASSERT_TRUE(before.ok());
    const uint16_t old_zsk = (*before)[0].ksk() ? (*before)[1].tag : (*before)[0].tag;
    auto base = roll_zsk(folder, kOrigin, t0, 100, 1000);
    ASSERT_TRUE(base.ok()) << base.error().to_string();
    const auto new_zsk = static_cast<uint16_t>(std::atoi(base->substr(base->rfind('+') + 1).c_str()));
    auto keys = load_keys(dir_, kOrigin);
    ASSERT_TRUE(keys.ok());
    ASSERT_EQ(keys->size(), 3u);
    // (DNSKEY tags, tags of the RRSIGs over www AAAA) at time t.
    auto at = [&](int64_t t) {
        auto src = zone::parse_zone_text(kZone, "example.com.zone", kOrigin);
        EXPECT_TRUE(src.ok());
        auto report = sign_zone(*src, *keys, SignOptions{0, 1900000000, 1, {}, nullptr, 0, t});
        EXPECT_TRUE(report.ok());
        std::set<uint16_t> published, signing;
        for (const auto& r : src->records) {
            if (r.type == dns::type::DNSKEY) published.insert(key_tag(r.rdata));
            if (r.type == dns::type::RRSIG && r.owner.to_text() == "www.example.com." &&
                dns::load_u16(reinterpret_cast<const uint8_t*>(r.rdata.data())) == dns::type::AAAA)
                signing.insert(dns::load_u16(reinterpret_cast<const uint8_t*>(r.rdata.data()) + 16));
        }
        for (const auto& k : *keys) {
            if (k.ksk()) published.erase(k.tag);
        }
        return std::pair(published, signing);
    };
    using Tags = std::set<uint16_t>;
    EXPECT_EQ(at(t0 + 50), std::pair(Tags{old_zsk, new_zsk}, Tags{old_zsk}));   // pre-published
    EXPECT_EQ(at(t0 + 150), std::pair(Tags{old_zsk, new_zsk}, Tags{new_zsk}));  // the new one signs
    EXPECT_EQ(at(t0 + 1200), std::pair(Tags{new_zsk}, Tags{new_zsk}));          // the old one is gone
    // The only KSK cannot be retired; one with a successor can.
    const uint16_t ksk = std::find_if(keys->begin(), keys->end(), [](const SigningKey& k) { return k.ksk(); })->tag;
    EXPECT_FALSE(retire_key(folder, kOrigin, ksk, t0, 3600).ok());
    ASSERT_TRUE(generate_key(dir_, kOrigin, kEcdsaP256Sha256, true).ok());
    EXPECT_TRUE(retire_key(folder, kOrigin, ksk, t0, 3600).ok());
}

// A ZSK past its lifetime (less the pre-publication) gets a successor; before, the time
// it will is reported for the server to come back then.
TEST_F(KeysDir, ALifetimeRollsTheZskWhenDue) {
    ASSERT_TRUE(generate_key(dir_, kOrigin, kEcdsaP256Sha256, true).ok());
    ASSERT_TRUE(generate_key(dir_, kOrigin, kEcdsaP256Sha256, false).ok());
    const int64_t created = std::time(nullptr);
    int64_t due = 0;
    auto early = roll_zsk_if_due(*load_keys(dir_, kOrigin), folder, kOrigin, created + 10, 100, 20, 50, &due);
    ASSERT_TRUE(early.ok());
    EXPECT_FALSE(early->has_value());
    EXPECT_NEAR(static_cast<double>(due), static_cast<double>(created + 80), 2);
    auto rolled = roll_zsk_if_due(*load_keys(dir_, kOrigin), folder, kOrigin, due, 100, 20, 50, &due);
    ASSERT_TRUE(rolled.ok());
    ASSERT_TRUE(rolled->has_value());
    auto keys = load_keys(dir_, kOrigin);
    ASSERT_TRUE(keys.ok());
    EXPECT_EQ(keys->size(), 3u);
    // The old ZSK has its Inactive time now: nothing is due again until the new one ages.
    auto again = roll_zsk_if_due(*load_keys(dir_, kOrigin), folder, kOrigin, created + 90, 100, 20, 50, &due);
    ASSERT_TRUE(again.ok());
    EXPECT_FALSE(again->has_value());
}

TEST_F(KeysDir, GeneratedKeysAreBindsFormatAndPrivate) {
    for (bool ksk : {true, false}) {
        auto base = generate_key(dir_, kOrigin, kEcdsaP256Sha256, ksk);
        ASSERT_TRUE(base.ok()) << base.error().to_string();
        EXPECT_EQ(base->rfind("Kexample.com.+013+", 0), 0u) << *base;
        struct stat st {};
        ASSERT_EQ(stat((dir_ + "/" + *base + ".private").c_str(), &st), 0);
        EXPECT_EQ(st.st_mode & 0777, 0600u);
    }
    expect_signed_zone(dir_, 2);  // loaded back, they sign a zone that verifies
    EXPECT_FALSE(generate_key(dir_, kOrigin, 8, true).ok());
}

TEST_F(KeysDir, SignsWithAnEd25519Csk) {
    write_key(dir_, kEd25519, 257, 4);
    expect_signed_zone(dir_, 1);
}

}  // namespace
}  // namespace fz::dnssec
