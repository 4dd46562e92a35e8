"""DNS servers run by the Python tests and load scripts: fastzoned, knotd, nsd and named
(BIND 9) started on a configuration in a work folder, waited for until they answer over
UDP, stopped by the PID started here; the configuration files they read; removing the
work folder."""

import json
import os
import shutil
import signal
import socket
import subprocess
import time

from dnsio import SERVFAIL, query_wire, rcode, udp_exchange


class ServerError(RuntimeError):
    """A server exited or did not answer in time; the message ends with its log's last lines."""


class Server:
    """One server process started by this test or script. Its stdout and stderr go to
    log_path. Only the PID started here is ever signalled."""

    name = "server"

    def __init__(self, argv, port=None, log_path=None, host="127.0.0.1", cwd=None, new_session=False):
        """port and host: where wait_ready() asks by default. new_session: the process
        leaves this one's process group and session (Ctrl-C in a terminal does not reach it)."""
        self.argv, self.port, self.host = list(argv), port, host
        self.log_path, self.cwd, self.new_session = log_path, cwd, new_session
        self.proc = None
        self.killed = False  # stop() needed SIGKILL
        self.stopped = False  # stop() was called (an exit before that is a crash)
        self._log = None

    def start(self, wrap=None):
        """Starts argv, or wrap(argv) when given (a launcher such as taskset that execs the
        server, so that the PID stays the server's). Returns self."""
        self._log = open(self.log_path, "w")
        self.proc = subprocess.Popen(wrap(self.argv) if wrap else self.argv, stdout=self._log,
                                     stderr=subprocess.STDOUT, cwd=self.cwd, start_new_session=self.new_session)
        return self

    @property
    def pid(self):
        return self.proc.pid

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def log_files(self):
        """The files the server writes its messages to."""
        return [self.log_path]

    def log_text(self):
        text = []
        for path in self.log_files():
            try:
                with open(path, errors="replace") as f:
                    text.append(f.read())
            except OSError:
                pass
        return "".join(text)

    def log_tail(self, lines=20):
        return "\n".join(self.log_text().splitlines()[-lines:])

    def wait_ready(self, qname=".", timeout=20.0, server=None, sock=None):
        """Waits until the server answers a UDP query for qname's SOA with anything but
        SERVFAIL (which Knot answers while the zone loads), asked at `server` ((address,
        port); default host and port) from `sock` (default a new socket). When the process
        exits or the deadline passes, stops it and raises ServerError with its log's tail."""
        server = server or (self.host, self.port)
        wire = query_wire(qname)
        own_sock = sock is None
        if own_sock:
            sock = socket.socket(socket.AF_INET6 if ":" in server[0] else socket.AF_INET, socket.SOCK_DGRAM)
        try:
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                if not self.running():
                    self._fail(f"{self.name} exited with status {self.proc.returncode} before it answered")
                try:
                    response = udp_exchange(sock, server, wire, timeout=0.2, tries=1)
                except OSError:  # nothing listening yet
                    response = None
                if response is not None and rcode(response) != SERVFAIL:
                    return self
                time.sleep(0.1)
        finally:
            if own_sock:
                sock.close()
        self._fail(f"{self.name} did not answer on {server[0]} port {server[1]} within {timeout:g} s")

    def wait_for_log(self, needle, timeout=20.0):
        """True once `needle` shows up in the log; False after `timeout` seconds, or when
        the process exited without writing it."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if needle in self.log_text():
                return True
            if not self.running():
                return needle in self.log_text()
            time.sleep(0.05)
        return False

    def stop(self, timeout=10.0):
        """SIGTERM, then SIGKILL if the process has not exited within `timeout` seconds
        (`killed` then says so). Returns the exit status, None if never started; calling
        it again does nothing more."""
        if self.proc is None:
            return None
        self.stopped = True
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                self.killed = True
                print(f"{self.name} did not stop within {timeout:g} s of SIGTERM: killed", flush=True)
        if self._log:
            self._log.close()
            self._log = None
        return self.proc.returncode

    def _fail(self, message):
        self.stop()
        raise ServerError(f"{message}; last lines of its log ({self.log_path}):\n{self.log_tail()}")


class Fastzoned(Server):
    """fastzoned -c CONFIG, run in the configuration's folder (relative EAL arguments such
    as net_pcap's files resolve there), logging to fastzoned.log beside it by default."""

    name = "fastzoned"

    def __init__(self, binary, config, port=None, log_path=None, **kw):
        config = os.path.abspath(config)
        binary = os.path.abspath(binary) if os.sep in binary else binary  # the cwd changes
        work = os.path.dirname(config)
        super().__init__([binary, "-c", config], port, log_path or os.path.join(work, "fastzoned.log"),
                         cwd=work, **kw)

    def dataplane_counters(self):
        """The numeric fields of the 'dataplane stopped' log line, as a dict of ints."""
        for line in self.log_text().splitlines():
            if 'msg="dataplane stopped"' in line:
                fields = {}
                for kv in line.split():
                    if "=" in kv:
                        k, v = kv.split("=", 1)
                        if v.isdigit():
                            fields[k] = int(v)
                return fields
        return {}


