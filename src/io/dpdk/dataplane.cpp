// Starting and stopping the DPDK data plane: EAL, mbuf pools, ports (RSS, checksum
// offloads), net_tap exception ports, XDP steering on net_af_xdp, polling lcores.
#include "io/dpdk/dataplane.h"

#include <net/if.h>
#include <rte_dev.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <vector>

#include "common/log.h"
#include "io/dpdk/eal_args.h"
#include "io/dpdk/lcore.h"
#include "io/dpdk/steering.h"

namespace fz::io::dpdk {
namespace {

// Deep RX rings: on a shared CPU (virtual-device mode on a laptop or VM) the scheduler
// can leave a polling lcore off its CPU for milliseconds; 4096 descriptors absorb that
// at a few hundred thousand packets per second (over veth under load: +50% replies).
constexpr uint16_t kRxDescriptors = 4096;
constexpr uint16_t kTxDescriptors = 1024;
constexpr unsigned kPoolCache = 256;
constexpr unsigned kMinPoolSize = 1023;

// The EAL starts once per process and cannot restart after rte_eal_cleanup().
// relaxed: only start() touches it, from the main thread.
std::atomic<bool> eal_started{false};

struct PortState {
    PortOptions config;
    uint16_t port_id = kNoPort;
    uint16_t tap_id = kNoPort;
    std::string tap_vdev;   // "net_tap_fz0"
    std::string tap_iface;  // "fz-veth-fz"
    std::string iface;      // kernel interface behind a vdev (af_packet, af_xdp), if any
    std::string driver;
    rte_mempool* pool = nullptr;
    std::unique_ptr<PortSteering> steering;
    bool configured = false;
    bool started = false;
    bool tap_started = false;
    bool rss = false;
    bool tx_offload = false;
    bool rx_offload = false;
};

struct InterfaceFlags {
    std::string iface;
    bool promiscuous = false;
};

std::string errno_text(int err) { return rte_strerror(err < 0 ? -err : err); }

std::string mac_text(const rte_ether_addr& a) {
    char buf[18];
    std::snprintf(buf, sizeof(buf), "%02x:%02x:%02x:%02x:%02x:%02x", a.addr_bytes[0], a.addr_bytes[1], a.addr_bytes[2],
                  a.addr_bytes[3], a.addr_bytes[4], a.addr_bytes[5]);
    return buf;
}

// IFF_PROMISC of a kernel interface, read or cleared through SIOC[GS]IFFLAGS.
Result<bool> promiscuous(const std::string& iface) {
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return Error{"", 0, std::string("socket: ") + std::strerror(errno)};
    ifreq req{};
    std::snprintf(req.ifr_name, IFNAMSIZ, "%s", iface.c_str());
    int rc = ioctl(fd, SIOCGIFFLAGS, &req);
    int err = errno;
    close(fd);
    if (rc != 0) return Error{"", 0, "interface '" + iface + "': " + std::strerror(err)};
    return (req.ifr_flags & IFF_PROMISC) != 0;
}

void clear_promiscuous(const std::string& iface) {
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return;
    ifreq req{};
    std::snprintf(req.ifr_name, IFNAMSIZ, "%s", iface.c_str());
    if (ioctl(fd, SIOCGIFFLAGS, &req) == 0 && (req.ifr_flags & IFF_PROMISC) != 0) {
        req.ifr_flags = static_cast<short>(req.ifr_flags & ~IFF_PROMISC);
        if (ioctl(fd, SIOCSIFFLAGS, &req) != 0) {
            log::warning("cannot restore promiscuous mode",
                         log::kv("iface", iface) + " " + log::kv("error", std::strerror(errno)));
        }
    }
    close(fd);
}

std::vector<unsigned> allowed_cpus() {
    std::vector<unsigned> cpus;
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof(set), &set) == 0) {
        for (unsigned c = 0; c < CPU_SETSIZE; ++c) {
            if (CPU_ISSET(c, &set)) cpus.push_back(c);
        }
    }
    return cpus;
}

