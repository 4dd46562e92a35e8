#!/usr/bin/python3
"""Health checked from every server of a fleet, as Route 53 checks from many places at once.

  A 3-member etcd cluster and three fastzoned servers: ns1 and ns2 here, ns3 inside a
  network namespace of the test's own (a veth pair). A health check created through ns1's
  API probes an HTTP server of the test; failover record sets use it. Every server probes
  it and publishes what it sees under its lease; each aggregates all three observations
  with Route 53's rule (healthy when more than 18% of the checkers say so).

  - GetHealthCheckStatus, asked of any server, lists the three checkers' observations.
  - An nft rule inside ns3's namespace cuts ns3's path to the endpoint (TCP reset): ns3's
    own observation turns to Failure, but the aggregate stays healthy (2 of 3) and no
    server's answer changes; `fastzonectl health` says "checkers 2 of 3 healthy".
  - The endpoint really failing (HTTP 503 for everyone): every server fails over.
  - Back up, rule removed: every server answers the primary again.
  - All of it while dnsperf queries ns1: no query is lost.
  - ns3 killed with kill -9: its observations go with its lease.

usage: fleet_health.py FASTZONED
exit: 0 pass, 1 fail (with the reason), 77 skip (etcd, nft, dnsperf, boto3 or dnspython missing, or not root)
"""

import http.server
import os
import signal
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fztest import Cleanup, Netns, check, fail, require_root  # noqa: E402  (puts tests/support on the path)
from ports import free_port  # noqa: E402
from servers import Fastzoned  # noqa: E402
from xfrtest import fastzoned_argument, run_test, wait_for  # noqa: E402  (skips without dnspython)
from fleettest import Dnsperf, answer as answer_at, route53, write_credentials  # noqa: E402  (skips without boto3)
from etcd import EtcdCluster, write_fleet_config  # noqa: E402

ORIGIN = "fleet.example."
PRIMARY, SECONDARY = "192.0.2.10", "192.0.2.20"

ZONE = """$ORIGIN fleet.example.
$TTL 300
@   SOA ns1 hostmaster 1 3600 600 86400 60
@   NS  ns1
ns1 A   192.0.2.53
"""


