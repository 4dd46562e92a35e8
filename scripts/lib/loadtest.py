"""Kernel-socket load test: dnsperf against fastzoned, Knot DNS and NSD.

Each server runs with one worker thread pinned to the last CPU; dnsperf runs pinned to
the other CPUs. Servers are measured in alternating rounds so that drift of this
machine's speed hits all of them alike; the table reports the median of the rounds and
the ratio of fastzone to each peer (ratios are what carry over between machines).

While dnsperf saturates a server, a probe sends 1,000 queries a second on its own socket
and times each answer: the latency percentiles under load. The results are also drawn
(gnuplot) into a PNG: replies per second over time, and latency percentiles.

With --dnssec (or --dnssec=nsec3) the zone is signed by dnssec-signzone first, and every
server is measured twice: dnsperf -e (EDNS, DO clear) and dnsperf -D (DO set), so that
each server's DO rate reads against its own DO=0 rate on the same signed zone.
"""

import argparse
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

from cpuset import CpuSet

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tests", "support"))
from dnsio import query_wire, udp_exchange  # noqa: E402
from ports import free_port  # noqa: E402
from servers import Fastzoned, Knotd, Nsd, write_fastzone_conf, write_knot_conf, write_nsd_conf  # noqa: E402

FASTZONED = os.path.join(ROOT, "build", "src", "app", "fastzoned")


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


CPUSET = None


def fastzone(workdir, zone, port):
    conf = write_fastzone_conf(workdir, port, [("example.com.", zone)])
    return Fastzoned(FASTZONED, conf, port, new_session=True)


def knot(workdir, zone, port):
    conf = write_knot_conf(workdir, port, [("example.com.", zone)], template_options=["semantic-checks: off"],
                           zone_dir=os.path.dirname(zone))
    return Knotd(conf, port, new_session=True)


def nsd(workdir, zone, port):
    conf = write_nsd_conf(workdir, port, [("example.com.", zone)], zone_dir=os.path.dirname(zone))
    return Nsd(conf, port, new_session=True)


def sign(zone, nsec3):
    """Signs `zone` in place (KSK + ZSK, ECDSAP256SHA256) with dnssec-signzone."""
    keys = zone + ".keys"
    os.makedirs(keys)
    for extra in (["-f", "KSK"], []):
        subprocess.run(["dnssec-keygen", "-q", "-K", keys, "-a", "13", *extra, "example.com."], check=True,
                       capture_output=True)
    subprocess.run(["dnssec-signzone", "-q", "-S", "-K", keys, "-d", keys, "-o", "example.com.", "-e", "+30d",
                    *(["-3", "-"] if nsec3 else []), "-f", zone + ".signed", zone], check=True, capture_output=True)
    os.replace(zone + ".signed", zone)


def dnsperf(port, queries, seconds, cpus, edns=None):
    """Returns (qps, lost, average latency, [per-second qps]). edns: None, "-e" or "-D"."""
    cmd = ["taskset", "-c", cpus, "dnsperf", "-s", "127.0.0.1", "-p", str(port), "-d", queries,
           "-l", str(seconds), "-c", "8", "-T", "1", "-q", "500", "-t", "2", "-S", "1"] + ([edns] if edns else [])
    out = subprocess.run(cmd, capture_output=True, text=True, check=False).stdout
    qps = re.search(r"Queries per second:\s+([\d.]+)", out)
    lost = re.search(r"Queries lost:\s+(\d+)", out)
    lat = re.search(r"Average Latency \(s\):\s+([\d.]+)", out)
    if not qps:
        raise RuntimeError("dnsperf failed:\n" + out)
    series = [float(v) for v in re.findall(r"^\d+\.\d+: ([\d.]+)$", out, re.M)]
    return (float(qps.group(1)), int(lost.group(1)) if lost else 0, float(lat.group(1)) if lat else 0.0,
            [v for v in series if v > 1])


