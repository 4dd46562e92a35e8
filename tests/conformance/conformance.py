#!/usr/bin/python3
"""Differential conformance: the same zones served by fastzoned and by Knot DNS, the same
queries sent to both, responses compared section by section.

Knot's behaviour is the reference except for the deliberate differences listed in
DIFFERENCES (each with its reason); those queries are compared against the stated
expectation for fastzone instead. Exit status 0 when every query agrees.

With --dnssec (or --dnssec=nsec3) both servers serve copies of the zones signed by
BIND's dnssec-signzone (NSEC, or NSEC3 with iterations 0 and no salt), and every query of
the name-by-type grid has EDNS with DO set: RRSIGs, NSEC and NSEC3 proofs, DS and TC
choices are compared too.

usage: conformance.py FASTZONED [--verbose] [--keep] [--dnssec[=nsec3]]
"""

import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile

import dns.edns
import dns.flags
import dns.message
import dns.name
import dns.opcode
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.rrset
import dns.tsig

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from dnsio import tcp_exchange, udp_exchange  # noqa: E402
from ports import free_port  # noqa: E402
from servers import Fastzoned, Knotd, remove_work_dir, write_fastzone_conf, write_knot_conf  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
ZONES = [("conform.example.", os.path.join(HERE, "zones", "conform.example.zone")),
         ("child.conform.example.", os.path.join(HERE, "zones", "child.conform.example.zone"))]

# Queries where fastzone deliberately differs from Knot DNS 3.2. Key: the query's label
# (see build_queries); value: (reason, check) where check(fastzone_response) must hold.
# DIFFERENCES.md lists the same, for readers.
def _rcode(name):
    return lambda b: b is not None and b.get("rcode") == name


def _badkey(b):
    return b is not None and b.get("rcode") == "NOTAUTH" and (b.get("tsig") or {}).get("error") == 17


def _cd_copied(b):
    return b is not None and "CD" in b["flags"].split() and b["rcode"] == "NOERROR" and len(b["answer"]) == 1


DIFFERENCES = {
    "cd set rd clear": ("RFC 4035 3.1.6: a name server copies the CD bit into the response; Knot clears it",
                        _cd_copied),
    "cd set rd set": ("RFC 4035 3.1.6: a name server copies the CD bit into the response; Knot clears it",
                      _cd_copied),
    "opcode 5": ("an UPDATE of a zone whose ACL allows none: NOTAUTH as Knot answers, but the header's Z bits "
                 "(RD's place in a query) are zero as RFC 2136 2.2 asks; Knot copies RD",
                 lambda b: _rcode("NOTAUTH")(b) and "RD" not in b["flags"].split()),
    "AXFR over udp": ("AXFR is TCP only (RFC 5936 4.2): fastzone refuses it over UDP; Knot answers NOTIMP",
                      _rcode("REFUSED")),
    "opt not root": ("RFC 6891 6.1.2: the OPT owner MUST be the root; a malformed OPT is FORMERR (Knot ignores it)",
                     _rcode("FORMERR")),
    "ecs bad family": ("RFC 7871 7.1.1: an ECS option with an unknown FAMILY is FORMERR; Knot without its geoip "
                       "module ignores ECS", _rcode("FORMERR")),
    "ecs prefix too long": ("RFC 7871 7.1.1: SOURCE PREFIX-LENGTH beyond the address width is FORMERR; Knot without "
                            "its geoip module ignores ECS", _rcode("FORMERR")),
    "query of 4200 bytes": ("fastzone reads 4,160 bytes of a datagram and answers a longer one FORMERR (its start "
                            "may look sound, the message is not read); Knot reads 64 KiB and answers it",
                            _rcode("FORMERR")),
    "tsig name in no zone": ("RFC 8945 5.2: the TSIG is checked before the query is processed, so an unknown key is "
                             "BADKEY whatever the name (as NSD answers); Knot checks keys in a zone's ACL and "
                             "answers REFUSED unsigned", _badkey),
    "tsig class CH": ("as for a name in no zone: BADKEY before the class is looked at; Knot answers REFUSED unsigned",
                      _badkey),
}


