"""Kernel-socket load test: dnsperf against fastzoned, Knot DNS and NSD.

Each server runs with one worker thread pinned to the last CPU; dnsperf runs pinned to
the other CPUs. Servers are measured in alternating rounds so that drift of this
machine's speed hits all of them alike; the table reports the median of the rounds and
the ratio of fastzone to each peer (ratios are what carry over between machines).
"""

import argparse
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FASTZONED = os.path.join(ROOT, "build", "src", "app", "fastzoned")


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def write_zone(path, names):
    with open(path, "w") as f:
        f.write("$ORIGIN example.com.\n$TTL 3600\n")
        f.write("@ SOA ns1 hostmaster 1 7200 3600 1209600 300\n@ NS ns1\nns1 A 192.0.2.53\n")
        for i in range(names):
            f.write(f"host-{i} A 10.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}\n")
            if i % 10 == 0:
                f.write(f"host-{i} AAAA 2001:db8::{i & 0xffff:x}\n")


def write_queries(path, names, count):
    # Mostly existing A names, some AAAA, some NXDOMAIN: a realistic authoritative mix.
    import random
    rnd = random.Random(7)
    with open(path, "w") as f:
        for _ in range(count):
            r = rnd.random()
            i = rnd.randrange(names)
            if r < 0.80:
                f.write(f"host-{i}.example.com A\n")
            elif r < 0.90:
                f.write(f"host-{i - i % 10}.example.com AAAA\n")
            else:
                f.write(f"nx-{i}.example.com A\n")


def wait_udp(port, timeout=15.0):
    """Waits until the server answers a query on 127.0.0.1:port."""
    q = bytes.fromhex("abcd01000001000000000000") + b"\x07example\x03com\x00\x00\x06\x00\x01"
    deadline = time.time() + timeout
    while time.time() < deadline:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.settimeout(0.2)
            try:
                s.sendto(q, ("127.0.0.1", port))
                data, _ = s.recvfrom(4096)
                if data[:2] == q[:2]:
                    return True
            except OSError:
                pass
        time.sleep(0.1)
    return False


class Server:
    def __init__(self, name, argv, port, workdir):
        self.name, self.argv, self.port, self.workdir = name, argv, port, workdir
        self.proc = None

    def start(self, cpu):
        log = open(os.path.join(self.workdir, self.name + ".log"), "w")
        self.proc = subprocess.Popen(["taskset", "-c", str(cpu)] + self.argv, stdout=log, stderr=log,
                                     start_new_session=True)
        if not wait_udp(self.port):
            self.stop()
            raise RuntimeError(f"{self.name} did not start; see {log.name}")

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None


def fastzone(workdir, zone, port):
    conf = os.path.join(workdir, "fastzone.yaml")
    with open(conf, "w") as f:
        f.write(f"server:\n  listen: [127.0.0.1@{port}]\n  workers: 1\n"
                f"zones:\n  - origin: example.com.\n    file: {zone}\n")
    return Server("fastzone", [FASTZONED, "-c", conf], port, workdir)


def knot(workdir, zone, port):
    conf = os.path.join(workdir, "knot.conf")
    rundir = os.path.join(workdir, "knot")
    os.makedirs(rundir, exist_ok=True)
    with open(conf, "w") as f:
        f.write(f"""server:
    rundir: "{rundir}"
    listen: 127.0.0.1@{port}
    udp-workers: 1
    tcp-workers: 1
    background-workers: 1
log:
  - target: stderr
    any: warning
database:
    storage: "{rundir}"
template:
  - id: default
    storage: "{os.path.dirname(zone)}"
    semantic-checks: off
    journal-content: none
    zonefile-sync: -1
zone:
  - domain: example.com.
    file: "{zone}"
""")
    return Server("knot", ["knotd", "-c", conf], port, workdir)


def nsd(workdir, zone, port):
    conf = os.path.join(workdir, "nsd.conf")
    with open(conf, "w") as f:
        # Debian's NSD has response rate limiting on by default: off for a benchmark.
        f.write(f"""server:
    ip-address: 127.0.0.1@{port}
    server-count: 1
    username: ""
    zonesdir: "{os.path.dirname(zone)}"
    database: ""
    zonelistfile: "{workdir}/nsd.zonelist"
    pidfile: "{workdir}/nsd.pid"
    xfrdfile: "{workdir}/nsd.xfrd"
    xfrdir: "{workdir}"
    logfile: "{workdir}/nsd.log"
    rrl-ratelimit: 0
    rrl-whitelist-ratelimit: 0
    verbosity: 0
remote-control:
    control-enable: no
zone:
    name: example.com.
    zonefile: "{zone}"
""")
    return Server("nsd", ["nsd", "-d", "-c", conf], port, workdir)


def dnsperf(port, queries, seconds, cpus):
    cmd = ["taskset", "-c", cpus, "dnsperf", "-s", "127.0.0.1", "-p", str(port), "-d", queries,
           "-l", str(seconds), "-c", "8", "-T", "1", "-q", "500", "-t", "2"]
    out = subprocess.run(cmd, capture_output=True, text=True, check=False).stdout
    qps = re.search(r"Queries per second:\s+([\d.]+)", out)
    lost = re.search(r"Queries lost:\s+(\d+)", out)
    lat = re.search(r"Average Latency \(s\):\s+([\d.]+)", out)
    if not qps:
        raise RuntimeError("dnsperf failed:\n" + out)
    return float(qps.group(1)), int(lost.group(1)) if lost else 0, float(lat.group(1)) if lat else 0.0


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--seconds", type=int, default=10)
    ap.add_argument("--names", type=int, default=10000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--peers", default="knot,nsd", help="comma list: knot,nsd")
    args = ap.parse_args()

    ncpu = os.cpu_count() or 1
    server_cpu = ncpu - 1
    client_cpus = "0" if ncpu <= 2 else f"0-{ncpu - 2}"
    workdir = tempfile.mkdtemp(prefix="fz-loadtest-")
    zone = os.path.join(workdir, "example.com.zone")
    queries = os.path.join(workdir, "queries.txt")
    write_zone(zone, args.names)
    write_queries(queries, args.names, 200000)
    makers = {"fastzone": fastzone, "knot": knot, "nsd": nsd}
    names = ["fastzone"] + [p for p in args.peers.split(",") if p]
    results = {n: [] for n in names}
    try:
        for r in range(args.rounds):
            for n in names:
                srv = makers[n](workdir, zone, free_port())
                srv.start(server_cpu)
                try:
                    qps, lost, lat = dnsperf(srv.port, queries, args.seconds, client_cpus)
                finally:
                    srv.stop()
                results[n].append((qps, lost, lat))
                print(f"round {r + 1}: {n:9s} {qps:12.0f} qps  lost {lost}  avg latency {lat * 1e6:.0f} us",
                      flush=True)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    print()
    print(f"{'server':10s} {'median qps':>12s} {'fastzone/x':>11s}")
    med = {n: statistics.median(q for q, _, _ in results[n]) for n in names}
    for n in names:
        ratio = med["fastzone"] / med[n] if med[n] else float("nan")
        print(f"{n:10s} {med[n]:12.0f} {ratio:11.2f}")
    print(f"\n(one server worker pinned to CPU {server_cpu}, dnsperf on CPU {client_cpus}, "
          f"{args.names} names, {args.seconds} s x {args.rounds} rounds)")


if __name__ == "__main__":
    sys.exit(main())
