"""A real etcd cluster for the fleet tests: N members of Debian's etcd-server on loopback
ports, each with its data folder in the test's work folder (removed with it), started and
stopped by the PIDs started here."""

import json
import os
import shutil
import time
import urllib.request

from ports import free_port
from servers import Server


class EtcdMember(Server):
    name = "etcd"

    def __init__(self, work, member, client_port, peer_port, initial_cluster, max_txn_ops, host="127.0.0.1", run=0):
        self.args = (work, member, client_port, peer_port, initial_cluster, max_txn_ops, host)
        self.member, self.client_port, self.run = member, client_port, run
        self.client_url = f"http://{host}:{client_port}"
        data = os.path.join(work, f"etcd-{member}")
        argv = ["etcd", "--name", member, "--data-dir", data,
                "--listen-client-urls", self.client_url, "--advertise-client-urls", self.client_url,
                "--listen-peer-urls", f"http://127.0.0.1:{peer_port}",
                "--initial-advertise-peer-urls", f"http://127.0.0.1:{peer_port}",
                "--initial-cluster", initial_cluster, "--initial-cluster-state", "new",
                "--initial-cluster-token", f"fz-test-{os.getpid()}",
                "--max-txn-ops", str(max_txn_ops), "--logger", "zap", "--log-level", "warn"]
        super().__init__(argv, client_port, os.path.join(work, f"etcd-{member}-{run}.log"))

    def answers(self):
        """Whether this member serves a linearizable read (it is in a quorum)."""
        try:
            req = urllib.request.Request(self.client_url + "/v3/kv/range", data=b'{"key":"AA=="}', method="POST")
            with urllib.request.urlopen(req, timeout=2) as r:
                return "header" in json.loads(r.read())
        except Exception:  # noqa: BLE001: not up, or no quorum
            return False


class EtcdCluster:
    """`size` members forming one cluster; `endpoints` are their client URLs, on `host`
    (an address of this namespace that servers in another one reach too; peers talk on
    loopback)."""

    def __init__(self, work, size=3, max_txn_ops=4096, host="127.0.0.1"):
        peers = [free_port() for _ in range(size)]
        cluster = ",".join(f"e{i}=http://127.0.0.1:{p}" for i, p in enumerate(peers))
        self.members = [EtcdMember(work, f"e{i}", free_port(), peers[i], cluster, max_txn_ops, host)
                        for i in range(size)]

    @property
    def endpoints(self):
        return [m.client_url for m in self.members]

    def start(self, timeout=30.0):
        for m in self.members:
            m.start()
        t0 = time.monotonic()
        while time.monotonic() - t0 < timeout:
            if all(m.answers() for m in self.members):
                return self
            for m in self.members:
                if not m.running():
                    raise RuntimeError(f"etcd member {m.member} exited: {m.log_tail()}")
            time.sleep(0.1)
        raise RuntimeError(f"the etcd cluster did not form within {timeout:g} s")

    def restart(self, i):
        """Starts member i again on its data folder (a new process; the old one stopped)."""
        old = self.members[i]
        old.stop()
        self.members[i] = EtcdMember(*old.args, run=old.run + 1)
        return self.members[i].start()

    def stop(self):
        for m in self.members:
            m.stop()


def have_etcd():
    return shutil.which("etcd") is not None


def write_fleet_config(work, name, listen, endpoints, prefix, lease_ttl=4, sections="", zone="fleet.example.",
                       etcd_options=""):
    """work/NAME.yaml: a fastzoned of the fleet on `endpoints` under `prefix`, listening on
    `listen` ("127.0.0.1@5300"), its control socket work/NAME.sock; `zone` (from
    work/<zone>zone, UPDATE allowed from loopback) unless None; `sections` is more YAML
    (api:, health:, anycast:), `etcd_options` more keys of store.etcd ("local_copy: copy\n").
    Returns the path."""
    path = os.path.join(work, f"{name}.yaml")
    zones = (f"""acl:
  - id: local-update
    addresses: [127.0.0.0/8]
    actions: [update]
zones:
  - origin: {zone}
    file: {zone}zone
    acl: [local-update]
""" if zone else "")
    with open(path, "w") as f:
        f.write(f"""server:
  listen: {listen}
  workers: 1
control:
  socket: {work}/{name}.sock
node:
  name: {name}
  lease_ttl: {lease_ttl}
store:
  etcd:
    endpoints: [{", ".join(endpoints)}]
    prefix: {prefix}
    max_txn_ops: 4096
{"".join("    " + line + chr(10) for line in etcd_options.splitlines())}{sections}{zones}""")
    return path
