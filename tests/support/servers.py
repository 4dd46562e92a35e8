"""Running DNS servers on loopback for the Python tests and load tests: a Knot DNS
configuration, stopping a server, and the temporary folder they run in."""

import os
import shutil
import signal
import subprocess

# One knotd on 127.0.0.1: one worker of each kind, warnings to stderr, no journal, and
# zone files never written back. The {..._options} fields are extra lines (each ending in a
# newline) for their section; {modules} is whole module sections, or "".
KNOT_CONF = """server:
    rundir: "{rundir}"
    listen: 127.0.0.1@{port}
{server_options}    udp-workers: 1
    tcp-workers: 1
    background-workers: 1
log:
  - target: stderr
    any: warning
database:
    storage: "{rundir}"
{modules}template:
  - id: default
    storage: "{zone_dir}"
{template_options}    journal-content: none
    zonefile-sync: -1
zone:
{zones}"""


def _option_lines(options, indent):
    """The options (strings such as 'udp-max-payload: 1232') as lines of the config."""
    return "".join(f"{indent}{option}\n" for option in options)


def write_knot_conf(work, port, zones, server_options=(), modules="", template_options=(), zone_options=(),
                    zone_dir=None):
    """Writes work/knot.conf for a knotd listening on 127.0.0.1@port, with its run-time
    state in work/knot (made here), and returns the path of the file.

    zones: (domain, zone file) pairs. server_options, template_options and zone_options
    (given to every zone) are extra option strings for those sections; modules is the text
    of module sections, put before the template. zone_dir is the template's storage, where
    relative zone file names resolve (default: the run folder)."""
    rundir = os.path.join(work, "knot")
    os.makedirs(rundir, exist_ok=True)
    zone_text = "".join(f'  - domain: {domain}\n    file: "{path}"\n' + _option_lines(zone_options, "    ")
                        for domain, path in zones)
    conf = os.path.join(work, "knot.conf")
    with open(conf, "w") as f:
        f.write(KNOT_CONF.format(rundir=rundir, port=port, server_options=_option_lines(server_options, "    "),
                                 modules=modules, zone_dir=zone_dir or rundir,
                                 template_options=_option_lines(template_options, "    "), zones=zone_text))
    return conf


def stop_process(proc, timeout=10):
    """Stops a server started by this test: SIGTERM, then SIGKILL to the same process if
    it has not exited within `timeout` seconds. Does nothing if it has already exited."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def remove_work_dir(work, keep=False):
    """Removes the temporary folder `work` and everything in it; with `keep`, leaves it
    for a look and prints where it is."""
    if keep:
        print(f"kept {work}", flush=True)
    else:
        shutil.rmtree(work, ignore_errors=True)
