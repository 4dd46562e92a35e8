#include "dnssec/keys.h"

#include <fcntl.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>

#include "common/encoding.h"
#include "common/text.h"

namespace fz::dnssec {
namespace {

struct BnFree {
    void operator()(BIGNUM* b) const { BN_clear_free(b); }
};
struct BldFree {
    void operator()(OSSL_PARAM_BLD* b) const { OSSL_PARAM_BLD_free(b); }
};
struct ParamsFree {
    void operator()(OSSL_PARAM* p) const { OSSL_PARAM_free(p); }
};
struct CtxFree {
    void operator()(EVP_PKEY_CTX* c) const { EVP_PKEY_CTX_free(c); }
};

Error error(const std::string& file, const std::string& message) { return Error{file, 0, message}; }

// A DNSKEY's wire rdata: flags, protocol 3, algorithm, the public key (RFC 4034 2.1).
std::string dnskey_rdata(uint16_t flags, uint8_t algorithm, const std::string& public_key) {
    std::string rdata = {static_cast<char>(flags >> 8), static_cast<char>(flags & 0xff), 3,
                         static_cast<char>(algorithm)};
    return rdata + public_key;
}

std::optional<std::string> read_file(const std::string& path) {
    std::ifstream in(path);
    if (!in) return std::nullopt;
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

// The public key file: "<zone> [TTL] [IN] DNSKEY <flags> 3 <alg> <base64...>", comments
// (';') around it.
Status read_public(const std::string& path, const std::string& text, SigningKey& k) {
    std::istringstream lines(text);
    for (std::string line; std::getline(lines, line);) {
        if (line.empty() || line[0] == ';') continue;
        std::istringstream words(line);
        std::vector<std::string> w;
        for (std::string x; words >> x;) w.push_back(x);
        auto at = std::find(w.begin(), w.end(), "DNSKEY");
        if (at == w.end() || w.end() - at < 5) continue;
        const int flags = std::atoi(at[1].c_str()), protocol = std::atoi(at[2].c_str()), alg = std::atoi(at[3].c_str());
        std::string b64, key;
        for (auto p = at + 4; p != w.end(); ++p) b64 += *p;
        if (protocol != 3 || (flags != 256 && flags != 257) || !base64_decode(b64, key)) {
            return error(path, "not a DNSKEY of a zone (flags 256 or 257, protocol 3, the key in base64)");
        }
        k.flags = static_cast<uint16_t>(flags);
        k.algorithm = static_cast<uint8_t>(alg);
        k.dnskey_rdata = dnskey_rdata(static_cast<uint16_t>(flags), static_cast<uint8_t>(alg), key);
        k.tag = key_tag(k.dnskey_rdata);
        return Ok{};
    }
    return error(path, "no DNSKEY record in the key file");
}

// read_public() of a key fastzone can sign with.
Status read_signing_public(const std::string& path, const std::string& text, SigningKey& k) {
    auto st = read_public(path, text, k);
    if (!st) return st.error();
    if (k.algorithm != kEcdsaP256Sha256 && k.algorithm != kEd25519) {
        return error(path, "algorithm " + std::to_string(k.algorithm) +
                               ": fastzone signs with 13 (ECDSAP256SHA256) and 15 (ED25519)");
    }
    return Ok{};
}

// A private file readable by anyone but its owner is refused: it signs for the zone.
Status check_private_mode(const std::string& path) {
    struct stat st {};
    if (stat(path.c_str(), &st) != 0) return error(path, "cannot read the private key file");
    if (st.st_mode & 077) {
        char mode[8];
        std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
        return error(path, std::string("the private key is readable by others (mode ") + mode +
                               "): only the server's user may read it (chmod 600)");
    }
    if (st.st_uid != geteuid() && geteuid() != 0) {
        return error(path, "the private key belongs to another user than the server's");
    }
    return Ok{};
}

// BIND writes an ECDSA scalar without its leading zero bytes (one key in 256 has a
// 31-byte PrivateKey): padded back to 32 here. An Ed25519 seed is always 32 bytes.
Result<std::string> private_scalar(const std::string& path, const std::string& text, uint8_t algorithm) {
    std::istringstream lines(text);
    for (std::string line; std::getline(lines, line);) {
        if (line.rfind("PrivateKey:", 0) != 0) continue;
        std::string b64 = line.substr(11), out;
        b64.erase(std::remove_if(b64.begin(), b64.end(), [](unsigned char c) { return std::isspace(c); }), b64.end());
        if (!base64_decode(b64, out)) return error(path, "PrivateKey is not base64");
        const bool sized = algorithm == kEd25519 ? out.size() == 32 : !out.empty() && out.size() <= 32;
        if (!sized) return error(path, "PrivateKey is not a key of 32 bytes");
        return std::string(32 - out.size(), '\0') + out;
    }
    return error(path, "no PrivateKey in the private key file");
}

// BIND's timing metadata in the private file: "Publish: 20261203120000" (UTC).
Status read_timing(const std::string& path, const std::string& text, SigningKey& k) {
    std::istringstream lines(text);
    for (std::string line; std::getline(lines, line);) {
        int64_t* field = line.rfind("Created:", 0) == 0    ? &k.created
                         : line.rfind("Publish:", 0) == 0  ? &k.publish
                         : line.rfind("Activate:", 0) == 0 ? &k.activate
                         : line.rfind("Inactive:", 0) == 0 ? &k.inactive
                         : line.rfind("Delete:", 0) == 0   ? &k.remove
                                                           : nullptr;
        if (field == nullptr) continue;
        std::tm tm{};
        const std::string value = line.substr(line.find(':') + 1);
        if (std::sscanf(value.c_str(), " %4d%2d%2d%2d%2d%2d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
                        &tm.tm_min, &tm.tm_sec) != 6) {
            return error(path, "\"" + line + "\": a time is YYYYMMDDHHMMSS (UTC)");
        }
        tm.tm_year -= 1900;
        tm.tm_mon -= 1;
        *field = static_cast<int64_t>(timegm(&tm));
    }
    return Ok{};
}

Result<EVP_PKEY*> make_key(const std::string& path, const SigningKey& k, const std::string& secret) {
    const auto* priv = reinterpret_cast<const unsigned char*>(secret.data());
    if (k.algorithm == kEd25519) {
        EVP_PKEY* key = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, priv, secret.size());
        if (key == nullptr) return error(path, "OpenSSL refused the Ed25519 private key");
        return key;
    }
    // ECDSA P-256: the private scalar, and the public point from the DNSKEY (x || y).
    const std::string pub = "\x04" + k.dnskey_rdata.substr(4);
    if (pub.size() != 65) return error(path, "the DNSKEY's public key is not a P-256 point (64 bytes)");
    std::unique_ptr<BIGNUM, BnFree> d(BN_bin2bn(priv, static_cast<int>(secret.size()), nullptr));
    std::unique_ptr<OSSL_PARAM_BLD, BldFree> bld(OSSL_PARAM_BLD_new());
    if (!d || !bld || !OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0) ||
        !OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_PRIV_KEY, d.get()) ||
        !OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, pub.data(), pub.size())) {
        return error(path, "OpenSSL could not hold the ECDSA key");
    }
    std::unique_ptr<OSSL_PARAM, ParamsFree> params(OSSL_PARAM_BLD_to_param(bld.get()));
    std::unique_ptr<EVP_PKEY_CTX, CtxFree> ctx(EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr));
    EVP_PKEY* key = nullptr;
    if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) <= 0 ||
        EVP_PKEY_fromdata(ctx.get(), &key, EVP_PKEY_KEYPAIR, params.get()) <= 0) {
        return error(path, "OpenSSL refused the ECDSA P-256 private key");
    }
    return key;
}

