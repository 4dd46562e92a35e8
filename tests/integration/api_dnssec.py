#!/usr/bin/python3
"""DNSSEC signing of a hosted zone through the Route 53 API, driven by boto3 and the aws CLI,
proven by dnspython and by unbound holding the DS that GetDNSSEC gives:

  keys          CreateKeySigningKey (201, Location, DSRecord, DNSKEYRecord), its errors
                (InvalidKeySigningKeyName, InvalidKMSArn, KeySigningKeyAlreadyExists 409,
                TooManyKeySigningKeys), GetDNSSEC (NOT_SIGNING, then SIGNING) by boto3
                and by `aws route53 get-dnssec`
  signing       EnableHostedZoneDNSSEC refused without an ACTIVE KSK, then accepted: the
                DNSKEY RRset holds the KSK whose DS GetDNSSEC printed and a ZSK the server
                made; an A, an NXDOMAIN's NSECs and the DNSKEY RRset verify; unbound, with
                only that DS as its trust anchor, answers with AD set
  changes       a record set added through the API afterwards is served signed
  KSK rollover  a second KSK created INACTIVE, activated (two KSKs in the DNSKEY RRset),
                the first deactivated (gone from it) and deleted; KeySigningKeyInUse for
                the last active KSK, InvalidKeySigningKeyStatus for deleting an ACTIVE one
  ZSK rollover  api.dnssec.zsk_lifetime of 12 s: the server pre-publishes a new ZSK in the
                store, then signs with it
  durability    kill -9 and a restart on the same store: the same keys (tags) sign, and the
                store's database is readable by the server's user only
  disabling     DisableHostedZoneDNSSEC: no RRSIG with DO any more, GetDNSSEC NOT_SIGNING

usage: api_dnssec.py FASTZONED
exit: 0 pass, 1 fail (with the reason), 77 skip (boto3, dnspython or unbound missing)
"""

import functools
import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time
import uuid

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from ports import free_port  # noqa: E402
from servers import Fastzoned, Server, remove_work_dir, write_fastzone_conf, write_unbound_conf  # noqa: E402

try:
    import boto3
    import botocore.exceptions
    import dns.dnssec
    import dns.flags
    import dns.message
    import dns.name
    import dns.query
    import dns.rcode
    import dns.rdataclass
    import dns.rdatatype
except ImportError as e:
    print(f"SKIP: {e.name} is not installed for this python (Debian: python3-boto3, python3-dnspython)")
    sys.exit(77)
if shutil.which("unbound") is None:
    print("SKIP: unbound is not installed (Debian: unbound)")
    sys.exit(77)

print = functools.partial(print, flush=True)  # noqa: A001 - progress shows under meson too

AWS = "/usr/bin/aws"
KEY_ID, SECRET = "AKIAFASTZONEDNSSEC", "dnssec-secret-0123456789"
ORIGIN = "api-signed.test."
ZONE = dns.name.from_text(ORIGIN)
ARN = "arn:aws:kms:us-east-1:111122223333:key/0d3a1f6c-4b6e-4e7a-9a51-000000000001"
ARN2 = "arn:aws:kms:us-east-1:111122223333:key/0d3a1f6c-4b6e-4e7a-9a51-000000000002"
FILE_ZONE = "$ORIGIN file.test.\n$TTL 300\n@ SOA ns1 hostmaster 1 7200 3600 1209600 60\n@ NS ns1\nns1 A 192.0.2.53\n"
class Failure(Exception):
    pass


def wait_for(pred, timeout, what):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            last = pred()
            if last:
                return last
        except (dns.exception.DNSException, OSError, KeyError) as e:
            last = e
        time.sleep(0.2)
    raise Failure(f"{what}: not within {timeout:g} s (last: {last!r})")


def expect_error(code, status, fn, **kwargs):
    try:
        fn(**kwargs)
    except botocore.exceptions.ClientError as e:
        got = (e.response["Error"]["Code"], e.response["ResponseMetadata"]["HTTPStatusCode"])
        if got != (code, status):
            raise Failure(f"expected {code} {status}, got {got[0]} {got[1]}: {e}")
        return
    raise Failure(f"expected {code} {status}, the call succeeded")