// Hugepages the EAL could get: free ones, plus those the kernel may overcommit.
uint64_t available_hugepages() {
    uint64_t total = 0;
    std::error_code ec;
    for (const auto& dir : std::filesystem::directory_iterator("/sys/kernel/mm/hugepages", ec)) {
        for (const char* file : {"free_hugepages", "nr_overcommit_hugepages"}) {
            std::ifstream in(dir.path() / file);
            uint64_t n = 0;
            if (in >> n) total += n;
        }
    }
    return total;
}

bool has_arg(const std::vector<std::string>& args, const std::string& prefix) {
    return std::any_of(args.begin(), args.end(), [&](const std::string& a) { return a.rfind(prefix, 0) == 0; });
}

// "fz-" + the kernel interface (or device) name, cut to what IFNAMSIZ allows.
std::string tap_name_for(const PortState& p) {
    std::string base = p.iface.empty() ? p.config.device : p.iface;
    for (char& c : base) {
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.') c = '_';
    }
    return ("fz-" + base).substr(0, IFNAMSIZ - 1);
}

std::string known_ports() {
    std::string names;
    uint16_t id;
    RTE_ETH_FOREACH_DEV(id) {
        char name[RTE_ETH_NAME_MAX_LEN];
        if (rte_eth_dev_get_name_by_port(id, name) == 0) names += (names.empty() ? "" : ", ") + std::string(name);
    }
    return names.empty() ? "none" : names;
}

int lcore_main(void* arg) { return run_lcore(*static_cast<Lcore*>(arg)); }

}  // namespace

struct Dataplane::State {
    std::string config_path;
    uint32_t config_line = 0;
    std::vector<std::string> eal_args;  // argv storage: the EAL may keep pointers into it
    std::vector<char*> eal_argv;
    std::vector<PortState> ports;
    std::vector<std::unique_ptr<Lcore>> lcores;
    std::vector<unsigned> lcore_ids;
    std::vector<InterfaceFlags> ifaces;
    std::atomic<bool> stop{false};
    bool eal_up = false;
    bool launched = false;
    bool down = false;

    // A failed start() leaves through here too: whatever did start is undone.
    ~State() { shutdown(); }

    Error error(const std::string& message) const { return Error{config_path, config_line, message}; }
    Status start_port(PortState& p, size_t index, const DataplaneOptions& dp);
    void shutdown();
};

namespace {

// What one port's start-up steps share: the device's capabilities and the settings chosen.
struct PortSetup {
    PortState& p;
    const DataplaneOptions& dp;
    size_t index;
    rte_eth_dev_info info{};
    rte_eth_conf conf{};
    rte_ether_addr mac{};
    uint16_t rxd = kRxDescriptors;
    uint16_t txd = kTxDescriptors;
    int socket = SOCKET_ID_ANY;
    bool want_tap = false;

