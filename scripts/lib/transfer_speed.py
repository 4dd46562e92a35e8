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

With --ixfr-in, instead: fastzoned as the secondary of Knot DNS (knotd with journal-content:
changes and serial-policy: increment, NOTIFY to fastzoned, TSIG on the transfers). Knot
serves the zone of N A records; the time from fastzoned's start to its first AXFR in served
is printed. Then, `--rounds` times, `--changes` record-set changes in one new serial on
Knot, a third each of replacements (h<i> A to a new address), deletions (h<i> A) and
additions (new<r>-<j> A), at names no earlier round touched: by default staged in a knotc
zone transaction and timed from its `knotc zone-commit` (Knot then serves the new serial and
sends its NOTIFY at once); with --knot-change update, one RFC 2136 UPDATE over TCP, timed
from Knot's answer (Knot 3.2 sends its NOTIFY for an UPDATE 1 s later). The figure ends
when fastzoned answers the new SOA serial and a replaced record's new address (polled
every 2 ms over UDP). fastzoned's log gives the rest: when Knot's NOTIFY came, the
transfer's kind (it must be ixfr, and `fastzonectl stats` count it), its rebuild. At the
end Knot is asked for IXFR from the serial before the last round, to show that it answers
a delta (not the whole zone).

usage: transfer_speed.py FASTZONED [--records N] [--rounds R] [--no-peers]
       transfer_speed.py FASTZONED --ixfr-in [--records N] [--rounds R] [--changes C]
                         [--knot-change txn|update] [--keep]
"""

import argparse
import base64
import datetime
import os
import shutil
import socket
import statistics
import struct
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
# The zone (h<i> IN A 10.x.y.z, serial 1) is the memory benchmark's, from the same code.
from serving_memory import ORIGIN, write_zone  # noqa: E402

import dns.message  # noqa: E402
import dns.name  # noqa: E402
import dns.query  # noqa: E402
import dns.rcode  # noqa: E402
import dns.rdatatype  # noqa: E402
import dns.tsig  # noqa: E402
import dns.update  # noqa: E402


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
            before = status_mib(server.pid)
            peak = [before]

            def sample():
                while not stop.is_set():
                    peak[0] = max(peak[0], status_mib(server.pid))
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


# --- fastzoned as a secondary of Knot DNS: AXFR, then IXFR in -------------------------

SECRET = base64.b64encode(b"transfer-speed-bench-secret-32b!").decode()

KNOT_PRIMARY = """key:
  - id: xfr-key
    algorithm: hmac-sha256
    secret: {secret}
remote:
  - id: fastzone
    address: 127.0.0.1@{port}
    key: xfr-key
acl:
  - id: to-fastzone
    address: 127.0.0.1
    key: xfr-key
    action: transfer
  - id: local-update
    address: 127.0.0.1
    action: update
"""


def secondary_conf(work, port, knot_port):
    """fastzoned's configuration: one worker, the zone a secondary of Knot (TSIG)."""
    path = os.path.join(work, "fastzone.yaml")
    with open(path, "w") as f:
        f.write(f"""server:
  listen: 127.0.0.1@{port}
  workers: 1
control:
  socket: {work}/ctl.sock
store:
  path: {work}/store
keys:
  - id: xfr-key
    algorithm: hmac-sha256
    secret: "{SECRET}"
remotes:
  - id: knot
    address: 127.0.0.1@{knot_port}
    key: xfr-key
zones:
  - origin: {ORIGIN}
    primaries: [knot]
""")
    return path


def soa_serial(port):
    """The serial of ORIGIN that 127.0.0.1@port answers, or None."""
    try:
        r = dns.query.udp(dns.message.make_query(ORIGIN, "SOA"), "127.0.0.1", port=port, timeout=0.5)
    except Exception:  # noqa: BLE001 - not up yet
        return None
    for rrset in r.answer:
        if rrset.rdtype == dns.rdatatype.SOA:
            return rrset[0].serial
    return None


