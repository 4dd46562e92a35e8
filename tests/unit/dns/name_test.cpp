// Tests for domain names: text <-> wire, escapes, comparisons, compressed names in messages.
#include "dns/name.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

namespace fz::dns {
namespace {

Name N(std::string_view text) {
    auto n = name_from_text(text, nullptr);
    EXPECT_TRUE(n.ok()) << text << ": " << (n.ok() ? "" : n.error().message);
    return n.ok() ? *n : Name();
}

std::string W(const Name& n) { return n.bytes(); }

TEST(NameTest, AbsoluteFromText) {
    EXPECT_EQ(W(N("www.example.com.")), std::string("\x03www\x07"
                                                    "example\x03"
                                                    "com\x00",
                                                    17));
    EXPECT_EQ(W(N(".")), std::string("\x00", 1));
    EXPECT_TRUE(N(".").is_root());
}

TEST(NameTest, RelativeAndAt) {
    Name origin = N("example.com.");
    auto www = name_from_text("www", &origin);
    ASSERT_TRUE(www.ok());
    EXPECT_EQ(www->to_text(), "www.example.com.");
    auto at = name_from_text("@", &origin);
    ASSERT_TRUE(at.ok());
    EXPECT_EQ(at->to_text(), "example.com.");
    auto deep = name_from_text("a.b", &origin);
    ASSERT_TRUE(deep.ok());
    EXPECT_EQ(deep->to_text(), "a.b.example.com.");
}

TEST(NameTest, RelativeWithoutOriginFails) {
    auto r = name_from_text("www", nullptr);
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message.find("relative"), std::string::npos);
    auto at = name_from_text("@", nullptr);
    ASSERT_FALSE(at.ok());
    EXPECT_NE(at.error().message.find("@"), std::string::npos);
}

TEST(NameTest, CasePreserved) {
    Name n = N("WwW.ExAmple.COM.");
    EXPECT_EQ(n.to_text(), "WwW.ExAmple.COM.");
    EXPECT_EQ(n.lowered().to_text(), "www.example.com.");
    EXPECT_TRUE(n == N("www.example.com."));
}

TEST(NameTest, EscapedDotStaysInLabel) {
    Name n = N("a\\.b.example.");
    EXPECT_EQ(n.label_count(), 2u);
    EXPECT_EQ(W(n), std::string("\x03"
                                "a.b\x07"
                                "example\x00",
                                13));
    EXPECT_EQ(n.to_text(), "a\\.b.example.");
}

TEST(NameTest, DecimalEscapes) {
    Name n = N("\\065\\032b\\000.");
    EXPECT_EQ(W(n), std::string("\x04"
                                "A b\x00\x00",
                                6));
    EXPECT_EQ(n.to_text(), "A\\032b\\000.");
    EXPECT_EQ(N("\\\\x.").to_text(), "\\\\x.");
    EXPECT_EQ(N("a\\\"b.").to_text(), "a\\\"b.");
}

TEST(NameTest, SpecialCharactersAreEscapedInText) {
    Name n = N("a\\;b\\(c\\)d\\@e\\$f.");
    EXPECT_EQ(n.to_text(), "a\\;b\\(c\\)d\\@e\\$f.");
    EXPECT_EQ(N("\\127\\255.").to_text(), "\\127\\255.");
    // What to_text prints parses back to the same bytes.
    auto back = name_from_text(n.to_text(), nullptr);
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(back->bytes(), n.bytes());
}

TEST(NameTest, TextErrors) {
    struct Case {
        const char* text;
        const char* message_part;
    };
    const Case cases[] = {
        {"", "empty"},      {"a..b.", "empty label"}, {".a.", "empty label"},   {"a\\", "dangling backslash"},
        {"a\\25", "\\DDD"}, {"a\\2x5.", "\\DDD"},     {"a\\256.", "above 255"},
    };
    for (const auto& c : cases) {
        auto r = name_from_text(c.text, nullptr);
        ASSERT_FALSE(r.ok()) << c.text;
        EXPECT_NE(r.error().message.find(c.message_part), std::string::npos) << c.text << ": " << r.error().message;
    }
}

TEST(NameTest, LabelAndNameLengthLimits) {
    std::string label63(63, 'a');
    EXPECT_TRUE(name_from_text(label63 + ".", nullptr).ok());
    auto r = name_from_text(std::string(64, 'a') + ".", nullptr);
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message.find("63"), std::string::npos);
    // 4 labels of 63 = 4*64 + 1 = 257 bytes: too long; 3 labels of 63 + one of 61 = 255: fits.
    std::string too_long = label63 + "." + label63 + "." + label63 + "." + label63 + ".";
    r = name_from_text(too_long, nullptr);
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message.find("255"), std::string::npos);
    std::string fits = label63 + "." + label63 + "." + label63 + "." + std::string(61, 'b') + ".";
    auto ok = name_from_text(fits, nullptr);
    ASSERT_TRUE(ok.ok());
    EXPECT_EQ(ok->size(), 255u);
    // A relative name that only overflows once the origin is appended.
    Name origin = N("example.com.");
    std::string rel = label63 + "." + label63 + "." + label63 + "." + std::string(50, 'c');
    EXPECT_FALSE(name_from_text(rel, &origin).ok());
}