    Error error(const std::string& message) const {
        return Error{dp.source, p.config.line, "port '" + p.config.device + "': " + message};
    }
};

// Finds the device, reads its capabilities and configures its queues and offloads.
Status configure_device(PortSetup& s) {
    PortState& p = s.p;
    if (rte_eth_dev_get_port_by_name(p.config.device.c_str(), &p.port_id) != 0 &&
        rte_eth_dev_get_port_by_name(("0000:" + p.config.device).c_str(), &p.port_id) != 0) {
        p.port_id = kNoPort;
        return s.error("no such DPDK device (the EAL found: " + known_ports() +
                       "); a vdev needs --vdev=NAME,... in dataplane.eal, a NIC must be bound to vfio-pci "
                       "(dpdk-devbind.py) and allowed (-a PCI)");
    }
    int rc = rte_eth_dev_info_get(p.port_id, &s.info);
    if (rc != 0) return s.error("cannot read device info: " + errno_text(rc));
    p.driver = s.info.driver_name != nullptr ? s.info.driver_name : "";
    if (p.config.queues > s.info.max_rx_queues || p.config.queues > s.info.max_tx_queues) {
        return s.error(std::to_string(p.config.queues) + " queues asked, the device has " +
                       std::to_string(std::min(s.info.max_rx_queues, s.info.max_tx_queues)));
    }
    rte_eth_macaddr_get(p.port_id, &s.mac);

    uint64_t rss_hf = (RTE_ETH_RSS_IP | RTE_ETH_RSS_UDP) & s.info.flow_type_rss_offloads;
    if (p.config.queues > 1 && rss_hf != 0) {
        s.conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
        s.conf.rx_adv_conf.rss_conf.rss_hf = rss_hf;
        p.rss = true;
    }
    constexpr uint64_t kTxChecksums = RTE_ETH_TX_OFFLOAD_IPV4_CKSUM | RTE_ETH_TX_OFFLOAD_UDP_CKSUM;
    if ((s.info.tx_offload_capa & kTxChecksums) == kTxChecksums) {
        s.conf.txmode.offloads |= kTxChecksums;
        p.tx_offload = true;
    }
    if ((s.info.rx_offload_capa & RTE_ETH_RX_OFFLOAD_IPV4_CKSUM) != 0) {
        s.conf.rxmode.offloads |= RTE_ETH_RX_OFFLOAD_IPV4_CKSUM;
        p.rx_offload = true;
    }
    rc = rte_eth_dev_configure(p.port_id, p.config.queues, p.config.queues, &s.conf);
    if (rc != 0) return s.error("cannot configure " + std::to_string(p.config.queues) + " queues: " + errno_text(rc));
    p.configured = true;
    rte_eth_dev_adjust_nb_rx_tx_desc(p.port_id, &s.rxd, &s.txd);
    s.want_tap = s.dp.exception_path == "tap" ||
                 (s.dp.exception_path.empty() && !(is_af_xdp(p.config.device) && PortSteering::available()));
    s.socket = rte_eth_dev_socket_id(p.port_id);
    if (s.socket < 0) s.socket = SOCKET_ID_ANY;
    return Ok{};
}

// One pool per port, for its RX rings, TX in flight, the tap's rings and the lcore
// caches. Its data room holds the largest UDP response behind the largest headers.
Status create_pool(PortSetup& s) {
    PortState& p = s.p;
    unsigned per_queue = s.rxd + s.txd + 2 * kBurst + kPoolCache;
    if (s.want_tap) per_queue += kRxDescriptors / 2 + kTxDescriptors;
    unsigned wanted = 1;
    while (wanted < per_queue * p.config.queues) wanted <<= 1;
    auto room = static_cast<uint16_t>(RTE_PKTMBUF_HEADROOM +
                                      std::max<size_t>(RTE_MBUF_DEFAULT_DATAROOM, s.dp.udp_max_payload + kMaxHeaders));
    std::string pool_name = "fz_pool_" + std::to_string(s.index);
    // Without hugepages memory is what -m gives: halve the pool until it fits.
    for (unsigned n = wanted - 1; n >= kMinPoolSize && p.pool == nullptr; n = (n + 1) / 2 - 1) {
        p.pool = rte_pktmbuf_pool_create(pool_name.c_str(), n, kPoolCache, 0, room, s.socket);
    }
    if (p.pool == nullptr) {
        return s.error("cannot allocate an mbuf pool of " + std::to_string(kMinPoolSize) + " mbufs of " +
                       std::to_string(room) + " bytes: " + errno_text(rte_errno) +
                       " (give the EAL more memory: -m or --socket-mem, or reserve hugepages)");
    }
    return Ok{};
}

Status setup_queues(PortSetup& s) {
    PortState& p = s.p;
    for (uint16_t q = 0; q < p.config.queues; ++q) {
        rte_eth_rxconf rxconf = s.info.default_rxconf;
        rxconf.offloads = s.conf.rxmode.offloads;
        int rc = rte_eth_rx_queue_setup(p.port_id, q, s.rxd, static_cast<unsigned>(s.socket), &rxconf, p.pool);
        if (rc != 0) return s.error("RX queue " + std::to_string(q) + ": " + errno_text(rc));
        rte_eth_txconf txconf = s.info.default_txconf;
        txconf.offloads = s.conf.txmode.offloads;
        rc = rte_eth_tx_queue_setup(p.port_id, q, s.txd, static_cast<unsigned>(s.socket), &txconf);
        if (rc != 0) return s.error("TX queue " + std::to_string(q) + ": " + errno_text(rc));
    }
    return Ok{};
}

// The kernel's side of this port: a tap with the same MAC, so that its replies leave as ours.
Status start_exception_tap(PortSetup& s) {
    PortState& p = s.p;
    p.tap_vdev = "net_tap_fz" + std::to_string(s.index);
    p.tap_iface = tap_name_for(p);
    std::string args = "iface=" + p.tap_iface + ",mac=" + mac_text(s.mac);
    int rc = rte_eal_hotplug_add("vdev", p.tap_vdev.c_str(), args.c_str());
    if (rc != 0) {
        p.tap_vdev.clear();
        return s.error("cannot create the exception tap '" + p.tap_iface + "' (net_tap needs /dev/net/tun " +
                       "and CAP_NET_ADMIN; or set dataplane.exception_path: none): " + errno_text(rc));
    }
    if (rte_eth_dev_get_port_by_name(p.tap_vdev.c_str(), &p.tap_id) != 0) {
        return s.error("exception tap created but not found");
    }
    rte_eth_conf tap_conf{};
    rc = rte_eth_dev_configure(p.tap_id, p.config.queues, p.config.queues, &tap_conf);
    if (rc != 0) return s.error("cannot configure the exception tap: " + errno_text(rc));
    const auto socket = static_cast<unsigned>(s.socket);
    for (uint16_t q = 0; q < p.config.queues; ++q) {
        rc = rte_eth_rx_queue_setup(p.tap_id, q, kRxDescriptors / 2, socket, nullptr, p.pool);
        if (rc == 0) rc = rte_eth_tx_queue_setup(p.tap_id, q, kTxDescriptors, socket, nullptr);
        if (rc != 0) return s.error("exception tap queue " + std::to_string(q) + ": " + errno_text(rc));
    }
    rc = rte_eth_dev_start(p.tap_id);
    if (rc != 0) return s.error("cannot start the exception tap: " + errno_text(rc));
    p.tap_started = true;
    return Ok{};
}

// Our XDP program on an af_xdp port's interface: its counters and address filter.
void adopt_steering(PortState& p) {
    if (!is_af_xdp(p.config.device) || !PortSteering::available() || p.iface.empty()) return;
    auto steering = PortSteering::adopt(p.iface, p.config.addresses);
    if (steering) {
        p.steering = std::move(steering.value());
    } else {
        // The operator's own xdp_prog=, or a kernel that refused: serve anyway.
        log::warning("XDP steering program not adopted: counters unavailable, addresses not filtered",
                     log::kv("port", p.config.device) + " " + log::kv("error", steering.error().to_string()));
    }
}

void log_port_up(const PortState& p, const rte_ether_addr& mac) {
    std::string addrs;
    for (const auto& a : p.config.addresses) addrs += (addrs.empty() ? "" : ",") + a;
    log::info("dataplane port up",
              log::kv("device", p.config.device) + " " + log::kv("driver", p.driver) + " " +
                  log::kv("port_id", static_cast<long long>(p.port_id)) + " " + log::kv("mac", mac_text(mac)) + " " +
                  log::kv("queues", static_cast<long long>(p.config.queues)) + " " +
                  log::kv("rss", p.rss ? "yes" : "no") + " " +
                  log::kv("checksum_offload", p.tx_offload ? "tx" : "software") + " " +
                  log::kv("mbufs", static_cast<long long>(p.pool->size)) + " " + log::kv("addresses", addrs) + " " +
                  log::kv("exception_path",
                          p.tap_iface.empty() ? (p.steering ? "xdp" : "none") : "tap:" + p.tap_iface));
}

}  // namespace

