// Tests for rdata presentation formats: text -> wire (checked against RFC examples and
// bytes Knot DNS produces), wire -> text (as kdig prints it), round trips and errors.
#include "zone/rdata_text.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "dns/rrtype.h"
#include "dns/wire.h"

namespace fz::zone {
namespace {

namespace type = dns::type;

const dns::Name& origin() {
    static const dns::Name o = *dns::name_from_text("example.com.", nullptr);
    return o;
}

std::string hex(const std::string& bytes) {
    static const char digits[] = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : bytes) {
        out.push_back(digits[c >> 4]);
        out.push_back(digits[c & 15]);
    }
    return out;
}

// Wire rdata of `text`, as upper-case hex; "ERROR: message" when it does not parse.
std::string wire_hex(uint16_t t, std::string_view text) {
    auto r = rdata_from_text(t, text, origin());
    if (!r.ok()) return "ERROR: " + r.error().message;
    return hex(*r);
}

// The error of `text`; fails the test when it parses.
Error error_of(uint16_t t, std::string_view text) {
    auto r = rdata_from_text(t, text, origin());
    EXPECT_FALSE(r.ok()) << dns::type_to_text(t) << " '" << text << "' parsed as " << (r.ok() ? hex(*r) : "");
    return r.ok() ? Error{} : r.error();
}

std::string to_text(uint16_t t, std::string_view text) {
    auto r = rdata_from_text(t, text, origin());
    if (!r.ok()) return "ERROR: " + r.error().message;
    return rdata_to_text(t, *r);
}

#define EXPECT_ERROR(t, text, part)                                                       \
    do {                                                                                  \
        Error e_ = error_of(t, text);                                                     \
        EXPECT_NE(e_.message.find(part), std::string::npos) << "message: " << e_.message; \
    } while (0)

// ---------------------------------------------------------------- round trips, every type

struct RoundTrip {
    uint16_t type;
    const char* input;
    const char* text;  // what rdata_to_text prints (kdig's form)
};

// Every type with a presentation format; outputs checked against kdig 3.2.
const RoundTrip kRoundTrips[] = {
    {type::A, "192.0.2.1", "192.0.2.1"},
    {type::AAAA, "2001:DB8:0:0:0:0:0:1", "2001:db8::1"},
    {type::AAAA, "::ffff:192.0.2.1", "::ffff:192.0.2.1"},
    {type::NS, "ns1", "ns1.example.com."},
    {type::CNAME, "Target.Example.NET.", "Target.Example.NET."},
    {type::PTR, "www", "www.example.com."},
    {type::DNAME, "other.net.", "other.net."},
    {type::SOA, "ns1 hostmaster 2024010101 1h 15m 1w 300",
     "ns1.example.com. hostmaster.example.com. 2024010101 3600 900 604800 300"},
    {type::MX, "10 mail", "10 mail.example.com."},
    {type::AFSDB, "1 afs", "1 afs.example.com."},
    {type::KX, "10 kx", "10 kx.example.com."},
    {type::TXT, "\"v=spf1 -all\" \"second \\\"q\\\" \\\\ \\007 x\"",
     "\"v=spf1 -all\" \"second \\\"q\\\" \\\\ \\007 x\""},
    {type::TXT, "a b \"c d\" \\065\\;", "\"a\" \"b\" \"c d\" \"A;\""},
    {type::TXT, "\"\"", "\"\""},
    {type::TXT, "\"\\000\\255\\127 ~\"", "\"\\000\\255\\127 ~\""},
    {type::SPF, "\"v=spf1 -all\"", "\"v=spf1 -all\""},
    {type::HINFO, "PC \"Linux os\"", "\"PC\" \"Linux os\""},
    {type::RP, "mbox.example.com. txt", "mbox.example.com. txt.example.com."},
    {type::SRV, "10 60 5060 sip", "10 60 5060 sip.example.com."},
    {type::NAPTR, "100 10 \"U\" \"E2U+sip\" \"!^.*$!sip:info@example.com!\" .",
     "100 10 \"U\" \"E2U+sip\" \"!^.*$!sip:info@example.com!\" ."},
    {type::SSHFP, "2 1 123456789abcdef67890123456789abcdef67890", "2 1 123456789ABCDEF67890123456789ABCDEF67890"},
    {type::TLSA, "3 1 1 0C72AC70B745AC19998811B131D662C9 AC69DBDBE7CB23E5B514B56664C5D3D6",
     "3 1 1 0C72AC70B745AC19998811B131D662C9AC69DBDBE7CB23E5B514B56664C5D3D6"},
    {type::SMIMEA, "3 1 1 0c72ac70", "3 1 1 0C72AC70"},
    {type::DS, "60485 5 1 2BB183AF5F22588179A53B0A 98631FAD1A292118",
     "60485 5 1 2BB183AF5F22588179A53B0A98631FAD1A292118"},
    {type::DS, "60485 RSASHA1 1 2BB183AF", "60485 5 1 2BB183AF"},
    {type::CDS, "0 0 0 00", "0 0 0 00"},
    {type::DNSKEY, "257 3 13 mdsswUyr3DPW132mOi8V9xESWE8jTo0dxCjjnopKl+GqJxpVXckHAeF+ KkxLbxILfDLUT0rAK9iUzy1L53eKGQ==",
     "257 3 13 mdsswUyr3DPW132mOi8V9xESWE8jTo0dxCjjnopKl+GqJxpVXckHAeF+KkxLbxILfDLUT0rAK9iUzy1L53eKGQ=="},
    {type::CDNSKEY, "257 3 ECDSAP256SHA256 AQID", "257 3 13 AQID"},
    {type::KEY, "256 3 8 AQ==", "256 3 8 AQ=="},
    {type::CAA, "0 issue \"letsencrypt.org\"", "0 issue \"letsencrypt.org\""},
    {type::CAA, "128 tbs \"Unknown ; x\"", "128 tbs \"Unknown ; x\""},
    {type::CAA, "0 iodef mailto:security@example.com", "0 iodef \"mailto:security@example.com\""},
    {type::CAA, "0 issue \"\"", "0 issue \"\""},
    {type::URI, "10 1 \"ftp://ftp1.example.com/public\"", "10 1 \"ftp://ftp1.example.com/public\""},
    {type::LOC, "52 22 23.000 N 4 53 32.000 E -2.00m 0.00m 10000m 10m",
     "52 22 23.000 N 4 53 32.000 E -2.00m 0.00m 10000m 10m"},
    {type::LOC, "42 21 54 N 71 06 18 W -24m 30m", "42 21 54.000 N 71 6 18.000 W -24.00m 30m 10000m 10m"},
    {type::LOC, "0 S 0 W 0", "0 0 0.000 N 0 0 0.000 E 0.00m 1m 10000m 10m"},
    {type::LOC, "90 0 0 S 180 0 0 W 42849672.95m 90000000m 0.5m 0",
     "90 0 0.000 S 180 0 0.000 W 42849672.95m 90000000m 0.50m 0.00m"},
    {type::HTTPS, "1 . alpn=\"h2,h3\" ipv4hint=192.0.2.1,192.0.2.2 port=8443 ipv6hint=2001:db8::1 mandatory=alpn,port",
     "1 . mandatory=alpn,port alpn=h2,h3 port=8443 ipv4hint=192.0.2.1,192.0.2.2 ipv6hint=2001:db8::1"},
    {type::HTTPS, "1 . ech=AEX+DQBBpQAgACB/RRmk", "1 . ech=AEX+DQBBpQAgACB/RRmk"},
    {type::SVCB, "0 foo.example.org.", "0 foo.example.org."},
    {type::SVCB, "1 . key667=hello no-default-alpn alpn=h2", "1 . alpn=h2 no-default-alpn key667=\"hello\""},
    {type::SVCB, "1 . dohpath=\"/q{?dns}\" ohttp key65000", "1 . dohpath=\"/q{?dns}\" ohttp key65000"},
    {type::SVCB, "1 . alpn=\"f\\\\\\\\oo\\\\,bar,h2\"", "1 . alpn=f\\\\\\\\oo\\\\,bar,h2"},
    {type::RRSIG,
     "A 8 3 86400 20300101000000 20240101000000 2642 example.com. oJB1W6WNGv+ldvQ3WDG0MQkg5IEhjRip8WTrPYGv07h108dUKGMe",
     "A 8 3 86400 20300101000000 20240101000000 2642 example.com. "
     "oJB1W6WNGv+ldvQ3WDG0MQkg5IEhjRip8WTrPYGv07h108dUKGMe"},
    {type::RRSIG, "TYPE65280 13 2 300 1700000000 1600000000 1 example.com. AQ==",
     "TYPE65280 13 2 300 20231114221320 20200913122640 1 example.com. AQ=="},
    {type::SIG, "A 8 3 86400 20300101000000 20240101000000 2642 example.com. AQ==",
     "A 8 3 86400 20300101000000 20240101000000 2642 example.com. AQ=="},
    {type::NSEC, "host.example.com. A MX RRSIG NSEC TYPE1234", "host.example.com. A MX RRSIG NSEC TYPE1234"},
    {type::NSEC, "host.example.com.", "host.example.com."},
    {type::NSEC3, "1 1 12 aabbccdd 2t7b4g4vsa5smi47k61mv5bv1a22bojr NS SOA MX RRSIG DNSKEY NSEC3PARAM",
     "1 1 12 AABBCCDD 2t7b4g4vsa5smi47k61mv5bv1a22bojr NS SOA MX RRSIG DNSKEY NSEC3PARAM"},
    {type::NSEC3PARAM, "1 0 10 D399EAAB", "1 0 10 D399EAAB"},
    {type::NSEC3PARAM, "1 0 0 -", "1 0 0 -"},
    {type::CSYNC, "66 3 A NS AAAA", "66 3 A NS AAAA"},
    {type::ZONEMD, "2018031900 1 1 c68090d90a7aed716bc459f9340e3d7c",
     "2018031900 1 1 C68090D90A7AED716BC459F9340E3D7C"},
    {type::OPENPGPKEY, "AQID", "AQID"},
    {type::DHCID,
     "AAIBY2/AuCccgoJbsaxcQc9TUapptP69lOjxfNuVAA2kjEA=", "AAIBY2/AuCccgoJbsaxcQc9TUapptP69lOjxfNuVAA2kjEA="},
    {type::EUI48, "00-00-5e-00-53-2a", "00-00-5E-00-53-2A"},
    {type::EUI64, "00-00-5e-ef-10-00-00-2a", "00-00-5E-EF-10-00-00-2A"},
    {type::NID, "10 0014:4fff:ff20:ee64", "10 0014:4FFF:FF20:EE64"},
    {type::L64, "10 2001:db8:1140:1000", "10 2001:0DB8:1140:1000"},
    {type::L32, "10 10.1.2.0", "10 10.1.2.0"},
    {type::LP, "10 l64", "10 l64.example.com."},
    {type::CERT, "PGP 0 0 AQID", "3 0 0 AQID"},
    {type::IPSECKEY, "10 1 2 192.0.2.38 AQNRU3mG7TVTO2BkR47usntb102uFJtugbo6BSGvgqt4AQ==",
     "10 1 2 192.0.2.38 AQNRU3mG7TVTO2BkR47usntb102uFJtugbo6BSGvgqt4AQ=="},
    {type::IPSECKEY, "10 3 2 gw AQID", "10 3 2 gw.example.com. AQID"},
    {type::IPSECKEY, "10 0 2 .", "10 0 2 ."},
    {type::IPSECKEY, "10 2 2 2001:db8::1 AQID", "10 2 2 2001:db8::1 AQID"},
    {type::APL, "1:192.168.32.0/21 !1:192.168.38.0/28 2:2001:db8::/32",
     "1:192.168.32.0/21 !1:192.168.38.0/28 2:2001:db8::/32"},
    {type::APL, "", ""},
    {65280, "\\# 4 0a000001", "\\# 4 0A000001"},
    {65281, "\\# 0", "\\# 0"},
    {10, "\\# 3 01 0203", "\\# 3 010203"},  // NULL: no presentation format
};

TEST(RdataTextTest, RoundTripEveryType) {
    for (const auto& rt : kRoundTrips) {
        SCOPED_TRACE(dns::type_to_text(rt.type) + " " + rt.input);
        auto wire = rdata_from_text(rt.type, rt.input, origin());
        ASSERT_TRUE(wire.ok()) << wire.error().message;
        std::string text = rdata_to_text(rt.type, *wire);
        EXPECT_EQ(text, rt.text);
        auto again = rdata_from_text(rt.type, text, origin());
        ASSERT_TRUE(again.ok()) << again.error().message;
        EXPECT_EQ(hex(*again), hex(*wire));
        EXPECT_TRUE(rdata_is_valid(rt.type, reinterpret_cast<const uint8_t*>(wire->data()), wire->size()));
        // The generic form of the same bytes is accepted for every type and gives the same rdata.
        std::string generic = rdata_to_generic_text(reinterpret_cast<const uint8_t*>(wire->data()), wire->size());
        auto from_generic = rdata_from_text(rt.type, generic, origin());
        ASSERT_TRUE(from_generic.ok()) << generic << ": " << from_generic.error().message;
        EXPECT_EQ(hex(*from_generic), hex(*wire));
    }
}

TEST(RdataTextTest, EveryTypeWithPresentationFormatIsCovered) {
    for (uint32_t t = 0; t < 65536; ++t) {
        if (!has_presentation_format(static_cast<uint16_t>(t))) continue;
        bool covered = false;
        for (const auto& rt : kRoundTrips) covered = covered || rt.type == t;
        EXPECT_TRUE(covered) << dns::type_to_text(static_cast<uint16_t>(t)) << " has no round-trip test";
    }
}

// ---------------------------------------------------------------- wire bytes

TEST(RdataTextTest, WireOfCommonTypes) {
    EXPECT_EQ(wire_hex(type::A, "192.0.2.1"), "C0000201");
    EXPECT_EQ(wire_hex(type::A, "0.0.0.0"), "00000000");
    EXPECT_EQ(wire_hex(type::AAAA, "::"), "00000000000000000000000000000000");
    EXPECT_EQ(wire_hex(type::AAAA, "2001:db8::1"), "20010DB8000000000000000000000001");
    EXPECT_EQ(wire_hex(type::AAAA, "::ffff:10.0.0.1"), "00000000000000000000FFFF0A000001");
    EXPECT_EQ(wire_hex(type::MX, "10 Mail.Example.COM."), "000A044D61696C074578616D706C6503434F4D00");
    EXPECT_EQ(wire_hex(type::NS, "@"), "076578616D706C6503636F6D00");
    EXPECT_EQ(wire_hex(type::CNAME, "a\\.b"), "03612E62076578616D706C6503636F6D00");
    EXPECT_EQ(wire_hex(type::TXT, "\"a\\\"b\" c \\\\"),
              "03612262016301"
              "5C");
    EXPECT_EQ(wire_hex(type::TXT, "\"\\255\\000x\""), "03FF0078");
    EXPECT_EQ(wire_hex(type::SRV, "0 5 443 ."),
              "00000005"
              "01BB00");
    EXPECT_EQ(wire_hex(type::SOA, ". . 4294967295 0 1s 1M 1w1d"),
              "0000"
              "FFFFFFFF"
              "00000000"
              "00000001"
              "0000003C"
              "000A8C00");
    EXPECT_EQ(wire_hex(type::CAA, "0 issue \"ca.example.net; account=230123\""),
              "0005697373756563612E6578616D706C652E6E65743B206163636F756E743D323330313233");
    EXPECT_EQ(wire_hex(type::DS, "1 2 3 ab CD ef"), "00010203ABCDEF");
    EXPECT_EQ(wire_hex(type::SSHFP, "1 1 a b c d"), "0101ABCD");  // hex split anywhere
    EXPECT_EQ(wire_hex(type::NAPTR, "1 2 \"\" \"\" \"\" ."),
              "00010002000000"
              "00");
    EXPECT_EQ(wire_hex(type::URI, "1 2 \"\""), "00010002");
    EXPECT_EQ(wire_hex(type::LOC, "52 22 23.000 N 4 53 32.000 E -2.00m 0.00m 10000m 10m"),
              "000016138B3CF018810CBCE0009895B8");
    EXPECT_EQ(wire_hex(type::APL, "1:192.168.32.0/21 !1:192.168.38.0/28 2:2001:db8::/32"),
              "00011503C0A82000011C83C0A8260002200420010DB8");
    EXPECT_EQ(wire_hex(type::NSEC, "host.example.com. A MX RRSIG NSEC TYPE1234"),
              std::string("04686F7374076578616D706C6503636F6D00"
                          "0006400100000003"
                          "041B") +
                  std::string(52, '0') + "20");
}

TEST(RdataTextTest, NamesKeepTheirCase) {
    auto w = rdata_from_text(type::NS, "NS1.Example.Net.", origin());
    ASSERT_TRUE(w.ok());
    EXPECT_EQ(rdata_to_text(type::NS, *w), "NS1.Example.Net.");
    auto rel = rdata_from_text(type::MX, "5 MAIL", origin());
    ASSERT_TRUE(rel.ok());
    EXPECT_EQ(rdata_to_text(type::MX, *rel), "5 MAIL.example.com.");
}

// RFC 9460 appendix D.1 and D.2 test vectors.
TEST(RdataTextTest, SvcbRfc9460Vectors) {
    EXPECT_EQ(wire_hex(type::HTTPS, "0 foo.example.com."),
              "0000"
              "03666F6F076578616D706C6503636F6D00");
    EXPECT_EQ(wire_hex(type::SVCB, "1 ."), "000100");
    EXPECT_EQ(wire_hex(type::SVCB, "16 foo.example.com. port=53"),
              "0010"
              "03666F6F076578616D706C6503636F6D00"
              "000300020035");
    EXPECT_EQ(wire_hex(type::SVCB, "1 foo.example.com. key667=hello"),
              "0001"
              "03666F6F076578616D706C6503636F6D00"
              "029B000568656C6C6F");
    EXPECT_EQ(wire_hex(type::SVCB, "1 foo.example.com. key667=\"hello\\210qoo\""),
              "0001"
              "03666F6F076578616D706C6503636F6D00"
              "029B000968656C6C6FD2716F6F");
    EXPECT_EQ(wire_hex(type::SVCB, "1 foo.example.com. (ipv6hint=\"2001:db8::1,2001:db8::53:1\")"),
              "0001"
              "03666F6F076578616D706C6503636F6D00"
              "00060020"
              "20010DB8000000000000000000000001"
              "20010DB8000000000000000000530001");
    EXPECT_EQ(wire_hex(type::SVCB, "1 example.com. (ipv6hint=\"2001:db8:122:344::192.0.2.33\")"),
              "0001"
              "076578616D706C6503636F6D00"
              "00060010"
              "20010DB80122034400000000C0000221");
    EXPECT_EQ(wire_hex(type::SVCB, "16 foo.example.org. (alpn=h2,h3-19 mandatory=ipv4hint,alpn ipv4hint=192.0.2.1)"),
              "0010"
              "03666F6F076578616D706C65036F726700"
              "0000000400010004"
              "00010009026832056833"
              "2D3139"
              "00040004C0000201");
    const std::string two_levels =
        "0010"
        "03666F6F076578616D706C65036F726700"
        "0001000C08665C6F6F2C626172026832";
    EXPECT_EQ(wire_hex(type::SVCB, "16 foo.example.org. (alpn=\"f\\\\\\\\oo\\\\,bar,h2\")"), two_levels);
    EXPECT_EQ(wire_hex(type::SVCB, "16 foo.example.org. alpn=f\\\\\\092oo\\092,bar,h2"), two_levels);
}

TEST(RdataTextTest, SvcbKeysAreSortedAndKnownKeysAcceptTheirNumber) {
    EXPECT_EQ(wire_hex(type::SVCB, "1 . port=1 alpn=h2"),
              "000100"
              "00010003026832"
              "000300020001");
    EXPECT_EQ(wire_hex(type::SVCB, "1 . key3=443"),
              "000100"
              "0003000201BB");
    // A single backslash before a comma is consumed by the character-string level (RFC 9460 A.1),
    // as Knot does: it separates two alpn-ids.
    EXPECT_EQ(wire_hex(type::SVCB, "1 . alpn=h2\\,h3"),
              "000100"
              "00010006026832026833");
    EXPECT_EQ(wire_hex(type::SVCB, "1 . alpn=h2\\\\,h3"),
              "000100"
              "0001000605"
              "68322C6833");
}

// RFC 9460 appendix D.3 failure cases, and a few more.
TEST(RdataTextTest, SvcbErrors) {
    EXPECT_ERROR(type::SVCB, "1 foo.example.com. (key123=abc key123=def)", "duplicate SVCB parameter 'key123'");
    EXPECT_ERROR(type::SVCB, "1 foo.example.com. mandatory", "'mandatory' needs a value");
    EXPECT_ERROR(type::SVCB, "1 foo.example.com. alpn", "'alpn' needs a value");
    EXPECT_ERROR(type::SVCB, "1 foo.example.com. port", "'port' needs a value");
    EXPECT_ERROR(type::SVCB, "1 foo.example.com. ipv4hint", "'ipv4hint' needs a value");
    EXPECT_ERROR(type::SVCB, "1 foo.example.com. ipv6hint", "'ipv6hint' needs a value");
    EXPECT_ERROR(type::SVCB, "1 foo.example.com. no-default-alpn=abc", "takes no value");
    EXPECT_ERROR(type::SVCB, "1 foo.example.com. mandatory=key123", "mandatory SVCB parameter 'key123' is missing");
    EXPECT_ERROR(type::SVCB, "1 foo.example.com. mandatory=mandatory", "may not list itself");
    EXPECT_ERROR(type::SVCB, "1 foo.example.com. (mandatory=key123,key123 key123=abc)", "duplicate key");
    EXPECT_ERROR(type::SVCB, "1 . no-default-alpn", "needs 'alpn'");
    EXPECT_ERROR(type::SVCB, "1 . foo=bar", "unknown SVCB parameter 'foo'");
    EXPECT_ERROR(type::SVCB, "1 . key65535=x", "reserved");
    EXPECT_ERROR(type::SVCB, "1 . port=65536", "bad value '65536'");
    EXPECT_ERROR(type::SVCB, "1 . ipv4hint=192.0.2.1,", "bad value");
    EXPECT_ERROR(type::SVCB, "1 . ipv6hint=192.0.2.1", "bad value");
    EXPECT_ERROR(type::SVCB, "1 . alpn=h2,,h3", "bad value");
    EXPECT_ERROR(type::HTTPS, "1 . ech=!!!!", "bad value");
    EXPECT_ERROR(type::HTTPS, "1", "missing target in HTTPS rdata");
}

// ---------------------------------------------------------------- errors

TEST(RdataTextTest, AddressErrors) {
    EXPECT_ERROR(type::A, "10.0.0.256", "bad IPv4 address '10.0.0.256'");
    EXPECT_ERROR(type::A, "10.0.0", "bad IPv4 address '10.0.0'");
    EXPECT_ERROR(type::A, "10.0.0.1.2", "bad IPv4 address");
    EXPECT_ERROR(type::A, "010.0.0.1", "bad IPv4 address");
    EXPECT_ERROR(type::A, "10.0.0.x", "bad IPv4 address");
    EXPECT_ERROR(type::A, "10..0.1", "bad IPv4 address");
    EXPECT_ERROR(type::A, "\"10.0.0.1\"", "quoted string");
    EXPECT_ERROR(type::A, "10.0.0.1 10.0.0.2", "trailing data '10.0.0.2' in A rdata");
    EXPECT_ERROR(type::AAAA, "2001:db8::1::2", "bad IPv6 address '2001:db8::1::2'");
    EXPECT_ERROR(type::AAAA, "2001:db8:0:0:0:0:0:0:1", "bad IPv6 address");
    EXPECT_ERROR(type::AAAA, "192.0.2.1", "bad IPv6 address");
    EXPECT_ERROR(type::AAAA, "12345::", "bad IPv6 address");
}

TEST(RdataTextTest, MissingAndTrailingFields) {
    EXPECT_ERROR(type::MX, "", "missing rdata for MX");
    EXPECT_ERROR(type::TXT, "", "missing rdata for TXT");
    EXPECT_ERROR(type::MX, "10", "missing exchange in MX rdata");
    EXPECT_ERROR(type::SOA, "ns1 hostmaster 1 2 3 4", "missing minimum in SOA rdata");
    EXPECT_ERROR(type::SRV, "1 2 3 target extra", "trailing data 'extra' in SRV rdata");
    EXPECT_ERROR(type::DS, "1 2 3", "missing digest in DS rdata");
    EXPECT_ERROR(type::DNSKEY, "257 3 13", "missing public key in DNSKEY rdata");
}

TEST(RdataTextTest, NumberErrors) {
    EXPECT_ERROR(type::MX, "65536 mail", "bad preference '65536' in MX rdata");
    EXPECT_ERROR(type::MX, "-1 mail", "bad preference '-1'");
    EXPECT_ERROR(type::MX, "1x mail", "bad preference '1x'");
    EXPECT_ERROR(type::SOA, "a b 4294967296 1 1 1 1", "bad serial '4294967296'");
    EXPECT_ERROR(type::SOA, "a b 1 1x 1 1 1", "bad refresh '1x'");
    EXPECT_ERROR(type::SOA, "a b 1 1 1 1 8000000w", "bad minimum");
    EXPECT_ERROR(type::SSHFP, "256 1 ab", "bad algorithm '256'");
    EXPECT_ERROR(type::DS, "1 NOSUCHALG 1 ab", "bad algorithm 'NOSUCHALG'");
}

TEST(RdataTextTest, NameErrors) {
    EXPECT_ERROR(type::NS, "a..b.", "empty label");
    EXPECT_ERROR(type::MX, "10 " + std::string(64, 'x') + ".", "63");
    EXPECT_ERROR(type::CNAME, "a\\256.", "bad canonical name");
}

TEST(RdataTextTest, StringErrors) {
    std::string long_string = "\"" + std::string(256, 'x') + "\"";
    EXPECT_ERROR(type::TXT, long_string, "TXT string longer than 255 bytes");
    EXPECT_EQ(wire_hex(type::TXT, "\"" + std::string(255, 'x') + "\"").size(), 512u);
    // Escapes count as the byte they stand for.
    std::string escaped;
    for (int i = 0; i < 255; ++i) escaped += "\\065";
    EXPECT_EQ(wire_hex(type::TXT, "\"" + escaped + "\"").substr(0, 4), "FF41");
    EXPECT_ERROR(type::TXT, "\"" + escaped + "x\"", "longer than 255");
    EXPECT_ERROR(type::TXT, "\"a\\25\"", "bad escape");
    EXPECT_ERROR(type::TXT, "a\\999", "bad escape");
    EXPECT_ERROR(type::HINFO, "\"" + std::string(300, 'y') + "\" os", "HINFO string longer than 255 bytes");
    EXPECT_ERROR(type::HINFO, "PC", "missing OS in HINFO rdata");
    EXPECT_ERROR(type::CAA, "0 is-sue \"x\"", "bad CAA tag 'is-sue'");
    EXPECT_ERROR(type::CAA, "0 issue a b", "trailing data 'b'");
}

TEST(RdataTextTest, EncodingErrors) {
    EXPECT_ERROR(type::DS, "1 2 3 abc", "odd number of hex digits");
    EXPECT_ERROR(type::DS, "1 2 3 xyz", "bad digest 'xyz'");
    EXPECT_ERROR(type::DNSKEY, "257 3 13 AQI", "bad base64");
    EXPECT_ERROR(type::DNSKEY, "257 3 13 A=QI", "bad base64");
    EXPECT_ERROR(type::NSEC3PARAM, "1 0 0 abc", "bad salt 'abc'");
    EXPECT_ERROR(type::NSEC3, "1 0 0 - 2t7b4g4vsa5smi47k61mv5bv1a22bojz", "bad next hashed owner");
    EXPECT_ERROR(type::NSEC, "next. A NOTATYPE", "unknown type 'NOTATYPE' in NSEC type bitmap");
    EXPECT_ERROR(type::RRSIG, "A 8 3 86400 20301301000000 20240101000000 1 example.com. AQ==", "bad expiration");
    EXPECT_ERROR(type::RRSIG, "A 8 3 86400 20300230000000 20240101000000 1 example.com. AQ==", "bad expiration");
    EXPECT_ERROR(type::RRSIG, "A 8 3 86400 20300101000000 19690101000000 1 example.com. AQ==", "bad inception");
    EXPECT_ERROR(type::EUI48, "00-00-5e-00-53", "bad address");
    EXPECT_ERROR(type::EUI64, "00:00:5e:ef:10:00:00:2a", "bad address");
    EXPECT_ERROR(type::NID, "10 0014:4fff:ff20", "bad node ID");
    EXPECT_ERROR(type::LOC, "91 N 0 E 0", "bad location '91'");
    EXPECT_ERROR(type::LOC, "90 1 N 0 E 0", "bad location");
    EXPECT_ERROR(type::LOC, "10 X 0 E 0", "bad location 'X'");
    EXPECT_ERROR(type::LOC, "10 N 0 E -100000.01m", "bad location");
    EXPECT_ERROR(type::LOC, "10 N 0 E", "missing location in LOC rdata");
    EXPECT_ERROR(type::APL, "3:1.2.3.4/8", "bad APL item");
    EXPECT_ERROR(type::APL, "1:1.2.3.4/33", "bad APL item");
    EXPECT_ERROR(type::IPSECKEY, "10 0 2 gw.example.com.", "must be '.'");
    EXPECT_ERROR(type::IPSECKEY, "10 4 2 x", "unknown IPSECKEY gateway type 4");
}

// ---------------------------------------------------------------- RFC 3597

TEST(RdataTextTest, GenericForm) {
    EXPECT_EQ(wire_hex(65280, "\\# 4 0a000001"), "0A000001");
    EXPECT_EQ(wire_hex(65280, "\\# 0"), "");
    EXPECT_EQ(wire_hex(65280, "\\# 4 0a 00 00 01"), "0A000001");
    EXPECT_EQ(wire_hex(65280, "\\# 2 ( 0a\n 0b )"), "0A0B");
    EXPECT_EQ(wire_hex(type::A, "\\# 4 0a000001"), "0A000001");
    EXPECT_EQ(to_text(type::A, "\\# 4 0a000001"), "10.0.0.1");
    EXPECT_EQ(to_text(type::MX, "\\# 4 000A 00 00"), "ERROR: generic rdata is not valid MX rdata");
    EXPECT_ERROR(type::A, "\\# 3 0a0000", "generic rdata is not valid A rdata");
    EXPECT_ERROR(type::A, "\\# 0", "not valid A rdata");
    EXPECT_ERROR(65280, "\\# 4 0a0000", "generic rdata length 4 does not match the 3 bytes");
    EXPECT_ERROR(65280, "\\# 1 0a0000", "does not match");
    EXPECT_ERROR(65280, "\\# 1 0", "odd number of hex digits");
    EXPECT_ERROR(65280, "\\# x", "bad generic rdata length 'x'");
    EXPECT_ERROR(65280, "\\# 70000", "bad generic rdata length");
    EXPECT_ERROR(65280, "\\#", "missing generic rdata length");
    EXPECT_ERROR(65280, "0a000001", "no presentation format");
    EXPECT_ERROR(10, "abc", "RFC 3597");
    // A quoted "\#" is an ordinary string, not the generic marker.
    EXPECT_EQ(wire_hex(type::TXT, "\"\\#\" 0"),
              "012301"
              "30");
}

TEST(RdataTextTest, MalformedWirePrintsGeneric) {
    const uint8_t short_a[] = {10, 0, 0};
    EXPECT_EQ(rdata_to_text(type::A, short_a, sizeof short_a), "\\# 3 0A0000");
    EXPECT_FALSE(rdata_is_valid(type::A, short_a, sizeof short_a));
    const uint8_t bad_name[] = {0, 10, 3, 'a', 'b'};
    EXPECT_EQ(rdata_to_text(type::MX, bad_name, sizeof bad_name), "\\# 5 000A036162");
    const uint8_t txt_overrun[] = {5, 'a'};
    EXPECT_EQ(rdata_to_text(type::TXT, txt_overrun, sizeof txt_overrun), "\\# 2 0561");
    EXPECT_EQ(rdata_to_text(type::TXT, nullptr, 0), "\\# 0");
    const uint8_t svcb_unsorted[] = {0, 1, 0, 0, 3, 0, 2, 0, 53, 0, 1, 0, 3, 2, 'h', '2'};
    EXPECT_EQ(rdata_to_text(type::SVCB, svcb_unsorted, sizeof svcb_unsorted).substr(0, 5), "\\# 16");
    const uint8_t unknown[] = {1, 2};
    EXPECT_EQ(rdata_to_text(65280, unknown, sizeof unknown), "\\# 2 0102");
    EXPECT_TRUE(rdata_is_valid(65280, unknown, sizeof unknown));
}

// ---------------------------------------------------------------- tokens and lines

TEST(RdataTextTest, ErrorLineIsTheLineOfTheToken) {
    auto r = rdata_from_text(type::SOA, "ns1 hostmaster (\n 1 ; serial\n 2 3 4\n bad )", origin());
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().line, 4u);
    EXPECT_NE(r.error().message.find("bad minimum 'bad'"), std::string::npos);
}

