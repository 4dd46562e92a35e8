"""End to end over a veth pair: queries from a network namespace to fastzoned's DPDK data
plane, IPv4 and IPv6, answers byte-identical to the socket path of the same server.

  af_packet: the kernel holds no address on the host side; the data plane answers ARP and
             neighbour solicitations itself. Then the exception tap gets the addresses, and
             ping and DNS over TCP to them work through the kernel.
  af_xdp:    the kernel keeps the addresses; fastzoned's XDP program steers only UDP/53 to
             the data plane, so ping and DNS over TCP still reach the kernel.

Afterwards: fastzoned stopped by SIGTERM, no tap left, no XDP program left attached,
promiscuous mode as it was. Usage: veth_dataplane.py af_packet|af_xdp FASTZONED
"""

import os
import signal
import socket
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fztest as t  # noqa: E402  (also puts tests/support on sys.path)
from dnsio import tcp_exchange, udp_exchange  # noqa: E402
from ports import free_port  # noqa: E402
from servers import write_fastzone_conf  # noqa: E402


def compare(ns, family, server, port, queries, ref, label):
    s = ns.socket(family, socket.SOCK_DGRAM)
    for name, wire in queries:
        got = udp_exchange(s, (server, port), wire)
        if got is None:
            t.fail(f"{label} {name}: no answer from the data plane")
        if got != ref[wire]:
            t.fail(f"{label} {name}: differs from the socket path\n  dp:  {got.hex()}\n  ref: {ref[wire].hex()}")
    s.close()
    print(f"ok  {len(queries)} queries over {label}: byte-identical to the socket path")


def tcp_query(ns, family, server, port, wire):
    s = ns.socket(family, socket.SOCK_STREAM)
    try:
        s.settimeout(5)
        s.connect((server, port))
        return tcp_exchange(s, wire)
    except OSError as e:
        t.fail(f"DNS over TCP to {server} port {port}: {e}")
    finally:
        s.close()


def ping(ns, address):
    r = ns.exec("ping", "-c", "2", "-i", "0.2", "-W", "2", address)
    if r.returncode != 0:
        t.fail(f"ping {address} from the namespace failed:\n{r.stdout}{r.stderr}")
    print(f"ok  ping {address}")


