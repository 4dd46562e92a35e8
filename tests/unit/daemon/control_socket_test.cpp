// The control socket: slow, silent and oversized clients never stall the others.
#include "daemon/control_socket.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <cstring>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/descriptors.h"

namespace fz::daemon {
namespace {

namespace fs = std::filesystem;

class ControlSocketTest : public ::testing::Test {
protected:
    void SetUp() override {
        path_ = (fs::temp_directory_path() / ("fz-ctl-" + std::to_string(getpid()) + ".sock")).string();
        socket_ = std::make_unique<ControlSocket>(path_, [this](const std::string& line, bool& ok) {
            ++commands_;
            ok = line != "fail";
            return "you said " + line;
        });
        ASSERT_TRUE(socket_->start().ok());
    }
    void TearDown() override {
        for (int fd : raw_) close(fd);
        socket_->stop();
    }

    // A connection that sends nothing unless told to.
    int connect_raw() {
        int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_un a{};
        a.sun_family = AF_UNIX;
        std::memcpy(a.sun_path, path_.c_str(), path_.size() + 1);
        EXPECT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)), 0);
        raw_.push_back(fd);
        return fd;
    }

    static std::string read_all(int fd) {
        std::string out;
        char buf[4096];
        timeval tv{5, 0};
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
        while (true) {
            ssize_t n = recv(fd, buf, sizeof(buf), 0);
            if (n <= 0) break;
            out.append(buf, static_cast<size_t>(n));
        }
        return out;
    }

    std::string path_;
    std::unique_ptr<ControlSocket> socket_;
    std::vector<int> raw_;
    std::atomic<int> commands_{0};
};

TEST_F(ControlSocketTest, AnswersCommandsAndFailures) {
    auto r = control_request(path_, "status");
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(*r, "ok\nyou said status\n");
    r = control_request(path_, "fail");
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(*r, "error\nyou said fail\n");
}

// Before: one client at a time, each given 5 s to send its line, so 18 silent clients
// made `status` wait 90 s. Now they hold only their own connections.
TEST_F(ControlSocketTest, SilentAndSlowClientsDoNotDelayOthers) {
    for (int i = 0; i < 18; ++i) connect_raw();
    int slow = connect_raw();
    ASSERT_EQ(send(slow, "sta", 3, 0), 3);  // and never the rest
    auto r = control_request(path_, "status", 2000);
    ASSERT_TRUE(r.ok()) << r.error().to_string();
    EXPECT_EQ(*r, "ok\nyou said status\n");
}

// Before: a line over 4096 bytes reset the connection without a word.
TEST_F(ControlSocketTest, OversizeLineGetsAnError) {
    int fd = connect_raw();
    std::string line(ControlSocket::kMaxCommand + 100, 'x');
    ASSERT_EQ(send(fd, line.data(), line.size(), MSG_NOSIGNAL), static_cast<ssize_t>(line.size()));
    std::string reply = read_all(fd);
    EXPECT_EQ(reply, "error\ncommand line longer than 4096 bytes\n");
    EXPECT_EQ(commands_.load(), 0);
}

TEST_F(ControlSocketTest, ClientsBeyondTheLimitDropTheOldest) {
    int oldest = connect_raw();
    for (size_t i = 1; i < ControlSocket::kMaxClients; ++i) connect_raw();
    auto r = control_request(path_, "status", 2000);
    ASSERT_TRUE(r.ok()) << r.error().to_string();
    EXPECT_EQ(*r, "ok\nyou said status\n");
    EXPECT_EQ(read_all(oldest), "");  // closed to make room
}

TEST_F(ControlSocketTest, ACommandWithoutNewlineRunsWhenTheClientCloses) {
    int fd = connect_raw();
    ASSERT_EQ(send(fd, "stats", 5, 0), 5);
    shutdown(fd, SHUT_WR);
    EXPECT_EQ(read_all(fd), "ok\nyou said stats\n");
}

// Out of descriptors, accept() fails while the client waits: the socket's thread must
// back off instead of spinning, and serve the client once descriptors are free again.
TEST_F(ControlSocketTest, OutOfDescriptorsItBacksOffInsteadOfSpinning) {
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);  // made while some are free
    ASSERT_GE(fd, 0);
    raw_.push_back(fd);
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    std::memcpy(a.sun_path, path_.c_str(), path_.size() + 1);
    {
        test::NoFreeDescriptors limit;
        ASSERT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)), 0);
        ASSERT_EQ(send(fd, "status\n", 7, MSG_NOSIGNAL), 7);
        const double cpu0 = test::cpu_seconds();
        std::this_thread::sleep_for(std::chrono::milliseconds(500));
        EXPECT_LT(test::cpu_seconds() - cpu0, 0.1) << "the control socket spins on accept()";
    }
    EXPECT_EQ(read_all(fd), "ok\nyou said status\n");
}

}  // namespace
}  // namespace fz::daemon