TEST(RdataTextTest, ParenthesesAndCommentsInRdata) {
    EXPECT_EQ(to_text(type::SOA, "ns1 hostmaster ( 1 ; serial\n 2 ; refresh\n 3 4 5 )"),
              "ns1.example.com. hostmaster.example.com. 1 2 3 4 5");
    EXPECT_EQ(to_text(type::TXT, "( \"a\"\n \"b\" )"), "\"a\" \"b\"");
    EXPECT_EQ(to_text(type::TXT, "\"semi;colon (paren)\""), "\"semi;colon (paren)\"");
}

// ---------------------------------------------------------------- helpers

TEST(RdataTextTest, Durations) {
    EXPECT_EQ(duration_from_text("0"), 0u);
    EXPECT_EQ(duration_from_text("3600"), 3600u);
    EXPECT_EQ(duration_from_text("1h30m"), 5400u);
    EXPECT_EQ(duration_from_text("1H30M"), 5400u);
    EXPECT_EQ(duration_from_text("2d"), 172800u);
    EXPECT_EQ(duration_from_text("1w"), 604800u);
    EXPECT_EQ(duration_from_text("1w2d3h4m5s"), 604800u + 2 * 86400 + 3 * 3600 + 4 * 60 + 5);
    EXPECT_EQ(duration_from_text("1h30"), 3630u);
    EXPECT_EQ(duration_from_text("2147483647"), 2147483647u);
    EXPECT_FALSE(duration_from_text("2147483648").has_value());
    EXPECT_FALSE(duration_from_text("99999999999999999999").has_value());
    EXPECT_EQ(duration_from_text("4294967295", 0xffffffffU), 4294967295u);
    EXPECT_FALSE(duration_from_text("3551w").has_value());
    EXPECT_FALSE(duration_from_text("").has_value());
    EXPECT_FALSE(duration_from_text("h").has_value());
    EXPECT_FALSE(duration_from_text("1x").has_value());
    EXPECT_FALSE(duration_from_text("1hh").has_value());
    EXPECT_FALSE(duration_from_text("-1").has_value());
}

