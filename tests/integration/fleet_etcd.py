#!/usr/bin/python3
"""Two fastzoned servers acting as one on a real 3-member etcd cluster (store.etcd):

  The first server moves its zone into etcd; the second loads it from there. An RFC 2136
  UPDATE to either server is one etcd transaction, and the other server serves it within
  moments (its watch of the prefix; the time is printed). `fastzonectl fleet` lists both
  servers with the revision each serves. A change through the Route 53 API (boto3) is
  INSYNC only once both serve it: with the second server stopped (SIGSTOP) it stays
  PENDING, and turns INSYNC when it runs again. A health check created, then deleted,
  through one server's API is listed, then no longer, by the other's. A zone signed
  through ns1's API (CreateKeySigningKey, EnableHostedZoneDNSSEC) is served by ns2 with the
  same DNSKEY set. Two UPDATEs racing for the same
  name (each with the prerequisite that the name is unused) from the two servers: exactly
  one wins, and both servers end up serving the winner's value alone. With one etcd member
  killed the quorum holds and changes still apply; with two killed both servers keep
  answering, an API change is refused (ServiceUnavailable) and `fastzonectl fleet` says
  since when the data is stale; with the quorum back changes apply and the servers catch
  up. ns1, killed while etcd has no quorum, starts again on its local copy
  (store.etcd.local_copy) and serves it at once, refusing changes until etcd answers; then
  it takes etcd's data and changes again. ns1 killed with kill -9 in the middle of a
  stream of UPDATEs and restarted serves everything from etcd at once, each change it
  acknowledged among it, as ns2 does. dnsperf queries ns2 through all of it from the
  INSYNC check on: not one query is lost. A server killed leaves the fleet's list when its
  lease runs out.

usage: fleet_etcd.py FASTZONED
exit: 0 pass, 1 fail (with the reason), 77 skip (etcd, dnsperf, boto3 or dnspython missing)
"""

import os
import signal
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fztest import check, fail  # noqa: E402  (puts tests/support on the path)
from ports import free_port  # noqa: E402
from servers import Fastzoned  # noqa: E402
from xfrtest import fastzoned_argument, run_test, wait_for  # noqa: E402  (skips without dnspython)
from fleettest import Dnsperf, answer as answer_at, route53, write_credentials  # noqa: E402  (skips without boto3)
from etcd import EtcdCluster, write_fleet_config  # noqa: E402
import botocore.exceptions  # noqa: E402
import dns.query  # noqa: E402
import dns.rcode  # noqa: E402
import dns.update  # noqa: E402

ZONE = """$ORIGIN fleet.example.
$TTL 300
@   SOA ns1 hostmaster 1 3600 600 86400 60
@   NS  ns1
ns1 A   192.0.2.53
www A   192.0.2.10
"""


def conf(work, name, port, api_port, endpoints):
    # ns1 keeps a local copy (store.etcd.local_copy) to start on while etcd has no quorum.
    return write_fleet_config(work, name, f"127.0.0.1@{port}", endpoints, "/fastzone-test/", sections=f"""api:
  listen: 127.0.0.1@{api_port}
  credentials: credentials.json
""", etcd_options=f"local_copy: copy-{name}" if name == "ns1" else "")


def fleet_lines(ctl, work, name):
    out = subprocess.run([ctl, "-s", os.path.join(work, f"{name}.sock"), "fleet"], capture_output=True, text=True)
    return [line for line in out.stdout.splitlines() if line.startswith("server ")]


def api_change(r53, zone_id, name, value):
    """UPSERTs name A value; the change's id."""
    r = r53.change_resource_record_sets(HostedZoneId=zone_id, ChangeBatch={"Changes": [{
        "Action": "UPSERT", "ResourceRecordSet": {"Name": name, "Type": "A", "TTL": 60,
                                                  "ResourceRecords": [{"Value": value}]}}]})
    return r["ChangeInfo"]["Id"]