class Test:
    def __init__(self, fastzoned):
        self.fastzoned = fastzoned
        self.work = tempfile.mkdtemp(prefix="fz-api-dnssec-")
        self.port, self.api_port = free_port(), free_port()
        self.server = None
        self.unbound = None
        with open(os.path.join(self.work, "file.test.zone"), "w") as f:
            f.write(FILE_ZONE)
        with open(os.path.join(self.work, "credentials.json"), "w") as f:
            json.dump({"AccessKeys": [{"AccessKeyId": KEY_ID, "SecretAccessKey": SECRET, "Actions": ["route53:*"],
                                       "HostedZones": ["*"]}]}, f)
        sections = (f"api:\n  listen: 127.0.0.1@{self.api_port}\n  credentials: credentials.json\n"
                    "  name_servers: [ns1.api-signed.test.]\n"
                    "  dnssec: {signature_validity: 1d, signature_refresh: 12h, zsk_lifetime: 12s}\n"
                    "store:\n  path: store\n")
        self.conf = write_fastzone_conf(self.work, self.port, [("file.test.", "file.test.zone")], sections=sections)
        aws_config = os.path.join(self.work, "aws-config")
        with open(aws_config, "w") as f:
            f.write("[default]\nregion = us-east-1\n")
        for k in list(os.environ):  # nothing of the machine's AWS settings
            if k.startswith("AWS_"):
                del os.environ[k]
        os.environ.update(AWS_CONFIG_FILE=aws_config, AWS_SHARED_CREDENTIALS_FILE=os.devnull,
                          AWS_EC2_METADATA_DISABLED="true", AWS_ACCESS_KEY_ID=KEY_ID, AWS_SECRET_ACCESS_KEY=SECRET)
        self.r53 = boto3.client("route53", endpoint_url=f"http://127.0.0.1:{self.api_port}", region_name="us-east-1")
        self.zone_id = None

    # --- servers ---

    def start(self):
        self.server = Fastzoned(self.fastzoned, self.conf, self.port).start()
        self.server.wait_ready("file.test.", timeout=60)
        wait_for(self.api_up, 60, "the API answers")

    def api_up(self):
        try:
            self.r53.list_hosted_zones()
            return True
        except (botocore.exceptions.EndpointConnectionError, botocore.exceptions.ConnectionClosedError):
            return False

    def kill(self):
        os.kill(self.server.pid, signal.SIGKILL)
        self.server.proc.wait(timeout=10)
        self.server = None

    def close(self):
        for s in (self.unbound, self.server):
            if s is not None:
                s.stop()
        remove_work_dir(self.work)

    # --- helpers ---

    def ask(self, name, rtype, want_dnssec=True, port=None):
        q = dns.message.make_query(name, rtype, want_dnssec=want_dnssec)
        return dns.query.udp(q, "127.0.0.1", port=port or self.port, timeout=3)

    def insync(self, change):
        cid = change["ChangeInfo"]["Id"]
        wait_for(lambda: self.r53.get_change(Id=cid)["ChangeInfo"]["Status"] == "INSYNC", 30, f"change {cid}")

    def dnskeys(self):
        """The DNSKEY RRset, verified by its own RRSIGs: {tag: flags}."""
        r = self.ask(ORIGIN, "DNSKEY")
        keys = r.find_rrset(r.answer, ZONE, dns.rdataclass.IN, dns.rdatatype.DNSKEY)
        sigs = r.find_rrset(r.answer, ZONE, dns.rdataclass.IN, dns.rdatatype.RRSIG, dns.rdatatype.DNSKEY)
        dns.dnssec.validate(keys, sigs, {ZONE: keys})
        return keys, {dns.dnssec.key_id(k): k.flags for k in keys}

    def verified(self, name, rtype="A"):
        """The tags of the RRSIGs over name/rtype, each checked against the DNSKEY RRset."""
        keys, _ = self.dnskeys()
        r = self.ask(name, rtype)
        owner = dns.name.from_text(name)
        rrset = r.find_rrset(r.answer, owner, dns.rdataclass.IN, dns.rdatatype.from_text(rtype))
        sigs = r.find_rrset(r.answer, owner, dns.rdataclass.IN, dns.rdatatype.RRSIG, dns.rdatatype.from_text(rtype))
        dns.dnssec.validate(rrset, sigs, {ZONE: keys})
        return {s.key_tag for s in sigs}

    def nxdomain_verified(self):
        keys, _ = self.dnskeys()
        r = self.ask("nowhere." + ORIGIN, "A")
        if r.rcode() != dns.rcode.NXDOMAIN:
            raise Failure(f"nowhere.{ORIGIN}: {dns.rcode.to_text(r.rcode())}")
        nsecs = [rr for rr in r.authority if rr.rdtype == dns.rdatatype.NSEC]
        if not nsecs:
            raise Failure(f"NXDOMAIN without NSEC: {r.authority}")
        for rr in nsecs:
            dns.dnssec.validate(rr, r.find_rrset(r.authority, rr.name, dns.rdataclass.IN, dns.rdatatype.RRSIG,
                                                 dns.rdatatype.NSEC), {ZONE: keys})
        return len(nsecs)

    def dnssec_status(self):
        return self.r53.get_dnssec(HostedZoneId=self.zone_id)

    # --- the steps ---

    def create_zone(self):
        created = self.r53.create_hosted_zone(Name=ORIGIN, CallerReference=str(uuid.uuid4()))
        self.zone_id = created["HostedZone"]["Id"].split("/")[-1]
        self.insync(self.r53.change_resource_record_sets(HostedZoneId=self.zone_id, ChangeBatch={"Changes": [
            {"Action": "CREATE", "ResourceRecordSet": {"Name": "www." + ORIGIN, "Type": "A", "TTL": 60,
                                                       "ResourceRecords": [{"Value": "192.0.2.80"}]}},
            {"Action": "CREATE", "ResourceRecordSet": {"Name": "ns1." + ORIGIN, "Type": "A", "TTL": 60,
                                                       "ResourceRecords": [{"Value": "127.0.0.1"}]}}]}))
        st = self.dnssec_status()
        if st["Status"]["ServeSignature"] != "NOT_SIGNING" or st["KeySigningKeys"]:
            raise Failure(f"GetDNSSEC of a new zone: {st['Status']} {st['KeySigningKeys']}")
        if any(rr.rdtype == dns.rdatatype.RRSIG for rr in self.ask("www." + ORIGIN, "A").answer):
            raise Failure("an unsigned zone answers with RRSIGs")
        print(f"ok  {ORIGIN} ({self.zone_id}) created: GetDNSSEC NOT_SIGNING, no KSK, answers unsigned")

    def create_ksk(self):
        expect_error("KeySigningKeyWithActiveStatusNotFound", 400, self.r53.enable_hosted_zone_dnssec,
                     HostedZoneId=self.zone_id)
        kw = dict(CallerReference=str(uuid.uuid4()), HostedZoneId=self.zone_id, KeyManagementServiceArn=ARN,
                  Status="ACTIVE")
        expect_error("InvalidKeySigningKeyName", 400, self.r53.create_key_signing_key, Name="bad-name!", **kw)
        expect_error("InvalidKMSArn", 400, self.r53.create_key_signing_key, Name="ksk_one",
                     **{**kw, "KeyManagementServiceArn": "not-an-arn"})
        created = self.r53.create_key_signing_key(Name="ksk_one", **kw)
        if created["ResponseMetadata"]["HTTPStatusCode"] != 201 or "Location" not in created:
            raise Failure(f"CreateKeySigningKey: {created['ResponseMetadata']}")
        ksk = created["KeySigningKey"]
        for field, want in (("Flag", 257), ("SigningAlgorithmType", 13), ("DigestAlgorithmType", 2),
                            ("Status", "ACTIVE"), ("KmsArn", ARN), ("Name", "ksk_one")):
            if ksk.get(field) != want:
                raise Failure(f"CreateKeySigningKey: {field} is {ksk.get(field)!r}, not {want!r}")
        expect_error("KeySigningKeyAlreadyExists", 409, self.r53.create_key_signing_key, Name="ksk_one", **kw)
        self.insync(created)
        self.ksk = ksk
        print(f"ok  create-key-signing-key ksk_one: 201, tag {ksk['KeyTag']}, DS {ksk['DSRecord'][:24]}...; "
              "bad name, bad ARN, duplicate and enabling before it refused")

    def enable(self):
        self.insync(self.r53.enable_hosted_zone_dnssec(HostedZoneId=self.zone_id))
        st = self.dnssec_status()
        if st["Status"]["ServeSignature"] != "SIGNING":
            raise Failure(f"GetDNSSEC after enabling: {st['Status']}")
        cli = json.loads(subprocess.run([AWS, "route53", "get-dnssec", "--hosted-zone-id", self.zone_id,
                                         "--endpoint-url", f"http://127.0.0.1:{self.api_port}", "--output", "json"],
                                        check=True, capture_output=True, text=True).stdout)
        if cli["Status"]["ServeSignature"] != "SIGNING" or cli["KeySigningKeys"][0]["DSRecord"] != self.ksk["DSRecord"]:
            raise Failure(f"aws route53 get-dnssec: {cli}")
        keys, tags = wait_for(lambda: self.dnskeys(), 20, "a signed DNSKEY RRset")
        ksk_rr = next(k for k in keys if dns.dnssec.key_id(k) == self.ksk["KeyTag"])
        ds = dns.dnssec.make_ds(ZONE, ksk_rr, "SHA256")
        if ds.to_text().upper() != self.ksk["DSRecord"].upper():
            raise Failure(f"GetDNSSEC's DS {self.ksk['DSRecord']} is not the DNSKEY's {ds.to_text()}")
        zsks = [t for t, f in tags.items() if f == 256]
        if len(zsks) != 1:
            raise Failure(f"DNSKEY RRset after enabling: {tags}")
        signed_by = self.verified("www." + ORIGIN)
        if signed_by != set(zsks):
            raise Failure(f"www signed by {signed_by}, the ZSK is {zsks}")
        n = self.nxdomain_verified()
        print(f"ok  enable-hosted-zone-dnssec: SIGNING (boto3 and aws CLI); DNSKEY {tags} verified, DS matches "
              f"GetDNSSEC's; www A signed by ZSK {zsks[0]}, NXDOMAIN with {n} verified NSECs")

    def validate_with_unbound(self):
        port = free_port()
        with open(os.path.join(self.work, "anchors"), "w") as f:
            f.write(f"{ORIGIN} 3600 IN DS {self.ksk['DSRecord']}\n")
        path = write_unbound_conf(self.work, port, [(ORIGIN, self.port)])
        self.unbound = Server(["unbound", "-d", "-c", path], port, os.path.join(self.work, "unbound.log"),
                              cwd=self.work)
        self.unbound.name = "unbound"
        self.unbound.start()
        self.unbound.wait_ready(ORIGIN)
        for name, rtype, rcode in (("www." + ORIGIN, "A", dns.rcode.NOERROR), (ORIGIN, "SOA", dns.rcode.NOERROR),
                                   ("nowhere." + ORIGIN, "A", dns.rcode.NXDOMAIN), ("www." + ORIGIN, "TXT",
                                                                                   dns.rcode.NOERROR)):
            r = self.ask(name, rtype, port=port)
            if r.rcode() != rcode or not r.flags & dns.flags.AD:
                raise Failure(f"unbound, {name} {rtype}: {dns.rcode.to_text(r.rcode())} flags "
                              f"{dns.flags.to_text(r.flags)}\n{self.unbound.log_tail(20)}")
        self.unbound.stop()
        self.unbound = None
        print("ok  unbound, trusting only GetDNSSEC's DS: A, SOA, NXDOMAIN and NODATA validated (AD)")

    def change_served_signed(self):
        self.insync(self.r53.change_resource_record_sets(HostedZoneId=self.zone_id, ChangeBatch={"Changes": [
            {"Action": "CREATE", "ResourceRecordSet": {"Name": "added." + ORIGIN, "Type": "A", "TTL": 60,
                                                       "ResourceRecords": [{"Value": "192.0.2.81"}]}}]}))
        self.verified("added." + ORIGIN)
        print("ok  a record set added through the API after enabling is served signed")

    def ksk_rollover(self):
        kw = dict(HostedZoneId=self.zone_id, KeyManagementServiceArn=ARN2)
        expect_error("KeySigningKeyInUse", 400, self.r53.deactivate_key_signing_key, HostedZoneId=self.zone_id,
                     Name="ksk_one")
        second = self.r53.create_key_signing_key(CallerReference=str(uuid.uuid4()), Name="ksk_two", Status="INACTIVE",
                                                 **kw)
        self.insync(second)
        tag2 = second["KeySigningKey"]["KeyTag"]
        _, tags = self.dnskeys()
        if tag2 in tags:
            raise Failure(f"an INACTIVE KSK is in the DNSKEY RRset: {tags}")
        expect_error("TooManyKeySigningKeys", 400, self.r53.create_key_signing_key, CallerReference=str(uuid.uuid4()),
                     Name="ksk_three", Status="ACTIVE", **kw)
        self.insync(self.r53.activate_key_signing_key(HostedZoneId=self.zone_id, Name="ksk_two"))
        _, tags = self.dnskeys()
        if {self.ksk["KeyTag"], tag2} - set(tags):
            raise Failure(f"both KSKs active, DNSKEY RRset {tags}")
        r = self.ask(ORIGIN, "DNSKEY")
        signers = {s.key_tag for s in r.find_rrset(r.answer, ZONE, dns.rdataclass.IN, dns.rdatatype.RRSIG,
                                                   dns.rdatatype.DNSKEY)}
        if not {self.ksk["KeyTag"], tag2} <= signers:
            raise Failure(f"the DNSKEY RRset is not signed by both KSKs: {signers}")
        expect_error("InvalidKeySigningKeyStatus", 400, self.r53.delete_key_signing_key, HostedZoneId=self.zone_id,
                     Name="ksk_one")
        self.insync(self.r53.deactivate_key_signing_key(HostedZoneId=self.zone_id, Name="ksk_one"))
        self.insync(self.r53.delete_key_signing_key(HostedZoneId=self.zone_id, Name="ksk_one"))
        _, tags = self.dnskeys()
        if self.ksk["KeyTag"] in tags or tag2 not in tags:
            raise Failure(f"after the old KSK's deletion the DNSKEY RRset is {tags}")
        st = self.dnssec_status()
        if [k["Name"] for k in st["KeySigningKeys"]] != ["ksk_two"]:
            raise Failure(f"GetDNSSEC after the rollover: {st['KeySigningKeys']}")
        self.ksk = st["KeySigningKeys"][0]
        self.verified("www." + ORIGIN)
        print(f"ok  KSK rollover: ksk_two ({tag2}) created INACTIVE (unpublished), activated (both sign the DNSKEY "
              "RRset), ksk_one deactivated and deleted; KeySigningKeyInUse, TooManyKeySigningKeys and "
              "InvalidKeySigningKeyStatus refused")

    def zsk_rollover(self):
        _, before = self.dnskeys()
        old = {t for t, f in before.items() if f == 256}

        def rolled():
            _, tags = self.dnskeys()
            new = {t for t, f in tags.items() if f == 256} - old
            return new and self.verified("www." + ORIGIN) <= new and new
        new = wait_for(rolled, 60, "a new ZSK signing (api.dnssec.zsk_lifetime 12 s)")
        print(f"ok  ZSK rollover by the server: ZSK {sorted(old)} -> {sorted(new)}, www signed by the new one")

    def restart(self):
        _, before = self.dnskeys()
        signed_by = self.verified("www." + ORIGIN)
        self.kill()
        mode = stat.S_IMODE(os.stat(os.path.join(self.work, "store", "fastzone.db")).st_mode)
        if mode & 0o077:
            raise Failure(f"the store holds private keys and is mode {mode:04o}")
        self.start()
        _, after = wait_for(lambda: self.dnskeys(), 30, "the signed zone after the restart")
        now_signed_by = self.verified("www." + ORIGIN)
        # A ZSK rollover may have moved on while the server was down: keys only come, none
        # of the KSKs is new.
        ksks = lambda tags: {t for t, f in tags.items() if f == 257}  # noqa: E731
        if ksks(after) != ksks(before) or not (now_signed_by <= set(after)):
            raise Failure(f"after kill -9: DNSKEY {after} signed by {now_signed_by}; before {before} by {signed_by}")
        print(f"ok  kill -9 and restart: the same KSK {sorted(ksks(after))} and keys from the store sign; "
              f"the store is mode {mode:04o}")

    def disable(self):
        self.insync(self.r53.disable_hosted_zone_dnssec(HostedZoneId=self.zone_id))
        r = self.ask("www." + ORIGIN, "A")
        if any(rr.rdtype == dns.rdatatype.RRSIG for rr in r.answer) or not r.answer:
            raise Failure(f"after disabling: {r.answer}")
        r = self.ask(ORIGIN, "DNSKEY")
        if r.answer:
            raise Failure(f"after disabling, DNSKEY still answered: {r.answer}")
        if self.dnssec_status()["Status"]["ServeSignature"] != "NOT_SIGNING":
            raise Failure("GetDNSSEC after disabling")
        print("ok  disable-hosted-zone-dnssec: answers unsigned, no DNSKEY, GetDNSSEC NOT_SIGNING")


def main():
    if len(sys.argv) != 2:
        print(__doc__)
        return 2
    t = Test(os.path.abspath(sys.argv[1]))
    try:
        t.start()
        t.create_zone()
        t.create_ksk()
        t.enable()
        t.validate_with_unbound()
        t.change_served_signed()
        t.ksk_rollover()
        t.zsk_rollover()
        t.restart()
        t.disable()
    except (Failure, botocore.exceptions.ClientError, dns.dnssec.ValidationFailure, KeyError) as e:
        print(f"FAIL: {e}")
        if t.server is not None:
            print("fastzoned's log:\n" + t.server.log_tail(30))
        return 1
    finally:
        t.close()
    print("PASS: a zone signed through the Route 53 API validates, rolls its keys and keeps them across kill -9")
    return 0


if __name__ == "__main__":
    sys.exit(main())
