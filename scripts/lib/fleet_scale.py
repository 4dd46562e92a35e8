"""A fleet on etcd under measurement: a 3-member etcd cluster on loopback and N fastzoned
servers sharing one zone in it (store.etcd), then

  propagation  K RFC 2136 UPDATEs to the first server, one after another at R a second,
               each replacing seq.fleet.example. TXT with its number; every server is
               asked for that name every 2 ms (one thread, non-blocking sockets), and the
               time from the UPDATE's NOERROR to the first answer carrying the number is
               one server's propagation of that change (p50, p99, max, per server and over
               all the others);
  etcd load    what the K changes cost etcd: its own counters (/metrics of each member:
               transactions, ranges, puts, watchers) divided by K, and its CPU time;
  scale        with --zones Z: Z zones of --sets S record sets written into etcd as an
               import writes them (bench/store/etcd_fill), etcd's database size and key
               count, then a server joining: the time from its start to answering the
               last zone, and its memory.

usage: fleet_scale.py FASTZONED ETCD_FILL [--nodes N] [--changes K] [--rate R]
                      [--zones Z] [--sets S]
"""

import argparse
import base64
import json
import os
import select
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tests", "support"))
from etcd import EtcdCluster, write_fleet_config  # noqa: E402
from ports import free_port  # noqa: E402
from servers import Fastzoned, cpu_seconds, remove_work_dir, status_mib  # noqa: E402

import dns.exception  # noqa: E402
import dns.message  # noqa: E402
import dns.query  # noqa: E402
import dns.rdatatype  # noqa: E402
import dns.update  # noqa: E402

ORIGIN = "fleet.example."
SEQ = "seq." + ORIGIN
PREFIX = "/fastzone-scale/"


def conf(work, name, port, endpoints, zone=True):
    return write_fleet_config(work, name, f"127.0.0.1@{port}", endpoints, PREFIX, lease_ttl=10,
                              zone=ORIGIN if zone else None)


def percentile(values, p):
    s = sorted(values)
    return s[min(len(s) - 1, int(round(p / 100 * (len(s) - 1))))]


def summary(ms):
    return (f"p50 {statistics.median(ms):.1f} ms, p99 {percentile(ms, 99):.1f} ms, max {max(ms):.1f} ms "
            f"({len(ms)} changes)")


class Observer(threading.Thread):
    """Asks every server for SEQ's TXT every `interval` s; first_seen[(server, n)] is when
    the first answer carrying n came back (time.monotonic())."""

    def __init__(self, ports, interval=0.002):
        super().__init__(daemon=True)
        self.ports, self.interval = ports, interval
        self.first_seen = {}
        self.stop = threading.Event()
        self.wire = dns.message.make_query(SEQ, "TXT").to_wire()

    def run(self):
        socks = {}
        for name, port in self.ports.items():
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.connect(("127.0.0.1", port))
            s.setblocking(False)
            socks[s] = name
        next_tick = time.monotonic()
        while not self.stop.is_set():
            for s in socks:
                try:
                    s.send(self.wire)
                except OSError:
                    pass
            next_tick += self.interval
            while True:
                left = next_tick - time.monotonic()
                if left <= 0:
                    break
                readable, _, _ = select.select(list(socks), [], [], left)
                now = time.monotonic()
                for s in readable:
                    try:
                        r = dns.message.from_wire(s.recv(4096))
                    except (OSError, dns.exception.DNSException):
                        continue
                    for rrset in r.answer:
                        if rrset.rdtype == dns.rdatatype.TXT:
                            n = int(rrset[0].strings[0])
                            self.first_seen.setdefault((socks[s], n), now)
            if next_tick < time.monotonic() - 1:
                next_tick = time.monotonic()  # held up for a second: no catching up


