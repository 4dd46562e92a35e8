// Tests for the RFC 1035 master-file parser: syntax, directives, default TTLs, $INCLUDE,
// duplicate handling and every error with its line.
#include "zone/master_parser.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "dns/rrtype.h"
#include "dns/wire.h"
#include "zone/lexer.h"
#include "zone/rdata_text.h"

namespace fz::zone {
namespace {

namespace type = dns::type;

dns::Name name(std::string_view text) { return *dns::name_from_text(text, nullptr); }

const dns::Name& example() {
    static const dns::Name o = name("example.com.");
    return o;
}

constexpr const char* kHead =
    "$TTL 3600\n"
    "@ IN SOA ns1 hostmaster 1 7200 900 1209600 300\n"
    "@ IN NS ns1\n";

ZoneSource parse_ok(std::string_view text, const ParseOptions& options = {}) {
    auto r = parse_zone_text(text, "test.zone", example(), options);
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().to_string());
    return r.ok() ? std::move(*r) : ZoneSource{};
}

Error parse_error(std::string_view text, const ParseOptions& options = {}) {
    auto r = parse_zone_text(text, "test.zone", example(), options);
    EXPECT_FALSE(r.ok()) << "parsed without error";
    return r.ok() ? Error{} : r.error();
}

#define EXPECT_PARSE_ERROR(text, want_line, part)                               \
    do {                                                                        \
        Error e_ = parse_error(text);                                           \
        EXPECT_EQ(e_.file, "test.zone");                                        \
        EXPECT_EQ(e_.line, static_cast<uint32_t>(want_line)) << e_.to_string(); \
        EXPECT_NE(e_.message.find(part), std::string::npos) << e_.to_string();  \
    } while (0)

// "owner ttl TYPE rdata" of record i, for compact assertions.
std::string rr(const ZoneSource& z, size_t i) {
    if (i >= z.records.size()) return "<none>";
    const Record& r = z.records[i];
    return r.owner.to_text() + " " + std::to_string(r.ttl) + " " + dns::type_to_text(r.type) + " " +
           rdata_to_text(r.type, r.rdata);
}

// ---------------------------------------------------------------- basic syntax

TEST(MasterParserTest, SmallZone) {
    ZoneSource z = parse_ok(std::string(kHead) +
                            "www IN A 192.0.2.1\n"
                            "www.example.com. 60 IN AAAA 2001:db8::1\n"
                            "mail IN MX 10 mail.example.net.\n");
    ASSERT_EQ(z.records.size(), 5u);
    EXPECT_EQ(z.origin, example());
    ASSERT_EQ(z.files.size(), 1u);
    EXPECT_EQ(z.files[0], "test.zone");
    EXPECT_EQ(rr(z, 0), "example.com. 3600 SOA ns1.example.com. hostmaster.example.com. 1 7200 900 1209600 300");
    EXPECT_EQ(rr(z, 1), "example.com. 3600 NS ns1.example.com.");
    EXPECT_EQ(rr(z, 2), "www.example.com. 3600 A 192.0.2.1");
    EXPECT_EQ(rr(z, 3), "www.example.com. 60 AAAA 2001:db8::1");
    EXPECT_EQ(rr(z, 4), "mail.example.com. 3600 MX 10 mail.example.net.");
    for (size_t i = 0; i < z.records.size(); ++i) {
        EXPECT_EQ(z.records[i].line, i + 2);
        EXPECT_EQ(z.records[i].rclass, dns::rrclass::IN);
        EXPECT_EQ(z.records[i].file_id, 0);
    }
    EXPECT_TRUE(z.warnings.empty());
}

TEST(MasterParserTest, EmptyTextGivesNoRecords) {
    ZoneSource z = parse_ok("");
    EXPECT_TRUE(z.records.empty());
    z = parse_ok("; only a comment\n\n   \n\t; indented comment\n");
    EXPECT_TRUE(z.records.empty());
}

TEST(MasterParserTest, OwnerOmittedMeansPreviousOwner) {
    ZoneSource z = parse_ok(std::string(kHead) +
                            "www IN A 192.0.2.1\n"
                            "    IN A 192.0.2.2\n"
                            "\tIN TXT \"tab\"\n"
                            "; comment lines do not reset the owner\n"
                            "\n"
                            "  60 AAAA ::1\n");
    ASSERT_EQ(z.records.size(), 6u);
    EXPECT_EQ(rr(z, 3), "www.example.com. 3600 A 192.0.2.2");
    EXPECT_EQ(rr(z, 4), "www.example.com. 3600 TXT \"tab\"");
    EXPECT_EQ(rr(z, 5), "www.example.com. 60 AAAA ::1");
}

TEST(MasterParserTest, FirstRecordWithoutOwnerIsAnError) {
    EXPECT_PARSE_ERROR("$TTL 1\n  IN A 192.0.2.1\n", 2, "without an owner");
}

TEST(MasterParserTest, TtlAndClassInEitherOrderOrOmitted) {
    ZoneSource z = parse_ok(std::string(kHead) +
                            "a 100 IN A 192.0.2.1\n"
                            "b IN 200 A 192.0.2.2\n"
                            "c 300 A 192.0.2.3\n"
                            "d IN A 192.0.2.4\n"
                            "e A 192.0.2.5\n"
                            "f in 1h a 192.0.2.6\n");
    EXPECT_EQ(rr(z, 2), "a.example.com. 100 A 192.0.2.1");
    EXPECT_EQ(rr(z, 3), "b.example.com. 200 A 192.0.2.2");
    EXPECT_EQ(rr(z, 4), "c.example.com. 300 A 192.0.2.3");
    EXPECT_EQ(rr(z, 5), "d.example.com. 3600 A 192.0.2.4");
    EXPECT_EQ(rr(z, 6), "e.example.com. 3600 A 192.0.2.5");
    EXPECT_EQ(rr(z, 7), "f.example.com. 3600 A 192.0.2.6");
}

TEST(MasterParserTest, AbsoluteRelativeAndAtOwners) {
    ZoneSource z = parse_ok(std::string(kHead) +
                            "@ TXT apex\n"
                            "example.com. TXT abs\n"
                            "a.b TXT rel\n"
                            "*.wild TXT star\n"
                            "a\\.dot TXT escaped\n"
                            "MiXeD TXT \"case kept\"\n");
    EXPECT_EQ(z.records[2].owner.to_text(), "example.com.");
    EXPECT_EQ(z.records[3].owner.to_text(), "example.com.");
    EXPECT_EQ(z.records[4].owner.to_text(), "a.b.example.com.");
    EXPECT_EQ(z.records[5].owner.to_text(), "*.wild.example.com.");
    EXPECT_TRUE(z.records[5].owner.is_wildcard());
    EXPECT_EQ(z.records[6].owner.to_text(), "a\\.dot.example.com.");
    EXPECT_EQ(z.records[6].owner.label_count(), 3u);
    EXPECT_EQ(z.records[7].owner.to_text(), "MiXeD.example.com.");
}

TEST(MasterParserTest, NumericOwnersInReverseZone) {
    auto r = parse_zone_text(
        "$TTL 1d\n"
        "@ SOA ns.example.com. h.example.com. 1 2 3 4 5\n"
        "1 PTR host1.example.com.\n"
        "254 IN PTR host254.example.com.\n",
        "rev.zone", name("2.0.192.in-addr.arpa."));
    ASSERT_TRUE(r.ok()) << r.error().to_string();
    ASSERT_EQ(r->records.size(), 3u);
    EXPECT_EQ(r->records[1].owner.to_text(), "1.2.0.192.in-addr.arpa.");
    EXPECT_EQ(r->records[1].ttl, 86400u);
    EXPECT_EQ(r->records[2].owner.to_text(), "254.2.0.192.in-addr.arpa.");
}

TEST(MasterParserTest, ParenthesesCommentsAndLines) {
    ZoneSource z = parse_ok(
        "$TTL 1h\n"
        "@ IN SOA ns1.example.com. hostmaster.example.com. (\n"
        "        2024010101 ; serial\n"
        "        1h         ; refresh (with parenthesis in comment\n"
        "        15M        ; retry\n"
        "        1W         ; expire\n"
        "        300 )      ; minimum\n"
        "txt TXT ( \"one\" ; first\n"
        "          \"two\" )\n"
        "after A 192.0.2.1\n");
    ASSERT_EQ(z.records.size(), 3u);
    EXPECT_EQ(rr(z, 0),
              "example.com. 3600 SOA ns1.example.com. hostmaster.example.com. 2024010101 3600 900 604800 300");
    EXPECT_EQ(z.records[0].line, 2u);
    EXPECT_EQ(rr(z, 1), "txt.example.com. 3600 TXT \"one\" \"two\"");
    EXPECT_EQ(z.records[1].line, 8u);
    EXPECT_EQ(z.records[2].line, 10u);
}

TEST(MasterParserTest, ParenthesisOpenedBeforeTheTypeAndGluedToTokens) {
    ZoneSource z = parse_ok(std::string(kHead) + "x (IN\n 60 A\n 192.0.2.1)\nnext A 192.0.2.2\n");
    ASSERT_EQ(z.records.size(), 4u);
    EXPECT_EQ(rr(z, 2), "x.example.com. 60 A 192.0.2.1");
    EXPECT_EQ(z.records[3].line, 7u);
}

TEST(MasterParserTest, QuotedStringsAndEscapes) {
    ZoneSource z = parse_ok(std::string(kHead) +
                            "t1 TXT \"semi;colon\" \"(paren)\" \"quote\\\"inside\" \"back\\\\slash\"\n"
                            "t2 TXT \"\\065\\066C\" unquoted\\ word \\\"x\n"
                            "t3 TXT \"\"\n");
    EXPECT_EQ(rr(z, 2), "t1.example.com. 3600 TXT \"semi;colon\" \"(paren)\" \"quote\\\"inside\" \"back\\\\slash\"");
    EXPECT_EQ(rr(z, 3), "t2.example.com. 3600 TXT \"ABC\" \"unquoted word\" \"\\\"x\"");
    EXPECT_EQ(rr(z, 4), "t3.example.com. 3600 TXT \"\"");
}

TEST(MasterParserTest, CrLfLineEndings) {
    ZoneSource z = parse_ok("$TTL 60\r\n@ SOA ns h 1 2 3 4 5\r\n\r\n  NS ns\r\nns A 192.0.2.1\r\n");
    ASSERT_EQ(z.records.size(), 3u);
    EXPECT_EQ(rr(z, 1), "example.com. 60 NS ns.example.com.");
    EXPECT_EQ(z.records[2].line, 5u);
}

TEST(MasterParserTest, ByteOrderMarkIsSkipped) {
    ZoneSource z = parse_ok("\xEF\xBB\xBF$TTL 60\nwww A 192.0.2.1\n");
    ASSERT_EQ(z.records.size(), 1u);
    EXPECT_EQ(z.records[0].line, 2u);
    EXPECT_PARSE_ERROR("\xEF\xBB\xBF A 192.0.2.1\n", 1, "without an owner");
}

TEST(MasterParserTest, RdataNamesKeepTheirCase) {
    ZoneSource z = parse_ok(std::string(kHead) + "c CNAME Target.EXAMPLE.net.\nm MX 1 MAIL\n");
    EXPECT_EQ(rr(z, 2), "c.example.com. 3600 CNAME Target.EXAMPLE.net.");
    EXPECT_EQ(rr(z, 3), "m.example.com. 3600 MX 1 MAIL.example.com.");
}

TEST(MasterParserTest, GenericSyntax) {
    ZoneSource z = parse_ok(std::string(kHead) +
                            "g1 TYPE65280 \\# 4 0a000001\n"
                            "g2 A \\# 4 0A000001\n"
                            "g3 type65281 \\# 0\n"
                            "g4 CLASS1 TYPE1 10.0.0.2\n");
    ASSERT_EQ(z.records.size(), 6u);
    EXPECT_EQ(z.records[2].type, 65280);
    EXPECT_EQ(z.records[2].rdata, std::string("\x0a\x00\x00\x01", 4));
    EXPECT_EQ(rr(z, 3), "g2.example.com. 3600 A 10.0.0.1");
    EXPECT_EQ(z.records[4].rdata, "");
    EXPECT_EQ(rr(z, 5), "g4.example.com. 3600 A 10.0.0.2");
}

TEST(MasterParserTest, LexerTokens) {
    auto t = tokenize("a \"b c\" key=\"v\"(d\\ e) ; comment\n f\\;g");
    ASSERT_TRUE(t.ok());
    ASSERT_EQ(t->size(), 6u);
    EXPECT_EQ((*t)[0].text, "a");
    EXPECT_EQ((*t)[1].text, "b c");
    EXPECT_TRUE((*t)[1].quoted);
    EXPECT_EQ((*t)[2].text, "key=");
    EXPECT_FALSE((*t)[2].quoted);
    EXPECT_EQ((*t)[3].text, "v");
    EXPECT_TRUE((*t)[3].attached);
    EXPECT_FALSE((*t)[2].attached);
    EXPECT_EQ((*t)[4].text, "d\\ e");  // an escaped blank does not split a token
    EXPECT_EQ((*t)[5].text, "f\\;g");  // nor does an escaped semicolon start a comment
    EXPECT_EQ((*t)[5].line, 2u);
    EXPECT_FALSE(tokenize("\"open").ok());
    EXPECT_FALSE(tokenize("( a").ok());
    EXPECT_FALSE(tokenize("a )").ok());
}

// ---------------------------------------------------------------- directives

TEST(MasterParserTest, OriginDirective) {
    ZoneSource z = parse_ok(std::string(kHead) +
                            "$ORIGIN sub.example.com.\n"
                            "www A 192.0.2.1\n"
                            "@ TXT \"at follows origin\"\n"
                            "$ORIGIN deeper\n"
                            "x CNAME y\n"
                            "$origin example.com.\n"
                            "z A 192.0.2.2\n");
    EXPECT_EQ(rr(z, 2), "www.sub.example.com. 3600 A 192.0.2.1");
    EXPECT_EQ(rr(z, 3), "sub.example.com. 3600 TXT \"at follows origin\"");
    EXPECT_EQ(rr(z, 4), "x.deeper.sub.example.com. 3600 CNAME y.deeper.sub.example.com.");
    EXPECT_EQ(rr(z, 5), "z.example.com. 3600 A 192.0.2.2");
}

TEST(MasterParserTest, TtlDirectiveWithUnits) {
    ZoneSource z = parse_ok(
        "$TTL 1h30m\n@ SOA ns h 1 2 3 4 5\n$TTL 2D\na A 192.0.2.1\n$ttl 1w\nb A 192.0.2.2\n"
        "$TTL 0\nc A 192.0.2.3\n");
    EXPECT_EQ(z.records[0].ttl, 5400u);
    EXPECT_EQ(z.records[1].ttl, 172800u);
    EXPECT_EQ(z.records[2].ttl, 604800u);
    EXPECT_EQ(z.records[3].ttl, 0u);
}

TEST(MasterParserTest, DollarTtlBeatsLastExplicitTtl) {
    ZoneSource z = parse_ok("$TTL 100\n@ 50 SOA ns h 1 2 3 4 5\na A 192.0.2.1\n");
    EXPECT_EQ(z.records[0].ttl, 50u);
    EXPECT_EQ(z.records[1].ttl, 100u);
}

TEST(MasterParserTest, LastExplicitTtlWithoutDollarTtl) {
    ZoneSource z = parse_ok("@ 500 SOA ns h 1 2 3 4 5\na A 192.0.2.1\nb 20 A 192.0.2.2\nc A 192.0.2.3\n");
    EXPECT_EQ(z.records[1].ttl, 500u);
    EXPECT_EQ(z.records[2].ttl, 20u);
    EXPECT_EQ(z.records[3].ttl, 20u);
}

TEST(MasterParserTest, SoaMinimumIsTheTtlOfAFirstSoaWithoutTtl) {
    ZoneSource z = parse_ok("@ SOA ns h 1 2 3 4 1h\n@ NS ns\n");
    EXPECT_EQ(z.records[0].ttl, 3600u);
    EXPECT_EQ(z.records[1].ttl, 3600u);
}

TEST(MasterParserTest, DefaultTtlFromOptions) {
    ParseOptions options;
    options.default_ttl = 42;
    ZoneSource z = parse_ok("a A 192.0.2.1\n", options);
    EXPECT_EQ(z.records[0].ttl, 42u);
}

TEST(MasterParserTest, NoTtlAtAllIsAnError) { EXPECT_PARSE_ERROR("a A 192.0.2.1\n", 1, "no TTL"); }

TEST(MasterParserTest, TtlBounds) {
    ZoneSource z = parse_ok("a 2147483647 A 192.0.2.1\nb 0 A 192.0.2.2\n");
    EXPECT_EQ(z.records[0].ttl, 2147483647u);
    EXPECT_EQ(z.records[1].ttl, 0u);
    EXPECT_PARSE_ERROR("a 2147483648 A 192.0.2.1\n", 1, "TTL '2147483648' out of range (0..2147483647)");
    EXPECT_PARSE_ERROR("a 99999999999 A 192.0.2.1\n", 1, "out of range");
    EXPECT_PARSE_ERROR("a 4000w A 192.0.2.1\n", 1, "out of range");
    EXPECT_PARSE_ERROR("a 1x A 192.0.2.1\n", 1, "bad TTL '1x'");
    EXPECT_PARSE_ERROR("$TTL -1\n", 1, "bad $TTL");
    EXPECT_PARSE_ERROR("$TTL\n", 1, "$TTL needs exactly one value");
}

TEST(MasterParserTest, UnknownDirective) {
    EXPECT_PARSE_ERROR(std::string(kHead) + "$GENERATE 1-10 host$ A 10.0.0.$\n", 4, "unknown directive '$GENERATE'");
}

TEST(MasterParserTest, BadOrigin) {
    EXPECT_PARSE_ERROR("$ORIGIN\n", 1, "$ORIGIN needs exactly one domain name");
    EXPECT_PARSE_ERROR("$TTL 1\n$ORIGIN a..b.\n", 2, "bad $ORIGIN");
}

// ---------------------------------------------------------------- $INCLUDE

class IncludeTest : public ::testing::Test {
protected:
    void SetUp() override {
        char tmpl[] = "/tmp/fz_master_parser_XXXXXX";
        ASSERT_NE(mkdtemp(tmpl), nullptr);
        dir_ = tmpl;
    }
    void TearDown() override { std::filesystem::remove_all(dir_); }

