"""Keeps a benchmarked server on one CPU, whatever affinity it sets itself."""

import os
import time


class CpuSet:
    """A cpuset cgroup (v1 or v2) holding one CPU. taskset alone is not enough: knotd
    pins its UDP workers to CPUs of its own choosing (round robin from CPU 0), which would
    put Knot on the load generator's CPU; inside a cpuset it cannot leave the CPU given."""

    def __init__(self, cpu):
        self.path = None
        for base, v2 in (("/sys/fs/cgroup/cpuset", False), ("/sys/fs/cgroup", True)):
            if os.geteuid() != 0 or not os.path.isdir(base):
                continue
            if v2 and "cpuset" not in open(os.path.join(base, "cgroup.controllers")).read():
                continue
            path = os.path.join(base, f"fz-loadtest-{os.getpid()}")
            try:
                os.makedirs(path, exist_ok=True)
                with open(os.path.join(path, "cpuset.cpus"), "w") as f:
                    f.write(str(cpu))
                with open(os.path.join(path, "cpuset.mems"), "w") as f:
                    f.write("0")
                self.path = path
                break
            except OSError:
                try:
                    os.rmdir(path)
                except OSError:
                    pass

    def argv(self, cpu, argv):
        """Runs argv inside the cpuset (when there is one) and pinned to `cpu`."""
        pinned = ["taskset", "-c", str(cpu)] + argv
        if self.path is None:
            return pinned
        procs = os.path.join(self.path, "cgroup.procs")
        return ["sh", "-c", f'echo $$ > {procs} && exec "$@"', "sh"] + pinned

    def remove(self):
        if self.path:
            for _ in range(50):
                try:
                    os.rmdir(self.path)
                    return
                except OSError:
                    time.sleep(0.1)
