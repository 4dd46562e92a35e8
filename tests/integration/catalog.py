#!/usr/bin/python3
"""Catalog zones (RFC 9432, version 2) with Knot DNS on the other side, both directions:

  Consumed: Knot DNS generates a catalog of two member zones and NOTIFYs fastzone, which
  consumes it (catalog.consume). fastzone becomes a secondary of each member, and serves
  them record for record as Knot does. A member added on Knot (configuration reload) is
  picked up by NOTIFY; a member taken out of the catalog is no longer served, nor kept in
  fastzone's store (after a kill -9 and restart too, when the others are served at once).

  Produced: fastzone writes a catalog of the zones it serves (catalog.produce) and NOTIFYs
  a second Knot DNS, which interprets it: Knot creates each member, transfers it from
  fastzone and answers it. A zone added to fastzone's configuration (SIGHUP) reaches
  Knot through the catalog's IXFR; a zone removed from it is removed on Knot.

usage: catalog.py FASTZONED
exit: 0 pass, 1 fail (with the reason), 77 skip (knotd, knotc or dnspython missing)
"""

import os
import signal
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fztest import check, fail  # noqa: E402  (puts tests/support on the path)
from ports import free_port  # noqa: E402
from servers import Fastzoned, Knotd, write_knot_conf  # noqa: E402
from xfrtest import axfr, fastzonectl, fastzoned_argument, run_test, soa_serial, stats, wait_for  # noqa: E402,E501
import dns.message  # noqa: E402
import dns.query  # noqa: E402
import dns.rcode  # noqa: E402


def zone_text(origin, serial, address):
    return (f"$ORIGIN {origin}\n$TTL 300\n@ SOA ns1 hostmaster {serial} 3600 600 86400 60\n@ NS ns1\n"
            f"ns1 A 192.0.2.53\nwww A {address}\n")


# Knot DNS generating a catalog of its member zones, NOTIFYing fastzone of every zone.
PRIMARY_SECTIONS = """remote:
  - id: fastzone
    address: 127.0.0.1@{fz_port}
acl:
  - id: to-fastzone
    address: 127.0.0.1
    action: transfer
"""

# Knot DNS interpreting fastzone's catalog: the catalog and each member secondaries of
# fastzone (the default template, which the catalog names for its members).
SECONDARY_SECTIONS = """remote:
  - id: fastzone
    address: 127.0.0.1@{fz_port}
acl:
  - id: from-fastzone
    address: 127.0.0.1
    action: notify
  - id: local-transfer
    address: 127.0.0.1
    action: transfer
"""


def write_knot_primary(work, port, fz_port, members):
    run = os.path.join(work, "knot-primary")
    zones = [("catalog.example.", None, ["catalog-role: generate"])]
    zones += [(m, m + "zone", ["catalog-role: member", "catalog-zone: catalog.example."]) for m in members]
    return write_knot_conf(run, port, zones, sections=PRIMARY_SECTIONS.format(fz_port=fz_port),
                           template_options=["notify: fastzone", "acl: to-fastzone"], zone_dir=run)


def write_knot_secondary(work, port, fz_port):
    run = os.path.join(work, "knot-secondary")
    os.makedirs(run, exist_ok=True)
    return write_knot_conf(run, port, [("catalog.fastzone.", None, ["catalog-role: interpret",
                                                                     "catalog-template: default"])],
                           sections=SECONDARY_SECTIONS.format(fz_port=fz_port),
                           template_options=["master: fastzone", "acl: [from-fastzone, local-transfer]"])


def fastzone_conf(work, port, knot_port, knot2_port, zones):
    text = f"""server:
  listen: 127.0.0.1@{port}
  workers: 1
control:
  socket: {work}/ctl.sock
store:
  path: {work}/store
remotes:
  - id: knot
    address: 127.0.0.1@{knot_port}
  - id: knot2
    address: 127.0.0.1@{knot2_port}
acl:
  - id: local-transfer
    addresses: [127.0.0.0/8]
    actions: [transfer]
catalog:
  consume:
    - origin: catalog.example.
      primaries: [knot]
      acl: [local-transfer]
  produce:
    origin: catalog.fastzone.
    acl: [local-transfer]
    notify: [knot2]
zones:
"""
    for origin in zones:
        text += f"  - origin: {origin}\n    file: {origin}zone\n    acl: [local-transfer]\n"
    conf = os.path.join(work, "fastzone.yaml")
    with open(conf, "w") as f:
        f.write(text)
    return conf


def rcode(port, name, rdtype="SOA"):
    q = dns.message.make_query(name, rdtype)
    try:
        return dns.query.udp(q, "127.0.0.1", port=port, timeout=2).rcode()
    except Exception:  # noqa: BLE001: no answer
        return None


def catalog_line(ctl, work, catalog):
    for line in fastzonectl(ctl, work, "status").splitlines():
        if line.startswith(f"catalog {catalog}:"):
            return line
    return ""


def knotc(conf, *args):
    p = subprocess.run(["knotc", "-c", conf, *args], capture_output=True, text=True, timeout=20)
    if p.returncode != 0:
        fail(f"knotc {' '.join(args)}: {p.stdout} {p.stderr}")