    std::string write(const std::string& relative, const std::string& text) {
        std::filesystem::path p = std::filesystem::path(dir_) / relative;
        std::filesystem::create_directories(p.parent_path());
        std::ofstream(p) << text;
        return p.string();
    }

    std::string dir_;
};

TEST_F(IncludeTest, IncludeIsRelativeToTheIncludingFile) {
    std::string main = write("zones/main.zone", std::string(kHead) +
                                                    "$INCLUDE sub/hosts.inc\n"
                                                    "after A 192.0.2.9\n");
    write("zones/sub/hosts.inc", "www A 192.0.2.1\n$INCLUDE more.inc\n");
    write("zones/sub/more.inc", "mail A 192.0.2.2\n");
    auto r = parse_zone_file(main, example());
    ASSERT_TRUE(r.ok()) << r.error().to_string();
    ASSERT_EQ(r->records.size(), 5u);
    EXPECT_EQ(rr(*r, 2), "www.example.com. 3600 A 192.0.2.1");
    EXPECT_EQ(rr(*r, 3), "mail.example.com. 3600 A 192.0.2.2");
    EXPECT_EQ(rr(*r, 4), "after.example.com. 3600 A 192.0.2.9");
    ASSERT_EQ(r->files.size(), 3u);
    EXPECT_EQ(r->files[0], main);
    EXPECT_EQ(r->file_of(r->records[2]), dir_ + "/zones/sub/hosts.inc");
    EXPECT_EQ(r->file_of(r->records[3]), dir_ + "/zones/sub/more.inc");
    EXPECT_EQ(r->records[3].line, 1u);
    EXPECT_EQ(r->file_of(r->records[4]), main);
    EXPECT_EQ(r->records[4].line, 5u);
}

TEST_F(IncludeTest, IncludeWithOriginDoesNotChangeTheIncludersOrigin) {
    std::string main = write("main.zone", std::string(kHead) +
                                              "$INCLUDE \"sub.inc\" sub\n"
                                              "www A 192.0.2.1\n"
                                              "   A 192.0.2.2\n");
    write("sub.inc", "@ A 198.51.100.1\nhost A 198.51.100.2\n$ORIGIN other.example.com.\nx A 198.51.100.3\n");
    auto r = parse_zone_file(main, example());
    ASSERT_TRUE(r.ok()) << r.error().to_string();
    ASSERT_EQ(r->records.size(), 7u);
    EXPECT_EQ(rr(*r, 2), "sub.example.com. 3600 A 198.51.100.1");
    EXPECT_EQ(rr(*r, 3), "host.sub.example.com. 3600 A 198.51.100.2");
    EXPECT_EQ(rr(*r, 4), "x.other.example.com. 3600 A 198.51.100.3");
    EXPECT_EQ(rr(*r, 5), "www.example.com. 3600 A 192.0.2.1");
    EXPECT_EQ(rr(*r, 6), "www.example.com. 3600 A 192.0.2.2");
}

TEST_F(IncludeTest, ParseZoneTextIncludesRelativeToItsFileName) {
    write("inc.zone", "www A 192.0.2.1\n");
    auto r = parse_zone_text(std::string(kHead) + "$INCLUDE inc.zone\n", dir_ + "/virtual.zone", example());
    ASSERT_TRUE(r.ok()) << r.error().to_string();
    EXPECT_EQ(r->records.size(), 3u);
}

TEST_F(IncludeTest, AbsoluteIncludePath) {
    std::string inc = write("abs.inc", "www A 192.0.2.1\n");
    std::string main = write("main.zone", std::string(kHead) + "$INCLUDE " + inc + "\n");
    auto r = parse_zone_file(main, example());
    ASSERT_TRUE(r.ok()) << r.error().to_string();
    EXPECT_EQ(r->records.size(), 3u);
}

// Before: the error quoted the included file's first line, whatever the file was
// ("missing type in record of root:x:SECRET...").
TEST_F(IncludeTest, AnIncludedFileThatIsNoZoneFileIsNotQuoted) {
    std::string inc = write("shadow", "root:x:SECRET-HASH:19000:0:99999:7:::\ndaemon:*:19000:0:99999:7:::\n");
    std::string main = write("main.zone", std::string(kHead) + "$INCLUDE " + inc + "\n");
    auto r = parse_zone_file(main, example());
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().file, inc);
    EXPECT_EQ(r.error().line, 1u);
    EXPECT_EQ(r.error().message.find("SECRET"), std::string::npos) << r.error().to_string();
    EXPECT_EQ(r.error().message.find("root"), std::string::npos) << r.error().to_string();
    EXPECT_NE(r.error().message.find("not a zone file"), std::string::npos) << r.error().to_string();
}

