// The polling lcore: its state (one cache-aligned struct per (port, RX queue)), the burst
// handler that answers in the received mbufs, and the loop. Everything here runs per
// packet: no locks, no system calls, no allocation, no exceptions, no logging.
#pragma once

#include <rte_branch_prediction.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_prefetch.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <span>

#include "engine/answer.h"
#include "engine/publisher.h"
#include "io/dpdk/counters.h"
#include "io/dpdk/packet.h"

namespace fz::io::dpdk {

inline constexpr uint16_t kBurst = 32;
inline constexpr uint16_t kNoPort = UINT16_MAX;
// The largest UDP response the configuration allows (server.udp_max_payload <= 4096).
inline constexpr size_t kMaxUdpResponse = 4096;

// Everything one polling lcore touches, handed to its loop (DPDK l3fwd's lcore_conf).
struct alignas(64) Lcore {
    // Set by the control plane before launch, read-only afterwards.
    uint16_t port_id = kNoPort;
    uint16_t queue_id = 0;
    uint16_t tap_id = kNoPort;         // exception port, kNoPort when there is none
    bool tx_checksum_offload = false;  // the port computes IPv4 and UDP checksums
    bool rx_checksum_offload = false;  // the port flags IPv4 header checksums
    bool ipv4_udp_checksum = true;     // false: IPv4 responses carry UDP checksum 0
    uint8_t mac[6] = {};
    AddressSet addresses;
    const engine::Publisher* publisher = nullptr;
    const std::atomic<bool>* stop = nullptr;

    // Written only by this lcore; the control plane reads them (see IoCounters).
    alignas(64) engine::Worker worker;
    IoCounters io;

