#!/usr/bin/python3
"""Signed zones served by fastzoned, proven by someone else's validator.

Three parent zones are signed by BIND's dnssec-signzone: one with NSEC, one with NSEC3
(iterations 0, no salt: RFC 9276) and one with NSEC3 opt-out. Three more are signed by
fastzoned itself (zones[].dnssec) with keys from dnssec-keygen: with NSEC by an
ECDSAP256SHA256 KSK and ZSK, and by an Ed25519 CSK; with NSEC3 by a KSK and ZSK that
`fastzonectl dnssec keygen` made (dnssec-dsfromkey reads them as BIND's own). Those
three, printed by `fastzonectl sign-zone`, pass ldns-verify-zone. One carries Route 53
weighted and failover record sets: their answers validate, every member's. A zone signed for 20 s
with a 14 s refresh is signed again on its own within seconds. Each delegates a signed
child (its DS in the parent) and an unsigned one; a second fastzoned serves the children.
Unbound, a validating resolver holding the parents' keys as trust anchors, resolves
every query through fastzoned: answers, CNAME chains, DNAME, NXDOMAIN, NODATA, wildcard
answers and wildcard NODATA, empty non-terminals, DS questions, a secure and an insecure
delegation. Each must come back with the expected rcode and AD set (the unsigned child
without AD, but not SERVFAIL: its insecurity is proven). A bogus answer is SERVFAIL.

Then, asked directly: a referral carries the DS and its RRSIGs, or the NSEC/NSEC3 that
proves there is none; the same queries without DO carry no DNSSEC record at all. When
DNSViz is installed, it probes every zone on loopback (offline: no query leaves the
parents) and its report must show no bogus, incomplete or warned-about status, nor an
insecure one outside the opt-out zone.

usage: dnssec_validation.py FASTZONED [FASTZONECTL] [--keep]
exit: 0 pass, 1 fail (with the reason), 77 skip (a tool is missing)
"""

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from ports import free_port  # noqa: E402
from servers import Fastzoned, Server, remove_work_dir, write_fastzone_conf, write_unbound_conf  # noqa: E402

try:
    import dns.flags
    import dns.message
    import dns.query
    import dns.rcode
    import dns.rdatatype
except ImportError:
    print("SKIP: dnspython is not installed for this python (Debian: python3-dnspython)")
    sys.exit(77)

for tool in ("dnssec-keygen", "dnssec-signzone", "unbound"):
    if shutil.which(tool) is None:
        print(f"SKIP: {tool} is not installed (Debian: bind9-utils, unbound)")
        sys.exit(77)

PARENT = """$ORIGIN {origin}
$TTL 3600
@        SOA   ns1 hostmaster 2026120301 7200 3600 1209600 300
@        NS    ns1
@        MX    10 mail
ns1      A     127.0.0.1
mail     A     192.0.2.25
mail     AAAA  2001:db8::25
www      A     192.0.2.10
www      AAAA  2001:db8::10
alias    CNAME www
chain    CNAME alias
dangling CNAME nowhere
*.wild   A     192.0.2.99
*.wild   TXT   "wild"
deep.a.b.ent TXT "deep"
dn       DNAME www.{origin}
secure   NS    ns.secure
ns.secure A    127.0.0.1
insecure NS    ns.insecure
ns.insecure A  127.0.0.1
"""

CHILD = """$ORIGIN {origin}
$TTL 3600
@        SOA   ns hostmaster 1 7200 3600 1209600 300
@        NS    ns
ns       A     127.0.0.1
host     A     192.0.2.77
"""

# (zone, dnssec-signzone options), or ["fastzone", algorithm, "csk"?]: fastzoned signs the
# zone itself (zones[].dnssec) with keys from dnssec-keygen.
PARENTS = [("nsec.test.", []), ("nsec3.test.", ["-3", "-"]), ("optout.test.", ["-3", "-", "-A"]),
           ("signed.test.", ["fastzone", "13"]), ("ed25519.test.", ["fastzone", "15", "csk"]),
           ("signed3.test.", ["fastzone", "13", "nsec3", "fastzonectl-keygen"])]
