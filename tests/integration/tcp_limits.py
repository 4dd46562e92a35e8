#!/usr/bin/python3
"""fastzoned's TCP limits against hostile clients, as the hardening issue probed them but
at a small scale, each probe bounded to a few seconds on loopback:

- pipeliners that never read their replies: the server's RSS stays flat (it stops
  reading them) instead of buffering every reply;
- slow-loris, more connections than slots, each sending one byte a second and
  reconnecting as soon as it is closed: a new client still gets an answer within 1 s;
- descriptor exhaustion under `ulimit -n 1024` (and under a soft limit of 1024 below a
  higher hard one): the server does not spin, its log is not flooded, a new TCP client
  and /metrics are answered, and a reload through fastzonectl succeeds.

Prints the figures it measures. --knot runs the pipelining probe against Knot DNS too, as
a reference (not a check); --seconds, --slots and --loris set the probes' length and the
slow-loris scale (the issue's: --slots 1024 --loris 1100).

usage: tcp_limits.py FASTZONED FASTZONECTL [--knot] [--seconds S] [--slots N] [--loris N] [--keep]
"""

import argparse
import errno
import os
import resource
import select
import shlex
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from dnsio import query_wire, tcp_exchange  # noqa: E402
from ports import free_port  # noqa: E402
from servers import (Fastzoned, Knotd, ServerError, cpu_seconds, remove_work_dir, status_mib,  # noqa: E402
                     write_fastzone_conf, write_knot_conf)

# The example zone every configuration in config/ serves (www.example.com has two A records).
ZONE_FILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "config", "zones", "example.com.zone")

A = 1
failures = []


def check(cond, msg):
    print(f"{'ok  ' if cond else 'FAIL'} {msg}", flush=True)
    if not cond:
        failures.append(msg)


def framed(wire):
    return struct.pack("!H", len(wire)) + wire


def ask_tcp(port, timeout=1.0):
    """One query over a new TCP connection; the response, or None (refused, closed, timed out)."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
            return tcp_exchange(s, query_wire("www.example.com.", A), timeout=timeout)
    except OSError:
        return None


def time_to_answer(port, limit):
    """Seconds until a new TCP client gets an answer, trying again for `limit` seconds; None if never."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < limit:
        if ask_tcp(port, timeout=min(1.0, limit)) is not None:
            return time.monotonic() - t0
        time.sleep(0.02)
    return None


