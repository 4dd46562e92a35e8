#!/usr/bin/python3
"""RFC 2136 UPDATE against fastzoned with the real clients, and durability:

  nsupdate and knsupdate with TSIG (hmac-sha256, hmac-sha512) add, replace and delete
  records, and the answers change; unsigned, unknown-key, wrong-secret and
  outside-the-ACL updates are refused (REFUSED, or NOTAUTH with the TSIG error) and
  change nothing; prerequisites (RRset exists, name not in use...) hold a whole update
  back; an update naming a routing-policy record set is refused; the SOA serial rises
  with each applied update; a file-managed zone refuses updates.

  kill -9 during a storm of signed updates (each adds two names in one message): after
  the restart every acknowledged update is answered, and no update is half there.

usage: dynamic_update.py FASTZONED FASTZONECTL
exit: 0 pass, 1 fail (with the reason), 77 skip (a client is missing)
"""

import base64
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from ports import free_port  # noqa: E402
from servers import Fastzoned, ServerError, remove_work_dir  # noqa: E402

try:
    import dns.message
    import dns.query
    import dns.rcode
    import dns.tsig
    import dns.tsigkeyring
    import dns.update
except ImportError:
    print("SKIP: dnspython is not installed for this python (Debian: python3-dnspython)")
    sys.exit(77)

SECRET = base64.b64encode(b"fastzone-update-secret-32-bytes!").decode()
SECRET512 = base64.b64encode(b"another-secret-for-hmac-sha512-of-64-bytes-0123456789abcdef!!!").decode()
WRONG = base64.b64encode(b"not-the-secret-the-server-knows!").decode()

ZONE = """$ORIGIN dyn.example.
$TTL 300
@    SOA ns1 hostmaster 10 7200 3600 1209600 60
@    NS  ns1
ns1  A   192.0.2.53
www  A   192.0.2.10
"""

FILE_ZONE = """$ORIGIN files.example.
$TTL 300
@    SOA ns1 hostmaster 1 7200 3600 1209600 60
@    NS  ns1
ns1  A   192.0.2.53
"""

RECORD_SETS = """{"ResourceRecordSets": [
 {"Name": "lb.dyn.example.", "Type": "A", "SetIdentifier": "one", "Weight": 1, "TTL": 60,
  "ResourceRecords": [{"Value": "192.0.2.101"}]},
 {"Name": "lb.dyn.example.", "Type": "A", "SetIdentifier": "two", "Weight": 1, "TTL": 60,
  "ResourceRecords": [{"Value": "192.0.2.102"}]}]}
"""


def conf_text(port, work):
    return f"""server:
  listen: 127.0.0.1@{port}
  workers: 2
control:
  socket: {work}/ctl.sock
store:
  path: {work}/store
keys:
  - id: update-key
    algorithm: hmac-sha256
    secret: "{SECRET}"
  - id: big-key
    algorithm: hmac-sha512
    secret: "{SECRET512}"
  - id: other-key
    algorithm: hmac-sha256
    secret: "{SECRET}"
acl:
  - id: updaters
    keys: [update-key, big-key]
    addresses: [127.0.0.0/8]
    actions: [update]
  - id: elsewhere
    keys: [other-key]
    addresses: [192.0.2.0/24]
    actions: [update]
zones:
  - origin: dyn.example.
    file: dyn.example.zone
    record_sets: dyn.example.json
    acl: [updaters, elsewhere]
  - origin: files.example.
    file: files.example.zone
"""


def fail(msg):
    print(f"FAIL: {msg}", flush=True)
    sys.exit(1)


def check(cond, msg):
    if not cond:
        fail(msg)
    print(f"ok   {msg}", flush=True)


class Dns:
    def __init__(self, port):
        self.port = port

    def answer(self, name, rdtype="A"):
        q = dns.message.make_query(name, rdtype)
        r = dns.query.udp(q, "127.0.0.1", port=self.port, timeout=2)
        return sorted(rr.to_text() for rrset in r.answer for rr in rrset)

    def rcode(self, name, rdtype="A"):
        q = dns.message.make_query(name, rdtype)
        return dns.query.udp(q, "127.0.0.1", port=self.port, timeout=2).rcode()

    def serial(self):
        return int(self.answer("dyn.example.", "SOA")[0].split()[2])


def run_client(argv, script, port):
    """nsupdate or knsupdate with `script` (the server line is added); (exit status, output)."""
    text = f"server 127.0.0.1 {port}\n" + script + "send\n"
    if argv[0] == "nsupdate":
        text += "quit\n"
    p = subprocess.run(argv, input=text, capture_output=True, text=True, timeout=30)
    return p.returncode, p.stdout + p.stderr


