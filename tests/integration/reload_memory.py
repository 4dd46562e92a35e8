#!/usr/bin/python3
"""Memory after reloads: fastzoned started on a 100k-record zone and reloaded to a small
one must give the large zone's memory back, not keep it in the allocator's caches; and
100 further reloads must not grow it.

usage: reload_memory.py FASTZONED FASTZONECTL
"""

import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from ports import free_port  # noqa: E402
from servers import Fastzoned, remove_work_dir, write_fastzone_conf  # noqa: E402

HEAD = ["$ORIGIN example.com.", "$TTL 300", "@ SOA ns1 h 1 7200 3600 1209600 60", "@ NS ns1",
        "ns1 A 192.0.2.53"]
RECORDS = 100_000
MARGIN_MB = 16  # what a small server may vary by: threads' stacks, arenas


def rss_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def main():
    fastzoned, fastzonectl = sys.argv[1], sys.argv[2]
    work = tempfile.mkdtemp(prefix="fz-reload-memory-")
    servers = []
    try:
        big = HEAD + [f"h{i} A 10.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}" for i in range(RECORDS)]
        with open(os.path.join(work, "big.zone"), "w") as f:
            f.write("\n".join(big) + "\n")
        with open(os.path.join(work, "small.zone"), "w") as f:
            f.write("\n".join(HEAD) + "\n")

        def start(zone_file, name):
            port = free_port()
            control = os.path.join(work, name + ".sock")
            conf = write_fastzone_conf(work, port, [("example.com.", zone_file)], control=control,
                                       name=name + ".yaml")
            server = Fastzoned(fastzoned, conf, port=port, log_path=os.path.join(work, name + ".log")).start()
            servers.append(server)
            server.wait_ready("example.com.")
            return server, control

        # The reference: a server that only ever had the small zone.
        small, _ = start("small.zone", "small")
        time.sleep(1)
        reference = rss_mb(small.pid)
        small.stop()

        shutil.copy(os.path.join(work, "big.zone"), os.path.join(work, "live.zone"))
        server, control = start("live.zone", "live")
        time.sleep(1)
        loaded = rss_mb(server.pid)
        shutil.copy(os.path.join(work, "small.zone"), os.path.join(work, "live.zone"))

        def reload():
            subprocess.run([fastzonectl, "-s", control, "reload"], check=True, stdout=subprocess.DEVNULL)

        reload()
        time.sleep(1)
        after = rss_mb(server.pid)
        for _ in range(100):
            reload()
        time.sleep(1)
        after_100 = rss_mb(server.pid)
        print(f"RSS: small zone only {reference:.0f} MB; {RECORDS} records {loaded:.0f} MB; "
              f"reloaded to the small zone {after:.0f} MB; after 100 more reloads {after_100:.0f} MB")
        if after > reference + MARGIN_MB:
            print(f"FAIL: after the reload to a small zone fastzoned keeps {after:.0f} MB, "
                  f"{after - reference:.0f} MB more than a server that only had it")
            return 1
        if after_100 > after + MARGIN_MB:
            print(f"FAIL: 100 reloads grew fastzoned from {after:.0f} MB to {after_100:.0f} MB")
            return 1
        print("ok  the large zone's memory went back to the system, and reloads do not grow it")
        return 0
    finally:
        for s in servers:
            s.stop()
        remove_work_dir(work)


if __name__ == "__main__":
    sys.exit(main())
