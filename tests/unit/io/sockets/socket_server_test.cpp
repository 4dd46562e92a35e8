// SocketServer over loopback: UDP and TCP (RFC 7766 framing, pipelining, partial reads,
// idle timeout, connection cap), IPv4 and IPv6, start-up errors, snapshot swaps.
#include "io/sockets/socket_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "dns/wire.h"
#include "tests/support/dns_test_util.h"

namespace fz::io {
namespace {

constexpr const char* kZone = R"(
$ORIGIN example.com.
$TTL 300
@    SOA ns1 hostmaster 1 7200 3600 1209600 60
@    NS  ns1
ns1  A   192.0.2.53
www  A   192.0.2.10
big  TXT "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
big  TXT "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
big  TXT "cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc"
)";

constexpr const char* kZoneV2 = R"(
$ORIGIN example.com.
$TTL 300
@    SOA ns1 hostmaster 2 7200 3600 1209600 60
@    NS  ns1
ns1  A   192.0.2.53
www  A   192.0.2.20
)";


sockaddr_storage make_addr(int family, uint16_t port, socklen_t& len) {
    sockaddr_storage ss{};
    if (family == AF_INET) {
        auto* s = reinterpret_cast<sockaddr_in*>(&ss);
        s->sin_family = AF_INET;
        s->sin_port = htons(port);
        s->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        len = sizeof(sockaddr_in);
    } else {
        auto* s = reinterpret_cast<sockaddr_in6*>(&ss);
        s->sin6_family = AF_INET6;
        s->sin6_port = htons(port);
        s->sin6_addr = in6addr_loopback;
        len = sizeof(sockaddr_in6);
    }
    return ss;
}

