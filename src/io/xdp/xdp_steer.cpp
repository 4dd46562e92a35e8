// XdpSteering: skeleton loading, map updates, BPF-link attachment and counter reads.
#include "io/xdp/xdp_steer.h"

#include <arpa/inet.h>
#include <linux/if_link.h>
#include <net/if.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <set>
#include <system_error>
#include <utility>
#include <vector>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "dns_steer.skel.h"
#include "dns_steer_abi.h"

namespace fz::io {
namespace {

constexpr std::string_view kProgramName = "dns_steer";

Error fail(std::string message) { return make_error("", 0, std::move(message)); }

std::string errno_text(int err) { return std::error_code(err, std::generic_category()).message(); }

// Failures of bpf() that mean "you are not allowed" get the one-line fix in the message.
[[gnu::cold]] Error bpf_fail(std::string_view what, int err) {
    std::string message = std::string(what) + ": " + errno_text(err);
    if (err == EPERM || err == EACCES) {
        message += " (XDP needs root, or CAP_BPF and CAP_NET_ADMIN)";
    }
    return fail(std::move(message));
}

std::string interface_name(uint32_t ifindex) {
    std::array<char, IF_NAMESIZE> name{};
    if (if_indextoname(ifindex, name.data()) == nullptr) {
        return {};
    }
    return name.data();
}

std::string describe_interface(uint32_t ifindex) {
    const std::string name = interface_name(ifindex);
    const std::string index = "ifindex " + std::to_string(ifindex);
    return name.empty() ? index : name + " (" + index + ")";
}

// The ids the kernel gave the maps of program `prog_fd`.
Result<std::vector<uint32_t>> program_map_ids(int prog_fd) {
    bpf_prog_info info{};
    uint32_t len = sizeof(info);
    if (bpf_obj_get_info_by_fd(prog_fd, &info, &len) != 0) {
        return bpf_fail("reading XDP program info", errno);
    }
    std::vector<uint32_t> ids(info.nr_map_ids);
    uint32_t count = info.nr_map_ids;
    info = {};
    info.nr_map_ids = count;
    info.map_ids = reinterpret_cast<uintptr_t>(ids.data());
    len = sizeof(info);
    if (bpf_obj_get_info_by_fd(prog_fd, &info, &len) != 0) {
        return bpf_fail("reading XDP program map ids", errno);
    }
    ids.resize(std::min(count, info.nr_map_ids));
    return ids;
}

struct ExpectedMap {
    std::string_view name;
    uint32_t type;
    uint32_t key_size;
    uint32_t value_size;
    int* fd;
};

}  // namespace

Result<XdpSteering> XdpSteering::load() {
    XdpSteering steering;
    steering.skel_ = dns_steer_bpf__open_and_load();
    if (steering.skel_ == nullptr) {
        return bpf_fail("loading the dns_steer XDP program", errno);
    }
    const dns_steer_bpf& skel = *steering.skel_;
    steering.prog_fd_ = bpf_program__fd(skel.progs.dns_steer);
    steering.xsks_fd_ = bpf_map__fd(skel.maps.xsks_map);
    steering.config_fd_ = bpf_map__fd(skel.maps.fz_config);
    steering.addrs4_fd_ = bpf_map__fd(skel.maps.fz_addrs4);
    steering.addrs6_fd_ = bpf_map__fd(skel.maps.fz_addrs6);
    steering.counters_fd_ = bpf_map__fd(skel.maps.fz_counters);
    return steering;
}

Result<XdpSteering> XdpSteering::adopt(uint32_t ifindex) {
    const std::string name = interface_name(ifindex);
    if (name.empty()) {
        return fail("no network interface with index " + std::to_string(ifindex));
    }
    bpf_xdp_query_opts query{};
    query.sz = sizeof(query);
    if (int rc = bpf_xdp_query(static_cast<int>(ifindex), 0, &query); rc != 0) {
        return bpf_fail("querying XDP on " + describe_interface(ifindex), -rc);
    }
    XdpSteering steering;
    steering.owns_fds_ = true;
    uint32_t prog_id = 0;
    if (query.drv_prog_id != 0) {
        prog_id = query.drv_prog_id;
        steering.xdp_flags_ = XDP_FLAGS_DRV_MODE;
        steering.mode_ = XdpAttachMode::kNative;
    } else if (query.skb_prog_id != 0) {
        prog_id = query.skb_prog_id;
        steering.xdp_flags_ = XDP_FLAGS_SKB_MODE;
        steering.mode_ = XdpAttachMode::kGeneric;
    } else {
        return fail("no XDP program is attached to " + describe_interface(ifindex));
    }

    steering.prog_fd_ = bpf_prog_get_fd_by_id(prog_id);
    if (steering.prog_fd_ < 0) {
        return bpf_fail("opening XDP program id " + std::to_string(prog_id), errno);
    }
    bpf_prog_info prog_info{};
    uint32_t len = sizeof(prog_info);
    if (bpf_obj_get_info_by_fd(steering.prog_fd_, &prog_info, &len) != 0) {
        return bpf_fail("reading XDP program info", errno);
    }
    if (std::string_view(prog_info.name) != kProgramName) {
        return fail("the XDP program on " + describe_interface(ifindex) + " is '" + prog_info.name + "', not " +
                    std::string(kProgramName));
    }

    // Sizes are checked so that an object file from another build, with another ABI,
    // is refused instead of being configured with misread structures.
    const std::array<ExpectedMap, 5> expected{{
        {"xsks_map", BPF_MAP_TYPE_XSKMAP, 4, 4, &steering.xsks_fd_},
        {"fz_config", BPF_MAP_TYPE_ARRAY, 4, sizeof(DnsSteerConfig), &steering.config_fd_},
        {"fz_addrs4", BPF_MAP_TYPE_HASH, 4, 1, &steering.addrs4_fd_},
        {"fz_addrs6", BPF_MAP_TYPE_HASH, sizeof(DnsSteerAddr6), 1, &steering.addrs6_fd_},
        {"fz_counters", BPF_MAP_TYPE_PERCPU_ARRAY, 4, 8, &steering.counters_fd_},
    }};
    auto ids = program_map_ids(steering.prog_fd_);
    if (!ids) {
        return ids.error();
    }
    for (uint32_t id : *ids) {
        int fd = bpf_map_get_fd_by_id(id);
        if (fd < 0) {
            return bpf_fail("opening map id " + std::to_string(id), errno);
        }
        bpf_map_info info{};
        len = sizeof(info);
        if (bpf_obj_get_info_by_fd(fd, &info, &len) != 0) {
            int err = errno;
            close(fd);
            return bpf_fail("reading map info", err);
        }
        auto it = std::find_if(expected.begin(), expected.end(),
                               [&](const ExpectedMap& m) { return m.name == std::string_view(info.name); });
        if (it == expected.end() || *it->fd >= 0) {
            close(fd);  // .rodata or another map the loader has no use for
            continue;
        }
        *it->fd = fd;  // owned by `steering` from here on
        if (info.type != it->type || info.key_size != it->key_size || info.value_size != it->value_size) {
            return fail("map " + std::string(it->name) + " of the XDP program on " + describe_interface(ifindex) +
                        " has another layout: object file from another fastzone build?");
        }
    }
    for (const ExpectedMap& m : expected) {
        if (*m.fd < 0) {
            return fail("the dns_steer program on " + describe_interface(ifindex) + " has no map " +
                        std::string(m.name));
        }
    }
    steering.ifindex_ = ifindex;
    return steering;
}

XdpSteering::XdpSteering(XdpSteering&& other) noexcept { *this = std::move(other); }

XdpSteering& XdpSteering::operator=(XdpSteering&& other) noexcept {
    if (this != &other) {
        // Ours goes away first so that a moved-into object never leaks an attachment.
        if (link_fd_ >= 0) {
            (void)detach();
        }
        close_all();
        skel_ = std::exchange(other.skel_, nullptr);
        owns_fds_ = std::exchange(other.owns_fds_, false);
        prog_fd_ = std::exchange(other.prog_fd_, -1);
        xsks_fd_ = std::exchange(other.xsks_fd_, -1);
        config_fd_ = std::exchange(other.config_fd_, -1);
        addrs4_fd_ = std::exchange(other.addrs4_fd_, -1);
        addrs6_fd_ = std::exchange(other.addrs6_fd_, -1);
        counters_fd_ = std::exchange(other.counters_fd_, -1);
        link_fd_ = std::exchange(other.link_fd_, -1);
        ifindex_ = std::exchange(other.ifindex_, 0);
        xdp_flags_ = std::exchange(other.xdp_flags_, 0);
        mode_ = other.mode_;
    }
    return *this;
}

XdpSteering::~XdpSteering() {
    if (link_fd_ >= 0) {
        (void)detach();
    }
    close_all();
}

void XdpSteering::close_all() noexcept {
    if (link_fd_ >= 0) {
        close(link_fd_);
        link_fd_ = -1;
    }
    if (owns_fds_) {
        for (int fd : {prog_fd_, xsks_fd_, config_fd_, addrs4_fd_, addrs6_fd_, counters_fd_}) {
            if (fd >= 0) {
                close(fd);
            }
        }
    }
    if (skel_ != nullptr) {
        dns_steer_bpf__destroy(skel_);  // closes the program and map fds
        skel_ = nullptr;
    }
    owns_fds_ = false;
    prog_fd_ = xsks_fd_ = config_fd_ = addrs4_fd_ = addrs6_fd_ = counters_fd_ = -1;
    ifindex_ = 0;
}

Status XdpSteering::set_ports(std::span<const uint16_t> ports) {
    std::set<uint16_t> unique(ports.begin(), ports.end());
    if (unique.size() > kDnsSteerMaxPorts) {
        return fail("XDP steering takes at most " + std::to_string(kDnsSteerMaxPorts) + " ports, " +
                    std::to_string(unique.size()) + " given");
    }
    if (unique.contains(0)) {
        return fail("XDP steering: port 0 is not a valid DNS port");
    }
    const uint32_t key = 0;
    DnsSteerConfig config{};
    if (bpf_map_lookup_elem(config_fd_, &key, &config) != 0) {
        return bpf_fail("reading the XDP steering config", errno);
    }
    std::fill(std::begin(config.ports_be), std::end(config.ports_be), 0);
    config.port_count = 0;
    for (uint16_t port : unique) {
        config.ports_be[config.port_count++] = htons(port);
    }
    if (bpf_map_update_elem(config_fd_, &key, &config, BPF_ANY) != 0) {
        return bpf_fail("writing the XDP steering config", errno);
    }
    return Ok{};
}

Status XdpSteering::update_config_flags(uint8_t set, uint8_t clear) {
    const uint32_t key = 0;
    DnsSteerConfig config{};
    if (bpf_map_lookup_elem(config_fd_, &key, &config) != 0) {
        return bpf_fail("reading the XDP steering config", errno);
    }
    config.flags = static_cast<uint8_t>((config.flags & ~clear) | set);
    if (bpf_map_update_elem(config_fd_, &key, &config, BPF_ANY) != 0) {
        return bpf_fail("writing the XDP steering config", errno);
    }
    return Ok{};
}

namespace {

// Makes hash map `fd` hold exactly `wanted`: stale keys go first (so the map never
// overflows), then the wanted ones are added; a key in both is never absent.
template <typename Key, typename Less>
Status replace_keys(int fd, const std::set<Key, Less>& wanted, std::string_view what) {
    std::vector<Key> stale;
    Key key{};
    Key next{};
    const Key* prev = nullptr;
    while (bpf_map_get_next_key(fd, prev, &next) == 0) {
        if (!wanted.contains(next)) {
            stale.push_back(next);
        }
        key = next;
        prev = &key;
    }
    for (const Key& k : stale) {
        if (bpf_map_delete_elem(fd, &k) != 0 && errno != ENOENT) {
            return bpf_fail("removing an XDP steering " + std::string(what) + " address", errno);
        }
    }
    const uint8_t present = 1;
    for (const Key& k : wanted) {
        if (bpf_map_update_elem(fd, &k, &present, BPF_ANY) != 0) {
            return bpf_fail("adding an XDP steering " + std::string(what) + " address", errno);
        }
    }
    return Ok{};
}

struct Addr4Less {
    bool operator()(const uint32_t& a, const uint32_t& b) const { return a < b; }
};
struct Addr6Less {
    bool operator()(const DnsSteerAddr6& a, const DnsSteerAddr6& b) const {
        return std::memcmp(a.bytes, b.bytes, sizeof(a.bytes)) < 0;
    }
};

}  // namespace

Status XdpSteering::set_addresses(std::span<const in_addr> v4, std::span<const in6_addr> v6) {
    std::set<uint32_t, Addr4Less> wanted4;
    for (const in_addr& a : v4) {
        wanted4.insert(a.s_addr);  // network byte order, as the program reads it
    }
    std::set<DnsSteerAddr6, Addr6Less> wanted6;
    for (const in6_addr& a : v6) {
        DnsSteerAddr6 key{};
        std::memcpy(key.bytes, a.s6_addr, sizeof(key.bytes));
        wanted6.insert(key);
    }
    if (wanted4.size() > kDnsSteerMaxAddrs4 || wanted6.size() > kDnsSteerMaxAddrs6) {
        return fail("XDP steering takes at most " + std::to_string(kDnsSteerMaxAddrs4) + " IPv4 and " +
                    std::to_string(kDnsSteerMaxAddrs6) + " IPv6 addresses");
    }
    const bool filter = !wanted4.empty() || !wanted6.empty();
    const bool fit = wanted4.size() <= kDnsSteerInlineAddrs && wanted6.size() <= kDnsSteerInlineAddrs;
    // Turning the filter off comes before emptying the maps, turning it on after
    // filling them: in between, queries are steered as if to "any address", never
    // passed to the kernel for want of an address that is meant to be there. The
    // in-config copy of a few addresses is set aside first and written last likewise.
    if (!filter || !fit) {
        if (Status s = update_config_flags(0, kDnsSteerFilterAddresses | kDnsSteerInlineAddresses); !s) {
            return s;
        }
    } else if (Status s = update_config_flags(0, kDnsSteerInlineAddresses); !s) {
        return s;
    }
    if (Status s = replace_keys(addrs4_fd_, wanted4, "IPv4"); !s) {
        return s;
    }
    if (Status s = replace_keys(addrs6_fd_, wanted6, "IPv6"); !s) {
        return s;
    }
    if (filter && fit) {
        // Few enough to compare in place: the program skips the hash lookups. Two writes,
        // not one: a map update copies the value while the program may read it, so the
        // addresses go in while the program still uses the (filled) hash maps, and only
        // then the one-byte flags switch it to them.
        const uint32_t key = 0;
        DnsSteerConfig config{};
        if (bpf_map_lookup_elem(config_fd_, &key, &config) != 0) {
            return bpf_fail("reading the XDP steering config", errno);
        }
        config.addr4_count = 0;
        for (uint32_t a : wanted4) config.addrs4[config.addr4_count++] = a;
        config.addr6_count = 0;
        for (const DnsSteerAddr6& a : wanted6) config.addrs6[config.addr6_count++] = a;
        if (bpf_map_update_elem(config_fd_, &key, &config, BPF_ANY) != 0) {
            return bpf_fail("writing the XDP steering config", errno);
        }
        return update_config_flags(kDnsSteerFilterAddresses | kDnsSteerInlineAddresses, 0);
    }
    if (filter) {
        return update_config_flags(kDnsSteerFilterAddresses, 0);
    }
    return Ok{};
}

Status XdpSteering::set_addresses(std::span<const std::string> addresses) {
    std::vector<in_addr> v4;
    std::vector<in6_addr> v6;
    for (const std::string& text : addresses) {
        const std::string address = text.substr(0, text.find('/'));
        in_addr a4{};
        in6_addr a6{};
        if (inet_pton(AF_INET, address.c_str(), &a4) == 1) {
            v4.push_back(a4);
        } else if (inet_pton(AF_INET6, address.c_str(), &a6) == 1) {
            v6.push_back(a6);
        } else {
            return fail("XDP steering: '" + text + "' is not an IPv4 or IPv6 address");
        }
    }
    return set_addresses(v4, v6);
}

Status XdpSteering::attach(uint32_t ifindex, XdpAttachMode mode) {
    if (attached()) {
        return fail("the XDP program is already attached to " + describe_interface(ifindex_));
    }
    if (interface_name(ifindex).empty()) {
        return fail("no network interface with index " + std::to_string(ifindex));
    }
    const bool try_native = mode != XdpAttachMode::kGeneric;
    const bool try_generic = mode != XdpAttachMode::kNative;
    int err = 0;
    std::string tried;
    for (uint32_t flags : {uint32_t{XDP_FLAGS_DRV_MODE}, uint32_t{XDP_FLAGS_SKB_MODE}}) {
        const bool native = flags == XDP_FLAGS_DRV_MODE;
        if (native ? !try_native : !try_generic) {
            continue;
        }
        bpf_link_create_opts opts{};
        opts.sz = sizeof(opts);
        opts.flags = flags;
        int fd = bpf_link_create(prog_fd_, static_cast<int>(ifindex), BPF_XDP, &opts);
        if (fd >= 0) {
            link_fd_ = fd;
            ifindex_ = ifindex;
            mode_ = native ? XdpAttachMode::kNative : XdpAttachMode::kGeneric;
            return Ok{};
        }
        err = errno;
        tried += tried.empty() ? "" : ", then ";
        tried += std::string(native ? "native" : "generic") + " mode: " + errno_text(err);
        // Another program in place is not something generic mode can get around.
        if (err == EBUSY || err == EEXIST || err == EPERM || err == EACCES || err == ENODEV) {
            break;
        }
    }
    std::string message = "attaching the XDP program to " + describe_interface(ifindex) + " failed (" + tried + ")";
    if (err == EBUSY || err == EEXIST) {
        message += ": another XDP program is attached (see `ip link show`)";
    } else if (err == EPERM || err == EACCES) {
        message += ": XDP needs root, or CAP_BPF and CAP_NET_ADMIN";
    } else if (mode == XdpAttachMode::kNative) {
        message += ": the driver may lack native XDP; generic mode can be allowed";
    }
    return fail(std::move(message));
}

Status XdpSteering::attach(std::string_view ifname, XdpAttachMode mode) {
    const std::string name(ifname);
    const unsigned ifindex = if_nametoindex(name.c_str());
    if (ifindex == 0) {
        return fail("network interface '" + name + "' not found: " + errno_text(errno));
    }
    return attach(ifindex, mode);
}

Status XdpSteering::detach() {
    if (!attached()) {
        return Ok{};
    }
    if (link_fd_ >= 0) {
        // Detaching the link, rather than only closing it, removes the program even if
        // a forked child still holds a copy of the link's fd.
        int rc = bpf_link_detach(link_fd_);
        int err = errno;
        close(link_fd_);
        link_fd_ = -1;
        const uint32_t ifindex = std::exchange(ifindex_, 0);
        if (rc != 0 && err != ENOLINK) {  // ENOLINK: the interface went first
            return bpf_fail("detaching the XDP program from " + describe_interface(ifindex), err);
        }
        return Ok{};
    }
    // Adopted: remove the program only if it is still the one attached (REPLACE with
    // the expected old program makes the kernel check this atomically).
    bpf_xdp_attach_opts opts{};
    opts.sz = sizeof(opts);
    opts.old_prog_fd = prog_fd_;
    const uint32_t ifindex = ifindex_;
    int rc = bpf_xdp_detach(static_cast<int>(ifindex), xdp_flags_ | XDP_FLAGS_REPLACE, &opts);
    if (rc != 0) {
        return bpf_fail("detaching the XDP program from " + describe_interface(ifindex), -rc);
    }
    ifindex_ = 0;
    return Ok{};
}

Status XdpSteering::register_socket(uint32_t queue, int xsk_fd) {
    if (bpf_map_update_elem(xsks_fd_, &queue, &xsk_fd, BPF_ANY) != 0) {
        return bpf_fail("registering the AF_XDP socket of RX queue " + std::to_string(queue), errno);
    }
    return Ok{};
}

Status XdpSteering::unregister_socket(uint32_t queue) {
    if (bpf_map_delete_elem(xsks_fd_, &queue) != 0 && errno != ENOENT) {
        return bpf_fail("removing the AF_XDP socket of RX queue " + std::to_string(queue), errno);
    }
    return Ok{};
}

uint32_t XdpSteering::program_id() const {
    bpf_prog_info info{};
    uint32_t len = sizeof(info);
    if (prog_fd_ < 0 || bpf_obj_get_info_by_fd(prog_fd_, &info, &len) != 0) {
        return 0;
    }
    return info.id;
}

Result<XdpSteerCounters> XdpSteering::counters() const {
    const int cpus = libbpf_num_possible_cpus();
    if (cpus <= 0) {
        return fail("counting possible CPUs: " + errno_text(-cpus));
    }
    std::vector<uint64_t> per_cpu(static_cast<size_t>(cpus));
    std::array<uint64_t, kDnsSteerCounterCount> sums{};
    for (uint32_t key = 0; key < kDnsSteerCounterCount; ++key) {
        if (bpf_map_lookup_elem(counters_fd_, &key, per_cpu.data()) != 0) {
            return bpf_fail("reading the XDP steering counters", errno);
        }
        for (uint64_t v : per_cpu) {
            sums[key] += v;
        }
    }
    XdpSteerCounters out;
    out.redirected = sums[kDnsSteerRedirected];
    out.pass_no_socket = sums[kDnsSteerPassNoSocket];
    out.pass_not_dns = sums[kDnsSteerPassNotDns];
    out.pass_fragment = sums[kDnsSteerPassFragment];
    out.pass_malformed = sums[kDnsSteerPassMalformed];
    return out;
}

Status XdpSteering::reset_counters() {
    const int cpus = libbpf_num_possible_cpus();
    if (cpus <= 0) {
        return fail("counting possible CPUs: " + errno_text(-cpus));
    }
    const std::vector<uint64_t> zeros(static_cast<size_t>(cpus), 0);
    for (uint32_t key = 0; key < kDnsSteerCounterCount; ++key) {
        if (bpf_map_update_elem(counters_fd_, &key, zeros.data(), BPF_ANY) != 0) {
            return bpf_fail("resetting the XDP steering counters", errno);
        }
    }
    return Ok{};
}

Result<std::string> dns_steer_object_path() {
    std::vector<std::string> candidates;
    if (const char* env = std::getenv("FZ_DNS_STEER_OBJECT"); env != nullptr && *env != '\0') {
        candidates.emplace_back(env);
    }
#ifdef FZ_DNS_STEER_OBJECT_INSTALLED
    candidates.emplace_back(FZ_DNS_STEER_OBJECT_INSTALLED);
#endif
#ifdef FZ_DNS_STEER_OBJECT_BUILT
    candidates.emplace_back(FZ_DNS_STEER_OBJECT_BUILT);
#endif
    std::string tried;
    for (const std::string& path : candidates) {
        std::error_code ec;
        if (std::filesystem::is_regular_file(path, ec)) {
            return path;
        }
        tried += tried.empty() ? path : ", " + path;
    }
    return fail("dns_steer.bpf.o not found (tried: " + (tried.empty() ? "nothing" : tried) +
                "); set FZ_DNS_STEER_OBJECT");
}

}  // namespace fz::io
