#!/usr/bin/python3
"""fastzone as a secondary of Knot DNS (zones[].primaries; AXFR, IXFR, NOTIFY, TSIG):

  Knot DNS 3.2 serves a zone and NOTIFYs fastzone, its secondary, over a TSIG key. The
  first transfer brings the zone whole (fastzone's AXFR then equals Knot's, record for
  record); knsupdate changes on Knot reach fastzone by NOTIFY and IXFR (the time from
  knsupdate's answer to fastzone's new answer is printed), a chain of them too. With
  short SOA timers and Knot stopped, fastzone keeps answering from its copy while it
  retries, then marks the zone expired after the SOA expire time; Knot back, the zone
  recovers. A zone whose primary signs with another secret is never taken (the TSIG
  failure is counted), and a kill -9 and restart serves the stored copy at once.

usage: transfers_in.py FASTZONED
exit: 0 pass, 1 fail (with the reason), 77 skip (knotd, knsupdate or dnspython missing)
"""

import base64
import os
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fztest import check, fail  # noqa: E402  (puts tests/support on the path)
from ports import free_port  # noqa: E402
from servers import Fastzoned, Knotd, write_knot_conf  # noqa: E402

from xfrtest import axfr, fastzonectl, fastzoned_argument, run_test, soa_serial, stats, wait_for  # noqa: E402,E501
import dns.message  # noqa: E402
import dns.query  # noqa: E402
import dns.rcode  # noqa: E402
import dns.tsigkeyring  # noqa: E402

SECRET = base64.b64encode(b"fastzone-secondary-secret-32byte").decode()
OTHER = base64.b64encode(b"a-different-secret-for-zone-two!").decode()
KEY = dns.tsigkeyring.from_text({"xfr-key.": ("hmac-sha256", SECRET)})

# Short timers: refresh 2 s, retry 1 s, expire 8 s.
SEC_ZONE = """$ORIGIN sec.example.
$TTL 300
@        SOA ns1 hostmaster 2026120401 2 1 8 60
@        NS  ns1
ns1      A   192.0.2.53
www      A   192.0.2.10
www      AAAA 2001:db8::10
mail     MX  10 www
txt      TXT "from knot"
sub      NS  ns.sub
ns.sub   A   192.0.2.99
"""

OTHER_ZONE = """$ORIGIN other.example.
$TTL 300
@        SOA ns1 hostmaster 1 3600 600 86400 60
@        NS  ns1
ns1      A   192.0.2.53
"""

KNOT_SECTIONS = """key:
  - id: xfr-key
    algorithm: hmac-sha256
    secret: {secret}
  - id: other-key
    algorithm: hmac-sha256
    secret: {other}
remote:
  - id: fastzone
    address: 127.0.0.1@{port}
    key: xfr-key
acl:
  - id: to-fastzone
    address: 127.0.0.1
    key: [xfr-key, other-key]
    action: transfer
  - id: local-update
    address: 127.0.0.1
    action: update
"""


def fastzone_conf(work, port, knot_port):
    return f"""server:
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
  - id: wrong-key
    algorithm: hmac-sha256
    secret: "{SECRET[:-4]}AAA="
remotes:
  - id: knot
    address: 127.0.0.1@{knot_port}
    key: xfr-key
  - id: knot-wrong-key
    address: 127.0.0.1@{knot_port}
    key: wrong-key
acl:
  - id: local-transfer
    addresses: [127.0.0.0/8]
    actions: [transfer]
zones:
  - origin: sec.example.
    primaries: [knot]
    acl: [local-transfer]
  - origin: other.example.
    primaries: [knot-wrong-key]
"""


def rcode(port, name, rdtype="A"):
    q = dns.message.make_query(name, rdtype)
    return dns.query.udp(q, "127.0.0.1", port=port, timeout=2).rcode()


def counter(work, name):
    return stats(CTL, work).get(name, 0)


def secondary_line(work, zone):
    for line in fastzonectl(CTL, work, "status").splitlines():
        if line.startswith(f"secondary {zone}:"):
            return line
    return ""


def knsupdate(port, script):
    text = f"server 127.0.0.1 {port}\nzone sec.example.\n{script}send\n"
    p = subprocess.run(["knsupdate"], input=text, capture_output=True, text=True, timeout=10)
    if p.returncode != 0:
        fail(f"knsupdate: {p.stdout} {p.stderr}")


def log_time(line):
    """The ts= field of a log line, in seconds (of the day)."""
    ts = line.split("ts=", 1)[1].split()[0]
    hh, mm, ss = ts.split("T")[1].rstrip("Z").split(":")
    return int(hh) * 3600 + int(mm) * 60 + float(ss)


def notify_to_published_ms(fz):
    """From the last NOTIFY accepted to the next snapshot published, by fastzone's log."""
    lines = fz.log_text().splitlines()
    for i in range(len(lines) - 1, -1, -1):
        if 'msg="notify accepted"' in lines[i]:
            for later in lines[i + 1:]:
                if 'msg="changes published"' in later:
                    return (log_time(later) - log_time(lines[i])) * 1000
            return None
    return None


CTL = None


def main():
    global CTL
    fastzoned = fastzoned_argument(__doc__, {"knotd": "", "knsupdate": ""})
    CTL = os.path.join(os.path.dirname(fastzoned), "fastzonectl")
    return run_test("fz-xfr-in-", lambda work, servers: scenario(fastzoned, work, servers))