Status Dataplane::State::start_port(PortState& p, size_t index, const DataplaneOptions& dp) {
    PortSetup s{p, dp, index};
    for (auto step : {configure_device, create_pool, setup_queues}) {
        auto st = step(s);
        if (!st) return st;
    }
    if (s.want_tap) {
        auto st = start_exception_tap(s);
        if (!st) return st;
    }
    int rc = rte_eth_dev_start(p.port_id);
    if (rc != 0) return s.error("cannot start: " + errno_text(rc));
    p.started = true;
    // Neighbour solicitations go to solicited-node multicast groups; the kernel side
    // needs its multicast too. Not every device has the setting (ENOTSUP is fine).
    (void)rte_eth_allmulticast_enable(p.port_id);
    adopt_steering(p);

    auto addresses = parse_addresses(p.config.addresses);
    if (!addresses) return s.error(addresses.error().message);
    for (uint16_t q = 0; q < p.config.queues; ++q) {
        auto lc = std::make_unique<Lcore>();
        lc->worker.seed_from_entropy();
        lc->port_id = p.port_id;
        lc->queue_id = q;
        lc->tap_id = p.tap_id;
        lc->tx_checksum_offload = p.tx_offload;
        lc->ipv4_udp_checksum = dp.ipv4_udp_checksum;
        lc->rx_checksum_offload = p.rx_offload;
        std::memcpy(lc->mac, s.mac.addr_bytes, 6);
        lc->addresses = *addresses;
        lcores.push_back(std::move(lc));
    }
    log_port_up(p, s.mac);
    return Ok{};
}