TEST(NameTest, Structure) {
    Name n = N("www.example.com.");
    EXPECT_EQ(n.label_count(), 3u);
    EXPECT_EQ(n.parent().to_text(), "example.com.");
    EXPECT_EQ(n.parent().parent().parent().to_text(), ".");
    EXPECT_TRUE(Name().parent().is_root());
    EXPECT_EQ(Name().label_count(), 0u);
    Name w = N("example.com.");
    EXPECT_TRUE(w.prepend_label("*"));
    EXPECT_TRUE(w.is_wildcard());
    EXPECT_EQ(w.to_text(), "*.example.com.");
    EXPECT_FALSE(w.prepend_label(""));
    EXPECT_FALSE(w.prepend_label(std::string(64, 'x')));
    EXPECT_FALSE(n.is_wildcard());
}

TEST(NameTest, PrependLabelRespects255Bytes) {
    Name n = N(std::string(63, 'a') + "." + std::string(63, 'a') + "." + std::string(63, 'a') + ".");
    EXPECT_EQ(n.size(), 193u);
    EXPECT_TRUE(n.prepend_label(std::string(61, 'b')));
    EXPECT_EQ(n.size(), 255u);
    EXPECT_FALSE(n.prepend_label("c"));
}

TEST(NameTest, SubdomainIsCaseInsensitive) {
    Name apex = N("example.com.");
    EXPECT_TRUE(N("www.EXAMPLE.com.").is_subdomain_of(apex));
    EXPECT_TRUE(apex.is_subdomain_of(apex));
    EXPECT_TRUE(apex.is_subdomain_of(Name()));
    EXPECT_FALSE(N("example.org.").is_subdomain_of(apex));
    EXPECT_FALSE(N("badexample.com.").is_subdomain_of(apex));
    EXPECT_FALSE(N("com.").is_subdomain_of(apex));
}

TEST(NameTest, CanonicalOrder) {
    // RFC 4034 6.1 example order.
    std::vector<std::string> ordered = {
        "example.",   "a.example.",       "yljkjljk.a.example.", "Z.a.example.",     "zABC.a.EXAMPLE.",
        "z.example.", "\\001.z.example.", "*.z.example.",        "\\200.z.example.",
    };
    for (size_t i = 0; i + 1 < ordered.size(); ++i) {
        Name a = N(ordered[i]), b = N(ordered[i + 1]);
        EXPECT_LT(canonical_compare(a, b), 0) << ordered[i] << " < " << ordered[i + 1];
        EXPECT_GT(canonical_compare(b, a), 0) << ordered[i + 1] << " > " << ordered[i];
    }
    EXPECT_EQ(canonical_compare(N("A.example."), N("a.EXAMPLE.")), 0);
}

TEST(NameTest, WireNameLength) {
    Name n = N("www.example.com.");
    EXPECT_EQ(wire_name_length(n.data(), n.size()), n.size());
    EXPECT_EQ(wire_name_length(n.data(), n.size() + 10), n.size());
    EXPECT_EQ(wire_name_length(n.data(), n.size() - 1), 0u);  // truncated
    const uint8_t pointer[] = {0xc0, 0x0c};
    EXPECT_EQ(wire_name_length(pointer, sizeof pointer), 0u);
    const uint8_t bad_label[] = {0x40, 'a', 0};
    EXPECT_EQ(wire_name_length(bad_label, sizeof bad_label), 0u);
    std::vector<uint8_t> long_name;
    for (int i = 0; i < 4; ++i) {
        long_name.push_back(63);
        long_name.insert(long_name.end(), 63, 'a');
    }
    long_name.push_back(0);
    EXPECT_EQ(wire_name_length(long_name.data(), long_name.size()), 0u);
}

TEST(NameTest, WireNamesEqualIgnoringCase) {
    Name a = N("WWW.Example.com."), b = N("www.example.COM.");
    ASSERT_EQ(a.size(), b.size());
    EXPECT_TRUE(wire_names_equal_ci(a.data(), b.data(), a.size()));
    Name c = N("wwx.example.com.");
    EXPECT_FALSE(wire_names_equal_ci(a.data(), c.data(), a.size()));
}

// A message: 12-byte header, then the bytes given.
std::vector<uint8_t> message(std::initializer_list<uint8_t> body) {
    std::vector<uint8_t> m(12 + body.size(), 0);
    std::copy(body.begin(), body.end(), m.begin() + 12);
    return m;
}

