// The Route 53 REST API (2013-04-01) without the network: a request in, a response out.
// It authenticates the request (SigV4 against the credentials), checks the key's grants,
// routes it to an operation over a change::Service and renders Route 53's XML, errors
// included, so that `aws route53 --endpoint-url` and boto3 work unchanged.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "api/change_batch.h"
#include "api/credentials.h"
#include "api/sigv4.h"
#include "change/service.h"

namespace fz::api {

// A request as the HTTP server hands it over: path and query values decoded, headers as
// received, the whole body.
struct Request : SignedRequest {
    // The first value of query parameter `name`, or null.
    const std::string* query_param(std::string_view name) const;
};

struct Response {
    unsigned status = 200;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;

    // The value of header `name` (exact case as set here), or empty.
    std::string header(std::string_view name) const;
};

struct HandlerOptions {
    size_t max_body = 2 << 20;  // bytes; a larger body is refused with InvalidInput
    ChangeBatchLimits limits;
    // "http" or "https": the scheme of Location headers.
    std::string scheme = "http";
    // Unix seconds; the clock SigV4's skew window is measured against (tests set it).
    std::function<int64_t()> clock;
};

class Handler {
public:
    Handler(change::Service& service, Credentials credentials, HandlerOptions options = {});

    // Never throws: every failure is a Route 53 error response. Safe to call from several
    // threads at once (the service has its own lock).
    Response handle(const Request& request);

    // Replaces the access keys (a reload of the credentials file); requests under way keep
    // the keys they started with.
    void set_credentials(Credentials credentials);

    // Who is calling, and for what: filled in before an operation runs.
    struct Call {
        const Request& request;
        std::string request_id;
        std::string operation;    // "ChangeResourceRecordSets"
        std::string resource;     // the zone, change or health check id from the path, or ""
        std::string subresource;  // the key-signing key's name in /keysigningkey/{zone}/{name}
    };

private:
    Response dispatch(Call& call);
    Response authenticate(const Call& call, const Credentials& credentials, const AccessKey** key);

    change::Service& service_;
    mutable std::mutex credentials_mutex_;  // guards the pointer, not the keys (immutable)
    std::shared_ptr<const Credentials> credentials_;
    HandlerOptions options_;
    std::atomic<uint64_t> requests_{0};  // counts requests for their ids; any order will do
};

// An AWS error response: <ErrorResponse><Error><Type>Sender</Type><Code>...
// `messages`, when given, are listed one per <Message> inside <Messages> (InvalidChangeBatch).
Response error_response(unsigned status, std::string_view code, std::string_view message, const std::string& request_id,
                        const std::vector<std::string>& messages = {});
// A ServiceError with the HTTP status Route 53 gives its code.
Response service_error(const change::ServiceError& error, const std::string& request_id);
unsigned status_of(std::string_view code);

}  // namespace fz::api