    alignas(64) uint8_t query[engine::kMaxUdpQuery];  // the query being answered, out of the mbuf's way
};

// Mbufs waiting to be sent on one queue (a burst's worth at most).
struct TxBatch {
    rte_mbuf* pkts[kBurst];
    uint16_t count = 0;
};

// Sends `batch` on (port, queue) and frees what the queue had no room for; returns how
// many went out. Dropping beats waiting: a stalled TX queue must not stall RX.
inline uint16_t flush(TxBatch& batch, uint16_t port, uint16_t queue, IoCounters& io) {
    if (batch.count == 0) return 0;
    uint16_t sent = rte_eth_tx_burst(port, queue, batch.pkts, batch.count);
    if (unlikely(sent < batch.count)) {
        rte_pktmbuf_free_bulk(batch.pkts + sent, batch.count - sent);
        io.tx_dropped += batch.count - sent;
    }
    batch.count = 0;
    return sent;
}

// Answers one DNS query frame in its own mbuf. Returns false when nothing is to be sent.
inline bool answer_in_place(Lcore& lc, const engine::Snapshot& snap, rte_mbuf* m, uint8_t* f, const Frame& fr) {
    // Room after the DNS message's start in this mbuf; our pools leave enough for the
    // configured udp_max_payload, and answer() truncates (TC) to what it is given.
    size_t room = static_cast<size_t>(m->buf_len - m->data_off) - fr.payload;
    if (unlikely(room < 512)) {
        ++lc.io.too_big;
        return false;
    }
    engine::Peer peer = peer_of(f, fr);
    // answer() reads the query while it writes the response: move the (short) query
    // aside and let the response land straight in the mbuf.
    size_t n;
    if (likely(fr.payload_len <= sizeof(lc.query))) {
        copy_bytes(lc.query, f + fr.payload, fr.payload_len);
        n = engine::answer(snap, lc.query, fr.payload_len, peer, engine::Transport::kUdp, f + fr.payload,
                           std::min(room, kMaxUdpResponse), lc.worker);
    } else {
        // Longer than the sockets read too (our pools' mbufs hold less in one segment, and
        // chained frames go to the kernel): FORMERR from its first bytes, as there.
        copy_bytes(lc.query, f + fr.payload, sizeof(lc.query));
        n = engine::answer_oversized(snap, lc.query, sizeof(lc.query), peer, engine::Transport::kUdp, f + fr.payload,
                                     std::min(room, kMaxUdpResponse), lc.worker);
    }
    if (n == 0) return false;  // counted by answer()
    const bool no_udp4 = !lc.ipv4_udp_checksum && fr.family == 4;
    ChecksumMode mode = no_udp4                  ? ChecksumMode::kNoUdp4
                        : lc.tx_checksum_offload ? ChecksumMode::kOffload
                                                 : ChecksumMode::kSoftware;
    auto len = static_cast<uint16_t>(rewrite_udp_response(f, fr, lc.mac, n, mode));
    m->data_len = len;
    m->pkt_len = len;
    if (lc.tx_checksum_offload && !no_udp4) {
        m->l2_len = fr.l3;
        m->l3_len = static_cast<uint16_t>(fr.l4 - fr.l3);
        m->ol_flags = fr.family == 4 ? RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM | RTE_MBUF_F_TX_UDP_CKSUM
                                     : RTE_MBUF_F_TX_IPV6 | RTE_MBUF_F_TX_UDP_CKSUM;
    } else {
        m->ol_flags = 0;
    }
    ++lc.io.answered;
    return true;
}

// Handles one RX burst from the port: answers DNS, ARP and neighbour solicitations in the
// received mbufs (queued in `to_port`), queues the kernel's frames in `to_kernel` and
// frees the rest. `snap` must stay valid for the call (the caller is an online RCU
// reader). At most kBurst packets (what one rte_eth_rx_burst() here returns), and
// `to_port`/`to_kernel` empty: they hold one burst. Returns how many packets it handled:
// all of them.
inline size_t handle_burst(Lcore& lc, const engine::Snapshot& snap, std::span<rte_mbuf* const> pkts, TxBatch& to_port,
                           TxBatch& to_kernel) {
    lc.io.rx += pkts.size();
    Frame frames[kBurst];
    Verdict verdicts[kBurst];
    const size_t count = pkts.size();
    // Another core wrote these frames (the NIC's DMA, or the kernel's copy into the
    // AF_XDP ring on the core that received them): start loading the first two cache
    // lines of every frame (headers, then the question and EDNS) before reading any, so
    // the misses of a burst overlap. One frame ahead left the first read of each frame
    // waiting: perf put a third of the lcore loop's own time there under kxdpgun.
    for (size_t i = 0; i < count; ++i) {
        const auto* f = rte_pktmbuf_mtod(pkts[i], const uint8_t*);
        rte_prefetch0(f);
        rte_prefetch0(f + RTE_CACHE_LINE_SIZE);
    }
    for (size_t i = 0; i < count; ++i) {
        rte_mbuf* m = pkts[i];
        Frame& fr = frames[i];
        if (unlikely(m->nb_segs != 1)) {
            verdicts[i] = Verdict::kKernel;  // jumbo or scattered: never a DNS query of ours
        } else if (lc.rx_checksum_offload &&
                   unlikely((m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK) == RTE_MBUF_F_RX_IP_CKSUM_BAD)) {
            verdicts[i] = Verdict::kDrop;
            fr.drop = DropReason::kBadChecksum;
        } else {
            bool checked = lc.rx_checksum_offload &&
                           (m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK) == RTE_MBUF_F_RX_IP_CKSUM_GOOD;
            verdicts[i] = classify(rte_pktmbuf_mtod(m, const uint8_t*), m->data_len, lc.mac, lc.addresses, checked, fr);
        }
    }
    if (snap.prefetch_lookups) {
        // Zones larger than the caches: find every query's table slot first, then every
        // node, then answer. The misses of the whole burst overlap instead of queueing one
        // query after another (docs/performance.md has the figures).
        engine::LookupHint hints[kBurst];
        for (size_t i = 0; i < count; ++i) {
            if (verdicts[i] != Verdict::kDns) continue;
            const uint8_t* f = rte_pktmbuf_mtod(pkts[i], const uint8_t*);
            engine::prefetch_lookup(snap, f + frames[i].payload, frames[i].payload_len, hints[i]);
        }
        for (size_t i = 0; i < count; ++i) {
            if (verdicts[i] == Verdict::kDns) engine::prefetch_node(hints[i]);
        }
    }
    for (size_t i = 0; i < count; ++i) {
        rte_mbuf* m = pkts[i];
        auto* f = rte_pktmbuf_mtod(m, uint8_t*);
        const Frame& fr = frames[i];
        switch (verdicts[i]) {
            case Verdict::kDns:
                if (likely(answer_in_place(lc, snap, m, f, fr))) {
                    to_port.pkts[to_port.count++] = m;
                } else {
                    rte_pktmbuf_free(m);
                }
                break;
            case Verdict::kArpRequest:
                m->data_len = m->pkt_len = static_cast<uint16_t>(rewrite_arp_reply(f, fr, lc.mac));
                m->ol_flags = 0;
                to_port.pkts[to_port.count++] = m;
                ++lc.io.arp_replies;
                break;
            case Verdict::kNeighborSolicit:
                if (unlikely(static_cast<size_t>(m->buf_len - m->data_off) < fr.l4 + kNeighborAdvert)) {
                    ++lc.io.too_big;
                    rte_pktmbuf_free(m);
                    break;
                }
                m->data_len = m->pkt_len = static_cast<uint16_t>(rewrite_neighbor_advert(f, fr, lc.mac));
                m->ol_flags = 0;
                to_port.pkts[to_port.count++] = m;
                ++lc.io.nd_adverts;
                break;
            case Verdict::kKernel:
                if (lc.tap_id != kNoPort) {
                    to_kernel.pkts[to_kernel.count++] = m;
                    ++lc.io.to_kernel;
                } else {
                    ++lc.io.kernel_dropped;
                    rte_pktmbuf_free(m);
                }
                break;
            case Verdict::kDrop:
                ++lc.io.dropped[static_cast<size_t>(fr.drop)];
                rte_pktmbuf_free(m);
                break;
        }
    }
    return count;
}

// The lcore's loop, until *lc.stop: port RX → handle_burst → port TX and exception TX,
// then exception RX → port TX. Returns 0 (rte_eal_remote_launch's convention).
inline int run_lcore(Lcore& lc) {
    // RCU: this lcore reads snapshots; register it so publish() waits for it.
    engine::RcuReader rcu;
    rte_mbuf* rx[kBurst];
    TxBatch to_port;
    TxBatch to_kernel;
    // relaxed: the flag carries no data; rte_eal_wait_lcore() orders the shutdown.
    while (!lc.stop->load(std::memory_order_relaxed)) {
        uint16_t n = rte_eth_rx_burst(lc.port_id, lc.queue_id, rx, kBurst);
        if (n != 0) {
            // RCU: the pointer is used only until quiescent() below.
            const engine::Snapshot* snap = lc.publisher->current();
            handle_burst(lc, *snap, std::span<rte_mbuf* const>(rx, n), to_port, to_kernel);
            lc.io.tx += flush(to_port, lc.port_id, lc.queue_id, lc.io);
            if (to_kernel.count != 0) {
                uint16_t queued = to_kernel.count;
                uint16_t sent = rte_eth_tx_burst(lc.tap_id, lc.queue_id, to_kernel.pkts, queued);
                if (sent < queued) {
                    rte_pktmbuf_free_bulk(to_kernel.pkts + sent, queued - sent);
                    lc.io.kernel_dropped += queued - sent;
                    lc.io.to_kernel -= queued - sent;
                }
                to_kernel.count = 0;
            }
        }
        if (lc.tap_id != kNoPort) {
            // What the kernel sends (TCP answers, ping replies, its ARP) goes out unchanged.
            uint16_t k = rte_eth_rx_burst(lc.tap_id, lc.queue_id, rx, kBurst);
            if (k != 0) {
                lc.io.from_kernel += k;
                std::copy(rx, rx + k, to_port.pkts);
                to_port.count = k;
                lc.io.tx += flush(to_port, lc.port_id, lc.queue_id, lc.io);
            }
        }
        // RCU: between bursts this lcore holds no snapshot pointer (also on empty polls,
        // so that a publish() never waits on an idle lcore).
        rcu.quiescent();
    }
    // RCU: leaving for good; grace periods must stop waiting for this thread.
    rcu.offline();
    return 0;
}

}  // namespace fz::io::dpdk
