#!/usr/bin/python3
"""The Route 53 REST API of fastzoned, driven by the real clients: Debian's `aws` CLI
(/usr/bin/aws, subprocess, --output json) and boto3 (this python's), against a server
with api + store, a file-managed zone and an updatable (acl: update) zone:

  hosted zones   CreateHostedZone (201, Location, DelegationSet = api.name_servers, SOA
                 and NS served), idempotent CallerReference, Get/List/ListByName,
                 NoSuchHostedZone, DeleteHostedZone (HostedZoneNotEmpty, then accepted)
  record sets    CREATE/UPSERT/DELETE of simple sets and of every routing policy (weighted,
                 failover with a health check, geolocation, latency, multivalue, IP-based
                 over the configured CIDR collection, alias), checked on the wire after
                 GetChange says INSYNC; atomic batches and Route 53's error messages;
                 ListResourceRecordSets order and pagination (boto3 paginator and the CLI)
  health checks  Create (idempotent), Get, List, Update (version), Delete, HealthCheckInUse,
                 GetHealthCheckStatus; an HTTP check against a server of this test that is
                 stopped -> the failover record set answers its secondary
  TestDNSAnswer  a weighted name and NXDOMAIN
  auth           SignatureDoesNotMatch, InvalidClientTokenId, AccessDenied by action and
                 by hosted zone (403)
  file zones     listed, changes refused naming `fastzonectl import`, accepted after the
                 import; `fastzonectl export` (zone file and --json)
  durability     SIGKILL, restart on the same store: everything still listed and answered
  bad input      malformed XML, a body over 2 MiB, a value over 32000 characters, more
                 than 1000 ResourceRecords: 400s, and DNS still answered

usage: route53_api.py FASTZONED FASTZONECTL
exit: 0 pass, 1 fail (with the reason), 77 skip (/usr/bin/aws, boto3 or dnspython missing)
"""

import functools
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from ports import free_port  # noqa: E402
from servers import Fastzoned, ServerError, remove_work_dir, write_fastzone_conf  # noqa: E402

AWS = "/usr/bin/aws"
try:
    import boto3
    import botocore.auth
    import botocore.awsrequest
    import botocore.config
    import botocore.credentials
    import botocore.exceptions
    import dns.edns
    import dns.exception
    import dns.message
    import dns.query
    import dns.rcode
    import dns.rdatatype
except ImportError as e:
    print(f"SKIP: {e.name} is not installed for this python (Debian: python3-boto3, python3-dnspython)")
    sys.exit(77)

print = functools.partial(print, flush=True)  # noqa: A001 - progress shows under meson too

KEY_ID, SECRET = "AKIAFASTZONETEST", "s3cr3t/KEYs3cr3t/KEY"
RO_ID, RO_SECRET = "AKIAFASTZONEREAD", "readonly-secret-0123456789"
ONE_ID, ONE_SECRET = "AKIAFASTZONEONE1", "one-zone-secret-0123456789"
NAME_SERVERS = ["ns1.fastzone.test.", "ns2.fastzone.test."]
CIDR_ID = "4b1f0c2e-0000-4000-8000-0000000000c1"
HERE = os.path.dirname(os.path.abspath(__file__))
# The GeoIP test database policies_e2e.py uses; geolocation by country is checked when it is there.
CITY_DB = os.path.normpath(os.path.join(HERE, "..", "..", "..", "shared", "data", "geoip", "GeoIP2-City-Test.mmdb"))
LATENCY_CSV = "client prefix,region,latency ms\n198.51.100.0/24,us-east-1,5\n198.51.100.0/24,eu-west-1,90\n"

FILE_ZONE = """$ORIGIN file.test.
$TTL 300
@    SOA ns1 hostmaster 7 7200 3600 1209600 60
@    NS  ns1
ns1  A   192.0.2.53
www  A   192.0.2.80
"""
UPD_ZONE = """$ORIGIN upd.test.
$TTL 300
@    SOA ns1 hostmaster 1 7200 3600 1209600 60
@    NS  ns1
ns1  A   192.0.2.54
"""


class Failure(Exception):
    pass


def check(cond, msg):
    if not cond:
        raise Failure(msg)
    print(f"ok: {msg}")


def require(cond, msg):
    """check() without the progress line, for checks inside loops."""
    if not cond:
        raise Failure(msg)


def wait_for(pred, timeout, what):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            last = pred()
            if last:
                return last
        except (dns.exception.DNSException, OSError) as e:
            last = e
        time.sleep(0.2)
    raise Failure(f"{what}: not within {timeout:g} s (last: {last!r})")


