// Filling, signing and sending the messages of a transfer.
#include "xfr/stream.h"

#include <cstring>

#include "dns/wire.h"

namespace fz::xfr {

ResponseStream::ResponseStream(uint16_t query_id, bool rd, std::string_view apex, uint16_t qtype,
                               dns::TsigStreamSigner* signer, int64_t now, Sink sink)
    : id_(query_id),
      rd_(rd),
      apex_(apex),
      qtype_(qtype),
      signer_(signer),
      now_(now),
      sink_(std::move(sink)),
      buf_(2 + kMessageCap) {
    start_message();
}

void ResponseStream::start_message() {
    uint8_t* m = buf_.data() + 2;
    dns::store_u16(m, id_);
    uint16_t flags = dns::flag::QR | dns::flag::AA;
    if (rd_) flags |= dns::flag::RD;
    dns::store_u16(m + 2, flags);
    dns::store_u16(m + 4, 1);
    std::memset(m + 6, 0, 6);
    std::memcpy(m + 12, apex_.data(), apex_.size());
    dns::store_u16(m + 12 + apex_.size(), qtype_);
    dns::store_u16(m + 14 + apex_.size(), dns::rrclass::IN);
    len_ = 2 + 12 + apex_.size() + 4;
    count_ = 0;
    last_owner_ = 0;
}

bool ResponseStream::add(std::string_view owner, uint16_t type, uint32_t ttl, const uint8_t* rdata, size_t rdata_len) {
    if (failed_) return false;
    // The owner: a pointer to the last owner when it is the same name, else its labels
    // below the apex and a pointer to the question's name (offset 12).
    const bool same = last_owner_ != 0 && last_owner_ < 0x4000 && owner == last_owner_name_;  // 14-bit pointers
    const size_t prefix = owner.size() - apex_.size();
    const size_t need = (same ? 2 : prefix + 2) + 10 + rdata_len;
    if (len_ + need + kTsigRoom > buf_.size()) {
        if (count_ == 0) {  // a record too large for any message (RDLENGTH near 65535)
            failed_ = true;
            return false;
        }
        if (!flush()) return false;
        return add(owner, type, ttl, rdata, rdata_len);
    }
    uint8_t* p = buf_.data() + len_;
    if (same) {
        dns::store_u16(p, static_cast<uint16_t>(0xc000 | last_owner_));
        p += 2;
    } else {
        last_owner_ = len_ - 2;
        last_owner_name_ = owner;
        std::memcpy(p, owner.data(), prefix);
        p += prefix;
        dns::store_u16(p, 0xc00c);
        p += 2;
    }
    dns::store_u16(p, type);
    dns::store_u16(p + 2, dns::rrclass::IN);
    dns::store_u32(p + 4, ttl);
    dns::store_u16(p + 8, static_cast<uint16_t>(rdata_len));
    std::memcpy(p + 10, rdata, rdata_len);
    len_ += need;
    ++count_;
    ++records_;
    return true;
}

bool ResponseStream::flush() {
    uint8_t* m = buf_.data() + 2;
    dns::store_u16(m + 6, count_);
    size_t n = len_ - 2;
    if (signer_ != nullptr) {
        n = signer_->sign(m, n, kMessageCap, now_);
        if (n == 0) {
            failed_ = true;
            return false;
        }
    }
    dns::store_u16(buf_.data(), static_cast<uint16_t>(n));
    ++messages_;
    bytes_ += n + 2;
    if (!sink_(buf_.data(), n + 2)) {
        failed_ = true;
        return false;
    }
    start_message();
    return true;
}

bool ResponseStream::finish() { return !failed_ && flush(); }

bool ResponseStream::error(uint16_t rcode) {
    if (failed_) return false;
    start_message();
    uint8_t* m = buf_.data() + 2;
    dns::store_u16(m + 2, static_cast<uint16_t>((dns::load_u16(m + 2) & ~dns::flag::AA) | (rcode & 0x0f)));
    return flush();
}

}  // namespace fz::xfr
