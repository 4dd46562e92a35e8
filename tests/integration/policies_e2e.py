#!/usr/bin/python3
"""End to end: Route 53 routing policies served by fastzoned on kernel sockets, queried
with dnspython and EDNS Client Subnet from many client prefixes (IPv4 and IPv6, taken
from the GeoIP test database's source data), each answer checked against Route 53's
rules computed here independently:

  geolocation  subdivision > country > continent > default; NODATA without a default;
               an unhealthy choice walks up the chain
  IP-based     longest CIDR block of the collection, else "*", else NODATA
  latency      the healthy region with the lowest latency for the client's prefix
  weighted     shares within 5 sigma over many queries; weight 0 never; unhealthy out
  failover     primary while healthy, else secondary; both unhealthy: primary
  multivalue   up to 8 distinct healthy records; none healthy: all of them
  geoproximity nearest by great-circle distance scaled by bias
  alias        the target's RRset with the target's TTL, never a CNAME (apex, nested,
               EvaluateTargetHealth backing out of an unhealthy branch)

and the ECS scope of every response: 0 for answers that do not depend on the client,
non-zero for location-based ones, and never so wide that the block holds an address
that would get another answer. Health checks probe TCP ports of this test (one
listening, one refusing), so failover and the other health rules run for real.
`fastzonectl explain` is checked for a geolocation and a weighted name. The scope of
IPv4-mapped ECS (::ffff:a.b.c.d) decides as IPv4 and reports its scope in IPv6 bits.

With --via-api the zone's routing-policy record sets and the health checks are not read
from files: fastzoned runs with the Route 53 API and a store, the zone file is imported
(`fastzonectl import`), and the same record sets and health checks are created through
the API with boto3 (health check ids replaced by the ones CreateHealthCheck returns,
alias targets by the zone's id) before the same checks run: record sets created through
the API answer exactly as file-loaded ones do. One rule depends on the order of the record
sets: geoproximity clients without coordinates get the first healthy record "in file
order", and the store keeps record sets in Route 53's order (by SetIdentifier), so that
is the order expected in this mode.

With --dnssec fastzoned signs the zone (a KSK and a ZSK from `fastzonectl dnssec keygen`),
every query has DO set, and every RRset of every answer and authority section is verified
against the zone's DNSKEY RRset with dnspython before the same checks run: each policy's
answer from every client location, the multivalue answers drawn from windows, the aliases
(answered with their target's data, signed for the alias's name) and the NODATA proofs
(with --dnssec=nsec3 the zone's denial is NSEC3).

usage: policies_e2e.py FASTZONED FASTZONECTL [--via-api | --dnssec[=nsec3]]
exit: 0 pass, 1 fail (with the reason), 77 skip (dnspython or the test data missing;
      with --via-api also boto3)
"""

import functools
import ipaddress
import json
import math
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from ports import free_port  # noqa: E402
from servers import Fastzoned, ServerError, remove_work_dir, write_fastzone_conf  # noqa: E402

try:
    import dns.edns
    import dns.exception
    import dns.message
    import dns.query
    import dns.name
    import dns.rcode
    import dns.rdataclass
    import dns.rdatatype
except ImportError:
    print("SKIP: dnspython is not installed for this python (Debian: python3-dnspython)")
    sys.exit(77)

HERE = os.path.dirname(os.path.abspath(__file__))
GEOIP_DIR = os.path.normpath(os.path.join(HERE, "..", "..", "..", "shared", "data", "geoip"))
CITY_DB = os.path.join(GEOIP_DIR, "GeoIP2-City-Test.mmdb")
CITY_SOURCE = os.path.join(GEOIP_DIR, "GeoIP2-City-Test.source.json")
ORIGIN = "example.com."
print = functools.partial(print, flush=True)  # noqa: A001 - progress shows under meson too


class Failure(Exception):
    pass


def check(cond, msg):
    if not cond:
        raise Failure(msg)


# --- the world: GeoIP networks from the test database's source data --------------------

def load_geo_networks():
    """[(ip_network, (continent, country, subdivision, lat, lon))]; IPv4 networks that the
    source writes as ::a.b.c.d/N (N >= 96) become IPv4 networks, as MaxMind DBs store them."""
    nets = []
    with open(CITY_SOURCE) as f:
        for entry in json.load(f):
            for text, rec in entry.items():
                net = ipaddress.ip_network(text, strict=False)  # a few source networks have host bits set
                if net.version == 6 and net.prefixlen >= 96 and int(net.network_address) >> 32 == 0:
                    net = ipaddress.ip_network((int(net.network_address) & 0xFFFFFFFF, net.prefixlen - 96))
                loc = rec.get("location", {})
                subs = rec.get("subdivisions") or [{}]
                nets.append((net, (rec.get("continent", {}).get("code"), rec.get("country", {}).get("iso_code"),
                                   subs[0].get("iso_code"), loc.get("latitude"), loc.get("longitude"))))
    return nets


class Lpm:
    """Longest-prefix match over (network, value) pairs; later duplicates win."""

    def __init__(self, pairs):
        self.pairs = {}
        for net, value in pairs:
            self.pairs[net] = value
        self.by_family = {4: [], 6: []}
        for net, value in self.pairs.items():
            self.by_family[net.version].append((net, value))

    def lookup(self, addr):
        best = None
        for net, value in self.by_family[addr.version]:
            if addr in net and (best is None or net.prefixlen > best[0].prefixlen):
                best = (net, value)
        return best

    def overlapping(self, block):
        return [(n, v) for n, v in self.by_family[block.version] if n.overlaps(block)]


def block_is_uniform(lpm, block, answer_of):
    """True when every address of `block` gets the same answer: the networks that overlap
    the block cut it into intervals over which the longest match cannot change."""
    start, end = int(block.network_address), int(block.broadcast_address) + 1
    cls = ipaddress.IPv4Address if block.version == 4 else ipaddress.IPv6Address
    points = {start}
    for n, _ in lpm.overlapping(block):
        for p in (int(n.network_address), int(n.broadcast_address) + 1):
            if start <= p < end:
                points.add(p)
    answers = {answer_of(cls(p)) for p in points}
    return len(answers) == 1, answers


# --- the configuration under test -----------------------------------------------------

ZONE = f"""$ORIGIN {ORIGIN}
$TTL 300
@       SOA  ns1 hostmaster 1 7200 3600 1209600 60
@       NS   ns1
ns1     A    192.0.2.53
target  900  A 198.51.100.7
"""

CIDR_ID = "3f2a9c1e-0000-4000-8000-00000000c1d0"
CIDR_LOCATIONS = {  # office's blocks lie inside campus's: the longest match decides
    "campus": ["198.51.0.0/16", "2001:db8::/32"],
    "office": ["198.51.100.0/24", "2001:db8:100::/48"],
    "partners": ["203.0.113.0/24", "100.64.0.0/10", "2a02:d3c0::/29"],
}

