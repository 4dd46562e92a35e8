#!/usr/bin/python3
"""Differential test of routing by client location: the same decisions served by fastzoned
(Route 53 record sets: geolocation, IP-based, weighted) and by Knot DNS with its geoip
module (mod-geoip in modes geodb, subnet and weighted), queried by dnspython with EDNS
Client Subnet from many client prefixes, answers compared where the semantics coincide.

Geolocation runs once with MaxMind's GeoIP2 City test database and once with the Country
one (both servers read the same file). Weighted shares are compared statistically
(chi-square homogeneity of the two servers' counts, and each against the weights).
Every place where the semantics differ is listed in GEOIP_DIFFERENCES.md; there the
test checks fastzone's stated behaviour instead of Knot's.

usage: geoip_knot.py FASTZONED [--verbose] [--keep]
exit: 0 pass, 1 fail, 77 skip (no knotd, no geoip module, no dnspython, no test data)
"""

import functools
import ipaddress
import json
import math
import os
import random
import shutil
import signal
import socket
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from ports import free_port  # noqa: E402
from servers import Fastzoned, Knotd, ServerError, remove_work_dir, write_fastzone_conf, write_knot_conf  # noqa: E402

try:
    import dns.edns
    import dns.exception
    import dns.message
    import dns.query
    import dns.rcode
except ImportError:
    print("SKIP: dnspython is not installed for this python (Debian: python3-dnspython)")
    sys.exit(77)

print = functools.partial(print, flush=True)  # noqa: A001 - progress shows under meson too

HERE = os.path.dirname(os.path.abspath(__file__))
GEOIP_DIR = os.path.normpath(os.path.join(HERE, "..", "..", "..", "shared", "data", "geoip"))
DATABASES = [("City", "GeoIP2-City-Test"), ("Country", "GeoIP2-Country-Test")]
KNOT_MODULE_DIRS = ["/usr/lib/x86_64-linux-gnu/knot/modules-3.2", "/usr/lib/knot/modules-3.2"]
ORIGIN = "example.com."
TTL = 60
VERBOSE = False


class Failure(Exception):
    pass


def check(cond, msg):
    if not cond:
        raise Failure(msg)


def note(msg):
    if VERBOSE:
        print(f"     {msg}")


# --- the decisions, once, written for both servers ------------------------------------

# Geolocation: (continent, country, subdivision) -> value. Knot's geodb keys are
# continent/code, country/iso_code, subdivisions/0/iso_code, so a view names a prefix of
# that hierarchy; Route 53 names the most specific part alone.
GEO = {
    "geo": [(("NA", "US", "WA"), "10.1.0.1"), (("NA", "US", None), "10.1.0.2"), (("EU", "GB", None), "10.1.0.3"),
            (("EU", "SE", "E"), "10.1.0.7"), (("EU", None, None), "10.1.0.4"), (("AS", "JP", None), "10.1.0.6"),
            (("AS", None, None), "10.1.0.5")],
    "geonodef": [(("NA", "US", None), "10.2.0.1"), (("EU", None, None), "10.2.0.2")],
    "geonone": [(("EU", None, None), "10.3.0.2")],
}
GEO_DEFAULT = {"geo": "10.1.0.9"}  # Knot: the zone's own RRset; Route 53: CountryCode "*"

# IP-based / subnet: location -> blocks, and the value per location.
CIDR = {"campus": ["198.51.0.0/16", "2001:db8::/32"], "office": ["198.51.100.0/24", "2001:db8:100::/48"],
        "partners": ["203.0.113.0/24", "100.64.0.0/10", "2a02:d3c0::/29"]}
CIDR_VALUE = {"campus": "10.4.0.2", "office": "10.4.0.1", "partners": "10.4.0.3"}
CIDR_DEFAULT = "10.4.0.9"

# Weighted: name -> [(weight, value)]. Knot cannot serve all-zero weights (see
# GEOIP_DIFFERENCES.md), so that case is fastzone's own test.
WEIGHTED = {"w": [(1, "10.0.0.1"), (3, "10.0.0.3"), (0, "10.0.0.99")],
            "w3": [(10, "10.0.2.1"), (20, "10.0.2.2"), (70, "10.0.2.3")]}


