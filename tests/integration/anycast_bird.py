#!/usr/bin/python3
"""Anycast announcement through BIRD 2: the route to the service address is at the router
only while fastzoned serves current data.

  Namespace S (the server): fastzoned on a 1-member etcd cluster (in this namespace, on
  the host side of a veth pair to S) with `anycast: {addresses: [192.0.2.53/32],
  stale_limit: 3s}` (and 2001:db8::53/128, checked on S only), and BIRD "S" announcing
  `protocol direct` of fz-anycast over BGP.
  Namespace R (the router): BIRD "R", with a BGP session to S over a second veth pair,
  imports all. BGP hold time 3 s, connect retry 1 s.

  - fastzoned serving: 192.0.2.53/32 at R; on S the address has a finite lifetime.
  - SIGTERM: the route leaves R (fastzoned withdraws before anything else stops).
  - Started again: the route is back.
  - etcd stopped: the data goes stale; past stale_limit (3 s) the route leaves R while
    fastzoned still answers; etcd started again: the route is back.
  - kill -9: nothing refreshes the address; the kernel removes it when its lifetime (5 s)
    runs out and the route leaves R. Started again: back, and the interface the killed
    one made is removed by the next clean stop.

usage: anycast_bird.py FASTZONED
exit: 0 pass, 1 fail (with the reason), 77 skip (bird2, etcd or dnspython missing, or not root)
"""

import os
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fztest import Cleanup, Netns, check, fail, require_root  # noqa: E402  (puts tests/support on the path)
from ports import free_port  # noqa: E402
from servers import Fastzoned, Server  # noqa: E402
from xfrtest import fastzoned_argument, run_test, wait_for  # noqa: E402  (skips without dnspython)
from etcd import EtcdCluster, write_fleet_config  # noqa: E402

ORIGIN = "anycast.example."
PREFIX = "192.0.2.53/32"
PREFIX6 = "2001:db8::53/128"  # on S only: the BGP session carries IPv4
LIFETIME = 5  # Anycast::kLifetimeSeconds
S_BGP, R_BGP = "10.53.35.1", "10.53.35.2"

ZONE = """$ORIGIN anycast.example.
$TTL 300
@   SOA ns1 hostmaster 1 3600 600 86400 60
@   NS  ns1
ns1 A   192.0.2.53
"""

BGP_TIMERS = """  hold time 3;
  keepalive time 1;
  connect retry time 1;
  error wait time 1, 5;"""


def bird_conf(work, name, router_id, local_as, neighbor, neighbor_as, channel):
    path = os.path.join(work, f"bird-{name}.conf")
    with open(path, "w") as f:
        f.write(f"""log "{work}/bird-{name}-events.log" all;
router id {router_id};
protocol device {{ }}
""" + ("""protocol direct anycast {
  ipv4;
  ipv6;
  interface "fz-anycast";
}
""" if name == "S" else "") + f"""protocol bgp peer {{
  local {router_id} as {local_as};
  neighbor {neighbor} as {neighbor_as};
{BGP_TIMERS}
  ipv4 {{ {channel} }};
}}
""")
    return path


class Bird(Server):
    """bird -f in a namespace (ip netns exec execs it: the PID stays BIRD's)."""

    def __init__(self, work, name, ns, conf):
        self.sock = os.path.join(work, f"bird-{name}.sock")
        argv = ["ip", "netns", "exec", ns, "bird", "-f", "-c", conf, "-s", self.sock,
                "-P", os.path.join(work, f"bird-{name}.pid")]
        super().__init__(argv, log_path=os.path.join(work, f"bird-{name}.log"))
        self.name = f"bird {name}"

    def ask(self, *command):
        return subprocess.run(["birdc", "-s", self.sock, *command], capture_output=True, text=True,
                              timeout=5).stdout


