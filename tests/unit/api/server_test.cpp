// The API over HTTP: a signed request through libmicrohttpd on a free port, and the body cap.
#include "api/server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <fstream>

#include "tests/unit/api/api_test_util.h"

namespace fz::api::testing {
namespace {

// Sends `request` to 127.0.0.1:`port` and returns everything the server sends back.
std::string exchange(uint16_t port, const std::string& request) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
        close(fd);
        return "";
    }
    (void)!write(fd, request.data(), request.size());
    std::string out;
    char buf[4096];
    for (ssize_t n; (n = read(fd, buf, sizeof buf)) > 0;) out.append(buf, static_cast<size_t>(n));
    close(fd);
    return out;
}

class ApiServerTest : public ::testing::Test {
protected:
    void SetUp() override {
        ASSERT_TRUE(registry_.open().ok());
        path_ = ::testing::TempDir() + "api_server_test_creds.json";
        std::ofstream(path_) << R"({"AccessKeys": [{"AccessKeyId": "AKIAADMIN", "SecretAccessKey": ")" << kSecret
                             << R"(", "Actions": ["route53:*"], "HostedZones": ["*"]}]})";
    }
    void TearDown() override { std::remove(path_.c_str()); }

    ApiOptions options() {
        ApiOptions o;
        o.listen = *parse_listen_address("127.0.0.1@0", 0);
        o.credentials_file = path_;
        o.max_body = 4096;
        return o;
    }

    change::Registry registry_{registry_options(), nullptr};
    std::string path_;
};

TEST_F(ApiServerTest, ServesASignedRequestOverHttp) {
    ApiServer server(options(), registry_);
    Status st = server.start();
    ASSERT_TRUE(st.ok()) << st.error().to_string();
    ASSERT_NE(server.port(), 0);
    Request r;
    r.method = "GET";
    r.path = "/2013-04-01/hostedzone";
    r.query = {{"maxitems", "5"}};
    const std::string host = "127.0.0.1:" + std::to_string(server.port());
    const std::string date = format_amz_date(time(nullptr));
    r.headers = {{"Host", host}, {"X-Amz-Date", date}};
    const std::string auth = sign_request(r, kAdmin, kSecret, "us-east-1", "route53");
    const std::string reply = exchange(server.port(),
                                       "GET /2013-04-01/hostedzone?maxitems=5 HTTP/1.1\r\nHost: " + host +
                                           "\r\nX-Amz-Date: " + date + "\r\nAuthorization: " + auth +
                                           "\r\nConnection: close\r\n\r\n");
    EXPECT_EQ(reply.rfind("HTTP/1.1 200", 0), 0u) << reply;
    EXPECT_NE(reply.find("<ListHostedZonesResponse"), std::string::npos) << reply;
    EXPECT_NE(reply.find("<MaxItems>5</MaxItems>"), std::string::npos) << reply;

    const std::string unsigned_reply =
        exchange(server.port(), "GET /2013-04-01/hostedzone HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    EXPECT_EQ(unsigned_reply.rfind("HTTP/1.1 403", 0), 0u) << unsigned_reply;
    EXPECT_NE(unsigned_reply.find("MissingAuthenticationToken"), std::string::npos);
    server.stop();
    EXPECT_EQ(server.port(), 0);
}

TEST_F(ApiServerTest, RefusesAnOversizedBodyBeforeReadingIt) {
    ApiServer server(options(), registry_);
    ASSERT_TRUE(server.start().ok());
    const std::string reply = exchange(server.port(),
                                       "POST /2013-04-01/hostedzone HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n"
                                       "Connection: close\r\n\r\n" +
                                           std::string(100, 'x'));
    EXPECT_EQ(reply.rfind("HTTP/1.1 413", 0), 0u) << reply;
}

// An open connection to 127.0.0.1:`port`, or -1.
int connect_to(uint16_t port) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

// True when the server closes `fd` within `seconds` (read returns 0 or an error).
bool closed_within(int fd, int seconds) {
    timeval tv{seconds, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    char c;
    return read(fd, &c, 1) <= 0 && errno != EAGAIN && errno != EWOULDBLOCK;
}

TEST_F(ApiServerTest, IdleAndSurplusConnectionsAreClosed) {
    ApiOptions o = options();
    o.max_per_client = 2;
    o.connection_timeout = 1;
    ApiServer server(o, registry_);
    ASSERT_TRUE(server.start().ok());
    const int a = connect_to(server.port());
    const int b = connect_to(server.port());
    ASSERT_GE(a, 0);
    ASSERT_GE(b, 0);
    usleep(100000);  // let the server accept both before the third arrives
    const int c = connect_to(server.port());
    ASSERT_GE(c, 0);
    errno = 0;
    EXPECT_TRUE(closed_within(c, 1));  // over the per-client limit: closed at once
    errno = 0;
    EXPECT_TRUE(closed_within(a, 5));  // silent past the timeout: closed
    close(a);
    close(b);
    close(c);
}

TEST_F(ApiServerTest, StartFailsOnAMissingCredentialsFile) {
    ApiOptions o = options();
    o.credentials_file = "/nonexistent/creds.json";
    ApiServer server(o, registry_);
    Status st = server.start();
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.error().file, "/nonexistent/creds.json");
    o.credentials_file = path_;
    o.tls_certificate = "/nonexistent/cert.pem";
    ApiServer tls(o, registry_);
    EXPECT_FALSE(tls.start().ok());
}

}  // namespace
}  // namespace fz::api::testing