class Knotd(Server):
    """knotd -c CONFIG (see write_knot_conf), logging to knotd.log beside the configuration."""

    name = "knotd"

    def __init__(self, config, port=None, **kw):
        super().__init__(["knotd", "-c", config], port, os.path.join(os.path.dirname(config), "knotd.log"), **kw)


class Nsd(Server):
    """nsd in the foreground on CONFIG (see write_nsd_conf); its output goes to nsd.log
    beside the configuration, its own log to nsd/nsd.log."""

    name = "nsd"

    def __init__(self, config, port=None, **kw):
        work = os.path.dirname(config)
        super().__init__(["nsd", "-d", "-c", config], port, os.path.join(work, "nsd.log"), **kw)
        self.own_log = os.path.join(work, "nsd", "nsd.log")

    def log_files(self):
        return [self.log_path, self.own_log]


class Named(Server):
    """BIND 9's named in the foreground on CONFIG (see write_named_conf), run in the
    configuration's folder with one worker thread: -g logs everything to stderr, which
    goes to named.log beside the configuration. debug: named's debug level (-d; at 3 its
    log says whether each transfer in was incremental)."""

    name = "named"

    def __init__(self, config, port=None, debug=0, **kw):
        work = os.path.dirname(config)
        kw.setdefault("cwd", work)
        argv = ["named", "-g", "-n", "1", "-c", config] + (["-d", str(debug)] if debug else [])
        super().__init__(argv, port, os.path.join(work, "named.log"), **kw)


# --- configurations --------------------------------------------------------------------

def _option_lines(options, indent):
    """The options (strings such as 'udp-max-payload: 1232') as lines of the config."""
    return "".join(f"{indent}{option}\n" for option in options)


def write_fastzone_conf(work, port, zones, workers=1, listen=None, server_options=(), zone_options=(),
                        sections="", control=None, name="fastzone.yaml"):
    """Writes work/name for a fastzoned listening on 127.0.0.1@port (or on `listen`, a list
    of ADDR@PORT strings) with `workers` UDP workers (None: fastzoned's default), and
    returns its path.

    zones: (origin, zone file) pairs, or (origin, zone file, [option lines of that zone
    alone]); relative paths resolve against work. server_options and zone_options (given
    to every zone) are extra 'key: value' lines for those sections;
    sections is YAML text of more top-level sections (dataplane, geoip, ...); control is
    the control socket's path."""
    addresses = ", ".join(json.dumps(a) for a in (listen or [f"127.0.0.1@{port}"]))
    text = f"server:\n  listen: [{addresses}]\n"
    if workers is not None:
        text += f"  workers: {workers}\n"
    text += _option_lines(server_options, "  ") + "zones:\n"
    for z in zones:
        own = z[2] if len(z) > 2 else ()
        text += f"  - origin: {z[0]}\n    file: {z[1]}\n" + _option_lines([*zone_options, *own], "    ")
    text += sections
    if control:
        text += f"control:\n  socket: {control}\n"
    conf = os.path.join(work, name)
    with open(conf, "w") as f:
        f.write(text)
    return conf


