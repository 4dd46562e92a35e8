// Anycast announcement through netlink: the dummy interface and its addresses.
//
// Why libnl (libnl-route-3): it is the netlink library NetworkManager, iproute2's
// neighbours and hostapd use, packaged by Debian and kept current with the kernel's
// attributes. Writing rtnetlink messages by hand (attribute packing, ack and error
// parsing, sequence numbers) would be a few hundred lines of our own to get wrong; only
// the calls below are ours.
//
// Why lifetimes: each address is given a valid and preferred lifetime of
// kLifetimeSeconds and refreshed once a second (RTM_NEWADDR with NLM_F_REPLACE). That is
// a dead man's switch: a fastzoned killed with SIGKILL, or hung, refreshes nothing, the
// kernel deletes the address when its lifetime runs out, and BIRD's direct protocol
// withdraws the route. Nothing has to run for the withdrawal to happen.
#include "daemon/anycast.h"

#include <linux/if.h>
#include <linux/if_addr.h>
#include <netlink/addr.h>
#include <netlink/errno.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <sys/socket.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <string_view>
#include <utility>

#include "common/clock.h"
#include "common/log.h"

namespace fz::daemon {
namespace {

// The interface alias that marks an interface fastzoned made: a fastzoned started after
// one killed with SIGKILL knows it may remove it.
constexpr const char* kAlias = "fastzoned anycast";

struct LinkPut {
    void operator()(rtnl_link* l) const { rtnl_link_put(l); }
};
struct AddrPut {
    void operator()(rtnl_addr* a) const { rtnl_addr_put(a); }
};
struct NlAddrPut {
    void operator()(nl_addr* a) const { nl_addr_put(a); }
};
using Link = std::unique_ptr<rtnl_link, LinkPut>;
using Addr = std::unique_ptr<rtnl_addr, AddrPut>;
using NlAddr = std::unique_ptr<nl_addr, NlAddrPut>;

// libnl's message for a (negative) libnl error, with what to do about the usual one.
std::string nl_text(int err) {
    std::string out = nl_geterror(err);
    if (err == -NLE_PERM) out += " (fastzoned needs root or CAP_NET_ADMIN for anycast)";
    return out;
}

std::string joined(const std::vector<std::string>& v) {
    std::string out;
    for (const auto& s : v) out += (out.empty() ? "" : ",") + s;
    return out;
}

bool same(const std::optional<loader::AnycastConfig>& a, const std::optional<loader::AnycastConfig>& b) {
    if (!a || !b) return a.has_value() == b.has_value();
    return a->addresses == b->addresses && a->interface == b->interface && a->stale_limit == b->stale_limit;
}

}  // namespace

AnycastVerdict anycast_verdict(const AnycastInputs& in, int64_t now_ms, uint32_t stale_limit_s) {
    if (in.stopping) return {false, "stopping"};
    if (!in.listening) return {false, "not listening"};
    if (!in.dataplane_fault.empty()) return {false, "data plane: " + in.dataplane_fault};
    if (in.fleet) {
        if (in.last_contact_ms == 0) return {false, "no data from etcd yet"};
        const int64_t age_ms = now_ms - in.last_contact_ms;
        if (age_ms > int64_t{stale_limit_s} * 1000) {
            return {false, "data stale for " + std::to_string(age_ms / 1000) + " s (etcd unreachable)"};
        }
    }
    return {true, "serving"};
}

Anycast::Anycast(std::optional<loader::AnycastConfig> config) : config_(std::move(config)) {}

Anycast::~Anycast() { stop(); }

Status Anycast::start() {
    std::lock_guard lock(mu_);
    if (!config_) return Ok{};
    return ensure_interface();
}

Status Anycast::ensure_interface() {
    const std::string& name = config_->interface;
    auto fail = [&](const std::string& what, int err) {
        return Error{"", 0, "anycast interface '" + name + "': " + what + ": " + nl_text(err)};
    };
    if (sock_ == nullptr) {
        sock_ = nl_socket_alloc();
        if (sock_ == nullptr) return fail("no netlink socket", -NLE_NOMEM);
        if (int err = nl_connect(sock_, NETLINK_ROUTE); err < 0) {
            nl_socket_free(sock_);
            sock_ = nullptr;
            return fail("cannot open a netlink socket", err);
        }
    }
    rtnl_link* raw = nullptr;
    int err = rtnl_link_get_kernel(sock_, 0, name.c_str(), &raw);
    Link link(raw);
    bool made = false;
    const char* made_type = "";
    if (err == -NLE_NODEV || err == -NLE_OBJ_NOTFOUND) {
        // A dummy interface; on a kernel built without the dummy driver (some VM kernels),
        // an ifb one, which also takes addresses and drops what is sent to it.
        for (const char* type : {"dummy", "ifb"}) {
            Link want(rtnl_link_alloc());
            if (!want) return fail("cannot create it", -NLE_NOMEM);
            rtnl_link_set_name(want.get(), name.c_str());
            if (err = rtnl_link_set_type(want.get(), type); err < 0) return fail("cannot create it", err);
            err = rtnl_link_add(sock_, want.get(), NLM_F_CREATE | NLM_F_EXCL);
            if (err == 0) made_type = type;
            if (err != -NLE_OPNOTSUPP || std::string_view(type) != "dummy") break;
            log::info("anycast: this kernel has no dummy interfaces, making an ifb one", log::kv("interface", name));
        }
        if (err < 0 && err != -NLE_EXIST) return fail("cannot create it (a dummy interface: modprobe dummy?)", err);
        made = err == 0;
        raw = nullptr;
        err = rtnl_link_get_kernel(sock_, 0, name.c_str(), &raw);
        link.reset(raw);
    }
    if (err < 0) return fail("cannot read it", err);
    const char* alias = rtnl_link_get_ifalias(link.get());
    created_ = made || (alias != nullptr && std::string_view(alias) == kAlias);
    Link up(rtnl_link_alloc());
    if (!up) return fail("cannot set it up", -NLE_NOMEM);
    rtnl_link_set_flags(up.get(), IFF_UP);
    if (made) rtnl_link_set_ifalias(up.get(), kAlias);  // the kernel takes it on a change, not on creation
    if (err = rtnl_link_change(sock_, link.get(), up.get(), 0); err < 0) {
        if (made) (void)rtnl_link_delete(sock_, link.get());
        created_ = false;
        return fail("cannot set it up", err);
    }
    ifindex_ = rtnl_link_get_ifindex(link.get());
    if (made) log::info("anycast: interface created", log::kv("interface", name) + " " + log::kv("type", made_type));
    return Ok{};
}

Status Anycast::set_address(const std::string& text, bool add) {
    auto fail = [&](const std::string& what, int err) {
        return Error{"", 0,
                     "anycast address " + text + " on '" + config_->interface + "': " + what + ": " + nl_text(err)};
    };
    nl_addr* raw = nullptr;
    int err = nl_addr_parse(text.c_str(), AF_UNSPEC, &raw);
    NlAddr local(raw);
    if (err < 0) return fail("not an address", err);
    const int family = nl_addr_get_family(local.get());
    if (family != AF_INET && family != AF_INET6) return fail("not an IPv4 or IPv6 address", -NLE_AF_NOSUPPORT);
    if (text.find('/') == std::string::npos) nl_addr_set_prefixlen(local.get(), family == AF_INET ? 32 : 128);
    Addr a(rtnl_addr_alloc());
    if (!a) return fail("no memory", -NLE_NOMEM);
    rtnl_addr_set_ifindex(a.get(), ifindex_);
    if (err = rtnl_addr_set_local(a.get(), local.get()); err < 0) return fail("not an address", err);
    if (!add) {
        err = rtnl_addr_delete(sock_, a.get(), 0);
        // Gone already (expired, or the interface removed) is what was asked for.
        if (err < 0 && err != -NLE_NOADDR && err != -NLE_OBJ_NOTFOUND && err != -NLE_NODEV) {
            return fail("cannot delete it", err);
        }
        return Ok{};
    }
    rtnl_addr_set_valid_lifetime(a.get(), kLifetimeSeconds);
    rtnl_addr_set_preferred_lifetime(a.get(), kLifetimeSeconds);
    // No duplicate address detection: the address is meant to be on many servers, and a
    // tentative one would not be announced for a second or two.
    if (family == AF_INET6) rtnl_addr_set_flags(a.get(), IFA_F_NODAD);
    err = rtnl_addr_add(sock_, a.get(), NLM_F_REPLACE);
    if (err == -NLE_NODEV || err == -NLE_OBJ_NOTFOUND) ifindex_ = 0;  // the interface went: set it up again
    if (err < 0) return fail("cannot add it", err);
    return Ok{};
}

void Anycast::withdraw_all() {
    if (ifindex_ == 0 || sock_ == nullptr || !config_) return;
    std::string failure;
    for (const auto& a : config_->addresses) {
        if (auto st = set_address(a, false); !st) failure = st.error().to_string();
    }
    note_error(failure);
}

void Anycast::remove_interface() {
    if (created_ && sock_ != nullptr && config_) {
        rtnl_link* raw = nullptr;
        if (rtnl_link_get_kernel(sock_, 0, config_->interface.c_str(), &raw) == 0) {
            Link link(raw);
            if (int err = rtnl_link_delete(sock_, link.get()); err < 0) {
                log::warning("anycast: cannot remove the interface",
                             log::kv("interface", config_->interface) + " " + log::kv("error", nl_text(err)));
            } else {
                log::info("anycast: interface removed", log::kv("interface", config_->interface));
            }
        }
    }
    created_ = false;
    ifindex_ = 0;
}

void Anycast::note_error(const std::string& failure) {
    if (failure == error_) return;
    if (!failure.empty()) {
        log::warning("anycast: netlink failed", log::kv("error", failure));
    } else {
        log::info("anycast: netlink works again", config_ ? log::kv("interface", config_->interface) : "");
    }
    error_ = failure;
}

void Anycast::change(bool announced, const std::string& why) {
    reason_ = why;  // kept current while nothing flips ("data stale for 12 s")
    if (decided_ && announced == announced_) return;
    const bool first = !decided_;
    if (announced_ && !announced) ++withdrawals_;
    decided_ = true;
    announced_ = announced;
    since_ms_ = unix_ms();
    std::string fields = log::kv("reason", why);
    if (config_) {
        fields += " " + log::kv("interface", config_->interface) + " " +
                  log::kv("addresses", joined(config_->addresses));
    }
    if (announced) {
        log::info("anycast: announced", fields);
    } else if (first) {
        log::info("anycast: not announced yet", fields);
    } else {
        log::warning("anycast: withdrawn", fields);
    }
}

void Anycast::apply_pending() {
    if (!pending_) return;
    std::optional<loader::AnycastConfig> next = std::move(*pending_);
    pending_.reset();
    if (same(config_, next)) return;  // a reload that left the section as it was
    const bool same_interface = config_ && next && config_->interface == next->interface;
    if (same_interface) {
        // Only the addresses no longer listed go; the others are refreshed as before.
        for (const auto& a : config_->addresses) {
            if (std::find(next->addresses.begin(), next->addresses.end(), a) != next->addresses.end()) continue;
            if (ifindex_ == 0 || sock_ == nullptr) continue;
            if (auto st = set_address(a, false); !st) note_error(st.error().to_string());
        }
    } else if (config_) {
        withdraw_all();
        remove_interface();
    }
    config_ = std::move(next);
    log::info("anycast: configuration changed", config_ ? log::kv("interface", config_->interface) + " " +
                                                              log::kv("addresses", joined(config_->addresses))
                                                        : log::kv("anycast", "none"));
}

void Anycast::announce(bool serving, const std::string& why) {
    std::lock_guard lock(mu_);
    if (stopped_) return;
    apply_pending();
    if (!config_) {
        if (announced_) change(false, "anycast removed from the configuration");
        return;
    }
    if (!serving) {
        if (!decided_ || announced_) withdraw_all();
        change(false, why);
        return;
    }
    size_t up = 0;
    std::string failure;
    if (ifindex_ == 0) {
        if (auto st = ensure_interface(); !st) failure = st.error().to_string();
    }
    if (ifindex_ != 0) {
        for (const auto& a : config_->addresses) {
            if (auto st = set_address(a, true); st) {
                ++up;
            } else {
                failure = st.error().to_string();
            }
        }
    }
    note_error(failure);
    change(up != 0, up != 0 ? why : failure);
}

void Anycast::keep_announcing(std::function<AnycastInputs()> inputs) {
    thread_ = std::thread([this, inputs = std::move(inputs)] {
        std::unique_lock lock(mu_);
        while (!stopped_) {
            const auto& c = pending_ ? *pending_ : config_;
            const uint32_t stale_limit = c ? c->stale_limit : 0;
            lock.unlock();
            const AnycastVerdict v = anycast_verdict(inputs(), unix_ms(), stale_limit);
            announce(v.serving, v.reason);
            lock.lock();
            cv_.wait_for(lock, std::chrono::seconds(1), [this] { return stopped_; });
        }
    });
}

void Anycast::reconfigure(std::optional<loader::AnycastConfig> config) {
    std::lock_guard lock(mu_);
    pending_ = std::move(config);
}

void Anycast::stop() {
    {
        std::lock_guard lock(mu_);
        if (stopped_) return;
        stopped_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
    std::lock_guard lock(mu_);
    pending_.reset();
    if (config_) {
        withdraw_all();
        if (announced_) change(false, "stopping");
        remove_interface();
    }
    if (sock_ != nullptr) {
        nl_socket_free(sock_);
        sock_ = nullptr;
    }
}

AnycastState Anycast::state() const {
    std::lock_guard lock(mu_);
    AnycastState s;
    s.configured = config_.has_value();
    s.announced = announced_;
    s.reason = reason_;
    s.since_ms = since_ms_;
    s.withdrawals = withdrawals_;
    s.error = error_;
    if (config_) {
        s.interface = config_->interface;
        s.addresses = config_->addresses;
    }
    return s;
}

}  // namespace fz::daemon