class World:
    """The running server, its clients and the folder they live in."""

    def __init__(self, work, fastzoned, fastzonectl):
        self.work, self.fastzoned, self.fastzonectl = work, fastzoned, fastzonectl
        self.port, self.api_port = free_port(), free_port()
        self.sock = os.path.join(work, "control.sock")
        self.endpoint = f"http://127.0.0.1:{self.api_port}"
        self.server = None
        self.conf = None
        self.aws_env = dict(os.environ)
        for k in list(self.aws_env):
            if k.startswith("AWS_"):
                del self.aws_env[k]
        aws_config = os.path.join(work, "aws-config")
        with open(aws_config, "w") as f:
            f.write("[default]\nregion = us-east-1\noutput = json\ncli_pager =\n")
        self.aws_env.update(AWS_CONFIG_FILE=aws_config, AWS_SHARED_CREDENTIALS_FILE=os.devnull,
                            AWS_EC2_METADATA_DISABLED="true", AWS_DEFAULT_REGION="us-east-1", AWS_PAGER="",
                            AWS_ACCESS_KEY_ID=KEY_ID, AWS_SECRET_ACCESS_KEY=SECRET, HOME=work)
        for k in list(os.environ):  # boto3 in this process: nothing of the machine either
            if k.startswith("AWS_"):
                del os.environ[k]
        os.environ.update(AWS_CONFIG_FILE=aws_config, AWS_SHARED_CREDENTIALS_FILE=os.devnull,
                          AWS_EC2_METADATA_DISABLED="true")
        self.r53 = self.client()

    # --- the server ---

    def write_config(self):
        with open(os.path.join(self.work, "file.test.zone"), "w") as f:
            f.write(FILE_ZONE)
        with open(os.path.join(self.work, "upd.test.zone"), "w") as f:
            f.write(UPD_ZONE)
        with open(os.path.join(self.work, "credentials.json"), "w") as f:
            json.dump({"AccessKeys": [
                {"AccessKeyId": KEY_ID, "SecretAccessKey": SECRET, "Actions": ["route53:*"], "HostedZones": ["*"]},
                {"AccessKeyId": RO_ID, "SecretAccessKey": RO_SECRET,
                 "Actions": ["route53:ListHostedZones", "route53:GetHostedZone", "route53:ListResourceRecordSets"],
                 "HostedZones": ["*"]},
                {"AccessKeyId": ONE_ID, "SecretAccessKey": ONE_SECRET, "Actions": ["route53:*"],
                 "HostedZones": ["ZPLACEHOLDER"]}]}, f)
        with open(os.path.join(self.work, "cidr.json"), "w") as f:
            json.dump({"CidrCollections": [{"Id": CIDR_ID, "Name": "apitest", "Locations": [
                {"LocationName": "office", "CidrList": ["198.51.100.0/24"]},
                {"LocationName": "partners", "CidrList": ["203.0.113.0/24"]}]}]}, f)
        with open(os.path.join(self.work, "latency.csv"), "w") as f:
            f.write(LATENCY_CSV)
        geoip = f"geoip: {CITY_DB}\n" if os.path.exists(CITY_DB) else ""
        sections = (f"cidr_collections: cidr.json\nlatency: latency.csv\nlatency_default_order: [eu-west-1]\n{geoip}"
                    f"api:\n  listen: 127.0.0.1@{self.api_port}\n  credentials: credentials.json\n"
                    f"  name_servers: [{', '.join(NAME_SERVERS)}]\n"
                    f"store:\n  path: store\n"
                    f"keys:\n  - id: upd-key.\n    algorithm: hmac-sha256\n    secret: c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0\n"
                    f"acl:\n  - id: upd\n    keys: [upd-key.]\n    actions: [update]\n")
        self.conf = write_fastzone_conf(self.work, self.port, [("file.test.", "file.test.zone")], workers=1,
                                        sections=sections, control=self.sock)
        # The updatable zone: its own acl line.
        with open(self.conf) as f:
            text = f.read()
        text = text.replace("zones:\n", "zones:\n  - origin: upd.test.\n    file: upd.test.zone\n    acl: [upd]\n", 1)
        with open(self.conf, "w") as f:
            f.write(text)

    def start(self):
        self.server = Fastzoned(self.fastzoned, self.conf, self.port).start()
        self.server.wait_ready("file.test.", timeout=60)
        wait_for(lambda: self.api_up(), 60, "the API answers")

    def api_up(self):
        try:
            self.r53.list_hosted_zones()
            return True
        except (botocore.exceptions.EndpointConnectionError, botocore.exceptions.ConnectionClosedError):
            return False

    def stop(self):
        if self.server is not None:
            self.server.stop()

    # --- clients ---

    def client(self, key=KEY_ID, secret=SECRET, validate=True):
        return boto3.client("route53", endpoint_url=self.endpoint, region_name="us-east-1", aws_access_key_id=key,
                            aws_secret_access_key=secret,
                            config=botocore.config.Config(retries={"max_attempts": 1}, parameter_validation=validate,
                                                          connect_timeout=10, read_timeout=60))

    def aws(self, *args, ok=True, key=None):
        """Runs `aws route53 ARGS`; returns the parsed JSON output (ok) or (status, stderr)."""
        env = dict(self.aws_env)
        if key:
            env.update(AWS_ACCESS_KEY_ID=key[0], AWS_SECRET_ACCESS_KEY=key[1])
        cmd = [AWS, "--endpoint-url", self.endpoint, "--output", "json", "--no-cli-pager", "route53", *args]
        p = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=self.work, timeout=120)
        if ok:
            if p.returncode != 0:
                raise Failure(f"aws route53 {' '.join(args)} failed ({p.returncode}): {p.stderr.strip()}")
            return json.loads(p.stdout) if p.stdout.strip() else {}
        return p.returncode, p.stderr

    def ctl(self, *args):
        return subprocess.run([self.fastzonectl, "-s", self.sock, *args], capture_output=True, text=True, timeout=120)

    def raw(self, method, path, body=b"", key=KEY_ID, secret=SECRET, headers=None):
        """A request signed with SigV4 by botocore, sent with http.client: (status, body text)."""
        url = self.endpoint + path
        req = botocore.awsrequest.AWSRequest(method=method, url=url, data=body, headers=dict(headers or {}))
        botocore.auth.SigV4Auth(botocore.credentials.Credentials(key, secret), "route53", "us-east-1").add_auth(req)
        conn = http.client.HTTPConnection("127.0.0.1", self.api_port, timeout=60)
        try:
            conn.request(method, path, body=body, headers=dict(req.headers.items()))
            resp = conn.getresponse()
            return resp.status, resp.read().decode(errors="replace")
        finally:
            conn.close()

    def raw_announced(self, method, path, body):
        """Sends only the head of a signed request with Expect: 100-continue and returns the
        response the server gives before the body: (status, body text); status 100 when the
        server asks for the body."""
        url = self.endpoint + path
        req = botocore.awsrequest.AWSRequest(method=method, url=url, data=body)
        botocore.auth.SigV4Auth(botocore.credentials.Credentials(KEY_ID, SECRET), "route53", "us-east-1").add_auth(req)
        head = f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{self.api_port}\r\nContent-Length: {len(body)}\r\n"
        head += "Expect: 100-continue\r\n"
        head += "".join(f"{k}: {v}\r\n" for k, v in req.headers.items() if k.lower() not in ("host", "content-length"))
        with socket.create_connection(("127.0.0.1", self.api_port), timeout=30) as s:
            s.sendall((head + "\r\n").encode())
            data = b""
            while b"\r\n\r\n" not in data:
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
            status = int(data.split(b" ", 2)[1]) if data.startswith(b"HTTP/") else 0
            if status == 100:
                return 100, ""
            head_end = data.index(b"\r\n\r\n") + 4
            length = 0
            for line in data[:head_end].decode(errors="replace").split("\r\n"):
                if line.lower().startswith("content-length:"):
                    length = int(line.split(":", 1)[1])
            rest = data[head_end:]
            while len(rest) < length:
                chunk = s.recv(65536)
                if not chunk:
                    break
                rest += chunk
            return status, rest.decode(errors="replace")

    # --- DNS ---

    def ask(self, name, rtype="A", ecs=None):
        opts = [dns.edns.ECSOption(ecs.split("/")[0], int(ecs.split("/")[1]))] if ecs else []
        q = dns.message.make_query(name, rtype, use_edns=0 if opts else None, options=opts)
        for attempt in range(4):
            try:
                return dns.query.udp(q, "127.0.0.1", port=self.port, timeout=3)
            except dns.exception.Timeout:
                if attempt == 3:
                    raise

    def values(self, name, rtype="A", ecs=None):
        r = self.ask(name, rtype, ecs)
        for rrset in r.answer:
            if rrset.rdtype == dns.rdatatype.from_text(rtype) and rrset.name.to_text().lower() == name.lower():
                return sorted(rd.to_text() for rd in rrset)
        return []

    # --- changes ---

    def wait_insync(self, change_id, via_cli=False):
        cid = change_id.split("/")[-1]

        def insync():
            if via_cli:
                return self.aws("get-change", "--id", cid)["ChangeInfo"]["Status"] == "INSYNC"
            return self.r53.get_change(Id=cid)["ChangeInfo"]["Status"] == "INSYNC"
        wait_for(insync, 60, f"change {cid} INSYNC")

    def change(self, zone_id, changes, comment=None):
        batch = {"Changes": changes}
        if comment:
            batch["Comment"] = comment
        r = self.r53.change_resource_record_sets(HostedZoneId=zone_id, ChangeBatch=batch)
        self.wait_insync(r["ChangeInfo"]["Id"])
        return r

    def change_error(self, zone_id, changes, client=None):
        """The ClientError of a batch that must fail: (code, message, HTTP status)."""
        try:
            (client or self.r53).change_resource_record_sets(HostedZoneId=zone_id, ChangeBatch={"Changes": changes})
        except botocore.exceptions.ClientError as e:
            return error_of(e)
        raise Failure(f"the batch was accepted but must fail: {json.dumps(changes)[:300]}")

    def all_record_sets(self, zone_id):
        pages = self.r53.get_paginator("list_resource_record_sets").paginate(HostedZoneId=zone_id)
        return [rs for page in pages for rs in page["ResourceRecordSets"]]


def error_of(e):
    err = e.response.get("Error", {})
    return err.get("Code"), err.get("Message", ""), e.response["ResponseMetadata"]["HTTPStatusCode"]


def expect_error(fn, code, status=None, contains=None):
    try:
        fn()
    except botocore.exceptions.ClientError as e:
        got = error_of(e)
        require(code is None or got[0] == code, f"expected {code}, got {got}")
        if status is not None:
            require(got[2] == status, f"{code}: HTTP {got[2]}, expected {status}")
        if contains is not None:
            require(contains in got[1], f"{code}: message {got[1]!r} lacks {contains!r}")
        return got
    raise Failure(f"expected {code}, the call succeeded")


def rrs(*values):
    return [{"Value": v} for v in values]


def simple(name, rtype, ttl, *values):
    return {"Name": name, "Type": rtype, "TTL": ttl, "ResourceRecords": rrs(*values)}


def route53_key(rs):
    """Route 53's order of ListResourceRecordSets: reversed labels, type, set identifier."""
    name = rs["Name"].lower().rstrip(".")
    return (".".join(reversed(name.split("."))) + ".", rs["Type"], rs.get("SetIdentifier", ""))


def short_id(zone_id):
    return zone_id.split("/")[-1]


# --- the checks ------------------------------------------------------------------------

def hosted_zones(w):
    out = w.aws("create-hosted-zone", "--name", "dyn.test.", "--caller-reference", "r1",
                "--hosted-zone-config", "Comment=made by the aws CLI")
    zid = short_id(out["HostedZone"]["Id"])
    check(out["HostedZone"]["Name"] == "dyn.test." and out["Location"].endswith(f"/hostedzone/{zid}"),
          f"aws create-hosted-zone: zone {zid}, Location {out['Location']}")
    check(sorted(out["DelegationSet"]["NameServers"]) == sorted(n.rstrip(".") for n in NAME_SERVERS) or
          sorted(out["DelegationSet"]["NameServers"]) == sorted(NAME_SERVERS),
          f"the DelegationSet is api.name_servers: {out['DelegationSet']['NameServers']}")
    w.wait_insync(out["ChangeInfo"]["Id"], via_cli=True)
    r = w.ask("dyn.test.", "SOA")
    check(r.rcode() == dns.rcode.NOERROR and r.answer and r.answer[0].rdtype == dns.rdatatype.SOA,
          "the new zone's SOA is served")
    ns = sorted(x.lower() for x in w.values("dyn.test.", "NS"))
    check(ns == sorted(NAME_SERVERS), f"the new zone's NS are the name servers: {ns}")

    # The same CallerReference: the same zone (boto3 this time, with the 201 and Location).
    again = w.r53.create_hosted_zone(Name="dyn.test.", CallerReference="r1")
    check(short_id(again["HostedZone"]["Id"]) == zid and again["ResponseMetadata"]["HTTPStatusCode"] == 201 and
          again["Location"].endswith(f"/hostedzone/{zid}"),
          "CreateHostedZone again with the same CallerReference gives the same zone (201, Location)")
    # One server serves one zone per name: a second zone of the name is a conflict.
    expect_error(lambda: w.r53.create_hosted_zone(Name="dyn.test.", CallerReference="r2"),
                 "ConflictingDomainExists", 400)
    print("ok: the same name with another CallerReference: ConflictingDomainExists (400)")
    expect_error(lambda: w.r53.create_hosted_zone(Name="other.test.", CallerReference="r1"),
                 "HostedZoneAlreadyExists", 409)
    print("ok: the same CallerReference with another name: HostedZoneAlreadyExists (409)")

    got = w.r53.get_hosted_zone(Id=zid)
    check(got["HostedZone"]["Name"] == "dyn.test." and got["HostedZone"]["Config"].get("Comment") ==
          "made by the aws CLI" and got["HostedZone"]["ResourceRecordSetCount"] == 2 and
          sorted(got["DelegationSet"]["NameServers"]) == sorted(out["DelegationSet"]["NameServers"]),
          "GetHostedZone: name, comment, 2 record sets (SOA, NS), delegation set")
    listed = w.aws("list-hosted-zones")["HostedZones"]
    names = sorted(z["Name"] for z in listed)
    check(names == ["dyn.test.", "file.test.", "upd.test."], f"aws list-hosted-zones: {names}")
    by_name = w.r53.list_hosted_zones_by_name(DNSName="file.test.")["HostedZones"]
    check(by_name and by_name[0]["Name"] == "file.test.", "ListHostedZonesByName starts at the name given")
    by_name = w.r53.list_hosted_zones_by_name()["HostedZones"]
    # Route 53 orders by reversed labels: test.dyn, test.file, test.upd.
    check([z["Name"] for z in by_name] == ["dyn.test.", "file.test.", "upd.test."],
          "ListHostedZonesByName in Route 53's order")
    page = w.r53.list_hosted_zones(MaxItems="2")
    check(page["IsTruncated"] and len(page["HostedZones"]) == 2 and page.get("NextMarker"),
          "ListHostedZones MaxItems=2 is truncated with a NextMarker")
    allz = [z["Id"] for p in w.r53.get_paginator("list_hosted_zones").paginate(PaginationConfig={"PageSize": 1})
            for z in p["HostedZones"]]
    check(len(allz) == 3 and len(set(allz)) == 3, "the ListHostedZones paginator gives each zone once")
    seen, kw = [], {}
    for _ in range(10):
        p = w.r53.list_hosted_zones_by_name(MaxItems="1", **kw)
        seen += [z["Name"] for z in p["HostedZones"]]
        if not p["IsTruncated"]:
            break
        kw = {"DNSName": p["NextDNSName"], "HostedZoneId": p["NextHostedZoneId"]}
    check(seen == ["dyn.test.", "file.test.", "upd.test."],
          f"ListHostedZonesByName MaxItems=1 with NextDNSName/NextHostedZoneId: {seen}")
    expect_error(lambda: w.r53.get_hosted_zone(Id="ZNOSUCHZONE1234"), "NoSuchHostedZone", 404)
    rc, err = w.aws("get-hosted-zone", "--id", "ZNOSUCHZONE1234", ok=False)
    check(rc != 0 and "NoSuchHostedZone" in err, "an unknown id: NoSuchHostedZone (boto3 404, and the CLI)")
    ids = {z["Name"]: short_id(z["Id"]) for z in listed}
    return zid, ids