def fastzoned_conf(work, address, port, etcd_endpoints):
    return write_fleet_config(work, "ns1", f"{address}@{port}", etcd_endpoints, "/fastzone-anycast-test/",
                              sections=f"""anycast:
  addresses: [{PREFIX}, "{PREFIX6}"]
  stale_limit: 3s
""", zone=ORIGIN)


def main():
    fastzoned = fastzoned_argument(__doc__, {"bird": "bird2", "birdc": "bird2", "etcd": "etcd-server"})
    require_root()
    with Cleanup() as cleanup:
        ns = Netns(cleanup, "ac", v4="10.53.34", v6="fd53:34::", host_address=True)
        router = f"fzt-acr-{os.getpid()}"
        cleanup.add(lambda: subprocess.run(["ip", "netns", "del", router], capture_output=True))
        link_s, link_r = f"fzas{os.getpid() % 100000}", f"fzar{os.getpid() % 100000}"
        for cmd in (["ip", "netns", "add", router],
                    ["ip", "link", "add", link_s, "netns", ns.name, "type", "veth", "peer", "name", link_r,
                     "netns", router],
                    ["ip", "-n", router, "link", "set", "lo", "up"],
                    ["ip", "-n", ns.name, "addr", "add", f"{S_BGP}/30", "dev", link_s],
                    ["ip", "-n", router, "addr", "add", f"{R_BGP}/30", "dev", link_r],
                    ["ip", "-n", ns.name, "link", "set", link_s, "up"],
                    ["ip", "-n", router, "link", "set", link_r, "up"]):
            r = subprocess.run(cmd, capture_output=True, text=True)
            if r.returncode != 0:
                fail(f"{' '.join(cmd)}: {r.stderr.strip()}")
        return run_test("fz-anycast-", lambda work, servers: scenario(fastzoned, work, servers, ns, router))


