#!/usr/bin/python3
"""fastzone as the primary of Knot DNS and NSD secondaries (AXFR, IXFR, NOTIFY, TSIG):

  Knot DNS 3.2 and NSD 4.6 are configured as secondaries of fastzone with a TSIG key
  (hmac-sha256); fastzone NOTIFYs them. They bootstrap by AXFR, and each serves exactly
  the records fastzone's own AXFR holds, record for record: a store zone changed by
  RFC 2136 UPDATE and a file zone with Route 53 routing-policy record sets (what a plain
  secondary gets for a policy name is one answer fastzone gives, never the members
  merged into one RRset). UPDATEs then reach both secondaries by NOTIFY and IXFR (the
  transfer counters say IXFR from the history, not the whole zone), a chain of several
  in a row too, and the copies still compare equal. Without the key, or with a wrong
  one, fastzone refuses the transfer (NOTAUTH) and counts it.

usage: transfers_out.py FASTZONED
exit: 0 pass, 1 fail (with the reason), 77 skip (knotd, nsd or dnspython missing)
"""

import base64
import os
import shutil
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from fztest import check, fail  # noqa: E402  (puts tests/support on the path)
from ports import free_port  # noqa: E402
from servers import Fastzoned, Knotd, Nsd, ServerError, remove_work_dir, write_knot_conf, write_nsd_conf  # noqa: E402

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

from xfrtest import axfr, soa_serial, stats, wait_serial  # noqa: E402

XFR_SECRET = base64.b64encode(b"fastzone-transfer-secret-32bytes").decode()
UPDATE_SECRET = base64.b64encode(b"fastzone-update-secret-32-bytes!").decode()
WRONG = base64.b64encode(b"not-the-secret-the-server-knows!").decode()
XFR_KEY = dns.tsigkeyring.from_text({"xfr-key.": ("hmac-sha256", XFR_SECRET)})
UPDATE_KEY = dns.tsigkeyring.from_text({"update-key.": ("hmac-sha256", UPDATE_SECRET)})
WRONG_KEY = dns.tsigkeyring.from_text({"xfr-key.": ("hmac-sha256", WRONG)})

DYN_ZONE = """$ORIGIN dyn.example.
$TTL 300
@        SOA ns1 hostmaster 100 7200 3600 1209600 60
@        NS  ns1
@        MX  10 mail
ns1      A   192.0.2.53
mail     A   192.0.2.25
www      A   192.0.2.10
www      AAAA 2001:db8::10
_sip._udp SRV 10 60 5060 www
*.apps   A   192.0.2.80
alias    CNAME www
txt      TXT "one string" "two strings"
sub      NS  ns.sub
ns.sub   A   192.0.2.99
"""

POL_ZONE = """$ORIGIN pol.example.
$TTL 300
@        SOA ns1 hostmaster 7 7200 3600 1209600 60
@        NS  ns1
ns1      A   192.0.2.53
"""

POL_RECORD_SETS = """{"ResourceRecordSets": [
 {"Name": "lb.pol.example.", "Type": "A", "SetIdentifier": "one", "Weight": 10, "TTL": 60,
  "ResourceRecords": [{"Value": "192.0.2.101"}]},
 {"Name": "lb.pol.example.", "Type": "A", "SetIdentifier": "two", "Weight": 10, "TTL": 60,
  "ResourceRecords": [{"Value": "192.0.2.102"}]},
 {"Name": "fo.pol.example.", "Type": "A", "SetIdentifier": "p", "Failover": "PRIMARY", "TTL": 60,
  "ResourceRecords": [{"Value": "192.0.2.111"}]},
 {"Name": "fo.pol.example.", "Type": "A", "SetIdentifier": "s", "Failover": "SECONDARY", "TTL": 60,
  "ResourceRecords": [{"Value": "192.0.2.112"}]},
 {"Name": "geo.pol.example.", "Type": "A", "SetIdentifier": "eu", "GeoLocation": {"ContinentCode": "EU"},
  "TTL": 60, "ResourceRecords": [{"Value": "192.0.2.121"}]},
 {"Name": "geo.pol.example.", "Type": "A", "SetIdentifier": "default", "GeoLocation": {"CountryCode": "*"},
  "TTL": 60, "ResourceRecords": [{"Value": "192.0.2.129"}]}]}
"""


def fastzone_conf(work, port, knot_port, nsd_port):
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
    secret: "{XFR_SECRET}"
  - id: update-key
    algorithm: hmac-sha256
    secret: "{UPDATE_SECRET}"
remotes:
  - id: knot
    address: 127.0.0.1@{knot_port}
    key: xfr-key
  - id: nsd
    address: 127.0.0.1@{nsd_port}
    key: xfr-key