TEST_F(IncludeTest, AnIncludedZoneFileIsQuotedOnceItParses) {
    std::string inc = write("hosts.inc", "www A 192.0.2.1\nmail AAA 192.0.2.2\n");
    std::string main = write("main.zone", std::string(kHead) + "$INCLUDE " + inc + "\n");
    auto r = parse_zone_file(main, example());
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().line, 2u);
    EXPECT_NE(r.error().message.find("unknown type 'AAA'"), std::string::npos) << r.error().to_string();
}

TEST_F(IncludeTest, MissingIncludeFile) {
    std::string main = write("main.zone", std::string(kHead) + "$INCLUDE x\n");
    auto r = parse_zone_file(main, example());
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().file, main);
    EXPECT_EQ(r.error().line, 4u);
    EXPECT_EQ(r.error().message, "$INCLUDE file 'x' not found");
}

TEST_F(IncludeTest, IncludeLoopIsAnError) {
    std::string main = write("a.zone", std::string(kHead) + "$INCLUDE b.inc\n");
    std::string b = write("b.inc", "x A 192.0.2.1\n$INCLUDE a.zone\n");
    auto r = parse_zone_file(main, example());
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().file, b);
    EXPECT_EQ(r.error().line, 2u);
    EXPECT_NE(r.error().message.find("$INCLUDE loop"), std::string::npos) << r.error().message;
    std::string self = write("self.zone", "$INCLUDE self.zone\n");
    r = parse_zone_file(self, example());
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message.find("loop"), std::string::npos);
}

