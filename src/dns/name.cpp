// Domain names in uncompressed wire form: text conversion, case folding, comparisons.
#include "dns/name.h"

#include <algorithm>
#include <array>
#include <vector>

namespace fz::dns {

size_t Name::label_count() const {
    size_t n = 0;
    for (size_t i = 0; i < wire_.size() && wire_[i] != 0; i += static_cast<uint8_t>(wire_[i]) + 1) ++n;
    return n;
}

Name Name::lowered() const {
    Name n = *this;
    for (auto& c : n.wire_) c = static_cast<char>(lower(static_cast<uint8_t>(c)));
    // Length bytes are < 64 and never in 'A'..'Z' (65..90), so folding them is harmless.
    return n;
}

Name Name::parent() const {
    if (is_root()) return *this;
    Name n;
    n.wire_ = wire_.substr(static_cast<uint8_t>(wire_[0]) + 1);
    return n;
}

bool Name::prepend_label(std::string_view label) {
    if (label.empty() || label.size() > kMaxLabel || wire_.size() + label.size() + 1 > kMaxNameWire) return false;
    std::string w;
    w.reserve(wire_.size() + label.size() + 1);
    w.push_back(static_cast<char>(label.size()));
    w.append(label);
    w.append(wire_);
    wire_ = std::move(w);
    return true;
}

bool Name::equals(const Name& other) const {
    return wire_.size() == other.wire_.size() && wire_names_equal_ci(data(), other.data(), wire_.size());
}

bool Name::is_subdomain_of(const Name& ancestor) const {
    if (ancestor.size() > size()) return false;
    // Walk labels until the remaining suffix has the ancestor's length, then compare.
    size_t i = 0;
    while (size() - i > ancestor.size()) i += static_cast<uint8_t>(wire_[i]) + 1;
    return size() - i == ancestor.size() && wire_names_equal_ci(data() + i, ancestor.data(), ancestor.size());
}

std::string Name::to_text() const { return wire_name_to_text(data()); }

std::string wire_name_to_text(const uint8_t* wire) {
    std::string out;
    size_t i = 0;
    if (wire[0] == 0) return ".";
    while (wire[i] != 0) {
        uint8_t len = wire[i++];
        for (uint8_t k = 0; k < len; ++k, ++i) {
            uint8_t c = wire[i];
            if (c == '.' || c == '\\' || c == '"' || c == '(' || c == ')' || c == ';' || c == '@' || c == '$') {
                out.push_back('\\');
                out.push_back(static_cast<char>(c));
            } else if (c <= 0x20 || c >= 0x7f) {
                char buf[5];
                buf[0] = '\\';
                buf[1] = static_cast<char>('0' + c / 100);
                buf[2] = static_cast<char>('0' + (c / 10) % 10);
                buf[3] = static_cast<char>('0' + c % 10);
                out.append(buf, 4);
            } else {
                out.push_back(static_cast<char>(c));
            }
        }
        out.push_back('.');
    }
    return out;
}

Result<Name> name_from_text(std::string_view text, const Name* origin) {
    if (text.empty()) return Error{"", 0, "empty domain name"};
    if (text == "@") {
        if (origin == nullptr) return Error{"", 0, "'@' used without an origin"};
        return *origin;
    }
    if (text == ".") return Name();

    std::string wire;
    wire.reserve(text.size() + 2);
    std::string label;
    bool absolute = false;
    size_t i = 0;
    auto flush_label = [&]() -> bool {
        if (label.empty() || label.size() > kMaxLabel) return false;
        wire.push_back(static_cast<char>(label.size()));
        wire.append(label);
        label.clear();
        return true;
    };
    while (i < text.size()) {
        char c = text[i];
        if (c == '.') {
            if (label.empty()) return Error{"", 0, "empty label in domain name '" + std::string(text) + "'"};
            if (!flush_label()) return Error{"", 0, "label longer than 63 bytes in '" + std::string(text) + "'"};
            ++i;
            if (i == text.size()) absolute = true;
            continue;
        }
        if (c == '\\') {
            if (i + 1 >= text.size())
                return Error{"", 0, "dangling backslash in domain name '" + std::string(text) + "'"};
            char d = text[i + 1];
            if (d >= '0' && d <= '9') {
                if (i + 3 >= text.size() || !(text[i + 2] >= '0' && text[i + 2] <= '9') ||
                    !(text[i + 3] >= '0' && text[i + 3] <= '9')) {
                    return Error{"", 0, "bad \\DDD escape in domain name '" + std::string(text) + "'"};
                }
                int v = (d - '0') * 100 + (text[i + 2] - '0') * 10 + (text[i + 3] - '0');
                if (v > 255) return Error{"", 0, "\\DDD escape above 255 in domain name '" + std::string(text) + "'"};
                label.push_back(static_cast<char>(v));
                i += 4;
            } else {
                label.push_back(d);
                i += 2;
            }
        } else {
            label.push_back(c);
            ++i;
        }
        if (label.size() > kMaxLabel) return Error{"", 0, "label longer than 63 bytes in '" + std::string(text) + "'"};
    }
    if (!label.empty() && !flush_label()) {
        return Error{"", 0, "label longer than 63 bytes in '" + std::string(text) + "'"};
    }
    if (!absolute) {
        if (origin == nullptr)
            return Error{"", 0, "relative domain name '" + std::string(text) + "' without an origin"};
        wire.append(origin->bytes());
    } else {
        wire.push_back('\0');
    }
    if (wire.size() > kMaxNameWire)
        return Error{"", 0, "domain name longer than 255 bytes: '" + std::string(text) + "'"};
    return Name::from_wire(reinterpret_cast<const uint8_t*>(wire.data()), wire.size());
}

size_t wire_name_length(const uint8_t* p, size_t max) {
    size_t i = 0;
    while (i < max) {
        uint8_t len = p[i];
        if (len == 0) {
            return i + 1 <= kMaxNameWire ? i + 1 : 0;
        }
        if (len > kMaxLabel) return 0;
        i += len + 1;
        if (i >= kMaxNameWire) return 0;
    }
    return 0;
}

size_t read_message_name(const uint8_t* msg, size_t msg_len, size_t pos, uint8_t* out, size_t* out_len) {
    size_t written = 0;
    size_t end = 0;      // offset after the name's bytes at the original position
    size_t limit = pos;  // pointers must go strictly backwards: no loops possible
    while (true) {
        if (pos >= msg_len) return 0;
        uint8_t len = msg[pos];
        if ((len & 0xc0) == 0xc0) {
            if (pos + 1 >= msg_len) return 0;
            size_t target = static_cast<size_t>(((len & 0x3f) << 8) | msg[pos + 1]);
            if (end == 0) end = pos + 2;
            if (target >= limit) return 0;
            limit = target;
            pos = target;
            continue;
        }
        if (len > kMaxLabel) return 0;  // 0x40/0x80 label types are obsolete or unassigned
        if (written + len + 1 > kMaxNameWire) return 0;
        if (pos + 1 + len > msg_len) return 0;
        out[written++] = len;
        if (len == 0) {
            if (end == 0) end = pos + 1;
            *out_len = written;
            return end;
        }
        std::memcpy(out + written, msg + pos + 1, len);
        written += len;
        pos += len + 1;
    }
}

int canonical_compare(const Name& a, const Name& b) { return canonical_compare_wire(a.data(), b.data()); }

int canonical_compare_wire(const uint8_t* a, const uint8_t* b) {
    // Compare label by label from the right (RFC 4034 6.1), case-insensitively.
    uint8_t la[kMaxLabels + 1], lb[kMaxLabels + 1];
    size_t ia = 0, ib = 0;
    for (size_t i = 0; a[i] != 0; i += a[i] + 1u) la[ia++] = static_cast<uint8_t>(i);
    for (size_t i = 0; b[i] != 0; i += b[i] + 1u) lb[ib++] = static_cast<uint8_t>(i);
    while (ia > 0 && ib > 0) {
        const uint8_t* pa = a + la[--ia];
        const uint8_t* pb = b + lb[--ib];
        const size_t n = std::min(pa[0], pb[0]);
        for (size_t k = 1; k <= n; ++k) {
            const uint8_t ca = lower(pa[k]), cb = lower(pb[k]);
            if (ca != cb) return ca < cb ? -1 : 1;
        }
        if (pa[0] != pb[0]) return pa[0] < pb[0] ? -1 : 1;
    }
    if (ia == ib) return 0;
    return ia < ib ? -1 : 1;
}

}  // namespace fz::dns