def sign_zones(work, nsec3):
    """Signed copies of ZONES (KSK + ZSK, ECDSAP256SHA256), by dnssec-signzone."""
    signed = []
    for origin, path in ZONES:
        keys = os.path.join(work, "keys-" + origin.rstrip("."))
        os.makedirs(keys)
        for extra in (["-f", "KSK"], []):
            subprocess.run(["dnssec-keygen", "-q", "-K", keys, "-a", "13", *extra, origin], check=True,
                           capture_output=True)
        out = os.path.join(work, origin + "signed")
        subprocess.run(["dnssec-signzone", "-q", "-S", "-K", keys, "-d", keys, "-o", origin, "-e", "+30d",
                        *(["-3", "-"] if nsec3 else []), "-f", out, path], check=True, capture_output=True, cwd=work)
        signed.append((origin, out))
    return signed


def _flag(name):
    return lambda b: b is not None and name in b["flags"].split()


def _with_rrsigs(section):
    """Every RRset of `section` (not itself RRSIG) is followed by an RRSIG of its owner."""
    def check(b):
        if b is None or not b[section]:
            return False
        owners = {(rr[0], rr[2]) for rr in b[section]}
        return all((name, "RRSIG") in owners for name, rtype in owners if rtype not in ("RRSIG", "NS"))
    return check


# With --dnssec: (test on the query's label, reason, check of fastzone's response).
DNSSEC_DIFFERENCES = [
    (lambda label: label.split()[0] in ("example.", "other.test.", "."),
     "a name in no zone: REFUSED, without the Extended DNS Error 20 (Not Authoritative, RFC 8914) that Knot adds "
     "to a query with EDNS; fastzone sends no Extended DNS Errors yet",
     lambda b: _rcode("REFUSED")(b) and b["edns"] is not None and not b["edns"]["options"]),
    (lambda label: label.endswith(" ANY") and label.split()[0] in ("unknown.conform.example.", "svc.conform.example.",
                                                                   "_443._tcp.www.conform.example."),
     "ANY at a name whose first type in order is RRSIG: both answer the RRSIG RRset, but fastzone gives it one TTL "
     "(its first record's) where Knot keeps each signature's own",
     lambda b: _rcode("NOERROR")(b) and b["answer"] and all(rr[2] == "RRSIG" for rr in b["answer"])),
    (lambda label: label == "svc.conform.example. SVCB",
     "Knot's additional-section processing of SVCB adds the NSEC that denies the target; fastzone adds no proof "
     "there (optional, RFC 9460 4)", _with_rrsigs("answer")),
    (lambda label: label in ("nothere.conform.example. A edns size=512 do=True",
                             "nothere.conform.example. A edns size=100 do=True",
                             "manyns.conform.example. NS edns size=512 do=True",
                             "manyns.conform.example. NS edns size=100 do=True"),
     "a proof that does not fit: both set TC, but Knot leaves the NSEC that came first in, without its RRSIG; "
     "fastzone leaves out whole signed RRsets only (RFC 4035 3.1.1)", _flag("TC")),
    (lambda label: label in ("conform.example. NS edns size=512 do=True", "conform.example. NS edns size=100 do=True"),
     "the additional section at 512 bytes: fastzone's compression leaves room for the AAAA's RRSIG too, which "
     "Knot leaves out; the signatures in the additional section are optional (RFC 4035 3.1.1)",
     lambda b: _rcode("NOERROR")(b) and not _flag("TC")(b) and _with_rrsigs("answer")(b)),
]


def start_knot(work, port):
    conf = write_knot_conf(work, port, ZONES, server_options=['identity: ""', 'version: ""', "udp-max-payload: 1232"])
    return Knotd(conf, port, new_session=True).start().wait_ready("conform.example.")