TEST_F(IncludeTest, IncludeDepthLimit) {
    for (int i = 0; i < 5; ++i) {
        std::string file = std::string("d").append(std::to_string(i)).append(".inc");
        write(file, std::string("$INCLUDE d").append(std::to_string(i + 1)).append(".inc\n"));
    }
    write("d5.inc", "www A 192.0.2.1\n");
    std::string main = write("main.zone", std::string(kHead) + "$INCLUDE d0.inc\n");
    ParseOptions options;
    options.max_include_depth = 6;
    auto ok = parse_zone_file(main, example(), options);
    ASSERT_TRUE(ok.ok()) << ok.error().to_string();
    options.max_include_depth = 5;
    auto r = parse_zone_file(main, example(), options);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().file, dir_ + "/d4.inc");
    EXPECT_NE(r.error().message.find("nested deeper than 5"), std::string::npos) << r.error().message;
}

TEST_F(IncludeTest, ErrorInsideIncludedFileNamesThatFile) {
    std::string main = write("main.zone", std::string(kHead) + "$INCLUDE bad.inc\n");
    std::string bad = write("bad.inc", "ok A 192.0.2.1\n\nbroken A 10.0.0.256\n");
    auto r = parse_zone_file(main, example());
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().file, bad);
    EXPECT_EQ(r.error().line, 3u);
    EXPECT_EQ(r.error().to_string(), bad + ":3: bad IPv4 address '10.0.0.256'");
}