void Dataplane::State::shutdown() {
    if (down) return;
    down = true;
    if (launched) {
        // relaxed: the flag carries no data; rte_eal_mp_wait_lcore() is the join that
        // orders the lcores' last writes before the teardown below.
        stop.store(true, std::memory_order_relaxed);
        rte_eal_mp_wait_lcore();
    }
    for (auto& p : ports) {
        if (p.started) (void)rte_eth_dev_stop(p.port_id);
        if (p.configured) (void)rte_eth_dev_close(p.port_id);
        if (p.tap_started) (void)rte_eth_dev_stop(p.tap_id);
        if (p.tap_id != kNoPort) (void)rte_eth_dev_close(p.tap_id);
        if (!p.tap_vdev.empty()) (void)rte_eal_hotplug_remove("vdev", p.tap_vdev.c_str());
        // DPDK's PMD removes its program when the port closes; make sure of it.
        if (p.steering) p.steering->detach();
        p.steering.reset();
        if (p.pool != nullptr) rte_mempool_free(p.pool);
        p.pool = nullptr;
    }
    for (const auto& f : ifaces) {
        if (!f.promiscuous) clear_promiscuous(f.iface);
    }
    if (eal_up) {
        std::string runtime_dir = rte_eal_get_runtime_dir();
        rte_eal_cleanup();
        // Our own prefix's folder (config, telemetry socket) would outlive us otherwise.
        if (runtime_dir.find("/fastzone-") != std::string::npos) {
            std::error_code ec;
            std::filesystem::remove_all(runtime_dir, ec);
        }
    }
}

Dataplane::Dataplane(std::unique_ptr<State> state) : state_(std::move(state)) {}

Dataplane::~Dataplane() { stop(); }

