// SocketServer over loopback: UDP and TCP (RFC 7766 framing, pipelining, partial reads,
// idle and I/O timeouts, full slots), IPv4 and IPv6, start-up errors, snapshot swaps.
#include "io/sockets/socket_server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "dns/wire.h"
#include "tests/support/descriptors.h"
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

    uint64_t tcp_queries() const {
        uint64_t n = 0;
        for (const auto* c : server_->counters()) n += c->tcp;
        return n;
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

// Sends one query on fd and reads its answer.
bool answered(int fd, const std::vector<uint8_t>& f) {
    if (send(fd, f.data(), f.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(f.size())) return false;
    return test::decode(read_frame(fd)).ok;
}

// A new connection that has had one query answered; -1 when it could not.
int answered_connection(uint16_t port, const std::vector<uint8_t>& f) {
    int fd = tcp_connect(AF_INET, port);
    if (fd >= 0 && !answered(fd, f)) {
        close(fd);
        return -1;
    }
    return fd;
}

void pause_ms(int ms) { std::this_thread::sleep_for(std::chrono::milliseconds(ms)); }

// Every slot is taken by `victim` and `survivor`: a new client is answered, the victim is
// closed to make room and the survivor is still served. Closes all three.
void expect_victim_makes_room(uint16_t port, int victim, int survivor, const std::vector<uint8_t>& f) {
    int c = tcp_connect(AF_INET, port);
    EXPECT_GE(c, 0);
    EXPECT_TRUE(answered(c, f));
    EXPECT_TRUE(closed_within(victim, 1000));
    EXPECT_TRUE(answered(survivor, f));
    close(victim);
    close(survivor);
    close(c);
}

TEST_F(SocketServerTest, FullSlotsShedTheIdlestSoANewClientGetsIn) {
    SocketOptions cfg;
    cfg.tcp_max_connections = 2;
    start(cfg);
    auto f = frame(query("www.example.com."));
    int a = answered_connection(port_, f);
    pause_ms(20);
    int b = answered_connection(port_, f);
    ASSERT_GE(a, 0);
    ASSERT_GE(b, 0);
    expect_victim_makes_room(port_, a, b, f);  // a has been idle the longest
    EXPECT_EQ(server_->tcp_closed()->slots_full, 1u);
}

TEST_F(SocketServerTest, FullSlotsShedAQueryStalledSinceBeforeTheIdlestActivity) {
    SocketOptions cfg;
    cfg.tcp_max_connections = 2;
    cfg.tcp_io_timeout_ms = 5000;  // the shedding, not the timeout, closes it here
    start(cfg);
    auto f = frame(query("www.example.com."));
    int slow = tcp_connect(AF_INET, port_);
    int idle = tcp_connect(AF_INET, port_);
    ASSERT_GE(slow, 0);
    ASSERT_GE(idle, 0);
    ASSERT_EQ(send(slow, f.data(), 1, 0), 1);  // a query begun...
    pause_ms(20);
    ASSERT_TRUE(answered(idle, f));
    pause_ms(20);
    ASSERT_EQ(send(slow, f.data() + 1, 1, 0), 1);  // ...still trickling: recently active, yet stalled longest
    pause_ms(20);
    expect_victim_makes_room(port_, slow, idle, f);
}

TEST_F(SocketServerTest, AQueryNotWholeWithinTheIoTimeoutIsClosed) {
    SocketOptions cfg;
    cfg.tcp_io_timeout_ms = 300;
    start(cfg);
    auto f = frame(query("www.example.com."));
    // Slow-loris: one byte every 50 ms keeps the connection active, never complete in time.
    int fd = tcp_connect(AF_INET, port_);
    ASSERT_GE(fd, 0);
    auto t0 = std::chrono::steady_clock::now();
    bool closed = false;
    for (size_t i = 0; i < f.size() && !closed; ++i) {
        send(fd, f.data() + i, 1, MSG_NOSIGNAL);
        closed = closed_within(fd, 50);
    }
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count();
    EXPECT_TRUE(closed);
    EXPECT_EQ(server_->tcp_closed()->io_timeout, 1u);
    EXPECT_GE(ms, 250);
    EXPECT_LE(ms, 700);
    close(fd);
    // A query sent whole, or in pieces within the timeout, is answered; the connection then
    // waits for the idle timeout, not the I/O one.
    fd = tcp_connect(AF_INET, port_);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(send(fd, f.data(), 5, 0), 5);
    pause_ms(100);
    ASSERT_EQ(send(fd, f.data() + 5, f.size() - 5, 0), static_cast<ssize_t>(f.size() - 5));
    EXPECT_TRUE(test::decode(read_frame(fd)).ok);
    EXPECT_FALSE(closed_within(fd, 600));
    EXPECT_TRUE(answered(fd, f));
    close(fd);
}

// A client that pipelines queries and never reads a reply: small socket buffers of its
// own, so that what the kernel holds for it stays small.
class NonReader {
public:
    NonReader(uint16_t port, const std::vector<uint8_t>& query) {
        fd_ = socket(AF_INET, SOCK_STREAM, 0);
        int small = 4096;
        setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
        int send_buffer = 65536;
        setsockopt(fd_, SOL_SOCKET, SO_SNDBUF, &send_buffer, sizeof(send_buffer));
        socklen_t len;
        sockaddr_storage ss = make_addr(AF_INET, port, len);
        if (connect(fd_, reinterpret_cast<sockaddr*>(&ss), len) != 0) {
            close(fd_);
            fd_ = -1;
        }
        for (int i = 0; i < 1000; ++i) burst_.insert(burst_.end(), query.begin(), query.end());
    }
    ~NonReader() {
        if (fd_ >= 0) close(fd_);
    }
    int fd() const { return fd_; }

    // Sends for up to `ms`; stops early once the server has taken nothing for 300 ms.
    // Returns the bytes the kernel took.
    size_t pipeline(int ms) {
        auto start = std::chrono::steady_clock::now();
        auto last_taken = start;
        size_t sent = 0;
        while (std::chrono::steady_clock::now() - start < std::chrono::milliseconds(ms)) {
            ssize_t n = send(fd_, burst_.data() + off_, burst_.size() - off_, MSG_DONTWAIT | MSG_NOSIGNAL);
            if (n > 0) {
                sent += static_cast<size_t>(n);
                off_ = (off_ + static_cast<size_t>(n)) % burst_.size();  // the stream stays framed
                last_taken = std::chrono::steady_clock::now();
            } else if (n < 0 && errno != EAGAIN) {
                break;  // closed by the server
            } else if (std::chrono::steady_clock::now() - last_taken > std::chrono::milliseconds(300)) {
                break;
            } else {
                pause_ms(5);
            }
        }
        return sent;
    }

    // True when the kernel takes no more of the client's queries (the server reads none).
    bool blocked() {
        ssize_t n = send(fd_, burst_.data() + off_, burst_.size() - off_, MSG_DONTWAIT | MSG_NOSIGNAL);
        if (n > 0) off_ = (off_ + static_cast<size_t>(n)) % burst_.size();
        return n < 0 && errno == EAGAIN;
    }

    // True when the server closed the connection (a reset: it left queries unread) within `ms`.
    bool reset_within(int ms) const {
        pollfd p{fd_, POLLOUT, 0};
        auto start = std::chrono::steady_clock::now();
        while (std::chrono::steady_clock::now() - start < std::chrono::milliseconds(ms)) {
            if (poll(&p, 1, 50) > 0 && (p.revents & (POLLERR | POLLHUP))) return true;
            pause_ms(20);
        }
        return false;
    }

private:
    int fd_ = -1;
    std::vector<uint8_t> burst_;
    size_t off_ = 0;
};

TEST_F(SocketServerTest, AClientThatDoesNotReadIsNoLongerReadThenClosed) {
    SocketOptions cfg;
    cfg.tcp_max_pending_output = 4096;
    cfg.tcp_idle_timeout_ms = 2000;
    start(cfg);
    auto f = frame(query("www.example.com."));
    NonReader client(port_, f);
    ASSERT_GE(client.fd(), 0);
    // The client stalls once the server stops reading it (its replies back up: what the
    // kernel's socket buffers hold, some 80,000 of these answers at most); a server that
    // kept answering at its own rate and keeping the replies would take all 5 s of queries.
    const size_t sent = client.pipeline(5000) / f.size();
    pause_ms(300);
    const uint64_t answered = tcp_queries();
    pause_ms(300);
    EXPECT_EQ(tcp_queries(), answered) << "the server kept reading a client that does not read";
    EXPECT_LT(answered, 200000u) << "of " << sent << " sent";
    EXPECT_TRUE(client.blocked()) << "the server still takes what the client sends";
    EXPECT_LE(server_->tcp_pending_output(), cfg.tcp_max_pending_output + 2 + dns::kMaxMessage);
    // A reading client is served meanwhile.
    int other = answered_connection(port_, f);
    EXPECT_GE(other, 0);
    close(other);
    // No progress for tcp_idle_timeout: closed.
    EXPECT_TRUE(client.reset_within(3500));
    // The gauge is published once per pass of the server's loop, after the close.
    for (int i = 0; i < 50 && server_->tcp_pending_output() != 0; ++i) pause_ms(10);
    EXPECT_EQ(server_->tcp_pending_output(), 0u);
}

TEST_F(SocketServerTest, PastTheOutputBudgetTheLargestHolderIsShed) {
    SocketOptions cfg;
    cfg.tcp_max_pending_output = 64 * 1024;
    cfg.tcp_pending_output_budget = 96 * 1024;  // less than two connections may hold
    // Only the budget may close them: under a sanitizer the server is slow enough for a
    // query left half-sent by a blocked client to reach the I/O timeout first.
    cfg.tcp_io_timeout_ms = 60000;
    cfg.tcp_idle_timeout_ms = 60000;
    start(cfg);
    auto f = frame(query("www.example.com."));
    NonReader a(port_, f);
    NonReader b(port_, f);
    ASSERT_GE(a.fd(), 0);
    ASSERT_GE(b.fd(), 0);
    a.pipeline(800);
    b.pipeline(800);
    // The server works through what the kernel queued at its own pace (slowly under a
    // sanitizer): poll both until one is shed.
    bool shed = false;
    for (int i = 0; i < 100 && !shed; ++i) shed = a.reset_within(50) || b.reset_within(50);
    EXPECT_TRUE(shed);
    EXPECT_EQ(server_->tcp_closed()->output_budget, 1u);
    EXPECT_LE(server_->tcp_pending_output(), cfg.tcp_pending_output_budget);
    EXPECT_EQ(server_->tcp_connections(), 1u);
}

bool connect_to(int fd, uint16_t port) {
    timeval tv{3, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    socklen_t len;
    sockaddr_storage ss = make_addr(AF_INET, port, len);
    return connect(fd, reinterpret_cast<sockaddr*>(&ss), len) == 0;
}

TEST_F(SocketServerTest, OutOfDescriptorsTheIdlestMakesRoomAndAcceptBacksOff) {
    start();
    auto f = frame(query("www.example.com."));
    int idle = answered_connection(port_, f);
    ASSERT_GE(idle, 0);
    int b = socket(AF_INET, SOCK_STREAM, 0);  // the clients' own descriptors, made while some are free
    int c = socket(AF_INET, SOCK_STREAM, 0);
    ASSERT_GE(c, 0);
    {
        test::NoFreeDescriptors limit;
        // accept() fails with EMFILE: the idlest connection is closed to take b.
        ASSERT_TRUE(connect_to(b, port_));
        EXPECT_TRUE(answered(b, f));
        EXPECT_TRUE(closed_within(idle, 1000));
        EXPECT_EQ(server_->tcp_closed()->descriptors, 1u);
        // b leaves. With no connection left to shed, the server stops polling its
        // listeners for a while instead of spinning on accept().
        close(b);
        pause_ms(50);
        limit.tighten();
        ASSERT_TRUE(connect_to(c, port_));
        ASSERT_EQ(send(c, f.data(), f.size(), 0), static_cast<ssize_t>(f.size()));
        const double cpu0 = test::cpu_seconds();
        pause_ms(500);
        EXPECT_LT(test::cpu_seconds() - cpu0, 0.1) << "the server spins on accept()";
        EXPECT_GE(server_->tcp_closed()->accept_errors, 2u);
    }
    // Descriptors free again: c gets in once the back-off ends.
    EXPECT_TRUE(test::decode(read_frame(c)).ok);
    close(idle);
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
