// A DNS response in dig-like text, for fastzonectl explain and logs. Control plane.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace fz::engine {

// ";; status: NOERROR, flags: qr aa ..." then the sections, one record per line.
std::string describe_response(const uint8_t* msg, size_t len);

}  // namespace fz::engine
