"""Shared helpers of the data-plane integration tests: network namespaces with veth pairs,
fastzoned on a data-plane configuration, frames and pcap files, the query set.

Every resource a test makes is registered with a Cleanup and removed on exit, also on
failure or Ctrl-C. Processes are only ever stopped by the PID they were started with.
Importing this module puts tests/support (ports, dnsio, servers, netns) on sys.path.
"""

import os
import signal
import socket
import struct
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
import netns  # noqa: E402
from servers import Fastzoned, remove_work_dir  # noqa: E402

SKIP = 77  # meson: the test was skipped

SOURCE_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def skip(reason):
    print(f"SKIP: {reason}")
    sys.exit(SKIP)


def fail(message):
    print(f"FAIL: {message}", flush=True)
    sys.exit(1)


def check(cond, message):
    """Fails with `message` unless `cond`; prints it as passed otherwise."""
    if not cond:
        fail(message)
    print(f"ok   {message}", flush=True)


def require_root():
    if os.geteuid() != 0:
        skip("needs root (network namespaces, DPDK vdevs)")


def run(*cmd, check=True, **kw):
    return subprocess.run(list(cmd), check=check, capture_output=True, text=True, **kw)


class Cleanup:
    """Runs registered undo steps in reverse order on exit, also when the test fails."""

    def __init__(self):
        self.steps = []

    def add(self, fn, *args):
        self.steps.append((fn, args))

    def __enter__(self):
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
        return self

    def __exit__(self, *exc):
        while self.steps:
            fn, args = self.steps.pop()
            try:
                fn(*args)
            except Exception as e:  # keep cleaning up
                print(f"cleanup: {fn.__name__}{args}: {e}")
        return False


# --- network namespaces ---------------------------------------------------------------

class Netns:
    """A namespace with a veth pair: host side `host_if` (for DPDK), namespace side
    `client_if` with the client addresses. Names are unique to this test run."""

    def __init__(self, cleanup, tag, v4="10.53.10", v6="fd53:10::", host_address=False):
        pid = os.getpid()
        self.name = f"fzt-{tag}-{pid}"
        self.host_if = f"fzh{tag[:3]}{pid % 100000}"
        self.client_if = f"fzc{tag[:3]}{pid % 100000}"
        self.client_v4, self.server_v4 = f"{v4}.1", f"{v4}.2"
        self.client_v6, self.server_v6 = f"{v6}1", f"{v6}2"
        env = dict(os.environ, FZ_NETNS=self.name, FZ_HOST_IF=self.host_if, FZ_CLIENT_IF=self.client_if,
                   FZ_CLIENT_V4=f"{self.client_v4}/24", FZ_CLIENT_V6=f"{self.client_v6}/64",
                   FZ_SERVER_V4=f"{self.server_v4}/24", FZ_SERVER_V6=f"{self.server_v6}/64")
        self.env = env
        script = os.path.join(SOURCE_ROOT, "scripts", "netns")
        cleanup.add(lambda: subprocess.run([script, "--delete"], env=env, capture_output=True))
        args = [script] + (["--host-address"] if host_address else [])
        r = subprocess.run(args, env=env, capture_output=True, text=True)
        if r.returncode != 0:
            fail(f"scripts/netns: {r.stderr}")

    def exec(self, *cmd, check=False, timeout=20):
        return subprocess.run(["ip", "netns", "exec", self.name, *cmd], capture_output=True, text=True,
                              check=check, timeout=timeout)

    def socket(self, family, kind):
        """A socket created inside the namespace."""
        try:
            return netns.socket_in(self.name, family, kind)
        except OSError as e:
            fail(str(e))


def link_flags(iface):
    out = run("ip", "-o", "link", "show", "dev", iface, check=False).stdout
    return out


def xdp_attached(iface):
    return " xdp" in link_flags(iface) or "xdpgeneric" in link_flags(iface)


# --- fastzoned ---------------------------------------------------------------------------