def record_set_changes(w, zid):
    z = "dyn.test."
    # CREATE through the CLI, from a file, as the manual session did.
    batch = {"Comment": "weighted pair", "Changes": [
        {"Action": "CREATE", "ResourceRecordSet": {"Name": f"www.{z}", "Type": "A", "SetIdentifier": "blue",
                                                   "Weight": 1, "TTL": 30, "ResourceRecords": rrs("10.0.0.1")}},
        {"Action": "CREATE", "ResourceRecordSet": {"Name": f"www.{z}", "Type": "A", "SetIdentifier": "green",
                                                   "Weight": 0, "TTL": 30, "ResourceRecords": rrs("10.0.0.2")}},
        {"Action": "CREATE", "ResourceRecordSet": simple(f"txt.{z}", "TXT", 120, '"hello"')}]}
    with open(os.path.join(w.work, "batch.json"), "w") as f:
        json.dump(batch, f)
    out = w.aws("change-resource-record-sets", "--hosted-zone-id", zid, "--change-batch", "file://batch.json")
    check(out["ChangeInfo"]["Status"] in ("PENDING", "INSYNC") and out["ChangeInfo"]["Comment"] == "weighted pair",
          f"aws change-resource-record-sets: {out['ChangeInfo']['Status']}, comment kept")
    p = subprocess.run([AWS, "--endpoint-url", w.endpoint, "route53", "wait", "resource-record-sets-changed",
                        "--id", out["ChangeInfo"]["Id"].split("/")[-1]], env=w.aws_env, capture_output=True, text=True,
                       timeout=180)
    check(p.returncode == 0, f"aws route53 wait resource-record-sets-changed returns ({p.stderr.strip()})")
    w.wait_insync(out["ChangeInfo"]["Id"], via_cli=True)
    check(all(w.values(f"www.{z}") == ["10.0.0.1"] for _ in range(20)),
          "after INSYNC the weighted pair answers (weight 0 never)")
    check(w.values(f"txt.{z}", "TXT") == ['"hello"'], "the simple TXT set answers")

    r = w.change(zid, [{"Action": "CREATE", "ResourceRecordSet": simple(f"utf.{z}", "A", 60, "10.3.0.1")}],
                 comment="änderung ✓ <&>")
    got = w.r53.get_change(Id=short_id(r["ChangeInfo"]["Id"]))["ChangeInfo"]
    check(got.get("Comment") == "änderung ✓ <&>", f"a UTF-8 comment with XML specials round-trips: {got.get('Comment')!r}")
    w.change(zid, [{"Action": "DELETE", "ResourceRecordSet": simple(f"utf.{z}", "A", 60, "10.3.0.1")}])

    # UPSERT changes the weights; the answer follows.
    w.change(zid, [{"Action": "UPSERT", "ResourceRecordSet": {"Name": f"www.{z}", "Type": "A", "SetIdentifier": "blue",
                                                              "Weight": 0, "TTL": 30, "ResourceRecords": rrs("10.0.0.1")}},
                   {"Action": "UPSERT", "ResourceRecordSet": {"Name": f"www.{z}", "Type": "A",
                                                              "SetIdentifier": "green", "Weight": 5, "TTL": 30,
                                                              "ResourceRecords": rrs("10.0.0.2")}},
                   {"Action": "UPSERT", "ResourceRecordSet": simple(f"txt.{z}", "TXT", 60, '"bye"')}])
    check(all(w.values(f"www.{z}") == ["10.0.0.2"] for _ in range(20)), "UPSERT: the weights flip on the wire")
    r = w.ask(f"txt.{z}", "TXT")
    check(r.answer and r.answer[0].ttl == 60 and [x.to_text() for x in r.answer[0]] == ['"bye"'],
          "UPSERT of a simple set: new value and TTL")
    # DELETE needs the exact current set.
    w.change(zid, [{"Action": "DELETE", "ResourceRecordSet": simple(f"txt.{z}", "TXT", 60, '"bye"')}])
    check(w.ask(f"txt.{z}", "TXT").rcode() == dns.rcode.NXDOMAIN, "DELETE: the name is gone (NXDOMAIN)")

    # Atomicity: one bad change in a batch changes nothing.
    code, msg, status = w.change_error(zid, [
        {"Action": "CREATE", "ResourceRecordSet": simple(f"new.{z}", "A", 60, "10.1.1.1")},
        {"Action": "CREATE", "ResourceRecordSet": {"Name": f"www.{z}", "Type": "A", "SetIdentifier": "blue",
                                                   "Weight": 1, "TTL": 30, "ResourceRecords": rrs("10.0.0.9")}}])
    check(code == "InvalidChangeBatch" and status == 400 and
          "Tried to create resource record set" in msg and "but it already exists" in msg,
          f"CREATE of an existing set: InvalidChangeBatch, {msg!r}")
    check(w.ask(f"new.{z}").rcode() == dns.rcode.NXDOMAIN, "and the good change of that batch was not applied")
    code, msg, _ = w.change_error(zid, [
        {"Action": "CREATE", "ResourceRecordSet": simple(f"new.{z}", "A", 60, "10.1.1.1")},
        {"Action": "DELETE", "ResourceRecordSet": simple(f"absent.{z}", "A", 60, "10.1.1.2")}])
    check(code == "InvalidChangeBatch" and "Tried to delete resource record set" in msg and "but it was not found" in msg,
          f"DELETE of a missing set: InvalidChangeBatch, {msg!r}")
    code, msg, _ = w.change_error(zid, [
        {"Action": "DELETE", "ResourceRecordSet": {"Name": f"www.{z}", "Type": "A", "SetIdentifier": "green",
                                                   "Weight": 5, "TTL": 30, "ResourceRecords": rrs("10.9.9.9")}}])
    check(code == "InvalidChangeBatch", f"DELETE with values that do not match: InvalidChangeBatch ({msg!r})")
    code, msg, _ = w.change_error(zid, [
        {"Action": "CREATE", "ResourceRecordSet": simple(f"www.{z}", "CNAME", 60, "elsewhere.example.")}])
    check(code == "InvalidChangeBatch" and "CNAME" in msg, f"a CNAME beside other data: InvalidChangeBatch ({msg!r})")
    code, msg, _ = w.change_error(zid, [
        {"Action": "CREATE", "ResourceRecordSet": {"Name": f"www.{z}", "Type": "A", "SetIdentifier": "red",
                                                   "Failover": "SECONDARY", "TTL": 30,
                                                   "ResourceRecords": rrs("10.0.0.3")}}])
    check(code == "InvalidChangeBatch", f"a failover set beside weighted ones (mixed policies): {code} ({msg!r})")
    code, msg, _ = w.change_error(zid, [
        {"Action": "CREATE", "ResourceRecordSet": simple(f"www.{z}", "A", 30, "10.0.0.4")}])
    check(code == "InvalidChangeBatch", f"a simple set beside weighted ones: {code} ({msg!r})")
    code, msg, status = w.change_error(zid, [
        {"Action": "CREATE", "ResourceRecordSet": simple(f"junk.{z}", "A", 60, "not-an-address")}])
    check(code in ("InvalidChangeBatch", "InvalidInput") and status == 400, f"a bad A value: {code} ({msg!r})")
    code, msg, status = w.change_error(zid, [
        {"Action": "CREATE", "ResourceRecordSet": simple("outside.example.", "A", 60, "10.0.0.1")}])
    check(code in ("InvalidChangeBatch", "InvalidInput") and status == 400, f"a name outside the zone: {code} ({msg!r})")
    # Junk that boto3 would refuse itself: sent without its validation. Route 53 says
    # InvalidInput for a value outside the schema; fastzone reports these per change as
    # InvalidChangeBatch. Either is a 400 that changes nothing.
    loose = w.client(validate=False)
    for label, rs, action in [("an unknown Action", simple(f"j.{z}", "A", 60, "10.0.0.1"), "MANGLE"),
                              ("a negative TTL", simple(f"j.{z}", "A", -5, "10.0.0.1"), "CREATE"),
                              ("an unknown Type", simple(f"j.{z}", "BOGUS", 60, "10.0.0.1"), "CREATE"),
                              ("a weighted set without Weight", {"Name": f"j.{z}", "Type": "A", "SetIdentifier": "x",
                                                                 "TTL": 60, "ResourceRecords": rrs("10.0.0.1")},
                               "CREATE")]:
        got = expect_error(lambda: loose.change_resource_record_sets(HostedZoneId=zid, ChangeBatch={"Changes": [
            {"Action": action, "ResourceRecordSet": rs}]}), None, 400)
        require(got[0] in ("InvalidInput", "InvalidChangeBatch"), f"{label}: {got}")
        print(f"ok: junk ({label}): {got[0]} 400 ({got[1][:100]!r})")
    for label, body in [("malformed XML", b"<ChangeResourceRecordSetsRequest><ChangeBatch>"),
                        ("no ChangeBatch", b'<ChangeResourceRecordSetsRequest xmlns="https://route53.amazonaws.com/'
                                           b'doc/2013-04-01/"/>'),
                        ("no Changes", b'<ChangeResourceRecordSetsRequest xmlns="https://route53.amazonaws.com/doc/'
                                       b'2013-04-01/"><ChangeBatch><Changes/></ChangeBatch>'
                                       b'</ChangeResourceRecordSetsRequest>')]:
        status, body = w.raw("POST", f"/2013-04-01/hostedzone/{zid}/rrset", body)
        check(status == 400 and "<Code>InvalidInput</Code>" in body, f"a change batch with {label}: 400 InvalidInput")
    check(w.ask(f"j.{z}").rcode() == dns.rcode.NXDOMAIN, "none of the junk created anything")
    check(w.values(f"www.{z}") == ["10.0.0.2"], "after all the refused batches the zone answers as before")

    # Names: Route 53 keeps them lower-case and prints a wildcard's '*' as \052.
    w.change(zid, [{"Action": "CREATE", "ResourceRecordSet": simple(f"MiXed.{z.upper()}", "A", 60, "10.2.0.1")},
                   {"Action": "CREATE", "ResourceRecordSet": simple(f"*.wild.{z}", "A", 60, "10.2.0.2")},
                   {"Action": "CREATE", "ResourceRecordSet": simple(f"q.{z}", "TXT", 60, '"a b" "c\\"d"')}])
    listed = {(rs["Name"], rs["Type"]): rs for rs in w.all_record_sets(zid)}
    check((f"mixed.{z}", "A") in listed, "a name given in upper case is listed lower-case")
    for start in (f"*.wild.{z}", f"\\052.wild.{z}"):  # the signature covers the encoded query
        p = w.r53.list_resource_record_sets(HostedZoneId=zid, StartRecordName=start, StartRecordType="A", MaxItems="1")
        require(p["ResourceRecordSets"][0]["Name"] == f"\\052.wild.{z}", f"StartRecordName {start}: {p}")
    print("ok: StartRecordName with '*' and with \\052 (signed query values with escapes) start at the wildcard")
    check((f"\\052.wild.{z}", "A") in listed, f"a wildcard is listed as \\052: {sorted(n for n, _ in listed)}")
    check(w.values(f"anything.wild.{z}") == ["10.2.0.2"] and w.values(f"MIXED.{z}") == ["10.2.0.1"],
          "the wildcard and the mixed-case name answer")
    got = w.ask(f"q.{z}", "TXT")
    check(got.answer and [x.to_text() for x in got.answer[0]] == ['"a b" "c\\"d"'] and
          listed[(f"q.{z}", "TXT")]["ResourceRecords"] == [{"Value": '"a b" "c\\"d"'}],
          "a TXT value with spaces and an escaped quote round-trips (wire and listing)")
    w.change(zid, [{"Action": "DELETE", "ResourceRecordSet": simple(f"mixed.{z}", "A", 60, "10.2.0.1")},
                   {"Action": "DELETE", "ResourceRecordSet": simple(f"\\052.wild.{z}", "A", 60, "10.2.0.2")},
                   {"Action": "DELETE", "ResourceRecordSet": listed[(f"q.{z}", "TXT")]}])
    check(w.ask(f"anything.wild.{z}").rcode() == dns.rcode.NXDOMAIN and w.ask(f"mixed.{z}").rcode() ==
          dns.rcode.NXDOMAIN, "DELETE by the listed names (lower case, \\052) removes them")
    expect_error(lambda: w.r53.change_resource_record_sets(HostedZoneId="ZNOSUCHZONE1234", ChangeBatch={
        "Changes": [{"Action": "CREATE", "ResourceRecordSet": simple(f"x.{z}", "A", 60, "10.0.0.1")}]}),
        "NoSuchHostedZone", 404)
    print("ok: ChangeResourceRecordSets on an unknown zone: NoSuchHostedZone (404)")
    expect_error(lambda: loose.list_resource_record_sets(HostedZoneId=zid, StartRecordType="A"), "InvalidInput", 400)
    print("ok: ListResourceRecordSets with StartRecordType but no StartRecordName: InvalidInput (400)")
    count = w.r53.get_hosted_zone(Id=zid)["HostedZone"]["ResourceRecordSetCount"]
    check(count == 4, f"GetHostedZone counts the record sets (SOA, NS, 2 weighted): {count}")
    apex = {(rs["Name"], rs["Type"]): rs for rs in w.all_record_sets(zid) if rs["Name"] == z}
    for t in ("SOA", "NS"):
        code, msg, status = w.change_error(zid, [{"Action": "DELETE", "ResourceRecordSet": apex[(z, t)]}])
        check(status == 400 and code == "InvalidChangeBatch", f"DELETE of the apex {t}: refused ({code}: {msg!r})")