TEST_F(IncludeTest, IncludeArguments) {
    std::string main = write("main.zone", "$INCLUDE\n");
    auto r = parse_zone_file(main, example());
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message.find("$INCLUDE needs a file name"), std::string::npos);
}

TEST_F(IncludeTest, IncludedDirectoryIsAnError) {
    std::filesystem::create_directories(dir_ + "/adir");
    std::string main = write("main.zone", "$INCLUDE adir\n");
    auto r = parse_zone_file(main, example());
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message.find("cannot be read"), std::string::npos) << r.error().message;
}

TEST_F(IncludeTest, ParseZoneFileErrors) {
    auto r = parse_zone_file(dir_ + "/nope.zone", example());
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().file, dir_ + "/nope.zone");
    EXPECT_EQ(r.error().line, 0u);
    EXPECT_NE(r.error().message.find("No such file"), std::string::npos) << r.error().message;
    std::string empty = write("empty.zone", "");
    auto e = parse_zone_file(empty, example());
    ASSERT_TRUE(e.ok());
    EXPECT_TRUE(e->records.empty());
}

// ---------------------------------------------------------------- errors with lines

TEST(MasterParserTest, SyntaxErrors) {
    const std::string h = kHead;  // three lines
    EXPECT_PARSE_ERROR(h + "www IN A 10.0.0.256\n", 4, "bad IPv4 address '10.0.0.256'");
    EXPECT_PARSE_ERROR(h + "www IN AAA ::1\n", 4, "unknown type 'AAA'");
    EXPECT_PARSE_ERROR(h + "www IN MX\n", 4, "missing rdata for MX");
    EXPECT_PARSE_ERROR(h + "www IN\n", 4, "missing type");
    EXPECT_PARSE_ERROR(h + "www 60 IN 60 A 192.0.2.1\n", 4, "unknown type '60'");
    EXPECT_PARSE_ERROR(h + "www TXT \"unterminated\n", 4, "unterminated quoted string");
    EXPECT_PARSE_ERROR(h + "www TXT \"" + std::string(256, 'x') + "\"\n", 4, "TXT string longer than 255 bytes");
    EXPECT_PARSE_ERROR(h + "www A 192.0.2.1 )\n", 4, "unbalanced parenthesis");
    EXPECT_PARSE_ERROR(h + "www IN ANY 192.0.2.1\n", 4, "type ANY cannot appear in a zone");
    EXPECT_PARSE_ERROR(h + "www AXFR 192.0.2.1\n", 4, "type AXFR cannot appear in a zone");
    EXPECT_PARSE_ERROR(h + "www OPT \\# 0\n", 4, "type OPT cannot appear in a zone");
    EXPECT_PARSE_ERROR(h + "a..b A 192.0.2.1\n", 4, "bad owner name 'a..b'");
    EXPECT_PARSE_ERROR(h + "\"quoted\" A 192.0.2.1\n", 4, "owner name may not be a quoted string");
    EXPECT_PARSE_ERROR(h + "www NULL abc\n", 4, "RFC 3597");
}