def start_fastzone(binary, work, port):
    conf = write_fastzone_conf(work, port, ZONES, server_options=["udp_max_payload: 1232"])
    return Fastzoned(binary, conf, port, new_session=True).start().wait_ready("conform.example.")


# --- queries -------------------------------------------------------------------------

NAMES = [
    "conform.example.", "CONFORM.example.", "www.conform.example.", "WwW.CoNfOrM.eXaMpLe.",
    "mixed.case.conform.example.", "ns1.conform.example.", "mail.conform.example.",
    "alias.conform.example.", "chain1.conform.example.", "loop1.conform.example.",
    "self.conform.example.", "outside.conform.example.", "dangling.conform.example.",
    "tochild.conform.example.", "tosub.conform.example.", "nothere.conform.example.",
    "deep.nothere.conform.example.", "anything.conform.example.", "x.y.conform.example.",
    "x.wild.conform.example.", "a.b.wild.conform.example.", "wild.conform.example.",
    "*.wild.conform.example.", "exists.wild.conform.example.", "x.exists.wild.conform.example.",
    "q.cwild.conform.example.", "q.cout.conform.example.", "ent.conform.example.",
    "c.ent.conform.example.", "b.c.ent.conform.example.", "a.b.c.ent.conform.example.",
    "z.a.b.c.ent.conform.example.", "_udp.conform.example.", "_sip._udp.conform.example.",
    "_sip._tcp.conform.example.", "_443._tcp.www.conform.example.", "naptr.conform.example.",
    "ptr.conform.example.", "svc.conform.example.", "unknown.conform.example.",
    "generic.conform.example.", "quoted.conform.example.", "long.conform.example.",
    "many.conform.example.", "manyns.conform.example.", "host.manyns.conform.example.",
    "sub.conform.example.", "www.sub.conform.example.", "ns1.sub.conform.example.",
    "deep.www.sub.conform.example.", "noglue.conform.example.", "x.noglue.conform.example.",
    "dn.conform.example.", "www.dn.conform.example.", "a.b.dn.conform.example.",
    "www.indn.conform.example.", "x.longdn.conform.example.",
    "yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy.zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz.longdn.conform.example.",
    "escaped\\.dot.conform.example.", "child.conform.example.", "host.child.conform.example.",
    "nx.child.conform.example.", "example.", "other.test.", ".",
]

TYPES = ["A", "AAAA", "NS", "MX", "TXT", "SOA", "CNAME", "DNAME", "DS", "SRV", "ANY", "CAA",
         "HTTPS", "PTR", "NAPTR", "TYPE65280", "TLSA", "SSHFP", "SVCB", "TYPE65534"]


