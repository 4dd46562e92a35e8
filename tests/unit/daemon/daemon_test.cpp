// The daemon in process: control-socket commands, reload (good, broken, fixed), metrics
// (also past FD_SETSIZE and out of descriptors).
#include "daemon/daemon.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include "daemon/control_socket.h"
#include "daemon/metrics.h"
#include "daemon/reports.h"
#include "dns/message_builder.h"
#include "dns/wire.h"
#include "tests/support/descriptors.h"
#include "tests/support/dns_test_util.h"
#include "tests/unit/health/loopback_servers.h"

namespace fz::daemon {
namespace {

namespace fs = std::filesystem;

std::string zone_text(const std::string& www) {
    return "$ORIGIN example.com.\n$TTL 300\n@ SOA ns1 hostmaster 1 7200 3600 1209600 60\n@ NS ns1\n"
           "ns1 A 192.0.2.53\nwww A " +
           www + "\n";
}

// A socket of `type` that gives up reading after 2 s, and 127.0.0.1:`port`.
int client_socket(int type, uint16_t port, sockaddr_in& a) {
    int fd = socket(AF_INET, type, 0);
    timeval tv{2, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    a = sockaddr_in{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return fd;
}

std::vector<uint8_t> udp_exchange(uint16_t port, const std::vector<uint8_t>& wire) {
    sockaddr_in a;
    int fd = client_socket(SOCK_DGRAM, port, a);
    sendto(fd, wire.data(), wire.size(), 0, reinterpret_cast<sockaddr*>(&a), sizeof(a));
    std::vector<uint8_t> buf(4096);
    ssize_t n = recv(fd, buf.data(), buf.size(), 0);
    close(fd);
    buf.resize(n > 0 ? static_cast<size_t>(n) : 0);
    return buf;
}

std::vector<uint8_t> udp_ask(uint16_t port, const std::string& name) {
    test::QueryBuilder q;
    q.qname = name;
    return udp_exchange(port, q.build());
}

// One query over TCP (RFC 1035 4.2.2 framing); the response, empty on failure.
std::vector<uint8_t> tcp_exchange(uint16_t port, const std::vector<uint8_t>& wire) {
    sockaddr_in a;
    int fd = client_socket(SOCK_STREAM, port, a);
    std::vector<uint8_t> out;
    if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0) {
        std::vector<uint8_t> framed = {static_cast<uint8_t>(wire.size() >> 8), static_cast<uint8_t>(wire.size())};
        framed.insert(framed.end(), wire.begin(), wire.end());
        send(fd, framed.data(), framed.size(), 0);
        std::vector<uint8_t> buf(65537);
        size_t got = 0;
        ssize_t n;
        while ((n = recv(fd, buf.data() + got, buf.size() - got, 0)) > 0) {
            got += static_cast<size_t>(n);
            if (got >= 2 && got >= 2u + dns::load_u16(buf.data())) break;
        }
        const size_t len = got >= 2 ? dns::load_u16(buf.data()) : 0;
        if (got >= 2 && got >= 2 + len) out.assign(buf.begin() + 2, buf.begin() + 2 + static_cast<long>(len));
    }
    close(fd);
    return out;
}

// The numbers of a `stats` reply or a metrics page: "name value" lines, keyed by name.
std::map<std::string, uint64_t> numbers(const std::string& text, const std::string& prefix) {
    std::map<std::string, uint64_t> out;
    std::istringstream lines(text);
    for (std::string line; std::getline(lines, line);) {
        const size_t space = line.rfind(' ');
        if (line.rfind(prefix, 0) != 0 || space == std::string::npos) continue;
        out[line.substr(0, space)] = std::stoull(line.substr(space + 1));
    }
    return out;
}

uint64_t value(const std::map<std::string, uint64_t>& m, const std::string& key) {
    auto it = m.find(key);
    return it == m.end() ? 0 : it->second;
}

uint64_t sum_of(const std::map<std::string, uint64_t>& m, const std::string& prefix) {
    uint64_t n = 0;
    for (const auto& [k, v] : m) n += k.rfind(prefix, 0) == 0 ? v : 0;
    return n;
}

class DaemonTest : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() / ("fz-daemon-" + std::to_string(getpid()));
        fs::create_directories(dir_);
        port_ = test::free_port();
        metrics_port_ = test::free_port();
        write("example.com.zone", zone_text("192.0.2.10"));
        write("fastzone.yaml", "server:\n  listen: [127.0.0.1@" + std::to_string(port_) + "]\n" +
                                   "zones:\n  - origin: example.com.\n    file: example.com.zone\n" +
                                   "control:\n  socket: " + (dir_ / "ctl.sock").string() + "\n" +
                                   "metrics:\n  listen: 127.0.0.1@" + std::to_string(metrics_port_) + "\n");
        daemon_ = std::make_unique<Daemon>((dir_ / "fastzone.yaml").string());
        auto st = daemon_->start();
        ASSERT_TRUE(st.ok()) << st.error().to_string();
    }
    void TearDown() override {
        daemon_.reset();
        fs::remove_all(dir_);
    }
    void write(const std::string& name, const std::string& text) { std::ofstream(dir_ / name) << text; }