def etcd_counters(cluster):
    """Sum over the members of etcd's own counters that a change moves."""
    names = ("etcd_debugging_mvcc_txn_total", "etcd_debugging_mvcc_range_total", "etcd_debugging_mvcc_put_total",
             "etcd_debugging_mvcc_delete_total", "etcd_debugging_mvcc_watcher_total",
             "etcd_debugging_mvcc_events_total", "etcd_network_client_grpc_sent_bytes_total")
    totals = dict.fromkeys(names, 0.0)
    for m in cluster.members:
        with urllib.request.urlopen(m.client_url + "/metrics", timeout=5) as r:
            for line in r.read().decode().splitlines():
                name = line.split(" ")[0].split("{")[0]
                if name in totals:
                    totals[name] += float(line.rsplit(" ", 1)[1])
    return totals


def update_seq(port, n):
    u = dns.update.UpdateMessage(ORIGIN)
    u.replace(SEQ, 60, "TXT", str(n))
    r = dns.query.tcp(u, "127.0.0.1", port=port, timeout=10)
    return r.rcode()


def propagation(servers, ports, cluster, changes, rate):
    names = list(ports)
    observer = Observer(ports)
    observer.start()
    etcd_pids = [m.pid for m in cluster.members]
    before, cpu_before = etcd_counters(cluster), sum(cpu_seconds(pid) for pid in etcd_pids)
    acked = {}
    t_start = time.monotonic()
    for n in range(1, changes + 1):
        due = t_start + n / rate
        time.sleep(max(0.0, due - time.monotonic()))
        rcode = update_seq(ports[names[0]], n)
        acked[n] = time.monotonic()
        if rcode != 0:
            sys.exit(f"UPDATE {n} answered rcode {rcode}")
    time.sleep(2.0)  # the last changes reach everyone
    observer.stop.set()
    observer.join()
    after, cpu_after = etcd_counters(cluster), sum(cpu_seconds(pid) for pid in etcd_pids)
    elapsed = time.monotonic() - t_start
    others = []
    print(f"propagation of {changes} UPDATEs to {names[0]} at {rate:g}/s, {len(names)} servers "
          f"(each asked every 2 ms):")
    for name in names:
        ms = [(observer.first_seen[(name, n)] - acked[n]) * 1000 for n in acked if (name, n) in observer.first_seen]
        missed = changes - len(ms)
        # A value replaced before it was seen: each is visible for 1/rate s, far longer than a poll.
        if not ms:
            print(f"  {name}: no change seen")
            continue
        print(f"  {name}{' (written to)' if name == names[0] else ''}: {summary(ms)}"
              + (f", {missed} not seen" if missed else ""))
        if name != names[0]:
            others += ms
    if others:
        print(f"  every other server: {summary(others)}")
    print(f"etcd's load for {changes} changes ({len(cluster.members)} members, summed), per change:")
    for k, v in after.items():
        short = k.replace("etcd_debugging_mvcc_", "").replace("etcd_network_client_grpc_", "")
        if "watcher" in short:
            print(f"  watchers open: {v:.0f} (a gauge, not per change)")
        else:
            print(f"  {short}: {(v - before[k]) / changes:.1f}")
    print(f"  (over {elapsed:.1f} s, which include every server's read of the fleet's list each second)")
    print(f"  etcd CPU: {(cpu_after - cpu_before) * 1000 / changes:.1f} ms per change (all members)")
    return others


def etcd_status(cluster):
    """etcd's database size (bytes) and the number of keys under PREFIX."""
    out = subprocess.run(["etcdctl", "--endpoints", cluster.endpoints[0], "endpoint", "status", "-w", "json"],
                         capture_output=True, text=True, env=dict(os.environ, ETCDCTL_API="3"))
    status = json.loads(out.stdout)[0]["Status"]
    # etcdctl 3.4 has no --count-only: the gateway's range with count_only.
    key = base64.b64encode(PREFIX.encode()).decode()
    end = base64.b64encode(PREFIX[:-1].encode() + bytes([ord(PREFIX[-1]) + 1])).decode()
    req = urllib.request.Request(cluster.endpoints[0] + "/v3/kv/range", method="POST",
                                 data=json.dumps({"key": key, "range_end": end, "count_only": True}).encode())
    with urllib.request.urlopen(req, timeout=60) as r:
        count = int(json.loads(r.read()).get("count", 0))
    return status["dbSize"], count