Result<std::unique_ptr<Dataplane>> Dataplane::start(const DataplaneOptions& dp, engine::Publisher& publisher) {
    auto state = std::make_unique<State>();
    state->config_path = dp.source;
    state->config_line = dp.line;
    std::string root_hint = geteuid() == 0 ? ""
                                           : " (fastzoned is not root: the data plane needs root, or "
                                             "CAP_NET_ADMIN, CAP_NET_RAW, CAP_SYS_ADMIN and CAP_IPC_LOCK)";

    if (eal_started.exchange(true, std::memory_order_relaxed)) {
        return state->error("the data plane can start once per process");
    }

    std::string xdp_prog;
    bool any_af_xdp = std::any_of(dp.ports.begin(), dp.ports.end(),
                                  [](const PortOptions& p) { return is_af_xdp(p.device); });
    if (any_af_xdp && PortSteering::available()) {
        auto path = PortSteering::object_path();
        if (!path) return state->error("net_af_xdp needs the XDP steering program: " + path.error().to_string());
        xdp_prog = *path;
    } else if (any_af_xdp) {
        log::warning(
            "built without the XDP steering program: net_af_xdp will take every packet, the exception "
            "tap passes the rest to the kernel");
    }

    auto cpus = allowed_cpus();
    auto plan = plan_eal(dp, xdp_prog, cpus, "fastzone-" + std::to_string(getpid()));
    if (!plan) return Error{dp.source, plan.error().line, plan.error().message};

    // Interfaces named by vdevs: check they exist now (the EAL's message is obscure) and
    // remember their promiscuous mode (af_packet turns it on and leaves it on).
    for (const auto& iface : plan->ifaces) {
        auto promisc = promiscuous(iface);
        if (!promisc)
            return state->error(promisc.error().message + " (named by a --vdev in dataplane.eal)" + root_hint);
        state->ifaces.push_back({iface, *promisc});
    }
    if (!has_arg(plan->args, "--no-huge") && available_hugepages() == 0) {
        return state->error(
            "no free hugepages: reserve some (echo 1024 > /proc/sys/vm/nr_hugepages) or run "
            "without them: add --no-huge, -m, \"512\" to dataplane.eal");
    }

    state->eal_args = plan->args;
    for (auto& a : state->eal_args) state->eal_argv.push_back(a.data());
    state->eal_argv.push_back(nullptr);
    std::string cmdline;
    for (const auto& a : state->eal_args) cmdline += (cmdline.empty() ? "" : " ") + a;
    log::info("starting the DPDK EAL", log::kv("args", cmdline));
    int rc = rte_eal_init(static_cast<int>(state->eal_args.size()), state->eal_argv.data());
    if (rc < 0) {
        return state->error("the DPDK EAL cannot start (" + std::string(rte_strerror(rte_errno)) + "; its messages " +
                            "are above): check dataplane.eal" + root_hint);
    }
    state->eal_up = true;

    unsigned id;
    RTE_LCORE_FOREACH_WORKER(id) state->lcore_ids.push_back(id);
    if (state->lcore_ids.size() < plan->workers) {
        return state->error("the data plane needs " + std::to_string(plan->workers) +
                            " worker lcores (one per port RX queue) but the EAL has " +
                            std::to_string(state->lcore_ids.size()) +
                            " besides the main one: widen -l/--lcores in "
                            "dataplane.eal or lower the queues");
    }

    for (size_t i = 0; i < dp.ports.size(); ++i) {
        PortState p;
        p.config = dp.ports[i];
        if (uses_kernel_interface(p.config.device))
            p.iface = vdev_value(vdev_args_for(dp.eal, p.config.device), "iface");
        state->ports.push_back(std::move(p));
    }
    for (size_t i = 0; i < state->ports.size(); ++i) {
        auto st = state->start_port(state->ports[i], i, dp);
        if (!st) {
            Error e = st.error();
            e.message += root_hint;
            return e;
        }
    }

    for (size_t i = 0; i < state->lcores.size(); ++i) {
        Lcore& lc = *state->lcores[i];
        lc.publisher = &publisher;
        lc.stop = &state->stop;
        rc = rte_eal_remote_launch(lcore_main, &lc, state->lcore_ids[i]);
        if (rc != 0) {
            state->launched = true;  // stop those already running
            return state->error("cannot launch lcore " + std::to_string(state->lcore_ids[i]) + ": " + errno_text(rc));
        }
        state->launched = true;
    }
    log::info("dataplane running", log::kv("lcores", static_cast<long long>(state->lcores.size())));
    return std::unique_ptr<Dataplane>(new Dataplane(std::move(state)));
}