def knot_zone():
    lines = [f"$ORIGIN {ORIGIN}", f"$TTL {TTL}", "@ SOA ns1 hostmaster 1 7200 3600 1209600 60", "@ NS ns1",
             "ns1 A 192.0.2.53"]
    for name, value in GEO_DEFAULT.items():
        lines.append(f"{name} A {value}")
    lines.append('geonodef TXT "the name exists"')
    lines.append(f"cidr A {CIDR_DEFAULT}")
    return "\n".join(lines) + "\n"


def fastzone_zone():
    return "\n".join([f"$ORIGIN {ORIGIN}", f"$TTL {TTL}", "@ SOA ns1 hostmaster 1 7200 3600 1209600 60", "@ NS ns1",
                      "ns1 A 192.0.2.53", 'geonodef TXT "the name exists"']) + "\n"


def knot_geo_conf():
    out = []
    for name, views in GEO.items():
        out.append(f"{name}.{ORIGIN}:")
        for place, value in views:
            out.append(f'  - geo: "{";".join(p for p in place if p)}"')
            out.append(f"    A: {value}")
    return "\n".join(out) + "\n"


def knot_net_conf():
    out = [f"cidr.{ORIGIN}:"]
    for loc, blocks in CIDR.items():
        for b in blocks:
            out += [f"  - net: {b}", f"    A: {CIDR_VALUE[loc]}"]
    return "\n".join(out) + "\n"


def knot_weight_conf():
    out = []
    for name, members in WEIGHTED.items():
        out.append(f"{name}.{ORIGIN}:")
        for w, v in members:
            out += [f"  - weight: {w}", f"    A: {v}"]
    return "\n".join(out) + "\n"


def record_sets():
    rs = []

    def add(name, sid, routing, value):
        r = {"Name": f"{name}.{ORIGIN}", "Type": "A", "SetIdentifier": sid, "TTL": TTL,
             "ResourceRecords": [{"Value": value}]}
        r.update(routing)
        rs.append(r)

    for name, views in GEO.items():
        for i, ((cont, country, sub), value) in enumerate(views):
            if sub:
                g = {"CountryCode": country, "SubdivisionCode": sub}
            elif country:
                g = {"CountryCode": country}
            else:
                g = {"ContinentCode": cont}
            add(name, f"v{i}", {"GeoLocation": g}, value)
        if name in GEO_DEFAULT:
            add(name, "default", {"GeoLocation": {"CountryCode": "*"}}, GEO_DEFAULT[name])
    for loc in CIDR:
        add("cidr", loc, {"CidrRoutingConfig": {"CollectionId": "knot-diff", "LocationName": loc}}, CIDR_VALUE[loc])
    add("cidr", "default", {"CidrRoutingConfig": {"CollectionId": "knot-diff", "LocationName": "*"}}, CIDR_DEFAULT)
    for name, members in WEIGHTED.items():
        for i, (w, v) in enumerate(members):
            add(name, f"m{i}", {"Weight": w}, v)
    return {"ResourceRecordSets": rs}


def cidr_collections():
    return {"CidrCollections": [{"Id": "knot-diff", "Name": "knot-diff", "Locations": [
        {"LocationName": loc, "CidrList": blocks} for loc, blocks in CIDR.items()]}]}


# --- the GeoIP test data --------------------------------------------------------------

def load_networks(source):
    """[(ip_network, (continent, country, subdivision))] from a *.source.json; IPv4 networks
    written as ::a.b.c.d/N become IPv4."""
    nets = []
    with open(source) as f:
        for entry in json.load(f):
            for text, rec in entry.items():
                net = ipaddress.ip_network(text, strict=False)  # a few source networks have host bits set
                if net.version == 6 and net.prefixlen >= 96 and int(net.network_address) >> 32 == 0:
                    net = ipaddress.ip_network((int(net.network_address) & 0xFFFFFFFF, net.prefixlen - 96))
                subs = rec.get("subdivisions") or [{}]
                nets.append((net, (rec.get("continent", {}).get("code"), rec.get("country", {}).get("iso_code"),
                                   subs[0].get("iso_code"))))
    return nets


