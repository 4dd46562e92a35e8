"""AXFR out of one large zone, side by side: fastzoned, Knot DNS and NSD serve the same
zone of N A records (h<i> IN A ...), one after another in this one run, and one client
takes the whole zone from each over TCP.

The client is the same for every server and does little: it sends the AXFR query, then
reads the framed messages and adds up their ANCOUNT until the zone's last SOA has come;
it neither parses nor keeps the records, so that the figure is the server's. Each server
is asked `--rounds` times; the table gives the best and the median.

While one of fastzoned's transfers runs, a second client sends a UDP query every 10 ms
and records the slowest answer, and the server's RSS is sampled: a transfer must neither
stall query answering nor grow the server by the zone's size.

usage: transfer_speed.py FASTZONED [--records N] [--rounds R] [--no-peers]
"""

import argparse
import os
import shutil
import socket
import statistics
import struct
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tests", "support"))
from ports import free_port  # noqa: E402
from servers import Fastzoned, Knotd, Nsd, write_fastzone_conf, write_knot_conf, write_nsd_conf  # noqa: E402

ORIGIN = "bench.example."


def write_zone(path, records):
    with open(path, "w") as f:
        f.write(f"$ORIGIN {ORIGIN}\n$TTL 300\n@ SOA ns1 hostmaster 1 7200 3600 1209600 60\n@ NS ns1\n"
                "ns1 A 192.0.2.53\n")
        for i in range(records):
            f.write(f"h{i} A 10.{i >> 16 & 255}.{i >> 8 & 255}.{i & 255}\n")


def wire_name(name):
    out = b""
    for label in name.rstrip(".").split("."):
        out += bytes([len(label)]) + label.encode()
    return out + b"\0"


def axfr_query(qid):
    return struct.pack(">HHHHHH", qid, 0, 1, 0, 0, 0) + wire_name(ORIGIN) + struct.pack(">HH", 252, 1)


def recv_exact(sock, n):
    buf = bytearray()
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise ConnectionError("the server closed the connection mid-transfer")
        buf += chunk
    return bytes(buf)


def take_zone(port, expected):
    """Seconds to receive `expected` records by AXFR from 127.0.0.1@port, and bytes."""
    t0 = time.perf_counter()
    with socket.create_connection(("127.0.0.1", port), timeout=60) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
        q = axfr_query(0x4242)
        s.sendall(struct.pack(">H", len(q)) + q)
        records = 0
        size = 0
        while records < expected:
            (length,) = struct.unpack(">H", recv_exact(s, 2))
            msg = recv_exact(s, length)
            size += length + 2
            if msg[3] & 0x0F:
                raise RuntimeError(f"rcode {msg[3] & 0x0F}")
            records += struct.unpack(">H", msg[6:8])[0]
    return time.perf_counter() - t0, size


def rss_mb(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def query_prober(port, stop, slowest):
    """Sends a UDP SOA query every 10 ms until `stop`; records the slowest answer (ms)."""
    q = struct.pack(">HHHHHH", 7, 0, 1, 0, 0, 0) + wire_name(ORIGIN) + struct.pack(">HH", 6, 1)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(2)
        while not stop.is_set():
            t0 = time.perf_counter()
            try:
                s.sendto(q, ("127.0.0.1", port))
                s.recv(4096)
                slowest[0] = max(slowest[0], (time.perf_counter() - t0) * 1000)
            except socket.timeout:
                slowest[0] = max(slowest[0], 2000.0)
            slowest[1] += 1
            time.sleep(0.01)


def measure(name, server, port, expected, rounds, probe=False):
    times = []
    size = 0
    extra = ""
    for r in range(rounds):
        if probe and r == rounds - 1:
            stop, slowest = threading.Event(), [0.0, 0]
            before = rss_mb(server.pid)
            peak = [before]

            def sample():
                while not stop.is_set():
                    peak[0] = max(peak[0], rss_mb(server.pid))
                    time.sleep(0.005)

            threads = [threading.Thread(target=query_prober, args=(port, stop, slowest)),
                       threading.Thread(target=sample)]
            for t in threads:
                t.start()
            seconds, size = take_zone(port, expected)
            stop.set()
            for t in threads:
                t.join()
            extra = (f"; during the last transfer: {slowest[1]} UDP queries answered, slowest "
                     f"{slowest[0]:.1f} ms; RSS {before:.0f} MB before, {peak[0]:.0f} MB at most")
        else:
            seconds, size = take_zone(port, expected)
        times.append(seconds)
    best, median = min(times), statistics.median(times)
    print(f"{name:10s} best {best:.3f} s  median {median:.3f} s  ({expected / best / 1e6:.2f} M records/s, "
          f"{size / 1e6:.1f} MB){extra}", flush=True)
    return best, median


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("fastzoned")
    ap.add_argument("--records", type=int, default=1_000_000)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--no-peers", action="store_true")
    args = ap.parse_args()
    work = tempfile.mkdtemp(prefix="fz-xfr-speed-")
    expected = args.records + 4  # SOA, NS, ns1 A, the records, SOA
    results = {}
    try:
        zone = os.path.join(work, "bench.zone")
        write_zone(zone, args.records)
        print(f"zone: {args.records} A records ({expected} in the AXFR), {args.rounds} rounds each", flush=True)

        port = free_port()
        conf = write_fastzone_conf(work, port, [(ORIGIN, zone, ["acl: [local]"])],
                                   sections="acl:\n  - id: local\n    addresses: [127.0.0.0/8]\n"
                                            "    actions: [transfer]\n")
        fz = Fastzoned(args.fastzoned, conf, port)
        fz.start()
        try:
            fz.wait_ready(ORIGIN, timeout=600)
            results["fastzoned"] = measure("fastzoned", fz, port, expected, args.rounds, probe=True)
        finally:
            fz.stop()

        if not args.no_peers and shutil.which("knotd"):
            kwork = os.path.join(work, "knot")
            os.makedirs(kwork)
            port = free_port()
            kconf = write_knot_conf(kwork, port, [(ORIGIN, zone)],
                                    sections="acl:\n  - id: local\n    address: 127.0.0.1\n    action: transfer\n",
                                    zone_options=["acl: local"])
            knot = Knotd(kconf, port)
            knot.start()
            try:
                knot.wait_ready(ORIGIN, timeout=600)
                results["knotd"] = measure("knotd", knot, port, expected, args.rounds)
            finally:
                knot.stop()

        if not args.no_peers and shutil.which("nsd"):
            nwork = os.path.join(work, "nsd")
            os.makedirs(nwork)
            port = free_port()
            nconf = write_nsd_conf(nwork, port, [(ORIGIN, zone)], zone_options=["provide-xfr: 127.0.0.1 NOKEY"])
            nsd = Nsd(nconf, port)
            nsd.start()
            try:
                nsd.wait_ready(ORIGIN, timeout=600)
                results["nsd"] = measure("nsd", nsd, port, expected, args.rounds)
            finally:
                nsd.stop()

        if "fastzoned" in results:
            ours = results["fastzoned"][0]
            for peer in ("knotd", "nsd"):
                if peer in results:
                    print(f"fastzoned vs {peer}: {results[peer][0] / ours:.2f}x the records per second (best of each)")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
