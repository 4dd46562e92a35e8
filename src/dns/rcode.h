// Names of response codes (RFC 1035, 2136, 6891 extended rcodes) and opcodes, as dig and
// Knot DNS print them: one table for stats, metrics and response descriptions.
#pragma once

#include <cstdint>

namespace fz::dns {

// "NOERROR" ... "NOTZONE", "BADVERS" (16); "RCODE?" for the rest.
const char* rcode_name(unsigned rcode);
// "QUERY", "IQUERY", "STATUS", "NOTIFY", "UPDATE", "DSO"; "OPCODE?" for the rest.
const char* opcode_name(unsigned opcode);

}  // namespace fz::dns
