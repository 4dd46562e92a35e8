// Which NSEC and NSEC3 RRsets (or which DS) prove what a signed zone's answer denies: no
// such name, no such type, no exact match behind a wildcard, no DS at a delegation (RFC
// 4035 3.1.3-4, RFC 5155 7.2). answer() asks only for queries with DO in signed zones;
// nothing here allocates.
#pragma once

#include <cstddef>
#include <cstdint>

#include "zone/image.h"

namespace fz::zone {

// A name being answered, as answer() holds it: canonical wire bytes, the offset of each
// label, and the table hash (dns::hash_label) of each suffix, [label_count] the root's.
struct NameView {
    const uint8_t* wire;
    size_t len;
    const uint8_t* labels;
    size_t label_count;
    const uint64_t* hash;
};

// The RRsets an authority section carries as proof, each with its owner, without repeats.
struct Proofs {
    static constexpr size_t kMax = 8;
    const Node* owners[kMax];
    const RRset* sets[kMax];
    uint8_t count = 0;

    void add(const Node* owner, const RRset* set) {
        for (uint8_t i = 0; i < count; ++i) {
            if (sets[i] == set) return;
        }
        if (count < kMax) {
            owners[count] = owner;
            sets[count++] = set;
        }
    }
};

// `apex_label`: the label of `name` at which the zone's apex starts.
// NXDOMAIN: no `name`, and no wildcard at its closest encloser `ce`.
void prove_nxdomain(const ZoneImage& zone, const NameView& name, size_t apex_label, const Node* ce, Proofs& out);
// NODATA at `node`: `name` itself, or an ancestor (a delegation when the question is DS).
// `routed`: the policy RRset there that has no answer for this client, whose own proof
// (ZoneImage::policy_nodata) denies its type, when it has one.
void prove_nodata(const ZoneImage& zone, const NameView& name, size_t apex_label, const Node* node, Proofs& out,
                  const RRset* routed = nullptr);
// An answer from wildcard `star`: `name` does not exist; with `nodata`, nor the type at `star`.
void prove_wildcard(const ZoneImage& zone, const NameView& name, size_t apex_label, const Node* star, bool nodata,
                    Proofs& out);
// A referral at `cut`: its DS, or the proof that it has none (an insecure delegation).
void prove_delegation(const ZoneImage& zone, const NameView& name, size_t apex_label, const Node* cut, Proofs& out);

}  // namespace fz::zone
