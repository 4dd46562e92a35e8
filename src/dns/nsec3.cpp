#include "dns/nsec3.h"

// OpenSSL's SHA1_* functions are deprecated in 3.0 in favour of EVP, whose contexts are
// heap objects: the one-shot SHA-1 on a stack context keeps a query's hashing free of
// allocation, which the data plane's rule forbids.
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/sha.h>

#include "common/assert.h"
#include "dns/wire.h"

namespace fz::dns {

void nsec3_hash(const uint8_t* name, size_t name_len, const uint8_t* salt, size_t salt_len, uint16_t iterations,
                uint8_t out[kNsec3HashLen]) {
    FZ_ASSERT(name_len <= kMaxNameWire);
    uint8_t lowered[kMaxNameWire];
    for (size_t i = 0; i < name_len; ++i) lowered[i] = lower(name[i]);
    SHA_CTX ctx;
    SHA1_Init(&ctx);
    SHA1_Update(&ctx, lowered, name_len);
    SHA1_Update(&ctx, salt, salt_len);
    SHA1_Final(out, &ctx);
    for (uint16_t i = 0; i < iterations; ++i) {
        SHA1_Init(&ctx);
        SHA1_Update(&ctx, out, kNsec3HashLen);
        SHA1_Update(&ctx, salt, salt_len);
        SHA1_Final(out, &ctx);
    }
}

}  // namespace fz::dns