def signed_update(port, key_name, secret, algorithm, build, timeout=3.0):
    """Sends a dnspython UPDATE for dyn.example. built by `build(update)`; its rcode."""
    keyring = dns.tsigkeyring.from_text({key_name: (algorithm, secret)})
    u = dns.update.UpdateMessage("dyn.example.", keyring=keyring, keyname=key_name)
    build(u)
    return dns.query.tcp(u, "127.0.0.1", port=port, timeout=timeout).rcode()


def clients_tests(port, d):
    key = ["-y", f"hmac-sha256:update-key:{SECRET}"]
    for client in ("nsupdate", "knsupdate"):
        name = f"{client}.dyn.example."
        before = d.serial()
        rc, out = run_client([client] + key, f"zone dyn.example.\nupdate add {name} 300 A 192.0.2.{len(client)}\n", port)
        check(rc == 0, f"{client} with TSIG adds a record (exit {rc}) {out.strip()}")
        check(d.answer(name) == [f"192.0.2.{len(client)}"], f"{client}'s record is answered")
        check(d.serial() > before, f"the SOA serial rose ({before} -> {d.serial()})")
        rc, out = run_client([client] + key, f"zone dyn.example.\nupdate delete {name} A\n"
                             f"update add {name} 300 TXT \"replaced\"\n", port)
        check(rc == 0 and d.answer(name) == [] and d.answer(name, "TXT") == ['"replaced"'],
              f"{client}: delete an RRset and add another in one update")
        rc, out = run_client([client], f"zone dyn.example.\nupdate add unsigned.dyn.example. 300 A 192.0.2.1\n", port)
        check(rc != 0 and "REFUSED" in out and d.rcode("unsigned.dyn.example.") == dns.rcode.NXDOMAIN,
              f"{client} without a key is REFUSED and changes nothing")

    big = ["-y", f"hmac-sha512:big-key:{SECRET512}"]
    rc, out = run_client(["knsupdate"] + big, "zone dyn.example.\nupdate add sha512.dyn.example. 60 A 192.0.2.5\n", port)
    check(rc == 0 and d.answer("sha512.dyn.example.") == ["192.0.2.5"], "hmac-sha512 key accepted")
    wrong = ["-y", f"hmac-sha256:update-key:{WRONG}"]
    rc, out = run_client(["nsupdate"] + wrong, "zone dyn.example.\nupdate add bad.dyn.example. 60 A 192.0.2.6\n", port)
    check(rc != 0 and d.rcode("bad.dyn.example.") == dns.rcode.NXDOMAIN,
          f"a wrong secret is refused (BADSIG) and changes nothing: {out.strip().splitlines()[-1:]}")
    unknown = ["-y", f"hmac-sha256:nobody:{SECRET}"]
    rc, out = run_client(["nsupdate"] + unknown, "zone dyn.example.\nupdate add bad.dyn.example. 60 A 192.0.2.6\n", port)
    check(rc != 0 and d.rcode("bad.dyn.example.") == dns.rcode.NXDOMAIN, "an unknown key is refused (BADKEY)")
    other = ["-y", f"hmac-sha256:other-key:{SECRET}"]
    rc, out = run_client(["nsupdate"] + other, "zone dyn.example.\nupdate add bad.dyn.example. 60 A 192.0.2.6\n", port)
    check(rc != 0 and "REFUSED" in out and d.rcode("bad.dyn.example.") == dns.rcode.NXDOMAIN,
          "a valid key from outside its rule's addresses is REFUSED")

    # Prerequisites: the whole update is held back when one fails.
    rc, out = run_client(["nsupdate"] + key, "zone dyn.example.\nprereq nxdomain www.dyn.example.\n"
                         "update add pre.dyn.example. 60 A 192.0.2.7\n", port)
    check(rc != 0 and "YXDOMAIN" in out and d.rcode("pre.dyn.example.") == dns.rcode.NXDOMAIN,
          "prereq nxdomain on an existing name: YXDOMAIN, nothing applied")
    rc, out = run_client(["nsupdate"] + key, "zone dyn.example.\nprereq yxrrset www.dyn.example. A 192.0.2.10\n"
                         "update add pre.dyn.example. 60 A 192.0.2.7\n", port)
    check(rc == 0 and d.answer("pre.dyn.example.") == ["192.0.2.7"], "prereq yxrrset with the value: applied")
    rc, out = run_client(["nsupdate"] + key, "zone dyn.example.\nprereq yxrrset www.dyn.example. A 192.0.2.99\n"
                         "update delete pre.dyn.example. A\n", port)
    check(rc != 0 and "NXRRSET" in out and d.answer("pre.dyn.example.") == ["192.0.2.7"],
          "prereq yxrrset with another value: NXRRSET, nothing applied")

    # Routing-policy record sets belong to the API.
    rc, out = run_client(["nsupdate"] + key, "zone dyn.example.\nupdate add lb.dyn.example. 60 A 192.0.2.9\n", port)
    check(rc != 0 and "REFUSED" in out, "an update of a weighted record set is REFUSED")
    check(set(d.answer("lb.dyn.example.")) <= {"192.0.2.101", "192.0.2.102"}, "the weighted answers are untouched")

    rc, out = run_client(["nsupdate"] + key, "zone files.example.\nupdate add x.files.example. 60 A 192.0.2.8\n", port)
    check(rc != 0 and d.rcode("x.files.example.") == dns.rcode.NXDOMAIN, "a file-managed zone refuses updates")