def routing_policies(w, zid, hc_up, hc_down):
    """Every routing policy the API takes, created through the API and checked on the wire."""
    z = "dyn.test."
    changes = []

    def add(rs):
        changes.append({"Action": "CREATE", "ResourceRecordSet": rs})

    add({"Name": f"fo.{z}", "Type": "A", "SetIdentifier": "p", "Failover": "PRIMARY", "TTL": 30,
         "ResourceRecords": rrs("10.6.0.1"), "HealthCheckId": hc_up})
    add({"Name": f"fo.{z}", "Type": "A", "SetIdentifier": "s", "Failover": "SECONDARY", "TTL": 30,
         "ResourceRecords": rrs("10.6.0.2")})
    add({"Name": f"fodown.{z}", "Type": "A", "SetIdentifier": "p", "Failover": "PRIMARY", "TTL": 30,
         "ResourceRecords": rrs("10.7.0.1"), "HealthCheckId": hc_down})
    add({"Name": f"fodown.{z}", "Type": "A", "SetIdentifier": "s", "Failover": "SECONDARY", "TTL": 30,
         "ResourceRecords": rrs("10.7.0.2")})
    add({"Name": f"geo.{z}", "Type": "A", "SetIdentifier": "us", "GeoLocation": {"CountryCode": "US"}, "TTL": 60,
         "ResourceRecords": rrs("10.1.0.1")})
    add({"Name": f"geo.{z}", "Type": "A", "SetIdentifier": "default", "GeoLocation": {"CountryCode": "*"}, "TTL": 60,
         "ResourceRecords": rrs("10.1.0.9")})
    add({"Name": f"lat.{z}", "Type": "A", "SetIdentifier": "use1", "Region": "us-east-1", "TTL": 60,
         "ResourceRecords": rrs("10.5.0.1")})
    add({"Name": f"lat.{z}", "Type": "A", "SetIdentifier": "euw1", "Region": "eu-west-1", "TTL": 60,
         "ResourceRecords": rrs("10.5.0.2")})
    for i in range(1, 4):
        add({"Name": f"mv.{z}", "Type": "A", "SetIdentifier": f"m{i}", "MultiValueAnswer": True, "TTL": 60,
             "ResourceRecords": rrs(f"10.9.0.{i}"), **({"HealthCheckId": hc_down} if i == 3 else {})})
    add({"Name": f"cidr.{z}", "Type": "A", "SetIdentifier": "office", "TTL": 60, "ResourceRecords": rrs("10.4.0.1"),
         "CidrRoutingConfig": {"CollectionId": CIDR_ID, "LocationName": "office"}})
    add({"Name": f"cidr.{z}", "Type": "A", "SetIdentifier": "rest", "TTL": 60, "ResourceRecords": rrs("10.4.0.9"),
         "CidrRoutingConfig": {"CollectionId": CIDR_ID, "LocationName": "*"}})
    add(simple(f"target.{z}", "A", 900, "198.51.100.7"))
    add({"Name": f"al.{z}", "Type": "A", "AliasTarget": {"HostedZoneId": zid, "DNSName": f"target.{z}",
                                                         "EvaluateTargetHealth": False}})
    w.change(zid, changes)
    print(f"ok: one batch created {len(changes)} record sets of every routing policy")

    wait_for(lambda: w.values(f"fodown.{z}") == ["10.7.0.2"], 60, "failover to the secondary of fodown")
    check(w.values(f"fodown.{z}") == ["10.7.0.2"], "failover: an unhealthy primary (TCP refused) -> the secondary")
    check(w.values(f"fo.{z}") == ["10.6.0.1"], "failover: a healthy primary answers")
    check(w.values(f"geo.{z}") == ["10.1.0.9"], "geolocation: a client of no known location gets the default")
    if os.path.exists(CITY_DB):
        check(w.values(f"geo.{z}", ecs="216.160.83.56/29") == ["10.1.0.1"],
              "geolocation: a US client (GeoIP test database) gets the US record")
    else:
        print(f"note: {CITY_DB} is missing: geolocation by country not checked")
    check(w.values(f"lat.{z}", ecs="198.51.100.0/24") == ["10.5.0.1"] and w.values(f"lat.{z}") == ["10.5.0.2"],
          "latency: the measured prefix gets us-east-1, other clients the default order's eu-west-1")
    mv = w.values(f"mv.{z}")
    check(mv == ["10.9.0.1", "10.9.0.2"], f"multivalue: the healthy records only: {mv}")
    check(w.values(f"cidr.{z}", ecs="198.51.100.0/24") == ["10.4.0.1"] and
          w.values(f"cidr.{z}", ecs="192.0.2.0/24") == ["10.4.0.9"],
          "IP-based: the office block gets its record, others get \"*\"")
    r = w.ask(f"al.{z}")
    check(r.answer and r.answer[0].rdtype == dns.rdatatype.A and r.answer[0].ttl == 900 and
          [x.to_text() for x in r.answer[0]] == ["198.51.100.7"], "alias: the target's A RRset and TTL, no CNAME")

    # UpdateHealthCheck moves the refused check to the listening port: fodown's primary is back.
    version = w.r53.get_health_check(HealthCheckId=hc_down)["HealthCheck"]["HealthCheckVersion"]
    w.r53.update_health_check(HealthCheckId=hc_down, HealthCheckVersion=version, Port=w.api_port)
    wait_for(lambda: w.values(f"fodown.{z}") == ["10.7.0.1"], 60, "fodown's primary after UpdateHealthCheck")
    check(True, "UpdateHealthCheck to a listening port: the primary answers again on the wire")
    w.r53.update_health_check(HealthCheckId=hc_down, HealthCheckVersion=version + 1, Port=w.down_port)
    wait_for(lambda: w.values(f"fodown.{z}") == ["10.7.0.2"], 60, "fodown's secondary after UpdateHealthCheck")
    check(True, "and back to the refused port: the secondary again")

    # A disabled check counts as healthy (Route 53), an inverted one the other way round.
    version = w.r53.get_health_check(HealthCheckId=hc_down)["HealthCheck"]["HealthCheckVersion"]
    w.r53.update_health_check(HealthCheckId=hc_down, HealthCheckVersion=version, Disabled=True)
    wait_for(lambda: w.values(f"fodown.{z}") == ["10.7.0.1"], 60, "fodown's primary with its check disabled")
    check(True, "a disabled health check counts as healthy: the primary answers")
    w.r53.update_health_check(HealthCheckId=hc_down, HealthCheckVersion=version + 1, Disabled=False, Inverted=True)
    wait_for(lambda: w.values(f"fodown.{z}") == ["10.7.0.1"], 60, "fodown's primary with its check inverted")
    time.sleep(3)  # several probe intervals: it must stay (refused + inverted = healthy)
    check(w.values(f"fodown.{z}") == ["10.7.0.1"], "an inverted check of a refused port counts as healthy")
    w.r53.update_health_check(HealthCheckId=hc_down, HealthCheckVersion=version + 2, Inverted=False)
    wait_for(lambda: w.values(f"fodown.{z}") == ["10.7.0.2"], 60, "fodown's secondary with the check restored")

    # UPSERT of a policy member, then DELETE of a whole policy, on the wire.
    w.change(zid, [{"Action": "UPSERT", "ResourceRecordSet": {
        "Name": f"geo.{z}", "Type": "A", "SetIdentifier": "default", "GeoLocation": {"CountryCode": "*"}, "TTL": 60,
        "ResourceRecords": rrs("10.1.0.8")}}])
    check(w.values(f"geo.{z}") == ["10.1.0.8"], "UPSERT of the geolocation default changes the answer")
    listed = [rs for rs in w.all_record_sets(zid) if rs["Name"] == f"lat.{z}"]
    w.change(zid, [{"Action": "DELETE", "ResourceRecordSet": rs} for rs in listed])
    check(w.ask(f"lat.{z}").rcode() == dns.rcode.NXDOMAIN,
          "DELETE of both latency sets, as ListResourceRecordSets printed them: NXDOMAIN")
    return changes