FASTZONECTL = os.path.abspath(sys.argv[2]) if len(sys.argv) > 2 and not sys.argv[2].startswith("--") else None

NOERROR, NXDOMAIN = dns.rcode.NOERROR, dns.rcode.NXDOMAIN

# Route 53 record sets of signed.test. (weighted and failover routing): fastzoned signs
# every member's answer.
POLICY_ZONE = "signed.test."
RECORD_SETS = {"ResourceRecordSets": [
    {"Name": "w.signed.test.", "Type": "A", "SetIdentifier": name, "Weight": 50, "TTL": 60,
     "ResourceRecords": [{"Value": value}]} for name, value in (("blue", "192.0.2.1"), ("green", "192.0.2.2"))] + [
    {"Name": "f.signed.test.", "Type": "A", "SetIdentifier": name, "Failover": role, "TTL": 60,
     "ResourceRecords": [{"Value": value}]} for name, role, value in (("p", "PRIMARY", "192.0.2.3"),
                                                                      ("s", "SECONDARY", "192.0.2.4"))]}


def queries(z):
    """(name, type, rcode, answers>0, AD, covered) for parent zone z. covered: the proof
    includes an NSEC3 that covers a name; with opt-out, it cannot deny an unsigned
    delegation there, so the answer is insecure: no AD, yet no SERVFAIL (RFC 5155 9.2)."""
    return [
        (z, "SOA", NOERROR, True, True, False),
        (z, "DNSKEY", NOERROR, True, True, False),
        (f"www.{z}", "A", NOERROR, True, True, False),
        (f"www.{z}", "AAAA", NOERROR, True, True, False),
        (f"alias.{z}", "A", NOERROR, True, True, False),
        (f"chain.{z}", "AAAA", NOERROR, True, True, False),
        (f"dangling.{z}", "A", NXDOMAIN, True, True, True),
        (f"{z}", "MX", NOERROR, True, True, False),
        (f"nx.{z}", "A", NXDOMAIN, False, True, True),
        (f"zz.zz.{z}", "A", NXDOMAIN, False, True, True),
        (f"www.{z}", "TXT", NOERROR, False, True, False),
        (f"a.wild.{z}", "A", NOERROR, True, True, True),
        (f"x.y.wild.{z}", "TXT", NOERROR, True, True, True),
        (f"a.wild.{z}", "MX", NOERROR, False, True, True),
        (f"*.wild.{z}", "TXT", NOERROR, True, True, False),
        (f"wild.{z}", "A", NOERROR, False, True, False),
        (f"ent.{z}", "A", NOERROR, False, True, False),
        (f"b.ent.{z}", "TXT", NOERROR, False, True, False),
        (f"a.b.ent.{z}", "A", NOERROR, False, True, False),
        (f"nx.b.ent.{z}", "A", NXDOMAIN, False, True, True),
        (f"deep.a.b.ent.{z}", "TXT", NOERROR, True, True, False),
        (f"x.dn.{z}", "A", NXDOMAIN, True, True, True),
        (f"dn.{z}", "DNAME", NOERROR, True, True, False),
        (f"secure.{z}", "DS", NOERROR, True, True, False),
        (f"insecure.{z}", "DS", NOERROR, False, True, True),
        (f"host.secure.{z}", "A", NOERROR, True, True, False),
        (f"nx.secure.{z}", "A", NXDOMAIN, False, True, False),
        (f"host.insecure.{z}", "A", NOERROR, True, False, False),
    ] + ([] if z != POLICY_ZONE else [
        (f"w.{z}", "A", NOERROR, True, True, False),
        (f"w.{z}", "TXT", NOERROR, False, True, False),
        (f"f.{z}", "A", NOERROR, True, True, False),
    ])


def run(*cmd, cwd):
    p = subprocess.run(list(cmd), cwd=cwd, capture_output=True, text=True)
    if p.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed: {p.stderr.strip()}")
    return p.stdout