def scenario(fastzoned, work, servers):
    port, knot_port = free_port(), free_port()
    kwork = os.path.join(work, "knot-primary")
    os.makedirs(kwork)
    for name, text in (("sec.example.zone", SEC_ZONE), ("other.example.zone", OTHER_ZONE)):
        with open(os.path.join(kwork, name), "w") as f:
            f.write(text)
    kconf = write_knot_conf(kwork, knot_port, [("sec.example.", "sec.example.zone"),
                                               ("other.example.", "other.example.zone")],
                            sections=KNOT_SECTIONS.format(secret=SECRET, other=OTHER, port=port),
                            zone_options=["notify: fastzone", "acl: [to-fastzone, local-update]",
                                          "serial-policy: increment"],
                            zone_dir=kwork)
    with open(kconf) as f:
        text = f.read().replace("journal-content: none", "journal-content: changes")
    with open(kconf, "w") as f:
        f.write(text)
    knot = Knotd(kconf, knot_port)
    servers.append(knot)
    knot.start()
    knot.wait_ready("sec.example.")

    conf = os.path.join(work, "fastzone.yaml")
    with open(conf, "w") as f:
        f.write(fastzone_conf(work, port, knot_port))
    fz = Fastzoned(fastzoned, conf, port)
    servers.append(fz)
    fz.start()
    wait_for(lambda: soa_serial(port, "sec.example.") == 2026120401, "the first AXFR")
    knot_copy = axfr(knot_port, "sec.example.", KEY)
    check(len(knot_copy) == 9 and axfr(port, "sec.example.") == knot_copy,
          "the first transfer: fastzone serves Knot DNS's zone, record for record")
    line = secondary_line(work, "sec.example.")
    check("ok, serial 2026120401, primary knot" in line, f"fastzonectl status shows the zone ({line})")

    # Changes on Knot: NOTIFY, then IXFR.
    ixfr_before = counter(work, "transfer_in ixfr")
    t0 = time.monotonic()
    knsupdate(knot_port, "update add new.sec.example. 300 A 192.0.2.200\nupdate delete txt.sec.example. TXT\n")
    serial = soa_serial(knot_port, "sec.example.")
    seconds = wait_for(lambda: soa_serial(port, "sec.example.") == serial, "the change on fastzone", 10)
    print(f"     knsupdate answered on Knot DNS to the change served by fastzone: {seconds * 1000:.0f} ms "
          f"({(time.monotonic() - t0) * 1000:.0f} ms from before knsupdate)")
    notify_ms = notify_to_published_ms(fz)
    if notify_ms is not None:
        print(f"     NOTIFY received to the new serial published (fastzone's log): {notify_ms:.0f} ms")
    check(axfr(port, "sec.example.") == axfr(knot_port, "sec.example.", KEY),
          f"after the UPDATE on Knot, fastzone's copy (serial {serial}) equals Knot's")
    check(counter(work, "transfer_in ixfr") > ixfr_before, "it came by IXFR")
    for i in range(5):
        knsupdate(knot_port, f'update add chain{i}.sec.example. 60 TXT "step {i}"\n')
    serial = soa_serial(knot_port, "sec.example.")
    wait_for(lambda: soa_serial(port, "sec.example.") == serial, "the chain of changes", 10)
    check(axfr(port, "sec.example.") == axfr(knot_port, "sec.example.", KEY),
          f"after 5 more UPDATEs on Knot, the copies are equal at serial {serial}")

    # A primary whose key does not match: nothing taken, the failure counted.
    check(rcode(port, "other.example.", "SOA") == dns.rcode.REFUSED and counter(work, "transfer_in failed") >= 1,
          "a zone whose primary answers with another key is never served (TSIG failure counted)")
    other = secondary_line(work, "other.example.")
    check("BADKEY" in other or "BADSIG" in other, f"its status names the TSIG error ({other})")

    # Knot stopped: fastzone answers from its copy, retries, then expires the zone.
    knot.stop()
    stopped = time.monotonic()
    wait_for(lambda: "retrying" in secondary_line(work, "sec.example."), "the retry state", 10)
    check(rcode(port, "www.sec.example.") == dns.rcode.NOERROR, "the primary gone, the copy is still answered")
    wait_for(lambda: "expired" in secondary_line(work, "sec.example."), "expiry", 15)
    print(f"     primary stopped to zone expired: {time.monotonic() - stopped:.1f} s (SOA expire 8 s)")
    check(counter(work, "transfer_in expired") == 1, "the expiry is counted")
    wait_for(lambda: rcode(port, "www.sec.example.") == dns.rcode.SERVFAIL, "SERVFAIL after expire", 5)
    check(rcode(port, "sec.example.", "SOA") == dns.rcode.SERVFAIL, "the expired zone is answered SERVFAIL")

    # kill -9 with the primary still away: the stored copy is served at once.
    os.kill(fz.pid, signal.SIGKILL)
    fz.proc.wait()
    fz = Fastzoned(fastzoned, conf, port)
    servers[1] = fz
    fz.start()
    fz.wait_ready("sec.example.")
    check(soa_serial(port, "sec.example.") == serial,
          "after kill -9, the stored copy is served at once (its expire timer starts again)")

    # Knot back: the zone refreshes and is current again.
    knot = Knotd(kconf, knot_port)
    servers[0] = knot
    knot.start()
    knot.wait_ready("sec.example.")
    knsupdate(knot_port, "update add back.sec.example. 300 A 192.0.2.201\n")
    serial = soa_serial(knot_port, "sec.example.")
    wait_for(lambda: soa_serial(port, "sec.example.") == serial, "the refresh after the primary came back", 15)
    check("ok" in secondary_line(work, "sec.example.").split(":", 1)[1].split(",")[0] and
          rcode(port, "back.sec.example.") == dns.rcode.NOERROR, "with the primary back the zone is current again")


if __name__ == "__main__":
    sys.exit(main())