void Dataplane::stop() {
    if (!state_ || state_->down) return;
    std::string fields = stats_fields();
    state_->shutdown();
    log::info("dataplane stopped", fields);
}

std::unique_ptr<DataplaneStats> Dataplane::stats() const {
    auto s = std::make_unique<DataplaneStats>();
    for (const auto& lc : state_->lcores) {
        s->engine.add(lc->worker.counters);
        s->io += lc->io;
    }
    return s;
}

std::vector<const engine::Counters*> Dataplane::counters() const {
    std::vector<const engine::Counters*> out;
    for (const auto& lc : state_->lcores) out.push_back(&lc->worker.counters);
    return out;
}

std::vector<std::pair<std::string, uint64_t>> Dataplane::lcore_queries() const {
    std::vector<std::pair<std::string, uint64_t>> out;
    for (const auto& lc : state_->lcores) {
        out.emplace_back("port " + std::to_string(lc->port_id) + " queue " + std::to_string(lc->queue_id),
                         lc->worker.counters.queries);
    }
    return out;
}

std::string Dataplane::fault() const {
    if (!state_ || state_->down) return "stopped";
    for (const auto& p : state_->ports) {
        if (!p.started) continue;
        rte_eth_link link{};
        if (rte_eth_link_get_nowait(p.port_id, &link) == 0 && link.link_status == RTE_ETH_LINK_DOWN) {
            return "port " + std::to_string(p.port_id) + " link down (" + p.config.device + ")";
        }
    }
    // An lcore whose loop returned is back in WAIT: its queue is answered by no one.
    for (size_t i = 0; i < state_->lcores.size() && i < state_->lcore_ids.size(); ++i) {
        if (rte_eal_get_lcore_state(state_->lcore_ids[i]) != RUNNING) {
            const Lcore& lc = *state_->lcores[i];
            return "lcore " + std::to_string(state_->lcore_ids[i]) + " (port " + std::to_string(lc.port_id) +
                   " queue " + std::to_string(lc.queue_id) + ") stopped";
        }
    }
    return "";
}

std::string Dataplane::stats_fields() const {
    const std::unique_ptr<DataplaneStats> sum = stats();
    const DataplaneStats& s = *sum;
    static constexpr const char* kRcodes[] = {"noerror", "formerr", "servfail", "nxdomain", "notimp", "refused"};
    std::string out = "queries=" + std::to_string(s.engine.queries) +
                      " responses=" + std::to_string(s.engine.responses()) +
                      " truncated=" + std::to_string(s.engine.truncated);
    for (size_t i = 0; i < std::size(s.engine.rcode); ++i) {
        if (i < std::size(kRcodes)) {
            out += " " + std::string(kRcodes[i]) + "=" + std::to_string(s.engine.rcode[i]);
        } else if (s.engine.rcode[i] != 0) {
            out += " rcode" + std::to_string(i) + "=" + std::to_string(s.engine.rcode[i]);
        }
    }
    out += " " + to_log_fields(s.io);
    for (const auto& p : state_->ports) {
        // What the device saw: frames it could not deliver (ring full, no mbuf) never
        // reached an lcore's counters.
        rte_eth_stats es{};
        if (p.started && rte_eth_stats_get(p.port_id, &es) == 0) {
            out += " port" + std::to_string(p.port_id) + "_ipackets=" + std::to_string(es.ipackets) + " port" +
                   std::to_string(p.port_id) + "_imissed=" + std::to_string(es.imissed) + " port" +
                   std::to_string(p.port_id) + "_rx_nombuf=" + std::to_string(es.rx_nombuf) + " port" +
                   std::to_string(p.port_id) + "_oerrors=" + std::to_string(es.oerrors);
        }
        if (p.steering) {
            std::string x = p.steering->counters_fields();
            if (!x.empty()) out += " " + x;
        }
    }
    return out;
}

}  // namespace fz::io::dpdk