    std::string ctl(const std::string& cmd) {
        auto r = control_request((dir_ / "ctl.sock").string(), cmd);
        EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().to_string());
        return r.ok() ? *r : "";
    }

    std::string www() {
        auto d = test::decode(udp_ask(port_, "www.example.com."));
        return d.answer.empty() ? "" : d.answer[0].rdata_text;
    }

    std::string http_get(const std::string& path) {
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_port = htons(metrics_port_);
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0) {
            close(fd);
            return "";
        }
        std::string req = "GET " + path + " HTTP/1.0\r\nHost: x\r\n\r\n";
        send(fd, req.data(), req.size(), 0);
        std::string out;
        char buf[4096];
        ssize_t n;
        while ((n = recv(fd, buf, sizeof(buf), 0)) > 0) out.append(buf, static_cast<size_t>(n));
        close(fd);
        return out;
    }

    fs::path dir_;
    uint16_t port_ = 0, metrics_port_ = 0;
    std::unique_ptr<Daemon> daemon_;
};

TEST_F(DaemonTest, StatusAndStatsThroughTheControlSocket) {
    EXPECT_EQ(www(), "192.0.2.10");
    std::string status = ctl("status");
    EXPECT_EQ(status.rfind("ok\n", 0), 0u) << status;
    EXPECT_NE(status.find("zone example.com.: 4 records"), std::string::npos) << status;
    std::string stats = ctl("stats");
    EXPECT_NE(stats.find("zone example.com. queries 1 NOERROR 1"), std::string::npos) << stats;
    EXPECT_EQ(ctl("bogus").rfind("error\n", 0), 0u);
}

TEST_F(DaemonTest, ReloadPicksUpChangesAndABrokenZoneChangesNothing) {
    EXPECT_EQ(www(), "192.0.2.10");
    write("example.com.zone", zone_text("192.0.2.20"));
    std::string r = ctl("reload");
    EXPECT_EQ(r.rfind("ok\n", 0), 0u) << r;
    EXPECT_EQ(www(), "192.0.2.20");

    write("example.com.zone", zone_text("192.0.2.300"));  // line 6 is bad
    r = ctl("reload");
    EXPECT_EQ(r.rfind("error\n", 0), 0u) << r;
    EXPECT_NE(r.find("example.com.zone:6"), std::string::npos) << r;
    EXPECT_EQ(www(), "192.0.2.20");  // still the previous data
    EXPECT_NE(ctl("status").find("last failed"), std::string::npos);

    write("example.com.zone", zone_text("192.0.2.30"));
    EXPECT_EQ(ctl("reload").rfind("ok\n", 0), 0u);
    EXPECT_EQ(www(), "192.0.2.30");
}

