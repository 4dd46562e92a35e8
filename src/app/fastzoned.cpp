// fastzoned: the server. main() only: arguments, signal mask, the Daemon.
#include <signal.h>

#include <cstdio>
#include <string>

#include "common/log.h"
#include "daemon/daemon.h"

namespace {

void usage() {
    std::fprintf(stderr,
                 "usage: fastzoned -c FILE\n"
                 "  -c, --config FILE   configuration (YAML)\n"
                 "  -h, --help          this text\n"
                 "signals: SIGHUP reloads, SIGTERM/SIGINT stop; fastzonectl talks to the control socket\n");
}

}  // namespace

int main(int argc, char** argv) {
    std::string config_path;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        if ((a == "-c" || a == "--config") && i + 1 < argc) {
            config_path = argv[++i];
        } else if (a == "-h" || a == "--help") {
            usage();
            return 0;
        } else {
            std::fprintf(stderr, "fastzoned: unknown argument '%s'\n", a.c_str());
            usage();
            return 2;
        }
    }
    if (config_path.empty()) {
        usage();
        return 2;
    }
    // Signals are taken synchronously by Daemon::run(); every thread inherits the mask.
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGHUP);
    sigaddset(&signals, fz::daemon::Daemon::kRescheduleSignal);
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);
    signal(SIGPIPE, SIG_IGN);

    fz::daemon::Daemon daemon(config_path);
    auto st = daemon.start();
    if (!st) {
        fz::log::error("cannot start", fz::log::kv("error", st.error().to_string()));
        daemon.stop();
        return 1;
    }
    daemon.run();
    daemon.stop();
    fz::log::info("stopped");
    return 0;
}
