"""What the fleet tests share: the Route 53 API's credentials and a boto3 client for one
server of the fleet, and the answer a server gives. Needs boto3 (Debian: python3-boto3)
and dnspython: without them, importing this module skips the test (exit 77)."""

import atexit
import json
import os
import re
import signal
import subprocess
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


class Dnsperf:
    """dnsperf against 127.0.0.1@port, `rate` queries a second for `names` (name and type
    lines), until finish(); stopped (by its PID) if the test ends first. The fleet tests
    check that not one query is lost while servers, etcd members and health change."""

    def __init__(self, work, port, names, rate=2000):
        queries = os.path.join(work, f"queries-{port}.txt")
        with open(queries, "w") as f:
            f.write("".join(line + "\n" for line in names))
        self.proc = subprocess.Popen(["dnsperf", "-s", "127.0.0.1", "-p", str(port), "-d", queries, "-l", "900",
                                      "-Q", str(rate), "-c", "2", "-t", "5"], stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, text=True)
        atexit.register(self.kill)

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def finish(self):
        """(queries sent, queries lost); -1 for a figure dnsperf did not print."""
        self.proc.send_signal(signal.SIGINT)  # dnsperf prints its statistics on SIGINT
        text, _ = self.proc.communicate(timeout=30)
        figures = [re.search(rf"Queries {what}:\s+(\d+)", text) for what in ("sent", "lost")]
        return tuple(int(m.group(1)) if m else -1 for m in figures)
