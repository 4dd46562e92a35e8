// The API's access keys: who may sign requests, for which Route 53 actions and hosted
// zones. Read from a JSON file:
//   {"AccessKeys": [{"AccessKeyId": "AKIA...", "SecretAccessKey": "...",
//                    "Actions": ["route53:*"], "HostedZones": ["*"]}]}
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace fz::api {

struct AccessKey {
    std::string access_key_id;
    std::string secret;
    std::vector<std::string> actions;       // "route53:ListHostedZones", or "route53:*"
    std::vector<std::string> hosted_zones;  // zone ids ("Z..."), or "*"

    // `action` is the operation's name ("ChangeResourceRecordSets"); `zone_id` is empty for
    // an operation on no zone, which needs no zone grant.
    bool allows(std::string_view action, std::string_view zone_id) const;
};

class Credentials {
public:
    // Errors name `file` (and the key at fault).
    static Result<Credentials> parse(std::string_view text, const std::string& file);
    static Result<Credentials> load(const std::string& path);

    // The key with this id, or null.
    const AccessKey* find(std::string_view access_key_id) const;
    const std::vector<AccessKey>& keys() const { return keys_; }

private:
    std::vector<AccessKey> keys_;
};

}  // namespace fz::api