def build_queries(dnssec=False):
    """Yields (label, wire, transport, raw) tuples. raw=True: wire is sent as is. dnssec:
    the name-by-type grid asks with DO."""
    qid = 1
    for name in NAMES:
        for t in TYPES:
            q = dns.message.make_query(name, t, use_edns=0 if dnssec else False, want_dnssec=dnssec)
            q.id = qid
            qid += 1
            yield (f"{name} {t}", q.to_wire(), "udp", False)
    # EDNS variations on a few names.
    for name, t in [("www.conform.example.", "A"), ("nothere.conform.example.", "A"),
                    ("sub.conform.example.", "A"), ("many.conform.example.", "A"),
                    ("long.conform.example.", "TXT"), ("manyns.conform.example.", "NS"),
                    ("conform.example.", "ANY"), ("conform.example.", "NS")]:
        for size in (512, 1232, 4096, 100):
            for do in (False, True):
                q = dns.message.make_query(name, t, use_edns=0, payload=size, want_dnssec=do)
                q.id = qid
                qid += 1
                yield (f"{name} {t} edns size={size} do={do}", q.to_wire(), "udp", False)
    # TCP: full answers, ANY, truncation-prone names.
    for name, t in [("www.conform.example.", "A"), ("many.conform.example.", "A"),
                    ("long.conform.example.", "TXT"), ("conform.example.", "ANY"),
                    ("manyns.conform.example.", "NS"), ("nothere.conform.example.", "A"),
                    ("sub.conform.example.", "A"), ("conform.example.", "AXFR"), ("conform.example.", "IXFR")]:
        q = dns.message.make_query(name, t, use_edns=False)
        q.id = qid
        qid += 1
        yield (f"{name} {t} tcp", q.to_wire(), "tcp", False)
    # Header and EDNS corner cases.
    q = dns.message.make_query("www.conform.example.", "A")
    q.use_edns(edns=1)  # make_query(use_edns=1) gives version 0
    yield ("edns version 1", q.to_wire(), "udp", False)
    q = dns.message.make_query("www.conform.example.", "A", use_edns=0,
                               options=[dns.edns.GenericOption(65001, b"\x01\x02")])
    yield ("unknown edns option", q.to_wire(), "udp", False)
    q = dns.message.make_query("www.conform.example.", "A")
    q.flags |= dns.flags.CD
    q.flags &= ~dns.flags.RD
    yield ("cd set rd clear", q.to_wire(), "udp", False)
    q = dns.message.make_query("www.conform.example.", "A")
    q.flags |= dns.flags.CD
    yield ("cd set rd set", q.to_wire(), "udp", False)
    q = dns.message.make_query("www.conform.example.", "A")
    q.flags |= dns.flags.AD
    yield ("ad set", q.to_wire(), "udp", False)
    for t in ("AXFR", "IXFR"):
        q = dns.message.make_query("conform.example.", t)
        yield (f"{t} over udp", q.to_wire(), "udp", False)
    q = dns.message.make_query("www.conform.example.", "A", rdclass="CH")
    yield ("class CH A", q.to_wire(), "udp", False)
    q = dns.message.make_query("version.bind.", "TXT", rdclass="CH")
    yield ("version.bind", q.to_wire(), "udp", False)
    q = dns.message.make_query("id.server.", "TXT", rdclass="CH")
    yield ("id.server", q.to_wire(), "udp", False)
    q = dns.message.make_query("www.conform.example.", "A", rdclass="HS")
    yield ("class HS", q.to_wire(), "udp", False)
    q = dns.message.make_query("www.conform.example.", "A", rdclass="ANY")
    yield ("class ANY", q.to_wire(), "udp", False)
    for opcode in (dns.opcode.STATUS, 3, dns.opcode.NOTIFY, dns.opcode.UPDATE, 6, 15):
        q = dns.message.make_query("conform.example.", "SOA")
        q.set_opcode(opcode)
        yield (f"opcode {opcode}", q.to_wire(), "udp", False)
    yield from tsig_queries()
    yield from edns_error_queries()
    yield from long_queries()
    # Raw malformed packets.
    good = dns.message.make_query("www.conform.example.", "A", use_edns=False).to_wire()
    hdr = bytearray(good[:12])
    raw = {
        "short header": good[:7],
        "header only qdcount 1": bytes(hdr),
        "qdcount 0": bytes(hdr[:4]) + b"\x00\x00" + bytes(hdr[6:]),
        "qdcount 2": bytes(hdr[:4]) + b"\x00\x02" + bytes(hdr[6:]) + good[12:] + good[12:],
        "truncated question": good[:-2],
        "trailing junk": good + b"\x00\x01\x02",
        "pointer loop": bytes(hdr) + b"\xc0\x0c\x00\x01\x00\x01",
        "label over 63": bytes(hdr) + b"\x40" + b"a" * 64 + b"\x00\x00\x01\x00\x01",
        "name over 255": bytes(hdr) + (b"\x3c" + b"a" * 60) * 5 + b"\x00\x00\x01\x00\x01",
        "qr set": bytes([hdr[0], hdr[1], hdr[2] | 0x80]) + bytes(hdr[3:]) + good[12:],
        "two opt": bytes(hdr[:10]) + b"\x00\x02" + good[12:] + b"\x00\x00\x29\x04\xd0\x00\x00\x00\x00\x00\x00" * 2,
        "opt not root": bytes(hdr[:10]) + b"\x00\x01" + good[12:] + b"\x01a\x00\x00\x29\x04\xd0\x00\x00\x00\x00\x00\x00",
        "opt bad option length": bytes(hdr[:10]) + b"\x00\x01" + good[12:] + b"\x00\x00\x29\x04\xd0\x00\x00\x00\x00\x00\x04\x00\x08\x00\x09",
        "ecs bad family": bytes(hdr[:10]) + b"\x00\x01" + good[12:] + b"\x00\x00\x29\x04\xd0\x00\x00\x00\x00\x00\x0b\x00\x08\x00\x07\x00\x03\x18\x00\x0a\x00\x00",
        "ecs prefix too long": bytes(hdr[:10]) + b"\x00\x01" + good[12:] + b"\x00\x00\x29\x04\xd0\x00\x00\x00\x00\x00\x0c\x00\x08\x00\x08\x00\x01\x21\x00\x0a\x00\x00\x00",
        "garbage": bytes(random.Random(3).getrandbits(8) for _ in range(40)),
        "empty": b"",
    }
    for label, wire in raw.items():
        yield (label, wire, "udp", True)