LATENCY_CSV = """# client prefix,region,latency ms
client prefix,region,latency ms
81.2.0.0/16,eu-west-1,14
81.2.0.0/16,us-east-1,79
81.2.69.0/24,us-east-1,5
216.160.0.0/16,us-east-1,68
216.160.0.0/16,ap-northeast-1,121
216.160.0.0/16,eu-west-1,142
89.160.0.0/16,eu-west-1,20.5
89.160.20.0/24,ap-northeast-1,300
2001:218::/32,ap-northeast-1,3
2001:218::/32,eu-west-1,200
2a02:d000::/20,eu-west-1,31
2a02:d000::/20,us-east-1,98
2a02:d000::/24,us-east-1,12
"""
LATENCY_DEFAULT_ORDER = ["ap-northeast-1", "us-east-1"]

# (set id, routing fields, value, health check) per name; TTLs per name.
GEO = [("us-wa", {"CountryCode": "US", "SubdivisionCode": "WA"}, "10.1.0.1"),
       ("us", {"CountryCode": "US"}, "10.1.0.2"),
       ("gb", {"CountryCode": "GB"}, "10.1.0.3"),
       ("eu", {"ContinentCode": "EU"}, "10.1.0.4"),
       ("as", {"ContinentCode": "AS"}, "10.1.0.5"),
       ("jp", {"CountryCode": "JP"}, "10.1.0.6"),
       ("se-e", {"CountryCode": "SE", "SubdivisionCode": "E"}, "10.1.0.7"),
       ("default", {"CountryCode": "*"}, "10.1.0.9")]
GEO_NODEFAULT = [("us", {"CountryCode": "US"}, "10.2.0.1"), ("eu", {"ContinentCode": "EU"}, "10.2.0.2")]
GEO_SICK = [("gb", {"CountryCode": "GB"}, "10.3.0.1", "hc-down"), ("eu", {"ContinentCode": "EU"}, "10.3.0.2", None),
            ("default", {"CountryCode": "*"}, "10.3.0.9", None)]
LATENCY = [("use1", "us-east-1", "10.5.0.1"), ("euw1", "eu-west-1", "10.5.0.2"),
           ("apne1", "ap-northeast-1", "10.5.0.3"), ("sae1", "sa-east-1", "10.5.0.4")]
# Geoproximity: (id, location, coordinates, bias, value); us-east-1's coordinates as in
# fastzone's region table. The biases decide: Great Britain goes to Frankfurt (+80) rather
# than Dublin, Japan to Singapore rather than Seoul (-80).
PROXIMITY = [("virginia", {"AWSRegion": "us-east-1"}, (39.04, -77.49), 0, "10.10.0.1"),
             ("dublin", {"Coordinates": {"Latitude": "53.35", "Longitude": "-6.26"}}, (53.35, -6.26), 0, "10.10.0.2"),
             ("frankfurt", {"Coordinates": {"Latitude": "50.11", "Longitude": "8.68"}}, (50.11, 8.68), 80, "10.10.0.3"),
             ("singapore", {"Coordinates": {"Latitude": "1.35", "Longitude": "103.82"}}, (1.35, 103.82), 0, "10.10.0.4"),
             ("seoul", {"Coordinates": {"Latitude": "37.57", "Longitude": "126.98"}}, (37.57, 126.98), -80, "10.10.0.5")]
MULTI = [(f"m{i:02d}", f"10.9.0.{i}", "hc-down" if i > 10 else None) for i in range(1, 13)]


def record_sets():
    rs = []

    def add(name, rtype="A", **kw):
        r = {"Name": f"{name}.{ORIGIN}" if name else ORIGIN, "Type": rtype}
        r.update(kw)
        rs.append(r)

    def rr(*values):
        return [{"Value": v} for v in values]

    def alias(target, eth=False):
        return {"HostedZoneId": "ZE2ETEST", "DNSName": f"{target}.{ORIGIN}", "EvaluateTargetHealth": eth}

    add("", AliasTarget=alias("target"))
    add("simple", "TXT", TTL=120, ResourceRecords=rr('"hello"'))
    for sid, w, v in [("a", 1, "10.0.0.1"), ("b", 3, "10.0.0.3"), ("z", 0, "10.0.0.99")]:
        add("w", SetIdentifier=sid, Weight=w, TTL=30, ResourceRecords=rr(v))
    for sid, v in [("x", "10.0.1.1"), ("y", "10.0.1.2")]:
        add("wzero", SetIdentifier=sid, Weight=0, TTL=30, ResourceRecords=rr(v))
    add("wsick", SetIdentifier="up", Weight=1, TTL=30, ResourceRecords=rr("10.0.2.1"))
    add("wsick", SetIdentifier="down", Weight=3, TTL=30, ResourceRecords=rr("10.0.2.3"), HealthCheckId="hc-down")
    for sid, g, v in GEO:
        add("geo", SetIdentifier=sid, GeoLocation=g, TTL=60, ResourceRecords=rr(v))
    for sid, g, v in GEO_NODEFAULT:
        add("geonodef", SetIdentifier=sid, GeoLocation=g, TTL=60, ResourceRecords=rr(v))
    for sid, g, v, hc in GEO_SICK:
        extra = {"HealthCheckId": hc} if hc else {}
        add("geosick", SetIdentifier=sid, GeoLocation=g, TTL=60, ResourceRecords=rr(v), **extra)
    for i, loc in enumerate(["office", "campus", "partners", "*"]):
        add("cidr", SetIdentifier=f"loc-{i}", CidrRoutingConfig={"CollectionId": CIDR_ID, "LocationName": loc},
            TTL=60, ResourceRecords=rr(f"10.4.0.{9 if loc == '*' else i + 1}"))
    add("cidrsick", SetIdentifier="office", CidrRoutingConfig={"CollectionId": CIDR_ID, "LocationName": "office"},
        TTL=60, ResourceRecords=rr("10.16.0.1"), HealthCheckId="hc-down")
    add("cidrsick", SetIdentifier="partners", CidrRoutingConfig={"CollectionId": CIDR_ID, "LocationName": "partners"},
        TTL=60, ResourceRecords=rr("10.16.0.3"))
    add("cidrsick", SetIdentifier="rest", CidrRoutingConfig={"CollectionId": CIDR_ID, "LocationName": "*"},
        TTL=60, ResourceRecords=rr("10.16.0.9"))
    for i, loc in enumerate(["office", "partners"]):
        add("cidrnodef", SetIdentifier=f"loc-{i}", CidrRoutingConfig={"CollectionId": CIDR_ID, "LocationName": loc},
            TTL=60, ResourceRecords=rr(f"10.14.0.{i + 1}"))
    for sid, region, v in LATENCY:
        add("lat", SetIdentifier=sid, Region=region, TTL=60, ResourceRecords=rr(v))
        extra = {"HealthCheckId": "hc-down"} if region == "eu-west-1" else {}
        add("latsick", SetIdentifier=sid, Region=region, TTL=60, ResourceRecords=rr(v.replace("10.5.", "10.15.")),
            **extra)
    add("fo", SetIdentifier="p", Failover="PRIMARY", TTL=60, ResourceRecords=rr("10.6.0.1"), HealthCheckId="hc-up")
    add("fo", SetIdentifier="s", Failover="SECONDARY", TTL=60, ResourceRecords=rr("10.6.0.2"))
    add("fodown", SetIdentifier="p", Failover="PRIMARY", TTL=60, ResourceRecords=rr("10.7.0.1"), HealthCheckId="hc-down")
    add("fodown", SetIdentifier="s", Failover="SECONDARY", TTL=60, ResourceRecords=rr("10.7.0.2"))
    add("foboth", SetIdentifier="p", Failover="PRIMARY", TTL=60, ResourceRecords=rr("10.8.0.1"), HealthCheckId="hc-down")
    add("foboth", SetIdentifier="s", Failover="SECONDARY", TTL=60, ResourceRecords=rr("10.8.0.2"),
        HealthCheckId="hc-down2")
    for sid, v, hc in MULTI:
        extra = {"HealthCheckId": hc} if hc else {}
        add("mv", SetIdentifier=sid, MultiValueAnswer=True, TTL=60, ResourceRecords=rr(v), **extra)
    for i in range(1, 4):
        add("mvdown", SetIdentifier=f"d{i}", MultiValueAnswer=True, TTL=60, ResourceRecords=rr(f"10.19.0.{i}"),
            HealthCheckId="hc-down")
    for sid, where, _, bias, v in PROXIMITY:
        add("prox", SetIdentifier=sid, GeoProximityLocation=dict(where, Bias=bias), TTL=60, ResourceRecords=rr(v))
        extra = {"HealthCheckId": "hc-down"} if sid == "frankfurt" else {}
        add("proxsick", SetIdentifier=sid, GeoProximityLocation=dict(where, Bias=bias), TTL=60,
            ResourceRecords=rr(v), **extra)
    # Aliases: nested (edge -> app -> geo), to a weighted policy, and EvaluateTargetHealth
    # backing out of a branch whose records are all unhealthy (ethfo's primary).
    add("app", AliasTarget=alias("geo", eth=True))
    add("edge", AliasTarget=alias("app", eth=True))
    add("wal", AliasTarget=alias("w"))
    add("allsick", SetIdentifier="s1", Weight=1, TTL=60, ResourceRecords=rr("10.12.0.1"), HealthCheckId="hc-down")
    add("allsick", SetIdentifier="s2", Weight=1, TTL=60, ResourceRecords=rr("10.12.0.2"), HealthCheckId="hc-down2")
    add("ethfo", SetIdentifier="p", Failover="PRIMARY", AliasTarget=alias("allsick", eth=True))
    add("ethfo", SetIdentifier="s", Failover="SECONDARY", TTL=60, ResourceRecords=rr("10.11.0.2"))
    return {"ResourceRecordSets": rs}


