"""What the fleet tests share: the Route 53 API's credentials and a boto3 client for one
server of the fleet, and the answer a server gives. Needs boto3 (Debian: python3-boto3)
and dnspython: without them, importing this module skips the test (exit 77)."""

import json
import os
import sys

import xfrtest  # noqa: F401  (skips without dnspython)
import dns.message
import dns.query

try:
    import boto3
    import botocore.config
except ImportError:
    print("SKIP: boto3 is not installed for this python (Debian: python3-boto3)")
    sys.exit(77)

KEY_ID, SECRET = "AKIAFLEETTEST0000001", "fleet-test-secret-key-0000000000000000000"


def write_credentials(work):
    """work/credentials.json: one key allowed everything, for the servers' api.credentials."""
    with open(os.path.join(work, "credentials.json"), "w") as f:
        json.dump({"AccessKeys": [{"AccessKeyId": KEY_ID, "SecretAccessKey": SECRET, "Actions": ["route53:*"],
                                   "HostedZones": ["*"]}]}, f)


def route53(address, api_port, **config):
    """A boto3 Route 53 client of the API at address:api_port; `config` goes to botocore."""
    return boto3.client("route53", endpoint_url=f"http://{address}:{api_port}", region_name="us-east-1",
                        aws_access_key_id=KEY_ID, aws_secret_access_key=SECRET,
                        config=botocore.config.Config(**config) if config else None)


def answer(address, port, name, rdtype="A"):
    """The sorted rdata texts of the answer to name/rdtype over UDP; None without one."""
    try:
        r = dns.query.udp(dns.message.make_query(name, rdtype), address, port=port, timeout=2)
    except Exception:  # noqa: BLE001: no answer
        return None
    return sorted(rd.to_text() for rrset in r.answer for rd in rrset)