def sign(work, origin, text, options):
    """Writes and signs (KSK + ZSK, ECDSAP256SHA256) a zone; returns the signed file."""
    keys = os.path.join(work, "keys-" + origin.rstrip("."))
    os.makedirs(keys, exist_ok=True)
    run("dnssec-keygen", "-q", "-K", keys, "-a", "13", "-f", "KSK", origin, cwd=work)
    run("dnssec-keygen", "-q", "-K", keys, "-a", "13", origin, cwd=work)
    path = os.path.join(work, origin + "zone")
    with open(path, "w") as f:
        f.write(text)
    signed = path + ".signed"
    run("dnssec-signzone", "-q", "-S", "-K", keys, "-d", work, "-o", origin, "-e", "+30d", *options, "-f", signed,
        path, cwd=work)
    return signed


def dnskey_anchors(work, origin):
    """The zone's KSK as an unbound trust-anchor line."""
    keys = os.path.join(work, "keys-" + origin.rstrip("."))
    for name in sorted(os.listdir(keys)):
        if name.endswith(".key"):
            with open(os.path.join(keys, name)) as f:
                for line in f:
                    if not line.startswith(";") and " 257 " in line:
                        return line.strip()
    raise RuntimeError(f"no KSK for {origin}")


def keys_for_fastzone(work, origin, options):
    """Keys in BIND's format for fastzoned to sign with: KSK + ZSK, or one CSK."""
    keys = os.path.join(work, "keys-" + origin.rstrip("."))
    os.makedirs(keys, exist_ok=True)
    if "fastzonectl-keygen" in options and FASTZONECTL:
        # fastzonectl's own keys, which BIND's tools must read as theirs.
        for extra in (["--ksk"], []):
            base = run(FASTZONECTL, "dnssec", "keygen", origin, keys, "--algorithm", options[1], *extra,
                       cwd=work).strip()
            run("dnssec-dsfromkey", os.path.join(keys, base + ".key"), cwd=work)
        return keys
    run("dnssec-keygen", "-q", "-K", keys, "-a", options[1], "-f", "KSK", origin, cwd=work)
    if "csk" not in options:
        run("dnssec-keygen", "-q", "-K", keys, "-a", options[1], origin, cwd=work)
    return keys


def build_zones(work):
    """Signs children and parents; returns (parents as (origin, file, keys folder when
    fastzoned signs it), child files, trust anchors)."""
    parents, children, anchors = [], [], []
    for origin, options in PARENTS:
        secure = "secure." + origin
        children.append((secure, sign(work, secure, CHILD.format(origin=secure), [])))
        insecure = "insecure." + origin
        path = os.path.join(work, insecure + "zone")
        with open(path, "w") as f:
            f.write(CHILD.format(origin=insecure))
        children.append((insecure, path))
        with open(os.path.join(work, "dsset-" + secure)) as f:
            ds = f.read()
        text = PARENT.format(origin=origin) + ds
        if options[:1] == ["fastzone"]:
            keys = keys_for_fastzone(work, origin, options)
            path = os.path.join(work, origin + "zone")
            with open(path, "w") as f:
                f.write(text)
            parents.append((origin, path, keys))
        else:
            parents.append((origin, sign(work, origin, text, options), None))
        anchors.append(dnskey_anchors(work, origin))
    return parents, children, anchors


def unbound_conf(work, port, parent_port, child_port, children):
    return write_unbound_conf(work, port, [(origin, parent_port) for origin, _ in PARENTS] +
                              [(origin, child_port) for origin, _ in children])


def ask(server, name, rtype, want_dnssec=True):
    q = dns.message.make_query(name, rtype, want_dnssec=want_dnssec)
    return dns.query.udp(q, server[0], port=server[1], timeout=5)


def dnssec_types():
    return {dns.rdatatype.RRSIG, dns.rdatatype.NSEC, dns.rdatatype.NSEC3, dns.rdatatype.DS}