// Before: a changed server.listen was ignored while the reload reported success.
TEST_F(DaemonTest, AReloadThatNeedsARestartIsRefusedWhole) {
    const uint16_t other = test::free_port();
    write("example.com.zone", zone_text("192.0.2.20"));
    write("fastzone.yaml", "server:\n  listen: [127.0.0.1@" + std::to_string(other) + "]\n" +
                               "zones:\n  - origin: example.com.\n    file: example.com.zone\n" +
                               "control:\n  socket: " + (dir_ / "ctl.sock").string() + "\n" +
                               "metrics:\n  listen: 127.0.0.1@" + std::to_string(metrics_port_) + "\n");
    std::string r = ctl("reload");
    EXPECT_EQ(r.rfind("error\n", 0), 0u) << r;
    EXPECT_NE(r.find("server.listen changed"), std::string::npos) << r;
    EXPECT_NE(r.find("restart"), std::string::npos) << r;
    EXPECT_EQ(www(), "192.0.2.10");  // nothing reloaded: neither the listener nor the zone
    EXPECT_NE(ctl("status").find("last failed"), std::string::npos);
}

TEST_F(DaemonTest, MetricsEndpointServesPrometheusText) {
    www();
    std::string m = http_get("/metrics");
    EXPECT_NE(m.find("200 OK"), std::string::npos) << m;
    EXPECT_NE(m.find("text/plain; version=0.0.4"), std::string::npos);
    EXPECT_NE(m.find("fastzone_zone_queries_total{zone=\"example.com.\"} 1"), std::string::npos) << m;
    EXPECT_NE(m.find("# TYPE fastzone_reloads_total counter"), std::string::npos);
    EXPECT_NE(m.find("fastzone_snapshot_generation 1"), std::string::npos);
    EXPECT_NE(http_get("/other").find("404"), std::string::npos);
}

TEST_F(DaemonTest, TcpClosesAreCountedByReason) {
    // A query begun and never finished: closed after tcp_io_timeout_ms (500 by default).
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port_);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)), 0);
    ASSERT_EQ(send(fd, "\0", 1, 0), 1);
    timeval tv{3, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    char b;
    EXPECT_EQ(recv(fd, &b, 1, 0), 0);  // the server's close
    close(fd);
    std::string m = http_get("/metrics");
    EXPECT_NE(m.find("fastzone_tcp_closed_total{reason=\"io_timeout\"} 1"), std::string::npos) << m;
    EXPECT_NE(m.find("fastzone_tcp_closed_total{reason=\"slots_full\"} 0"), std::string::npos);
    EXPECT_NE(m.find("fastzone_tcp_accept_errors_total 0"), std::string::npos);
    EXPECT_NE(m.find("fastzone_tcp_pending_output_bytes 0"), std::string::npos);
    std::string stats = ctl("stats");
    EXPECT_NE(stats.find("tcp_closed idle 0 io_timeout 1 slots_full 0"), std::string::npos) << stats;
}

TEST_F(DaemonTest, MetricsAnswerWhenDescriptorsPassFdSetsize) {
    // The process holds descriptors past select()'s FD_SETSIZE (1,024), as it does with
    // a thousand TCP clients: the scraper's connection gets one of those.
    rlimit r{};
    getrlimit(RLIMIT_NOFILE, &r);
    if (r.rlim_cur < 1200) GTEST_SKIP() << "descriptor limit " << r.rlim_cur << " below 1200";
    std::vector<int> held;
    for (int fd = open("/dev/null", O_RDONLY | O_CLOEXEC); fd >= 0 && fd < 1100;
         fd = open("/dev/null", O_RDONLY | O_CLOEXEC)) {
        held.push_back(fd);
    }
    std::string m = http_get("/metrics");
    for (int fd : held) close(fd);
    EXPECT_NE(m.find("200 OK"), std::string::npos) << "reply: '" << m << "'";
    EXPECT_NE(m.find("fastzone_tcp_connections"), std::string::npos);
}