def scale(args, work, cluster, servers):
    t0 = time.monotonic()
    out = subprocess.run([args.etcd_fill, ",".join(cluster.endpoints), PREFIX, str(args.zones), str(args.sets), "4",
                          "4096"], capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"etcd_fill failed: {out.stderr}")
    print(f"scale: {out.stdout.strip()} (etcd_fill, 4 threads, {time.monotonic() - t0:.0f} s)")
    db, keys = etcd_status(cluster)
    print(f"  etcd: {keys} keys under {PREFIX}, database {db / 2**20:.0f} MiB "
          f"({db / max(1, args.zones * args.sets):.0f} bytes per record set)")
    port = free_port()
    joining = Fastzoned(args.fastzoned, conf(work, "join", port, cluster.endpoints, zone=False), port,
                        log_path=os.path.join(work, "join.log"))
    servers.append(joining)
    t0 = time.monotonic()
    joining.start()
    joining.wait_ready(f"z{args.zones - 1}.fill.example.", timeout=600)
    seconds = time.monotonic() - t0
    loaded = next((line for line in joining.log_text().splitlines() if 'msg="zones loaded"' in line), "")
    fields = dict(kv.split("=", 1) for kv in loaded.split() if "=" in kv)
    print(f"  a server joining: answers the last zone {seconds:.1f} s after its start "
          f"(parse {fields.get('parse_ms', '?')} ms, compile {fields.get('compile_ms', '?')} ms of it), "
          f"RSS {status_mib(joining.pid):.0f} MiB")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("fastzoned")
    p.add_argument("etcd_fill")
    p.add_argument("--nodes", type=int, default=3)
    p.add_argument("--changes", type=int, default=300)
    p.add_argument("--rate", type=float, default=20.0)
    p.add_argument("--zones", type=int, default=0)
    p.add_argument("--sets", type=int, default=100)
    args = p.parse_args()
    args.fastzoned = os.path.abspath(args.fastzoned)
    if shutil.which("etcd") is None:
        sys.exit("etcd is not installed (Debian: etcd-server)")
    work = tempfile.mkdtemp(prefix="fz-fleet-scale-")
    servers = []
    try:
        with open(os.path.join(work, "fleet.example.zone"), "w") as f:
            f.write(f"$ORIGIN {ORIGIN}\n$TTL 300\n@ SOA ns1 hostmaster 1 3600 600 86400 60\n@ NS ns1\n"
                    "ns1 A 192.0.2.53\nseq TXT 0\n")
        cluster = EtcdCluster(work, 3)
        servers.extend(cluster.members)
        cluster.start()
        ports = {}
        for i in range(args.nodes):
            name = f"ns{i + 1}"
            ports[name] = free_port()
            node = Fastzoned(args.fastzoned, conf(work, name, ports[name], cluster.endpoints), ports[name],
                             log_path=os.path.join(work, f"{name}.log"))
            servers.append(node)
            node.start()
            node.wait_ready(ORIGIN, timeout=60)
        propagation(servers, ports, cluster, args.changes, args.rate)
        rss = [status_mib(s.pid) for s in servers if isinstance(s, Fastzoned)]
        print(f"servers' RSS: {min(rss):.0f} to {max(rss):.0f} MiB each")
        if args.zones > 0:
            # The servers above would take in every zone written: a joining server is timed alone.
            for s in servers:
                if isinstance(s, Fastzoned):
                    s.stop()
            scale(args, work, cluster, servers)
    finally:
        for s in reversed(servers):
            s.stop()
        remove_work_dir(work, keep=os.environ.get("FZ_KEEP") == "1")
    return 0


if __name__ == "__main__":
    sys.exit(main())