def lpm(nets, addr):
    best = None
    for net, value in nets:
        if net.version == addr.version and addr in net and (best is None or net.prefixlen >= best[0].prefixlen):
            best = (net, value)
    return best


def geo_view_matches(views, loc):
    """True when some Knot view (equivalently some non-default record set) applies to `loc`."""
    if loc is None:
        return False
    for (cont, country, sub), _ in views:
        if cont == loc[0] and (country is None or country == loc[1]) and (sub is None or sub == loc[2]):
            return True
    return False


# --- servers --------------------------------------------------------------------------


class Daemon:
    """A server under test (servers.Server, started and answering) and the socket this
    test asks it from."""

    def __init__(self, server):
        self.server, self.name = server, server.name
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.setblocking(False)  # dnspython applies its timeout only to non-blocking sockets

    def ask(self, name, ecs=None):
        opts = []
        if ecs is not None:
            net = ipaddress.ip_network(ecs)
            opts.append(dns.edns.ECSOption(str(net.network_address), net.prefixlen))
        q = dns.message.make_query(f"{name}.{ORIGIN}", "A", use_edns=0 if ecs is not None else None, options=opts)
        for attempt in range(3):
            try:
                return dns.query.udp(q, "127.0.0.1", port=self.server.port, timeout=2, sock=self.sock,
                                     ignore_unexpected=True)
            except dns.exception.Timeout:
                check(self.server.running(), f"{self.name} died (query {name} ECS {ecs}); log:\n{self.tail()}")
                if attempt == 2:
                    raise Failure(f"{self.name} does not answer {name} ECS {ecs}")
        return None

    def tail(self):
        return self.server.log_tail(15)

    def stop(self):
        self.sock.close()
        self.server.stop()


def knot_geoip_modules(work, db_path):
    """The mod-geoip sections of knot.conf: one per mode, each reading its file in `work`."""
    return f"""mod-geoip:
  - id: geo
    config-file: "{os.path.join(work, 'geo.conf')}"
    ttl: {TTL}
    mode: geodb
    geodb-file: "{db_path}"
    geodb-key: [ continent/code, country/iso_code, subdivisions/0/iso_code ]
  - id: net
    config-file: "{os.path.join(work, 'net.conf')}"
    ttl: {TTL}
    mode: subnet
  - id: weight
    config-file: "{os.path.join(work, 'weight.conf')}"
    ttl: {TTL}
    mode: weighted
"""


def start_knot(work, db_path):
    for name, text in [("knot.zone", knot_zone()), ("geo.conf", knot_geo_conf()), ("net.conf", knot_net_conf()),
                       ("weight.conf", knot_weight_conf())]:
        with open(os.path.join(work, name), "w") as f:
            f.write(text)
    port = free_port()
    conf = write_knot_conf(work, port, [(ORIGIN, os.path.join(work, "knot.zone"))],
                           server_options=["edns-client-subnet: on"], sections=knot_geoip_modules(work, db_path),
                           zone_options=["module: [ mod-geoip/geo, mod-geoip/net, mod-geoip/weight ]"])
    return Daemon(Knotd(conf, port).start().wait_ready(ORIGIN))


def start_fastzone(binary, work, db_path):
    for name, text in [("fastzone.zone", fastzone_zone()), ("record-sets.json", json.dumps(record_sets(), indent=1)),
                       ("cidr.json", json.dumps(cidr_collections(), indent=1))]:
        with open(os.path.join(work, name), "w") as f:
            f.write(text)
    port = free_port()
    conf = write_fastzone_conf(work, port, [(ORIGIN, "fastzone.zone")], zone_options=["record_sets: record-sets.json"],
                               sections=f"cidr_collections: cidr.json\ngeoip: {db_path}\n",
                               control=os.path.join(work, "fastzoned.sock"))
    return Daemon(Fastzoned(binary, conf, port).start().wait_ready(ORIGIN))


# --- comparing ------------------------------------------------------------------------