def main():
    fastzoned = fastzoned_argument(__doc__, {"knotd": "", "knotc": ""})
    ctl = os.path.join(os.path.dirname(fastzoned), "fastzonectl")
    return run_test("fz-catalog-", lambda work, servers: scenario(fastzoned, ctl, work, servers))


def scenario(fastzoned, ctl, work, servers):
    port, knot_port, knot2_port = free_port(), free_port(), free_port()
    run = os.path.join(work, "knot-primary")
    os.makedirs(run)
    for i, m in enumerate(("m1.example.", "m2.example.", "m3.example.")):
        with open(os.path.join(run, m + "zone"), "w") as f:
            f.write(zone_text(m, 10 + i, f"192.0.2.{10 + i}"))
    kconf = write_knot_primary(work, knot_port, port, ["m1.example.", "m2.example."])
    knot = Knotd(kconf, knot_port)
    servers.append(knot)
    knot.start()
    knot.wait_ready("m1.example.")

    knot2 = Knotd(write_knot_secondary(work, knot2_port, port), knot2_port)
    servers.append(knot2)
    knot2.start()
    knot2.wait_ready(".")

    for i, z in enumerate(("p1.example.", "p2.example.")):
        with open(os.path.join(work, z + "zone"), "w") as f:
            f.write(zone_text(z, 100 + i, f"198.51.100.{1 + i}"))
    conf = fastzone_conf(work, port, knot_port, knot2_port, ["p1.example."])
    fz = Fastzoned(fastzoned, conf, port)
    servers.append(fz)
    fz.start()
    fz.wait_ready("p1.example.")

    # Consumed: Knot's catalog brings its members.
    wait_for(lambda: soa_serial(port, "m1.example.") == 10 and soa_serial(port, "m2.example.") == 11,
             "the members of Knot's catalog served by fastzone")
    check(all(axfr(port, m) == axfr(knot_port, m) for m in ("m1.example.", "m2.example.")),
          "the catalog's members are served as Knot serves them, record for record")
    line = catalog_line(ctl, work, "catalog.example.")
    check("consumed, 2 members" in line, f"fastzonectl status shows the consumed catalog ({line})")
    status = fastzonectl(ctl, work, "status")
    check("secondary m1.example.: ok" in status, "each member is a secondary zone of the catalog's primary")

    knot_conf = write_knot_primary(work, knot_port, port, ["m2.example.", "m3.example."])
    knotc(knot_conf, "reload")
    wait_for(lambda: soa_serial(port, "m3.example.") == 12, "a member added to Knot's catalog, on fastzone")
    wait_for(lambda: rcode(port, "m1.example.") == dns.rcode.REFUSED,
             "a member taken out of Knot's catalog, no longer served by fastzone")
    check(axfr(port, "m3.example.") == axfr(knot_port, "m3.example."),
          "the new member equals Knot's copy; the removed one is answered REFUSED")

    # Produced: Knot interprets fastzone's catalog and takes its zones from fastzone.
    wait_for(lambda: soa_serial(knot2_port, "p1.example.") == 100, "p1.example. on the Knot that reads "
             "fastzone's catalog", 30)
    check(axfr(knot2_port, "p1.example.") == axfr(port, "p1.example."),
          "Knot DNS, reading fastzone's catalog, serves its zone as fastzone does")
    wait_for(lambda: soa_serial(knot2_port, "m3.example.") == 12,
             "m3.example. (a zone fastzone is a secondary of) on the Knot that reads its catalog", 30)
    line = catalog_line(ctl, work, "catalog.fastzone.")
    check("produced, 3 members" in line, f"fastzonectl status shows the produced catalog ({line})")

    ixfr_before = stats(ctl, work).get("transfer ixfr", 0)
    fastzone_conf(work, port, knot_port, knot2_port, ["p2.example."])
    os.kill(fz.pid, signal.SIGHUP)
    wait_for(lambda: soa_serial(knot2_port, "p2.example.") == 101, "a zone added to fastzone, on Knot", 30)
    wait_for(lambda: rcode(knot2_port, "p1.example.") == dns.rcode.REFUSED,
             "a zone removed from fastzone, removed on Knot", 30)
    check(stats(ctl, work).get("transfer ixfr", 0) > ixfr_before,
          "zones added to and removed from fastzone come and go on Knot, by IXFR of the catalog")

    # kill -9, with Knot (the catalog's primary) stopped: the members kept are served at
    # once from the store, the removed one is not.
    knot.stop()
    os.kill(fz.pid, signal.SIGKILL)
    fz.proc.wait()
    fz = Fastzoned(fastzoned, conf, port)
    servers[2] = fz
    fz.start()
    fz.wait_ready("p2.example.")
    check(soa_serial(port, "m2.example.") == 11 and soa_serial(port, "m3.example.") == 12 and
          rcode(port, "m1.example.") == dns.rcode.REFUSED,
          "after kill -9 the catalog's members are served from the store at once, the removed one is gone")
    line = catalog_line(ctl, work, "catalog.example.")
    check("consumed, 2 members" in line, f"the members are known from the stored catalog ({line})")


if __name__ == "__main__":
    sys.exit(main())