def check_referrals(fz, failures):
    """A referral with DO proves the DS, or its absence; without DO it carries none."""
    for origin, _ in PARENTS:
        for child, proof in (("secure", {dns.rdatatype.DS}), ("insecure", {dns.rdatatype.NSEC, dns.rdatatype.NSEC3})):
            r = ask(fz, f"host.{child}.{origin}", "A")
            types = {rrset.rdtype for rrset in r.authority}
            if not (types & proof) or dns.rdatatype.RRSIG not in types or dns.rdatatype.NS not in types:
                failures.append(f"referral to {child}.{origin} with DO: authority types {sorted(types)}")
        for name, rtype, *_ in queries(origin):
            r = ask(fz, name, rtype, want_dnssec=False)
            types = {rrset.rdtype for section in (r.answer, r.authority, r.additional) for rrset in section}
            if rtype not in ("DNSKEY", "DS") and types & dnssec_types():
                failures.append(f"{name} {rtype} without DO carries DNSSEC records: {sorted(types)}")


def dnsviz_check(work, parent_port, child_port, children, anchors, failures):
    """dnsviz probe and print over the zones; returns the names it looked at."""
    if shutil.which("dnsviz") is None:
        return 0
    looked = 0
    anchor_file = os.path.join(work, "dnsviz-anchors")
    with open(anchor_file, "w") as f:
        f.write("\n".join(anchors) + "\n")
    for origin, options in PARENTS:
        servers = [f"{origin}+:127.0.0.1:{parent_port}"]
        servers += [f"{child}:127.0.0.1:{child_port}" for child, _ in children if child.endswith("." + origin)]
        names = [origin] + [f"{n}.{origin}" for n in ("www", "alias", "a.wild", "b.ent", "a.b.ent", "nx", "dangling",
                                                       "x.dn", "host.secure", "host.insecure")]
        cmd = ["dnsviz", "probe", "-A"] + [a for x in servers for a in ("-x", x)] + names
        probe = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
        if probe.returncode != 0:
            failures.append(f"dnsviz probe {origin}: {probe.stderr.strip()[-300:]}")
            continue
        shown = subprocess.run(["dnsviz", "print", "-t", anchor_file], input=probe.stdout, capture_output=True,
                               text=True, timeout=120)
        zone = origin
        for line in shown.stdout.splitlines():
            if line and not line[0].isspace():
                zone = line.split()[0] + "."  # a name's heading; its records follow, indented
            # Insecure is right for the unsigned child, and with opt-out where a covering
            # NSEC3 is the proof.
            insecure_ok = ".insecure." in "." + zone or "-A" in options
            allowed = set(".-") if insecure_ok else set(".")
            for status in re.findall(r"\[([^\]]*)\]", line):
                if status and not set(status) <= allowed:
                    failures.append(f"dnsviz on {origin}: {line.strip()}")
            if line.strip().startswith(("E:", "W:")):
                failures.append(f"dnsviz on {origin}: {line.strip()}")
        looked += len(names)
    return looked


def parent_conf(work, port, zones):
    """fastzoned's configuration: (origin, file, keys folder or None) per zone."""
    conf_zones = []
    for origin, path, keys in zones:
        lines = []
        if origin == POLICY_ZONE:
            record_sets = os.path.join(work, "signed.test.json")
            with open(record_sets, "w") as f:
                json.dump(RECORD_SETS, f)
            lines.append(f"record_sets: {record_sets}")
        if keys:
            nsec3 = ", denial: nsec3, nsec3: {iterations: 0, salt: \"-\"}" \
                if os.path.basename(keys).startswith("keys-signed3") else ""
            lines.append(f"dnssec: {{keys_dir: {keys}, signature_validity: 14d{nsec3}}}")
        conf_zones.append((origin, path, lines))
    return write_fastzone_conf(work, port, conf_zones, control=os.path.join(work, "control.sock"))