TEST(NameTest, ReadUncompressedName) {
    auto m = message({3, 'w', 'w', 'w', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0, 0xaa});
    uint8_t out[255];
    size_t len = 0;
    EXPECT_EQ(read_message_name(m.data(), m.size(), 12, out, &len), 12u + 13u);
    EXPECT_EQ(wire_name_to_text(out), "www.example.");
    EXPECT_EQ(len, 13u);
}

TEST(NameTest, ReadCompressedName) {
    // offset 12: example.com.   offset 25: www + pointer to 12   offset 31: pointer to 25
    auto m = message({7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0, 3, 'W', 'w', 'W', 0xc0, 12, 0xc0, 25});
    uint8_t out[255];
    size_t len = 0;
    EXPECT_EQ(read_message_name(m.data(), m.size(), 25, out, &len), 31u);
    EXPECT_EQ(wire_name_to_text(out), "WwW.example.com.");  // case preserved
    EXPECT_EQ(len, 17u);
    EXPECT_EQ(read_message_name(m.data(), m.size(), 31, out, &len), 33u);  // pointer to a pointer
    EXPECT_EQ(wire_name_to_text(out), "WwW.example.com.");
}

TEST(NameTest, RejectsPointerLoops) {
    auto self = message({0xc0, 12});
    uint8_t out[255];
    size_t len = 0;
    EXPECT_EQ(read_message_name(self.data(), self.size(), 12, out, &len), 0u);
    // 12 -> label "a" then pointer to 12 again.
    auto loop = message({1, 'a', 0xc0, 12});
    EXPECT_EQ(read_message_name(loop.data(), loop.size(), 12, out, &len), 0u);
    // Two names pointing at each other.
    auto pair = message({1, 'a', 0xc0, 16, 1, 'b', 0xc0, 12});
    EXPECT_EQ(read_message_name(pair.data(), pair.size(), 12, out, &len), 0u);
    EXPECT_EQ(read_message_name(pair.data(), pair.size(), 16, out, &len), 0u);
}

TEST(NameTest, RejectsForwardPointers) {
    auto m = message({0xc0, 14, 1, 'a', 0});
    uint8_t out[255];
    size_t len = 0;
    EXPECT_EQ(read_message_name(m.data(), m.size(), 12, out, &len), 0u);
}

TEST(NameTest, RejectsTruncatedAndBadLabels) {
    uint8_t out[255];
    size_t len = 0;
    auto truncated = message({3, 'w', 'w'});
    EXPECT_EQ(read_message_name(truncated.data(), truncated.size(), 12, out, &len), 0u);
    auto no_root = message({3, 'w', 'w', 'w'});
    EXPECT_EQ(read_message_name(no_root.data(), no_root.size(), 12, out, &len), 0u);
    auto half_pointer = message({0xc0});
    EXPECT_EQ(read_message_name(half_pointer.data(), half_pointer.size(), 12, out, &len), 0u);
    auto ext_label = message({0x41, 'a', 0});
    EXPECT_EQ(read_message_name(ext_label.data(), ext_label.size(), 12, out, &len), 0u);
    auto beyond = message({0});
    EXPECT_EQ(read_message_name(beyond.data(), beyond.size(), 13, out, &len), 0u);
}

TEST(NameTest, RejectsOverLongCompressedName) {
    // Four 63-byte labels reached through pointers: 257 bytes uncompressed.
    std::vector<uint8_t> m(12, 0);
    auto add_label = [&](size_t target) {
        size_t at = m.size();
        m.push_back(63);
        m.insert(m.end(), 63, 'x');
        if (target == 0) {
            m.push_back(0);
        } else {
            m.push_back(static_cast<uint8_t>(0xc0 | (target >> 8)));
            m.push_back(static_cast<uint8_t>(target));
        }
        return at;
    };
    size_t a = add_label(0);
    size_t b = add_label(a);
    size_t c = add_label(b);
    uint8_t out[255];
    size_t len = 0;
    EXPECT_NE(read_message_name(m.data(), m.size(), c, out, &len), 0u);  // 3 labels: 193 bytes
    EXPECT_EQ(len, 193u);
    size_t d = add_label(c);
    EXPECT_EQ(read_message_name(m.data(), m.size(), d, out, &len), 0u);
}

TEST(NameTest, RootInMessage) {
    auto m = message({0});
    uint8_t out[255];
    size_t len = 0;
    EXPECT_EQ(read_message_name(m.data(), m.size(), 12, out, &len), 13u);
    EXPECT_EQ(len, 1u);
    EXPECT_EQ(wire_name_to_text(out), ".");
}

}  // namespace
}  // namespace fz::dns
