#!/usr/bin/python3
"""fastzone as the primary of Knot DNS, NSD and BIND 9 secondaries (AXFR, IXFR, NOTIFY, TSIG):

  Knot DNS 3.2, NSD 4.6 and BIND 9.18 (named) are configured as secondaries of fastzone
  with a TSIG key (hmac-sha256); fastzone NOTIFYs them. They bootstrap by AXFR, and each
  serves exactly the records fastzone's own AXFR holds, record for record: a store zone
  changed by RFC 2136 UPDATE and (Knot DNS and BIND) a file zone with Route 53
  routing-policy record sets (what a plain secondary gets for a policy name is one answer
  fastzone gives, never the members merged into one RRset). UPDATEs then reach every
  secondary by NOTIFY and IXFR (fastzone's transfer counters count an IXFR from the
  history for each secondary and none answered with the whole zone; BIND's log, at debug
  level 3, says it took every change incrementally, signed with the key), a chain of
  several in a row too, and the copies still compare equal. Without the key, or with a
  wrong one, fastzone refuses the transfer (NOTAUTH) and counts it.

usage: transfers_out.py FASTZONED
exit: 0 pass, 1 fail (with the reason), 77 skip (knotd, nsd or dnspython missing);
without named (Debian: bind9) the BIND part alone is skipped, and the output says so
"""

import base64
import os
import re
import shutil
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from fztest import check, fail  # noqa: E402  (puts tests/support on the path)
from ports import free_port  # noqa: E402
from servers import Fastzoned, Knotd, Named, Nsd, write_knot_conf, write_named_conf, write_nsd_conf  # noqa: E402

from xfrtest import axfr, fastzoned_argument, run_test, soa_serial, stats  # noqa: E402  (skips without dnspython)
import dns.message  # noqa: E402
import dns.query  # noqa: E402
import dns.rcode  # noqa: E402
import dns.rdatatype  # noqa: E402
import dns.tsig  # noqa: E402
import dns.tsigkeyring  # noqa: E402
import dns.update  # noqa: E402
import dns.xfr  # noqa: E402

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


def fastzone_conf(work, port, secondaries):
    """secondaries: {remote id: port}; each takes dyn.example., all but nsd pol.example. too."""
    remotes = "".join(f"  - id: {name}\n    address: 127.0.0.1@{p}\n    key: xfr-key\n"
                      for name, p in secondaries.items())
    names = ", ".join(secondaries)
    pol_names = ", ".join(name for name in secondaries if name != "nsd")
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
{remotes}acl:
  - id: secondaries
    remotes: [{names}]
    actions: [transfer]
  - id: updaters
    keys: [update-key]
    actions: [update]
zones:
  - origin: dyn.example.
    file: dyn.example.zone
    acl: [secondaries, updaters]
    notify: [{names}]
  - origin: pol.example.
    file: pol.example.zone
    record_sets: pol.example.json
    acl: [secondaries]
    notify: [{pol_names}]
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


# BIND's side: the key, and the zones taken from fastzone with it. NOTIFYs from the
# primaries' address are accepted without an allow-notify; the test may take the copies.
NAMED_SECTIONS = """key "xfr-key" {{
    algorithm hmac-sha256;
    secret "{secret}";
}};
"""


# BIND sends the SOA queries of its refreshes (a NOTIFY's too) through a rate limiter that
# ticks every 10 / serial-query-rate seconds (default 20: a NOTIFY's query could wait up to
# 0.5 s); at 1000 the wait is 10 ms at most, and the time measured is the transfer's.
NAMED_OPTIONS = ["serial-query-rate 1000;"]


def named_zone_options(port):
    return [f"primaries {{ 127.0.0.1 port {port} key xfr-key; }};", "allow-transfer { 127.0.0.1; };"]


def named_transfers(named, zone):
    """BIND's transfers of `zone` in, by its log at debug level 3, as (AXFR or IXFR, serial
    taken, TSIG key name or None), in order."""
    taken, kind = [], None
    for line in named.log_text().splitlines():
        if f"transfer of '{zone.rstrip('.')}/IN' from" in line and "incremental response" in line:
            kind = "AXFR" if "got nonincremental response" in line else "IXFR"
        m = re.search(rf"zone {re.escape(zone.rstrip('.'))}/IN: transferred serial (\d+)(?:: TSIG '([^']+)')?",
                      line)
        if m:
            taken.append((kind, int(m.group(1)), m.group(2)))
            kind = None
    return taken


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