def summary(r):
    """rcode, sorted (value, ttl) of the A answer, ECS scope (None: no ECS option)."""
    values = sorted((rd.to_text(), rrset.ttl) for rrset in r.answer for rd in rrset)
    scope = None
    for o in r.options:
        if isinstance(o, dns.edns.ECSOption):
            scope = o.scopelen
    return dns.rcode.to_text(r.rcode()), values, scope


class Tally:
    def __init__(self):
        self.same = 0
        self.stated = {}  # difference label -> count

    def differ(self, label):
        self.stated[label] = self.stated.get(label, 0) + 1


def geo_clients(nets, rnd):
    out = set()
    for net, _ in nets:
        floor = 24 if net.version == 4 else 48
        addr = int(net.network_address) + rnd.randrange(net.num_addresses)
        out.add(ipaddress.ip_network((addr, max(net.prefixlen, floor)), strict=False))
        out.add(net)  # the database's own network as the client prefix
    for text in ["10.20.30.0/24", "192.0.2.0/24", "100.64.1.0/24", "2001:db8:ffff::/48", "0.0.0.0/0", "::/0",
                 "81.2.69.0/24", "2001:218:1::/48"]:
        out.add(ipaddress.ip_network(text))
    return sorted(out, key=lambda n: (n.version, n))


# Address forms MaxMind DBs alias onto the IPv4 tree. 6to4 embeds the IPv4 address in
# bits 16-47, Teredo the server's in bits 32-63.
SIXTOFOUR = [ipaddress.ip_network("2002:5102:458e::/48"), ipaddress.ip_network("2001:0:5102:458e::/64")]
MAPPED = [ipaddress.ip_network("::ffff:81.2.69.142/128"), ipaddress.ip_network("::ffff:216.160.83.56/125")]


def compare_geo(label, nets, knot, fz, rnd, tally):
    for client in geo_clients(nets, rnd) + SIXTOFOUR + MAPPED:
        addr = client.network_address
        if addr.version == 6 and addr.ipv4_mapped is not None:
            addr = addr.ipv4_mapped  # both servers look ::ffff:a.b.c.d up as a.b.c.d
        hit = lpm(nets, addr) if client.prefixlen else None
        loc = hit[1] if hit else None
        for name, views in GEO.items():
            k = summary(knot.ask(name, str(client)))
            f = summary(fz.ask(name, str(client)))
            where = f"[{label}] {name} ECS {client} (location {loc})"
            note(f"{where}: knot {k} fastzone {f}")
            if client in SIXTOFOUR:
                # 6to4 and Teredo clients: both follow the database's aliases to the
                # location of the embedded IPv4 address.
                check(f[:2] == k[:2], f"{where}: 6to4/Teredo answers differ: knot {k[:2]}, fastzone {f[:2]}")
                tally.same += 1
                continue
            matched = geo_view_matches(views, loc)
            if not matched and name not in GEO_DEFAULT:
                # D3: no match and no default is NODATA in Route 53; Knot falls back to the
                # zone, which has the name (geonodef: NODATA) or not (geonone: NXDOMAIN).
                check(f[0] == "NOERROR" and f[1] == [], f"{where}: no match and no default must be NODATA, got {f}")
                if name == "geonone":
                    check(k[0] == "NXDOMAIN", f"{where}: Knot without a view for the client and without the name "
                                              f"in the zone answers NXDOMAIN; got {k}")
                    tally.differ("D3 no match, no default: NODATA (Knot NXDOMAIN)")
                else:
                    check(k[0] == "NOERROR" and k[1] == [], f"{where}: Knot NODATA expected, got {k}")
                    tally.same += 1
            else:
                check(f[:2] == k[:2], f"{where}: answers differ: knot {k[:2]}, fastzone {f[:2]}")
                tally.same += 1
            # Scope (D1, D2, D7).
            kscope, fscope = k[2], f[2]
            check(kscope is not None and fscope is not None, f"{where}: both must echo ECS (knot {kscope}, "
                                                             f"fastzone {fscope})")
            if client.prefixlen == 0:
                check(fscope == 0 and kscope == 0, f"{where}: ECS /0 gets scope 0 (knot {kscope}, fastzone {fscope})")
                continue
            check(fscope > 0, f"{where}: a location-based answer needs a non-zero scope, got 0")
            if client in MAPPED:
                # The block stays inside ::ffff:0:0/96: scope counted in IPv6 bits (>= 96),
                # never narrower than Knot's (Knot says 0 where its answer is the zone's).
                check(fscope >= 96 and (kscope == 0 or fscope <= kscope),
                      f"{where}: scope /{fscope}, expected 96..{kscope or 128} (IPv6 bits)")
                tally.same += 1
            elif kscope > 0:
                # D1: never narrower than the database's own network, which Knot reports.
                check(fscope <= kscope, f"{where}: fastzone scope /{fscope} is narrower than the database "
                                        f"network /{kscope} that Knot reports")
                if fscope < kscope:
                    tally.differ("D1 geodb scope wider than Knot's (adjacent networks merged)")
            else:
                # D2: Knot leaves scope 0 when the database or no view decides.
                tally.differ("D2 default answers: fastzone scope > 0, Knot 0")