def answer(port, name, rdtype="A"):
    return answer_at("127.0.0.1", port, name, rdtype)


def update(port, build, prereq=None):
    u = dns.update.UpdateMessage("fleet.example.")
    if prereq:
        prereq(u)
    build(u)
    return dns.query.tcp(u, "127.0.0.1", port=port, timeout=10).rcode()


def main():
    fastzoned = fastzoned_argument(__doc__, {"etcd": "etcd-server", "dnsperf": "dnsperf"})
    return run_test("fz-fleet-", lambda work, servers: scenario(fastzoned, work, servers))


def scenario(fastzoned, work, servers):
    ctl = os.path.join(os.path.dirname(fastzoned), "fastzonectl")
    with open(os.path.join(work, "fleet.example.zone"), "w") as f:
        f.write(ZONE)
    write_credentials(work)
    cluster = EtcdCluster(work, 3)
    servers.extend(cluster.members)
    try:
        cluster.start()
    except RuntimeError as e:
        fail(str(e))
    ports = {"ns1": free_port(), "ns2": free_port()}
    api_ports = {"ns1": free_port(), "ns2": free_port()}
    nodes = {}
    for name in ("ns1", "ns2"):
        nodes[name] = Fastzoned(fastzoned, conf(work, name, ports[name], api_ports[name], cluster.endpoints),
                                ports[name], log_path=os.path.join(work, f"{name}.log"))
        servers.append(nodes[name])
        nodes[name].start()
        nodes[name].wait_ready("fleet.example.")
    a, b = ports["ns1"], ports["ns2"]
    check(answer(a, "www.fleet.example.") == ["192.0.2.10"] == answer(b, "www.fleet.example."),
          "both servers serve the zone, the second loaded from etcd")

    # A change through one server, served by the other.
    t0 = time.monotonic()
    rcode = update(a, lambda u: u.add("one.fleet.example.", 300, "A", "192.0.2.1"))
    check(rcode == dns.rcode.NOERROR, f"an UPDATE to ns1 is applied ({dns.rcode.to_text(rcode)})")
    seconds = wait_for(lambda: answer(b, "one.fleet.example.") == ["192.0.2.1"], "ns1's change served by ns2", 10)
    print(f"     UPDATE answered by ns1 to the change served by ns2: {seconds * 1000:.0f} ms "
          f"({(time.monotonic() - t0) * 1000:.0f} ms from before the UPDATE)")
    rcode = update(b, lambda u: u.add("two.fleet.example.", 300, "A", "192.0.2.2"))
    check(rcode == dns.rcode.NOERROR, "an UPDATE to ns2 is applied")
    wait_for(lambda: answer(a, "two.fleet.example.") == ["192.0.2.2"], "ns2's change served by ns1", 10)
    check(answer(a, "two.fleet.example.") == ["192.0.2.2"] == answer(b, "two.fleet.example."),
          "a change through either server is served by both")

    # The fleet as each server sees it.
    wait_for(lambda: len(fleet_lines(ctl, work, "ns1")) == 2 and
             all(", lag 0," in line for line in fleet_lines(ctl, work, "ns1")),
             "fastzonectl fleet listing both servers, neither behind", 10)
    lines = fleet_lines(ctl, work, "ns1")
    check(any(line.startswith("server ns1:") and "(this server)" in line for line in lines) and
          any(line.startswith("server ns2:") for line in lines), f"fastzonectl fleet lists both servers ({lines})")

    # INSYNC once every server serves the change.
    r53 = route53("127.0.0.1", api_ports["ns1"])
    r53_once = route53("127.0.0.1", api_ports["ns2"], retries={"max_attempts": 1}, read_timeout=60)
    zone_id = next(z["Id"].split("/")[-1] for z in r53.list_hosted_zones()["HostedZones"]
                   if z["Name"] == "fleet.example.")
    change = api_change(r53, zone_id, "api.fleet.example.", "192.0.2.50")
    wait_for(lambda: r53.get_change(Id=change)["ChangeInfo"]["Status"] == "INSYNC", "the API change INSYNC", 10)
    check(answer(b, "api.fleet.example.") == ["192.0.2.50"], "an API change is INSYNC once the other server serves it")
    os.kill(nodes["ns2"].pid, signal.SIGSTOP)
    try:
        change = api_change(r53, zone_id, "api.fleet.example.", "192.0.2.51")
        time.sleep(1.0)
        status = r53.get_change(Id=change)["ChangeInfo"]["Status"]
        check(status == "PENDING" and answer(a, "api.fleet.example.") == ["192.0.2.51"],
              f"with ns2 stopped the change is served by ns1 but {status}, not INSYNC")
    finally:
        os.kill(nodes["ns2"].pid, signal.SIGCONT)
    seconds = wait_for(lambda: r53.get_change(Id=change)["ChangeInfo"]["Status"] == "INSYNC",
                       "INSYNC after ns2 runs again", 10)
    check(answer(b, "api.fleet.example.") == ["192.0.2.51"],
          f"ns2 running again serves the change, and it turns INSYNC ({seconds:.1f} s after SIGCONT)")
    # From here on dnsperf queries ns2 while health checks, races, etcd members and ns1
    # come and go: not one query may be lost.
    perf = Dnsperf(work, b, ["www.fleet.example. A", "one.fleet.example. A", "fleet.example. SOA"])

    # A health check created through ns1's API is known to ns2's, and its deletion too.
    r53_b = route53("127.0.0.1", api_ports["ns2"])
    hc = r53.create_health_check(CallerReference="fleet-hc-1", HealthCheckConfig={
        "Type": "TCP", "IPAddress": "127.0.0.1", "Port": free_port(), "RequestInterval": 10, "FailureThreshold": 3})
    hc_id = hc["HealthCheck"]["Id"]

    def known_to_ns2():
        return any(c["Id"] == hc_id for c in r53_b.list_health_checks()["HealthChecks"])

    wait_for(known_to_ns2, "the health check created through ns1 listed by ns2", 10)
    check(r53_b.get_health_check(HealthCheckId=hc_id)["HealthCheck"]["HealthCheckConfig"]["Type"] == "TCP",
          "a health check created through one server's API is read back through the other's")
    r53.delete_health_check(HealthCheckId=hc_id)
    wait_for(lambda: not known_to_ns2(), "the deleted health check gone from ns2", 10)
    check(not known_to_ns2(), "a health check deleted through one server is gone from the other")

    # DNSSEC turned on through ns1's API: the keys are in etcd, and ns2 signs with them too.
    arn = "arn:aws:kms:us-east-1:111122223333:key/0d3a1f6c-4b6e-4e7a-9a51-000000000001"
    r53.create_key_signing_key(CallerReference="fleet-ksk-1", HostedZoneId=zone_id, KeyManagementServiceArn=arn,
                               Name="ksk_fleet", Status="ACTIVE")
    change = r53.enable_hosted_zone_dnssec(HostedZoneId=zone_id)["ChangeInfo"]["Id"]
    seconds = wait_for(lambda: r53.get_change(Id=change)["ChangeInfo"]["Status"] == "INSYNC",
                       "EnableHostedZoneDNSSEC INSYNC", 20)
    keys = answer(b, "fleet.example.", "DNSKEY")
    check(any(k.startswith("257 ") for k in keys) and keys == answer(a, "fleet.example.", "DNSKEY"),
          f"a zone signed through ns1's API is served signed by ns2 with the same {len(keys)} keys "
          f"(INSYNC {seconds:.1f} s after the request; {keys})")

    # A race: each server adds race. only if the name is unused; exactly one may win.
    results = {}

    def racer(name, port, value):
        results[name] = update(port, lambda u: u.add("race.fleet.example.", 300, "A", value),
                               prereq=lambda u: u.absent("race.fleet.example."))

    threads = [threading.Thread(target=racer, args=("ns1", a, "192.0.2.101")),
               threading.Thread(target=racer, args=("ns2", b, "192.0.2.102"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    winners = [n for n, r in results.items() if r == dns.rcode.NOERROR]
    check(len(winners) == 1, "two servers racing for one name: exactly one UPDATE wins "
          f"({ {n: dns.rcode.to_text(r) for n, r in results.items()} })")
    value = "192.0.2.101" if winners == ["ns1"] else "192.0.2.102"
    wait_for(lambda: answer(a, "race.fleet.example.") == [value] == answer(b, "race.fleet.example."),
             "both servers serving the race's winner", 10)
    check(answer(a, "race.fleet.example.") == [value], "both servers serve the winner's value alone")

    # One etcd member down: the quorum holds.
    cluster.members[0].stop()
    rcode = update(b, lambda u: u.add("quorum.fleet.example.", 300, "A", "192.0.2.3"))
    check(rcode == dns.rcode.NOERROR, "with one of three etcd members down, a change still applies")
    wait_for(lambda: answer(a, "quorum.fleet.example.") == ["192.0.2.3"], "the change on the other server", 15)

    # Two of three down: no quorum. DNS answers from the last data; a change is refused
    # with ServiceUnavailable; the fleet's view says since when the data is stale.
    cluster.members[1].stop()
    check(answer(a, "quorum.fleet.example.") == ["192.0.2.3"] == answer(b, "quorum.fleet.example."),
          "without etcd's quorum both servers keep answering from their data")
    t0 = time.monotonic()
    try:
        api_change(r53_once, zone_id, "lost.fleet.example.", "192.0.2.60")
        refused = "accepted"
    except botocore.exceptions.ClientError as e:
        refused = e.response["Error"]["Code"]
    check(refused == "ServiceUnavailable",
          f"without quorum an API change is refused: {refused} after {time.monotonic() - t0:.1f} s")
    wait_for(lambda: "stale since" in subprocess.run([ctl, "-s", os.path.join(work, "ns1.sock"), "fleet"],
                                                     capture_output=True, text=True).stdout,
             "fastzonectl fleet saying the data is stale", 20)
    check(answer(a, "lost.fleet.example.") is not None and answer(a, "lost.fleet.example.") == [],
          "the refused change was not applied")
    # ns1 killed while etcd has no quorum: it starts again on its local copy, at once.
    os.kill(nodes["ns1"].pid, signal.SIGKILL)
    nodes["ns1"].proc.wait()
    nodes["ns1"].stopped = True
    t0 = time.monotonic()
    nodes["ns1"] = Fastzoned(fastzoned, conf(work, "ns1", a, api_ports["ns1"], cluster.endpoints), a,
                             log_path=os.path.join(work, "ns1-copy.log"))
    servers.append(nodes["ns1"])
    nodes["ns1"].start()
    nodes["ns1"].wait_ready("fleet.example.", timeout=30)
    seconds = time.monotonic() - t0
    served = [answer(a, f"{n}.fleet.example.") for n in ("one", "two", "race", "quorum")]
    check(served == [["192.0.2.1"], ["192.0.2.2"], [value], ["192.0.2.3"]] and
          "serving the local copy" in nodes["ns1"].log_text(),
          f"restarted without etcd's quorum, ns1 serves its local copy, every change in it, "
          f"{seconds:.1f} s after its start ({served})")
    rcode = update(a, lambda u: u.add("copy.fleet.example.", 300, "A", "192.0.2.61"))
    check(rcode != dns.rcode.NOERROR, f"on its local copy ns1 refuses an UPDATE ({dns.rcode.to_text(rcode)})")
    # Quorum back: changes apply again and both servers catch up.
    for i in (0, 1):
        cluster.restart(i)
    servers.extend(cluster.members[:2])
    wait_for(lambda: update(b, lambda u: u.add("back.fleet.example.", 300, "A", "192.0.2.4")) == dns.rcode.NOERROR,
             "a change applied once etcd has its quorum back", 30)
    wait_for(lambda: answer(a, "back.fleet.example.") == ["192.0.2.4"], "ns1 catching up after the quorum is back", 15)
    check(answer(a, "back.fleet.example.") == ["192.0.2.4"] and "the local copy is replaced" in nodes["ns1"].log_text(),
          "with etcd's quorum back, a change applies and the other server, on its copy until then, catches up")
    wait_for(lambda: update(a, lambda u: u.add("copy.fleet.example.", 300, "A", "192.0.2.61")) == dns.rcode.NOERROR,
             "ns1 taking changes again", 15)
    wait_for(lambda: answer(b, "copy.fleet.example.") == ["192.0.2.61"], "ns1's change served by ns2", 10)

    # kill -9 in the middle of a stream of UPDATEs, and a restart: every change ns1
    # acknowledged is served, by it (from etcd, at once) and by ns2.
    acked, stop_stream = [], threading.Event()

    def stream():
        for i in range(100000):
            if stop_stream.is_set():
                return
            try:
                if update(a, lambda u: u.add(f"s{i}.fleet.example.", 300, "A", "192.0.2.70")) == dns.rcode.NOERROR:
                    acked.append(i)
            except Exception:  # noqa: BLE001: the server is gone
                return

    streamer = threading.Thread(target=stream)
    streamer.start()
    wait_for(lambda: len(acked) >= 10, "ten UPDATEs acknowledged before the kill", 20)
    os.kill(nodes["ns1"].pid, signal.SIGKILL)
    nodes["ns1"].proc.wait()
    nodes["ns1"].stopped = True
    stop_stream.set()
    streamer.join()
    again = Fastzoned(fastzoned, conf(work, "ns1", a, api_ports["ns1"], cluster.endpoints), a,
                      log_path=os.path.join(work, "ns1-again.log"))
    servers.append(again)
    again.start()
    again.wait_ready("fleet.example.")
    served = [answer(a, f"{n}.fleet.example.") for n in ("one", "two", "race", "quorum")]
    missing = [i for i in acked if answer(a, f"s{i}.fleet.example.") != ["192.0.2.70"]]
    wait_for(lambda: answer(b, f"s{acked[-1]}.fleet.example.") == ["192.0.2.70"], "ns2 serving the last change", 10)
    missing_b = [i for i in acked if answer(b, f"s{i}.fleet.example.") != ["192.0.2.70"]]
    check(served == [["192.0.2.1"], ["192.0.2.2"], [value], ["192.0.2.3"]] and not missing and not missing_b,
          f"killed with kill -9 amid UPDATEs, ns1 restarted serves every change from etcd, and each of the "
          f"{len(acked)} it acknowledged, as ns2 does ({served}; missing {missing}, {missing_b} on ns2)")
    sent, lost = perf.finish()
    check(sent > 0 and lost == 0, f"dnsperf on ns2 throughout: {sent} queries sent, {lost} lost")
    os.kill(nodes["ns2"].pid, signal.SIGKILL)
    nodes["ns2"].proc.wait()
    nodes["ns2"].stopped = True
    seconds = wait_for(lambda: [line.split(":")[0] for line in fleet_lines(ctl, work, "ns1")] == ["server ns1"],
                       "ns2 (killed) gone from the fleet", 15)
    lines = fleet_lines(ctl, work, "ns1")
    check(len(lines) == 1 and lines[0].startswith("server ns1:"),
          f"a server killed leaves the fleet's list when its lease runs out ({seconds:.1f} s, lease 4 s)")


if __name__ == "__main__":
    sys.exit(main())