TEST(MasterParserTest, UnclosedParenthesisReportsWhereItOpened) {
    EXPECT_PARSE_ERROR(std::string(kHead) + "\nwww TXT ( \"a\"\n \"b\"\n\n", 5, "unbalanced parenthesis");
}

TEST(MasterParserTest, ErrorInAMultiLineRecordNamesTheTokensLine) {
    EXPECT_PARSE_ERROR("$TTL 1\n@ SOA ns h (\n 1\n 2\n 3x\n 4 5 )\n", 5, "bad retry '3x'");
    EXPECT_PARSE_ERROR(std::string(kHead) + "t TXT ( \"ok\"\n \"" + std::string(300, 'y') + "\" )\n", 5,
                       "TXT string longer than 255 bytes");
    EXPECT_PARSE_ERROR(std::string(kHead) + "m MX ( 10\n)\n", 4, "missing exchange in MX rdata");
}

TEST(MasterParserTest, OnlyClassInIsServed) {
    EXPECT_PARSE_ERROR(std::string(kHead) + "www CH TXT \"x\"\n", 4, "class CH is not supported");
    EXPECT_PARSE_ERROR(std::string(kHead) + "www 60 HS A 192.0.2.1\n", 4, "class HS");
    EXPECT_PARSE_ERROR(std::string(kHead) + "www CLASS7 A 192.0.2.1\n", 4, "class CLASS7");
    ZoneSource z = parse_ok(std::string(kHead) + "www CLASS1 A 192.0.2.1\n");
    EXPECT_EQ(z.records.size(), 3u);
}