std::vector<uint8_t> udp_ask(int family, uint16_t port, const std::vector<uint8_t>& q) {
    int fd = socket(family, SOCK_DGRAM, 0);
    timeval tv{2, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    socklen_t len;
    sockaddr_storage ss = make_addr(family, port, len);
    sendto(fd, q.data(), q.size(), 0, reinterpret_cast<sockaddr*>(&ss), len);
    std::vector<uint8_t> buf(65536);
    ssize_t n = recv(fd, buf.data(), buf.size(), 0);
    close(fd);
    buf.resize(n > 0 ? static_cast<size_t>(n) : 0);
    return buf;
}

int tcp_connect(int family, uint16_t port) {
    int fd = socket(family, SOCK_STREAM, 0);
    timeval tv{3, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    socklen_t len;
    sockaddr_storage ss = make_addr(family, port, len);
    if (connect(fd, reinterpret_cast<sockaddr*>(&ss), len) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

std::vector<uint8_t> frame(const std::vector<uint8_t>& q) {
    std::vector<uint8_t> f(2);
    dns::store_u16(f.data(), static_cast<uint16_t>(q.size()));
    f.insert(f.end(), q.begin(), q.end());
    return f;
}

// Reads one framed message; empty on EOF or timeout.
std::vector<uint8_t> read_frame(int fd) {
    uint8_t hdr[2];
    size_t got = 0;
    while (got < 2) {
        ssize_t n = recv(fd, hdr + got, 2 - got, 0);
        if (n <= 0) return {};
        got += static_cast<size_t>(n);
    }
    std::vector<uint8_t> m(dns::load_u16(hdr));
    got = 0;
    while (got < m.size()) {
        ssize_t n = recv(fd, m.data() + got, m.size() - got, 0);
        if (n <= 0) return {};
        got += static_cast<size_t>(n);
    }
    return m;
}

// True when the peer closed the connection within `ms`.
bool closed_within(int fd, int ms) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, ms) <= 0) return false;
    uint8_t b;
    return recv(fd, &b, 1, MSG_DONTWAIT) == 0;
}

class SocketServerTest : public ::testing::Test {
protected:
    void start(SocketOptions cfg = {}) {
        port_ = test::free_port();
        for (const char* a : {"127.0.0.1", "::1"}) {
            auto la = parse_listen_address(std::string(a) + "@" + std::to_string(port_), 53);
            ASSERT_TRUE(la.ok());
            cfg.listen.push_back(*la);
        }
        if (cfg.workers == 1) cfg.workers = 2;
        publisher_.publish(test::make_snapshot({{"example.com.", kZone}}));
        server_ = std::make_unique<SocketServer>(cfg, publisher_);
        auto st = server_->start();
        ASSERT_TRUE(st.ok()) << st.error().to_string();
    }

    std::vector<uint8_t> query(const char* name, uint16_t type = 1, uint16_t id = 0x4242) {
        test::QueryBuilder q;
        q.id = id;
        q.qname = name;
        q.qtype = type;
        return q.build();
    }

    engine::Publisher publisher_;
    std::unique_ptr<SocketServer> server_;
    uint16_t port_ = 0;
};

TEST_F(SocketServerTest, AnswersUdpOverIpv4AndIpv6) {
    start();
    for (int family : {AF_INET, AF_INET6}) {
        auto d = test::decode(udp_ask(family, port_, query("www.example.com.")));
        ASSERT_TRUE(d.ok) << family;
        EXPECT_EQ(d.id, 0x4242);
        ASSERT_EQ(d.answer.size(), 1u);
        EXPECT_EQ(d.answer[0].rdata_text, "192.0.2.10");
    }
}

TEST_F(SocketServerTest, UdpTruncatesAndTcpGivesTheFullAnswer) {
    start();
    auto d = test::decode(udp_ask(AF_INET, port_, query("big.example.com.", dns::type::TXT)));
    EXPECT_TRUE(d.tc());
    int fd = tcp_connect(AF_INET6, port_);
    ASSERT_GE(fd, 0);
    auto f = frame(query("big.example.com.", dns::type::TXT));
    ASSERT_EQ(send(fd, f.data(), f.size(), 0), static_cast<ssize_t>(f.size()));
    d = test::decode(read_frame(fd));
    EXPECT_FALSE(d.tc());
    EXPECT_EQ(d.answer.size(), 3u);
    close(fd);
}

// A sound query of `size` bytes: www.example.com. A with EDNS padding (RFC 7830).
std::vector<uint8_t> padded_query(size_t size) {
    test::QueryBuilder q;
    q.id = 0x4242;
    q.qname = "www.example.com.";
    q.edns = true;
    const size_t bare = q.build().size();
    q.options.push_back({dns::edns::PADDING, std::vector<uint8_t>(size - bare - 4, 0)});
    return q.build();
}

// A datagram longer than the receive buffer (recvmmsg: MSG_TRUNC) is not answered from
// its first bytes: FORMERR, as Knot answers the bytes past the message it reads.
TEST_F(SocketServerTest, UdpDatagramsLongerThanTheBufferGetFormerr) {
    start();
    std::vector<uint8_t> whole = padded_query(engine::kMaxUdpQuery);
    ASSERT_EQ(whole.size(), engine::kMaxUdpQuery);
    auto d = test::decode(udp_ask(AF_INET, port_, whole));
    EXPECT_EQ(d.rcode, dns::rcode::NOERROR);  // read whole: answered
    EXPECT_EQ(d.answer.size(), 1u);
    std::vector<uint8_t> longer = whole;
    longer.insert(longer.end(), 100, 0xee);  // junk past the query, past the buffer
    d = test::decode(udp_ask(AF_INET6, port_, longer));
    ASSERT_TRUE(d.ok);
    EXPECT_EQ(d.id, 0x4242);
    EXPECT_EQ(d.rcode, dns::rcode::FORMERR);
    EXPECT_EQ(d.qname, "www.example.com.");
    EXPECT_TRUE(d.answer.empty());
    EXPECT_FALSE(d.has_opt);
}

TEST_F(SocketServerTest, TcpPipelinedQueriesAreAllAnsweredInOrder) {
    start();
    int fd = tcp_connect(AF_INET, port_);
    ASSERT_GE(fd, 0);
    std::vector<uint8_t> burst;
    for (uint16_t i = 0; i < 50; ++i) {
        auto f = frame(query(i % 2 ? "www.example.com." : "nothere.example.com.", 1, static_cast<uint16_t>(1000 + i)));
        burst.insert(burst.end(), f.begin(), f.end());
    }
    ASSERT_EQ(send(fd, burst.data(), burst.size(), 0), static_cast<ssize_t>(burst.size()));
    for (uint16_t i = 0; i < 50; ++i) {
        auto d = test::decode(read_frame(fd));
        ASSERT_TRUE(d.ok) << i;
        EXPECT_EQ(d.id, 1000 + i);
        EXPECT_EQ(d.rcode, i % 2 ? dns::rcode::NOERROR : dns::rcode::NXDOMAIN);
    }
    close(fd);
}

TEST_F(SocketServerTest, TcpPartialReadsAreReassembled) {
    start();
    int fd = tcp_connect(AF_INET, port_);
    ASSERT_GE(fd, 0);
    auto f = frame(query("www.example.com."));
    for (uint8_t b : f) {  // one byte at a time, with pauses: many partial reads
        ASSERT_EQ(send(fd, &b, 1, 0), 1);
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    auto d = test::decode(read_frame(fd));
    ASSERT_TRUE(d.ok);
    EXPECT_EQ(d.answer.size(), 1u);
    close(fd);
}

TEST_F(SocketServerTest, IdleTcpConnectionsAreClosed) {
    SocketOptions cfg;
    cfg.tcp_idle_timeout_ms = 1000;
    start(cfg);
    int fd = tcp_connect(AF_INET, port_);
    ASSERT_GE(fd, 0);
    EXPECT_FALSE(closed_within(fd, 300));  // not before the timeout
    EXPECT_TRUE(closed_within(fd, 3000));
    close(fd);
}

TEST_F(SocketServerTest, ConnectionsOverTheCapAreRefused) {
    SocketOptions cfg;
    cfg.tcp_max_connections = 2;
    start(cfg);
    int a = tcp_connect(AF_INET, port_);
    int b = tcp_connect(AF_INET, port_);
    ASSERT_GE(a, 0);
    ASSERT_GE(b, 0);
    // Let the server accept both before the third arrives.
    auto f = frame(query("www.example.com."));
    send(a, f.data(), f.size(), 0);
    send(b, f.data(), f.size(), 0);
    EXPECT_TRUE(test::decode(read_frame(a)).ok);
    EXPECT_TRUE(test::decode(read_frame(b)).ok);
    int c = tcp_connect(AF_INET, port_);
    ASSERT_GE(c, 0);
    EXPECT_TRUE(closed_within(c, 2000));
    // The first two still work.
    send(a, f.data(), f.size(), 0);
    EXPECT_TRUE(test::decode(read_frame(a)).ok);
    close(a);
    close(b);
    close(c);
}

TEST_F(SocketServerTest, ClientHalfCloseStillGetsItsAnswers) {
    start();
    int fd = tcp_connect(AF_INET, port_);
    ASSERT_GE(fd, 0);
    auto f = frame(query("www.example.com."));
    send(fd, f.data(), f.size(), 0);
    shutdown(fd, SHUT_WR);
    auto d = test::decode(read_frame(fd));
    EXPECT_TRUE(d.ok);
    EXPECT_TRUE(closed_within(fd, 2000));
    close(fd);
}

TEST_F(SocketServerTest, APortInUseIsAClearError) {
    start();
    SocketOptions cfg;
    auto la = parse_listen_address("127.0.0.1@" + std::to_string(port_), 53);
    cfg.listen.push_back(*la);
    // A second server without SO_REUSEPORT sharing: TCP bind fails.
    SocketServer other(cfg, publisher_);
    auto st = other.start();
    ASSERT_FALSE(st.ok());
    EXPECT_NE(st.error().message.find("127.0.0.1@" + std::to_string(port_)), std::string::npos);
    EXPECT_NE(st.error().message.find("in use"), std::string::npos) << st.error().message;
}

TEST_F(SocketServerTest, ANewSnapshotIsServedAfterPublish) {
    start();
    auto d = test::decode(udp_ask(AF_INET, port_, query("www.example.com.")));
    ASSERT_EQ(d.answer.size(), 1u);
    EXPECT_EQ(d.answer[0].rdata_text, "192.0.2.10");
    publisher_.publish(test::make_snapshot({{"example.com.", kZoneV2}}));
    d = test::decode(udp_ask(AF_INET, port_, query("www.example.com.")));
    ASSERT_EQ(d.answer.size(), 1u);
    EXPECT_EQ(d.answer[0].rdata_text, "192.0.2.20");
}

TEST_F(SocketServerTest, CountersSeeEveryQuery) {
    start();
    for (int i = 0; i < 20; ++i) udp_ask(AF_INET, port_, query("www.example.com."));
    uint64_t total = 0;
    for (const auto* c : server_->counters()) total += c->queries;
    EXPECT_EQ(total, 20u);
}

TEST_F(SocketServerTest, StopIsIdempotent) {
    start();
    server_->stop();
    server_->stop();
    EXPECT_TRUE(udp_ask(AF_INET, port_, query("www.example.com.")).empty());
}

}  // namespace
}  // namespace fz::io