class Endpoint:
    """The HTTP server the health check probes: 200 while `up`, 503 otherwise."""

    def __init__(self, address):
        endpoint = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (the http.server name)
                code = 200 if endpoint.up else 503
                body = b"ok\n" if endpoint.up else b"down\n"
                self.send_response(code)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.up = True
        self.server = http.server.ThreadingHTTPServer((address, 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def conf(work, name, address, port, api_port, endpoints):
    return write_fleet_config(work, name, f"{address}@{port}", endpoints, "/fastzone-health-test/", sections=f"""api:
  listen: {address}@{api_port}
  credentials: credentials.json
health:
  aggregate_threshold: 0.18
""")


def answer(address, port):
    return answer_at(address, port, "www." + ORIGIN)


def observations(r53, hc_id):
    """{checker: status text} of GetHealthCheckStatus."""
    obs = r53.get_health_check_status(HealthCheckId=hc_id)["HealthCheckObservations"]
    return {o["Region"]: o["StatusReport"]["Status"] for o in obs}


def health_line(ctl, work, name, hc_id):
    out = subprocess.run([ctl, "-s", os.path.join(work, f"{name}.sock"), "health"], capture_output=True, text=True)
    return next((line for line in out.stdout.splitlines() if line.startswith(hc_id + " ")), "")


def nft_cut(ns, address, port):
    """A rule in `ns`'s own firewall: TCP to address:port is reset (the path is cut)."""
    ruleset = (f"table inet fzcut {{\n  chain out {{\n    type filter hook output priority 0;\n"
               f"    ip daddr {address} tcp dport {port} reject with tcp reset\n  }}\n}}\n")
    r = subprocess.run(["ip", "netns", "exec", ns.name, "nft", "-f", "-"], input=ruleset, capture_output=True,
                       text=True)
    check(r.returncode == 0, f"an nft rule inside {ns.name} cuts {address}:{port}" +
          (f": {r.stderr.strip()}" if r.returncode else ""))


def main():
    fastzoned = fastzoned_argument(__doc__, {"etcd": "etcd-server", "nft": "nftables", "dnsperf": "dnsperf"})
    require_root()
    with Cleanup() as cleanup:
        ns = Netns(cleanup, "fh", v4="10.53.31", v6="fd53:31::", host_address=True)
        return run_test("fz-fleet-health-", lambda work, servers: scenario(fastzoned, work, servers, ns, cleanup))


def scenario(fastzoned, work, servers, ns, cleanup):
    ctl = os.path.join(os.path.dirname(fastzoned), "fastzonectl")
    outer = ns.server_v4  # this side's address: ns3 reaches etcd and the endpoint there
    with open(os.path.join(work, "fleet.example.zone"), "w") as f:
        f.write(ZONE)
    write_credentials(work)
    endpoint = Endpoint(outer)
    cleanup.add(endpoint.close)
    cluster = EtcdCluster(work, 3, host=outer)
    servers.extend(cluster.members)
    try:
        cluster.start()
    except RuntimeError as e:
        fail(str(e))

    where = {"ns1": "127.0.0.1", "ns2": "127.0.0.1", "ns3": ns.client_v4}
    ports = {n: free_port() for n in where}
    api_ports = {n: free_port() for n in where}
    nodes = {}
    for name, address in where.items():
        node = Fastzoned(fastzoned, conf(work, name, address, ports[name], api_ports[name], cluster.endpoints),
                         ports[name], log_path=os.path.join(work, f"{name}.log"), host=address)
        servers.append(node)
        # ip netns exec execs fastzoned: the PID stays the server's.
        node.start(wrap=(lambda argv: ["ip", "netns", "exec", ns.name, *argv]) if name == "ns3" else None)
        node.wait_ready(ORIGIN)
        nodes[name] = node
    # Parameter validation off: the check probes every second, below the model's minimum of 10.
    r53 = {n: route53(a, api_ports[n], parameter_validation=False, retries={"max_attempts": 3})
           for n, a in where.items()}
    wait_for(lambda: any(z["Name"] == ORIGIN for z in r53["ns3"].list_hosted_zones()["HostedZones"]),
             "the zone in etcd listed by ns3", 20)
    zone_id = next(z["Id"].split("/")[-1] for z in r53["ns1"].list_hosted_zones()["HostedZones"]
                   if z["Name"] == ORIGIN)

    hc = r53["ns1"].create_health_check(CallerReference="fleet-health-1", HealthCheckConfig={
        "Type": "HTTP", "IPAddress": outer, "Port": endpoint.port, "ResourcePath": "/",
        "RequestInterval": 1, "FailureThreshold": 1})
    hc_id = hc["HealthCheck"]["Id"]
    changes = [{"Action": "CREATE", "ResourceRecordSet": {
        "Name": "www." + ORIGIN, "Type": "A", "TTL": 60, "SetIdentifier": role, "Failover": role,
        "ResourceRecords": [{"Value": value}], **({"HealthCheckId": hc_id} if role == "PRIMARY" else {})}}
        for role, value in (("PRIMARY", PRIMARY), ("SECONDARY", SECONDARY))]
    change = r53["ns1"].change_resource_record_sets(HostedZoneId=zone_id, ChangeBatch={"Changes": changes})
    wait_for(lambda: r53["ns1"].get_change(Id=change["ChangeInfo"]["Id"])["ChangeInfo"]["Status"] == "INSYNC",
             "the failover record sets INSYNC on all three servers", 20)

    def everyone_answers(value, names=tuple(where)):
        return all(answer(where[n], ports[n]) == [value] for n in names)

    def all_say(r53_client, prefix):
        obs = observations(r53_client, hc_id)
        return sorted(obs) == ["ns1", "ns2", "ns3"] and all(s.startswith(prefix) for s in obs.values())

    seconds = wait_for(lambda: all(all_say(r53[n], "Success") for n in where),
                       "GetHealthCheckStatus listing three healthy checkers on every server", 30)
    print(f"     three checkers' observations on every server {seconds:.1f} s after the record sets were INSYNC")
    obs = observations(r53["ns2"], hc_id)
    check(sorted(obs) == ["ns1", "ns2", "ns3"] and "HTTP 200" in obs["ns3"],
          f"GetHealthCheckStatus through ns2 lists each checker's observation ({obs})")
    check(everyone_answers(PRIMARY), "all three servers answer the healthy primary")

    # dnsperf on ns1 from here on: not one query may be lost while health changes.
    perf = Dnsperf(work, ports["ns1"], ["www.fleet.example. A", "fleet.example. SOA"])

    # ns3's path to the endpoint cut: its own view fails, the aggregate does not.
    nft_cut(ns, outer, endpoint.port)
    seconds = wait_for(lambda: observations(r53["ns1"], hc_id).get("ns3", "").startswith("Failure"),
                       "ns3's observation Failure, seen through ns1", 20)
    obs = observations(r53["ns1"], hc_id)
    check(obs["ns1"].startswith("Success") and obs["ns2"].startswith("Success") and obs["ns3"].startswith("Failure"),
          f"with ns3's path cut, GetHealthCheckStatus lists its Failure beside two Successes ({seconds:.1f} s; {obs})")
    unchanged = True
    for _ in range(30):  # three seconds of answers: 3 probes of the 1 s interval
        unchanged &= everyone_answers(PRIMARY)
        time.sleep(0.1)
    check(unchanged, "with one checker of three cut off, no server's answer changes (2 of 3 is more than 18%)")
    line = health_line(ctl, work, "ns3", hc_id)
    check(": healthy" in line and "checkers 2 of 3 healthy" in line,
          f"fastzonectl health on ns3: the aggregate is healthy, 2 of 3 checkers ({line})")

    # The endpoint really down: everyone sees it, everyone fails over.
    endpoint.up = False
    seconds = wait_for(lambda: everyone_answers(SECONDARY), "all three servers failing over", 20)
    check(all_say(r53["ns3"], "Failure"), f"the endpoint down for all: every server fails over ({seconds:.1f} s)")
    line = health_line(ctl, work, "ns1", hc_id)
    check(": UNHEALTHY" in line and "checkers 0 of 3 healthy" in line, f"fastzonectl health on ns1 ({line})")

    # Back up, and ns3's path restored.
    endpoint.up = True
    ns.exec("nft", "delete", "table", "inet", "fzcut", check=True)
    seconds = wait_for(lambda: everyone_answers(PRIMARY), "all three servers back on the primary", 20)
    wait_for(lambda: all_say(r53["ns1"], "Success"), "three healthy checkers again", 20)
    check(everyone_answers(PRIMARY), f"the endpoint back and ns3's path restored: the primary again ({seconds:.1f} s)")

    sent, lost = perf.finish()
    check(sent > 0 and lost == 0, f"dnsperf on ns1 throughout: {sent} queries sent, {lost} lost")

    # A checker that dies takes its observations with its lease.
    os.kill(nodes["ns3"].pid, signal.SIGKILL)
    nodes["ns3"].proc.wait()
    nodes["ns3"].stopped = True
    seconds = wait_for(lambda: sorted(observations(r53["ns1"], hc_id)) == ["ns1", "ns2"],
                       "ns3's observations gone after kill -9", 20)
    check(everyone_answers(PRIMARY, ("ns1", "ns2")),
          f"ns3 killed: its observations leave with its lease ({seconds:.1f} s, lease 4 s), the others answer on")


if __name__ == "__main__":
    sys.exit(main())