def scenario(fastzoned, work, servers, ns, router):
    ctl = os.path.join(os.path.dirname(fastzoned), "fastzonectl")
    with open(os.path.join(work, "anycast.example.zone"), "w") as f:
        f.write(ZONE)
    cluster = EtcdCluster(work, 1, host=ns.server_v4)
    servers.extend(cluster.members)
    try:
        cluster.start()
    except RuntimeError as e:
        fail(str(e))

    bird_s = Bird(work, "S", ns.name, bird_conf(work, "S", S_BGP, 65053, R_BGP, 65000,
                                                 f"import none; export where net ~ [ {PREFIX} ];"))
    bird_r = Bird(work, "R", router, bird_conf(work, "R", R_BGP, 65000, S_BGP, 65053, "import all; export none;"))
    for b in (bird_s, bird_r):
        servers.append(b)
        b.start()
    seconds = wait_for(lambda: "Established" in bird_r.ask("show", "protocols", "peer"),
                       "the BGP session between BIRD S and BIRD R established", 30)
    print(f"     BGP session established in {seconds:.1f} s")

    def route_at_r():
        return PREFIX in bird_r.ask("show", "route", PREFIX)

    def addresses_on_s():
        return ns.exec("ip", "-o", "addr", "show", "dev", "fz-anycast").stdout

    def interface_on_s():
        return ns.exec("ip", "link", "show", "fz-anycast").returncode == 0

    def status():
        out = subprocess.run([ctl, "-s", os.path.join(work, "ns1.sock"), "status"], capture_output=True, text=True)
        return next((line for line in out.stdout.splitlines() if line.startswith("anycast:")), "")

    check(not route_at_r(), f"no route to {PREFIX} at R before fastzoned runs")
    port = free_port()
    config = fastzoned_conf(work, ns.client_v4, port, cluster.endpoints)
    run = [0]

    def start_server():
        run[0] += 1
        node = Fastzoned(fastzoned, config, port, log_path=os.path.join(work, f"ns1-{run[0]}.log"), host=ns.client_v4)
        servers.append(node)
        node.start(wrap=lambda argv: ["ip", "netns", "exec", ns.name, *argv])
        node.wait_ready(ORIGIN)
        return node, wait_for(route_at_r, f"{PREFIX} at R after fastzoned started (run {run[0]})", 20)

    node, seconds = start_server()
    check(True, f"fastzoned serving: {PREFIX} at R {seconds:.2f} s after it answered")
    line = next((x for x in addresses_on_s().splitlines() if PREFIX in x), "")
    check("valid_lft" in line and "valid_lft forever" not in line,
          f"on S the address has a finite lifetime (a dead man's switch): {' '.join(line.split()[3:])}")
    line = next((x for x in addresses_on_s().splitlines() if PREFIX6 in x), "")
    check("valid_lft" in line and "forever" not in line and "tentative" not in line,
          f"and so has the IPv6 one, without duplicate address detection: {' '.join(line.split()[3:])}")
    line = status()
    check(line.startswith("anycast: announced: serving;"), f"fastzonectl status: {line}")

    # SIGTERM: withdrawn first, before the server stops answering.
    t0 = time.monotonic()
    node.proc.send_signal(signal.SIGTERM)
    node.stopped = True
    seconds = wait_for(lambda: not route_at_r(), f"{PREFIX} gone from R after SIGTERM", 10)
    node.proc.wait(10)
    exited = time.monotonic() - t0
    check(True, f"SIGTERM: {PREFIX} gone from R {seconds * 1000:.0f} ms after the signal (fastzoned exited "
                f"after {exited:.2f} s)")
    text = node.log_text()
    withdrawn = text.find("anycast: withdrawn")
    check(0 <= withdrawn < text.find("msg=stopped") and "reason=stopping" in text[withdrawn:withdrawn + 200],
          "the log says \"anycast: withdrawn reason=stopping\" before \"stopped\"")
    check(not interface_on_s(), "the fz-anycast interface fastzoned made is removed on stop")

    node, seconds = start_server()
    check(True, f"started again: {PREFIX} back at R {seconds:.2f} s after it answered")

    # etcd away: the data is stale past stale_limit (3 s).
    cluster.members[0].stop()
    seconds = wait_for(lambda: not route_at_r(), f"{PREFIX} gone from R with etcd stopped", 15)
    # Stale from etcd's last answer, up to a second (the fleet's read interval) before the stop.
    check(seconds > 1.9, f"etcd stopped: {PREFIX} gone from R {seconds:.2f} s later (stale_limit 3 s)")
    line = status()
    check(line.startswith("anycast: WITHDRAWN: data stale for") and "1 withdrawals" in line,
          f"fastzonectl status: {line}")
    node.wait_ready(ORIGIN, timeout=2)
    check(True, "withdrawn for stale data, fastzoned still answers the clients that reach it")
    t0 = time.monotonic()
    cluster.restart(0)
    servers.append(cluster.members[0])
    seconds = wait_for(route_at_r, f"{PREFIX} back at R after etcd started again", 30)
    check(True, f"etcd started again: {PREFIX} back at R {time.monotonic() - t0:.2f} s after the restart")

    # kill -9: the kernel removes the address when its lifetime runs out.
    t0 = time.monotonic()
    os.kill(node.pid, signal.SIGKILL)
    node.proc.wait()
    node.stopped = True
    seconds = wait_for(lambda: not route_at_r(), f"{PREFIX} gone from R after kill -9", LIFETIME + 5)
    check(seconds <= LIFETIME + 1.5, f"kill -9: {PREFIX} gone from R {seconds:.2f} s later (address lifetime "
                                     f"{LIFETIME} s)")
    check(interface_on_s() and PREFIX not in addresses_on_s(),
          "after kill -9 the interface stays on S, without the address")

    node, seconds = start_server()
    check(True, f"started again after kill -9: {PREFIX} back at R {seconds:.2f} s after it answered")
    node.stop()
    check(not interface_on_s() and not route_at_r(),
          "a clean stop removes the interface the killed fastzoned made (its alias marks it) and the route")


if __name__ == "__main__":
    sys.exit(main())
