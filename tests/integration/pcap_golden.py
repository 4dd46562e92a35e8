"""Golden test of the data plane on DPDK's net_pcap: a capture of crafted frames in
(DNS over IPv4 and IPv6, 802.1Q, ARP, neighbour solicitation, and frames that must be
dropped or left to the kernel), a capture of responses out; every response is checked:
Ethernet and IP addresses, ports, lengths, IPv4 header and UDP checksums, and the DNS
content parsed with dnspython against what the socket path answers for the same query.

Usage: pcap_golden.py FASTZONED
"""

import os
import socket
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fztest as t  # noqa: E402  (also puts tests/support on sys.path)
from dnsio import udp_exchange  # noqa: E402
from ports import free_port  # noqa: E402
from servers import write_fastzone_conf  # noqa: E402

PORT_MAC = "02:70:63:61:70:00"  # net_pcap's first port
CLIENT_MAC = "02:00:00:00:53:01"
SERVER_V4, CLIENT_V4 = "10.53.2.2", "10.53.2.1"
SERVER_V6, CLIENT_V6 = "fd53:2::2", "fd53:2::1"


def check_ipv4_udp(frame, l3, expect_src, expect_dst, sport, dport):
    ip = frame[l3:l3 + 20]
    if ip[0] != 0x45:
        t.fail(f"IPv4 version/IHL {ip[0]:#x}")
    if t.checksum(ip) != 0:
        t.fail("IPv4 header checksum wrong")
    total = struct.unpack("!H", ip[2:4])[0]
    src, dst = socket.inet_ntop(socket.AF_INET, ip[12:16]), socket.inet_ntop(socket.AF_INET, ip[16:20])
    if (src, dst) != (expect_src, expect_dst):
        t.fail(f"IPv4 addresses {src} -> {dst}")
    udp = frame[l3 + 20:l3 + total]
    if len(frame) < l3 + total:
        t.fail("frame shorter than its IPv4 total length")
    pseudo = ip[12:20] + struct.pack("!BBH", 0, 17, len(udp))
    return check_udp(udp, pseudo, sport, dport)


def check_ipv6_udp(frame, l3, expect_src, expect_dst, sport, dport):
    ip = frame[l3:l3 + 40]
    if ip[0] >> 4 != 6 or ip[6] != 17:
        t.fail("not IPv6/UDP")
    plen = struct.unpack("!H", ip[4:6])[0]
    src, dst = socket.inet_ntop(socket.AF_INET6, ip[8:24]), socket.inet_ntop(socket.AF_INET6, ip[24:40])
    if (src, dst) != (expect_src, expect_dst):
        t.fail(f"IPv6 addresses {src} -> {dst}")
    udp = frame[l3 + 40:l3 + 40 + plen]
    pseudo = ip[8:40] + struct.pack("!I3xB", len(udp), 17)
    return check_udp(udp, pseudo, sport, dport)


def check_udp(udp, pseudo, sport, dport):
    s, d, length, csum = struct.unpack("!HHHH", udp[:8])
    if (s, d) != (sport, dport):
        t.fail(f"UDP ports {s} -> {d}, expected {sport} -> {dport}")
    if length != len(udp):
        t.fail(f"UDP length {length} != {len(udp)}")
    if csum == 0 or t.checksum(pseudo + udp) != 0:
        t.fail(f"UDP checksum wrong ({csum:#06x})")
    return udp[8:]