def check_policy_members(fz, failures):
    """Each weighted member's answer, asked of fastzoned directly (unbound would cache
    one), verifies with dnspython's validator against the zone's DNSKEYs."""
    import dns.dnssec
    import dns.name
    zone = dns.name.from_text(POLICY_ZONE)
    keys = ask(fz, POLICY_ZONE, "DNSKEY").find_rrset(dns.message.ANSWER, zone, dns.rdataclass.IN,
                                                     dns.rdatatype.DNSKEY)
    seen = set()
    for _ in range(40):
        r = ask(fz, "w." + POLICY_ZONE, "A")
        answer = [x for x in r.answer if x.rdtype == dns.rdatatype.A]
        sigs = [x for x in r.answer if x.rdtype == dns.rdatatype.RRSIG]
        if not answer or not sigs:
            failures.append(f"w.{POLICY_ZONE} A with DO: {r.answer}")
            return 0
        try:
            dns.dnssec.validate(answer[0], sigs[0], {zone: keys})
        except dns.dnssec.ValidationFailure as e:
            failures.append(f"w.{POLICY_ZONE} A {answer[0][0]}: {e}")
        seen.add(answer[0][0].to_text())
    if len(seen) != 2:
        failures.append(f"w.{POLICY_ZONE}: members answered {sorted(seen)}, want both")
    return len(seen)


def signed_child(fastzoned, work, sub, origin, dnssec_options="", zone_lines=(), sections=""):
    """fastzoned serving CHILD as `origin`, signed by itself with fresh keys (in work/sub):
    (server, zone file path, port, keys folder)."""
    sub = os.path.join(work, sub)
    os.makedirs(sub)
    keys = keys_for_fastzone(sub, origin, ["fastzone", "13"])
    zone = os.path.join(sub, origin + "zone")
    with open(zone, "w") as f:
        f.write(CHILD.format(origin=origin))
    port = free_port()
    conf = write_fastzone_conf(sub, port, [(origin, zone, [f"dnssec: {{keys_dir: {keys}{dnssec_options}}}",
                                                           *zone_lines])],
                               control=os.path.join(sub, "control.sock"), sections=sections)
    return Fastzoned(fastzoned, conf, port).start(), zone, port, keys


def check_resigning(fastzoned, work, failures):
    """A zone signed for 20 s with a 14 s refresh is signed again by itself, without a
    reload asked for: its SOA's RRSIG expires later after a few seconds."""
    origin = "resign.test."
    srv, _, port, _ = signed_child(fastzoned, work, "r", origin, ", signature_validity: 20s, signature_refresh: 14s")
    try:
        srv.wait_ready(origin)

        def expiration():
            r = ask(("127.0.0.1", port), origin, "SOA")
            return [rd.expiration for rrset in r.answer if rrset.rdtype == dns.rdatatype.RRSIG for rd in rrset]

        first = expiration()
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and expiration() == first:
            time.sleep(0.5)
        later = expiration()
        if not first or not later or later[0] <= first[0] or "re-signing" not in srv.log_text():
            failures.append(f"re-signing: RRSIG expiration {first} then {later}; log:\n{srv.log_tail(5)}")
    finally:
        srv.stop()


def check_incremental(fastzoned, work, failures):
    """A reload after one record changed signs only that RRset (and the NSEC chain's
    neighbours it touched): every other RRSIG is the very one served before (ECDSA
    signatures are random, so a new one would differ), and the log counts what was kept."""
    origin = "incr.test."
    srv, zone, port, _ = signed_child(fastzoned, work, "i", origin)
    try:
        srv.wait_ready(origin)

        def sigs(name, rtype):
            r = ask(("127.0.0.1", port), name, rtype)
            return sorted(rd.to_text() for rrset in r.answer if rrset.rdtype == dns.rdatatype.RRSIG for rd in rrset)

        names = [(origin, "SOA"), (origin, "NS"), (origin, "DNSKEY"), ("ns." + origin, "A"), ("host." + origin, "A")]
        before = {n: sigs(*n) for n in names}
        with open(zone, "w") as f:
            f.write(CHILD.format(origin=origin).replace("SOA   ns hostmaster 1", "SOA   ns hostmaster 2")
                    .replace("192.0.2.77", "192.0.2.78"))
        os.kill(srv.pid, signal.SIGHUP)
        srv.wait_for_log("signatures_kept=")
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and sigs("host." + origin, "A") == before[("host." + origin, "A")]:
            time.sleep(0.2)
        after = {n: sigs(*n) for n in names}
        for n in names:
            changed = n[0] == origin and n[1] == "SOA" or n[0] == "host." + origin
            if not before[n] or (after[n] == before[n]) == changed:
                failures.append(f"incremental re-signing: {n[0]} {n[1]} RRSIG {'kept' if not changed else 'new'} "
                                f"expected; before {before[n]}, after {after[n]}")
        kept = re.findall(r"signatures_kept=(\d+)", srv.log_text())
        if len(kept) < 2 or int(kept[-1]) == 0:
            failures.append(f"incremental re-signing: the reload kept no signature ({kept})")
    finally:
        srv.stop()


