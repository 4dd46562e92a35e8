"""The change path under measurement: fastzoned with a store and the Route 53 API, one
zone of N A records (h<i> IN A ...) imported into the store, then

  latency    K changes one after another through boto3 (UPSERT of one record set): the
             time from the API's 200 to the new answer on the wire (polled over UDP), and
             the request's own time to its 200;
  sustained  batches at a target rate from two boto3 clients for S seconds while dnsperf
             loads the server with queries for the zone's names; a probe checks that
             names no batch touches keep their answer (a wrong answer is counted);
  memory     fastzoned's RSS serving (after the import), and its peak while changing
             (sampled every 10 ms).

usage: change_latency.py FASTZONED FASTZONECTL [--records N] [--changes K]
                         [--rate R] [--seconds S]
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tests", "support"))
from ports import free_port  # noqa: E402
from servers import Fastzoned, status_mib  # noqa: E402

import boto3  # noqa: E402
import dns.message  # noqa: E402
import dns.query  # noqa: E402

KEY_ID, SECRET = "AKIAFASTZONEBENCH", "bench-secret-of-fastzone-0123456789"
ORIGIN = "bench.example."


def write_setup(work, port, api_port, records):
    with open(os.path.join(work, "zone"), "w") as f:
        f.write(f"$ORIGIN {ORIGIN}\n$TTL 300\n@ SOA ns1 hostmaster 1 7200 3600 1209600 60\n@ NS ns1\n"
                "ns1 A 192.0.2.53\n")
        for i in range(records):
            f.write(f"h{i} A 10.{i >> 16 & 255}.{i >> 8 & 255}.{i & 255}\n")
    with open(os.path.join(work, "creds.json"), "w") as f:
        f.write('{"AccessKeys": [{"AccessKeyId": "%s", "SecretAccessKey": "%s", "Actions": ["route53:*"], '
                '"HostedZones": ["*"]}]}' % (KEY_ID, SECRET))
    conf = os.path.join(work, "fastzone.yaml")
    with open(conf, "w") as f:
        f.write(f"""server:
  listen: 127.0.0.1@{port}
  workers: 1
control:
  socket: {work}/ctl.sock
api:
  listen: 127.0.0.1@{api_port}
  credentials: creds.json
  name_servers: [ns1.{ORIGIN}]
store:
  path: {work}/store
zones:
  - origin: {ORIGIN}
    file: zone