TEST_F(DaemonTest, MetricsEndpointOutOfDescriptorsDoesNotSpin) {
    int scraper = socket(AF_INET, SOCK_STREAM, 0);  // made while descriptors are free
    ASSERT_GE(scraper, 0);
    {
        test::NoFreeDescriptors limit;
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_port = htons(metrics_port_);
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        ASSERT_EQ(connect(scraper, reinterpret_cast<sockaddr*>(&a), sizeof(a)), 0);  // waits in the listen queue
        const double cpu0 = test::cpu_seconds();
        std::this_thread::sleep_for(std::chrono::milliseconds(500));
        EXPECT_LT(test::cpu_seconds() - cpu0, 0.15) << "the metrics thread spins on accept()";
    }
    close(scraper);
    EXPECT_NE(http_get("/metrics").find("200 OK"), std::string::npos);  // and it recovers
}

// Every response is in one rcode series, the zones' series add up to the responses, and
// with the drops they add up to the queries: in `stats` and in the metrics alike.
TEST_F(DaemonTest, StatsAndMetricsSeriesAddUp) {
    auto send = [&](test::QueryBuilder q) { return test::decode(udp_exchange(port_, q.build())); };
    test::QueryBuilder q;
    q.qname = "www.example.com.";
    EXPECT_EQ(send(q).rcode, dns::rcode::NOERROR);
    q.qname = "nothere.example.com.";
    EXPECT_EQ(send(q).rcode, dns::rcode::NXDOMAIN);
    q.qname = "www.example.net.";
    EXPECT_EQ(send(q).rcode, dns::rcode::REFUSED);
    test::QueryBuilder odd = q;
    odd.question = false;
    EXPECT_EQ(send(odd).rcode, dns::rcode::FORMERR);
    odd = q;
    odd.flags = static_cast<uint16_t>(dns::opcode::STATUS << 11);
    EXPECT_EQ(send(odd).rcode, dns::rcode::NOTIMP);
    odd = q;
    odd.qname = "www.example.com.";
    odd.edns = true;
    odd.edns_version = 1;
    EXPECT_EQ(send(odd).rcode, dns::rcode::BADVERS);
    odd = q;
    odd.extra_additional.push_back(*dns::tsig_record("unknown.key.", "hmac-sha256.", 1796218153,
                                                     std::vector<uint8_t>(32, 0), 0x1234));
    EXPECT_EQ(send(odd).rcode, dns::rcode::NOTAUTH);
    test::QueryBuilder axfr;
    axfr.qname = "example.com.";
    axfr.qtype = dns::type::AXFR;
    // A transfer goes to the transfer threads, which count it apart from the queries.
    EXPECT_EQ(test::decode(tcp_exchange(port_, axfr.build())).rcode, dns::rcode::NOTAUTH);
    std::vector<uint8_t> response = q.build();
    response[2] |= 0x80;  // QR=1: dropped
    udp_exchange(port_, response);

    const auto stats = numbers(ctl("stats"), "");
    EXPECT_EQ(value(stats, "queries"), 8u);
    EXPECT_EQ(value(stats, "responses"), 7u);
    EXPECT_EQ(value(stats, "rcode BADVERS"), 1u);
    EXPECT_EQ(value(stats, "rcode NOTAUTH"), 1u);
    EXPECT_EQ(value(stats, "transfer requests"), 1u);
    EXPECT_EQ(value(stats, "transfer refused"), 1u);
    EXPECT_EQ(sum_of(stats, "rcode "), value(stats, "responses"));
    EXPECT_EQ(sum_of(stats, "rcode ") + sum_of(stats, "dropped "), value(stats, "queries"));

    const auto m = numbers(http_get("/metrics"), "fastzone_");
    EXPECT_EQ(value(m, "fastzone_responses_total{rcode=\"BADVERS\"}"), 1u);
    EXPECT_EQ(value(m, "fastzone_responses_total{rcode=\"NOTAUTH\"}"), 1u);
    EXPECT_EQ(sum_of(m, "fastzone_responses_total{"), 7u);
    EXPECT_EQ(sum_of(m, "fastzone_responses_total{") + sum_of(m, "fastzone_dropped_total{"), 8u);
    EXPECT_EQ(sum_of(m, "fastzone_zone_queries_total{"), 7u);
    EXPECT_EQ(value(m, "fastzone_transfers_out_total{outcome=\"refused\"}"), 1u);
    for (const char* zone : {"example.com.", "(no zone)"}) {
        const std::string z = std::string("{zone=\"") + zone + "\"";
        EXPECT_EQ(sum_of(m, "fastzone_zone_responses_total" + z), value(m, "fastzone_zone_queries_total" + z + "}"))
            << zone;
    }
}

