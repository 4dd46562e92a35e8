"""A Route 53 API endpoint answers boto3 and the aws CLI as Route 53 does: zones, change
batches with routing policies and aliases, paginated listings, health checks, modeled
errors and signature checks. It creates zones and checks of its own (names under
api-client.test.) and deletes them again.

Usage: route53_api_client.py ENDPOINT ACCESS_KEY_ID SECRET_ACCESS_KEY
  e.g. route53_api_client.py http://127.0.0.1:8053 AKIAADMIN wJalr...
"""

import json
import os
import shutil
import subprocess
import sys
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fztest as t  # noqa: E402

try:
    import boto3
    import botocore.exceptions
except ImportError:
    t.skip("boto3 is not installed")


def client(endpoint, key, secret):
    return boto3.client("route53", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id=key,
                        aws_secret_access_key=secret, verify=False)


def expect_error(code, status, fn, *args, **kwargs):
    try:
        fn(*args, **kwargs)
    except botocore.exceptions.ClientError as e:
        got = (e.response["Error"]["Code"], e.response["ResponseMetadata"]["HTTPStatusCode"])
        if got != (code, status):
            t.fail(f"expected {code} {status}, got {got[0]} {got[1]}: {e}")
        return e
    t.fail(f"expected {code} {status}, the call succeeded")


def a_record(name, value, **policy):
    rs = {"Name": name, "Type": "A", "TTL": 60, "ResourceRecords": [{"Value": value}]}
    rs.update(policy)
    return rs


def check_zones_and_records(c, origin):
    ref = str(uuid.uuid4())
    created = c.create_hosted_zone(Name=origin, CallerReference=ref, HostedZoneConfig={"Comment": "client test"})
    zone = created["HostedZone"]["Id"]
    if not created["DelegationSet"]["NameServers"] or "Location" not in created:
        t.fail(f"CreateHostedZone: no delegation set or Location: {created}")
    again = c.create_hosted_zone(Name=origin, CallerReference=ref)
    if again["HostedZone"]["Id"] != zone:
        t.fail("CreateHostedZone with the same CallerReference made another zone")
    print(f"ok  create-hosted-zone {origin} -> {zone} (idempotent)")

    changes = [{"Action": "CREATE", "ResourceRecordSet": a_record(f"h{i}.{origin}", f"192.0.2.{i + 1}")}
               for i in range(7)]
    changes += [
        {"Action": "CREATE", "ResourceRecordSet": a_record(f"w.{origin}", "192.0.2.50", SetIdentifier="a", Weight=5)},
        {"Action": "CREATE", "ResourceRecordSet": a_record(f"geo.{origin}", "192.0.2.51", SetIdentifier="eu",
                                                           GeoLocation={"ContinentCode": "EU"})},
        {"Action": "CREATE", "ResourceRecordSet": {"Name": f"*.{origin}", "Type": "A", "AliasTarget": {
            "HostedZoneId": zone.split("/")[-1], "DNSName": f"h1.{origin}", "EvaluateTargetHealth": False}}},
    ]
    info = c.change_resource_record_sets(HostedZoneId=zone, ChangeBatch={"Comment": "seed", "Changes": changes})
    status = c.get_change(Id=info["ChangeInfo"]["Id"])["ChangeInfo"]["Status"]
    if status not in ("PENDING", "INSYNC"):
        t.fail(f"GetChange: status {status}")
    print(f"ok  change-resource-record-sets: {len(changes)} changes, {status}")

    pages = c.get_paginator("list_resource_record_sets").paginate(HostedZoneId=zone,
                                                                  PaginationConfig={"PageSize": 3})
    listed = [rs for page in pages for rs in page["ResourceRecordSets"]]
    if len(listed) != len(changes) + 2:  # and the apex SOA and NS
        t.fail(f"ListResourceRecordSets: {len(listed)} record sets, expected {len(changes) + 2}")
    by_name = {(rs["Name"], rs.get("SetIdentifier")): rs for rs in listed}
    if by_name[(f"w.{origin}", "a")].get("Weight") != 5:
        t.fail(f"weighted record set printed as {by_name[(f'w.{origin}', 'a')]}")
    if by_name[(f"geo.{origin}", "eu")].get("GeoLocation") != {"ContinentCode": "EU"}:
        t.fail("geolocation record set lost its GeoLocation")
    if (f"\\052.{origin}", None) not in by_name:
        t.fail("the wildcard alias is not listed as \\052")
    print(f"ok  list-resource-record-sets: {len(listed)} record sets over pages of 3, every field")

    e = expect_error("InvalidChangeBatch", 400, c.change_resource_record_sets, HostedZoneId=zone,
                     ChangeBatch={"Changes": [changes[0]]})
    print(f"ok  duplicate CREATE: {e.response['Error']['Message'][:70]}")
    expect_error("HostedZoneNotEmpty", 400, c.delete_hosted_zone, Id=zone)
    expect_error("NoSuchHostedZone", 404, c.get_hosted_zone, Id="ZNOSUCHZONE000")
    print("ok  HostedZoneNotEmpty, NoSuchHostedZone")

    deletes = [{"Action": "DELETE", "ResourceRecordSet": rs} for rs in listed if rs["Type"] not in ("SOA", "NS")]
    c.change_resource_record_sets(HostedZoneId=zone, ChangeBatch={"Changes": deletes})
    c.delete_hosted_zone(Id=zone)
    expect_error("NoSuchHostedZone", 404, c.get_hosted_zone, Id=zone)
    print("ok  record sets deleted as listed, zone deleted")


