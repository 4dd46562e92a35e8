"""What the zone-transfer tests share: the SOA serial a server answers, a zone taken by
AXFR as a set of record lines, waiting on a condition, and fastzoned's counters through
fastzonectl. Needs dnspython (Debian: python3-dnspython): without it, importing this
module skips the test (exit 77)."""

import os
import shutil
import subprocess
import sys
import tempfile
import time

try:
    import dns.message
    import dns.query
    import dns.rcode
    import dns.rdatatype
    import dns.tsigkeyring
    import dns.update
    import dns.xfr
    import dns.zone
except ImportError:
    print("SKIP: dnspython is not installed for this python (Debian: python3-dnspython)")
    sys.exit(77)

from fztest import fail
from servers import ServerError, remove_work_dir


def soa_serial(port, zone):
    """The serial of `zone` that 127.0.0.1@port answers, or None (no answer, no zone)."""
    q = dns.message.make_query(zone, "SOA")
    try:
        r = dns.query.udp(q, "127.0.0.1", port=port, timeout=1)
    except Exception:  # noqa: BLE001: not up yet, or the zone not loaded
        return None
    for rrset in r.answer:
        if rrset.rdtype == dns.rdatatype.SOA:
            return rrset[0].serial
    return None


def wait_for(cond, what, timeout=20.0):
    """Seconds until cond() holds; fails the test after `timeout`."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        if cond():
            return time.monotonic() - t0
        time.sleep(0.01)
    fail(f"{what}: not within {timeout:g} s")


def wait_serial(port, zone, serial, timeout=20.0):
    return wait_for(lambda: soa_serial(port, zone) == serial,
                    f"{zone} at port {port} serving serial {serial} (it has {soa_serial(port, zone)})", timeout)


def axfr(port, zone, keyring=None):
    """The zone's records by AXFR from 127.0.0.1@port, as a set of 'owner ttl type rdata'."""
    z = dns.zone.from_xfr(dns.query.xfr("127.0.0.1", zone, port=port, keyring=keyring, lifetime=20,
                                        relativize=False), relativize=False)
    return {f"{n.to_text().lower()} {rds.ttl} {dns.rdatatype.to_text(rds.rdtype)} {rd.to_text()}"
            for n, node in z.nodes.items() for rds in node.rdatasets for rd in rds}


def fastzonectl(ctl, work, *args):
    """fastzonectl's output for `args`, on the control socket work/ctl.sock."""
    return subprocess.run([ctl, "-s", os.path.join(work, "ctl.sock"), *args], capture_output=True,
                          text=True).stdout


def stats(ctl, work):
    """fastzonectl stats as {name: number}."""
    values = {}
    for line in fastzonectl(ctl, work, "stats").splitlines():
        parts = line.rsplit(" ", 1)
        if len(parts) == 2 and parts[1].isdigit():
            values[parts[0]] = int(parts[1])
    return values


def run_test(prefix, body):
    """Runs body(work, servers) in a new temporary folder `work`; the body appends each
    server it starts to `servers` (it may replace one, or stop one on purpose). After it,
    every server not stopped on purpose must still be running; then all are stopped,
    newest first, and the folder is removed (kept with FZ_KEEP=1). A ServerError fails
    the test. Returns 0."""
    work = tempfile.mkdtemp(prefix=prefix)
    servers = []
    try:
        body(work, servers)
        for s in servers:
            if not s.stopped and not s.running():
                fail(f"{s.name} exited: {s.log_tail()}")
        return 0
    except ServerError as e:
        fail(str(e))
    finally:
        for s in reversed(servers):
            s.stop()
        remove_work_dir(work, keep=os.environ.get("FZ_KEEP") == "1")


def fastzoned_argument(usage, tools):
    """FASTZONED, the test's argument, as an absolute path; or the test ends: exit 2 with
    `usage` without it, 77 (skip) when one of `tools` (name -> Debian package, or "") is
    not installed."""
    if len(sys.argv) < 2:
        print(usage)
        sys.exit(2)
    for tool, package in tools.items():
        if shutil.which(tool) is None:
            print(f"SKIP: {tool} is not installed" + (f" (Debian: {package})" if package else ""))
            sys.exit(77)
    return os.path.abspath(sys.argv[1])