def edns_error_queries():
    """Error answers to queries with EDNS: a sound OPT is echoed (RFC 6891 7), a malformed
    message gets FORMERR without one."""
    def status_query(**kw):
        q = dns.message.make_query("conform.example.", "SOA", **kw)
        q.set_opcode(dns.opcode.STATUS)
        return q.to_wire()
    opt = dns.message.make_query("a.", "A", use_edns=0, payload=1400, want_dnssec=True).to_wire()[-11:]
    v1 = dns.message.make_query("a.", "A")
    v1.use_edns(edns=1, payload=1400)
    opt_v1 = v1.to_wire()[-11:]
    with_opt = status_query(use_edns=0, payload=1400, want_dnssec=True)
    yield ("status with opt", with_opt, "udp", True)
    v1_status = dns.message.make_query("conform.example.", "SOA")
    v1_status.set_opcode(dns.opcode.STATUS)
    v1_status.use_edns(edns=1, payload=1400)
    yield ("status with opt version 1", v1_status.to_wire(), "udp", True)
    hdr = bytearray(with_opt[:12])
    hdr[4:6] = b"\x00\x00"
    yield ("status qdcount 0 with opt", bytes(hdr) + opt, "udp", True)
    hdr[2] &= 0x87  # opcode QUERY
    yield ("qdcount 0 with opt", bytes(hdr) + opt, "udp", True)
    yield ("qdcount 0 with opt version 1", bytes(hdr) + opt_v1, "udp", True)
    yield ("qdcount 0 opt then junk", bytes(hdr) + opt + b"\x00", "udp", True)
    q = dns.message.make_query("www.conform.example.", "A", use_edns=0, payload=1400).to_wire()
    yield ("opt then trailing junk", q + b"\x00\x01\x02", "udp", True)
    yield ("opt in answer section", q[:6] + b"\x00\x01" + q[8:10] + b"\x00\x00" + q[12:], "udp", True)
    yield ("status opt then trailing junk", with_opt + b"\x00", "udp", True)
    yield ("status two opt", with_opt[:10] + b"\x00\x02" + with_opt[12:] + opt, "udp", True)
    yield ("status bad opt", with_opt[:-2] + b"\x00\x04\x00\x08\x00\x09", "udp", True)