def zsk_state(port, origin):
    """(ZSK tags in the DNSKEY RRset, tags of host A's RRSIGs), the A verified against it."""
    import dns.dnssec
    import dns.name
    zone = dns.name.from_text(origin)
    r = ask(("127.0.0.1", port), origin, "DNSKEY")
    dnskey = r.find_rrset(r.answer, zone, dns.rdataclass.IN, dns.rdatatype.DNSKEY)
    a = ask(("127.0.0.1", port), "host." + origin, "A")
    rrset = a.find_rrset(a.answer, dns.name.from_text("host." + origin), dns.rdataclass.IN, dns.rdatatype.A)
    sigs = a.find_rrset(a.answer, rrset.name, dns.rdataclass.IN, dns.rdatatype.RRSIG, dns.rdatatype.A)
    dns.dnssec.validate(rrset, sigs, {zone: dnskey})
    return ({dns.dnssec.key_id(k) for k in dnskey if k.flags == 256}, {sig.key_tag for sig in sigs})


def check_auto_rollover(fastzoned, work, failures):
    """zsk_lifetime 6 s: the server rolls its ZSK by itself (a successor published, then
    signing in its place) while every answer verifies against the DNSKEY RRset served."""
    import dns.dnssec
    origin = "auto.test."
    srv, _, port, _ = signed_child(fastzoned, work, "a", origin, ", signature_validity: 30s, "
                                   "signature_refresh: 10s, zsk_lifetime: 6s")
    try:
        srv.wait_ready(origin)
        zsks, signing = zsk_state(port, origin)
        deadline = time.monotonic() + 20
        now = (zsks, signing)
        while time.monotonic() < deadline and not (now[1] - signing and now[1] <= now[0]):
            try:
                now = zsk_state(port, origin)
            except (dns.dnssec.ValidationFailure, KeyError) as e:
                failures.append(f"automatic ZSK rollover: an answer does not verify: {e}")
                return
            time.sleep(0.2)
        if not now[1] - signing or "ZSK rollover started" not in srv.log_text():
            failures.append(f"automatic ZSK rollover: ZSKs {zsks} signing {signing}, then {now}; log:\n"
                            f"{srv.log_tail(6)}")
    finally:
        srv.stop()


def check_zsk_rollover(fastzoned, work, failures):
    """`fastzonectl dnssec roll-zsk` with a 4 s pre-publication and 4 s retirement, then
    a reload: the new ZSK is in the DNSKEY RRset at once but does not sign; after 4 s the
    server (on its own) signs with it alone; after 8 s the old ZSK is gone. At each step
    the zone's answers verify against the DNSKEY RRset served then."""
    if FASTZONECTL is None:
        return "not run (no fastzonectl)"
    import dns.dnssec
    origin = "roll.test."
    srv, _, port, keys = signed_child(fastzoned, work, "z", origin)
    try:
        srv.wait_ready(origin)

        def state():
            return zsk_state(port, origin)

        zsks, signing = state()
        base = run(FASTZONECTL, "dnssec", "roll-zsk", origin, keys, "--prepublish", "4", "--retire", "4",
                   cwd=work).strip()
        new = int(base.rsplit("+", 1)[1])
        os.kill(srv.pid, signal.SIGHUP)
        steps = [("published, not signing", zsks | {new}, signing), ("signing", zsks | {new}, {new}),
                 ("old ZSK removed", {new}, {new})]
        seen = []
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and len(seen) < len(steps):
            try:
                now = state()
            except (dns.dnssec.ValidationFailure, KeyError) as e:
                failures.append(f"ZSK rollover: an answer does not verify during step {len(seen)}: {e}")
                return "failed"
            if now == steps[len(seen)][1:]:
                seen.append(steps[len(seen)][0])
            time.sleep(0.2)
        if len(seen) < len(steps):
            failures.append(f"ZSK rollover: reached {seen}, then served {state()}; want {steps}")
        return ", ".join(seen)
    finally:
        srv.stop()


