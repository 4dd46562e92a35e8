"""Signing a large zone from cold: fastzoned (zones[].dnssec, NSEC) against BIND's
dnssec-signzone with as many threads, and ldns-signzone (one thread), with the same
ECDSAP256SHA256 KSK and ZSK from dnssec-keygen, in one run.

fastzoned's figure is its own: the "zones loaded" log line's sign_ms (the signatures and
the NSEC chain, on all CPUs), and the whole load (parse, sign, compile) from its start to
serving. The others are wall-clock times of the command, which reads the zone, signs it
and writes the signed file. Then one record and the SOA serial change and fastzoned
reloads (SIGHUP): its second sign_ms is what a change costs when the unchanged RRsets
keep their signatures.
"""

import argparse
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tests", "support"))
from ports import free_port  # noqa: E402
from servers import Fastzoned, write_fastzone_conf  # noqa: E402

FASTZONED = os.path.join(ROOT, "build", "src", "app", "fastzoned")


def write_zone(path, names):
    with open(path, "w") as f:
        f.write("$ORIGIN example.com.\n$TTL 3600\n@ SOA ns1 hostmaster 1 7200 3600 1209600 300\n@ NS ns1\n")
        f.write("ns1 A 192.0.2.53\n")
        for i in range(names):
            f.write(f"host-{i} A 10.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}\n")


def timed(cmd, **kw):
    t0 = time.monotonic()
    subprocess.run(cmd, check=True, capture_output=True, **kw)
    return time.monotonic() - t0


def fastzone(work, zone, keys):
    port = free_port()
    conf = write_fastzone_conf(work, port, [("example.com.", zone, [f"dnssec: {{keys_dir: {keys}}}"])],
                               control=os.path.join(work, "control.sock"))
    srv = Fastzoned(FASTZONED, conf, port)
    t0 = time.monotonic()
    srv.start()
    try:
        if not srv.wait_for_log('msg=serving', timeout=1800):
            raise RuntimeError("fastzoned did not start:\n" + srv.log_tail())
        total = time.monotonic() - t0

        def loads():
            return [dict(kv.split("=", 1) for kv in line.split() if "=" in kv)
                    for line in srv.log_text().splitlines() if 'msg="zones loaded"' in line or 'msg=reloaded' in line]

        first = loads()[0]
        with open(zone) as f:
            text = f.read()
        with open(zone, "w") as f:
            f.write(text.replace("hostmaster 1 ", "hostmaster 2 ", 1).replace("host-0 A 10.0.0.0", "host-0 A 10.9.9.9"))
        os.kill(srv.pid, signal.SIGHUP)
        deadline = time.monotonic() + 1800
        while len(loads()) < 2 and time.monotonic() < deadline:
            time.sleep(0.2)
        again = loads()[1]
        return (total, int(first["sign_ms"]) / 1000, int(first["signatures"]), int(again["sign_ms"]) / 1000,
                int(again["signatures"]), int(again["signatures_kept"]))
    finally:
        srv.stop()


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--names", type=int, default=1000000)
    ap.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    args = ap.parse_args()
    for tool in ("dnssec-keygen", "dnssec-signzone"):
        if shutil.which(tool) is None:
            print(f"{tool} not found: scripts/setup installs bind9-utils")
            return 1
    work = tempfile.mkdtemp(prefix="fz-signing-")
    try:
        zone = os.path.join(work, "example.com.zone")
        write_zone(zone, args.names)
        keys = os.path.join(work, "keys")
        os.makedirs(keys)
        bases = []
        for extra in (["-f", "KSK"], []):
            out = subprocess.run(["dnssec-keygen", "-q", "-K", keys, "-a", "13", *extra, "example.com."], check=True,
                                 capture_output=True, text=True).stdout.strip()
            bases.append(os.path.join(keys, out))
        total, sign_s, sigs, resign_s, resigned, kept = fastzone(work, zone, keys)
        bind = timed(["dnssec-signzone", "-q", "-S", "-K", keys, "-d", work, "-n", str(args.threads),
                      "-o", "example.com.", "-f", os.path.join(work, "bind.signed"), zone], cwd=work)
        ldns = None
        if shutil.which("ldns-signzone"):
            with open(zone) as f, open(os.path.join(work, "with-keys.zone"), "w") as g:
                g.write(f.read())
                for b in bases:
                    with open(b + ".key") as k:
                        g.write("".join(l for l in k if not l.startswith(";")))
            ldns = timed(["ldns-signzone", "-f", os.path.join(work, "ldns.signed"), "-o", "example.com.",
                          os.path.join(work, "with-keys.zone")] + bases, cwd=work)
        print(f"{args.names} names (+3 records), ECDSAP256SHA256 KSK + ZSK, NSEC, {args.threads} threads")
        print(f"{'signer':34s} {'seconds':>8s} {'vs fastzoned signing':>21s}")
        print(f"{'fastzoned: signing (sign_ms)':34s} {sign_s:8.1f} {1.0:21.2f}   ({sigs} RRSIGs)")
        print(f"{'fastzoned: parse + sign + compile':34s} {total:8.1f} {total / sign_s:21.2f}")
        print(f"{'fastzoned: one change, re-signed':34s} {resign_s:8.1f} {resign_s / sign_s:21.2f}   "
              f"({resigned} RRSIGs made, {kept} kept)")
        print(f"{'dnssec-signzone -n ' + str(args.threads):34s} {bind:8.1f} {bind / sign_s:21.2f}")
        if ldns is not None:
            print(f"{'ldns-signzone (one thread)':34s} {ldns:8.1f} {ldns / sign_s:21.2f}")
        return 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