def compare_subnet(knot, fz, rnd, tally):
    blocks = [(ipaddress.ip_network(b), loc) for loc, bs in CIDR.items() for b in bs]
    clients = {ipaddress.ip_network(t) for t in ["10.20.30.0/24", "192.0.2.0/24", "2001:db8:ffff::/48"]}
    for net, _ in blocks:
        for _ in range(4):
            plen = min(max(net.prefixlen, 24 if net.version == 4 else 48), net.max_prefixlen)
            clients.add(ipaddress.ip_network((int(net.network_address) + rnd.randrange(net.num_addresses), plen),
                                             strict=False))
        clients.add(net)
    for client in sorted(clients, key=lambda n: (n.version, n)):
        k = summary(knot.ask("cidr", str(client)))
        f = summary(fz.ask("cidr", str(client)))
        hit = lpm(blocks, client.network_address)
        where = f"cidr ECS {client} (block {hit[0] if hit else None})"
        note(f"{where}: knot {k} fastzone {f}")
        check(f[:2] == k[:2], f"{where}: answers differ: knot {k[:2]}, fastzone {f[:2]}")
        tally.same += 1
        kscope, fscope = k[2], f[2]
        check(fscope is not None and fscope > 0, f"{where}: fastzone scope must be non-zero, got {fscope}")
        if hit is None:
            check(kscope == 0, f"{where}: Knot scope 0 expected outside every block, got {kscope}")
            tally.differ("D2 default answers: fastzone scope > 0, Knot 0")
            continue
        check(kscope == hit[0].prefixlen, f"{where}: Knot reports the matched block's length, got {kscope}")
        nested = [n for n, loc in blocks
                  if n.version == hit[0].version and n != hit[0] and n.subnet_of(hit[0]) and loc != hit[1]]
        if nested:
            # D4: Knot's scope covers the nested blocks of other locations; fastzone's must not.
            block = ipaddress.ip_network((int(client.network_address), fscope), strict=False)
            check(fscope > kscope and not any(block.overlaps(n) for n in nested),
                  f"{where}: scope /{fscope} must exclude the nested blocks {[str(n) for n in nested]}")
            tally.differ("D4 subnet scope excludes nested blocks of other locations")
        else:
            check(fscope <= kscope, f"{where}: scope /{fscope} narrower than the matched block /{kscope}")
            tally.same += 1


# Chi-square critical values at p = 0.0001 by degrees of freedom: a correct server fails
# one run in 10,000.
CHI2_CRITICAL = {1: 15.14, 2: 18.42, 3: 21.11}


