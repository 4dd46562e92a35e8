// The messages of one transfer response (AXFR, IXFR over TCP): records go into a message
// until it is full, then the message is signed (TSIG, when the request was) and handed to
// the sink framed by its 2-byte length. Every message repeats the question, so that each
// owner is written as its labels below the apex and a pointer to the question's name.
// Memory is one message, whatever the zone's size. Control plane.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string_view>
#include <vector>

#include "dns/tsig.h"

namespace fz::xfr {

class ResponseStream {
public:
    // Writes one framed message (2-byte length, then the message); false when the
    // connection failed, which ends the stream.
    using Sink = std::function<bool(const uint8_t* framed, size_t len)>;

    // `query_id` and `rd` from the request; `apex` canonical wire; `signer` may be null.
    ResponseStream(uint16_t query_id, bool rd, std::string_view apex, uint16_t qtype, dns::TsigStreamSigner* signer,
                   int64_t now, Sink sink);

    // Adds one record whose owner (canonical wire) is at or below the apex. False once
    // the sink failed.
    bool add(std::string_view owner, uint16_t type, uint32_t ttl, const uint8_t* rdata, size_t rdata_len);
    bool add(std::string_view owner, uint16_t type, uint32_t ttl, std::string_view rdata) {
        return add(owner, type, ttl, reinterpret_cast<const uint8_t*>(rdata.data()), rdata.size());
    }
    // Sends what is left; false when the sink failed.
    bool finish();
    // A stream of one message with `rcode` and no records (errors, refusals).
    bool error(uint16_t rcode);

    uint64_t records() const { return records_; }
    uint64_t messages() const { return messages_; }
    uint64_t bytes() const { return bytes_; }

private:
    void start_message();
    bool flush();

    // Room kept at a message's end for its TSIG record (a 255-byte key name, a 255-byte
    // algorithm name at most, a 64-byte MAC).
    static constexpr size_t kTsigRoom = 640;
    static constexpr size_t kMessageCap = 65535;

    uint16_t id_;
    bool rd_;
    std::string_view apex_;
    uint16_t qtype_;
    dns::TsigStreamSigner* signer_;
    int64_t now_;
    Sink sink_;
    std::vector<uint8_t> buf_;  // [2-byte length][message]
    size_t len_ = 0;            // bytes of buf_ in use, the length prefix included
    uint16_t count_ = 0;        // records in this message
    size_t last_owner_ = 0;     // message offset of the last owner written in full (0: none)
    std::string_view last_owner_name_;
    bool failed_ = false;
    uint64_t records_ = 0;
    uint64_t messages_ = 0;
    uint64_t bytes_ = 0;
};

}  // namespace fz::xfr