def health_checks(up_port, down_port):
    def tcp(hid, port):
        return {"Id": hid, "CallerReference": hid, "HealthCheckConfig": {
            "IPAddress": "127.0.0.1", "Port": port, "Type": "TCP", "RequestInterval": 1, "FailureThreshold": 1}}
    return {"HealthChecks": [tcp("hc-up", up_port), tcp("hc-down", down_port), tcp("hc-down2", down_port)]}


# --- Route 53's rules, computed independently -----------------------------------------

HEALTHY_CHECKS = {None, "hc-up"}


def geo_rule(members, loc):
    """members: [(id, GeoLocation, value, check)]; loc: (continent, country, sub, ...) or None.
    Returns the value, or None for NODATA."""
    cont, country, sub = (loc[0], loc[1], loc[2]) if loc else (None, None, None)
    by = {}
    for m in members:
        g = m[1]
        if g.get("CountryCode") == "*":
            by["*"] = m
        elif "ContinentCode" in g:
            by["c:" + g["ContinentCode"]] = m
        elif "SubdivisionCode" in g:
            by[f"s:{g['CountryCode']}/{g['SubdivisionCode']}"] = m
        else:
            by["n:" + g["CountryCode"]] = m
    chain = []
    if country and sub and f"s:{country}/{sub}" in by:
        chain.append(by[f"s:{country}/{sub}"])
    if country and "n:" + country in by:
        chain.append(by["n:" + country])
    if cont and "c:" + cont in by:
        chain.append(by["c:" + cont])
    if "*" in by:
        chain.append(by["*"])
    if not chain:
        return None
    for m in chain:
        if (m[3] if len(m) > 3 else None) in HEALTHY_CHECKS:
            return m[2]
    return chain[0][2]


def great_circle_km(a, b):
    la1, lo1, la2, lo2 = map(math.radians, (a[0], a[1], b[0], b[1]))
    h = math.sin((la2 - la1) / 2) ** 2 + math.cos(la1) * math.cos(la2) * math.sin((lo2 - lo1) / 2) ** 2
    return 2 * 6371.0 * math.asin(min(1.0, math.sqrt(h)))


# Clients without coordinates get the first healthy geoproximity record "in file order".
# Record sets created through the API are kept in Route 53's order (by set identifier), and
# that is the order the server sees then (--via-api sets this).
PROXIMITY_ORDER_BY_ID = False


def proximity_rule(loc, sick=()):
    """(value, margin): margin is how much farther the runner-up is (1.0 = 100%). Records
    named in `sick` are unhealthy and out of the running."""
    pool = [p for p in PROXIMITY if p[0] not in sick]
    if PROXIMITY_ORDER_BY_ID:
        pool.sort(key=lambda p: p[0])
    if not loc or loc[3] is None or loc[4] is None:
        return pool[0][4], 1.0
    scored = []
    for _, _, where, bias, v in pool:
        d = great_circle_km((loc[3], loc[4]), where)
        d = d * (1 - bias / 100) if bias >= 0 else d / (1 + bias / 100)
        scored.append((d, v))
    scored.sort()
    margin = (scored[1][0] - scored[0][0]) / max(scored[0][0], 1.0)
    return scored[0][1], margin


def parse_latency():
    rows = {}
    for line in LATENCY_CSV.splitlines():
        if not line or line.startswith("#") or line.startswith("client prefix"):
            continue
        prefix, region, ms = line.split(",")
        rows.setdefault(ipaddress.ip_network(prefix), []).append((float(ms), region))
    return Lpm((p, sorted(v)) for p, v in rows.items()), rows


def latency_rule(rows, addr, members, sick_regions=()):
    covering = sorted((p for p in rows if p.version == addr.version and addr in p), key=lambda p: -p.prefixlen)
    order = []
    for p in covering:
        for _, region in sorted(rows[p]):
            if region not in order:
                order.append(region)
    for region in LATENCY_DEFAULT_ORDER:
        if region not in order:
            order.append(region)
    chain = [m for r in order for m in members if m[1] == r]
    chain += [m for m in members if m not in chain]
    for m in chain:
        if m[1] not in sick_regions:
            return m[2]
    return chain[0][2]


def cidr_rule(cidr_lpm, addr, values, default):
    hit = cidr_lpm.lookup(addr)
    if hit is None:
        return default
    return values.get(hit[1], default)


# --- talking to the server ------------------------------------------------------------

