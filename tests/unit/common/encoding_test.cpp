// Hex, base64 and base32hex: the RFC 4648 test vectors, round trips of every length, and
// the inputs a zone file may not contain (bad digits, misplaced padding, stray bits).
#include "common/encoding.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

namespace fz {
namespace {

const uint8_t* bytes_of(std::string_view s) { return reinterpret_cast<const uint8_t*>(s.data()); }

std::string hex(std::string_view s) {
    std::string out;
    append_hex(out, bytes_of(s), s.size());
    return out;
}

std::string base64(std::string_view s) {
    std::string out;
    append_base64(out, bytes_of(s), s.size());
    return out;
}

std::string base32hex(std::string_view s) {
    std::string out;
    append_base32hex(out, bytes_of(s), s.size());
    return out;
}

// Every byte value once, then lengths that end on each possible group boundary.
std::string sample(size_t n) {
    std::string s;
    for (size_t i = 0; i < n; ++i) s.push_back(static_cast<char>((i * 151 + 7) & 0xff));
    return s;
}

// RFC 4648 10: the same seven inputs for every encoding.
constexpr std::string_view kVectorInputs[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};

// Encoding then decoding gives back every length from 0 to 300 bytes, so every way a
// last group can be cut short comes up.
void expect_round_trips(std::string (*encode)(std::string_view), bool (*decode)(std::string_view, std::string&)) {
    for (size_t n = 0; n <= 300; ++n) {
        std::string s = sample(n);
        std::string back;
        ASSERT_TRUE(decode(encode(s), back)) << n;
        EXPECT_EQ(back, s) << n;
    }
}

TEST(Hex, DigitValuesInEitherCase) {
    EXPECT_EQ(hex_digit_value('0'), 0);
    EXPECT_EQ(hex_digit_value('9'), 9);
    EXPECT_EQ(hex_digit_value('a'), 10);
    EXPECT_EQ(hex_digit_value('F'), 15);
    EXPECT_EQ(hex_digit_value('g'), -1);
    EXPECT_EQ(hex_digit_value(' '), -1);
    EXPECT_EQ(hex_digit_value('\xff'), -1);
}

TEST(Hex, Rfc4648VectorsInUpperCase) {
    constexpr std::string_view kExpected[] = {"", "66", "666F", "666F6F", "666F6F62", "666F6F6261", "666F6F626172"};
    for (size_t i = 0; i < std::size(kVectorInputs); ++i) {
        EXPECT_EQ(hex(kVectorInputs[i]), kExpected[i]);
        std::string back;
        ASSERT_TRUE(hex_decode(kExpected[i], back)) << kExpected[i];
        EXPECT_EQ(back, kVectorInputs[i]);
    }
    EXPECT_EQ(hex(std::string_view("\x00\xff\x0a", 3)), "00FF0A");
}

TEST(Hex, RoundTripsEveryLength) { expect_round_trips(hex, hex_decode); }

TEST(Hex, DecodesLowerCase) {
    std::string out;
    ASSERT_TRUE(hex_decode("abcdef0a", out));
    EXPECT_EQ(out, "\xab\xcd\xef\x0a");
}

TEST(Hex, RejectsOddCountsAndNonDigits) {
    for (std::string_view bad : {"0", "ABC", "0G", "G0", "0x00", "00 11", " 00", "00\n", "-1"}) {
        std::string out;
        EXPECT_FALSE(hex_decode(bad, out)) << "'" << bad << "'";
    }
}

TEST(HexDecoder, JoinsPiecesSplitAnywhereEvenInsideAByte) {
    // "1 1 a b c d" in SSHFP rdata: each token one nibble.
    std::string out;
    HexDecoder decoder(out);
    for (std::string_view piece : {"a", "b", "c", "d"}) ASSERT_TRUE(decoder.add(piece));
    EXPECT_TRUE(decoder.complete());
    EXPECT_EQ(out, "\xab\xcd");

    std::string more;
    HexDecoder uneven(more);
    ASSERT_TRUE(uneven.add("012"));
    EXPECT_FALSE(uneven.complete());
    ASSERT_TRUE(uneven.add("3456"));
    EXPECT_FALSE(uneven.complete());
    ASSERT_TRUE(uneven.add("7"));
    EXPECT_TRUE(uneven.complete());
    EXPECT_EQ(more, "\x01\x23\x45\x67");
}

TEST(HexDecoder, SkipsBlanksInsideAPiece) {
    std::string out;
    HexDecoder decoder(out);
    ASSERT_TRUE(decoder.add(" 0A 1\tB\r\n2C "));
    EXPECT_TRUE(decoder.complete());
    EXPECT_EQ(out, "\x0a\x1b\x2c");
}

TEST(HexDecoder, NoPiecesIsComplete) {
    std::string out;
    HexDecoder decoder(out);
    EXPECT_TRUE(decoder.complete());
    ASSERT_TRUE(decoder.add(""));
    EXPECT_TRUE(decoder.complete());
    EXPECT_EQ(out, "");
}

TEST(HexDecoder, RejectsNonDigitsAndReportsAnOddCount) {
    for (std::string_view bad : {"0g", "\\032", "0x", "\"", ".", "-"}) {
        std::string out;
        HexDecoder decoder(out);
        EXPECT_FALSE(decoder.add(bad)) << bad;
    }
    std::string odd;
    HexDecoder three(odd);
    ASSERT_TRUE(three.add("ABC"));
    EXPECT_FALSE(three.complete());
    EXPECT_EQ(odd, "\xab");
}

TEST(Base64, Rfc4648Vectors) {
    constexpr std::string_view kExpected[] = {"", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};
    for (size_t i = 0; i < std::size(kVectorInputs); ++i) {
        EXPECT_EQ(base64(kVectorInputs[i]), kExpected[i]);
        std::string back;
        ASSERT_TRUE(base64_decode(kExpected[i], back)) << kExpected[i];
        EXPECT_EQ(back, kVectorInputs[i]);
    }
}

TEST(Base64, UsesTheStandardAlphabet) {
    EXPECT_EQ(base64("\xfb\xff\xbf"), "+/+/");
    std::string out;
    ASSERT_TRUE(base64_decode("+/+/", out));
    EXPECT_EQ(out, "\xfb\xff\xbf");
    std::string url_safe;
    EXPECT_FALSE(base64_decode("-_-_", url_safe));
}

TEST(Base64, RoundTripsEveryLength) { expect_round_trips(base64, base64_decode); }

TEST(Base64, RejectsBadLengthsDigitsAndPadding) {
    for (std::string_view bad : {"Z", "Zg", "Zg=", "Zm9vY", "Zm9v=", "Z===", "====", "=Zg=", "Zg==Zg==", "Zg=a", "Zm9*",
                                 "Zm9v\xff\xff\xff\xff"}) {
        std::string out;
        EXPECT_FALSE(base64_decode(bad, out)) << "'" << bad << "'";
    }
}

TEST(Base64, RejectsBlanksTheCallerMustJoinPiecesFirst) {
    // The zone parser concatenates the tokens of a DNSKEY key; a blank inside one value
    // (an SVCB ech="..." string) is an error.
    for (std::string_view bad : {"Zm9v Yg==", " Zm9v", "Zm9v\n", "Zm9v\tYmFy"}) {
        std::string out;
        EXPECT_FALSE(base64_decode(bad, out)) << "'" << bad << "'";
    }
    std::string joined;
    ASSERT_TRUE(base64_decode(std::string("Zm") + "9vY" + "mFy", joined));
    EXPECT_EQ(joined, "foobar");
}

TEST(Base32Hex, Rfc4648VectorsWithoutPadding) {
    // RFC 4648 10 prints "CO======" etc.; DNS (RFC 5155 3.3) drops the padding and
    // dig prints lower case.
    constexpr std::string_view kExpected[] = {"", "co", "cpng", "cpnmu", "cpnmuog", "cpnmuoj1", "cpnmuoj1e8"};
    constexpr std::string_view kUpper[] = {"", "CO", "CPNG", "CPNMU", "CPNMUOG", "CPNMUOJ1", "CPNMUOJ1E8"};
    for (size_t i = 0; i < std::size(kVectorInputs); ++i) {
        EXPECT_EQ(base32hex(kVectorInputs[i]), kExpected[i]);
        std::string lower, upper;
        ASSERT_TRUE(base32hex_decode(kExpected[i], lower)) << kExpected[i];
        ASSERT_TRUE(base32hex_decode(kUpper[i], upper)) << kUpper[i];
        EXPECT_EQ(lower, kVectorInputs[i]);
        EXPECT_EQ(upper, kVectorInputs[i]);
    }
}

TEST(Base32Hex, RoundTripsEveryLength) { expect_round_trips(base32hex, base32hex_decode); }

TEST(Base32Hex, RejectsPaddingBadDigitsStrayBitsAndBlanks) {
    // "cp" leaves two bits of 'p' (11001) after the byte: they must be zero.
    for (std::string_view bad : {"CO======", "c", "cp", "cpnm", "w0", "cz", "co ", " co", "c o", "co\n"}) {
        std::string out;
        EXPECT_FALSE(base32hex_decode(bad, out)) << "'" << bad << "'";
    }
}

}  // namespace
}  // namespace fz