def check_update(fastzoned, work, failures):
    """A signed zone of the store (acl: update): an RFC 2136 UPDATE adds a name, and the
    server signs it: its A verifies, and NODATA for it carries its own NSEC."""
    import dns.dnssec
    import dns.name
    import dns.update
    origin = "upd.test."
    store = os.path.join(work, "u", "store")
    srv, _, port, _ = signed_child(fastzoned, work, "u", origin, zone_lines=["acl: [updaters]"],
                                   sections=f"store:\n  path: {store}\nacl:\n  - id: updaters\n"
                                            "    addresses: [127.0.0.0/8]\n    actions: [update]\n")
    try:
        srv.wait_ready(origin)
        zone = dns.name.from_text(origin)
        up = dns.update.UpdateMessage(origin)
        up.add("added", 300, "A", "192.0.2.123")
        r = dns.query.tcp(up, "127.0.0.1", port=port, timeout=10)
        if r.rcode() != dns.rcode.NOERROR:
            failures.append(f"UPDATE of signed {origin}: {dns.rcode.to_text(r.rcode())}")
            return
        deadline = time.monotonic() + 20
        name = dns.name.from_text("added." + origin)
        while time.monotonic() < deadline:
            a = ask(("127.0.0.1", port), name.to_text(), "A")
            if a.answer:
                break
            time.sleep(0.2)
        keys = ask(("127.0.0.1", port), origin, "DNSKEY")
        dnskey = keys.find_rrset(keys.answer, zone, dns.rdataclass.IN, dns.rdatatype.DNSKEY)
        nodata = ask(("127.0.0.1", port), name.to_text(), "TXT")
        try:
            rrset = a.find_rrset(a.answer, name, dns.rdataclass.IN, dns.rdatatype.A)
            dns.dnssec.validate(rrset, a.find_rrset(a.answer, name, dns.rdataclass.IN, dns.rdatatype.RRSIG,
                                                    dns.rdatatype.A), {zone: dnskey})
            nsec = nodata.find_rrset(nodata.authority, name, dns.rdataclass.IN, dns.rdatatype.NSEC)
            dns.dnssec.validate(nsec, nodata.find_rrset(nodata.authority, name, dns.rdataclass.IN,
                                                        dns.rdatatype.RRSIG, dns.rdatatype.NSEC), {zone: dnskey})
        except (KeyError, dns.dnssec.ValidationFailure) as e:
            failures.append(f"UPDATE of signed {origin}: added.{origin} not served signed ({e}): {a.answer} "
                            f"{nodata.authority}")
    finally:
        srv.stop()


def verify_exported(fastzonectl, conf, failures):
    """ldns-verify-zone over each zone as `fastzonectl sign-zone` prints it."""
    if shutil.which("ldns-verify-zone") is None or fastzonectl is None:
        return 0
    verified = 0
    for origin, options in PARENTS:
        if options[:1] != ["fastzone"]:
            continue
        out = subprocess.run([fastzonectl, "-c", conf, "sign-zone", origin], capture_output=True, text=True)
        if out.returncode != 0:
            failures.append(f"fastzonectl sign-zone {origin}: {out.stderr.strip()}")
            continue
        path = os.path.join(os.path.dirname(conf), origin + "exported")
        with open(path, "w") as f:
            f.write(out.stdout)
        check = subprocess.run(["ldns-verify-zone", path], capture_output=True, text=True)
        if check.returncode != 0:
            failures.append(f"ldns-verify-zone {origin}: {(check.stdout + check.stderr).strip()[-400:]}")
        verified += 1
    return verified