class Validator:
    """With --dnssec: verifies every RRset of a response's answer and authority sections
    with its RRSIGs against the zone's DNSKEYs, then removes the DNSSEC records, so that
    the checks below read the response as they would without DO."""

    def __init__(self, keys, nsec3):
        import dns.dnssec
        import dns.name
        self.dnssec = dns.dnssec
        self.zone = dns.name.from_text(ORIGIN)
        self.keys = {self.zone: keys}
        self.seen = set()  # (RRset, RRSIG) texts verified already
        self.verified = 0
        self.nsec3 = nsec3

    def check(self, q, r):
        qname = q.question[0].name
        for section in (r.answer, r.authority):
            sigs = {(x.name, x.covers): x for x in section if x.rdtype == dns.rdatatype.RRSIG}
            for rrset in section:
                if rrset.rdtype == dns.rdatatype.RRSIG:
                    continue
                sig = sigs.get((rrset.name, rrset.rdtype))
                check(sig is not None, f"{qname} with DO: {rrset.name} {dns.rdatatype.to_text(rrset.rdtype)} "
                                       "has no RRSIG")
                key = (rrset.to_text(), sig.to_text())
                if key in self.seen:
                    continue
                try:
                    self.dnssec.validate(rrset, sig, self.keys)
                except self.dnssec.ValidationFailure as e:
                    raise Failure(f"{qname} with DO: {rrset.to_text()} does not verify: {e}")
                self.seen.add(key)
                self.verified += 1
        if r.rcode() == dns.rcode.NOERROR and not r.answer:  # NODATA: the NSEC (NSEC3) of the name
            if self.nsec3:
                owner = self.dnssec.nsec3_hash(qname, None, 0, 1).lower() + "." + ORIGIN
                denial = [x for x in r.authority if x.rdtype == dns.rdatatype.NSEC3 and x.name.to_text() == owner]
            else:
                denial = [x for x in r.authority if x.rdtype == dns.rdatatype.NSEC and x.name == qname]
            qtype = dns.rdatatype.to_text(q.question[0].rdtype)
            check(denial and qtype not in denial[0][0].to_text().split(),
                  f"{qname} NODATA with DO: no NSEC or NSEC3 of the name that denies the type: {r.authority}")
        r.answer = [x for x in r.answer if x.rdtype != dns.rdatatype.RRSIG]
        r.authority = [x for x in r.authority if x.rdtype not in (dns.rdatatype.RRSIG, dns.rdatatype.NSEC,
                                                                  dns.rdatatype.NSEC3)]


VALIDATOR = None


class Client:
    """Asks fastzoned over UDP, with ECS when given, sending again after a timeout; with
    --dnssec with DO, each response verified (Validator)."""

    def __init__(self, port):
        self.port = port
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.setblocking(False)  # dnspython waits with its own timeout only then
        self.retries = []

    def ask(self, name, rtype="A", ecs=None, options=None):
        opts = list(options or [])
        if ecs is not None:
            net = ipaddress.ip_network(ecs)
            opts.append(dns.edns.ECSOption(str(net.network_address), net.prefixlen))
        q = dns.message.make_query(name if name.endswith(".") else f"{name}.{ORIGIN}", rtype,
                                   use_edns=0 if opts or ecs is not None or VALIDATOR else None, options=opts,
                                   want_dnssec=VALIDATOR is not None, payload=4096)
        for attempt in range(3):  # a loaded machine may drop a datagram
            try:
                r = dns.query.udp(q, "127.0.0.1", port=self.port, timeout=2, sock=self.sock,
                                  ignore_unexpected=True)
                if VALIDATOR is not None:
                    VALIDATOR.check(q, r)
                return r
            except dns.exception.Timeout:
                self.retries.append(f"{name} {rtype} ecs={ecs} options={options}")
                if attempt == 2:
                    raise


def ecs_scope(r):
    for o in r.options:
        if isinstance(o, dns.edns.ECSOption):
            return o.scopelen
    return None


def answer_values(r, name, rtype="A"):
    """The values of the one RRset of the answer, after checking it is not a CNAME and is
    owned by the query name; [] for NODATA."""
    if not r.answer:
        return []
    check(len(r.answer) == 1, f"{name}: one RRset expected, got {[x.to_text() for x in r.answer]}")
    rrset = r.answer[0]
    check(rrset.rdtype == dns.rdatatype.from_text(rtype),
          f"{name}: answer of type {dns.rdatatype.to_text(rrset.rdtype)}, never a CNAME for a policy or alias")
    check(rrset.name.to_text() == name, f"{name}: answer owned by {rrset.name}")
    return sorted(rd.to_text() for rd in rrset)


class HealthTargets:
    """A TCP port that accepts (healthy) and one bound but not listening (refused)."""

    def __init__(self):
        self.up = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.up.bind(("127.0.0.1", 0))
        self.up.listen(64)
        self.up.settimeout(0.2)
        self.down = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.down.bind(("127.0.0.1", 0))
        self.stopping = False
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self):
        while not self.stopping:
            try:
                c, _ = self.up.accept()
                c.close()
            except OSError:
                pass

    def close(self):
        self.stopping = True
        self.thread.join(2)
        self.up.close()
        self.down.close()


# --- the test -------------------------------------------------------------------------

def client_prefixes(geo_nets, rnd):
    """One client prefix per GeoIP network (a random address inside it, ECS source at least
    /24 or /48 and never shorter than the network), plus addresses the database lacks."""
    out = []
    for net, _ in geo_nets:
        floor = 24 if net.version == 4 else 48
        plen = max(net.prefixlen, floor)
        addr = int(net.network_address) + rnd.randrange(net.num_addresses)
        out.append(ipaddress.ip_network((addr, plen), strict=False))
    for text in ["10.20.30.0/24", "192.0.2.0/24", "100.64.1.0/24", "198.51.100.0/24", "198.51.7.0/24",
                 "203.0.113.128/25", "2001:db8:ffff::/48", "2001:db8:100::/48", "2001:db8:101::/48",
                 "2a02:d3c0::/32", "2a02:d000::/24", "2a02:d080::/29", "81.2.69.0/24", "89.160.20.0/24",
                 "216.160.0.0/16", "2001:218:1::/48"]:
        out.append(ipaddress.ip_network(text))
    return sorted(set(out), key=lambda n: (n.version, n))


# --- the record sets and health checks through the Route 53 API (--via-api) ----------

API_KEY_ID, API_SECRET = "AKIAPOLICIESE2E0", "policies-e2e-secret-0123"


