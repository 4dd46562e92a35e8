// Tests for the response writer's name compression (RFC 1035 4.1.4): which suffixes of a
// name it replaces by a pointer, ignoring ASCII case and nothing else.
#include "dns/writer.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace fz::dns {
namespace {

// A wire name from dotted labels ("www.Example.com" -> 3www7Example3com0).
std::vector<uint8_t> wire(const std::string& dotted) {
    std::vector<uint8_t> out;
    size_t start = 0;
    while (start < dotted.size()) {
        size_t dot = dotted.find('.', start);
        if (dot == std::string::npos) dot = dotted.size();
        out.push_back(static_cast<uint8_t>(dot - start));
        out.insert(out.end(), dotted.begin() + static_cast<long>(start), dotted.begin() + static_cast<long>(dot));
        start = dot + 1;
    }
    out.push_back(0);
    return out;
}

struct Message {
    uint8_t buf[512] = {};
    Writer w{buf, sizeof buf};

    // Writes `first` at offset 12 (where a question's name sits), marked.
    explicit Message(const std::string& first) {
        w.skip_to(12);
        EXPECT_TRUE(w.put_name(wire(first).data(), true));
    }
    // Writes `name` compressed; returns the bytes it took.
    std::vector<uint8_t> put(const std::string& name) {
        const size_t start = w.size();
        EXPECT_TRUE(w.put_name(wire(name).data(), true));
        return {buf + start, buf + w.size()};
    }
};

TEST(WriterTest, CompressesTheLongestMarkedSuffixIgnoringCase) {
    Message m("Example.COM");
    EXPECT_EQ(m.put("www.example.com"), (std::vector<uint8_t>{3, 'w', 'w', 'w', 0xc0, 12}));
    EXPECT_EQ(m.put("EXAMPLE.com"), (std::vector<uint8_t>{0xc0, 12}));
    EXPECT_EQ(m.put("mail.com"), (std::vector<uint8_t>{4, 'm', 'a', 'i', 'l', 0xc0, 20}));  // "COM" at 20
    // A suffix written just now is marked too: "www" above is at 25.
    EXPECT_EQ(m.put("a.www.example.com"), (std::vector<uint8_t>{1, 'a', 0xc0, 25}));
}

TEST(WriterTest, NamesThatDifferOnlyPastLettersAreNotCompressed) {
    // '[' (0x5b) and '{' (0x7b) differ by the case bit but are not letters: not equal.
    Message m("a[b.example");
    EXPECT_EQ(m.put("a{b.example"), (std::vector<uint8_t>{3, 'a', '{', 'b', 0xc0, 16}));
    // Same length, one letter apart.
    EXPECT_EQ(m.put("a[c.example"), (std::vector<uint8_t>{3, 'a', '[', 'c', 0xc0, 16}));
    EXPECT_EQ(m.put("A[B.EXAMPLE"), (std::vector<uint8_t>{0xc0, 12}));
}

}  // namespace
}  // namespace fz::dns
