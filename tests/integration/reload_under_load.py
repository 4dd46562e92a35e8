#!/usr/bin/python3
"""Hitless reload under load: dnsperf sends queries for existing names of a 200k-record
zone while fastzoned reloads it 20 times; no query may be lost and every answer must be
NOERROR. Then a broken zone file: the reload fails naming its line and the old data is
still served; the fixed file is picked up. Prints reload times and memory figures.

usage: reload_under_load.py FASTZONED FASTZONECTL [--names N] [--reloads N]
"""

import argparse
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

import dns.message
import dns.query

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from ports import free_port  # noqa: E402
from servers import Fastzoned, ServerError, remove_work_dir, write_fastzone_conf  # noqa: E402


def write_zone(path, names, serial, broken_line=None):
    with open(path, "w") as f:
        f.write(f"$ORIGIN example.com.\n$TTL 300\n@ SOA ns1 hostmaster {serial} 7200 3600 1209600 60\n"
                f"@ NS ns1\nns1 A 192.0.2.53\n")
        line = 6
        for i in range(names):
            if broken_line is not None and line == broken_line:
                f.write(f"host-{i} A 10.0.0.256\n")
            else:
                f.write(f"host-{i} A 10.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}\n")
            line += 1


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def check(cond, msg):
    if not cond:
        print(f"FAIL: {msg}")
        sys.exit(1)
    print(f"ok   {msg}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("fastzoned")
    ap.add_argument("fastzonectl")
    ap.add_argument("--names", type=int, default=200000)
    ap.add_argument("--reloads", type=int, default=20)
    ap.add_argument("--rate", type=int, default=10000)
    args = ap.parse_args()
    if not shutil.which("dnsperf"):
        print("SKIP: dnsperf not installed")
        return 77

    work = tempfile.mkdtemp(prefix="fz-reload-")
    server = perf = None
    try:
        port = free_port()
        zone = os.path.join(work, "example.com.zone")
        write_zone(zone, args.names, 1)
        sock = os.path.join(work, "ctl.sock")
        conf = write_fastzone_conf(work, port, [("example.com.", "example.com.zone")], control=sock)
        queries = os.path.join(work, "queries.txt")
        with open(queries, "w") as f:
            for i in range(0, args.names, max(1, args.names // 50000)):
                f.write(f"host-{i}.example.com A\n")
        server = Fastzoned(args.fastzoned, conf, port).start()
        try:
            server.wait_ready("example.com.", timeout=60)  # a large zone takes a while to load
        except ServerError as e:
            print(f"FAIL: {e}")
            return 1
        base_rss = rss_kib(server.pid)

        # dnsperf for long enough to cover every reload; rate-limited so that the two
        # cores of a small machine also have room for the reloads themselves.
        perf = subprocess.Popen(["dnsperf", "-s", "127.0.0.1", "-p", str(port), "-d", queries, "-l", "600",
                                 "-Q", str(args.rate), "-c", "4", "-t", "5"],
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        peak_rss = [base_rss]
        sampling = threading.Event()

        def sample():
            while not sampling.is_set():
                peak_rss[0] = max(peak_rss[0], rss_kib(server.pid))
                time.sleep(0.01)

        sampler = threading.Thread(target=sample)
        sampler.start()
        time.sleep(1)
        times = []
        for r in range(args.reloads):
            write_zone(zone, args.names, 2 + r)
            t0 = time.time()
            out = subprocess.run([args.fastzonectl, "-s", sock, "reload"], capture_output=True, text=True)
            times.append(time.time() - t0)
            check(out.returncode == 0, f"reload {r + 1} succeeded ({times[-1] * 1000:.0f} ms)")
        # A broken file: the error names its line, the old data keeps being served.
        write_zone(zone, args.names, 100, broken_line=1000)
        out = subprocess.run([args.fastzonectl, "-s", sock, "reload"], capture_output=True, text=True)
        check(out.returncode == 1 and "example.com.zone:1000" in out.stderr, "a broken zone is reported with its line")
        r = dns.query.udp(dns.message.make_query("host-994.example.com.", "A"), "127.0.0.1", port=port, timeout=2)
        check(r.answer and r.answer[0][0].to_text() == "10.0.3.226", "the previous data is still served")
        soa = dns.query.udp(dns.message.make_query("example.com.", "SOA"), "127.0.0.1", port=port, timeout=2)
        check(soa.answer[0][0].serial == 1 + args.reloads, "with the serial of the last good reload")
        write_zone(zone, args.names, 200)
        out = subprocess.run([args.fastzonectl, "-s", sock, "reload"], capture_output=True, text=True)
        soa = dns.query.udp(dns.message.make_query("example.com.", "SOA"), "127.0.0.1", port=port, timeout=2)
        check(out.returncode == 0 and soa.answer[0][0].serial == 200, "the fixed file is picked up")
        time.sleep(1)
        sampling.set()
        sampler.join()
        perf.send_signal(signal.SIGINT)  # dnsperf prints its statistics on SIGINT
        text, _ = perf.communicate(timeout=30)
        sent = re.search(r"Queries sent:\s+(\d+)", text)
        lost = re.search(r"Queries lost:\s+(\d+)", text)
        noerror = re.search(r"NOERROR\s+(\d+)\s+\(([\d.]+)%\)", text)
        print(text)
        check(sent and int(sent.group(1)) > 0, f"dnsperf sent {sent.group(1) if sent else 0} queries")
        check(lost and int(lost.group(1)) == 0, "no query was lost during the reloads")
        check(noerror and noerror.group(2) == "100.00", "every answer was NOERROR")
        times.sort()
        print(f"figures: {args.reloads} reloads of {args.names} records: median {times[len(times) // 2] * 1000:.0f} ms, "
              f"max {times[-1] * 1000:.0f} ms; RSS {base_rss // 1024} MiB serving, peak {peak_rss[0] // 1024} MiB "
              f"during reloads (old + new snapshot)")
        return 0
    finally:
        if perf is not None and perf.poll() is None:  # a check failed while dnsperf ran
            perf.kill()
            perf.wait()
        if server is not None:
            server.stop()
        remove_work_dir(work)


if __name__ == "__main__":
    sys.exit(main())