def boto3_route53(work, api_port):
    """A boto3 Route 53 client for the server's API. The model of Debian's botocore
    predates GeoProximityLocation: a copy of it with that member added is put on
    AWS_DATA_PATH (botocore's own way to extend models). Parameter validation is off:
    the tests' health checks probe every second, below the model's minimum of 10."""
    import boto3
    import botocore.config
    import botocore.loaders
    model = botocore.loaders.Loader().load_service_model("route53", "service-2")
    shapes = model["shapes"]
    if "GeoProximityLocation" not in shapes["ResourceRecordSet"]["members"]:
        shapes["GeoProximityLocation"] = {"type": "structure", "members": {
            "AWSRegion": {"shape": "AWSRegion"}, "LocalZoneGroup": {"shape": "LocalZoneGroup"},
            "Coordinates": {"shape": "Coordinates"}, "Bias": {"shape": "Bias"}}}
        shapes["AWSRegion"] = {"type": "string"}
        shapes["LocalZoneGroup"] = {"type": "string"}
        shapes["Bias"] = {"type": "integer"}
        shapes["Coordinates"] = {"type": "structure", "required": ["Latitude", "Longitude"], "members": {
            "Latitude": {"shape": "Latitude"}, "Longitude": {"shape": "Longitude"}}}
        shapes["Latitude"] = {"type": "string"}
        shapes["Longitude"] = {"type": "string"}
        shapes["ResourceRecordSet"]["members"]["GeoProximityLocation"] = {"shape": "GeoProximityLocation"}
    version = model["metadata"]["apiVersion"]
    folder = os.path.join(work, "aws-models", "route53", version)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "service-2.json"), "w") as f:
        json.dump(model, f)
    for k in [k for k in os.environ if k.startswith("AWS_")]:
        del os.environ[k]  # nothing of the machine's AWS settings
    os.environ.update(AWS_DATA_PATH=os.path.join(work, "aws-models"), AWS_CONFIG_FILE=os.devnull,
                      AWS_SHARED_CREDENTIALS_FILE=os.devnull, AWS_EC2_METADATA_DISABLED="true")
    session = boto3.session.Session(aws_access_key_id=API_KEY_ID, aws_secret_access_key=API_SECRET,
                                    region_name="us-east-1")
    return session.client("route53", endpoint_url=f"http://127.0.0.1:{api_port}", config=botocore.config.Config(
        parameter_validation=False, retries={"max_attempts": 1}, connect_timeout=10, read_timeout=120))


def create_via_api(r53, fastzonectl, sock, checks, sets):
    """Imports the zone into the store, creates `checks` (health_checks()'s) and `sets`
    (record_sets()'s) through the API and waits until the change is INSYNC."""
    out = subprocess.run([fastzonectl, "-s", sock, "import", ORIGIN], capture_output=True, text=True, timeout=60)
    check(out.returncode == 0, f"fastzonectl import {ORIGIN} failed: {out.stdout} {out.stderr}")
    zones = {z["Name"]: z["Id"].split("/")[-1] for z in r53.list_hosted_zones()["HostedZones"]}
    check(ORIGIN in zones, f"the imported zone is not listed by the API: {zones}")
    zone_id = zones[ORIGIN]
    ids = {}
    for hc in checks["HealthChecks"]:
        r = r53.create_health_check(CallerReference=hc["CallerReference"], HealthCheckConfig=hc["HealthCheckConfig"])
        ids[hc["Id"]] = r["HealthCheck"]["Id"]
    check(len(set(ids.values())) == len(ids), f"CreateHealthCheck gave distinct ids: {ids}")
    changes = []
    for rs in sets["ResourceRecordSets"]:
        rs = json.loads(json.dumps(rs))
        if "HealthCheckId" in rs:
            rs["HealthCheckId"] = ids[rs["HealthCheckId"]]
        if "AliasTarget" in rs:
            rs["AliasTarget"]["HostedZoneId"] = zone_id
        changes.append({"Action": "CREATE", "ResourceRecordSet": rs})
    r = r53.change_resource_record_sets(HostedZoneId=zone_id,
                                        ChangeBatch={"Comment": "policies_e2e", "Changes": changes})
    change_id = r["ChangeInfo"]["Id"].split("/")[-1]
    deadline = time.time() + 60
    while r53.get_change(Id=change_id)["ChangeInfo"]["Status"] != "INSYNC":
        check(time.time() < deadline, f"change {change_id} not INSYNC within 60 s")
        time.sleep(0.2)
    listed = [rs for page in r53.get_paginator("list_resource_record_sets").paginate(HostedZoneId=zone_id)
              for rs in page["ResourceRecordSets"]]
    want = {(rs["Name"], rs["Type"], rs.get("SetIdentifier")) for rs in sets["ResourceRecordSets"]}
    got = {(rs["Name"], rs["Type"], rs.get("SetIdentifier")) for rs in listed}
    check(want <= got, f"record sets missing from ListResourceRecordSets: {sorted(want - got)[:5]}")
    print(f"ok   via the API: zone imported as {zone_id}, {len(ids)} health checks and {len(changes)} record sets "
          f"created in one batch, INSYNC")