def start_fastzoned(cleanup, binary, config):
    """fastzoned on a data-plane configuration, stopped on cleanup; fails the test unless
    it logs 'dataplane running'."""
    server = Fastzoned(binary, config)
    cleanup.add(server.stop, 15)
    server.start()
    if not server.wait_for_log("dataplane running"):
        fail("fastzoned did not start:\n" + server.log_text())
    return server


def stop_fastzoned(server):
    """Stops fastzoned as a step of the test: it must exit with status 0 within 15 s of
    SIGTERM."""
    rc = server.stop(15)
    if server.killed:
        fail("fastzoned did not stop within 15 s of SIGTERM")
    if rc != 0:
        fail(f"fastzoned exited {rc}:\n{server.log_text()}")


def temp_dir(cleanup):
    d = tempfile.mkdtemp(prefix="fz-it-")
    cleanup.add(remove_work_dir, d)
    return d


# A zone with everything the query set needs: the example zone plus records big enough
# to truncate (TC) without EDNS, and with EDNS at 1232.
ZONE = open(os.path.join(SOURCE_ROOT, "config", "zones", "example.com.zone")).read() + "".join(
    [f'big     IN TXT "{"b" * 200} {i}"\n' for i in range(4)] +
    [f'huge    IN TXT "{"h" * 250} {i}"\n' for i in range(8)])


def write_zone(directory):
    path = os.path.join(directory, "example.com.zone")
    with open(path, "w") as f:
        f.write(ZONE)
    return path


# --- DNS ---------------------------------------------------------------------------------

def query_set():
    """(name, wire) pairs: mixed case, EDNS, NXDOMAIN, CNAME, wildcard, referral, TC."""
    import dns.flags
    import dns.message
    import dns.rdatatype
    out = []

    def q(label, name, rdtype, edns=-1, payload=1232, qid=None, do=False):
        m = dns.message.make_query(name, rdtype, use_edns=edns, payload=payload,
                                   want_dnssec=do)
        m.flags &= ~dns.flags.RD
        m.id = qid if qid is not None else (len(out) * 7919 + 1) & 0xFFFF
        out.append((label, m.to_wire()))

    q("A", "www.example.com.", "A")
    q("mixed case", "WwW.ExAmPlE.cOm.", "A")
    q("AAAA+EDNS", "www.example.com.", "AAAA", edns=0)
    q("SOA", "example.com.", "SOA")
    q("NS", "example.com.", "NS", edns=0)
    q("MX", "example.com.", "MX")
    q("NXDOMAIN", "nothere.example.com.", "A")
    q("NXDOMAIN+EDNS", "NoThere.example.com.", "A", edns=0)
    q("NODATA", "www.example.com.", "MX")
    q("CNAME", "blog.example.com.", "A")
    q("CNAME out of zone", "shop.example.com.", "A", edns=0)
    q("wildcard", "x.apps.example.com.", "A")
    q("wildcard mixed case", "Deep.X.Apps.Example.COM.", "A", edns=0)
    q("referral", "host.sub.example.com.", "A")
    q("referral+EDNS", "sub.example.com.", "NS", edns=0)
    q("SRV", "_sip._udp.example.com.", "SRV")
    q("TC without EDNS", "big.example.com.", "TXT")
    q("fits with EDNS", "big.example.com.", "TXT", edns=0)
    q("TC with EDNS 1232", "huge.example.com.", "TXT", edns=0)
    q("EDNS 512", "big.example.com.", "TXT", edns=0, payload=512)
    q("DO bit", "www.example.com.", "A", edns=0, do=True)
    q("REFUSED (not our zone)", "example.org.", "A")
    q("ANY", "example.com.", "ANY")
    return out


# --- frames and pcap files ---------------------------------------------------------------

def checksum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def mac_bytes(text):
    return bytes(int(x, 16) for x in text.split(":"))


def ipv4_header(src, dst, proto, payload_len, ident=0x1234, flags_frag=0, ttl=64, options=b""):
    ihl = 5 + len(options) // 4
    h = struct.pack("!BBHHHBBH4s4s", 0x40 | ihl, 0, ihl * 4 + payload_len, ident, flags_frag, ttl, proto, 0,
                    socket.inet_pton(socket.AF_INET, src), socket.inet_pton(socket.AF_INET, dst)) + options
    c = checksum(h)
    return h[:10] + struct.pack("!H", c) + h[12:]