def padded_query(size):
    """A sound query of `size` bytes: EDNS padding (RFC 7830) after the question."""
    bare = len(dns.message.make_query("www.conform.example.", "A", use_edns=0).to_wire())
    q = dns.message.make_query("www.conform.example.", "A", use_edns=0,
                               options=[dns.edns.GenericOption(dns.edns.PADDING, b"\0" * (size - bare - 4))])
    return q.to_wire(max_size=65535)


def long_queries():
    """UDP queries around fastzone's 4,160-byte receive buffer."""
    yield ("query of 4160 bytes", padded_query(4160), "udp", True)
    yield ("query of 4160 bytes then junk", padded_query(4160) + b"\xee" * 100, "udp", True)
    yield ("query of 4200 bytes", padded_query(4200), "udp", True)
    yield ("query of 5000 bytes then junk", padded_query(5000) + b"\xee" * 100, "udp", True)


# A key neither server has: every signed query is answered NOTAUTH with BADKEY (RFC 8945 5.2.1).
UNKNOWN_KEY = dns.tsig.Key("unknown.key.", b"\0" * 32, "hmac-sha256")


def signed(name, rdtype, edns_version=None, **kw):
    q = dns.message.make_query(name, rdtype, **kw)
    if edns_version is not None:
        q.use_edns(edns=edns_version)  # make_query(use_edns=1) gives version 0
    q.use_tsig(UNKNOWN_KEY)
    return q.to_wire()


def tsig_queries():
    """Signed queries, and TSIG records that are misplaced or malformed (FORMERR)."""
    yield ("tsig unknown key", signed("www.conform.example.", "A"), "udp", True)
    yield ("tsig unknown key tcp", signed("www.conform.example.", "A"), "tcp", True)
    yield ("tsig unknown key edns", signed("www.conform.example.", "A", use_edns=0, payload=1232), "udp", True)
    yield ("tsig unknown key edns version 1", signed("www.conform.example.", "A", edns_version=1), "udp", True)
    yield ("tsig nxdomain", signed("nothere.conform.example.", "A"), "udp", True)
    yield ("tsig qtype TSIG", signed("www.conform.example.", "TSIG"), "udp", True)
    yield ("tsig axfr tcp", signed("conform.example.", "AXFR"), "tcp", True)
    yield ("tsig name in no zone", signed("other.test.", "A"), "udp", True)
    yield ("tsig class CH", signed("version.bind.", "TXT", rdclass="CH"), "udp", True)
    q = dns.message.make_query("conform.example.", "SOA")
    q.set_opcode(dns.opcode.STATUS)
    q.use_tsig(UNKNOWN_KEY)
    yield ("tsig opcode status", q.to_wire(), "udp", True)
    wire = signed("www.conform.example.", "A")
    unsigned, tsig = split_tsig(wire)
    if tsig is None:
        raise RuntimeError("split_tsig found no TSIG in a signed query")
    tsig_rr = wire[len(unsigned):]
    hdr = bytearray(unsigned[:12])
    key = b"\x07unknown\x03key\x00"
    yield ("tsig key name compressed", bytes(hdr[:10]) + b"\x00\x01" + unsigned[12:] + b"\xc0\x0c" +
           tsig_rr[len(key):], "udp", True)
    yield ("tsig key name upper case", wire.replace(b"\x07unknown\x03key", b"\x07UNKNOWN\x03Key"), "udp", True)
    yield ("two tsig", bytes(hdr[:10]) + b"\x00\x02" + unsigned[12:] + tsig_rr * 2, "udp", True)
    opt = dns.message.make_query("a.", "A", use_edns=0).to_wire()[-11:]
    yield ("tsig before opt", bytes(hdr[:10]) + b"\x00\x02" + unsigned[12:] + tsig_rr + opt, "udp", True)
    yield ("tsig in answer section", bytes(hdr[:6]) + b"\x00\x01" + bytes(hdr[8:10]) + b"\x00\x00" +
           unsigned[12:] + tsig_rr, "udp", True)
    yield ("tsig then junk", wire + b"\x00", "udp", True)
    rdlen_at = len(unsigned) + len(key) + 8
    longer = bytearray(wire + b"\x00")
    longer[rdlen_at:rdlen_at + 2] = (int.from_bytes(wire[rdlen_at:rdlen_at + 2], "big") + 1).to_bytes(2, "big")
    yield ("tsig rdata longer than its fields", bytes(longer), "udp", True)
    shorter = bytearray(wire[:-1])
    shorter[rdlen_at:rdlen_at + 2] = (int.from_bytes(wire[rdlen_at:rdlen_at + 2], "big") - 1).to_bytes(2, "big")
    yield ("tsig rdata shorter than its fields", bytes(shorter), "udp", True)