TEST(MasterParserTest, OwnerOutsideTheZone) {
    EXPECT_PARSE_ERROR(std::string(kHead) + "x.org. A 192.0.2.1\n", 4, "owner x.org. is outside zone example.com.");
    EXPECT_PARSE_ERROR(std::string(kHead) + "$ORIGIN example.net.\nwww A 192.0.2.1\n", 5,
                       "owner www.example.net. is outside zone example.com.");
    EXPECT_PARSE_ERROR(std::string(kHead) + ". A 192.0.2.1\n", 4, "outside zone");
    EXPECT_PARSE_ERROR(std::string(kHead) + "badexample.com. A 192.0.2.1\n", 4, "outside zone");
}

TEST(MasterParserTest, NothingHalfLoaded) {
    auto r = parse_zone_text(std::string(kHead) + "a A 192.0.2.1\nb A bad\nc A 192.0.2.3\n", "z", example());
    EXPECT_FALSE(r.ok());
}

// ---------------------------------------------------------------- duplicates and TTLs

TEST(MasterParserTest, IdenticalDuplicatesAreDroppedSilently) {
    ZoneSource z = parse_ok(std::string(kHead) +
                            "www A 192.0.2.1\n"
                            "www A 192.0.2.2\n"
                            "WWW A 192.0.2.1\n"
                            "www.example.com. A 192.0.2.2\n"
                            "www TXT \"x\"\n"
                            "www TXT x\n");
    ASSERT_EQ(z.records.size(), 5u);
    EXPECT_EQ(rr(z, 2), "www.example.com. 3600 A 192.0.2.1");
    EXPECT_EQ(rr(z, 3), "www.example.com. 3600 A 192.0.2.2");
    EXPECT_EQ(rr(z, 4), "www.example.com. 3600 TXT \"x\"");
    EXPECT_EQ(z.records[4].line, 8u);
    EXPECT_TRUE(z.warnings.empty());
}