def serial_now(port, zone):
    """soa_serial with a 0.1 s wait: a query a secondary drops (NSD while it reloads) costs
    a tenth of a second of the poll, not xfrtest's second."""
    try:
        r = dns.query.udp(dns.message.make_query(zone, "SOA"), "127.0.0.1", port=port, timeout=0.1)
    except Exception:  # noqa: BLE001: not up yet, or the answer dropped
        return None
    return next((rrset[0].serial for rrset in r.answer if rrset.rdtype == dns.rdatatype.SOA), None)


def wait_all(secondaries, zone, serial, timeout=20.0):
    """Seconds from now until each secondary ((label, server, port, zones)) that holds `zone`
    serves it at `serial`, all polled in turn, as {label: seconds}. Fails the test after
    `timeout`, or at once when one of them exited."""
    pending = {label: (server, p) for label, server, p, zones in secondaries if zone in zones}
    took, t0 = {}, time.monotonic()
    while pending:
        for label, (server, p) in list(pending.items()):
            if serial_now(p, zone) == serial:
                took[label] = time.monotonic() - t0
                del pending[label]
            elif not server.running():
                fail(f"{label} ({server.name}) exited: {server.log_tail()}")
        if pending and time.monotonic() - t0 > timeout:
            fail(f"{zone} at serial {serial}: not served within {timeout:g} s by " +
                 ", ".join(f"{label} (it has {soa_serial(p, zone)})" for label, (_, p) in pending.items()))
        time.sleep(0.005)
    return took


def main():
    fastzoned = fastzoned_argument(__doc__, {"knotd": "", "nsd": ""})
    with_named = shutil.which("named") is not None
    if not with_named:
        print("SKIP (BIND 9 part only): named is not installed (Debian: bind9); Knot DNS and NSD are tested")
    return run_test("fz-xfr-out-", lambda work, servers: scenario(fastzoned, work, servers, with_named))