TEST_F(DaemonTest, ExplainShowsTheAnswer) {
    std::string e = ctl("explain www.example.com A --client 198.51.100.7");
    EXPECT_NE(e.find("www.example.com.\t300\tIN\tA\t192.0.2.10"), std::string::npos) << e;
    EXPECT_EQ(ctl("explain www.example.com NOTATYPE").rfind("error\n", 0), 0u);
}

}  // namespace
}  // namespace fz::daemon

namespace fz::daemon {
namespace {

// A failover pair behind a health check on a real HTTP server, served by a daemon.
class DaemonHealthTest : public ::testing::Test {
protected:
    void SetUp() override {
        ASSERT_TRUE(web_.start());
        dir_ = fs::temp_directory_path() / ("fz-daemon-health-" + std::to_string(getpid()));
        fs::create_directories(dir_);
        port_ = test::free_port();
        std::ofstream(dir_ / "z.zone") << zone_text("192.0.2.10");
        std::ofstream(dir_ / "rs.json") << R"({"ResourceRecordSets": [
  {"Name": "app.example.com.", "Type": "A", "TTL": 5, "SetIdentifier": "primary", "Failover": "PRIMARY",
   "HealthCheckId": "web", "ResourceRecords": [{"Value": "192.0.2.1"}]},
  {"Name": "app.example.com.", "Type": "A", "TTL": 5, "SetIdentifier": "secondary", "Failover": "SECONDARY",
   "ResourceRecords": [{"Value": "192.0.2.2"}]}]})";
        std::ofstream(dir_ / "hc.json") << R"({"HealthChecks": [{"Id": "web", "HealthCheckConfig": {"Type": "HTTP",
   "IPAddress": "127.0.0.1", "Port": )" << web_.port()
                                        << R"(, "ResourcePath": "/", "RequestInterval": 1, "FailureThreshold": 1}}]})";
        std::ofstream(dir_ / "c.yaml") << "server:\n  listen: [127.0.0.1@" << port_ << "]\nzones:\n"
                                       << "  - origin: example.com.\n    file: z.zone\n    record_sets: rs.json\n"
                                       << "health_checks: hc.json\ncontrol:\n  socket: " << (dir_ / "ctl.sock").string()
                                       << "\n";
        daemon_ = std::make_unique<Daemon>((dir_ / "c.yaml").string());
    }
    void TearDown() override {
        daemon_.reset();
        fs::remove_all(dir_);
    }

    std::string app() {
        auto d = test::decode(udp_ask(port_, "app.example.com."));
        return d.answer.empty() ? std::string() : d.answer[0].rdata_text;
    }
    // Seconds until app() answers `want`, or -1 after `seconds`.
    double wait_for(const std::string& want, double seconds) {
        auto t0 = std::chrono::steady_clock::now();
        while (std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() < seconds) {
            if (app() == want) return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        return -1.0;
    }

    health::testing::HttpServer web_;
    fs::path dir_;
    uint16_t port_ = 0;
    std::unique_ptr<Daemon> daemon_;
};

// When the endpoint fails, answers move to the secondary within an interval; when it
// recovers, back to the primary.
TEST_F(DaemonHealthTest, FailoverFollowsARealHttpServer) {
    auto st = daemon_->start();
    ASSERT_TRUE(st.ok()) << st.error().to_string();
    EXPECT_EQ(app(), "192.0.2.1");
    web_.set_status(500);
    double down = wait_for("192.0.2.2", 15);
    EXPECT_GE(down, 0) << "answers never moved to the secondary";
    std::string h = health_text(daemon_->totals());
    EXPECT_NE(h.find("web HTTP"), std::string::npos) << h;
    EXPECT_NE(h.find("UNHEALTHY"), std::string::npos) << h;
    EXPECT_NE(h.find("HTTP 500"), std::string::npos) << h;
    web_.set_status(200);
    double up = wait_for("192.0.2.1", 15);
    EXPECT_GE(up, 0) << "answers never came back to the primary";
    std::string m = metrics_text(daemon_->totals());
    EXPECT_NE(m.find("fastzone_health_check_flips_total{id=\"web\"} 2"), std::string::npos) << m;
    std::printf("failure to changed answer: %.2f s; recovery to changed answer: %.2f s (interval 1 s, threshold 1)\n",
                down, up);
}