def run(fastzoned, fastzonectl, work, via_api=False, signed=False):
    global VALIDATOR
    global PROXIMITY_ORDER_BY_ID
    PROXIMITY_ORDER_BY_ID = via_api
    rnd = random.Random(53)
    geo_nets = load_geo_networks()
    geo_lpm = Lpm(geo_nets)
    cidr_pairs = [(ipaddress.ip_network(b), loc) for loc, blocks in CIDR_LOCATIONS.items() for b in blocks]
    cidr_lpm = Lpm(cidr_pairs)
    lat_lpm, lat_rows = parse_latency()
    targets = HealthTargets()
    server = None
    try:
        port = free_port()
        sock = os.path.join(work, "control.sock")
        with open(os.path.join(work, "example.com.zone"), "w") as f:
            f.write(ZONE)
        with open(os.path.join(work, "record-sets.json"), "w") as f:
            json.dump(record_sets(), f, indent=1)
        with open(os.path.join(work, "health-checks.json"), "w") as f:
            json.dump(health_checks(targets.up.getsockname()[1], targets.down.getsockname()[1]), f, indent=1)
        with open(os.path.join(work, "cidr.json"), "w") as f:
            json.dump({"CidrCollections": [{"Id": CIDR_ID, "Name": "e2e", "Locations": [
                {"LocationName": k, "CidrList": v} for k, v in CIDR_LOCATIONS.items()]}]}, f, indent=1)
        with open(os.path.join(work, "latency.csv"), "w") as f:
            f.write(LATENCY_CSV)
        common = (f"cidr_collections: cidr.json\nlatency: latency.csv\n"
                  f"latency_default_order: [{', '.join(LATENCY_DEFAULT_ORDER)}]\ngeoip: {CITY_DB}\n")
        if via_api:
            api_port = free_port()
            with open(os.path.join(work, "credentials.json"), "w") as f:
                json.dump({"AccessKeys": [{"AccessKeyId": API_KEY_ID, "SecretAccessKey": API_SECRET,
                                           "Actions": ["route53:*"], "HostedZones": ["*"]}]}, f)
            conf = write_fastzone_conf(
                work, port, [(ORIGIN, "example.com.zone")], workers=2, control=sock,
                sections=common + f"api:\n  listen: 127.0.0.1@{api_port}\n  credentials: credentials.json\n"
                                  f"  name_servers: [ns1.{ORIGIN}]\nstore:\n  path: store\n")
        else:
            zone_options = ["record_sets: record-sets.json", "hosted_zone_id: ZE2ETEST"]
            if signed:
                keys = os.path.join(work, "keys")
                os.makedirs(keys)
                for ksk in (["--ksk"], []):
                    subprocess.run([fastzonectl, "dnssec", "keygen", ORIGIN, keys] + ksk, check=True,
                                   capture_output=True)
                denial = ", denial: nsec3" if signed == "nsec3" else ""
                zone_options.append(f"dnssec: {{keys_dir: {keys}{denial}}}")
            conf = write_fastzone_conf(
                work, port, [(ORIGIN, "example.com.zone")], workers=2,
                zone_options=zone_options,
                sections="health_checks: health-checks.json\n" + common, control=sock)
        server = Fastzoned(fastzoned, conf, port).start()
        server.wait_ready(ORIGIN, timeout=30)
        srv = Client(port)
        if signed:
            keys = srv.ask(ORIGIN, "DNSKEY").find_rrset(dns.message.ANSWER, dns.name.from_text(ORIGIN),
                                                        dns.rdataclass.IN, dns.rdatatype.DNSKEY)
            VALIDATOR = Validator(keys, signed == "nsec3")
        if via_api:
            with open(os.path.join(work, "health-checks.json")) as f:
                checks = json.load(f)
            r53 = boto3_route53(work, api_port)
            deadline = time.time() + 30
            while True:  # the API listens a moment after DNS answers
                try:
                    r53.list_hosted_zones()
                    break
                except Exception:  # noqa: BLE001 - not up yet
                    check(time.time() < deadline and server.running(), "the API does not answer:\n" +
                          server.log_text())
                    time.sleep(0.2)
            create_via_api(r53, fastzonectl, sock, checks, record_sets())

        # Up, and the health checks settled: hc-down refused, so fodown fails over.
        deadline = time.time() + 30
        state = None
        while time.time() < deadline:
            check(server.running(), "fastzoned exited at start:\n" + server.log_text())
            try:
                state = (answer_values(srv.ask("fodown"), f"fodown.{ORIGIN}"),
                         answer_values(srv.ask("ethfo"), f"ethfo.{ORIGIN}"))
                if state == (["10.7.0.2"], ["10.11.0.2"]):
                    break
            except dns.exception.Timeout:
                pass
            time.sleep(0.2)
        check(state is not None, "fastzoned does not answer:\n" + server.log_text())
        check(state[0] == ["10.7.0.2"], f"failover to the secondary when the primary's check fails, got {state[0]}")
        check(state[1] == ["10.11.0.2"], "EvaluateTargetHealth: an alias whose target has no healthy record "
              f"counts as unhealthy, so failover picks the secondary; got {state[1]}")
        print("ok   failover: health checks drive the answer (primary refused -> secondary, alias target unhealthy)")

        srv.retries.clear()  # the start-up probes above may time out by design
        clients = client_prefixes(geo_nets, rnd)
        n_checked = 0

        def geo_loc(addr):
            hit = geo_lpm.lookup(addr)
            return hit[1] if hit else None

        def check_scope(kind, name, r, client, uniform_lpm, answer_of):
            scope = ecs_scope(r)
            check(scope is not None, f"{name} ECS {client}: the response must carry ECS")
            if client.prefixlen == 0:
                check(scope == 0, f"{name} ECS {client}: scope {scope}, expected 0 for a client of unknown location")
                return
            check(scope > 0, f"{name} ECS {client}: {kind} answers depend on the client: scope must not be 0")
            block = ipaddress.ip_network((int(client.network_address), scope), strict=False)
            ok, answers = block_is_uniform(uniform_lpm, block, answer_of)
            check(ok, f"{name} ECS {client}: scope /{scope} covers {block}, where clients get different "
                      f"answers {sorted(map(str, answers))}: a resolver would cache a wrong answer")

        # Geolocation, with and without a default, with an unhealthy most-specific record;
        # and the nested alias chain edge -> app -> geo.
        geo_members = [(sid, g, v, None) for sid, g, v in GEO]
        nodef_members = [(sid, g, v, None) for sid, g, v in GEO_NODEFAULT]
        sick_members = list(GEO_SICK)
        for client in clients + [ipaddress.ip_network("0.0.0.0/0"), ipaddress.ip_network("::/0")]:
            loc = geo_loc(client.network_address) if client.prefixlen else None
            for name, members, ttl in [("geo", geo_members, 60), ("geonodef", nodef_members, 60),
                                       ("geosick", sick_members, 60), ("edge", geo_members, 60)]:
                fq = f"{name}.{ORIGIN}"
                r = srv.ask(name, ecs=str(client))
                want = geo_rule(members, loc)
                got = answer_values(r, fq)
                check(r.rcode() == dns.rcode.NOERROR, f"{fq} ECS {client}: rcode {dns.rcode.to_text(r.rcode())}")
                if want is None:
                    check(got == [] and r.authority and r.authority[0].rdtype == dns.rdatatype.SOA,
                          f"{fq} ECS {client} (location {loc}): no match and no default must be NODATA, got {got}")
                else:
                    check(got == [want], f"{fq} ECS {client} (location {loc}): Route 53 answers {want}, got {got}")
                    check(r.answer[0].ttl == ttl, f"{fq}: TTL {r.answer[0].ttl}, the record's is {ttl}")
                check_scope("geolocation", fq, r, client, geo_lpm,
                            lambda a, m=members: geo_rule(m, geo_loc(a)))
                n_checked += 1
        print(f"ok   geolocation: subdivision > country > continent > default, NODATA without default, "
              f"unhealthy walks up, nested alias; scope safe ({len(clients) + 2} client prefixes)")

        # Geoproximity (proxsick: Frankfurt unhealthy, so its clients go to the next nearest).
        close = 0
        for client in clients + [ipaddress.ip_network("0.0.0.0/0")]:
            loc = geo_loc(client.network_address) if client.prefixlen else None
            for name, sick in [("prox", ()), ("proxsick", ("frankfurt",))]:
                want, margin = proximity_rule(loc, sick)
                r = srv.ask(name, ecs=str(client))
                got = answer_values(r, f"{name}.{ORIGIN}")
                if margin < 0.02:
                    close += 1  # a near tie: rounding of coordinates may decide; not asserted
                else:
                    check(got == [want], f"{name} ECS {client} (location {loc}): nearest with bias is {want}, "
                                         f"got {got}")
                check_scope("geoproximity", f"{name}.{ORIGIN}", r, client, geo_lpm,
                            lambda a, s=sick: proximity_rule(geo_loc(a), s)[0])
                n_checked += 1
        print(f"ok   geoproximity: nearest by great-circle distance with bias, unhealthy out "
              f"({close} near ties not asserted)")

        # IP-based: longest block, "*", NODATA without "*".
        cidr_values = {"office": "10.4.0.1", "campus": "10.4.0.2", "partners": "10.4.0.3"}
        nodef_values = {"office": "10.14.0.1", "partners": "10.14.0.2"}
        sick_values = {"partners": "10.16.0.3"}  # office's record is unhealthy: its clients get "*"
        cidr_clients = list(clients)
        for net, _ in cidr_pairs:
            for _ in range(3):
                plen = min(max(net.prefixlen, 24 if net.version == 4 else 48), net.max_prefixlen)
                addr = int(net.network_address) + rnd.randrange(net.num_addresses)
                cidr_clients.append(ipaddress.ip_network((addr, plen), strict=False))
            edge = int(net.broadcast_address) + 1
            if edge < (1 << net.max_prefixlen):
                cidr_clients.append(ipaddress.ip_network((edge, 24 if net.version == 4 else 48), strict=False))
        for client in sorted(set(cidr_clients), key=lambda n: (n.version, n)):
            for name, values, default in [("cidr", cidr_values, "10.4.0.9"), ("cidrnodef", nodef_values, None),
                                          ("cidrsick", sick_values, "10.16.0.9")]:
                fq = f"{name}.{ORIGIN}"
                r = srv.ask(name, ecs=str(client))
                want = cidr_rule(cidr_lpm, client.network_address, values, default)
                got = answer_values(r, fq)
                if want is None:
                    check(got == [] and r.rcode() == dns.rcode.NOERROR,
                          f"{fq} ECS {client}: no block and no \"*\" must be NODATA, got {got}")
                else:
                    check(got == [want], f"{fq} ECS {client}: longest CIDR match gives {want}, got {got}")
                check_scope("IP-based", fq, r, client, cidr_lpm,
                            lambda a, v=values, d=default: cidr_rule(cidr_lpm, a, v, d))
                n_checked += 1
        print(f"ok   IP-based: longest CIDR block, \"*\", NODATA without \"*\", unhealthy location -> \"*\" "
              f"({len(set(cidr_clients))} prefixes)")

        # Latency: lowest for the prefix, covering prefixes, default order, unhealthy region skipped.
        lat_members = [(sid, region, v) for sid, region, v in LATENCY]
        sick_members_lat = [(sid, region, v.replace("10.5.", "10.15.")) for sid, region, v in LATENCY]
        lat_clients = list(clients)
        for p in lat_rows:
            plen = min(max(p.prefixlen, 24 if p.version == 4 else 48), p.max_prefixlen)
            for _ in range(3):
                addr = int(p.network_address) + rnd.randrange(p.num_addresses)
                lat_clients.append(ipaddress.ip_network((addr, plen), strict=False))
        for client in sorted(set(lat_clients), key=lambda n: (n.version, n)):
            for name, members, sick in [("lat", lat_members, ()), ("latsick", sick_members_lat, ("eu-west-1",))]:
                fq = f"{name}.{ORIGIN}"
                r = srv.ask(name, ecs=str(client))
                want = latency_rule(lat_rows, client.network_address, members, sick)
                got = answer_values(r, fq)
                check(got == [want], f"{fq} ECS {client}: lowest-latency healthy region gives {want}, got {got}")
                check_scope("latency", fq, r, client, lat_lpm,
                            lambda a, m=members, s=sick: latency_rule(lat_rows, a, m, s))
                n_checked += 1
        print(f"ok   latency: lowest healthy region for the prefix, covering prefixes, default order "
              f"({len(set(lat_clients))} prefixes)")

        # Answers that do not depend on the client: scope 0 whatever the ECS.
        def client_independent(name, rtype, expect_values, ttl):
            fq = f"{name}.{ORIGIN}" if name else ORIGIN
            for client in rnd.sample(clients, 12):
                r = srv.ask(name or ORIGIN, rtype, ecs=str(client))
                got = answer_values(r, fq, rtype)
                check(got == expect_values, f"{fq} {rtype} ECS {client}: expected {expect_values}, got {got}")
                check(r.answer[0].ttl == ttl, f"{fq} {rtype}: TTL {r.answer[0].ttl}, expected {ttl}")
                check(ecs_scope(r) == 0, f"{fq} {rtype} ECS {client}: scope {ecs_scope(r)}, must be 0: the answer "
                                         "does not depend on the client")

        client_independent("fo", "A", ["10.6.0.1"], 60)
        client_independent("fodown", "A", ["10.7.0.2"], 60)
        client_independent("foboth", "A", ["10.8.0.1"], 60)
        client_independent("ethfo", "A", ["10.11.0.2"], 60)
        print("ok   failover: primary while healthy, secondary when not, primary when both are unhealthy; scope 0")
        client_independent("", "A", ["198.51.100.7"], 900)
        print("ok   alias at the apex: the target's A RRset and TTL, no CNAME; scope 0")
        client_independent("simple", "TXT", ['"hello"'], 120)
        print("ok   simple record set joins the zone; scope 0")

        # Weighted shares, over many queries.
        def shares(name, n, ecs=None, ttl=30):
            counts = {}
            for i in range(n):
                r = srv.ask(name, ecs=ecs if ecs is not None else str(clients[i % len(clients)]))
                got = answer_values(r, f"{name}.{ORIGIN}")
                check(len(got) == 1, f"{name}: weighted answers hold one record set, got {got}")
                check(r.answer[0].ttl == ttl, f"{name}: TTL {r.answer[0].ttl}, expected {ttl}")
                check(ecs_scope(r) == 0, f"{name}: weighted answers have ECS scope 0, got {ecs_scope(r)}")
                counts[got[0]] = counts.get(got[0], 0) + 1
            return counts

        def within(counts, n, expect, name):
            for value, p in expect.items():
                sd = math.sqrt(n * p * (1 - p))
                c = counts.get(value, 0)
                check(abs(c - n * p) <= 5 * sd + 1, f"{name}: {value} answered {c} of {n} times, "
                                                    f"expected {n * p:.0f} (+-{5 * sd:.0f}); all: {counts}")
            extra = set(counts) - set(expect)
            check(not extra, f"{name}: answers {extra} must never be given (weight 0 or unhealthy); all: {counts}")

        n = 2000
        within(shares("w", n), n, {"10.0.0.1": 0.25, "10.0.0.3": 0.75}, "w (weights 1, 3, 0)")
        within(shares("wzero", 1000), 1000, {"10.0.1.1": 0.5, "10.0.1.2": 0.5}, "wzero (all weights 0)")
        within(shares("wsick", 300), 300, {"10.0.2.1": 1.0}, "wsick (weight 3 member unhealthy)")
        within(shares("wal", 1000), 1000, {"10.0.0.1": 0.25, "10.0.0.3": 0.75}, "wal (alias to weighted)")
        within(shares("allsick", 1000, ttl=60), 1000, {"10.12.0.1": 0.5, "10.12.0.2": 0.5},
               "allsick (no member healthy: all count as healthy)")
        print(f"ok   weighted: shares within 5 sigma over {n} queries, weight 0 never, unhealthy out, "
              "all-zero equal, through an alias; scope 0")

        # Multivalue.
        healthy_mv = {v for _, v, hc in MULTI if hc in HEALTHY_CHECKS}
        seen = set()
        for i in range(60):
            r = srv.ask("mv", ecs=str(clients[i % len(clients)]))
            got = answer_values(r, f"mv.{ORIGIN}")
            check(len(got) == 8 and len(set(got)) == 8, f"mv: 8 distinct records expected, got {got}")
            check(set(got) <= healthy_mv, f"mv: unhealthy records answered: {set(got) - healthy_mv}")
            check(ecs_scope(r) == 0, f"mv: scope {ecs_scope(r)}, must be 0")
            seen |= set(got)
        check(seen == healthy_mv, f"mv: across queries every healthy record shows up; missing {healthy_mv - seen}")
        got = answer_values(srv.ask("mvdown"), f"mvdown.{ORIGIN}")
        check(got == ["10.19.0.1", "10.19.0.2", "10.19.0.3"], f"mvdown: none healthy -> all (up to 8), got {got}")
        print("ok   multivalue: 8 distinct healthy of 10, different selections, none healthy -> all; scope 0")

        # ECS handling: no ECS, no ECS echoed; the packet source decides (127.0.0.1: no location).
        r = srv.ask("geo")
        check(ecs_scope(r) is None, "a query without ECS gets no ECS option back")
        check(answer_values(r, f"geo.{ORIGIN}") == ["10.1.0.9"], "without ECS, the source 127.0.0.1 (not in the "
                                                                  "database) gets the default")
        for label, raw in [("unknown family", bytes([0, 3, 8, 0, 10])),
                           ("prefix longer than the address", bytes([0, 1, 33, 0, 10, 1, 2, 3, 4])),
                           ("non-zero bits past the prefix", bytes([0, 1, 20, 0, 10, 1, 255]))]:
            r = srv.ask("geo", options=[dns.edns.GenericOption(dns.edns.ECS, raw)])
            check(r.rcode() == dns.rcode.FORMERR, f"malformed ECS ({label}) must be FORMERR, got "
                                                  f"{dns.rcode.to_text(r.rcode())}")
        # IPv4-mapped IPv6 ECS (::ffff:a.b.c.d) decides as the IPv4 address; the scope of the
        # IPv6 option must count IPv6 bits (96 + the IPv4 block's width).
        for v4, mapped in [("81.2.69.142/32", "::ffff:81.2.69.142/128"), ("216.160.83.56/29", "::ffff:216.160.83.56/125")]:
            r4, r6 = srv.ask("geo", ecs=v4), srv.ask("geo", ecs=mapped)
            check(answer_values(r6, f"geo.{ORIGIN}") == answer_values(r4, f"geo.{ORIGIN}"),
                  f"geo ECS {mapped} must answer as {v4}")
            s4, s6 = ecs_scope(r4), ecs_scope(r6)
            check(s6 == 96 + s4, f"geo ECS {mapped}: scope /{s6}, expected /{96 + s4} (IPv4 /{s4} + 96)")
        print("ok   ECS: none echoed without ECS; malformed ECS is FORMERR; IPv4-mapped ECS decides as IPv4")

        # fastzonectl explain against the running server.
        out = subprocess.run([fastzonectl, "-s", sock, "explain", f"geo.{ORIGIN}", "A", "--client", "216.160.83.60"],
                             capture_output=True, text=True, timeout=20)
        check(out.returncode == 0, f"fastzonectl explain geo failed: {out.stderr}")
        check('* "us-wa"' in out.stdout and 'answer: "us-wa"' in out.stdout and "10.1.0.1" in out.stdout,
              f"explain geo for a Washington client must show the chosen record set \"us-wa\":\n{out.stdout}")
        check("ECS scope: /0" not in out.stdout, f"explain geo: the scope is not 0:\n{out.stdout}")
        out = subprocess.run([fastzonectl, "-s", sock, "explain", f"w.{ORIGIN}", "A", "--ecs", "81.2.69.0/24"],
                             capture_output=True, text=True, timeout=20)
        check(out.returncode == 0, f"fastzonectl explain w failed: {out.stderr}")
        chosen = [line for line in out.stdout.splitlines() if line.strip().startswith("* ")]
        check(len(chosen) == 1 and ('"a"' in chosen[0] or '"b"' in chosen[0]),
              f"explain w must mark exactly one chosen record set (a or b):\n{out.stdout}")
        check("share 25.0%" in out.stdout and "share 75.0%" in out.stdout and "share 0.0%" in out.stdout,
              f"explain w must show the shares 25/75/0:\n{out.stdout}")
        check("ECS scope: /0" in out.stdout, f"explain w: scope 0 expected:\n{out.stdout}")
        print("ok   fastzonectl explain shows the chosen record set (geolocation, weighted)")

        check(server.running(), "fastzoned died during the test:\n" + server.log_text())
        if srv.retries:
            print(f"note: {len(srv.retries)} queries were sent again after a timeout: {srv.retries[:5]}")
        signed_note = f"; with DO, {VALIDATOR.verified} distinct signed RRsets verified" if VALIDATOR else ""
        print(f"PASS: {n_checked} policy answers checked against Route 53's rules, plus weighted/multivalue runs"
              + signed_note)
        return 0
    finally:
        if server is not None:
            server.stop()
        targets.close()