def scenario(fastzoned, work, servers, with_named):
    fastzonectl = os.path.join(os.path.dirname(fastzoned), "fastzonectl")
    port, knot_port, nsd_port = free_port(), free_port(), free_port()
    remotes = {"knot": knot_port, "nsd": nsd_port}
    if with_named:
        remotes["named"] = free_port()
    for name, text in (("dyn.example.zone", DYN_ZONE), ("pol.example.zone", POL_ZONE),
                       ("pol.example.json", POL_RECORD_SETS)):
        with open(os.path.join(work, name), "w") as f:
            f.write(text)
    conf = os.path.join(work, "fastzone.yaml")
    with open(conf, "w") as f:
        f.write(fastzone_conf(work, port, remotes))
    fz = Fastzoned(fastzoned, conf, port)
    servers.append(fz)
    fz.start()
    fz.wait_ready("dyn.example.")

    both = ("dyn.example.", "pol.example.")
    knot_work = os.path.join(work, "knot-secondary")
    os.makedirs(knot_work)
    knot_conf = write_knot_conf(
        knot_work, knot_port, [(zone, zone + "zone") for zone in both],
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
    # (label, server, port, zones it holds)
    secondaries = [("Knot DNS", knot, knot_port, both), ("NSD", nsd, nsd_port, ("dyn.example.",))]

    named = None
    if with_named:
        named_work = os.path.join(work, "named-secondary")
        os.makedirs(named_work)
        named_conf = write_named_conf(
            named_work, remotes["named"], [(zone, zone + "zone") for zone in both], zone_type="secondary",
            sections=NAMED_SECTIONS.format(secret=XFR_SECRET), zone_options=named_zone_options(port),
            options=NAMED_OPTIONS)
        named = Named(named_conf, remotes["named"], debug=3)
        servers.append(named)
        named.start()
        secondaries.append(("BIND 9", named, remotes["named"], both))

    # Bootstrap: every secondary takes the zones whole.
    wait_all(secondaries, "dyn.example.", 100)
    wait_all(secondaries, "pol.example.", 7)
    own = axfr(port, "dyn.example.", XFR_KEY)
    check(len(own) == 13, f"fastzone's AXFR of dyn.example. holds every record ({len(own)})")
    pol = axfr(port, "pol.example.", XFR_KEY)
    for label, _, p, zones in secondaries:
        check(axfr(p, "dyn.example.") == own, f"{label} serves what fastzone's AXFR holds, record for record")
        if "pol.example." in zones:
            check(axfr(p, "pol.example.") == pol, f"{label}'s copy of the policy zone is fastzone's AXFR")
    if named:
        for zone, serial in (("dyn.example.", 100), ("pol.example.", 7)):
            check(named_transfers(named, zone) == [("AXFR", serial, "xfr-key")],
                  f"BIND's log: it took {zone} by one AXFR signed with xfr-key ({named_transfers(named, zone)})")
    lb = sorted(r for r in pol if r.startswith("lb.pol.example."))
    check(len(lb) == 1 and lb[0].split()[-1] in ("192.0.2.101", "192.0.2.102"),
          f"a weighted name transfers as one member's record, never both ({lb})")
    check("fo.pol.example. 60 A 192.0.2.111" in pol and not any("192.0.2.112" in r for r in pol),
          "a failover name transfers as the healthy primary's answer")
    check("geo.pol.example. 60 A 192.0.2.129" in pol and not any("192.0.2.121" in r for r in pol),
          "a geolocation name transfers as its default location's answer")

    # Changes: NOTIFY, then IXFR. NSD reloads at most once a second (xfrd-reload-timeout):
    # past its bootstrap reload, the time measured is the change's, not that wait.
    time.sleep(1.0)
    before = stats(fastzonectl, work)
    update(port, "dyn.example.", add=[("new.dyn.example.", 300, "A", "192.0.2.200")],
           delete=[("txt.dyn.example.", "TXT")])
    serial = soa_serial(port, "dyn.example.")
    check(serial is not None and serial > 100, f"the UPDATE raised fastzone's serial to {serial}")
    took = wait_all(secondaries, "dyn.example.", serial, timeout=10)
    print("     UPDATE acknowledged to served by " +
          ", ".join(f"{label}: {took[label] * 1000:.0f} ms" for label, *_ in secondaries))
    own = axfr(port, "dyn.example.", XFR_KEY)
    check("new.dyn.example. 300 A 192.0.2.200" in own and not any(r.startswith("txt.") for r in own),
          "fastzone's AXFR has the change")
    for label, _, p, _ in secondaries:
        check(axfr(p, "dyn.example.") == own, f"{label} applied the change, record for record")
    after = stats(fastzonectl, work)
    ixfrs = after.get("transfer ixfr", 0) - before.get("transfer ixfr", 0)
    check(ixfrs >= len(secondaries),
          f"each of the {len(secondaries)} secondaries asked for IXFR and got the history's deltas ({ixfrs})")
    check(after.get("transfer ixfr_as_axfr", 0) == before.get("transfer ixfr_as_axfr", 0),
          "no IXFR fell back to the whole zone")
    if named:
        check(named_transfers(named, "dyn.example.")[1:] == [("IXFR", serial, "xfr-key")],
              f"BIND's log: it took the change by IXFR, signed ({named_transfers(named, 'dyn.example.')[1:]})")

    # A chain of changes in a row: whichever serial the secondaries catch, the deltas chain.
    for i in range(5):
        update(port, "dyn.example.", add=[(f"chain{i}.dyn.example.", 60, "TXT", f'"step {i}"')])
    serial = soa_serial(port, "dyn.example.")
    wait_all(secondaries, "dyn.example.", serial, timeout=10)
    own = axfr(port, "dyn.example.", XFR_KEY)
    check(all(axfr(p, "dyn.example.") == own for _, _, p, _ in secondaries),
          f"after 5 UPDATEs in a row every copy equals fastzone's at serial {serial}")
    if named:
        taken = named_transfers(named, "dyn.example.")[1:]
        check(taken[-1][1] == serial and all(kind == "IXFR" for kind, _, _ in taken),
              f"BIND's log: the 5 changes came by IXFR ({len(taken) - 1}, the last to serial {taken[-1][1]})")
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


if __name__ == "__main__":
    sys.exit(main())
