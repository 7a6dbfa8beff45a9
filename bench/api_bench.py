"""Throughput and tail latency of the read paths a phone or an officer uses most, against a bare Flask endpoint.

Starts, on 127.0.0.1, a fresh SQLite instance with the demo data (``flask db upgrade`` + ``seed-demo``), the
API under gunicorn with the configuration under test (``gunicorn.conf.py``, the file ``make run``, the image
and compose use) and, in the same run and under the same configuration, a bare Flask endpoint returning a
small JSON object (bench/bare_app.py): the baseline. Then wrk (2 threads, 32 connections) loads each path in
turn; every round measures the baseline first, so each path's ratio is taken against the baseline of its own
round. Figures are the median of the rounds; the load average (1 min) is recorded before every measurement,
because the machine is shared and the tail suffers first when other work runs.

    .venv/bin/python -m bench.api_bench [--rounds 3] [--duration 10] [--quick]
        [--config gunicorn.conf.py] [--workers N] [--threads N] [--worker-class gthread]

``--quick`` is a smoke run (one round of 2 s per path). wrk must be installed (Debian package ``wrk``).
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import requests

from bench.servers import free_port, stop_all, wait_up

ROOT = Path(__file__).resolve().parent.parent
CITIZEN = ("13800000001", "Citizen#2026")
OFFICER = ("13900000001", "Officer#2026")
UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


@dataclass
class Measurement:
    requests_per_second: float
    p99_ms: float
    errors: int
    load: float
    cpu_ms_per_request: float  # the server's processes (master and workers): robust to the machine's load


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process and its children (gunicorn's workers)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for child in [pid, *subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()]:
        try:
            fields = Path(f"/proc/{child}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / ticks
    return total




def wrk(url: str, headers: dict[str, str], duration: float, server_pid: int, threads: int = 2,
        connections: int = 32) -> Measurement:
    load = os.getloadavg()[0]
    cpu_before = cpu_seconds(server_pid)
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration:g}s", "--latency", "--timeout", "5s"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    output = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    cpu = cpu_seconds(server_pid) - cpu_before
    served = int(re.search(r"(\d+) requests in", output).group(1))
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    value, unit = re.search(r"^\s+99%\s+([\d.]+)(us|ms|s)\s*$", output, re.M).groups()
    errors = sum(int(n) for n in re.findall(r"Non-2xx or 3xx responses: (\d+)", output))
    if socket_errors := re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output):
        errors += sum(int(n) for n in socket_errors.groups())
    return Measurement(rate, float(value) * UNITS[unit], errors, load, cpu * 1000 / max(served, 1))


def gunicorn(app: str, port: int, env: dict, log: Path, args: argparse.Namespace) -> subprocess.Popen:
    command = [str(ROOT / ".venv/bin/gunicorn"), "--config", str(args.config), "--bind", f"127.0.0.1:{port}"]
    if args.workers:
        command += ["--workers", str(args.workers)]
    if args.threads:
        command += ["--threads", str(args.threads)]
    if args.worker_class:
        command += ["--worker-class", args.worker_class]
    return subprocess.Popen([*command, app], cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)


def sign_in(api: str, phone: str, password: str) -> dict[str, str]:
    response = requests.post(f"{api}/auth/login", json={"phone": phone, "password": password}, timeout=30)
    response.raise_for_status()
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def targets(api: str) -> list[tuple[str, str, dict[str, str]]]:
    """(label, URL, headers) of every read path measured, with real ids from the demo data."""
    zh = {"Accept-Language": "zh-CN"}
    citizen, officer = {**zh, **sign_in(api, *CITIZEN)}, {**zh, **sign_in(api, *OFFICER)}
    case_no = requests.get(f"{api}/cases", headers=citizen, timeout=30).json()["items"][0]["case_no"]
    office_no = requests.get(f"{api}/office/cases", headers=officer, timeout=30).json()["items"][0]["case_no"]
    code = requests.get(f"{api}/services", headers=zh, timeout=30).json()["items"][0]["code"]
    policy_id = requests.get(f"{api}/policies", headers=zh, timeout=30).json()["items"][0]["id"]
    return [
        ("GET /cases (citizen)", f"{api}/cases", citizen),
        ("GET /cases/{no} (citizen)", f"{api}/cases/{case_no}", citizen),
        ("GET /services", f"{api}/services", zh),
        ("GET /services/{code}", f"{api}/services/{code}", zh),
        ("GET /notifications (citizen)", f"{api}/notifications", citizen),
        ("GET /office/cases (officer)", f"{api}/office/cases", officer),
        ("GET /office/cases/{no} (officer)", f"{api}/office/cases/{office_no}", officer),
        ("GET /policies/{id}", f"{api}/policies/{policy_id}", zh),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=float, default=10.0, help="seconds of wrk per path and round")
    parser.add_argument("--quick", action="store_true", help="smoke run: 1 round of 2 s")
    parser.add_argument("--config", type=Path, default=ROOT / "gunicorn.conf.py")
    parser.add_argument("--workers", type=int)
    parser.add_argument("--threads", type=int)
    parser.add_argument("--worker-class")
    parser.add_argument("--only", help="measure only the paths whose label contains this text")
    args = parser.parse_args()
    if args.quick:
        args.rounds, args.duration = 1, 2.0
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed: apt-get install wrk (Debian package 'wrk')")

    instance = Path(tempfile.mkdtemp(prefix="yiwang-api-bench-"))
    env = {**os.environ, "INSTANCE_PATH": str(instance), "DISPATCHER": "embedded", "NOTIFY_BACKEND": "log",
           "LOG_LEVEL": "WARNING", "APP_ENV": "development", "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
           "AUTH_RATE_LIMIT": "1000 per minute"}
    env.pop("DATABASE_URL", None)
    flask = [str(ROOT / ".venv/bin/flask"), "--app", "api"]
    subprocess.run([*flask, "db", "upgrade"], env=env, check=True, capture_output=True, cwd=ROOT)
    subprocess.run([*flask, "seed-demo"], env=env, check=True, capture_output=True, cwd=ROOT)

    api_port, bare_port = free_port(), free_port()
    api = f"http://127.0.0.1:{api_port}/api/v1"
    bare = f"http://127.0.0.1:{bare_port}/"
    servers = [gunicorn("api:create_app()", api_port, env, instance / "api.log", args),
               gunicorn("bench.bare_app:app", bare_port, env, instance / "bare.log", args)]
    results: dict[str, list[Measurement]] = {}
    try:
        wait_up(f"http://127.0.0.1:{api_port}/healthz")
        wait_up(bare)
        paths = [("bare Flask endpoint (baseline)", bare, {}, servers[1].pid)] + [
            (*t, servers[0].pid) for t in targets(api) if not args.only or args.only in t[0]]
        for _label, url, headers, pid in paths:  # warm-up: imports, pools and caches of every worker
            wrk(url, headers, 1.0, pid)
        for round_no in range(args.rounds):
            for label, url, headers, pid in paths:
                measurement = wrk(url, headers, args.duration, pid)
                results.setdefault(label, []).append(measurement)
                print(f"round {round_no + 1} {label}: {measurement.requests_per_second:.0f} req/s, "
                      f"p99 {measurement.p99_ms:.1f} ms, CPU {measurement.cpu_ms_per_request:.2f} ms/request, "
                      f"errors {measurement.errors}, load {measurement.load:.2f}",
                      file=sys.stderr, flush=True)
    finally:
        stop_all(servers)

    report(results, args)
    shutil.rmtree(instance, ignore_errors=True)


def report(results: dict[str, list[Measurement]], args: argparse.Namespace) -> None:
    baseline = results["bare Flask endpoint (baseline)"]
    settings = " ".join(f"--{name.replace('_', '-')} {value}" for name, value in
                        (("workers", args.workers), ("threads", args.threads), ("worker_class", args.worker_class))
                        if value)
    loads = [m.load for runs in results.values() for m in runs]
    print(f"\nmachine: {platform.machine()}, {os.cpu_count()} cores, Python {sys.version.split()[0]}; "
          f"gunicorn {args.config.name} {settings}".rstrip() + f"; wrk 2 threads 32 connections {args.duration:g} s, "
          f"median of {args.rounds}; load average (1 min) {min(loads):.2f}-{max(loads):.2f}\n")
    print("| endpoint | req/s | × bare | p99 ms | server CPU ms/request | CPU × bare | errors | load |")
    print("|---|---:|---:|---:|---:|---:|---:|---|")
    for label, runs in results.items():
        ratios = [m.requests_per_second / b.requests_per_second for m, b in zip(runs, baseline, strict=True)]
        print(f"| {label} | {statistics.median(m.requests_per_second for m in runs):,.0f} | "
              f"{statistics.median(ratios):.2f} | {statistics.median(m.p99_ms for m in runs):.1f} | "
              f"{statistics.median(m.cpu_ms_per_request for m in runs):.2f} | "
              f"{statistics.median(m.cpu_ms_per_request / b.cpu_ms_per_request for m, b in zip(runs, baseline, strict=True)):.1f} | "
              f"{sum(m.errors for m in runs)} | {' / '.join(f'{m.load:.1f}' for m in runs)} |")


if __name__ == "__main__":
    main()