def latency_probe(port, seconds, rate, stop):
    """Sends `rate` queries a second for `seconds` and returns the answer times (s)."""
    rtts = []
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        interval = 1.0 / rate
        t_next = time.perf_counter()
        end = t_next + seconds
        qid = 0
        while not stop.is_set() and time.perf_counter() < end:
            qid = (qid + 1) & 0xFFFF
            q = query_wire("host-1.example.com.", 1, qid, rd=True)
            t0 = time.perf_counter()
            try:
                if udp_exchange(s, ("127.0.0.1", port), q, timeout=0.5, tries=1) is not None:
                    rtts.append(time.perf_counter() - t0)
            except OSError:
                pass  # a lost probe: not a latency
            t_next += interval
            delay = t_next - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
    return rtts


def cpu_seconds(pid):
    """User + system CPU time of a process and its live descendants (NSD serves from a
    process forked by its reload process, a grandchild of the one started), all threads,
    in seconds."""
    total = 0
    children = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    children.setdefault(int(f.read().rsplit(")", 1)[1].split()[1]), []).append(int(entry))
            except (OSError, ValueError, IndexError):
                pass
    pids = [pid]
    for p in pids:  # grows while walking: breadth first over the process tree
        pids.extend(children.get(p, []))
    for p in pids:
        try:
            with open(f"/proc/{p}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        except OSError:
            pass
    return total / os.sysconf("SC_CLK_TCK")


def percentile(values, p):
    if not values:
        return float("nan")
    v = sorted(values)
    return v[min(len(v) - 1, int(round(p / 100.0 * (len(v) - 1))))]


def plot(png, names, series, lat, title):
    """Replies per second over time (every round) and latency percentiles, side by side."""
    if not shutil.which("gnuplot"):
        print("gnuplot not installed: no picture")
        return
    work = tempfile.mkdtemp(prefix="fz-plot-")
    try:
        for n in names:
            with open(os.path.join(work, f"{n}.qps"), "w") as f:
                t = 0
                for v in series[n]:
                    t += 1
                    f.write(f"{t} {v}\n")
        with open(os.path.join(work, "lat.dat"), "w") as f:
            f.write("server p50 p90 p99 p99.9\n")
            for n in names:
                f.write(n + " " + " ".join(f"{percentile(lat[n], p) * 1e6:.1f}" for p in (50, 90, 99, 99.9)) + "\n")
        lines = ", ".join(f"'{work}/{n}.qps' using 1:2 with linespoints title '{n}'" for n in names)
        script = f"""set terminal pngcairo size 1400,520 font 'sans,11'
set output '{png}'
set multiplot layout 1,2 title '{title}'
set title 'replies per second (dnsperf, one server worker, seconds of every round)'
set xlabel 'second of the run'
set ylabel 'replies / s'
set yrange [0:*]
set grid
plot {lines}
set title 'latency under load (probe at 1,000 q/s beside dnsperf)'
set xlabel ''
set ylabel 'microseconds'
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set boxwidth 0.9
set key top left
set yrange [0:*]
plot for [col=2:5] '{work}/lat.dat' using col:xtic(1) title columnheader(col)
unset multiplot
"""
        subprocess.run(["gnuplot"], input=script, text=True, check=True)
        print(f"picture: {png}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--seconds", type=int, default=10)
    ap.add_argument("--names", type=int, default=10000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--peers", default="knot,nsd", help="comma list: knot,nsd")
    ap.add_argument("--png", default=os.path.join(ROOT, "build", "loadtest.png"), help="where to draw the results")
    ap.add_argument("--dnssec", nargs="?", const="nsec", choices=["nsec", "nsec3"],
                    help="sign the zone; measure each server with DO clear and with DO set")
    args = ap.parse_args()

    ncpu = os.cpu_count() or 1
    server_cpu = ncpu - 1
    client_cpus = "0" if ncpu <= 2 else f"0-{ncpu - 2}"
    # This script (and its latency probe) stays off the server's CPU too.
    os.sched_setaffinity(0, set(range(max(1, ncpu - 1))))
    global CPUSET
    CPUSET = CpuSet(server_cpu)
    workdir = tempfile.mkdtemp(prefix="fz-loadtest-")
    zone = os.path.join(workdir, "example.com.zone")
    queries = os.path.join(workdir, "queries.txt")
    write_zone(zone, args.names)
    if args.dnssec:
        sign(zone, args.dnssec == "nsec3")
    write_queries(queries, args.names, 200000)
    makers = {"fastzone": fastzone, "knot": knot, "nsd": nsd}
    names = ["fastzone"] + [p for p in args.peers.split(",") if p]
    edns = {n: None for n in names}
    if args.dnssec:
        # Each server twice: "<name>" with EDNS and DO clear, "<name>+do" with DO set.
        names = [f"{n}{suffix}" for n in names for suffix in ("", "+do")]
        edns = {n: "-D" if n.endswith("+do") else "-e" for n in names}
    results = {n: [] for n in names}
    series = {n: [] for n in names}
    lat = {n: [] for n in names}
    try:
        for r in range(args.rounds):
            for n in names:
                srv = makers[n.removesuffix("+do")](workdir, zone, free_port())
                srv.start(wrap=lambda argv: CPUSET.argv(server_cpu, argv))
                srv.wait_ready("example.com.", timeout=15)
                stop = threading.Event()
                probe_out = []
                probe = threading.Thread(target=lambda: probe_out.extend(
                    latency_probe(srv.port, max(1, args.seconds - 2), 1000, stop)))
                try:
                    probe.start()
                    cpu0 = cpu_seconds(srv.pid)
                    qps, lost, avg, per_second = dnsperf(srv.port, queries, args.seconds, client_cpus, edns[n])
                    cpu = cpu_seconds(srv.pid) - cpu0
                finally:
                    stop.set()
                    probe.join()
                    srv.stop()
                # Queries answered per second of server CPU: the server's efficiency, even
                # when one dnsperf core, not the server, limits the rate.
                per_cpu = qps * args.seconds / cpu if cpu > 0 else float("nan")
                results[n].append((qps, lost, avg, per_cpu))
                series[n].extend(per_second)
                lat[n].extend(probe_out)
                print(f"round {r + 1}: {n:9s} {qps:12.0f} qps  {per_cpu:10.0f} q/CPU-s  lost {lost}  avg latency {avg * 1e6:.0f} us  "
                      f"probe p50 {percentile(probe_out, 50) * 1e6:.0f} us p99 {percentile(probe_out, 99) * 1e6:.0f} us",
                      flush=True)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
        CPUSET.remove()

    print()
    print(f"{'server':10s} {'median qps':>12s} {'fastzone/x':>11s} {'q/CPU-s':>10s} {'fastzone/x':>11s} "
          f"{'p50 us':>8s} {'p99 us':>8s}")
    med = {n: statistics.median(r[0] for r in results[n]) for n in names}
    eff = {n: statistics.median(r[3] for r in results[n]) for n in names}
    for n in names:
        ratio = med["fastzone"] / med[n] if med[n] else float("nan")
        eratio = eff["fastzone"] / eff[n] if eff[n] else float("nan")
        print(f"{n:10s} {med[n]:12.0f} {ratio:11.2f} {eff[n]:10.0f} {eratio:11.2f} "
              f"{percentile(lat[n], 50) * 1e6:8.0f} {percentile(lat[n], 99) * 1e6:8.0f}")
    print("(q/CPU-s: queries answered per second of the server's own CPU time, user + system)")
    if args.dnssec:
        print(f"\nDO set against DO clear, each server on the same {args.dnssec.upper()}-signed zone:")
        for n in names:
            if n.endswith("+do"):
                base = n.removesuffix("+do")
                print(f"{base:10s} qps {med[n] / med[base]:.2f}   q/CPU-s {eff[n] / eff[base]:.2f}")
    os.makedirs(os.path.dirname(args.png), exist_ok=True)
    plot(args.png, names, series, lat, f"fastzone vs {', '.join(names[1:])}: kernel sockets, one worker each")
    print(f"\n(one server worker pinned to CPU {server_cpu}, dnsperf on CPU {client_cpus}, "
          f"{args.names} names, {args.seconds} s x {args.rounds} rounds)")


if __name__ == "__main__":
    sys.exit(main())
