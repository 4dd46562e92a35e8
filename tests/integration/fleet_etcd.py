#!/usr/bin/python3
"""Two fastzoned servers acting as one on a real 3-member etcd cluster (store.etcd):

  The first server moves its zone into etcd; the second loads it from there. An RFC 2136
  UPDATE to either server is one etcd transaction, and the other server serves it within
  moments (its watch of the prefix; the time is printed). Two UPDATEs racing for the same
  name (each with the prerequisite that the name is unused) from the two servers: exactly
  one wins, and both servers end up serving the winner's value alone. With one etcd member
  killed the quorum holds and changes still apply; a server killed with kill -9 and
  restarted serves everything from etcd at once.

usage: fleet_etcd.py FASTZONED
exit: 0 pass, 1 fail (with the reason), 77 skip (etcd or dnspython missing)
"""

import os
import shutil
import signal
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fztest import check, fail  # noqa: E402  (puts tests/support on the path)
from ports import free_port  # noqa: E402
from servers import Fastzoned  # noqa: E402
from xfrtest import run_test, wait_for  # noqa: E402  (skips without dnspython)
from etcd import EtcdCluster  # noqa: E402
import dns.message  # noqa: E402
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


def conf(work, name, port, endpoints):
    path = os.path.join(work, f"{name}.yaml")
    with open(path, "w") as f:
        f.write(f"""server:
  listen: 127.0.0.1@{port}
  workers: 1
control:
  socket: {work}/{name}.sock
node:
  name: {name}
store:
  etcd:
    endpoints: [{", ".join(endpoints)}]
    prefix: /fastzone-test/
    max_txn_ops: 4096
acl:
  - id: local-update
    addresses: [127.0.0.0/8]
    actions: [update]
zones:
  - origin: fleet.example.
    file: fleet.example.zone
    acl: [local-update]
""")
    return path


def answer(port, name, rdtype="A"):
    q = dns.message.make_query(name, rdtype)
    try:
        r = dns.query.udp(q, "127.0.0.1", port=port, timeout=2)
    except Exception:  # noqa: BLE001: no answer
        return None
    return sorted(rd.to_text() for rrset in r.answer for rd in rrset)


def update(port, build, prereq=None):
    u = dns.update.UpdateMessage("fleet.example.")
    if prereq:
        prereq(u)
    build(u)
    return dns.query.tcp(u, "127.0.0.1", port=port, timeout=10).rcode()


def main():
    if len(sys.argv) < 2:
        print(__doc__)
        return 2
    if shutil.which("etcd") is None:
        print("SKIP: etcd is not installed (Debian: etcd-server)")
        return 77
    fastzoned = os.path.abspath(sys.argv[1])
    return run_test("fz-fleet-", lambda work, servers: scenario(fastzoned, work, servers))


def scenario(fastzoned, work, servers):
    with open(os.path.join(work, "fleet.example.zone"), "w") as f:
        f.write(ZONE)
    cluster = EtcdCluster(work, 3)
    servers.extend(cluster.members)
    try:
        cluster.start()
    except RuntimeError as e:
        fail(str(e))
    ports = {"ns1": free_port(), "ns2": free_port()}
    nodes = {}
    for name in ("ns1", "ns2"):
        nodes[name] = Fastzoned(fastzoned, conf(work, name, ports[name], cluster.endpoints), ports[name],
                                log_path=os.path.join(work, f"{name}.log"))
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

    # kill -9 and restart: everything is served from etcd at once.
    os.kill(nodes["ns1"].pid, signal.SIGKILL)
    nodes["ns1"].proc.wait()
    nodes["ns1"].stopped = True
    again = Fastzoned(fastzoned, conf(work, "ns1", a, cluster.endpoints), a,
                      log_path=os.path.join(work, "ns1-again.log"))
    servers.append(again)
    again.start()
    again.wait_ready("fleet.example.")
    served = [answer(a, f"{n}.fleet.example.") for n in ("one", "two", "race", "quorum")]
    check(served == [["192.0.2.1"], ["192.0.2.2"], [value], ["192.0.2.3"]],
          f"after kill -9 the restarted server serves every change from etcd ({served})")


if __name__ == "__main__":
    sys.exit(main())