// Twelve multivalue record sets of mv.example.com. A, "m0".."m11" answering 192.0.2.100
// to 192.0.2.111; with `m0_checked`, m0 has health check "web".
std::string twelve_multivalue_sets(bool m0_checked) {
    std::string items;
    for (int i = 0; i < 12; ++i) {
        items += std::string(i ? "," : "") +
                 R"({"Name": "mv.example.com.", "Type": "A", "TTL": 5, "SetIdentifier": "m)" + std::to_string(i) +
                 R"(", "MultiValueAnswer": true, )" + (i == 0 && m0_checked ? R"("HealthCheckId": "web", )" : "") +
                 R"("ResourceRecords": [{"Value": "192.0.2.)" + std::to_string(100 + i) + R"("}]})";
    }
    return items;
}

// The set identifier of twelve_multivalue_sets() that answers `address`.
std::string multivalue_set_of(const std::string& address) {
    return "m" + std::to_string(std::stoi(address.substr(address.rfind('.') + 1)) - 100);
}

// Multivalue answers are counted by window and turned into answers per record set on
// the control plane; versions retire on health changes (and redraws) and snapshots on
// reloads. The per-record-set counts must still equal what clients were sent.
TEST_F(DaemonHealthTest, MultivalueAnswersPerRecordSetAreExactAcrossHealthChangesAndReloads) {
    std::ofstream(dir_ / "rs.json") << R"({"ResourceRecordSets": [
  {"Name": "app.example.com.", "Type": "A", "TTL": 5, "SetIdentifier": "primary", "Failover": "PRIMARY",
   "HealthCheckId": "web", "ResourceRecords": [{"Value": "192.0.2.1"}]},
  {"Name": "app.example.com.", "Type": "A", "TTL": 5, "SetIdentifier": "secondary", "Failover": "SECONDARY",
   "ResourceRecords": [{"Value": "192.0.2.2"}]},)"
                                    << twelve_multivalue_sets(true) << "]}";
    ASSERT_TRUE(daemon_->start().ok());
    std::map<std::string, uint64_t> sent;  // per set identifier, from the answers themselves
    auto ask = [&] {
        auto d = test::decode(udp_ask(port_, "mv.example.com."));
        EXPECT_EQ(d.answer.size(), 8u);
        bool has_first = false;
        for (const auto& rr : d.answer) {
            sent[multivalue_set_of(rr.rdata_text)] += 1;
            has_first = has_first || rr.rdata_text == "192.0.2.100";
        }
        return has_first;
    };
    for (int i = 0; i < 200; ++i) ask();
    web_.set_status(500);  // m0 goes unhealthy: the policy is rebuilt, its old version retired
    bool gone = false;
    for (int i = 0; i < 1500 && !gone; ++i) {
        int without = 0;
        while (without < 30 && !ask()) ++without;
        gone = without == 30;
        if (!gone) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ASSERT_TRUE(gone) << "m0 never left the answers";
    for (int i = 0; i < 200; ++i) EXPECT_FALSE(ask());
    ASSERT_TRUE(daemon_->reload().ok());  // the whole snapshot retires
    for (int i = 0; i < 200; ++i) ask();

    const std::string m = metrics_text(daemon_->totals());
    for (int i = 0; i < 12; ++i) {
        const std::string id = "m" + std::to_string(i);
        const std::string key = "fastzone_policy_answers_total{name=\"mv.example.com.\",type=\"A\",set_identifier=\"" +
                                id + "\"} ";
        const size_t at = m.find(key);
        ASSERT_NE(at, std::string::npos) << key << "\n" << m;
        EXPECT_EQ(std::stoull(m.substr(at + key.size())), sent[id]) << id;
    }
}