def a_values(port, name):
    """The A addresses 127.0.0.1@port answers for name, as a set (empty: none)."""
    try:
        r = dns.query.udp(dns.message.make_query(name, "A"), "127.0.0.1", port=port, timeout=0.5)
    except Exception:  # noqa: BLE001
        return None
    return {rd.address for rrset in r.answer if rrset.rdtype == dns.rdatatype.A for rd in rrset}


def log_epoch(line):
    """The ts= field of a fastzoned log line (UTC, ms) as Unix seconds."""
    ts = line.split("ts=", 1)[1].split()[0]
    return datetime.datetime.strptime(ts, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=datetime.timezone.utc).timestamp()


def log_field(line, key):
    for kv in line.split():
        if kv.startswith(key + "="):
            return kv.split("=", 1)[1].strip('"')
    return None


def ctl_stats(ctl, work):
    """fastzonectl stats as {name: number}."""
    out = subprocess.run([ctl, "-s", os.path.join(work, "ctl.sock"), "stats"], capture_output=True, text=True).stdout
    values = {}
    for line in out.splitlines():
        parts = line.rsplit(" ", 1)
        if len(parts) == 2 and parts[1].isdigit():
            values[parts[0]] = int(parts[1])
    return values


def round_changes(r, records, changes):
    """Round r's `changes` record-set changes at names no earlier round touched, a third
    each replaced, deleted and added: [(kind, relative name, new address or None)]."""
    out = []
    for j in range(changes):
        i = (r * changes + j) * 997 % records  # spread over the zone; distinct while r * changes < records
        if j % 3 == 0:
            out.append(("replace", f"h{i}", f"172.16.{r & 255}.{j // 3 & 255}"))
        elif j % 3 == 1:
            out.append(("delete", f"h{i}", None))
        else:
            out.append(("add", f"new{r}-{j}", f"192.168.{r & 255}.{j // 3 & 255}"))
    return out


def as_update(changes):
    """The changes as one RFC 2136 UPDATE message."""
    u = dns.update.UpdateMessage(ORIGIN)
    for kind, name, address in changes:
        if kind == "replace":
            u.replace(name, 300, "A", address)
        elif kind == "delete":
            u.delete(name, "A")
        else:
            u.add(name, 300, "A", address)
    return u


def as_knotc(changes):
    """The changes as the commands of one knotc zone transaction, before its zone-commit."""
    lines = [f"zone-begin {ORIGIN}"]
    for kind, name, address in changes:
        if kind in ("replace", "delete"):
            lines.append(f"zone-unset {ORIGIN} {name} A")
        if kind in ("replace", "add"):
            lines.append(f"zone-set {ORIGIN} {name} 300 A {address}")
    return "\n".join(lines) + "\n"


def knotc(kconf, *args, stdin=None):
    p = subprocess.run(["knotc", "-c", kconf, *args], input=stdin, capture_output=True, text=True, timeout=120)
    if p.returncode != 0 or "error" in (p.stdout + p.stderr).lower():  # a staged command's error
        raise RuntimeError(f"knotc {' '.join(args)}: {p.stdout[-500:]} {p.stderr[-500:]}")
    return p.stdout


def knot_ixfr(knot_port, serial):
    """Knot's answer to IXFR from `serial` (TSIG): (records, whether it is incremental)."""
    keyring = {dns.name.from_text("xfr-key."): dns.tsig.Key("xfr-key.", SECRET, "hmac-sha256")}
    rrs = []
    for m in dns.query.xfr("127.0.0.1", ORIGIN, rdtype=dns.rdatatype.IXFR, serial=serial, port=knot_port,
                           keyring=keyring, keyname="xfr-key.", lifetime=60, relativize=False):
        rrs += [(rrset.rdtype, rd) for rrset in m.answer for rd in rrset]
    incremental = len(rrs) > 2 and rrs[1][0] == dns.rdatatype.SOA and rrs[1][1].serial == serial
    return len(rrs), incremental