def listing(w, zid):
    z = "dyn.test."
    # Names chosen to test the order: reversed labels first (b.a.dyn after z.dyn? no: a < z).
    extra = [simple(f"{n}.{z}", "TXT", 60, f'"{n}"') for n in ("a", "b.a", "z", "m", "x.m", "mm")]
    extra += [simple(f"m.{z}", "A", 60, "10.20.0.1"), simple(f"m.{z}", "AAAA", 60, "2001:db8::1")]
    extra += [{"Name": f"wt.{z}", "Type": "A", "SetIdentifier": f"s{i}", "Weight": 1, "TTL": 60,
               "ResourceRecords": rrs(f"10.21.0.{i}")} for i in range(5)]
    w.change(zid, [{"Action": "CREATE", "ResourceRecordSet": rs} for rs in extra])
    every = []
    page = w.r53.list_resource_record_sets(HostedZoneId=zid)
    check(not page["IsTruncated"], "ListResourceRecordSets without MaxItems holds the whole small zone")
    every = page["ResourceRecordSets"]
    keys = [route53_key(rs) for rs in every]
    check(keys == sorted(keys) and len(set(keys)) == len(keys),
          f"ListResourceRecordSets is in Route 53's order (reversed name, type, identifier), {len(keys)} sets")
    check(every[0]["Type"] in ("NS", "SOA") and every[0]["Name"] == z, "the apex comes first")
    # MaxItems pages by hand, following NextRecord*.
    seen, kwargs, pages = [], {}, 0
    while True:
        p = w.r53.list_resource_record_sets(HostedZoneId=zid, MaxItems="3", **kwargs)
        pages += 1
        require(len(p["ResourceRecordSets"]) <= 3, "MaxItems=3 gave more than 3")
        seen += p["ResourceRecordSets"]
        if not p["IsTruncated"]:
            break
        kwargs = {"StartRecordName": p["NextRecordName"], "StartRecordType": p["NextRecordType"]}
        if "NextRecordIdentifier" in p:
            kwargs["StartRecordIdentifier"] = p["NextRecordIdentifier"]
        require(pages < 100, "pagination does not end")
    check([route53_key(rs) for rs in seen] == keys,
          f"MaxItems=3 pages with NextRecordName/Type/Identifier give every set once ({pages} pages)")
    boto_pages = list(w.r53.get_paginator("list_resource_record_sets").paginate(
        HostedZoneId=zid, PaginationConfig={"PageSize": 2}))
    got = [route53_key(rs) for p in boto_pages for rs in p["ResourceRecordSets"]]
    check(got == keys and len(boto_pages) > 3, f"boto3's paginator (PageSize 2): every set exactly once, "
                                               f"{len(boto_pages)} pages")
    cli = w.aws("list-resource-record-sets", "--hosted-zone-id", zid, "--page-size", "4")
    check([route53_key(rs) for rs in cli["ResourceRecordSets"]] == keys, "the CLI's pagination (page size 4) too")
    p = w.r53.list_resource_record_sets(HostedZoneId=zid, StartRecordName=f"wt.{z}", StartRecordType="A",
                                        StartRecordIdentifier="s2", MaxItems="2")
    ids = [rs.get("SetIdentifier") for rs in p["ResourceRecordSets"]]
    check(ids == ["s2", "s3"] and p["IsTruncated"] and p["NextRecordIdentifier"] == "s4",
          f"StartRecordIdentifier starts inside a weighted name: {ids}, next {p.get('NextRecordIdentifier')}")
    p = w.r53.list_resource_record_sets(HostedZoneId=zid, StartRecordName=f"m.{z}", StartRecordType="AAAA")
    check(route53_key(p["ResourceRecordSets"][0]) == route53_key({"Name": f"m.{z}", "Type": "AAAA"}),
          "StartRecordName/Type starts at that set")
    # Remove the listing's sets again (they would block DeleteHostedZone later anyway).
    w.change(zid, [{"Action": "DELETE", "ResourceRecordSet": rs} for rs in extra])

    # A zone larger than a page: 650 sets, pages of at most 300 by default.
    bulk = [simple(f"n{i:03d}.bulk.{z}", "A", 60, f"10.70.{i // 256}.{i % 256}") for i in range(650)]
    w.change(zid, [{"Action": "CREATE", "ResourceRecordSet": rs} for rs in bulk])
    pages = list(w.r53.get_paginator("list_resource_record_sets").paginate(HostedZoneId=zid))
    sizes = [len(p["ResourceRecordSets"]) for p in pages]
    got = [route53_key(rs) for p in pages for rs in p["ResourceRecordSets"]]
    check(max(sizes) == 300 and len(got) == len(set(got)) and
          {route53_key(rs) for rs in bulk} <= set(got) and got == sorted(got),
          f"650 more sets: the paginator's default pages hold at most 300 ({sizes}), each set once, in order")
    w.change(zid, [{"Action": "DELETE", "ResourceRecordSet": rs} for rs in bulk])

    # Concurrent batches creating the same name: exactly one wins, the others are refused.
    import threading
    results = [None] * 6

    def create(i):
        c = w.client()
        try:
            r = c.change_resource_record_sets(HostedZoneId=zid, ChangeBatch={"Changes": [
                {"Action": "CREATE", "ResourceRecordSet": simple(f"race.{z}", "A", 60, f"10.71.0.{i}")}]})
            results[i] = ("ok", r["ChangeInfo"]["Id"])
        except botocore.exceptions.ClientError as e:
            results[i] = error_of(e)
    threads = [threading.Thread(target=create, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    winners = [i for i, r in enumerate(results) if r and r[0] == "ok"]
    losers = [r for r in results if r and r[0] != "ok"]
    check(len(winners) == 1 and len(losers) == 5 and all(r[0] == "InvalidChangeBatch" and "already exists" in r[1]
                                                          for r in losers),
          f"6 concurrent CREATEs of one name: exactly one accepted, 5 InvalidChangeBatch ({results})")
    w.wait_insync(results[winners[0]][1])
    check(w.values(f"race.{z}") == [f"10.71.0.{winners[0]}"], "and the winner's value is served")
    w.change(zid, [{"Action": "DELETE", "ResourceRecordSet": simple(f"race.{z}", "A", 60, f"10.71.0.{winners[0]}")}])


class HttpTarget:
    """python3 -m http.server on a free port of 127.0.0.1, in its own process (stopped by its PID)."""

    def __init__(self, work):
        self.port = free_port()
        self.log = open(os.path.join(work, "http.log"), "w")
        self.proc = subprocess.Popen([sys.executable, "-m", "http.server", "--bind", "127.0.0.1", str(self.port)],
                                     cwd=work, stdout=self.log, stderr=subprocess.STDOUT)
        wait_for(self.up, 30, "the test's HTTP server starts")

    def up(self):
        try:
            c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
            c.request("GET", "/")
            return c.getresponse().status == 200
        except OSError:
            return False

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


def health_checks(w, work):
    """Creates the checks the policies use; returns (tcp up id, tcp down id, http id, the HTTP server)."""
    down_port = w.down_port = free_port()  # nothing listens there: refused
    http_target = HttpTarget(work)
    loose = w.client(validate=False)  # RequestInterval 1 is below the model's minimum of 10

    def create(ref, cfg):
        r = loose.create_health_check(CallerReference=ref, HealthCheckConfig=cfg)
        require(r["ResponseMetadata"]["HTTPStatusCode"] == 201 and "Location" in r,
                f"CreateHealthCheck: 201 with a Location, got {r['ResponseMetadata']}")
        return r

    up_cfg = {"IPAddress": "127.0.0.1", "Port": w.api_port, "Type": "TCP", "RequestInterval": 1, "FailureThreshold": 1}
    up = create("hc-up", up_cfg)
    up_id = up["HealthCheck"]["Id"]
    again = create("hc-up", up_cfg)
    check(again["HealthCheck"]["Id"] == up_id, "CreateHealthCheck with the same CallerReference: the same check")
    expect_error(lambda: loose.create_health_check(CallerReference="hc-up", HealthCheckConfig=dict(up_cfg, Port=1)),
                 "HealthCheckAlreadyExists", 409)
    print("ok: the same CallerReference with another config: HealthCheckAlreadyExists (409)")
    down_id = create("hc-down", {"IPAddress": "127.0.0.1", "Port": down_port, "Type": "TCP", "RequestInterval": 1,
                                 "FailureThreshold": 1})["HealthCheck"]["Id"]
    http_id = create("hc-http", {"IPAddress": "127.0.0.1", "Port": http_target.port, "Type": "HTTP",
                                 "ResourcePath": "/", "RequestInterval": 1, "FailureThreshold": 1})["HealthCheck"]["Id"]
    # The CLI with the model's own limits (RequestInterval 10).
    cli = w.aws("create-health-check", "--caller-reference", "hc-cli", "--health-check-config",
                json.dumps({"IPAddress": "127.0.0.1", "Port": down_port, "Type": "TCP", "RequestInterval": 10,
                            "FailureThreshold": 3}))
    cli_id = cli["HealthCheck"]["Id"]
    check(cli["HealthCheck"]["HealthCheckConfig"]["RequestInterval"] == 10, "aws create-health-check")
    got = w.r53.get_health_check(HealthCheckId=http_id)["HealthCheck"]
    check(got["HealthCheckConfig"]["Type"] == "HTTP" and got["HealthCheckConfig"]["Port"] == http_target.port and
          got["HealthCheckVersion"] == 1, "GetHealthCheck: the config as created, version 1")
    listed = [h["Id"] for p in w.r53.get_paginator("list_health_checks").paginate(PaginationConfig={"PageSize": 2})
              for h in p["HealthChecks"]]
    check(sorted(listed) == sorted([up_id, down_id, http_id, cli_id]), "ListHealthChecks (paginated) lists all four")
    upd = w.aws("update-health-check", "--health-check-id", cli_id, "--health-check-version", "1",
                "--failure-threshold", "5")
    check(upd["HealthCheck"]["HealthCheckVersion"] == 2 and upd["HealthCheck"]["HealthCheckConfig"]["FailureThreshold"]
          == 5, "aws update-health-check: FailureThreshold 5, version 2")
    expect_error(lambda: w.r53.update_health_check(HealthCheckId=cli_id, HealthCheckVersion=1, FailureThreshold=2),
                 "HealthCheckVersionMismatch", 409)
    print("ok: UpdateHealthCheck with a stale version: HealthCheckVersionMismatch (409)")
    w.aws("delete-health-check", "--health-check-id", cli_id)
    expect_error(lambda: w.r53.get_health_check(HealthCheckId=cli_id), "NoSuchHealthCheck", 404)
    print("ok: DeleteHealthCheck, then GetHealthCheck: NoSuchHealthCheck (404)")

    def observations(hid):
        obs = w.r53.get_health_check_status(HealthCheckId=hid)["HealthCheckObservations"]
        status = obs[0].get("StatusReport", {}).get("Status", "") if obs else ""
        return obs if status and "no result yet" not in status else None  # a probe has run
    obs = wait_for(lambda: observations(http_id), 60, "GetHealthCheckStatus observations of the HTTP check")
    check(obs[0]["StatusReport"]["Status"].startswith("Success") and "200" in obs[0]["StatusReport"]["Status"],
          f"GetHealthCheckStatus of the HTTP check: {obs[0]['StatusReport']['Status']!r}")
    obs = wait_for(lambda: observations(down_id), 60, "GetHealthCheckStatus observations of the refused check")
    check("Success" not in obs[0]["StatusReport"]["Status"],
          f"GetHealthCheckStatus of a refused port: {obs[0]['StatusReport']['Status']!r}")
    return up_id, down_id, http_id, http_target


def http_failover(w, zid, http_id, http_target):
    z = "dyn.test."
    w.change(zid, [
        {"Action": "CREATE", "ResourceRecordSet": {"Name": f"web.{z}", "Type": "A", "SetIdentifier": "p",
                                                   "Failover": "PRIMARY", "TTL": 30, "ResourceRecords": rrs("10.30.0.1"),
                                                   "HealthCheckId": http_id}},
        {"Action": "CREATE", "ResourceRecordSet": {"Name": f"web.{z}", "Type": "A", "SetIdentifier": "s",
                                                   "Failover": "SECONDARY", "TTL": 30,
                                                   "ResourceRecords": rrs("10.30.0.2")}}])
    wait_for(lambda: w.values(f"web.{z}") == ["10.30.0.1"], 60, "the HTTP-checked primary answers")
    check(True, "failover with an HTTP check: the primary answers while the HTTP server is up")
    expect_error(lambda: w.r53.delete_health_check(HealthCheckId=http_id), "HealthCheckInUse", 400)
    print("ok: DeleteHealthCheck of a check a record set uses: HealthCheckInUse (400)")
    http_target.stop()
    wait_for(lambda: w.values(f"web.{z}") == ["10.30.0.2"], 90, "the secondary after the HTTP server stopped")
    check(True, "the HTTP server stopped: the failover record set answers the secondary on the wire")


def test_dns_answer(w, zid):
    z = "dyn.test."
    r = w.r53.test_dns_answer(HostedZoneId=zid, RecordName=f"www.{z}", RecordType="A")
    check(r["ResponseCode"] == "NOERROR" and r["RecordData"] == ["10.0.0.2"] and r["RecordType"] == "A",
          f"TestDNSAnswer for the weighted name: {r['ResponseCode']} {r['RecordData']}")
    if os.path.exists(CITY_DB):
        r = w.r53.test_dns_answer(HostedZoneId=zid, RecordName=f"geo.{z}", RecordType="A",
                                  EDNS0ClientSubnetIP="216.160.83.56", EDNS0ClientSubnetMask="29")
        check(r["RecordData"] == ["10.1.0.1"], f"TestDNSAnswer with a US client subnet: {r['RecordData']}")
        r = w.r53.test_dns_answer(HostedZoneId=zid, RecordName=f"geo.{z}", RecordType="A")
        check(r["RecordData"] == ["10.1.0.8"], f"TestDNSAnswer without a client subnet: the default {r['RecordData']}")
    r = w.aws("test-dns-answer", "--hosted-zone-id", zid, "--record-name", f"nothere.{z}", "--record-type", "A")
    check(r["ResponseCode"] == "NXDOMAIN" and r["RecordData"] == [], "aws test-dns-answer for a missing name: NXDOMAIN")


def auth(w, zid):
    bad = w.client(secret="wrong-secret-wrong-secret")
    expect_error(bad.list_hosted_zones, "SignatureDoesNotMatch", 403)
    print("ok: a wrong secret: SignatureDoesNotMatch (403)")
    rc, err = w.aws("list-hosted-zones", ok=False, key=(KEY_ID, "wrong-secret-wrong-secret"))
    check(rc != 0 and "SignatureDoesNotMatch" in err, "the CLI with a wrong secret: SignatureDoesNotMatch")
    expect_error(w.client(key="AKIANOSUCHKEY0000", secret=SECRET).list_hosted_zones, "InvalidClientTokenId", 403)
    print("ok: an unknown access key: InvalidClientTokenId (403)")
    ro = w.client(RO_ID, RO_SECRET)
    check(len(ro.list_hosted_zones()["HostedZones"]) == 3, "a key limited to reading: ListHostedZones works")
    code, msg, status = w.change_error(zid, [{"Action": "CREATE", "ResourceRecordSet": simple(
        "ro.dyn.test.", "A", 60, "10.0.0.1")}], client=ro)
    check(code == "AccessDenied" and status == 403 and "route53:ChangeResourceRecordSets" in msg,
          f"... and ChangeResourceRecordSets is AccessDenied (403): {msg!r}")
    check(w.ask("ro.dyn.test.").rcode() == dns.rcode.NXDOMAIN, "and nothing changed")


def auth_one_zone(w, zid, other):
    one = w.client(ONE_ID, ONE_SECRET)
    check(one.get_hosted_zone(Id=zid)["HostedZone"]["Name"] == "dyn.test.",
          "a key limited to one hosted zone reads that zone")
    expect_error(lambda: one.get_hosted_zone(Id=other), "AccessDenied", 403)
    code, _, status = w.change_error(other, [{"Action": "CREATE", "ResourceRecordSet": simple(
        "one.upd.test.", "A", 60, "10.0.0.1")}], client=one)
    check(code == "AccessDenied" and status == 403, "... and is AccessDenied (403) on another zone")


def file_zone(w, ids):
    fid = ids["file.test."]
    z = w.r53.get_hosted_zone(Id=fid)["HostedZone"]
    check(z["Name"] == "file.test.", f"the file-managed zone is listed by the API as {fid}")
    sets = w.all_record_sets(fid)
    check(any(rs["Name"] == "www.file.test." and rs["Type"] == "A" for rs in sets),
          "ListResourceRecordSets of the file zone shows its records")
    code, msg, status = w.change_error(fid, [{"Action": "CREATE", "ResourceRecordSet": simple(
        "api.file.test.", "A", 60, "10.40.0.1")}])
    check(status == 400 and "fastzonectl import" in msg, f"a change to a file-managed zone is refused: {code} {msg!r}")
    # A reload with the file unchanged keeps its image and its count; edited, both follow it.
    count = z["ResourceRecordSetCount"]
    out = w.ctl("reload")
    check(out.returncode == 0 and "unchanged_files_kept=1" in out.stdout,
          f"a reload with the zone file unchanged keeps its image: {out.stdout.strip()}")
    with open(os.path.join(w.work, "file.test.zone"), "a") as f:
        f.write("added 300 IN TXT \"after an edit\"\n")
    out = w.ctl("reload")
    recount = w.r53.get_hosted_zone(Id=fid)["HostedZone"]["ResourceRecordSetCount"]
    check(out.returncode == 0 and "unchanged_files_kept=0" in out.stdout and recount == count + 1 and
          w.ask("added.file.test.", "TXT").answer,
          f"edited, the zone file is read again: {count} -> {recount} record sets, the new TXT answered")
    out = w.ctl("import", "file.test.")
    check(out.returncode == 0, f"fastzonectl import file.test.: {out.stdout.strip()} {out.stderr.strip()}")
    w.change(fid, [{"Action": "CREATE", "ResourceRecordSet": simple("api.file.test.", "A", 60, "10.40.0.1")}])
    check(w.values("api.file.test.") == ["10.40.0.1"] and w.values("www.file.test.") == ["192.0.2.80"],
          "after the import a change is accepted and served beside the file's records")
    out = w.ctl("export", "file.test.")
    check(out.returncode == 0 and "api.file.test." in out.stdout and "10.40.0.1" in out.stdout and
          "192.0.2.80" in out.stdout and "SOA" in out.stdout, "fastzonectl export prints the zone as a zone file")
    out = w.ctl("export", "file.test.", "--json")
    try:
        exported = json.loads(out.stdout)
    except ValueError:
        raise Failure(f"fastzonectl export --json is not JSON: {out.stdout[:300]!r} {out.stderr!r}")
    sets = exported["ResourceRecordSets"] if isinstance(exported, dict) else exported
    check(any(rs["Name"] == "api.file.test." and rs["ResourceRecords"] == [{"Value": "10.40.0.1"}] for rs in sets),
          "fastzonectl export --json prints Route 53 record sets")


def updatable_zone(w, ids):
    uid = ids["upd.test."]
    w.change(uid, [{"Action": "CREATE", "ResourceRecordSet": simple("api.upd.test.", "A", 60, "10.41.0.1")}])
    check(w.values("api.upd.test.") == ["10.41.0.1"], "the updatable (acl: update) zone takes API changes")


def delete_zone(w):
    made = w.r53.create_hosted_zone(Name="gone.test.", CallerReference="gone-1")
    gid = short_id(made["HostedZone"]["Id"])
    w.wait_insync(made["ChangeInfo"]["Id"])
    w.change(gid, [{"Action": "CREATE", "ResourceRecordSet": simple("a.gone.test.", "A", 60, "10.50.0.1")}])
    expect_error(lambda: w.r53.delete_hosted_zone(Id=gid), "HostedZoneNotEmpty", 400)
    print("ok: DeleteHostedZone with a record set left: HostedZoneNotEmpty (400)")
    check(w.values("a.gone.test.") == ["10.50.0.1"], "and the zone is still served")
    w.change(gid, [{"Action": "DELETE", "ResourceRecordSet": simple("a.gone.test.", "A", 60, "10.50.0.1")}])
    out = w.aws("delete-hosted-zone", "--id", gid)
    w.wait_insync(out["ChangeInfo"]["Id"], via_cli=True)
    expect_error(lambda: w.r53.get_hosted_zone(Id=gid), "NoSuchHostedZone", 404)
    check(w.ask("a.gone.test.").rcode() == dns.rcode.REFUSED, "after its record sets are deleted the zone is "
                                                              "deleted: NoSuchHostedZone, and DNS REFUSED")
    again = w.r53.create_hosted_zone(Name="gone.test.", CallerReference="gone-2")
    w.wait_insync(again["ChangeInfo"]["Id"])
    check(short_id(again["HostedZone"]["Id"]) != gid and w.ask("gone.test.", "SOA").rcode() == dns.rcode.NOERROR,
          "the name can be created again after the delete: a new id, served")
    w.r53.delete_hosted_zone(Id=short_id(again["HostedZone"]["Id"]))


def bad_input(w):
    status, body = w.raw("POST", "/2013-04-01/hostedzone", b"<CreateHostedZoneRequest><Name>x.test.</Name",
                         headers={"Content-Type": "text/xml"})
    check(status == 400 and "InvalidInput" in body and "malformed" in body.lower(),
          f"a malformed XML body: 400 InvalidInput ({body[:200]!r})")
    status, body = w.raw("POST", "/2013-04-01/hostedzone", b"<Foo/>")
    check(status == 400 and "InvalidInput" in body, "an XML body of the wrong element: 400 InvalidInput")
    big = b"<CreateHostedZoneRequest>" + b" " * (2 << 20) + b"</CreateHostedZoneRequest>"
    status, body = w.raw_announced("POST", "/2013-04-01/hostedzone", big)
    check(status == 413 and "<Code>InvalidInput</Code>" in body,
          f"a body over 2 MiB (Expect: 100-continue): {status} InvalidInput before the body is sent")
    try:  # a client that sends it anyway: the connection is closed; the server carries on
        w.raw("POST", "/2013-04-01/hostedzone", big)
    except (ConnectionError, http.client.HTTPException):
        pass
    check(len(w.r53.list_hosted_zones()["HostedZones"]) == 3, "after a body over 2 MiB sent whole the API answers")
    z = "dyn.test."
    zid = None
    for zz in w.r53.list_hosted_zones()["HostedZones"]:
        if zz["Name"] == z:
            zid = short_id(zz["Id"])
    long_value = '"' + "x" * 32001 + '"'
    code, msg, status = w.change_error(zid, [{"Action": "CREATE", "ResourceRecordSet": simple(
        f"long.{z}", "TXT", 60, long_value)}])
    check(status == 400 and code in ("InvalidInput", "InvalidChangeBatch"), f"a value over 32000 characters: {code}")
    many = [f"10.60.{i // 256}.{i % 256}" for i in range(1001)]
    code, msg, status = w.change_error(zid, [{"Action": "CREATE", "ResourceRecordSet": simple(
        f"many.{z}", "A", 60, *many)}])
    check(status == 400 and code in ("InvalidInput", "InvalidChangeBatch"),
          f"1001 ResourceRecords in a batch: {code} ({msg[:120]!r})")
    half = [f"10.61.{i // 256}.{i % 256}" for i in range(600)]
    code, msg, status = w.change_error(zid, [
        {"Action": "CREATE", "ResourceRecordSet": simple(f"many1.{z}", "A", 60, *half)},
        {"Action": "CREATE", "ResourceRecordSet": simple(f"many2.{z}", "A", 60, *half)}])
    check(status == 400 and code in ("InvalidInput", "InvalidChangeBatch"),
          f"1200 ResourceRecords over two changes: {code} ({msg[:120]!r})")
    expect_error(lambda: w.r53.get_change(Id="CNOSUCHCHANGE1"), "NoSuchChange", 404)
    print("ok: GetChange of an unknown id: NoSuchChange (404)")
    upsert = [f"10.62.{i // 256}.{i % 256}" for i in range(501)]
    code, msg, status = w.change_error(zid, [
        {"Action": "UPSERT", "ResourceRecordSet": simple(f"ups.{z}", "A", 60, *upsert)}])
    check(status == 400 and "1000" in msg, f"UPSERT counts its records twice: 501 of them exceed 1000 ({code})")
    status, body = w.raw("GET", "/2013-04-01/nosuchthing")
    check(status in (400, 404) and "<Code>" in body, f"an unknown path: {status}")
    r = w.ask("file.test.", "SOA")
    check(r.rcode() == dns.rcode.NOERROR and w.server.running(), "after all the bad input the server answers DNS")


def durability(w, zid):
    before_zones = sorted((z["Id"], z["Name"]) for z in w.r53.list_hosted_zones()["HostedZones"])
    before_sets = {z: [route53_key(rs) for rs in w.all_record_sets(short_id(z))] for z, _ in before_zones}
    before_checks = sorted(h["Id"] for h in w.r53.list_health_checks()["HealthChecks"])
    last_change = w.change(zid, [{"Action": "CREATE", "ResourceRecordSet": simple(
        "last.dyn.test.", "A", 60, "10.80.0.1")}])["ChangeInfo"]["Id"]
    before_sets = {z: [route53_key(rs) for rs in w.all_record_sets(short_id(z))] for z, _ in before_zones}
    pid = w.server.pid
    os.kill(pid, signal.SIGKILL)
    w.server.proc.wait(30)
    check(w.server.proc.returncode == -signal.SIGKILL, f"fastzoned (PID {pid}) killed with SIGKILL")
    w.server.stop()
    w.start()
    after_zones = sorted((z["Id"], z["Name"]) for z in w.r53.list_hosted_zones()["HostedZones"])
    check(after_zones == before_zones, "after the restart on the same store the same hosted zones are listed")
    after_sets = {z: [route53_key(rs) for rs in w.all_record_sets(short_id(z))] for z, _ in after_zones}
    check(after_sets == before_sets, "and the same record sets in every zone")
    check(sorted(h["Id"] for h in w.r53.list_health_checks()["HealthChecks"]) == before_checks,
          "and the same health checks")
    check(w.values("last.dyn.test.") == ["10.80.0.1"], "the change acknowledged last before SIGKILL is served")
    status = w.r53.get_change(Id=short_id(last_change))["ChangeInfo"]["Status"]
    check(status == "INSYNC", "GetChange of a change from before the restart: INSYNC (the store's history)")
    check(w.values("www.dyn.test.") == ["10.0.0.2"] and w.values("api.file.test.") == ["10.40.0.1"] and
          w.values("api.upd.test.") == ["10.41.0.1"] and w.values("geo.dyn.test.") == ["10.1.0.8"],
          "and everything is answered as before (API zone, imported file zone, updatable zone)")
    wait_for(lambda: w.values("web.dyn.test.") == ["10.30.0.2"], 60, "the HTTP-checked failover after restart")
    check(True, "the failover record set still answers its secondary (its HTTP server is down)")


def https(w):
    """The same store served over HTTPS (api.tls_certificate / api.tls_key): boto3 and the aws
    CLI trust the test's own certificate; plain HTTP on that port gets no API answer."""
    cert, key = os.path.join(w.work, "api.crt"), os.path.join(w.work, "api.key")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", key, "-out", cert],
                   check=True, capture_output=True, timeout=60)
    with open(w.conf) as f:
        text = f.read()
    text = text.replace("  credentials: credentials.json\n",
                        "  credentials: credentials.json\n  tls_certificate: api.crt\n  tls_key: api.key\n", 1)
    with open(w.conf, "w") as f:
        f.write(text)
    w.server = Fastzoned(w.fastzoned, w.conf, w.port, log_path=os.path.join(w.work, "https.log")).start()
    w.server.wait_ready("file.test.", timeout=60)
    w.endpoint = f"https://127.0.0.1:{w.api_port}"
    r53 = boto3.client("route53", endpoint_url=w.endpoint, region_name="us-east-1", aws_access_key_id=KEY_ID,
                       aws_secret_access_key=SECRET, verify=cert,
                       config=botocore.config.Config(retries={"max_attempts": 1}, connect_timeout=10))
    wait_for(lambda: len(r53.list_hosted_zones()["HostedZones"]) == 3, 60, "the API over HTTPS")
    print("ok: HTTPS: boto3 lists the stored zones, verifying the configured certificate")
    zones = w.aws("list-hosted-zones", "--ca-bundle", cert)["HostedZones"]
    check(len(zones) == 3, "HTTPS: the aws CLI too (--ca-bundle)")
    conn = http.client.HTTPConnection("127.0.0.1", w.api_port, timeout=10)
    try:
        conn.request("GET", "/2013-04-01/hostedzone")
        plain = conn.getresponse().status
    except (OSError, http.client.HTTPException):
        plain = None
    finally:
        conn.close()
    check(plain is None or plain >= 400, f"HTTPS: plain HTTP on the API's port gets no answer ({plain})")
    rc = w.server.stop(30)
    check(rc == 0, "SIGTERM stops the HTTPS server")


def run(w):
    w.write_config()
    w.start()
    print(f"ok: fastzoned up (DNS {w.port}, API {w.api_port})")
    zid, ids = hosted_zones(w)
    record_set_changes(w, zid)
    up_id, down_id, http_id, http_target = health_checks(w, w.work)
    try:
        routing_policies(w, zid, up_id, down_id)
        listing(w, zid)
        http_failover(w, zid, http_id, http_target)
    finally:
        http_target.stop()
    test_dns_answer(w, zid)
    auth(w, zid)
    file_zone(w, ids)
    updatable_zone(w, ids)
    delete_zone(w)
    bad_input(w)
    # The one-zone key's grant names this run's zone: write it, then restart (SIGKILL) so
    # that the durability check also picks up the new credentials file.
    with open(os.path.join(w.work, "credentials.json")) as f:
        creds = json.load(f)
    creds["AccessKeys"][2]["HostedZones"] = [zid]
    with open(os.path.join(w.work, "credentials.json"), "w") as f:
        json.dump(creds, f)
    durability(w, zid)
    auth_one_zone(w, zid, ids["upd.test."])
    # A reload keeps the store's zones (the API's, the imported and the updatable one).
    before = w.values("www.dyn.test."), w.values("api.file.test."), w.values("api.upd.test.")
    require("msg=reloaded" not in w.server.log_text(), "a reload logged before the SIGHUP")
    w.server.proc.send_signal(signal.SIGHUP)
    check(w.server.wait_for_log("msg=reloaded", 30), "SIGHUP: fastzoned reloads")
    out = w.ctl("reload")
    check(out.returncode == 0, f"fastzonectl reload: {out.stdout.strip()} {out.stderr.strip()}")
    check((w.values("www.dyn.test."), w.values("api.file.test."), w.values("api.upd.test.")) == before and
          len(w.r53.list_hosted_zones()["HostedZones"]) == 3, "after reloads the stored zones answer as before")
    check(w.server.running(), "fastzoned ran through the whole test")
    rc = w.server.stop(30)
    check(rc == 0 and not w.server.killed, f"SIGTERM stops fastzoned with status 0 (got {rc})")
    https(w)
    print("PASS: route53_api")
    return 0


def main():
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    if len(sys.argv) != 3:
        print(__doc__)
        return 2
    fastzoned, fastzonectl = sys.argv[1], sys.argv[2]
    if not os.access(AWS, os.X_OK):
        print(f"SKIP: {AWS} is missing (Debian: awscli)")
        return 77
    for path in (fastzoned, fastzonectl):
        if not os.access(path, os.X_OK):
            print(f"FAIL: {path} is not an executable")
            return 1
    work = tempfile.mkdtemp(prefix="fz-route53-api-")
    keep = False
    w = None
    try:
        w = World(work, fastzoned, fastzonectl)
        return run(w)
    except (Failure, ServerError, botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError,
            dns.exception.DNSException, OSError, subprocess.TimeoutExpired, KeyError) as e:
        keep = os.environ.get("FZ_KEEP_TMP") is not None
        print(f"FAIL: {type(e).__name__}: {e}")
        if w is not None and w.server is not None:
            print("--- fastzoned log (last lines) ---")
            print(w.server.log_tail(30))
        return 1
    finally:
        if w is not None:
            w.stop()
        remove_work_dir(work, keep)


if __name__ == "__main__":
    sys.exit(main())