// explain shows the answer and the record sets that made it: for random choices both
// must come from the same draws (they once came from two generators).
TEST_F(DaemonHealthTest, ExplainNamesTheRecordSetsItsAnswerHolds) {
    std::ofstream(dir_ / "rs.json") << R"({"ResourceRecordSets": [)" << twelve_multivalue_sets(false) << "]}";
    std::ofstream(dir_ / "hc.json") << R"({"HealthChecks": []})";
    ASSERT_TRUE(daemon_->start().ok());
    std::set<std::string> answers;
    for (int round = 0; round < 5; ++round) {
        auto text = daemon_->explain("mv.example.com. A --client 192.0.2.1");
        ASSERT_TRUE(text.ok()) << text.error().to_string();
        std::string from_answer, from_explain;
        std::istringstream lines(*text);
        for (std::string line; std::getline(lines, line);) {
            const size_t a = line.find("IN\tA\t");
            if (a != std::string::npos) from_answer += " \"" + multivalue_set_of(line.substr(a + 5)) + "\"";
            if (line.rfind("answer:", 0) == 0) from_explain = line.substr(7);
        }
        EXPECT_EQ(from_answer, from_explain) << *text;
        answers.insert(from_answer);
    }
    EXPECT_GT(answers.size(), 1u) << "each explain draws anew";
}

// A reload keeps the state of checks that still exist.
TEST_F(DaemonHealthTest, ReloadCarriesHealthOver) {
    web_.set_status(500);
    ASSERT_TRUE(daemon_->start().ok());
    ASSERT_GE(wait_for("192.0.2.2", 15), 0);
    ASSERT_TRUE(daemon_->reload().ok());
    EXPECT_EQ(app(), "192.0.2.2");  // not reset to "healthy" by the reload
}

}  // namespace
}  // namespace fz::daemon

namespace fz::daemon {
namespace {

// Zones and record sets beyond any fixed table each count on their own, and slots of
// zones gone are handed out again without their counts.
class DaemonManyZonesTest : public ::testing::Test {
protected:
    static constexpr int kZones = 1100;       // more than the 1,024 zone slots there were
    static constexpr int kRecordSets = 4200;  // more than the 4,096 member slots there were

    void SetUp() override {
        dir_ = fs::temp_directory_path() / ("fz-daemon-many-" + std::to_string(getpid()));
        fs::create_directories(dir_);
        port_ = test::free_port();
        std::ofstream(dir_ / "example.com.zone") << zone_text("192.0.2.10");
        std::ofstream rs(dir_ / "rs.json");
        rs << R"({"ResourceRecordSets": [)";
        for (int i = 0; i < kRecordSets; ++i) {
            rs << (i ? "," : "") << R"({"Name": ")" << name("w", i) << R"(.example.com.", "Type": "A", "TTL": 60, )"
               << R"("SetIdentifier": "s", "Weight": 1, "ResourceRecords": [{"Value": "192.0.2.1"}]})";
        }
        rs << "]}";
        rs.close();
        write_config("z");
        daemon_ = std::make_unique<Daemon>((dir_ / "c.yaml").string());
        auto st = daemon_->start();
        ASSERT_TRUE(st.ok()) << st.error().to_string();
    }
    void TearDown() override {
        daemon_.reset();
        fs::remove_all(dir_);
    }