def wait_until(cond, timeout, what, server=None, interval=0.002):
    t0 = time.monotonic()
    while not cond():
        if server is not None and not server.running():
            raise RuntimeError(f"{server.name} exited: {server.log_tail()}")
        if time.monotonic() - t0 > timeout:
            raise RuntimeError(f"{what}: not within {timeout} s")
        time.sleep(interval)
    return time.monotonic() - t0


def ixfr_in(args):
    """Knot DNS primary, fastzoned secondary: the first AXFR in, then rounds of IXFR in."""
    for tool in ("knotd", "knotc"):
        if not shutil.which(tool):
            print(f"{tool} is not installed: no primary for --ixfr-in", file=sys.stderr)
            return 77
    ctl = os.path.join(os.path.dirname(os.path.abspath(args.fastzoned)), "fastzonectl")
    rounds = args.rounds or 3
    work = tempfile.mkdtemp(prefix="fz-ixfr-in-")
    servers = []
    try:
        kwork = os.path.join(work, "knot")
        os.makedirs(kwork)
        zone = os.path.join(kwork, "bench.zone")
        write_zone(zone, args.records)
        port, knot_port = free_port(), free_port()
        kconf = write_knot_conf(kwork, knot_port, [(ORIGIN, zone)],
                                sections=KNOT_PRIMARY.format(secret=SECRET, port=port),
                                zone_options=["notify: fastzone", "acl: [to-fastzone, local-update]",
                                              "serial-policy: increment"])
        with open(kconf) as f:
            text = f.read()
        with open(kconf, "w") as f:  # the changes kept, for IXFR
            f.write(text.replace("journal-content: none", "journal-content: changes"))
        knot = Knotd(kconf, knot_port)
        servers.append(knot)
        t0 = time.monotonic()
        knot.start()
        knot.wait_ready(ORIGIN, timeout=600)
        print(f"Knot DNS {subprocess.run(['knotd', '-V'], capture_output=True, text=True).stdout.split()[-1]}: "
              f"zone of {args.records} A records loaded in {time.monotonic() - t0:.1f} s", flush=True)

        fwork = os.path.join(work, "fastzoned")
        os.makedirs(fwork)
        fz = Fastzoned(args.fastzoned, secondary_conf(fwork, port, knot_port), port)
        servers.append(fz)
        t0, started = time.monotonic(), time.time()
        fz.start()
        seconds = wait_until(lambda: soa_serial(port) == 1, 600, "the first AXFR in", fz, interval=0.01)
        fz.wait_for_log('msg="changes published"', timeout=10)  # logged just after the publish
        lines = fz.log_text().splitlines()
        done = next((ln for ln in lines if 'msg="secondary zone transferred"' in ln), "")
        pub = [ln for ln in lines if 'msg="changes published"' in ln]
        print(f"first AXFR in of {args.records} records: {seconds:.2f} s from fastzoned's start to the zone "
              f"answered (kind={log_field(done, 'kind')}, records={log_field(done, 'records')}: transferred and "
              f"stored {log_epoch(done) - started:.2f} s after the start, then built in "
              f"rebuild_ms={log_field(pub[-1], 'rebuild_ms') if pub else '?'}); RSS {status_mib(fz.pid):.0f} MB",
              flush=True)

        via = "knotc zone-commit" if args.knot_change == "txn" else "Knot's UPDATE answer"
        served, by_notify = [], []
        for r in range(1, rounds + 1):
            changes = round_changes(r, args.records, args.changes)
            name, address = next((f"{n}.{ORIGIN}", a) for k, n, a in changes if k == "replace")
            before_log = len(fz.log_text())
            ixfr_before = ctl_stats(ctl, fwork).get("transfer_in ixfr", 0)
            serial_before = soa_serial(knot_port)
            if args.knot_change == "txn":
                knotc(kconf, stdin=as_knotc(changes))  # staged in Knot's transaction, not yet served
                sent = time.time()
                knotc(kconf, "zone-commit", ORIGIN)
                acked = time.time()
            else:
                update = as_update(changes)
                sent = time.time()
                answer = dns.query.tcp(update, "127.0.0.1", port=knot_port, timeout=60)
                acked = time.time()
                if answer.rcode() != dns.rcode.NOERROR:
                    raise RuntimeError(f"Knot answered the UPDATE {dns.rcode.to_text(answer.rcode())}")
            serial = soa_serial(knot_port)
            if serial == serial_before:
                raise RuntimeError("Knot's serial did not change")
            wait_until(lambda: soa_serial(port) == serial and a_values(port, name) == {address}, 60,
                       f"round {r}: fastzoned serving serial {serial}", fz)
            end = time.time()
            served.append(end - acked)
            wait_until(lambda: 'msg="changes published"' in fz.log_text()[before_log:], 10,
                       f"round {r}: the publish's log line", fz)
            new = fz.log_text()[before_log:].splitlines()
            notify = next((ln for ln in new if 'msg="notify accepted"' in ln), None)
            done = next((ln for ln in new if 'msg="secondary zone transferred"' in ln), "")
            pub = next((ln for ln in new if 'msg="changes published"' in ln), "")
            ixfr = ctl_stats(ctl, fwork).get("transfer_in ixfr", 0) - ixfr_before
            if log_field(done, "kind") != "ixfr" or ixfr != 1:
                raise RuntimeError(f"round {r} was not one IXFR: {done!r}, transfer_in ixfr +{ixfr}")
            note = ""
            if notify:
                by_notify.append(end - log_epoch(notify))
                note = (f"; Knot's NOTIFY came at {(log_epoch(notify) - acked) * 1000:.0f} ms, "
                        f"NOTIFY to served {by_notify[-1] * 1000:.0f} ms")
            print(f"round {r}: serial {serial}, {args.changes} changes ({via} took {(acked - sent) * 1000:.0f} ms): "
                  f"from its end to fastzoned serving the change {served[-1] * 1000:.0f} ms{note}; fastzoned's "
                  f"IXFR applied (transfer_in ixfr +1) at {(log_epoch(done) - acked) * 1000:.0f} ms, published "
                  f"at {(log_epoch(pub) - acked) * 1000:.0f} ms (rebuild_ms={log_field(pub, 'rebuild_ms')}, "
                  f"patched={log_field(pub, 'patched')})", flush=True)
        records, incremental = knot_ixfr(knot_port, serial_before)
        print(f"Knot's own answer to IXFR={serial_before}: {records} records, "
              f"{'incremental (a delta)' if incremental else 'NOT incremental'}", flush=True)
        line = (f"IXFR in of {args.changes} changes to {args.records} records, {rounds} rounds: {via} to served: "
                f"best {min(served) * 1000:.0f} ms, median {statistics.median(served) * 1000:.0f} ms")
        if by_notify:
            line += (f"; NOTIFY received to served: best {min(by_notify) * 1000:.0f} ms, "
                     f"median {statistics.median(by_notify) * 1000:.0f} ms")
        print(line + f"; RSS {status_mib(fz.pid):.0f} MB", flush=True)
        return 0
    finally:
        for s in reversed(servers):
            s.stop()
        if args.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("fastzoned")
    ap.add_argument("--records", type=int, default=1_000_000)
    ap.add_argument("--rounds", type=int, help="rounds (default 5; with --ixfr-in 3)")
    ap.add_argument("--no-peers", action="store_true")
    ap.add_argument("--ixfr-in", action="store_true", help="fastzoned as a secondary of Knot DNS instead")
    ap.add_argument("--changes", type=int, default=1000, help="with --ixfr-in: changes per round")
    ap.add_argument("--knot-change", choices=("txn", "update"), default="txn",
                    help="with --ixfr-in: how the changes are made on Knot: a knotc zone transaction (its "
                         "NOTIFY goes at once) or an RFC 2136 UPDATE (Knot 3.2 sends the NOTIFY 1 s later)")
    ap.add_argument("--keep", action="store_true", help="with --ixfr-in: keep the work folder")
    args = ap.parse_args()
    if args.ixfr_in:
        return ixfr_in(args)
    args.rounds = args.rounds or 5
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
    sys.exit(main())