// A fresh key's public part (the DNSKEY's key field) and private scalar.
Status new_key_material(uint8_t algorithm, std::string& pub, std::string& priv) {
    std::unique_ptr<EVP_PKEY_CTX, CtxFree> ctx(EVP_PKEY_CTX_new_from_name(nullptr,
                                                                          algorithm == kEd25519 ? "ED25519" : "EC",
                                                                          nullptr));
    EVP_PKEY* raw = nullptr;
    if (!ctx || EVP_PKEY_keygen_init(ctx.get()) <= 0 ||
        (algorithm != kEd25519 && EVP_PKEY_CTX_set_group_name(ctx.get(), "prime256v1") <= 0) ||
        EVP_PKEY_generate(ctx.get(), &raw) <= 0) {
        return Error{"", 0, "OpenSSL cannot make the key"};
    }
    std::unique_ptr<EVP_PKEY, PkeyFree> key(raw);
    if (algorithm == kEd25519) {
        size_t n = 32;
        pub.resize(32);
        priv.resize(32);
        if (EVP_PKEY_get_raw_public_key(key.get(), reinterpret_cast<unsigned char*>(pub.data()), &n) <= 0 ||
            EVP_PKEY_get_raw_private_key(key.get(), reinterpret_cast<unsigned char*>(priv.data()), &n) <= 0)
            return Error{"", 0, "OpenSSL cannot export the Ed25519 key"};
        return Ok{};
    }
    unsigned char point[65];
    size_t n = 0;
    BIGNUM* d = nullptr;
    if (EVP_PKEY_get_octet_string_param(key.get(), OSSL_PKEY_PARAM_PUB_KEY, point, sizeof point, &n) <= 0 || n != 65 ||
        EVP_PKEY_get_bn_param(key.get(), OSSL_PKEY_PARAM_PRIV_KEY, &d) <= 0) {
        return Error{"", 0, "OpenSSL cannot export the ECDSA key"};
    }
    std::unique_ptr<BIGNUM, BnFree> scalar(d);
    pub.assign(reinterpret_cast<const char*>(point) + 1, 64);
    priv.resize(32);
    BN_bn2binpad(scalar.get(), reinterpret_cast<unsigned char*>(priv.data()), 32);
    return Ok{};
}

