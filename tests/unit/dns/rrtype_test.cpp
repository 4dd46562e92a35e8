// Tests for RR type and class mnemonics, including the RFC 3597 TYPEnnn / CLASSnnn forms,
// and for the names of rcodes and opcodes.
#include "dns/rrtype.h"

#include <gtest/gtest.h>

#include "dns/wire.h"

namespace fz::dns {
namespace {

TEST(RrtypeTest, EveryTypeOfWireHRoundTrips) {
    const uint16_t types[] = {
        type::A,     type::NS,         type::CNAME,    type::SOA,    type::PTR,   type::HINFO,   type::MX,
        type::TXT,   type::RP,         type::AFSDB,    type::SIG,    type::KEY,   type::AAAA,    type::LOC,
        type::SRV,   type::NAPTR,      type::KX,       type::CERT,   type::DNAME, type::OPT,     type::APL,
        type::DS,    type::SSHFP,      type::IPSECKEY, type::RRSIG,  type::NSEC,  type::DNSKEY,  type::DHCID,
        type::NSEC3, type::NSEC3PARAM, type::TLSA,     type::SMIMEA, type::CDS,   type::CDNSKEY, type::OPENPGPKEY,
        type::CSYNC, type::ZONEMD,     type::SVCB,     type::HTTPS,  type::SPF,   type::NID,     type::L32,
        type::L64,   type::LP,         type::EUI48,    type::EUI64,  type::TKEY,  type::TSIG,    type::IXFR,
        type::AXFR,  type::MAILB,      type::MAILA,    type::ANY,    type::URI,   type::CAA,
    };
    for (uint16_t t : types) {
        std::string text = type_to_text(t);
        EXPECT_NE(text.rfind("TYPE", 0), 0u) << "type " << t << " has no mnemonic";
        auto back = type_from_text(text);
        ASSERT_TRUE(back.has_value()) << text;
        EXPECT_EQ(*back, t) << text;
    }
}

TEST(RrtypeTest, MnemonicsAreCaseInsensitive) {
    EXPECT_EQ(type_from_text("aaaa"), type::AAAA);
    EXPECT_EQ(type_from_text("Https"), type::HTTPS);
    EXPECT_EQ(type_from_text("nsec3param"), type::NSEC3PARAM);
    EXPECT_EQ(type_from_text("cname"), type::CNAME);
}

TEST(RrtypeTest, KnownNumbersPrintAsMnemonics) {
    EXPECT_EQ(type_to_text(1), "A");
    EXPECT_EQ(type_to_text(65), "HTTPS");
    EXPECT_EQ(type_to_text(257), "CAA");
    EXPECT_EQ(type_to_text(10), "NULL");
}

TEST(RrtypeTest, GenericTypeForm) {
    EXPECT_EQ(type_from_text("TYPE65280"), 65280);
    EXPECT_EQ(type_from_text("type1"), type::A);  // RFC 3597 5: TYPE1 is A
    EXPECT_EQ(type_from_text("TYPE0"), 0);
    EXPECT_EQ(type_from_text("TYPE65535"), 65535);
    EXPECT_EQ(type_to_text(65280), "TYPE65280");
    EXPECT_EQ(type_to_text(0), "TYPE0");
}

TEST(RrtypeTest, RejectsUnknownAndMalformed) {
    EXPECT_FALSE(type_from_text("AAA").has_value());
    EXPECT_FALSE(type_from_text("").has_value());
    EXPECT_FALSE(type_from_text("TYPE").has_value());
    EXPECT_FALSE(type_from_text("TYPE65536").has_value());
    EXPECT_FALSE(type_from_text("TYPE1x").has_value());
    EXPECT_FALSE(type_from_text("TYPE-1").has_value());
    EXPECT_FALSE(type_from_text("TYPE123456").has_value());
    EXPECT_FALSE(type_from_text("A ").has_value());
    EXPECT_FALSE(type_from_text("AVERYLONGTYPENAMETHATDOESNOTEXIST").has_value());
}

TEST(RrtypeTest, Classes) {
    EXPECT_EQ(class_from_text("IN"), rrclass::IN);
    EXPECT_EQ(class_from_text("in"), rrclass::IN);
    EXPECT_EQ(class_from_text("CH"), rrclass::CH);
    EXPECT_EQ(class_from_text("chaos"), rrclass::CH);
    EXPECT_EQ(class_from_text("HS"), rrclass::HS);
    EXPECT_EQ(class_from_text("NONE"), rrclass::NONE);
    EXPECT_EQ(class_from_text("ANY"), rrclass::ANY);
    EXPECT_EQ(class_from_text("CLASS1"), rrclass::IN);
    EXPECT_EQ(class_from_text("class65280"), 65280);
    EXPECT_FALSE(class_from_text("CLASS").has_value());
    EXPECT_FALSE(class_from_text("CLASS70000").has_value());
    EXPECT_FALSE(class_from_text("INX").has_value());
    EXPECT_FALSE(class_from_text("A").has_value());
    EXPECT_EQ(class_to_text(rrclass::IN), "IN");
    EXPECT_EQ(class_to_text(rrclass::CH), "CH");
    EXPECT_EQ(class_to_text(rrclass::HS), "HS");
    EXPECT_EQ(class_to_text(65280), "CLASS65280");
}

TEST(RrtypeTest, MetaTypes) {
    for (uint16_t t :
         {type::OPT, type::TKEY, type::TSIG, type::IXFR, type::AXFR, type::MAILB, type::MAILA, type::ANY}) {
        EXPECT_TRUE(is_meta_type(t)) << t;
    }
    for (uint16_t t : {type::A, type::SOA, type::RRSIG, type::HTTPS, type::CAA, uint16_t{65280}}) {
        EXPECT_FALSE(is_meta_type(t)) << t;
    }
}

TEST(RrtypeTest, RcodeNames) {
    EXPECT_EQ(rcode_name(rcode::NOERROR), "NOERROR");
    EXPECT_EQ(rcode_name(rcode::FORMERR), "FORMERR");
    EXPECT_EQ(rcode_name(rcode::SERVFAIL), "SERVFAIL");
    EXPECT_EQ(rcode_name(rcode::NXDOMAIN), "NXDOMAIN");
    EXPECT_EQ(rcode_name(rcode::NOTIMP), "NOTIMP");
    EXPECT_EQ(rcode_name(rcode::REFUSED), "REFUSED");
    EXPECT_EQ(rcode_name(9), "NOTAUTH");
    EXPECT_EQ(rcode_name(10), "NOTZONE");
    EXPECT_EQ(rcode_name(rcode::BADVERS), "BADVERS");  // extended: 4 bits in the header, 8 in OPT
    EXPECT_EQ(rcode_name(rcode::BADCOOKIE), "BADCOOKIE");
    EXPECT_EQ(rcode_name(12), "RCODE12");
    EXPECT_EQ(rcode_name(4095), "RCODE4095");
}

TEST(RrtypeTest, OpcodeNames) {
    EXPECT_EQ(opcode_name(opcode::QUERY), "QUERY");
    EXPECT_EQ(opcode_name(opcode::IQUERY), "IQUERY");
    EXPECT_EQ(opcode_name(opcode::STATUS), "STATUS");
    EXPECT_EQ(opcode_name(opcode::NOTIFY), "NOTIFY");
    EXPECT_EQ(opcode_name(opcode::UPDATE), "UPDATE");
    EXPECT_EQ(opcode_name(3), "OPCODE3");
    EXPECT_EQ(opcode_name(15), "OPCODE15");
}

}  // namespace
}  // namespace fz::dns