def raise_own_fd_limit(need):
    """This test process needs `need` descriptors for its clients (never lowered here)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < need:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(need, hard), hard))


def open_idle(port, n):
    """n connections that send nothing (non-blocking connects, not waited for)."""
    socks = []
    for _ in range(n):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setblocking(False)
        try:
            s.connect(("127.0.0.1", port))
        except BlockingIOError:
            pass
        socks.append(s)
    return socks


def close_all(socks):
    for s in socks:
        s.close()


# --- probes ------------------------------------------------------------------------------

def pipeliners(pid, port, conns, seconds):
    """conns connections pipelining queries as fast as the server takes them for `seconds`
    and never reading a reply. Returns (RSS before MiB, peak RSS MiB, queries the kernel
    took from the clients)."""
    wire = framed(query_wire("www.example.com.", A))
    chunk = wire * (65536 // len(wire))
    socks = []
    for _ in range(conns):
        s = socket.create_connection(("127.0.0.1", port), timeout=2)
        s.setblocking(False)
        socks.append(s)
    before = peak = status_mib(pid)
    sent = 0
    deadline = time.monotonic() + seconds
    next_sample = 0.0
    poller = select.poll()
    by_fd = {s.fileno(): s for s in socks}
    for s in socks:
        poller.register(s, select.POLLOUT)
    try:
        while time.monotonic() < deadline:
            for fd, _ in poller.poll(50):
                try:
                    sent += by_fd[fd].send(chunk)
                except BlockingIOError:
                    pass
                except OSError:  # closed by the server: this pipeliner is done
                    poller.unregister(fd)
            if time.monotonic() >= next_sample:
                peak = max(peak, status_mib(pid))
                next_sample = time.monotonic() + 0.1
        peak = max(peak, status_mib(pid))
    finally:
        close_all(socks)
    return before, peak, sent // len(wire)


class SlowLoris(threading.Thread):
    """n connections each sending one byte of a query a second; one the server closes is
    opened again at once, so that the slots stay taken."""

    def __init__(self, port, n):
        super().__init__(daemon=True)
        self.port, self.n = port, n
        self.stop = threading.Event()
        self.reconnects = 0
        self.wire = framed(query_wire("www.example.com.", A))

    def run(self):
        conns = {}  # descriptor -> [socket, bytes sent, when the last one went]
        poller = select.poll()

        def open_one():
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.setblocking(False)
            try:
                s.connect(("127.0.0.1", self.port))
            except BlockingIOError:
                pass
            conns[s.fileno()] = [s, 0, 0.0]
            poller.register(s, select.POLLIN)

        for _ in range(self.n):
            open_one()
        while not self.stop.is_set():
            now = time.monotonic()
            dead = set()
            for fd, c in conns.items():
                if now - c[2] < 1.0:
                    continue
                try:
                    c[0].send(self.wire[c[1] % len(self.wire):c[1] % len(self.wire) + 1])
                    c[1], c[2] = c[1] + 1, now
                except BlockingIOError:
                    pass
                except OSError as e:
                    if e.errno != errno.ENOTCONN:
                        dead.add(fd)
            for fd, _ in poller.poll(10):
                if fd in dead:
                    continue
                try:
                    if conns[fd][0].recv(4096) == b"":
                        dead.add(fd)
                except BlockingIOError:
                    pass
                except OSError:
                    dead.add(fd)
            for fd in dead:
                poller.unregister(fd)
                conns.pop(fd)[0].close()
                open_one()
                self.reconnects += 1
        close_all(c[0] for c in conns.values())


def slow_loris(port, attackers, seconds):
    """Times a new client needs to get an answer, tried every 0.25 s for `seconds` while
    `attackers` slow-loris connections hold the slots; None for one that never got in."""
    loris = SlowLoris(port, attackers)
    loris.start()
    time.sleep(1.0)  # every slot taken
    times = []
    deadline = time.monotonic() + seconds
    try:
        while time.monotonic() < deadline:
            times.append(time_to_answer(port, 2.0))
            time.sleep(0.25)
    finally:
        loris.stop.set()
        loris.join()
    return times, loris.reconnects


def descriptor_exhaustion(server, port, metrics_port, conns, seconds, fastzonectl=None):
    """conns idle connections, more than the descriptors allow; then for `seconds` the
    server's CPU time and log growth, whether a new TCP client and /metrics get answers,
    and whether `fastzonectl reload` succeeds (None when not tried)."""
    socks = open_idle(port, conns)
    try:
        time.sleep(0.5)
        cpu0, log0, t0 = cpu_seconds(server.pid), os.path.getsize(server.log_path), time.monotonic()
        reload_ok = None
        if fastzonectl:
            try:
                reload_ok = subprocess.run([fastzonectl, "-s", server.control, "reload"], capture_output=True,
                                           timeout=3).returncode == 0
            except subprocess.TimeoutExpired:
                reload_ok = False
        metrics_ok = None
        if metrics_port:
            metrics_ok = False
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{metrics_port}/metrics", timeout=2) as r:
                    metrics_ok = r.status == 200 and b"fastzone_tcp_connections" in r.read()
            except OSError:
                pass
        tcp = time_to_answer(port, 2.0)
        time.sleep(max(0.0, seconds - (time.monotonic() - t0)))
        elapsed = time.monotonic() - t0
        return (cpu_seconds(server.pid) - cpu0, elapsed, os.path.getsize(server.log_path) - log0, tcp, metrics_ok,
                reload_ok)
    finally:
        close_all(socks)


# --- servers -----------------------------------------------------------------------------

def start_fastzoned(binary, work, name, server_options=(), nofile=None, metrics_port=None):
    """fastzoned in work/name/, optionally under `ulimit -n` (nofile: (soft, hard))."""
    d = os.path.join(work, name)
    os.makedirs(d)
    shutil.copy(ZONE_FILE, os.path.join(d, "example.com.zone"))
    port = free_port()
    sections = f"metrics:\n  listen: 127.0.0.1@{metrics_port}\n" if metrics_port else ""
    conf = write_fastzone_conf(d, port, [("example.com.", "example.com.zone")], workers=1,
                               server_options=server_options, sections=sections,
                               control=os.path.join(d, "ctl.sock"))
    server = Fastzoned(binary, conf, port)
    server.control = os.path.join(d, "ctl.sock")
    wrap = None
    if nofile:
        # The limit is the server's alone: a shell sets it and execs fastzoned (same PID).
        soft, hard = nofile
        wrap = lambda argv: ["/bin/sh", "-c", f"ulimit -Sn {soft} && ulimit -Hn {hard} && exec " +
                             " ".join(shlex.quote(a) for a in argv)]
    server.start(wrap)
    server.wait_ready("example.com.", timeout=10)
    return server, port


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("fastzoned")
    ap.add_argument("fastzonectl")
    ap.add_argument("--knot", action="store_true", help="also run the pipelining probe against knotd")
    ap.add_argument("--seconds", type=float, default=3.0, help="length of each probe")
    ap.add_argument("--slots", type=int, default=64, help="tcp_max_connections under slow-loris")
    ap.add_argument("--loris", type=int, default=80, help="slow-loris connections")
    ap.add_argument("--keep", action="store_true")
    args = ap.parse_args()
    raise_own_fd_limit(max(1600, args.loris + 100))
    work = tempfile.mkdtemp(prefix="fz-tcp-limits-")
    servers = []
    try:
        # 1. Replies nobody reads.
        server, port = start_fastzoned(args.fastzoned, work, "pipeline")
        servers.append(server)
        before, peak, sent = pipeliners(server.pid, port, 20, args.seconds)
        print(f"     fastzoned: 20 pipeliners, {sent} queries taken in {args.seconds:g} s, "
              f"RSS {before:.0f} -> {peak:.0f} MiB")
        check(peak - before < 50, "RSS grows by less than 50 MiB under pipeliners that never read")
        check(ask_tcp(port) is not None, "and the server still answers TCP")
        server.stop()
        if args.knot and shutil.which("knotd"):
            d = os.path.join(work, "knot")
            os.makedirs(d)
            shutil.copy(ZONE_FILE, os.path.join(d, "example.com.zone"))
            kport = free_port()
            knot = Knotd(write_knot_conf(d, kport, [("example.com.", os.path.join(d, "example.com.zone"))]), kport)
            servers.append(knot)
            knot.start().wait_ready("example.com.", timeout=10)
            before, peak, sent = pipeliners(knot.pid, kport, 20, args.seconds)
            print(f"     reference knotd: {sent} queries taken, RSS {before:.0f} -> {peak:.0f} MiB")
            knot.stop()

        # 2. Slow-loris beyond the slot count.
        server, port = start_fastzoned(args.fastzoned, work, "loris", [f"tcp_max_connections: {args.slots}"])
        servers.append(server)
        times, reconnects = slow_loris(port, args.loris, args.seconds)
        shown = ", ".join("never" if t is None else f"{t * 1000:.0f}" for t in times)
        print(f"     {args.loris} slow-loris connections for {args.slots} slots ({reconnects} reopened): "
              f"new clients answered after [{shown}] ms")
        check(times and all(t is not None and t < 1.0 for t in times),
              "under slow-loris beyond the slot count a new client is answered within 1 s")
        server.stop()

        # 3. More connections than descriptors: ulimit -n 1024 (hard too), then a soft
        # limit of 1024 under a hard one of 4096 with room for 2,048 connections (the
        # server raises the limit; /metrics must still answer with descriptors well past
        # select()'s FD_SETSIZE).
        for soft, hard, slots, conns in ((1024, 1024, 1024, 1100), (1024, 4096, 2048, 1500)):
            own_hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
            if own_hard != resource.RLIM_INFINITY and own_hard < hard and os.geteuid() != 0:
                print(f"skip [{soft}:{hard}]: this process's hard limit is {own_hard}")
                continue
            metrics_port = free_port()
            server, port = start_fastzoned(args.fastzoned, work, f"nofile-{hard}", [f"tcp_max_connections: {slots}"],
                                           nofile=(soft, hard), metrics_port=metrics_port)
            servers.append(server)
            cpu, elapsed, log_bytes, tcp, metrics_ok, reload_ok = descriptor_exhaustion(
                server, port, metrics_port, conns, args.seconds, args.fastzonectl)
            shown = "never" if tcp is None else f"{tcp * 1000:.0f} ms"
            print(f"     ulimit -n {soft}:{hard}, {conns} idle connections: {cpu:.2f} CPU-s in {elapsed:.1f} s, "
                  f"log +{log_bytes} bytes, new TCP client answered after {shown}, /metrics {metrics_ok}, "
                  f"reload {reload_ok}")
            check(cpu < 0.3 * elapsed, f"[{soft}:{hard}] the server does not spin (CPU under 30% of one core)")
            check(log_bytes < 4096, f"[{soft}:{hard}] the log is not flooded")
            check(tcp is not None and tcp < 1.0, f"[{soft}:{hard}] a new TCP client is answered within 1 s")
            check(metrics_ok, f"[{soft}:{hard}] /metrics answers")
            check(reload_ok, f"[{soft}:{hard}] fastzonectl reload succeeds")
            server.stop()
    except ServerError as e:
        check(False, str(e))
    finally:
        for s in servers:
            s.stop()
        remove_work_dir(work, args.keep)
    if failures:
        print(f"tcp limits: {len(failures)} checks failed")
        return 1
    print("tcp limits: all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