std::string base64_encode(const std::string& bytes) {
    std::string out;
    append_base64(out, reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
    return out;
}

}  // namespace

void PkeyFree::operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }

namespace {

// BIND's form of a time in key files: YYYYMMDDHHMMSS, UTC.
std::string key_time(int64_t t) { return format_utc(t, "%Y%m%d%H%M%S"); }

}  // namespace

std::string with_key_time(const std::string& private_text, const std::string& field, int64_t t) {
    std::istringstream lines(private_text);
    std::string out;
    for (std::string line; std::getline(lines, line);) {
        if (line.rfind(field + ":", 0) != 0) out += line + "\n";
    }
    return out + field + ": " + key_time(t) + "\n";
}

Status set_key_time(const std::string& private_file, const std::string& field, int64_t t) {
    auto text = read_file(private_file);
    if (!text) return error(private_file, "cannot read the private key file");
    const std::string out = with_key_time(*text, field, t);
    // Written beside it and renamed over it: the key is never half-written.
    const std::string tmp = private_file + ".tmp";
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0) return error(tmp, std::string("cannot create: ") + std::strerror(errno));
    const bool written = ::write(fd, out.data(), out.size()) == static_cast<ssize_t>(out.size()) && ::fsync(fd) == 0;
    ::close(fd);
    if (!written || ::rename(tmp.c_str(), private_file.c_str()) != 0) {
        ::unlink(tmp.c_str());
        return error(private_file, std::string("cannot write: ") + std::strerror(errno));
    }
    return Ok{};
}

Result<std::string> roll_zsk(KeyRing& ring, const dns::Name& zone, int64_t now, int64_t prepublish, int64_t retire) {
    auto keys = ring.load();
    if (!keys) return keys.error();
    std::vector<const SigningKey*> current;
    for (const SigningKey& k : *keys) {
        if (!k.ksk() && k.open_ended(now)) current.push_back(&k);
    }
    if (current.empty()) {
        return error(ring.where(), "no active ZSK of " + zone.to_text() + " without an Inactive time to roll");
    }
    auto base = add_new_key(ring, zone, current.front()->algorithm, false, KeyTimes{now, now + prepublish}, now);
    if (!base) return base.error();
    for (const SigningKey* k : current) {
        if (auto st = ring.set_time(*k, "Inactive", now + prepublish); !st) return st.error();
        if (auto st = ring.set_time(*k, "Delete", now + prepublish + retire); !st) return st.error();
    }
    return base;
}

Result<std::optional<std::string>> roll_zsk_if_due(const std::vector<SigningKey>& keys, KeyRing& ring,
                                                   const dns::Name& zone, int64_t now, int64_t lifetime,
                                                   int64_t prepublish, int64_t retire, int64_t* due) {
    *due = 0;
    for (const SigningKey& k : keys) {
        if (k.ksk() || !k.open_ended(now)) continue;
        const int64_t at = (k.activate != 0 ? k.activate : k.created) + lifetime - prepublish;
        if (at <= now) {
            auto base = roll_zsk(ring, zone, now, prepublish, retire);
            if (!base) return base.error();
            return std::optional<std::string>(*base);
        }
        if (*due == 0 || at < *due) *due = at;
    }
    return std::optional<std::string>();
}

