"""Memory serving one large zone, side by side: fastzoned, Knot DNS and NSD on the same
zone of N A records (h<i> IN A ...), one after another in this one run.

For each server: the peak while it loads (sampled every 10 ms until it answers, and the
kernel's VmHWM), then its memory serving (2 s after the first answer). For fastzoned,
also the peak while a SIGHUP reload runs, with the zone file unchanged (its image is kept)
and after a record was added to it (compiled again). NSD runs as several
processes (main, server, xfrd): its figure is the sum of their proportional set sizes
(Pss, shared pages counted once); fastzoned and knotd are one process each (RSS).

With --signed FASTZONECTL the zone is signed first (ECDSAP256SHA256 KSK + ZSK from
dnssec-keygen, NSEC, by `fastzonectl sign-zone`) and every server serves that pre-signed
file; the table adds the serving memory per record of the signed zone.

usage: serving_memory.py FASTZONED [--records N] [--no-peers] [--signed FASTZONECTL]
"""

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tests", "support"))
from ports import free_port  # noqa: E402
from servers import (Fastzoned, Knotd, Nsd, status_mib, write_fastzone_conf, write_knot_conf,  # noqa: E402
                     write_nsd_conf)

import dns.message  # noqa: E402
import dns.query  # noqa: E402

ORIGIN = "bench.example."


def write_zone(path, records):
    with open(path, "w") as f:
        f.write(f"$ORIGIN {ORIGIN}\n$TTL 300\n@ SOA ns1 hostmaster 1 7200 3600 1209600 60\n@ NS ns1\n"
                "ns1 A 192.0.2.53\n")
        for i in range(records):
            f.write(f"h{i} A 10.{i >> 16 & 255}.{i >> 8 & 255}.{i & 255}\n")