def storm(port, stop, acknowledged, errors):
    """Signed updates, each adding a.N and b.N, until `stop`; N of each NOERROR goes to
    `acknowledged`."""
    n = 0
    while not stop.is_set():
        n += 1

        def build(u, n=n):
            u.add(f"a{n}.storm", 300, "A", f"10.{n >> 16 & 255}.{n >> 8 & 255}.{n & 255}")
            u.add(f"b{n}.storm", 300, "TXT", f'"update {n}"')
        try:
            rc = signed_update(port, "update-key.", SECRET, dns.tsig.HMAC_SHA256, build, timeout=2.0)
        except Exception as e:  # noqa: BLE001 - the server is being killed
            errors.append(repr(e))
            continue
        if rc == dns.rcode.NOERROR:
            acknowledged.append(n)


def kill_storm_test(fastzoned, conf, port, work):
    server = Fastzoned(fastzoned, conf, port, log_path=os.path.join(work, "storm.log")).start()
    server.wait_ready("dyn.example.")
    stop = threading.Event()
    acknowledged, errors = [], []
    t = threading.Thread(target=storm, args=(port, stop, acknowledged, errors))
    t.start()
    deadline = time.monotonic() + 60
    while len(acknowledged) < 40 and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(random.uniform(0.0, 0.3))
    os.kill(server.pid, signal.SIGKILL)  # mid-storm: some update is in flight
    server.proc.wait()
    stop.set()
    t.join()
    acked = list(acknowledged)
    check(len(acked) >= 40, f"{len(acked)} updates acknowledged before kill -9")
    server = Fastzoned(fastzoned, conf, port, log_path=os.path.join(work, "restart.log")).start()
    try:
        server.wait_ready("dyn.example.")
        d = Dns(port)
        missing = [n for n in acked if d.answer(f"a{n}.storm.dyn.example.") == []]
        check(not missing, f"every acknowledged update survived kill -9 (missing: {missing[:5]})")
        highest = max(acked) + 2  # the one in flight may or may not be there
        half = [n for n in range(1, highest + 1)
                if (d.answer(f"a{n}.storm.dyn.example.") == []) != (d.answer(f"b{n}.storm.dyn.example.", "TXT") == [])]
        check(not half, f"no update is half-applied (half: {half[:5]})")
    finally:
        server.stop()


def main():
    fastzoned = sys.argv[1]
    for tool in ("nsupdate", "knsupdate"):
        if shutil.which(tool) is None:
            print(f"SKIP: {tool} is not installed")
            sys.exit(77)
    work = tempfile.mkdtemp(prefix="fz-update-")
    server = None
    try:
        port = free_port()
        for name, text in (("dyn.example.zone", ZONE), ("files.example.zone", FILE_ZONE),
                           ("dyn.example.json", RECORD_SETS)):
            with open(os.path.join(work, name), "w") as f:
                f.write(text)
        conf = os.path.join(work, "fastzone.yaml")
        with open(conf, "w") as f:
            f.write(conf_text(port, work))
        server = Fastzoned(fastzoned, conf, port).start()
        server.wait_ready("dyn.example.")
        d = Dns(port)
        clients_tests(port, d)
        # Applied updates outlive a clean restart too, and the zone file is not read again.
        server.stop()
        with open(os.path.join(work, "dyn.example.zone"), "a") as f:
            f.write("www A 192.0.2.250\n")
        server = Fastzoned(fastzoned, conf, port, log_path=os.path.join(work, "second.log")).start()
        server.wait_ready("dyn.example.")
        check(d.answer("sha512.dyn.example.") == ["192.0.2.5"], "updates are served after a restart")
        check(d.answer("www.dyn.example.") == ["192.0.2.10"], "the stored zone is served, not its file's new content")
        server.stop()
        server = None
        kill_storm_test(fastzoned, conf, port, work)
    except ServerError as e:
        fail(str(e))
    finally:
        if server is not None:
            server.stop()
        remove_work_dir(work)
    print("PASS")


if __name__ == "__main__":
    main()