def main():
    t.require_root()
    fastzoned = os.path.abspath(sys.argv[1])
    import dns.message
    import dns.rcode

    with t.Cleanup() as cleanup:
        work = t.temp_dir(cleanup)
        t.write_zone(work)
        sock_port = free_port()
        queries = t.query_set()

        frames, expected = [], []  # expected: (kind, details) per response, in order
        for i, (label, wire) in enumerate(queries):
            sport = 40000 + i
            if i % 3 == 0:
                frames.append(t.udp6_frame(PORT_MAC, CLIENT_MAC, CLIENT_V6, SERVER_V6, sport, 53, wire))
                expected.append(("dns6", label, wire, sport, None))
            elif i % 3 == 1:
                frames.append(t.udp4_frame(PORT_MAC, CLIENT_MAC, CLIENT_V4, SERVER_V4, sport, 53, wire))
                expected.append(("dns4", label, wire, sport, None))
            else:
                frames.append(t.udp4_frame(PORT_MAC, CLIENT_MAC, CLIENT_V4, SERVER_V4, sport, 53, wire, vlan=42))
                expected.append(("dns4", label + " (802.1Q)", wire, sport, 42))
        a_query = queries[0][1]
        # Broadcast destination MAC: answered, from our MAC.
        frames.append(t.udp4_frame("ff:ff:ff:ff:ff:ff", CLIENT_MAC, CLIENT_V4, SERVER_V4, 39999, 53, a_query))
        expected.append(("dns4", "to broadcast MAC", a_query, 39999, None))
        frames.append(t.arp_request(CLIENT_MAC, CLIENT_V4, SERVER_V4))
        expected.append(("arp",))
        frames.append(t.neighbor_solicit(CLIENT_MAC, CLIENT_V6, SERVER_V6))
        expected.append(("na",))

        # Never answered: each must be dropped or left to the (absent) kernel.
        good = t.udp4_frame(PORT_MAC, CLIENT_MAC, CLIENT_V4, SERVER_V4, 5353, 53, a_query)
        bad_ip_sum = bytearray(good)
        bad_ip_sum[24] ^= 0xFF
        silent = [
            ("truncated IPv4", good[:30]),
            ("truncated UDP payload length", good[:-5]),
            ("bad IPv4 header checksum", bytes(bad_ip_sum)),
            ("IPv4 options", t.udp4_frame(PORT_MAC, CLIENT_MAC, CLIENT_V4, SERVER_V4, 5353, 53, a_query,
                                          options=b"\x01\x01\x01\x00")),
            ("IPv4 fragment", t.udp4_frame(PORT_MAC, CLIENT_MAC, CLIENT_V4, SERVER_V4, 5353, 53, a_query,
                                           flags_frag=0x2000)),
            ("other port", t.udp4_frame(PORT_MAC, CLIENT_MAC, CLIENT_V4, SERVER_V4, 5353, 5353, a_query)),
            ("other address", t.udp4_frame(PORT_MAC, CLIENT_MAC, CLIENT_V4, "10.53.2.3", 5353, 53, a_query)),
            ("other MAC", t.udp4_frame("02:00:00:00:00:99", CLIENT_MAC, CLIENT_V4, SERVER_V4, 5353, 53, a_query)),
            ("source port 0", t.udp4_frame(PORT_MAC, CLIENT_MAC, CLIENT_V4, SERVER_V4, 0, 53, a_query)),
            ("multicast source", t.udp4_frame(PORT_MAC, CLIENT_MAC, "224.0.0.1", SERVER_V4, 5353, 53, a_query)),
            ("ARP for another host", t.arp_request(CLIENT_MAC, CLIENT_V4, "10.53.2.9")),
            ("NS for another host", t.neighbor_solicit(CLIENT_MAC, CLIENT_V6, "fd53:2::9")),
            ("DNS response (QR=1)", t.udp4_frame(PORT_MAC, CLIENT_MAC, CLIENT_V4, SERVER_V4, 5353, 53,
                                                 a_query[:2] + bytes([a_query[2] | 0x80]) + a_query[3:])),
            ("short DNS header", t.udp4_frame(PORT_MAC, CLIENT_MAC, CLIENT_V4, SERVER_V4, 5353, 53, b"\x12\x34")),
            ("runt frame", b"\x02\x70\x63"),
        ]
        # Interleave them with the answered frames.
        mixed = []
        for i, f in enumerate(frames):
            mixed.append(f)
            if i < len(silent):
                mixed.append(silent[i][1])
        t.write_pcap(os.path.join(work, "queries.pcap"), mixed)

        config = write_fastzone_conf(work, sock_port, [("example.com.", "example.com.zone")], name="pcap.yaml",
                                     sections=f"""dataplane:
  eal: [--no-pci, --no-huge, -m, "256", "--vdev=net_pcap0,rx_pcap=queries.pcap,tx_pcap=responses.pcap"]
  ports:
    - device: net_pcap0
      addresses: [{SERVER_V4}/24, "{SERVER_V6}/64"]
  exception_path: none
""")
        server = t.start_fastzoned(cleanup, fastzoned, config)
        # The socket path's answers are the reference for the DNS content.
        ref = {}
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        for label, wire in queries:
            r = udp_exchange(s, ("127.0.0.1", sock_port), wire)
            if r is None:
                t.fail(f"{label}: no answer on the socket path")
            ref[wire] = r
        s.close()
        # net_pcap reads the whole file in the first polls; leave it a moment.
        import time
        time.sleep(1.0)
        t.stop_fastzoned(server)
        counters = server.dataplane_counters()
        out = t.read_pcap(os.path.join(work, "responses.pcap"))

        if len(out) != len(expected):
            t.fail(f"{len(out)} frames out for {len(expected)} expected; counters: {counters}")
        checked = 0
        for frame, exp in zip(out, expected):
            if frame[0:6] != t.mac_bytes(CLIENT_MAC) or frame[6:12] != t.mac_bytes(PORT_MAC):
                if not (exp[0] == "na" and frame[0:6] == t.mac_bytes(CLIENT_MAC)):
                    t.fail(f"{exp}: Ethernet {frame[:12].hex()}")
            kind = exp[0]
            if kind in ("dns4", "dns6"):
                _, label, wire, sport, vlan = exp
                l3 = 14
                ethertype = struct.unpack("!H", frame[12:14])[0]
                if vlan is not None:
                    if ethertype != 0x8100 or struct.unpack("!H", frame[14:16])[0] != vlan:
                        t.fail(f"{label}: VLAN tag not kept")
                    ethertype = struct.unpack("!H", frame[16:18])[0]
                    l3 = 18
                if kind == "dns4":
                    if ethertype != 0x0800:
                        t.fail(f"{label}: ethertype {ethertype:#x}")
                    payload = check_ipv4_udp(frame, l3, SERVER_V4, CLIENT_V4, 53, sport)
                else:
                    if ethertype != 0x86DD:
                        t.fail(f"{label}: ethertype {ethertype:#x}")
                    payload = check_ipv6_udp(frame, l3, SERVER_V6, CLIENT_V6, 53, sport)
                if payload != ref[wire]:
                    t.fail(f"{label}: differs from the socket path\n  dp:  {payload.hex()}\n  ref: {ref[wire].hex()}")
                msg = dns.message.from_wire(payload)
                qmsg = dns.message.from_wire(wire)
                if msg.id != qmsg.id or not msg.flags & 0x8000:
                    t.fail(f"{label}: not the response to the query")
                print(f"ok  {label:32} {dns.rcode.to_text(msg.rcode()):9} {len(payload)} bytes"
                      f"{' TC' if msg.flags & 0x0200 else ''}")
            elif kind == "arp":
                body = frame[14:42]
                op = struct.unpack("!H", body[6:8])[0]
                if struct.unpack("!H", frame[12:14])[0] != 0x0806 or op != 2:
                    t.fail("ARP: not a reply")
                if body[8:14] != t.mac_bytes(PORT_MAC) or socket.inet_ntoa(body[14:18]) != SERVER_V4:
                    t.fail("ARP: wrong sender")
                if body[18:24] != t.mac_bytes(CLIENT_MAC) or socket.inet_ntoa(body[24:28]) != CLIENT_V4:
                    t.fail("ARP: wrong target")
                print("ok  ARP reply")
            elif kind == "na":
                ip = frame[14:54]
                icmp = frame[54:54 + struct.unpack("!H", ip[4:6])[0]]
                if ip[6] != 58 or ip[7] != 255 or icmp[0] != 136:
                    t.fail("NA: not a neighbour advertisement with hop limit 255")
                pseudo = ip[8:40] + struct.pack("!I3xB", len(icmp), 58)
                if t.checksum(pseudo + icmp) != 0:
                    t.fail("NA: ICMPv6 checksum wrong")
                if socket.inet_ntop(socket.AF_INET6, icmp[8:24]) != SERVER_V6 or \
                        socket.inet_ntop(socket.AF_INET6, ip[8:24]) != SERVER_V6:
                    t.fail("NA: wrong target/source")
                if socket.inet_ntop(socket.AF_INET6, ip[24:40]) != CLIENT_V6 or icmp[4] & 0x40 == 0:
                    t.fail("NA: not solicited, or not to the soliciting node")
                if icmp[24:26] != b"\x02\x01" or icmp[26:32] != t.mac_bytes(PORT_MAC):
                    t.fail("NA: no target link-layer address option with our MAC")
                print("ok  neighbour advertisement")
            checked += 1

        drops = sum(v for k, v in counters.items() if k.startswith("dropped_"))
        print(f"counters: {counters}")
        if counters.get("rx") != len(mixed):
            t.fail(f"rx={counters.get('rx')} for {len(mixed)} frames in")
        # Left to the kernel (none here): options, fragment, other port/address, ARP/NS for others.
        if counters.get("kernel_dropped") != 6 or drops != 7:
            t.fail(f"expected 6 frames for the kernel and 7 dropped, got {counters.get('kernel_dropped')} and {drops}")
        print(f"{checked} passed, 0 failed")


if __name__ == "__main__":
    main()
