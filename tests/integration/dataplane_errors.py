"""The data plane refuses to start with a clear message, never a hang or a crash, and
leaves nothing behind: a missing interface, a missing device, no hugepages, too few
lcores, not root. Usage: dataplane_errors.py FASTZONED
"""

import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fztest as t  # noqa: E402  (also puts tests/support on sys.path)
from ports import free_port  # noqa: E402
from servers import write_fastzone_conf  # noqa: E402


def expect_error(fastzoned, work, name, dataplane, needle, user=None):
    zone = os.path.join(work, "example.com.zone")
    config = write_fastzone_conf(work, free_port(), [("example.com.", zone)], workers=None, name=f"{name}.yaml",
                                 sections=f"dataplane:{dataplane}\n")
    cmd = [fastzoned, "-c", config]
    if user:
        cmd = ["setpriv", f"--reuid={user}", "--regid=nogroup", "--clear-groups", "--inh-caps=-all"] + cmd
    try:
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=30)
    except subprocess.TimeoutExpired:
        t.fail(f"{name}: fastzoned hung instead of failing")
    out = r.stdout + r.stderr
    if r.returncode != 1:
        t.fail(f"{name}: exit code {r.returncode}, expected 1\n{out}")
    if needle not in out:
        t.fail(f"{name}: no '{needle}' in the error\n{out}")
    line = [x for x in out.splitlines() if "data plane cannot start" in x]
    print(f"ok  {name}: {line[0][line[0].find('error='):] if line else needle}")
    if t.run("ip", "link", "show", "dev", "fz-lo", check=False).returncode == 0:
        t.fail(f"{name}: an exception tap was left behind")


def main():
    t.require_root()
    fastzoned = os.path.abspath(sys.argv[1])
    with t.Cleanup() as cleanup:
        work = t.temp_dir(cleanup)
        os.chmod(work, 0o755)
        t.write_zone(work)
        os.chmod(os.path.join(work, "example.com.zone"), 0o644)
        count = 0

        expect_error(fastzoned, work, "missing interface", """
  eal: [--no-pci, --no-huge, -m, "128", "--vdev=net_af_packet0,iface=fz-nosuchif"]
  ports:
    - device: net_af_packet0
      addresses: [10.53.99.2/24]""", "interface 'fz-nosuchif'")
        count += 1

        expect_error(fastzoned, work, "missing device", """
  eal: [--no-pci, --no-huge, -m, "128", "--vdev=net_null0"]
  ports:
    - device: net_null1
      addresses: [10.53.99.2/24]
  exception_path: none""", "no such DPDK device (the EAL found: net_null0)")
        count += 1

        ncpu = len(os.sched_getaffinity(0))
        expect_error(fastzoned, work, "too few lcores", f"""
  eal: [--no-pci, --no-huge, -m, "128", "--vdev=net_null0"]
  ports:
    - device: net_null0
      addresses: [10.53.99.2/24]
      queues: {ncpu}
  exception_path: none""", f"needs {ncpu + 1} lcores")
        count += 1

        expect_error(fastzoned, work, "bad EAL argument", """
  eal: [--no-pci, --no-huge, -m, "128", --no-such-eal-option]
  ports:
    - device: net_null0
      addresses: [10.53.99.2/24]""", "the DPDK EAL cannot start")
        count += 1

        free = 0
        for d in os.listdir("/sys/kernel/mm/hugepages"):
            with open(f"/sys/kernel/mm/hugepages/{d}/free_hugepages") as f:
                free += int(f.read())
        if free == 0:
            expect_error(fastzoned, work, "no hugepages", """
  eal: [--no-pci, "--vdev=net_null0"]
  ports:
    - device: net_null0
      addresses: [10.53.99.2/24]""", "no free hugepages")
            count += 1
        else:
            print("skip no hugepages: this machine has free hugepages")

        expect_error(fastzoned, work, "not root", """
  eal: [--no-pci, --no-huge, -m, "128", "--vdev=net_af_packet0,iface=lo"]
  ports:
    - device: net_af_packet0
      addresses: [10.53.99.2/24]
  exception_path: none""", "fastzoned is not root", user="nobody")
        count += 1
        print(f"{count} passed, 0 failed")


if __name__ == "__main__":
    main()