TEST(MasterParserTest, DifferentTtlsInOneRrsetKeepTheFirstWithAWarning) {
    ZoneSource z = parse_ok(std::string(kHead) +
                            "www 300 A 192.0.2.1\n"
                            "www 600 A 192.0.2.2\n"
                            "other 600 A 192.0.2.3\n"
                            "www 300 AAAA ::1\n");
    ASSERT_EQ(z.records.size(), 6u);
    EXPECT_EQ(z.records[2].ttl, 300u);
    EXPECT_EQ(z.records[3].ttl, 300u);
    EXPECT_EQ(z.records[4].ttl, 600u);
    EXPECT_EQ(z.records[5].ttl, 300u);
    ASSERT_EQ(z.warnings.size(), 1u);
    EXPECT_EQ(z.warnings[0].file, "test.zone");
    EXPECT_EQ(z.warnings[0].line, 5u);
    EXPECT_NE(z.warnings[0].message.find("TTL 600"), std::string::npos) << z.warnings[0].message;
    EXPECT_NE(z.warnings[0].message.find("using 300"), std::string::npos) << z.warnings[0].message;
}

TEST(MasterParserTest, DuplicateWithDifferentTtlIsDroppedAfterTheWarning) {
    ZoneSource z = parse_ok(std::string(kHead) + "www 300 A 192.0.2.1\nwww 600 A 192.0.2.1\n");
    ASSERT_EQ(z.records.size(), 3u);
    EXPECT_EQ(z.records[2].ttl, 300u);
    EXPECT_EQ(z.warnings.size(), 1u);
}

TEST(MasterParserTest, ManyRecordsKeepFileOrder) {
    std::string text = kHead;
    for (int i = 0; i < 20000; ++i) {
        text.append("h").append(std::to_string(i % 5000)).append(" A 10.0.");
        text.append(std::to_string(i / 256 % 256)).append(".").append(std::to_string(i % 256)).append("\n");
    }
    ZoneSource z = parse_ok(text);
    ASSERT_EQ(z.records.size(), 20002u);
    for (size_t i = 2; i < z.records.size(); ++i) EXPECT_EQ(z.records[i].line, i + 2);
    // A repeat of the whole block is dropped.
    ZoneSource twice = parse_ok(text + text.substr(std::string(kHead).size()));
    EXPECT_EQ(twice.records.size(), 20002u);
}

}  // namespace
}  // namespace fz::zone
