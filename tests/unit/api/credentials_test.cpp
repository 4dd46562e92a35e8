// The credentials file: its schema, errors that name the file, and what a key allows.
#include "api/credentials.h"

#include <gtest/gtest.h>

namespace fz::api {
namespace {

TEST(ApiCredentials, ParsesKeysWithTheirActionsAndZones) {
    auto c = Credentials::parse(R"({"AccessKeys": [
        {"AccessKeyId": "AKIAADMIN", "SecretAccessKey": "0123456789abcdef0123", "Actions": ["route53:*"],
         "HostedZones": ["*"]},
        {"AccessKeyId": "AKIAREAD", "SecretAccessKey": "0123456789abcdef0123",
         "Actions": ["route53:ListResourceRecordSets", "route53:GetChange"], "HostedZones": ["/hostedzone/ZONE1"]}]})",
                                "creds.json");
    ASSERT_TRUE(c.ok()) << c.error().to_string();
    ASSERT_EQ(c->keys().size(), 2u);
    const AccessKey* admin = c->find("AKIAADMIN");
    ASSERT_NE(admin, nullptr);
    EXPECT_TRUE(admin->allows("ChangeResourceRecordSets", "ANYZONE"));
    const AccessKey* reader = c->find("AKIAREAD");
    ASSERT_NE(reader, nullptr);
    EXPECT_TRUE(reader->allows("ListResourceRecordSets", "ZONE1"));
    EXPECT_FALSE(reader->allows("ListResourceRecordSets", "ZONE2"));
    EXPECT_FALSE(reader->allows("ChangeResourceRecordSets", "ZONE1"));
    EXPECT_TRUE(reader->allows("GetChange", ""));
    EXPECT_EQ(c->find("AKIANONE"), nullptr);
}

TEST(ApiCredentials, ErrorsNameTheFileAndTheKey) {
    struct Case {
        const char* text;
        const char* message;
    } cases[] = {
        {"{", "not valid JSON"},
        {R"({"Keys": []})", "expected {\"AccessKeys\""},
        {R"({"AccessKeys": [{"SecretAccessKey": "0123456789abcdef", "Actions": ["route53:*"], "HostedZones": ["*"]}]})",
         "access key #1: AccessKeyId"},
        {R"({"AccessKeys": [{"AccessKeyId": "K", "SecretAccessKey": "short", "Actions": ["route53:*"],
            "HostedZones": ["*"]}]})",
         "access key K: SecretAccessKey"},
        {R"({"AccessKeys": [{"AccessKeyId": "K", "SecretAccessKey": "0123456789abcdef", "Actions": ["s3:*"],
            "HostedZones": ["*"]}]})",
         "action \"s3:*\""},
        {R"({"AccessKeys": [{"AccessKeyId": "K", "SecretAccessKey": "0123456789abcdef",
            "Actions": ["route53:ListEverything"], "HostedZones": ["*"]}]})",
         "route53:ListEverything"},
        {R"({"AccessKeys": [{"AccessKeyId": "K", "SecretAccessKey": "0123456789abcdef", "Actions": ["route53:*"]}]})",
         "missing HostedZones"},
        {R"({"AccessKeys": [{"AccessKeyId": "K", "SecretAccessKey": "0123456789abcdef", "Actions": ["route53:*"],
            "HostedZones": ["*"], "Extra": 1}]})",
         "unknown field Extra"},
        {R"({"AccessKeys": [{"AccessKeyId": "K", "SecretAccessKey": "0123456789abcdef", "Actions": ["route53:*"],
            "HostedZones": ["*"]}, {"AccessKeyId": "K", "SecretAccessKey": "0123456789abcdef",
            "Actions": ["route53:*"], "HostedZones": ["*"]}]})",
         "listed twice"},
    };
    for (const Case& c : cases) {
        auto r = Credentials::parse(c.text, "creds.json");
        ASSERT_FALSE(r.ok()) << c.text;
        EXPECT_EQ(r.error().file, "creds.json");
        EXPECT_NE(r.error().message.find(c.message), std::string::npos) << r.error().message;
    }
    auto missing = Credentials::load("/nonexistent/creds.json");
    ASSERT_FALSE(missing.ok());
    EXPECT_EQ(missing.error().file, "/nonexistent/creds.json");
}

}  // namespace
}  // namespace fz::api
