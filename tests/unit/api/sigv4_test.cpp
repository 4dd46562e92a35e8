// SigV4: the AWS test-suite vector, vectors signed by botocore, and the checks a server makes.
#include "api/sigv4.h"

#include <gtest/gtest.h>

namespace fz::api {
namespace {

constexpr const char* kKey = "AKIDEXAMPLE";
constexpr const char* kSecret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

SignedRequest request(std::string method, std::string path, std::string host, std::string date) {
    SignedRequest r;
    r.method = std::move(method);
    r.path = std::move(path);
    r.headers = {{"Host", std::move(host)}, {"X-Amz-Date", std::move(date)}};
    return r;
}

TEST(SigV4, GetVanillaFromTheAwsTestSuite) {
    SignedRequest r = request("GET", "/", "example.amazonaws.com", "20150830T123600Z");
    EXPECT_EQ(canonical_request(r, {"host", "x-amz-date"}),
              "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n"
              "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    EXPECT_EQ(compute_signature(r, {"host", "x-amz-date"}, kSecret, "20150830T123600Z", "us-east-1", "service"),
              "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
    EXPECT_EQ(sign_request(r, kKey, kSecret, "us-east-1", "service"),
              "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
              "SignedHeaders=host;x-amz-date, "
              "Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
}

// Signatures botocore (SigV4Auth) computed for the same requests.
TEST(SigV4, QueryParametersAreSortedAsBotocoreSortsThem) {
    SignedRequest r = request("GET", "/", "example.amazonaws.com", "20261203T073830Z");
    r.query = {{"Param2", "value2"}, {"Param1", "value1"}};
    EXPECT_EQ(compute_signature(r, {"host", "x-amz-date"}, kSecret, "20261203T073830Z", "us-east-1", "service"),
              "64a2a1f12b3636b397e7a8375efaf654a03f56b783be09806ee52567e843bdd4");
}

TEST(SigV4, Route53ListResourceRecordSetsAsBotocoreSignsIt) {
    SignedRequest r = request("GET", "/2013-04-01/hostedzone/Z1D633PJN98FT9/rrset", "route53.amazonaws.com",
                              "20261203T073830Z");
    r.query = {{"name", "www.example.com."}, {"type", "A"}, {"maxitems", "2"}};
    EXPECT_EQ(compute_signature(r, {"host", "x-amz-date"}, kSecret, "20261203T073830Z", "us-east-1", "route53"),
              "43f62f24531f8dca2a40855cd4a6f04ccd9129dd359d9291441cf5498747fe4e");
}

TEST(SigV4, Route53PostWithABodyAsBotocoreSignsIt) {
    SignedRequest r = request("POST", "/2013-04-01/hostedzone/Z1D633PJN98FT9/rrset/", "route53.amazonaws.com",
                              "20261203T073830Z");
    r.headers.emplace_back("Content-Type", "text/xml");
    r.body = "<ChangeResourceRecordSetsRequest/>";
    EXPECT_EQ(compute_signature(r, {"content-type", "host", "x-amz-date"}, kSecret, "20261203T073830Z", "us-east-1",
                                "route53"),
              "97042370b100a3b75f0a0b054883ed3de57f7e637900cc09a718fe3f14bf7b8c");
}

TEST(SigV4, ParsesTheAuthorizationHeader) {
    auto a = parse_authorization(
        "AWS4-HMAC-SHA256 Credential=AKID/20150830/eu-west-1/route53/aws4_request, "
        "SignedHeaders=host;x-amz-date, Signature=ABCDEF");
    ASSERT_TRUE(a.ok()) << a.error().message;
    EXPECT_EQ(a->access_key_id, "AKID");
    EXPECT_EQ(a->date, "20150830");
    EXPECT_EQ(a->region, "eu-west-1");
    EXPECT_EQ(a->service, "route53");
    EXPECT_EQ(a->signed_headers, (std::vector<std::string>{"host", "x-amz-date"}));
    EXPECT_EQ(a->signature, "abcdef");
    EXPECT_FALSE(parse_authorization("Basic dXNlcjpwYXNz").ok());
    EXPECT_FALSE(parse_authorization("AWS4-HMAC-SHA256 Credential=AKID/2015/us-east-1/route53/aws4_request, "
                                     "SignedHeaders=host, Signature=ab")
                     .ok());
    EXPECT_FALSE(parse_authorization("AWS4-HMAC-SHA256 SignedHeaders=host, Signature=ab").ok());
}

struct Signed {
    SignedRequest request;
    Authorization auth;
};

Signed signed_now(int64_t when, const std::string& region = "us-east-1") {
    Signed s;
    s.request = request("POST", "/2013-04-01/hostedzone", "localhost:8053", format_amz_date(when));
    s.request.body = "<CreateHostedZoneRequest/>";
    s.auth = *parse_authorization(sign_request(s.request, kKey, kSecret, region, "route53"));
    return s;
}

TEST(SigV4, VerifiesAGoodSignatureInAnyRegion) {
    const int64_t now = 1700000000;
    Signed s = signed_now(now);
    EXPECT_EQ(verify_request(s.request, s.auth, kSecret, now).verdict, Verdict::kOk);
    Signed eu = signed_now(now, "eu-central-1");
    EXPECT_EQ(verify_request(eu.request, eu.auth, kSecret, now + 299).verdict, Verdict::kOk);
}

TEST(SigV4, RefusesATamperedBodyPathOrSecret) {
    const int64_t now = 1700000000;
    Signed s = signed_now(now);
    SignedRequest body = s.request;
    body.body += " ";
    EXPECT_EQ(verify_request(body, s.auth, kSecret, now).verdict, Verdict::kSignatureMismatch);
    SignedRequest path = s.request;
    path.path = "/2013-04-01/healthcheck";
    EXPECT_EQ(verify_request(path, s.auth, kSecret, now).verdict, Verdict::kSignatureMismatch);
    EXPECT_EQ(verify_request(s.request, s.auth, "another secret of some length", now).verdict,
              Verdict::kSignatureMismatch);
}

TEST(SigV4, RefusesRequestsMoreThanFiveMinutesOffAsAwsSaysIt) {
    const int64_t when = parse_amz_date("20150830T123600Z");
    Signed s = signed_now(when);
    VerifyResult late = verify_request(s.request, s.auth, kSecret, when + 301);
    EXPECT_EQ(late.verdict, Verdict::kExpired);
    EXPECT_EQ(late.message,
              "Signature expired: 20150830T123600Z is now earlier than 20150830T123601Z (20150830T124101Z - 5 min.)");
    VerifyResult early = verify_request(s.request, s.auth, kSecret, when - 301);
    EXPECT_EQ(early.verdict, Verdict::kExpired);
    EXPECT_NE(early.message.find("Signature not yet current"), std::string::npos);
}

TEST(SigV4, NeedsADateAndASignedHost) {
    const int64_t now = 1700000000;
    Signed s = signed_now(now);
    SignedRequest no_date = s.request;
    no_date.headers.pop_back();
    EXPECT_EQ(verify_request(no_date, s.auth, kSecret, now).verdict, Verdict::kIncomplete);
    Authorization no_host = s.auth;
    no_host.signed_headers = {"x-amz-date"};
    EXPECT_EQ(verify_request(s.request, no_host, kSecret, now).verdict, Verdict::kSignatureMismatch);
}

TEST(SigV4, EncodesAndDatesAsAwsDoes) {
    EXPECT_EQ(uri_encode("a b/c~d*", false), "a%20b%2Fc~d%2A");
    EXPECT_EQ(uri_encode("/a b/", true), "/a%20b/");
    EXPECT_EQ(parse_amz_date("19700101T000100Z"), 60);
    EXPECT_EQ(parse_amz_date("1970-01-01"), -1);
    EXPECT_EQ(format_amz_date(60), "19700101T000100Z");
}

}  // namespace
}  // namespace fz::api
