// Names of response codes and opcodes.
#include "dns/rcode.h"

#include <iterator>

namespace fz::dns {

const char* rcode_name(unsigned rcode) {
    static const char* const names[] = {"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED",
                                        "YXDOMAIN", "YXRRSET", "NXRRSET", "NOTAUTH", "NOTZONE"};
    if (rcode < std::size(names)) return names[rcode];
    return rcode == 16 ? "BADVERS" : "RCODE?";
}

const char* opcode_name(unsigned opcode) {
    static const char* const names[] = {"QUERY", "IQUERY", "STATUS", "OPCODE?", "NOTIFY", "UPDATE", "DSO"};
    return opcode < std::size(names) ? names[opcode] : "OPCODE?";
}

}  // namespace fz::dns