# One knotd: one worker of each kind, warnings to stderr, no journal, and zone files never
# written back. The {..._options} fields are extra lines (each ending in a newline) for
# their section; {sections} is whole top-level sections (modules, xdp), or "".
KNOT_CONF = """server:
    rundir: "{rundir}"
    listen: {listen}
{server_options}    udp-workers: 1
    tcp-workers: 1
    background-workers: 1
log:
  - target: stderr
    any: warning
database:
    storage: "{rundir}"
{sections}template:
  - id: default
    storage: "{zone_dir}"
{template_options}    journal-content: none
    zonefile-sync: -1
zone:
{zones}"""


def write_knot_conf(work, port, zones, server_options=(), sections="", template_options=(), zone_options=(),
                    zone_dir=None, listen=None):
    """Writes work/knot.conf for a knotd listening on 127.0.0.1@port (or `listen`, one
    ADDR@PORT), with its run-time state in work/knot (made here), and returns the path.

    zones: (domain, zone file) pairs, or (domain, zone file, [option lines of that zone
    alone]); a zone file of None writes no file line (a catalog Knot generates or reads).
    server_options, template_options and zone_options (given to every zone) are extra
    option strings for those sections; sections is the
    text of top-level sections such as modules or xdp, put before the template. zone_dir
    is the template's storage, where relative zone file names resolve (default: the run
    folder)."""
    rundir = os.path.join(work, "knot")
    os.makedirs(rundir, exist_ok=True)
    zone_text = "".join(f"  - domain: {z[0]}\n" + (f'    file: "{z[1]}"\n' if z[1] is not None else "") +
                        _option_lines([*zone_options, *(z[2] if len(z) > 2 else ())], "    ") for z in zones)
    conf = os.path.join(work, "knot.conf")
    with open(conf, "w") as f:
        f.write(KNOT_CONF.format(rundir=rundir, listen=listen or f"127.0.0.1@{port}",
                                 server_options=_option_lines(server_options, "    "), sections=sections,
                                 zone_dir=zone_dir or rundir, template_options=_option_lines(template_options, "    "),
                                 zones=zone_text))
    return conf


# One NSD server process, no database, no remote control. Debian's NSD limits response
# rates by default: off here, or a load test measures the limiter.
NSD_CONF = """server:
    ip-address: 127.0.0.1@{port}
    server-count: 1
    username: ""
    zonesdir: "{zone_dir}"
    database: ""
    zonelistfile: "{rundir}/nsd.zonelist"
    pidfile: "{rundir}/nsd.pid"
    xfrdfile: "{rundir}/nsd.xfrd"
    xfrdir: "{rundir}"
    logfile: "{rundir}/nsd.log"
    rrl-ratelimit: 0
    rrl-whitelist-ratelimit: 0
    verbosity: 0
remote-control:
    control-enable: no
{zones}"""


def write_nsd_conf(work, port, zones, zone_dir=None, zone_options=(), sections=""):
    """Writes work/nsd.conf for an nsd listening on 127.0.0.1@port with its run-time files
    in work/nsd (made here), and returns the path. zones: (name, zone file) pairs; relative
    files resolve against zone_dir (default: the run folder). zone_options (given to every
    zone) are extra option strings; sections is text of more clauses (key:)."""
    rundir = os.path.join(work, "nsd")
    os.makedirs(rundir, exist_ok=True)
    zone_text = sections + "".join(f'zone:\n    name: {name}\n    zonefile: "{path}"\n' +
                                   _option_lines(zone_options, "    ") for name, path in zones)
    conf = os.path.join(work, "nsd.conf")
    with open(conf, "w") as f:
        f.write(NSD_CONF.format(port=port, zone_dir=zone_dir or rundir, rundir=rundir, zones=zone_text))
    return conf