""")
    return conf


def client(api_port):
    return boto3.client("route53", endpoint_url=f"http://127.0.0.1:{api_port}", region_name="us-east-1",
                        aws_access_key_id=KEY_ID, aws_secret_access_key=SECRET)


def upsert(r53, zone_id, name, value):
    r53.change_resource_record_sets(HostedZoneId=zone_id, ChangeBatch={"Changes": [{
        "Action": "UPSERT", "ResourceRecordSet": {"Name": name, "Type": "A", "TTL": 60,
                                                  "ResourceRecords": [{"Value": value}]}}]})


def answer(port, name):
    r = dns.query.udp(dns.message.make_query(name, "A"), "127.0.0.1", port=port, timeout=1)
    return [rr.to_text() for rrset in r.answer for rr in rrset]


def percentile(values, p):
    s = sorted(values)
    return s[min(len(s) - 1, int(round(p / 100 * (len(s) - 1))))] if s else float("nan")


def latency(port, r53, zone_id, changes):
    to_answer, to_200 = [], []
    for i in range(changes):
        value = f"192.0.2.{i % 250 + 1}" if i % 2 else f"198.51.100.{i % 250 + 1}"
        t0 = time.monotonic()
        upsert(r53, zone_id, f"probe.{ORIGIN}", value)
        t1 = time.monotonic()
        while answer(port, f"probe.{ORIGIN}") != [value]:
            if time.monotonic() - t1 > 30:
                raise RuntimeError("a change was not answered within 30 s")
        to_answer.append((time.monotonic() - t1) * 1000)
        to_200.append((t1 - t0) * 1000)
    return to_answer, to_200


def sustained(port, api_port, zone_id, rate, seconds, records, pid, peak):
    queries = os.path.join(tempfile.gettempdir(), f"fz-change-queries-{os.getpid()}")
    with open(queries, "w") as f:
        for i in range(0, records, max(1, records // 10000)):
            f.write(f"h{i}.{ORIGIN} A\n")
    perf = subprocess.Popen(["dnsperf", "-s", "127.0.0.1", "-p", str(port), "-d", queries, "-l", str(seconds),
                             "-c", "4", "-q", "64"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    done, wrong, errors = [0, 0], [0], []
    stop = threading.Event()

    def submit(k):
        r53 = client(api_port)
        interval = 2.0 / rate
        next_at = time.monotonic()
        n = 0
        while not stop.is_set():
            n += 1
            try:
                upsert(r53, zone_id, f"s{k}-{n % 50}.{ORIGIN}", f"203.0.113.{n % 250 + 1}")
                done[k] += 1
            except Exception as e:  # noqa: BLE001 - counted, reported
                errors.append(repr(e))
            next_at += interval
            time.sleep(max(0.0, next_at - time.monotonic()))

    def probe():
        i = 0
        while not stop.is_set():
            i = (i + 7919) % records
            expect = f"10.{i >> 16 & 255}.{i >> 8 & 255}.{i & 255}"
            try:
                if answer(port, f"h{i}.{ORIGIN}") != [expect]:
                    wrong[0] += 1
            except Exception:  # noqa: BLE001 - a lost probe counts as wrong
                wrong[0] += 1
            time.sleep(0.01)

    def sample():
        while not stop.is_set():
            peak[0] = max(peak[0], status_mib(pid))
            time.sleep(0.01)

    threads = [threading.Thread(target=submit, args=(k,)) for k in (0, 1)]
    threads += [threading.Thread(target=probe), threading.Thread(target=sample)]
    t0 = time.monotonic()
    for t in threads:
        t.start()
    out, _ = perf.communicate()
    stop.set()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - t0
    os.unlink(queries)
    lost = next((line.split()[2] for line in out.splitlines() if "Queries lost:" in line), "?")
    qps = next((line.split()[3] for line in out.splitlines() if "Queries per second:" in line), "?")
    return sum(done) / elapsed, lost, qps, wrong[0], errors


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("fastzoned")
    ap.add_argument("fastzonectl")
    ap.add_argument("--records", type=int, default=10000)
    ap.add_argument("--changes", type=int, default=200)
    ap.add_argument("--rate", type=float, default=200)
    ap.add_argument("--seconds", type=int, default=10)
    args = ap.parse_args()
    work = tempfile.mkdtemp(prefix="fz-change-bench-")
    server = None
    try:
        port, api_port = free_port(), free_port()
        conf = write_setup(work, port, api_port, args.records)
        server = Fastzoned(args.fastzoned, conf, port).start()
        server.wait_ready(ORIGIN, timeout=600)
        before = status_mib(server.pid)
        t0 = time.monotonic()
        out = subprocess.run([args.fastzonectl, "-s", f"{work}/ctl.sock", "import", ORIGIN], capture_output=True,
                             text=True, timeout=1200)
        if out.returncode != 0:
            raise RuntimeError("import failed: " + out.stdout + out.stderr)
        r53 = client(api_port)
        zone_id = r53.list_hosted_zones_by_name(DNSName=ORIGIN)["HostedZones"][0]["Id"].split("/")[-1]
        upsert(r53, zone_id, f"probe.{ORIGIN}", "192.0.2.254")
        while answer(port, f"probe.{ORIGIN}") != ["192.0.2.254"]:
            time.sleep(0.05)
        import_s = time.monotonic() - t0
        time.sleep(1)
        serving = status_mib(server.pid)
        to_answer, to_200 = latency(port, r53, zone_id, args.changes)
        peak = [serving]
        rate, lost, qps, wrong, errors = sustained(port, api_port, zone_id, args.rate, args.seconds, args.records,
                                                   server.pid, peak)
        print(f"zone: {args.records} A records; import into the store and first change served: {import_s:.1f} s")
        print(f"RSS: {before:.0f} MB serving from the file, {serving:.0f} MB serving from the store, "
              f"{peak[0]:.0f} MB peak while changing ({peak[0] / serving:.2f}x)")
        print(f"API 200 -> answer on the wire, {args.changes} changes: p50 {percentile(to_answer, 50):.1f} ms, "
              f"p99 {percentile(to_answer, 99):.1f} ms, max {max(to_answer):.1f} ms")
        print(f"request -> 200: p50 {percentile(to_200, 50):.1f} ms, p99 {percentile(to_200, 99):.1f} ms")
        print(f"sustained: {rate:.0f} batches/s (target {args.rate:g}) for {args.seconds} s under dnsperf "
              f"({qps} q/s, lost {lost}); wrong probe answers: {wrong}; API errors: {len(errors)}")
        if errors:
            print("first API error:", errors[0])
    finally:
        if server is not None:
            server.stop()
        if os.environ.get("FZ_KEEP_TMP") is None:
            shutil.rmtree(work, ignore_errors=True)
        else:
            print(f"kept {work}")


if __name__ == "__main__":
    main()