def main():
    if len(sys.argv) != 3 or sys.argv[1] not in ("af_packet", "af_xdp"):
        t.fail(__doc__)
    mode, fastzoned = sys.argv[1], os.path.abspath(sys.argv[2])
    t.require_root()
    xdp = mode == "af_xdp"

    with t.Cleanup() as cleanup:
        work = t.temp_dir(cleanup)
        t.write_zone(work)
        ns = t.Netns(cleanup, "xdp" if xdp else "pkt", v4="10.53.12" if xdp else "10.53.11",
                     v6="fd53:12::" if xdp else "fd53:11::", host_address=xdp)
        if xdp:
            # Knot or an earlier crash may have left a program; ours must be the one used.
            cleanup.add(lambda: t.run("ip", "link", "set", "dev", ns.host_if, "xdp", "off", check=False))
        promisc_before = "PROMISC" in t.link_flags(ns.host_if)
        sock_port, tcp_port = free_port(), free_port()
        if xdp:
            listen = [f"127.0.0.1@{sock_port}", f"{ns.server_v4}@{tcp_port}", f"{ns.server_v6}@{tcp_port}"]
            device = "net_af_xdp0"
        else:
            listen = [f"127.0.0.1@{sock_port}", f"0.0.0.0@{tcp_port}", f"::@{tcp_port}"]
            device = "net_af_packet0"
        config = write_fastzone_conf(work, sock_port, [("example.com.", "example.com.zone")], listen=listen,
                                     name=f"{mode}.yaml", sections=f"""dataplane:
  eal: [--no-pci, --no-huge, -m, "512", "--vdev={device},iface={ns.host_if}"]
  ports:
    - device: {device}
      addresses: [{ns.server_v4}/24, "{ns.server_v6}/64"]
""")
        server = t.start_fastzoned(cleanup, fastzoned, config)
        tap = ("fz-" + ns.host_if)[:15]
        if xdp and not t.xdp_attached(ns.host_if):
            t.fail("no XDP program on the interface while serving")
        if not xdp:
            addrs = t.run("ip", "-o", "addr", "show", "dev", ns.host_if, check=False).stdout
            if ns.server_v4 in addrs or ns.server_v6 in addrs:
                t.fail("the kernel holds the data plane's address; the test would prove nothing")

        queries = t.query_set()
        ref = {}
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        for name, wire in queries:
            ref[wire] = udp_exchange(s, ("127.0.0.1", sock_port), wire)
            if ref[wire] is None:
                t.fail(f"{name}: no answer on the socket path")
        s.close()

        compare(ns, socket.AF_INET, ns.server_v4, 53, queries, ref, "IPv4")
        compare(ns, socket.AF_INET6, ns.server_v6, 53, queries, ref, "IPv6")

        # A reload publishes a new snapshot under RCU while the lcore polls: no answer lost.
        server.proc.send_signal(signal.SIGHUP)
        if not server.wait_for_log('msg=reloaded'):
            t.fail("no reload after SIGHUP:\n" + server.log_text())
        compare(ns, socket.AF_INET, ns.server_v4, 53, queries[:3], ref, "IPv4 after a reload")

        neigh = ns.exec("ip", "neigh", "show", "dev", ns.client_if).stdout
        for addr in (ns.server_v4, ns.server_v6):
            if addr not in neigh or "lladdr" not in neigh:
                t.fail(f"the namespace never resolved {addr}:\n{neigh}")
        print("ok  ARP and neighbour discovery resolved the data plane's addresses")

        if not xdp:
            # The exception path: give the kernel side (the tap) the addresses.
            t.run("ip", "addr", "add", f"{ns.server_v4}/24", "dev", tap)
            t.run("ip", "-6", "addr", "add", f"{ns.server_v6}/64", "dev", tap, "nodad")
        ping(ns, ns.server_v4)
        ping(ns, ns.server_v6)
        tcp_ref = {wire: r for wire, r in ref.items()}
        for name, wire in queries[:6]:
            for family, addr in ((socket.AF_INET, ns.server_v4), (socket.AF_INET6, ns.server_v6)):
                got = tcp_query(ns, family, addr, tcp_port, wire)
                if got is None or got != tcp_ref[wire]:
                    t.fail(f"TCP {name} to {addr}: {got!r}")
        print("ok  DNS over TCP through the kernel, IPv4 and IPv6")

        t.stop_fastzoned(server)
        c = server.dataplane_counters()
        print(f"counters: {c}")
        n = len(queries)
        if c.get("answered", 0) < 2 * n + 3:
            t.fail(f"answered={c.get('answered')} < {2 * n + 3}")
        if xdp:
            if c.get("xdp_redirected", 0) < 2 * n + 3 or c.get("xdp_pass_not_dns", 0) == 0:
                t.fail("XDP counters do not show UDP/53 steered and the rest passed")
            if t.xdp_attached(ns.host_if):
                t.fail("an XDP program is still attached after SIGTERM")
        else:
            if c.get("arp_replies", 0) < 1 or c.get("nd_adverts", 0) < 1:
                t.fail("the data plane answered no ARP or no neighbour solicitation")
            if c.get("to_kernel", 0) == 0 or c.get("from_kernel", 0) == 0:
                t.fail("nothing went through the exception tap")
            if t.run("ip", "link", "show", "dev", tap, check=False).returncode == 0:
                t.fail(f"the exception tap {tap} is still there after SIGTERM")
        if ("PROMISC" in t.link_flags(ns.host_if)) != promisc_before:
            t.fail("promiscuous mode not restored")
        print("ok  clean stop: interfaces as they were")
        print("1 passed, 0 failed")


if __name__ == "__main__":
    main()
