"""First measurement of the push edge: FcmSender.send_batch against a naive messaging.send loop.

Both talk through the real firebase-admin SDK to the fake FCM server (tests/notifications/fake_fcm.py),
which answers every request after a fixed latency (20 ms by default) and runs in its own process so its
CPU and memory stay out of the measured one. Every run is a fresh Python process, so its peak RSS is its
own. The naive loop is measured on fewer messages (1,000 by default) and its rate extrapolated: at 20 ms
a message, 20,000 of them would take over seven minutes per run.

    .venv/bin/python -m bench.fcm_sender_bench [--messages 20000] [--naive-messages 1000] [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FAKE_FCM = ROOT / "tests" / "notifications" / "fake_fcm.py"
PROJECT_ID = "yiwang-bench"
ACCESS_TOKEN = "bench-token"


def _messages(count: int) -> list:
    """Realistic pushes: case notifications from the templates, half zh on Android, half en on iOS."""
    from notifications.senders import PushMessage
    from notifications.templates import render

    messages = []
    for i in range(count):
        language, platform_ = ("zh", "android") if i % 2 else ("en", "ios")
        case_no = f"BENCH-{i:06d}"
        text = render("case_accepted", language, service="居民身份证换领", case_no=case_no, status="accepted")
        messages.append(PushMessage(token=f"device-{i:06d}", title=text.title, body=text.body, data=text.data,
                                    collapse_key=f"case-{case_no}", ttl_seconds=7 * 24 * 3600, platform=platform_))
    return messages


def _send_batches(app, messages: list) -> list:
    from notifications.senders import FcmSender

    sender, results = FcmSender(app), []
    for start in range(0, len(messages), 500):
        results.extend(r.outcome.value for r in sender.send_batch(messages[start:start + 500]))
    return results


def _send_naively(app, messages: list) -> list:
    """What a first implementation would do: one blocking messaging.send per message."""
    from datetime import timedelta

    from firebase_admin import exceptions, messaging

    outcomes = []
    warnings.simplefilter("ignore", DeprecationWarning)  # Message(token=...) warns since firebase-admin 7.5
    for m in messages:
        fcm = messaging.Message(
            token=m.token, data=dict(m.data), notification=messaging.Notification(title=m.title, body=m.body),
            android=messaging.AndroidConfig(collapse_key=m.collapse_key, ttl=timedelta(seconds=m.ttl_seconds)),
            apns=messaging.APNSConfig(headers={"apns-collapse-id": m.collapse_key}))
        try:
            messaging.send(fcm, app=app)
            outcomes.append("sent")
        except exceptions.FirebaseError:
            outcomes.append("error")
    return outcomes


def _rss_kib() -> int:
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmRSS:"))


def run_once(mode: str, count: int, base_url: str) -> dict:
    """One measured run in this (fresh) process; prints nothing, returns the figures."""
    import firebase_admin

    from models.settings import load_settings
    from notifications.fcm_adapter import initialize_fcm_app

    app = initialize_fcm_app(load_settings({"FCM_PROJECT_ID": PROJECT_ID, "FCM_BASE_URL": base_url,
                                            "FCM_STATIC_TOKEN": ACCESS_TOKEN}))
    messages = _messages(count)
    rss_before = _rss_kib()
    send = _send_batches if mode == "batch" else _send_naively
    started, cpu_started = time.perf_counter(), time.process_time()
    outcomes = send(app, messages)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    firebase_admin.delete_app(app)
    return {
        "mode": mode, "messages": count, "seconds": elapsed, "per_second": count / elapsed,
        "cpu_ms_per_message": cpu / count * 1000, "sent": outcomes.count("sent"),
        "rss_before_mib": rss_before / 1024, "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def _server_cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _measure(mode: str, count: int, base_url: str, server_pid: int) -> dict:
    server_cpu = _server_cpu_seconds(server_pid)
    child = subprocess.run([sys.executable, "-m", "bench.fcm_sender_bench", "--child", mode, str(count), base_url],
                           cwd=ROOT, capture_output=True, text=True, check=True)
    figures = json.loads(child.stdout)
    figures["server_cpu_ms_per_message"] = (_server_cpu_seconds(server_pid) - server_cpu) / count * 1000
    return figures


def _machine() -> str:
    with open("/proc/cpuinfo") as cpuinfo:
        model = next((line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name")), "?")
    import firebase_admin
    return (f"{model}, {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f} at start; "
            f"Python {platform.python_version()}, firebase-admin {firebase_admin.__version__}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--naive-messages", type=int, default=1_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--latency", type=float, default=0.02, help="the fake FCM's answer delay, seconds")
    parser.add_argument("--child", nargs=3, metavar=("MODE", "COUNT", "BASE_URL"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        mode, count, base_url = args.child
        print(json.dumps(run_once(mode, int(count), base_url)))
        return

    print(_machine())
    server = subprocess.Popen([sys.executable, str(FAKE_FCM), "--latency", str(args.latency), "--project", PROJECT_ID,
                               "--access-token", ACCESS_TOKEN], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        base_url = f"http://127.0.0.1:{server.stdout.readline().split()[1]}"
        runs = {"batch": [], "naive": []}
        for run in range(args.runs):
            for mode, count in (("batch", args.messages), ("naive", args.naive_messages)):
                figures = _measure(mode, count, base_url, server.pid)
                runs[mode].append(figures)
                print(f"run {run + 1} {mode:5}: {figures['sent']}/{count} sent in {figures['seconds']:.1f} s, "
                      f"{figures['per_second']:.0f} msg/s, client CPU {figures['cpu_ms_per_message']:.2f} ms/msg, "
                      f"fake FCM CPU {figures['server_cpu_ms_per_message']:.2f} ms/msg, "
                      f"peak RSS {figures['peak_rss_mib']:.0f} MiB", flush=True)
    finally:
        server.stdin.close()
        server.wait()

    median = {mode: {key: statistics.median(r[key] for r in results) for key in
                     ("per_second", "cpu_ms_per_message", "server_cpu_ms_per_message", "peak_rss_mib", "rss_before_mib")}
              for mode, results in runs.items()}
    print(f"\nFake FCM latency {args.latency * 1000:.0f} ms; median of {args.runs} runs, each in a fresh process.\n")
    print("| sender | messages | msg/s | client CPU ms/msg | fake FCM CPU ms/msg | RSS before → peak (MiB) |")
    print("|---|---:|---:|---:|---:|---:|")
    for mode, label, count in (("batch", "FcmSender.send_batch, 500 per send_each", args.messages),
                               ("naive", "naive messaging.send loop (rate extrapolated)", args.naive_messages)):
        m = median[mode]
        print(f"| {label} | {count:,} | {m['per_second']:.0f} | {m['cpu_ms_per_message']:.2f} | "
              f"{m['server_cpu_ms_per_message']:.2f} | {m['rss_before_mib']:.0f} → {m['peak_rss_mib']:.0f} |")
    ratio = median["batch"]["per_second"] / median["naive"]["per_second"]
    naive_minutes = args.messages / median["naive"]["per_second"] / 60
    print(f"\nLoad average at the end {os.getloadavg()[0]:.2f} (other work shares the machine).")
    print(f"send_batch is {ratio:.1f}× the naive loop; the naive loop would need {naive_minutes:.1f} min "
          f"for {args.messages:,} messages.")


if __name__ == "__main__":
    main()