# One named: IPv4 only, no recursion, no validation, no control channel (rndc), no NOTIFYs
# of its own, zone files written as text (a secondary's copy can be read). {options} are
# extra lines of the options block, {sections} top-level statements (key, server, acl)
# put before the zones.
NAMED_CONF = """options {{
    directory "{rundir}";
    pid-file "{rundir}/named.pid";
    session-keyfile "{rundir}/session.key";
    listen-on port {port} {{ 127.0.0.1; }};
    listen-on-v6 {{ none; }};
    recursion no;
    dnssec-validation no;
    notify no;
    masterfile-format text;
{options}}};
controls {{ }};
{sections}{zones}"""


def write_named_conf(work, port, zones, zone_type="primary", zone_options=(), options=(), sections=""):
    """Writes work/named.conf for a named listening on 127.0.0.1 port `port`, its working
    directory and run-time files in work/named (made here), and returns the path. zones:
    (name, zone file) pairs of type `zone_type`; relative files resolve against the working
    directory. zone_options (given to every zone) and options (the options block) are extra
    statements, each ending in ';'; sections is text of more top-level statements."""
    rundir = os.path.join(work, "named")
    os.makedirs(rundir, exist_ok=True)
    zone_text = "".join(f'zone "{name}" {{\n    type {zone_type};\n    file "{path}";\n' +
                        _option_lines(zone_options, "    ") + "};\n" for name, path in zones)
    conf = os.path.join(work, "named.conf")
    with open(conf, "w") as f:
        f.write(NAMED_CONF.format(rundir=rundir, port=port, options=_option_lines(options, "    "),
                                  sections=sections, zones=zone_text))
    return conf


def status_mib(pid, field="VmRSS"):
    """A memory figure of process `pid` from /proc/PID/status (VmRSS, VmHWM...), in MiB;
    0 once the process is gone."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def cpu_seconds(pid):
    """utime + stime of every thread of process `pid`, in seconds."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def remove_work_dir(work, keep=False):
    """Removes the temporary folder `work` and everything in it; with `keep`, leaves it
    for a look and prints where it is."""
    if keep:
        print(f"kept {work}", flush=True)
    else:
        shutil.rmtree(work, ignore_errors=True)


# A validating unbound on 127.0.0.1@{port}, trusting {work}/anchors, that sends the
# zones of its stub-zone sections (write_unbound_conf) to the servers under test.
UNBOUND_CONF = """server:
    interface: 127.0.0.1
    port: {port}
    do-not-query-localhost: no
    username: ""
    chroot: ""
    directory: "{work}"
    pidfile: ""
    use-syslog: no
    logfile: ""
    verbosity: 1
    val-log-level: 2
    module-config: "validator iterator"
    trust-anchor-file: "{work}/anchors"
    qname-minimisation: no
    aggressive-nsec: no
    harden-dnssec-stripped: yes
    num-threads: 1
    local-zone: "test." nodefault
"""


def write_unbound_conf(work, port, stubs):
    """Writes work/unbound.conf (UNBOUND_CONF) with a stub zone per (origin, port) of
    `stubs`, and returns its path. The trust anchors are the caller's, in work/anchors."""
    text = UNBOUND_CONF.format(port=port, work=work)
    for origin, stub_port in stubs:
        text += f"stub-zone:\n    name: \"{origin}\"\n    stub-addr: 127.0.0.1@{stub_port}\n"
    path = os.path.join(work, "unbound.conf")
    with open(path, "w") as f:
        f.write(text)
    return path