Result<std::string> retire_key(KeyRing& ring, const dns::Name& zone, uint16_t tag, int64_t now, int64_t after) {
    auto keys = ring.load();
    if (!keys) return keys.error();
    const SigningKey* key = nullptr;
    size_t others = 0;
    for (const SigningKey& k : *keys) {
        if (k.tag == tag) key = &k;
    }
    if (key == nullptr) return error(ring.where(), "no key of " + zone.to_text() + " with tag " + std::to_string(tag));
    for (const SigningKey& k : *keys) {
        // Another key of the same role signs on after it: never a zone without a KSK or ZSK.
        if (&k != key && k.ksk() == key->ksk() && k.open_ended(now + after)) ++others;
    }
    if (others == 0) {
        return error(key->file, std::string("no other ") + (key->ksk() ? "KSK" : "ZSK") +
                                    " signs after it: add one first (dnssec keygen, roll-zsk)");
    }
    for (const char* field : {"Inactive", "Delete"}) {
        if (auto st = ring.set_time(*key, field, now + after); !st) return st.error();
    }
    return key->file;
}

Result<KeyFiles> new_key(const dns::Name& zone, uint8_t algorithm, bool ksk, KeyTimes times, int64_t now) {
    if (algorithm != kEcdsaP256Sha256 && algorithm != kEd25519) {
        return Error{"", 0, "algorithm " + std::to_string(algorithm) + ": 13 (ECDSAP256SHA256) or 15 (ED25519)"};
    }
    const uint16_t flags = ksk ? kFlagZone | kFlagSep : kFlagZone;
    std::string pub, priv;
    auto st = new_key_material(algorithm, pub, priv);
    if (!st) return st.error();
    KeyFiles out;
    out.tag = key_tag(dnskey_rdata(flags, algorithm, pub));
    char id[16];
    std::snprintf(id, sizeof id, "+%03u+%05u", algorithm, out.tag);
    const std::string owner = zone.lowered().to_text();
    out.base = "K" + owner + id;
    out.private_text = std::string("Private-key-format: v1.3\nAlgorithm: ") + std::to_string(algorithm) +
                       (algorithm == kEd25519 ? " (ED25519)" : " (ECDSAP256SHA256)") +
                       "\nPrivateKey: " + base64_encode(priv) + "\nCreated: " + key_time(now) + "\n" +
                       (times.publish != 0 ? "Publish: " + key_time(times.publish) + "\n" : "") +
                       (times.activate != 0 ? "Activate: " + key_time(times.activate) + "\n" : "");
    out.public_text = "; This is a " + std::string(ksk ? "key" : "zone") + "-signing key, keyid " +
                      std::to_string(out.tag) + ", for " + owner + "\n" + owner + " IN DNSKEY " +
                      std::to_string(flags) + " 3 " + std::to_string(algorithm) + " " + base64_encode(pub) + "\n";
    return out;
}

Result<std::string> add_new_key(KeyRing& ring, const dns::Name& zone, uint8_t algorithm, bool ksk, KeyTimes times,
                                int64_t now) {
    for (int attempt = 0; attempt < 8; ++attempt) {
        auto key = new_key(zone, algorithm, ksk, times, now);
        if (!key) return key.error();
        auto st = ring.add(*key);
        if (st) return key->base;
        if (st.error().message != kTagTaken) return st.error();
    }
    return Error{ring.where(), 0, "no free key tag after 8 keys"};
}

Result<std::string> generate_key(const std::string& dir, const dns::Name& zone, uint8_t algorithm, bool ksk,
                                 KeyTimes times) {
    KeyFolder folder(dir, zone);
    return add_new_key(folder, zone, algorithm, ksk, times, std::time(nullptr));
}