    static std::string name(const char* prefix, int i) {
        char buf[16];
        std::snprintf(buf, sizeof(buf), "%s%04d", prefix, i);
        return buf;
    }
    // The configuration: example.com. with the record sets, and kZones zones, the first
    // hundred named `first` + NNNN, the others zNNNN.
    void write_config(const char* first) {
        std::ofstream c(dir_ / "c.yaml");
        c << "server:\n  listen: [127.0.0.1@" << port_ << "]\ncontrol:\n  socket: " << (dir_ / "ctl.sock").string()
          << "\nzones:\n  - origin: example.com.\n    file: example.com.zone\n    record_sets: rs.json\n";
        for (int i = 0; i < kZones; ++i) {
            const std::string origin = name(i < 100 ? first : "z", i) + ".test.";
            std::ofstream(dir_ / (origin + "zone"))
                << "$ORIGIN " << origin << "\n@ 300 SOA ns hostmaster 1 7200 3600 1209600 60\n@ 300 NS ns\n";
            c << "  - origin: " << origin << "\n    file: " << origin << "zone\n";
        }
    }
    uint16_t ask_soa(const std::string& zone) {
        test::QueryBuilder q;
        q.qname = zone;
        q.qtype = dns::type::SOA;
        return test::decode(udp_exchange(port_, q.build())).rcode;
    }

    fs::path dir_;
    uint16_t port_ = 0;
    std::unique_ptr<Daemon> daemon_;
};

TEST_F(DaemonManyZonesTest, EveryZoneAndRecordSetCountsOnItsOwn) {
    for (int i = kZones - 60; i < kZones; ++i) ASSERT_EQ(ask_soa(name("z", i) + ".test."), dns::rcode::NOERROR);
    for (int i = kRecordSets - 60; i < kRecordSets; ++i) {
        ASSERT_EQ(test::decode(udp_ask(port_, name("w", i) + ".example.com.")).answer.size(), 1u);
    }
    const Totals t = daemon_->totals();
    ASSERT_EQ(t.zones.size(), kZones + 1u);
    const std::string stats = stats_text(t);
    for (int i = kZones - 60; i < kZones; ++i) {
        EXPECT_NE(stats.find("zone " + name("z", i) + ".test. queries 1 NOERROR 1\n"), std::string::npos) << i;
    }
    for (int i = kRecordSets - 60; i < kRecordSets; ++i) {
        EXPECT_NE(stats.find("policy " + name("w", i) + ".example.com. A \"s\" answers 1\n"), std::string::npos) << i;
    }
    EXPECT_EQ(stats.find("zone (no zone)"), std::string::npos) << stats.substr(0, 2000);
}

TEST_F(DaemonManyZonesTest, ZonesGoneGiveTheirSlotsToNewZonesWhichCountFromZero) {
    // A reload's new zones take new slots (the old snapshot still counts into the slots of
    // the zones it drops until its grace period ends); the reload after reuses those.
    for (const char* round : {"z", "n", "m"}) {
        if (round[0] != 'z') {
            write_config(round);
            auto r = daemon_->reload();
            ASSERT_TRUE(r.ok()) << r.error().to_string();
        }
        for (int i = 0; i < 100; ++i) ASSERT_EQ(ask_soa(name(round, i) + ".test."), dns::rcode::NOERROR);
    }
    const Totals t = daemon_->totals();
    const std::string stats = stats_text(t);
    for (int i = 0; i < 100; ++i) {
        EXPECT_NE(stats.find("zone " + name("m", i) + ".test. queries 1 NOERROR 1\n"), std::string::npos) << i;
        EXPECT_EQ(stats.find("zone " + name("z", i) + ".test."), std::string::npos) << i;
        EXPECT_EQ(stats.find("zone " + name("n", i) + ".test."), std::string::npos) << i;
    }
    EXPECT_EQ(t.zone_slots.size(), 1u + 1 + kZones + 100);  // (no zone), example.com., the zones, one round
}

TEST_F(DaemonTest, MalformedCommandsAreErrorsNotCrashes) {
    for (const char* bad : {"explain www.example.com A --ecs 192.0.2.0/abc", "explain www.example.com A --ecs /",
                            "explain", "explain www.example.com A --client not-an-ip", "check ", "check      ",
                            "explain www.example.com A --ecs 192.0.2.0/99999999999999999999"}) {
        std::string r = ctl(bad);
        EXPECT_FALSE(r.empty()) << bad;
    }
    EXPECT_EQ(ctl("status").rfind("ok\n", 0), 0u);  // still serving
    EXPECT_EQ(www(), "192.0.2.10");
}

}  // namespace
}  // namespace fz::daemon
