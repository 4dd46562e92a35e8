#!/usr/bin/python3
"""fastzoned on kernel sockets, as a process: queries over UDP/TCP and IPv4/IPv6 with
dnspython and kdig, SIGHUP reload (good, broken, fixed), start-up errors (bad
configuration, port in use), clean SIGTERM, fastzonectl against the running server.

usage: socket_mode.py FASTZONED FASTZONECTL
"""

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

import dns.message
import dns.query
import dns.rcode

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from ports import free_port  # noqa: E402
from servers import Fastzoned, ServerError, remove_work_dir, write_fastzone_conf  # noqa: E402

ZONE = """$ORIGIN example.com.
$TTL 300
@    SOA ns1 hostmaster 1 7200 3600 1209600 60
@    NS  ns1
ns1  A   192.0.2.53
www  A   {www}
big  TXT "{big}" "{big}" "{big}"
"""


def fail(msg):
    print(f"FAIL: {msg}")
    sys.exit(1)


def check(cond, msg):
    if not cond:
        fail(msg)
    print(f"ok   {msg}")


def write_zone(path, www):
    with open(path, "w") as f:
        f.write(ZONE.format(www=www, big="x" * 200))


def query(addr, port, name, rdtype="A", tcp=False, timeout=2.0):
    q = dns.message.make_query(name, rdtype)
    return (dns.query.tcp if tcp else dns.query.udp)(q, addr, port=port, timeout=timeout)


def www(port):
    r = query("127.0.0.1", port, "www.example.com.")
    return r.answer[0][0].to_text() if r.answer else None


def wait_for(pred, timeout=10.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            if pred():
                return True
        except Exception:  # noqa: BLE001 - not up yet
            pass
        time.sleep(0.05)
    return False


def main():
    fastzoned, fastzonectl = sys.argv[1], sys.argv[2]
    work = tempfile.mkdtemp(prefix="fz-socket-mode-")
    server = None
    try:
        port = free_port()
        zone = os.path.join(work, "example.com.zone")
        write_zone(zone, "192.0.2.10")
        sock = os.path.join(work, "ctl.sock")
        conf = write_fastzone_conf(work, port, [("example.com.", "example.com.zone")], workers=2,
                                   listen=[f"127.0.0.1@{port}", f"::1@{port}"], control=sock)
        server = Fastzoned(fastzoned, conf, port).start()
        try:
            server.wait_ready("example.com.", timeout=10)
        except ServerError as e:
            fail(str(e))
        check(wait_for(lambda: www(port) == "192.0.2.10"), "serves www over UDP/IPv4")
        r = query("::1", port, "www.example.com.")
        check(r.answer and r.answer[0][0].to_text() == "192.0.2.10", "serves over UDP/IPv6")
        r = query("127.0.0.1", port, "big.example.com.", "TXT")
        check(r.flags & dns.flags.TC, "a large answer is truncated over UDP")
        r = query("::1", port, "big.example.com.", "TXT", tcp=True)
        check(len(r.answer) == 1 and len(r.answer[0]) == 1 and not r.flags & dns.flags.TC, "full answer over TCP/IPv6")
        r = query("127.0.0.1", port, "nothere.example.com.")
        check(r.rcode() == dns.rcode.NXDOMAIN, "NXDOMAIN")
        if shutil.which("kdig"):
            out = subprocess.run(["kdig", "@127.0.0.1", "-p", str(port), "+short", "www.example.com", "A"],
                                 capture_output=True, text=True, timeout=10).stdout
            check(out.strip() == "192.0.2.10", "kdig gets the answer")

        # SIGHUP reload: a good zone, a broken one (old data kept), the fixed one.
        write_zone(zone, "192.0.2.20")
        server.proc.send_signal(signal.SIGHUP)
        check(wait_for(lambda: www(port) == "192.0.2.20"), "SIGHUP reload picks up the new zone")
        write_zone(zone, "192.0.2.999")
        server.proc.send_signal(signal.SIGHUP)
        check(wait_for(lambda: "example.com.zone:6" in server.log_text()), "a broken zone is reported with file:line")
        check(www(port) == "192.0.2.20", "after a failed reload the previous data is still served")
        write_zone(zone, "192.0.2.30")
        server.proc.send_signal(signal.SIGHUP)
        check(wait_for(lambda: www(port) == "192.0.2.30"), "the fixed zone is picked up")

        # fastzonectl against the running server.
        out = subprocess.run([fastzonectl, "-s", sock, "status"], capture_output=True, text=True)
        check(out.returncode == 0 and "zone example.com.:" in out.stdout, "fastzonectl status")
        write_zone(zone, "192.0.2.40")
        out = subprocess.run([fastzonectl, "-c", conf, "reload"], capture_output=True, text=True)
        check(out.returncode == 0 and www(port) == "192.0.2.40", "fastzonectl reload")
        write_zone(zone, "192.0.2.400")
        out = subprocess.run([fastzonectl, "-s", sock, "reload"], capture_output=True, text=True)
        check(out.returncode == 1 and "example.com.zone:6" in out.stderr, "fastzonectl reload reports the error")
        check(www(port) == "192.0.2.40", "and the old data stays")

        # A second server on the same port fails cleanly.
        conf2 = write_fastzone_conf(work, port, [("example.com.", os.path.join(work, "good.zone"))], workers=None,
                                    control=f"{work}/ctl2.sock", name="second.yaml")
        write_zone(os.path.join(work, "good.zone"), "192.0.2.1")
        second = subprocess.run([fastzoned, "-c", conf2], capture_output=True, text=True, timeout=20)
        check(second.returncode == 1 and f"127.0.0.1@{port}" in second.stderr and "in use" in second.stderr,
              "a port in use is a clean start-up error")

        # A bad configuration names file and line.
        bad = os.path.join(work, "bad.yaml")
        with open(bad, "w") as f:
            f.write("server:\n  listen: [127.0.0.1@5300]\n  wrkers: 2\nzones: []\n")
        r3 = subprocess.run([fastzoned, "-c", bad], capture_output=True, text=True, timeout=20)
        check(r3.returncode == 1 and "bad.yaml:3" in r3.stderr and "wrkers" in r3.stderr,
              "a bad configuration is rejected with file:line")
        r4 = subprocess.run([fastzonectl, "check", "-c", bad], capture_output=True, text=True)
        check(r4.returncode == 1 and "bad.yaml:3" in r4.stderr, "fastzonectl check reports it too")
        r5 = subprocess.run([fastzonectl, "check-zone", "example.com", os.path.join(work, "good.zone")],
                            capture_output=True, text=True)
        check(r5.returncode == 0 and "OK" in r5.stdout, "fastzonectl check-zone accepts a good zone")

        # Clean shutdown.
        rc = server.stop(10)
        if server.killed:
            fail("fastzoned did not stop within 10 s of SIGTERM")
        check(rc == 0, "SIGTERM stops fastzoned with status 0")
        check(not os.path.exists(sock), "the control socket is removed on exit")
        print("socket mode: all checks passed")
        return 0
    finally:
        if server is not None:
            server.stop()
        remove_work_dir(work)


if __name__ == "__main__":
    sys.exit(main())