def compare_weighted(knot, fz, n, tally):
    for name, members in WEIGHTED.items():
        total = sum(w for w, _ in members)
        counts = {}
        for server in (knot, fz):
            c = {}
            for i in range(n):
                rcode, values, scope = summary(server.ask(name, f"198.51.{i % 256}.0/24"))
                check(rcode == "NOERROR" and len(values) == 1 and values[0][1] == TTL,
                      f"{server.name} {name}: one A record with TTL {TTL} expected, got {rcode} {values}")
                check(scope == 0, f"{server.name} {name}: weighted answers do not depend on the client: scope 0, "
                                  f"got {scope}")
                c[values[0][0]] = c.get(values[0][0], 0) + 1
            counts[server.name] = c
            for w, v in members:
                p = w / total
                sd = math.sqrt(n * p * (1 - p))
                got = c.get(v, 0)
                check(abs(got - n * p) <= 5 * sd + 0.5, f"{server.name} {name}: {v} (weight {w}) answered {got} "
                                                         f"of {n}, expected {n * p:.0f} +- {5 * sd:.0f}")
        # Homogeneity of the two servers' counts over the members with weight > 0.
        values = [v for w, v in members if w > 0]
        chi2 = 0.0
        for v in values:
            col = counts["knotd"].get(v, 0) + counts["fastzoned"].get(v, 0)
            for s in ("knotd", "fastzoned"):
                expected = col / 2  # both servers answered n queries
                if expected > 0:
                    chi2 += (counts[s].get(v, 0) - expected) ** 2 / expected
        df = len(values) - 1
        check(chi2 <= CHI2_CRITICAL[df], f"{name}: knot {counts['knotd']} and fastzone {counts['fastzoned']} "
                                         f"differ (chi-square {chi2:.1f} > {CHI2_CRITICAL[df]} with {df} df)")
        print(f"ok   weighted {name}: knot {counts['knotd']} fastzone {counts['fastzoned']} "
              f"(chi-square {chi2:.1f}, df {df})")
        tally.same += 1


def main():
    global VERBOSE
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    VERBOSE = "--verbose" in sys.argv
    keep = "--keep" in sys.argv
    if len(args) != 1:
        print(__doc__)
        return 2
    fastzoned = args[0]
    if not os.access(fastzoned, os.X_OK):
        print(f"FAIL: {fastzoned} is not an executable")
        return 1
    if shutil.which("knotd") is None:
        print("SKIP: knotd is not installed (Debian: knot)")
        return 77
    if not any(os.path.exists(os.path.join(d, "geoip.so")) for d in KNOT_MODULE_DIRS):
        print("SKIP: Knot's geoip module is not installed (Debian: knot-module-geoip; scripts/setup installs it)")
        return 77
    for _, base in DATABASES:
        for ext in (".mmdb", ".source.json"):
            if not os.path.exists(os.path.join(GEOIP_DIR, base + ext)):
                print(f"SKIP: the GeoIP test data is not at {GEOIP_DIR}")
                return 77
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # unwind: stop the servers, remove the folder
    work = tempfile.mkdtemp(prefix="fz-geoip-knot-")
    daemons = []
    rnd = random.Random(7871)
    tally = Tally()
    try:
        for label, base in DATABASES:
            db = os.path.join(GEOIP_DIR, base + ".mmdb")
            sub = os.path.join(work, label)
            os.makedirs(sub)
            knot = start_knot(sub, db)
            daemons.append(knot)
            fz = start_fastzone(fastzoned, sub, db)
            daemons.append(fz)
            nets = load_networks(os.path.join(GEOIP_DIR, base + ".source.json"))
            compare_geo(label, nets, knot, fz, rnd, tally)
            print(f"ok   geodb ({base}.mmdb): {len(nets)} networks and extra prefixes, answers agree where the "
                  "semantics coincide, stated differences hold")
            if label == "City":
                compare_subnet(knot, fz, rnd, tally)
                print("ok   subnet / IP-based: longest block, default, scopes as stated")
                compare_weighted(knot, fz, 2000, tally)
            for d in (knot, fz):
                check(d.server.running(), f"{d.name} died during the test; log:\n{d.tail()}")
                d.stop()
            daemons.clear()
        print(f"PASS: {tally.same} comparisons agree; stated differences seen: "
              + ", ".join(f"{k} x{v}" for k, v in sorted(tally.stated.items())))
        return 0
    except (Failure, ServerError) as e:
        print(f"FAIL: {e}")
        keep = keep or os.environ.get("FZ_KEEP_TMP") is not None
        return 1
    finally:
        for d in daemons:
            d.stop()
        remove_work_dir(work, keep)


if __name__ == "__main__":
    sys.exit(main())
