// TSIG-signed queries (RFC 8945): a secondary asks its primary for the SOA with its key
// before it transfers, and expects a signed answer. The sockets send such queries here,
// off the query path: the signature is checked against the configuration's keys, the
// query answered by engine::answer() without its TSIG record, and the answer signed.
#pragma once

#include <cstddef>
#include <cstdint>

#include "dns/tsig.h"
#include "engine/answer.h"
#include "engine/publisher.h"

namespace fz::xfr {

// Writes the response to `msg` into `out` (`cap` bytes) at Unix time `now`; its length,
// or 0 to send nothing (a message that is not a sound signed query). A signature that
// does not verify gets NOTAUTH with the TSIG error (BADKEY, BADSIG unsigned; BADTIME
// signed), as RFC 8945 5.2 says.
size_t answer_signed_query(const engine::Publisher& publisher, const dns::TsigKeyring& keys, const uint8_t* msg,
                           size_t len, const engine::Peer& peer, engine::Transport transport, uint8_t* out, size_t cap,
                           int64_t now);

}  // namespace fz::xfr