# --- comparison ----------------------------------------------------------------------

def _name_at(wire, pos):
    """(name text, offset after it) for a possibly compressed name."""
    labels, end = [], None
    while True:
        length = wire[pos]
        if length & 0xc0 == 0xc0:
            end = pos + 2 if end is None else end
            pos = ((length & 0x3f) << 8) | wire[pos + 1]
            continue
        if length == 0:
            return ".".join(labels).lower() + ".", pos + 1 if end is None else end
        labels.append(wire[pos + 1:pos + 1 + length].decode("latin1"))
        pos += 1 + length


def split_tsig(wire):
    """(the message without a final TSIG record, that record's fields or None). dnspython
    refuses to read a signed message without the key, which nobody has here."""
    try:
        qd, an, ns, ar = (int.from_bytes(wire[i:i + 2], "big") for i in (4, 6, 8, 10))
        pos, last = 12, None
        for _ in range(qd):
            pos = _name_at(wire, pos)[1] + 4
        for _ in range(an + ns + ar):
            start = pos
            pos = _name_at(wire, pos)[1]
            rdtype = int.from_bytes(wire[pos:pos + 2], "big")
            pos += 10 + int.from_bytes(wire[pos + 8:pos + 10], "big")
            last = (start, rdtype)
    except IndexError:
        return wire, None
    if ar == 0 or last is None or last[1] != dns.rdatatype.TSIG or pos != len(wire):
        return wire, None
    owner, p = _name_at(wire, last[0])
    rdclass, ttl = int.from_bytes(wire[p + 2:p + 4], "big"), int.from_bytes(wire[p + 4:p + 8], "big")
    algorithm, r = _name_at(wire, p + 10)
    fields = [int.from_bytes(wire[r + a:r + b], "big") for a, b in ((0, 6), (6, 8), (8, 10))]
    mac_size = fields[2]
    r += 10 + mac_size
    original_id, error, other_len = (int.from_bytes(wire[r + i:r + i + 2], "big") for i in (0, 2, 4))
    tsig = {"owner": owner, "class": rdclass, "ttl": ttl, "algorithm": algorithm, "time_signed": fields[0],
            "fudge": fields[1], "mac_size": mac_size, "original_id": original_id, "error": error,
            "other_len": other_len}
    return wire[:10] + (ar - 1).to_bytes(2, "big") + wire[12:last[0]], tsig


def section_key(section):
    out = []
    for rrset in section:
        rdatas = sorted(r.to_text().lower() for r in rrset)
        out.append((rrset.name.to_text().lower(), dns.rdataclass.to_text(rrset.rdclass),
                    dns.rdatatype.to_text(rrset.rdtype), rrset.ttl, tuple(rdatas)))
    return sorted(out)