Status KeyFolder::add(const KeyFiles& key) {
    const std::string path = dir_ + "/" + key.base;
    // O_EXCL: a tag another key of the zone has is drawn again.
    const int fd = ::open((path + ".private").c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600);
    if (fd < 0 && errno == EEXIST) return Error{path + ".private", 0, kTagTaken};
    if (fd < 0) return Error{path + ".private", 0, std::string("cannot create: ") + std::strerror(errno)};
    const std::string& text = key.private_text;
    const bool written = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
    ::close(fd);
    std::ofstream pub(path + ".key");
    pub << key.public_text;
    if (!written || !pub) return Error{path, 0, "cannot write the key files"};
    return Ok{};
}

Status KeyFolder::set_time(const SigningKey& key, const std::string& field, int64_t t) {
    return set_key_time(key.file, field, t);
}

Result<std::vector<SigningKey>> KeyFolder::load() { return load_keys(dir_, zone_); }

int64_t SigningKey::next_event(int64_t now) const {
    int64_t next = 0;
    for (int64_t t : {publish, activate, inactive, remove}) {
        if (t > now && (next == 0 || t < next)) next = t;
    }
    return next;
}

std::string ds_rdata(const dns::Name& zone, const std::string& dnskey) {
    const dns::Name owner = zone.lowered();
    std::string data(reinterpret_cast<const char*>(owner.data()), owner.size());
    data += dnskey;
    unsigned char digest[32];
    unsigned int len = 0;
    EVP_Digest(data.data(), data.size(), digest, &len, EVP_sha256(), nullptr);
    const uint16_t tag = key_tag(dnskey);
    std::string ds = {static_cast<char>(tag >> 8), static_cast<char>(tag & 0xff), dnskey.size() > 3 ? dnskey[3] : '\0',
                      2};
    return ds.append(reinterpret_cast<const char*>(digest), len);
}

uint16_t key_tag(const std::string& rdata) {
    uint32_t ac = 0;
    for (size_t i = 0; i < rdata.size(); ++i) {
        const auto b = static_cast<uint8_t>(rdata[i]);
        ac += (i & 1) ? b : static_cast<uint32_t>(b) << 8;
    }
    ac += (ac >> 16) & 0xffff;
    return static_cast<uint16_t>(ac & 0xffff);
}

Result<SigningKey> parse_key(const std::string& name, const std::string& public_text, const std::string& private_text,
                             int64_t created, const std::string& public_name) {
    SigningKey k;
    k.file = name;
    auto st = read_signing_public(public_name.empty() ? name : public_name, public_text, k);
    if (!st) return st.error();
    st = read_timing(name, private_text, k);
    if (!st) return st.error();
    if (k.created == 0) k.created = created;
    auto secret = private_scalar(name, private_text, k.algorithm);
    if (!secret) return secret.error();
    auto key = make_key(name, k, *secret);
    if (!key) return key.error();
    k.key.reset(*key);
    return k;
}

Result<std::vector<SigningKey>> load_keys(const std::string& dir, const dns::Name& zone) {
    // BIND writes the zone in lower case with its final dot: Kexample.com.+013+12345.key
    const std::string prefix = "K" + zone.lowered().to_text() + "+";
    std::vector<std::string> files;
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
        const std::string name = e.path().filename().string();
        if (name.rfind(prefix, 0) == 0 && name.size() > 4 && name.compare(name.size() - 4, 4, ".key") == 0)
            files.push_back(e.path().string());
    }
    if (ec) return error(dir, "cannot read the keys folder: " + ec.message());
    std::sort(files.begin(), files.end());
    std::vector<SigningKey> keys;
    for (const std::string& pub : files) {
        const std::string priv = pub.substr(0, pub.size() - 4) + ".private";
        const auto public_text = read_file(pub);
        if (!public_text) return error(pub, "cannot read the key file");
        SigningKey probe;  // the public file's errors first, as it names the key
        auto st = read_signing_public(pub, *public_text, probe);
        if (!st) return st.error();
        st = check_private_mode(priv);
        if (!st) return st.error();
        const auto text = read_file(priv);
        if (!text) return error(priv, "cannot read the private key file");
        struct stat info {};
        auto k = parse_key(priv, *public_text, *text, ::stat(priv.c_str(), &info) == 0 ? info.st_mtime : 0, pub);
        if (!k) return k.error();
        keys.push_back(std::move(k.value()));
    }
    if (keys.empty()) return error(dir, "no keys of " + zone.to_text() + " (" + prefix + "*.key) in the folder");
    return keys;
}

}  // namespace fz::dnssec