def tree(pid):
    """pid and its descendants."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        try:
            with open(f"/proc/{p}/task/{p}/children") as f:
                todo += [int(c) for c in f.read().split()]
        except OSError:
            pass
    return out


def pss_mb(pid):
    total = 0.0
    for p in tree(pid):
        try:
            with open(f"/proc/{p}/smaps_rollup") as f:
                for line in f:
                    if line.startswith("Pss:"):
                        total += int(line.split()[1]) / 1024
        except OSError:
            pass
    return total


def answers(port):
    try:
        r = dns.query.udp(dns.message.make_query(f"h7.{ORIGIN}", "A"), "127.0.0.1", port=port, timeout=0.5)
        return any(rrset.rdtype == 1 for rrset in r.answer)
    except Exception:  # noqa: BLE001 - not up yet
        return False


class Sampler:
    """Samples memory(pid) every 10 ms in a thread; peak is the largest seen."""

    def __init__(self, memory):
        self.memory, self.peak, self.pid = memory, 0.0, None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run)

    def _run(self):
        while not self._stop.is_set():
            if self.pid is not None:
                self.peak = max(self.peak, self.memory(self.pid))
            time.sleep(0.01)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def measure(server, port, memory, timeout=900):
    """Starts `server`, returns (peak while loading, serving, load seconds)."""
    with Sampler(memory) as s:
        t0 = time.monotonic()
        server.start()
        s.pid = server.pid
        while not answers(port):
            if not server.running():
                raise RuntimeError(f"{server.name} exited: {server.log_tail()}")
            if time.monotonic() - t0 > timeout:
                raise RuntimeError(f"{server.name} did not answer within {timeout} s")
            time.sleep(0.05)
        loaded = time.monotonic() - t0
    time.sleep(2)
    return max(s.peak, status_mib(server.pid, "VmHWM") if memory is not pss_mb else 0), memory(server.pid), loaded


def reload_peak(server):
    """SIGHUP, then the largest RSS until the log says it reloaded."""
    before = server.log_text().count('msg=reloaded')
    with Sampler(lambda pid: status_mib(pid, "VmRSS")) as s:
        s.pid = server.pid
        os.kill(server.pid, signal.SIGHUP)
        t0 = time.monotonic()
        while server.log_text().count('msg=reloaded') == before:
            if time.monotonic() - t0 > 900:
                raise RuntimeError("the reload did not finish")
            time.sleep(0.05)
    time.sleep(2)
    return s.peak, status_mib(server.pid, "VmRSS")


def sign(fastzonectl, work, zone):
    """The zone signed by fastzonectl sign-zone with fresh keys: (its file, its records)."""
    keys = os.path.join(work, "keys")
    os.makedirs(keys)
    for extra in (["-f", "KSK"], []):
        subprocess.run(["dnssec-keygen", "-q", "-K", keys, "-a", "13", *extra, ORIGIN], check=True,
                       capture_output=True)
    conf = os.path.join(work, "sign.yaml")
    with open(conf, "w") as f:
        f.write(f"zones:\n  - origin: {ORIGIN}\n    file: {zone}\n    dnssec: {{keys_dir: {keys}}}\n")
    signed = os.path.join(work, "signed.zone")
    with open(signed, "w") as out:
        subprocess.run([fastzonectl, "sign-zone", "-c", conf, ORIGIN], check=True, stdout=out)
    with open(signed) as f:
        records = sum(1 for line in f if line.strip())
    return signed, records


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("fastzoned")
    ap.add_argument("--records", type=int, default=1000000)
    ap.add_argument("--no-peers", action="store_true")
    ap.add_argument("--signed", metavar="FASTZONECTL")
    args = ap.parse_args()
    work = tempfile.mkdtemp(prefix="fz-serving-memory-")
    rows, running = [], []
    try:
        zone = os.path.join(work, "bench.zone")
        write_zone(zone, args.records)
        records = args.records
        if args.signed:
            zone, records = sign(args.signed, work, zone)
        rss = lambda pid: status_mib(pid, "VmRSS")  # noqa: E731

        port = free_port()
        fz_dir = os.path.join(work, "fastzoned")
        os.makedirs(fz_dir)
        conf = write_fastzone_conf(fz_dir, port, [(ORIGIN, zone)],
                                   sections=f"control:\n  socket: {fz_dir}/ctl.sock\n")
        fz = Fastzoned(args.fastzoned, conf, port)
        running.append(fz)
        peak, serving, secs = measure(fz, port, rss)
        same, _ = reload_peak(fz)
        with open(zone, "a") as f:
            f.write("added A 192.0.2.1\n")
        edited, after = reload_peak(fz)
        rows.append(("fastzoned", peak, serving, secs,
                     f"reload peak: file unchanged {same:.0f} MB ({same / serving:.2f}x), "
                     f"file edited {edited:.0f} MB ({edited / serving:.2f}x), {after:.0f} MB after"))
        fz.stop()

        def peer(name, binary, make, memory, note=""):
            if args.no_peers or not shutil.which(binary):
                return
            port = free_port()
            folder = os.path.join(work, binary)
            os.makedirs(folder)
            server = make(folder, port)
            running.append(server)
            peak, serving, secs = measure(server, port, memory)
            rows.append((name, peak, serving, secs, note))
            server.stop()

        peer("Knot DNS", "knotd", lambda d, p: Knotd(write_knot_conf(d, p, [(ORIGIN, zone)]), p), rss)
        peer("NSD", "nsd", lambda d, p: Nsd(write_nsd_conf(d, p, [(ORIGIN, zone)]), p), pss_mb,
             "Pss of its processes")

        print(f"one zone of {args.records} A records" + (f", signed: {records} records" if args.signed else ""))
        print(f"{'server':<10} {'peak loading':>13} {'serving':>9} {'load':>7}")
        for name, peak, serving, secs, note in rows:
            print(f"{name:<10} {peak:>10.0f} MB {serving:>6.0f} MB {secs:>6.1f} s  {note}")
        ref = next((r for r in rows if r[0] == "Knot DNS"), None)
        if ref:
            print(f"fastzoned serving / Knot DNS serving: {rows[0][2] / ref[2]:.2f}")
        if args.signed:
            print("serving bytes per record: " + ", ".join(f"{r[0]} {r[2] * 1e6 / records:.0f}" for r in rows))
    finally:
        for s in running:
            if s.running():
                s.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