def summarize(wire):
    """A comparable summary of one response (or None for no response / unparseable)."""
    if wire is None:
        return None
    wire, tsig = split_tsig(wire)
    try:
        m = dns.message.from_wire(wire, ignore_trailing=False)
    except Exception as e:  # noqa: BLE001 - any parse failure is a difference to show
        return {"unparseable": type(e).__name__, "bytes": wire[:12].hex()}
    flags = []
    for f in ("QR", "AA", "TC", "RD", "RA", "AD", "CD"):
        if m.flags & getattr(dns.flags, f):
            flags.append(f)
    return {
        "id": m.id,
        "opcode": dns.opcode.to_text(m.opcode()),
        "rcode": dns.rcode.to_text(m.rcode()),
        "flags": " ".join(flags),
        "question": [(q.name.to_text(), dns.rdataclass.to_text(q.rdclass), dns.rdatatype.to_text(q.rdtype))
                     for q in m.question],
        "answer": section_key(m.answer),
        "authority": section_key(m.authority),
        "additional": section_key(m.additional),
        "edns": None if m.edns < 0 else {
            "version": m.edns, "do": bool(m.ednsflags & dns.flags.DO), "payload": m.payload,
            "options": sorted(o.otype for o in m.options)},
        "tsig": tsig,
    }


def send(wire, transport, port):
    """The response, or None: no answer, or the connection closed. Over UDP, the first
    datagram back, whatever its ID (the ID is compared too)."""
    addr = ("127.0.0.1", port)
    try:
        if transport == "tcp":
            with socket.create_connection(addr, timeout=2.0) as s:
                return tcp_exchange(s, wire, timeout=2.0)
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            return udp_exchange(s, addr, wire, timeout=1.0, tries=1, match_id=False)
    except (socket.timeout, ConnectionError):
        return None


def main():
    if len(sys.argv) < 2:
        print(__doc__)
        return 2
    binary = sys.argv[1]
    verbose = "--verbose" in sys.argv
    keep = "--keep" in sys.argv
    if shutil.which("knotd") is None:
        print("knotd not found: install Debian's knot package (scripts/setup)")
        return 1
    dnssec = next((a for a in sys.argv if a.startswith("--dnssec")), None)
    if dnssec and shutil.which("dnssec-signzone") is None:
        print("SKIP: dnssec-signzone not found: install Debian's bind9-utils (scripts/setup)")
        return 77
    work = tempfile.mkdtemp(prefix="fz-conformance-")
    knot = fz = None
    try:
        if dnssec:
            global ZONES
            ZONES = sign_zones(work, dnssec == "--dnssec=nsec3")
        knot = start_knot(work, free_port())
        fz = start_fastzone(binary, work, free_port())
        total = agree = deliberate = 0
        failures = []
        for label, wire, transport, raw in build_queries(bool(dnssec)):
            total += 1
            a = summarize(send(wire, transport, knot.port))
            b = summarize(send(wire, transport, fz.port))
            rule = DIFFERENCES.get(label)
            if rule is None and dnssec:
                rule = next(((reason, check) for match, reason, check in DNSSEC_DIFFERENCES if match(label)), None)
            if rule is not None:
                reason, check = rule
                if check(b):
                    deliberate += 1
                    continue
                failures.append((label, f"deliberate difference no longer holds ({reason})", a, b))
                continue
            if a == b:
                agree += 1
                if verbose:
                    print(f"ok   {label}")
            else:
                failures.append((label, "differs from Knot", a, b))
        for label, why, a, b in failures:
            print(f"FAIL {label}: {why}")
            for key in sorted(set((a or {}).keys()) | set((b or {}).keys()) if (a and b) else ["response"]):
                va = a.get(key) if a else a
                vb = b.get(key) if b else b
                if key == "response" or va != vb:
                    print(f"     {key}:\n       knot:     {va if key != 'response' else a}\n"
                          f"       fastzone: {vb if key != 'response' else b}")
        print(f"conformance: {total} queries, {agree} identical to Knot DNS, {deliberate} deliberate differences, "
              f"{len(failures)} failures")
        return 0 if not failures else 1
    finally:
        for d in (fz, knot):
            if d is not None:
                d.stop()
        remove_work_dir(work, keep)


if __name__ == "__main__":
    sys.exit(main())