def main():
    # SIGTERM (meson's timeout) unwinds through the finally blocks: the server is stopped
    # and the temporary folder removed.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    args = sys.argv[1:]
    via_api = "--via-api" in args
    signed = "nsec3" if "--dnssec=nsec3" in args else "--dnssec" in args
    args = [a for a in args if a not in ("--via-api", "--dnssec", "--dnssec=nsec3")]
    if len(args) != 2:
        print(__doc__)
        return 2
    fastzoned, fastzonectl = args
    if via_api:
        try:
            import boto3  # noqa: F401
            import botocore  # noqa: F401
        except ImportError:
            print("SKIP: boto3 is not installed for this python (Debian: python3-boto3)")
            return 77
    for path in (fastzoned, fastzonectl):
        if not os.access(path, os.X_OK):
            print(f"FAIL: {path} is not an executable")
            return 1
    if not (os.path.exists(CITY_DB) and os.path.exists(CITY_SOURCE)):
        print(f"SKIP: the GeoIP test data is not at {GEOIP_DIR}")
        return 77
    work = tempfile.mkdtemp(prefix="fz-policies-e2e-")
    keep = False
    try:
        return run(fastzoned, fastzonectl, work, via_api, signed)
    except (Failure, ServerError) as e:
        keep = os.environ.get("FZ_KEEP_TMP") is not None
        print(f"FAIL: {e}")
        log = os.path.join(work, "fastzoned.log")
        if isinstance(e, Failure) and os.path.exists(log):  # a ServerError holds the log's tail already
            print("--- fastzoned log (last lines) ---")
            print("".join(open(log).readlines()[-20:]))
        return 1
    except (dns.exception.DNSException, OSError) as e:
        print(f"FAIL: {type(e).__name__}: {e}")
        return 1
    except Exception as e:  # noqa: BLE001 - boto3's errors (ClientError, BotoCoreError) with --via-api
        if not via_api:
            raise
        print(f"FAIL: {type(e).__name__}: {e}")
        return 1
    finally:
        remove_work_dir(work, keep)


if __name__ == "__main__":
    sys.exit(main())