acl:
  - id: secondaries
    remotes: [knot, nsd]
    actions: [transfer]
  - id: updaters
    keys: [update-key]
    actions: [update]
zones:
  - origin: dyn.example.
    file: dyn.example.zone
    acl: [secondaries, updaters]
    notify: [knot, nsd]
  - origin: pol.example.
    file: pol.example.zone
    record_sets: pol.example.json
    acl: [secondaries]
    notify: [knot]
"""


KNOT_SECTIONS = """key:
  - id: xfr-key
    algorithm: hmac-sha256
    secret: {secret}
remote:
  - id: fastzone
    address: 127.0.0.1@{port}
    key: xfr-key
acl:
  - id: from-fastzone
    address: 127.0.0.1
    key: xfr-key
    action: notify
  - id: to-test
    address: 127.0.0.1
    action: transfer
"""


def refused(port, zone, keyring):
    try:
        list(dns.query.xfr("127.0.0.1", zone, port=port, keyring=keyring, lifetime=5))
    except dns.xfr.TransferError as e:
        return e.rcode == dns.rcode.NOTAUTH
    except dns.tsig.PeerBadSignature:
        return True  # NOTAUTH with an unsigned BADSIG record, which dnspython reports so
    except Exception as e:  # noqa: BLE001
        print(f"     refusal came as {type(e).__name__}: {e}")
        return "NOTAUTH" in str(e)
    return False


def update(port, zone, add=(), delete=()):
    u = dns.update.UpdateMessage(zone, keyring=UPDATE_KEY)
    for name, ttl, rdtype, value in add:
        u.add(name, ttl, rdtype, value)
    for name, rdtype in delete:
        u.delete(name, rdtype)
    r = dns.query.tcp(u, "127.0.0.1", port=port, timeout=10)
    if r.rcode() != dns.rcode.NOERROR:
        fail(f"UPDATE {add} {delete}: {dns.rcode.to_text(r.rcode())}")


def main():
    if len(sys.argv) < 2:
        print(__doc__)
        return 2
    for tool in ("knotd", "nsd"):
        if shutil.which(tool) is None:
            print(f"SKIP: {tool} is not installed")
            return 77
    fastzoned = os.path.abspath(sys.argv[1])
    fastzonectl = os.path.join(os.path.dirname(fastzoned), "fastzonectl")
    work = tempfile.mkdtemp(prefix="fz-xfr-out-")
    servers = []
    try:
        port, knot_port, nsd_port = free_port(), free_port(), free_port()
        for name, text in (("dyn.example.zone", DYN_ZONE), ("pol.example.zone", POL_ZONE),
                           ("pol.example.json", POL_RECORD_SETS)):
            with open(os.path.join(work, name), "w") as f:
                f.write(text)
        conf = os.path.join(work, "fastzone.yaml")
        with open(conf, "w") as f:
            f.write(fastzone_conf(work, port, knot_port, nsd_port))
        fz = Fastzoned(fastzoned, conf, port)
        servers.append(fz)
        fz.start()
        fz.wait_ready("dyn.example.")

        knot_work = os.path.join(work, "knot-secondary")
        os.makedirs(knot_work)
        knot_conf = write_knot_conf(
            knot_work, knot_port, [("dyn.example.", "dyn.example.zone"), ("pol.example.", "pol.example.zone")],
            sections=KNOT_SECTIONS.format(secret=XFR_SECRET, port=port),
            zone_options=["master: fastzone", "acl: [from-fastzone, to-test]"])
        # The secondary keeps its changes in its journal (IXFR needs one).
        with open(knot_conf) as f:
            text = f.read().replace("journal-content: none", "journal-content: changes")
        with open(knot_conf, "w") as f:
            f.write(text)
        knot = Knotd(knot_conf, knot_port)
        servers.append(knot)
        knot.start()

        nsd_work = os.path.join(work, "nsd-secondary")
        os.makedirs(nsd_work)
        nsd_conf = write_nsd_conf(
            nsd_work, nsd_port, [("dyn.example.", "dyn.example.zone")],
            sections=f'key:\n    name: "xfr-key"\n    algorithm: hmac-sha256\n    secret: "{XFR_SECRET}"\n',
            zone_options=[f"request-xfr: 127.0.0.1@{port} xfr-key", "allow-notify: 127.0.0.1 xfr-key",
                          "provide-xfr: 127.0.0.1 NOKEY"])
        nsd = Nsd(nsd_conf, nsd_port)
        servers.append(nsd)
        nsd.start()

        # Bootstrap: both take the zones whole.
        wait_serial(knot_port, "dyn.example.", 100)
        wait_serial(knot_port, "pol.example.", 7)
        wait_serial(nsd_port, "dyn.example.", 100)
        own = axfr(port, "dyn.example.", XFR_KEY)
        check(len(own) == 13, f"fastzone's AXFR of dyn.example. holds every record ({len(own)})")
        check(axfr(knot_port, "dyn.example.") == own, "Knot DNS serves what fastzone's AXFR holds, record for record")
        check(axfr(nsd_port, "dyn.example.") == own, "NSD serves what fastzone's AXFR holds, record for record")
        pol = axfr(port, "pol.example.", XFR_KEY)
        check(axfr(knot_port, "pol.example.") == pol, "Knot DNS's copy of the policy zone is fastzone's AXFR")
        lb = sorted(r for r in pol if r.startswith("lb.pol.example."))
        check(len(lb) == 1 and lb[0].split()[-1] in ("192.0.2.101", "192.0.2.102"),
              f"a weighted name transfers as one member's record, never both ({lb})")
        check("fo.pol.example. 60 A 192.0.2.111" in pol and not any("192.0.2.112" in r for r in pol),
              "a failover name transfers as the healthy primary's answer")
        check("geo.pol.example. 60 A 192.0.2.129" in pol and not any("192.0.2.121" in r for r in pol),
              "a geolocation name transfers as its default location's answer")

        # Changes: NOTIFY, then IXFR.
        before = stats(fastzonectl, work)
        t0 = time.monotonic()
        update(port, "dyn.example.", add=[("new.dyn.example.", 300, "A", "192.0.2.200")],
               delete=[("txt.dyn.example.", "TXT")])
        serial = soa_serial(port, "dyn.example.")
        check(serial is not None and serial > 100, f"the UPDATE raised fastzone's serial to {serial}")
        knot_s = wait_serial(knot_port, "dyn.example.", serial, timeout=10)
        nsd_s = wait_serial(nsd_port, "dyn.example.", serial, timeout=10)
        total = time.monotonic() - t0
        print(f"     UPDATE acknowledged to served by Knot DNS: {knot_s * 1000:.0f} ms, by NSD: {nsd_s * 1000:.0f} ms "
              f"(both: {total * 1000:.0f} ms)")
        own = axfr(port, "dyn.example.", XFR_KEY)
        check("new.dyn.example. 300 A 192.0.2.200" in own and not any(r.startswith("txt.") for r in own),
              "fastzone's AXFR has the change")
        check(axfr(knot_port, "dyn.example.") == own, "Knot DNS applied the change, record for record")
        check(axfr(nsd_port, "dyn.example.") == own, "NSD applied the change, record for record")
        after = stats(fastzonectl, work)
        ixfrs = after.get("transfer ixfr", 0) - before.get("transfer ixfr", 0)
        check(ixfrs >= 1, f"the secondaries asked for IXFR and got the history's deltas ({ixfrs})")
        check(after.get("transfer ixfr_as_axfr", 0) == before.get("transfer ixfr_as_axfr", 0),
              "no IXFR fell back to the whole zone")

        # A chain of changes in a row: whichever serial the secondaries catch, the deltas chain.
        for i in range(5):
            update(port, "dyn.example.", add=[(f"chain{i}.dyn.example.", 60, "TXT", f'"step {i}"')])
        serial = soa_serial(port, "dyn.example.")
        wait_serial(knot_port, "dyn.example.", serial, timeout=10)
        wait_serial(nsd_port, "dyn.example.", serial, timeout=10)
        own = axfr(port, "dyn.example.", XFR_KEY)
        check(axfr(knot_port, "dyn.example.") == own and axfr(nsd_port, "dyn.example.") == own,
              f"after 5 UPDATEs in a row both copies equal fastzone's at serial {serial}")
        final = stats(fastzonectl, work)
        check(final.get("transfer ixfr_as_axfr", 0) == before.get("transfer ixfr_as_axfr", 0) and
              final.get("transfer failed", 0) == 0, "every IXFR came from the history, none failed")

        # Refusals.
        check(refused(port, "dyn.example.", None), "an AXFR without the key is refused (NOTAUTH)")
        check(refused(port, "dyn.example.", WRONG_KEY), "an AXFR with a wrong secret is refused (NOTAUTH)")
        counted = stats(fastzonectl, work)
        check(counted.get("transfer refused", 0) >= 1 and counted.get("transfer tsig_failed", 0) >= 1,
              "both refusals are counted")
        check(counted.get("notify answered", 0) >= 3, f"the secondaries answered the NOTIFYs "
              f"({counted.get('notify answered', 0)})")
        for s in servers:
            if not s.running():
                fail(f"{s.name} exited: {s.log_tail()}")
        return 0
    except ServerError as e:
        fail(str(e))
    finally:
        for s in reversed(servers):
            s.stop()
        remove_work_dir(work, keep=os.environ.get("FZ_KEEP") == "1")


if __name__ == "__main__":
    sys.exit(main())