def main():
    if len(sys.argv) < 2:
        print(__doc__)
        return 2
    work = tempfile.mkdtemp(prefix="fz-dnssec-")
    servers = []
    try:
        parents, children, anchors = build_zones(work)
        with open(os.path.join(work, "anchors"), "w") as f:
            f.write("\n".join(anchors) + "\n")
        parent_port, child_port, unbound_port = free_port(), free_port(), free_port()
        os.makedirs(os.path.join(work, "p"))
        os.makedirs(os.path.join(work, "c"))
        for sub, port, zones in (("p", parent_port, parents), ("c", child_port, [z + (None,) for z in children])):
            servers.append(Fastzoned(sys.argv[1], parent_conf(os.path.join(work, sub), port, zones), port).start())
            servers[-1].wait_ready(zones[0][0])
        unbound = Server(["unbound", "-d", "-c", unbound_conf(work, unbound_port, parent_port, child_port, children)],
                         unbound_port, os.path.join(work, "unbound.log"), cwd=work)
        unbound.name = "unbound"
        servers.append(unbound.start())
        unbound.wait_ready("nsec.test.")

        failures = []
        checked = 0
        for origin, options in PARENTS:
            for name, rtype, rcode, has_answer, ad, covered in queries(origin):
                ad = ad and not (covered and "-A" in options)
                r = ask(("127.0.0.1", unbound_port), name, rtype)
                got_ad = bool(r.flags & dns.flags.AD)
                checked += 1
                if r.rcode() != rcode or bool(r.answer) != has_answer or got_ad != ad:
                    failures.append(f"{name} {rtype} via unbound: {dns.rcode.to_text(r.rcode())}, "
                                    f"{len(r.answer)} answer RRsets, AD {got_ad} (want "
                                    f"{dns.rcode.to_text(rcode)}, answers {has_answer}, AD {ad})")
        check_referrals(("127.0.0.1", parent_port), failures)
        viz = dnsviz_check(work, parent_port, child_port, children, anchors, failures)
        members = check_policy_members(("127.0.0.1", parent_port), failures)
        check_resigning(sys.argv[1], work, failures)
        check_incremental(sys.argv[1], work, failures)
        rollover = check_zsk_rollover(sys.argv[1], work, failures)
        check_update(sys.argv[1], work, failures)
        check_auto_rollover(sys.argv[1], work, failures)
        exported = verify_exported(FASTZONECTL, os.path.join(work, "p", "fastzone.yaml"), failures)
        if failures:
            print("FAIL:\n  " + "\n  ".join(failures))
            print("unbound's log:\n" + unbound.log_tail(40))
            return 1
        print(f"PASS: {checked} queries validated by unbound over NSEC, NSEC3 and NSEC3 opt-out zones signed by "
              "dnssec-signzone and NSEC and NSEC3 zones signed by fastzoned (ECDSA KSK + ZSK, Ed25519 CSK) "
              "(opt-out: secure where a matching NSEC3 proves it, insecure where one covering does); "
              "referrals prove their DS or its absence; no DNSSEC records without DO"
              + (f"; DNSViz finds no error over {viz} names" if viz else "; DNSViz not installed")
              + f"; {members} weighted members' answers verify; "
              + f"ldns-verify-zone passes {exported} zones as fastzone signs them; a zone is signed again "
              "before its signatures expire; a reload re-signs only the RRsets that changed; "
              f"a pre-publish ZSK rollover went {rollover}; a name added by UPDATE to a signed store zone "
              "is served signed; zsk_lifetime rolls the ZSK by itself")
        return 0
    finally:
        for s in reversed(servers):
            s.stop()
        remove_work_dir(work, keep="--keep" in sys.argv)


if __name__ == "__main__":
    sys.exit(main())