TEST(RdataTextTest, NameToWire) {
    uint8_t out[dns::kMaxNameWire];
    size_t n = name_to_wire("www", origin(), out);
    EXPECT_EQ(std::string(reinterpret_cast<char*>(out), n), std::string("\3www\7example\3com\0", 17));
    n = name_to_wire("@", origin(), out);
    EXPECT_EQ(n, origin().size());
    n = name_to_wire(".", origin(), out);
    EXPECT_EQ(n, 1u);
    n = name_to_wire("a\\.b\\065.", origin(), out);
    EXPECT_EQ(std::string(reinterpret_cast<char*>(out), n), std::string("\4a.bA\0", 6));
    EXPECT_EQ(name_to_wire("", origin(), out), 0u);
    EXPECT_EQ(name_to_wire("a..b", origin(), out), 0u);
    EXPECT_EQ(name_to_wire(".a", origin(), out), 0u);
    EXPECT_EQ(name_to_wire("a\\", origin(), out), 0u);
    EXPECT_EQ(name_to_wire("a\\12", origin(), out), 0u);
    EXPECT_EQ(name_to_wire("a\\300", origin(), out), 0u);
    EXPECT_EQ(name_to_wire(std::string(64, 'a'), origin(), out), 0u);
    EXPECT_EQ(name_to_wire(std::string(63, 'a'), origin(), out), 64u + origin().size());
    std::string l63(63, 'a');
    std::string max_abs = l63 + "." + l63 + "." + l63 + "." + std::string(61, 'b') + ".";
    EXPECT_EQ(name_to_wire(max_abs, origin(), out), 255u);
    EXPECT_EQ(name_to_wire(l63 + "." + max_abs, origin(), out), 0u);
    EXPECT_EQ(name_to_wire(l63 + "." + l63 + "." + l63 + "." + std::string(50, 'c'), origin(), out), 0u);
    // Agrees with dns::name_from_text.
    for (std::string text : {"x", "x.y.", "\\046.", "A.b.C", "*", "a\\ b"}) {
        auto expected = dns::name_from_text(text, &origin());
        ASSERT_TRUE(expected.ok());
        n = name_to_wire(text, origin(), out);
        EXPECT_EQ(std::string(reinterpret_cast<char*>(out), n), expected->bytes()) << text;
    }
}

TEST(RdataTextTest, RecordToText) {
    Record r;
    r.owner = *dns::name_from_text("www.example.com.", nullptr);
    r.type = type::A;
    r.ttl = 300;
    r.rdata = std::string("\xc0\x00\x02\x01", 4);
    EXPECT_EQ(record_to_text(r), "www.example.com.\t300\tIN\tA\t192.0.2.1");
    r.type = 65280;
    EXPECT_EQ(record_to_text(r), "www.example.com.\t300\tIN\tTYPE65280\t\\# 4 C0000201");
}

}  // namespace
}  // namespace fz::zone