def udp_datagram(src, dst, sport, dport, payload, family):
    length = 8 + len(payload)
    if family == 4:
        pseudo = socket.inet_pton(socket.AF_INET, src) + socket.inet_pton(socket.AF_INET, dst) + \
            struct.pack("!BBH", 0, 17, length)
    else:
        pseudo = socket.inet_pton(socket.AF_INET6, src) + socket.inet_pton(socket.AF_INET6, dst) + \
            struct.pack("!I3xB", length, 17)
    h = struct.pack("!HHHH", sport, dport, length, 0)
    c = checksum(pseudo + h + payload) or 0xFFFF
    return struct.pack("!HHHH", sport, dport, length, c) + payload


def ethernet(dst_mac, src_mac, ethertype, payload, vlan=None):
    head = mac_bytes(dst_mac) + mac_bytes(src_mac)
    if vlan is not None:
        head += struct.pack("!HH", 0x8100, vlan)
    return head + struct.pack("!H", ethertype) + payload


def udp4_frame(dst_mac, src_mac, src, dst, sport, dport, payload, vlan=None, **ip):
    udp = udp_datagram(src, dst, sport, dport, payload, 4)
    return ethernet(dst_mac, src_mac, 0x0800, ipv4_header(src, dst, 17, len(udp), **ip) + udp, vlan)


def udp6_frame(dst_mac, src_mac, src, dst, sport, dport, payload, vlan=None):
    udp = udp_datagram(src, dst, sport, dport, payload, 6)
    ip = struct.pack("!IHBB16s16s", 0x60000000, len(udp), 17, 64, socket.inet_pton(socket.AF_INET6, src),
                     socket.inet_pton(socket.AF_INET6, dst))
    return ethernet(dst_mac, src_mac, 0x86DD, ip + udp, vlan)


def arp_request(src_mac, sender_ip, target_ip):
    body = struct.pack("!HHBBH6s4s6s4s", 1, 0x0800, 6, 4, 1, mac_bytes(src_mac),
                       socket.inet_pton(socket.AF_INET, sender_ip), b"\0" * 6,
                       socket.inet_pton(socket.AF_INET, target_ip))
    return ethernet("ff:ff:ff:ff:ff:ff", src_mac, 0x0806, body)


def neighbor_solicit(src_mac, src_ip, target_ip):
    target = socket.inet_pton(socket.AF_INET6, target_ip)
    dst = bytes.fromhex("ff0200000000000000000001ff") + target[13:]
    icmp = struct.pack("!BBHI16s", 135, 0, 0, 0, target) + struct.pack("!BB6s", 1, 1, mac_bytes(src_mac))
    src = socket.inet_pton(socket.AF_INET6, src_ip)
    pseudo = src + dst + struct.pack("!I3xB", len(icmp), 58)
    c = checksum(pseudo + icmp)
    icmp = icmp[:2] + struct.pack("!H", c) + icmp[4:]
    ip = struct.pack("!IHBB16s16s", 0x60000000, len(icmp), 58, 255, src, dst)
    dst_mac = "33:33:" + ":".join(f"{b:02x}" for b in dst[12:])
    return ethernet(dst_mac, src_mac, 0x86DD, ip + icmp)


def write_pcap(path, frames):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for i, frame in enumerate(frames):
            f.write(struct.pack("<IIII", 1_700_000_000, i, len(frame), len(frame)) + frame)


def read_pcap(path):
    with open(path, "rb") as f:
        data = f.read()
    magic = struct.unpack("<I", data[:4])[0]
    endian = "<" if magic in (0xA1B2C3D4, 0xA1B23C4D) else ">"
    frames, off = [], 24
    while off + 16 <= len(data):
        _, _, incl, _ = struct.unpack(endian + "IIII", data[off:off + 16])
        frames.append(data[off + 16:off + 16 + incl])
        off += 16 + incl
    return frames