def check_health_checks(c):
    created = c.create_health_check(CallerReference=str(uuid.uuid4()), HealthCheckConfig={
        "IPAddress": "192.0.2.1", "Port": 80, "Type": "HTTP", "ResourcePath": "/health", "RequestInterval": 30,
        "FailureThreshold": 3})["HealthCheck"]
    hc = created["Id"]
    updated = c.update_health_check(HealthCheckId=hc, HealthCheckVersion=created["HealthCheckVersion"],
                                    Port=8080)["HealthCheck"]
    if updated["HealthCheckConfig"]["Port"] != 8080 or updated["HealthCheckConfig"]["ResourcePath"] != "/health":
        t.fail(f"UpdateHealthCheck did not merge: {updated}")
    expect_error("HealthCheckVersionMismatch", 409, c.update_health_check, HealthCheckId=hc,
                 HealthCheckVersion=created["HealthCheckVersion"], Port=81)
    if hc not in [h["Id"] for h in c.list_health_checks()["HealthChecks"]]:
        t.fail("ListHealthChecks does not list the new check")
    c.get_health_check_status(HealthCheckId=hc)
    c.delete_health_check(HealthCheckId=hc)
    expect_error("NoSuchHealthCheck", 404, c.get_health_check, HealthCheckId=hc)
    print("ok  health checks: create, update (merged, versioned), list, status, delete")


def check_signatures(endpoint, key):
    expect_error("SignatureDoesNotMatch", 403, client(endpoint, key, "x" * 40).list_hosted_zones)
    expect_error("InvalidClientTokenId", 403, client(endpoint, "AKIANOSUCHKEY", "x" * 40).list_hosted_zones)
    print("ok  a wrong secret and an unknown key are refused (403)")


def check_cli(endpoint, key, secret, origin):
    aws = shutil.which("aws")
    if aws is None:
        print("--  the aws CLI is not installed: skipped")
        return
    env = dict(os.environ, AWS_ACCESS_KEY_ID=key, AWS_SECRET_ACCESS_KEY=secret, AWS_DEFAULT_REGION="us-east-1")
    base = [aws, "route53", "--endpoint-url", endpoint, "--output", "json"]
    out = subprocess.run(base + ["create-hosted-zone", "--name", origin, "--caller-reference", str(uuid.uuid4())],
                         env=env, capture_output=True, text=True, timeout=60)
    if out.returncode != 0:
        t.fail(f"aws route53 create-hosted-zone: {out.stderr}")
    zone = json.loads(out.stdout)["HostedZone"]["Id"]
    out = subprocess.run(base + ["list-hosted-zones-by-name", "--dns-name", origin], env=env, capture_output=True,
                         text=True, timeout=60)
    if out.returncode != 0 or zone not in out.stdout:
        t.fail(f"aws route53 list-hosted-zones-by-name: {out.stderr or out.stdout}")
    subprocess.run(base + ["delete-hosted-zone", "--id", zone], env=env, check=True, capture_output=True, timeout=60)
    print("ok  aws route53 create / list-by-name / delete")


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    endpoint, key, secret = sys.argv[1:4]
    c = client(endpoint, key, secret)
    run = uuid.uuid4().hex[:8]
    check_zones_and_records(c, f"r{run}.api-client.test.")
    check_health_checks(c)
    check_signatures(endpoint, key)
    check_cli(endpoint, key, secret, f"cli{run}.api-client.test.")
    print("route53 api client: all checks passed")


if __name__ == "__main__":
    main()
