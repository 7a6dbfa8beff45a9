"""Push delivery throughput: the embedded dispatcher and two Celery workers against a naive loop.

20,000 notifications (one delivery each, rendered from the templates, half zh on Android, half en on
iOS) wait in a PostgreSQL database this script creates and drops. Every message goes through the real
firebase-admin SDK to the fake FCM (tests/notifications/fake_fcm.py), run as its own process and
answering each request after 20 ms. Measured, in the same run and each a median of ``--runs``:

- embedded: one ``EmbeddedDispatcher`` thread (what ``DISPATCHER=embedded`` runs in an API process),
  in a fresh process, from its wake-up until the last delivery is recorded as sent;
- celery: two ``celery -A notifications.worker worker --concurrency 1`` processes on the real Redis,
  from queueing ``notifications.deliver_due`` until the last delivery is recorded as sent;
- sdk_async: firebase-admin's ``send_each_async`` (httpx) on one long-lived event loop, batches of 500,
  no database, on ``--async-messages`` messages: the SDK's other way to send, tried as an alternative;
- naive: one blocking ``messaging.send`` per message (no database), on ``--naive-messages`` messages
  with its rate extrapolated (at 20 ms a message, 20,000 take seven minutes).

Peak memory is the peak RSS (VmHWM) of the measured processes. Between runs the deliveries are reset to
pending. Every run checks that each delivery was sent exactly once (status sent after one attempt).

    .venv/bin/python -m bench.notify_bench [--messages 20000] [--runs 3] [--naive-messages 1000]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import signal
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

from sqlalchemy import create_engine, func, insert, select, text, update
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
FAKE_FCM = ROOT / "tests" / "notifications" / "fake_fcm.py"
PROJECT_ID, ACCESS_TOKEN = "yiwang-bench", "bench-token"
ADMIN_URL = os.environ.get("POSTGRES_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
BROKER_URL = os.environ.get("CELERY_TEST_BROKER_URL", "redis://127.0.0.1:6379/0")


def _fcm_env(base_url: str) -> dict:
    return {"NOTIFY_BACKEND": "fcm", "FCM_PROJECT_ID": PROJECT_ID, "FCM_BASE_URL": base_url,
            "FCM_STATIC_TOKEN": ACCESS_TOKEN, "FCM_HTTP_TIMEOUT": 10.0}


def _fcm_settings(base_url: str):
    from models.settings import load_settings

    return load_settings(_fcm_env(base_url))


# -- the database ------------------------------------------------------------------------------------
def _seed(url: str, count: int) -> None:
    """``count`` users, each with one device (half zh on Android, half en on iOS) and one push waiting."""
    from models.accounts.user import Role, User
    from models.base import Base
    from models.db import make_engine
    from models.notification import Delivery, Device, Notification
    from notifications.templates import render

    def language(i: int) -> str:
        return "zh" if i % 2 else "en"

    def case_no(i: int) -> str:
        return f"YW20261201{i:06d}"

    def text_(i: int, lang: str):
        return render("case_accepted", lang, service={"zh": "居民身份证换领", "en": "ID card renewal"}[lang],
                      case_no=case_no(i), status="accepted")

    engine = make_engine(url)
    Base.metadata.create_all(engine)
    with engine.begin() as connection:
        connection.execute(insert(User), [{"id": i + 1, "phone": f"1380{i:07d}", "name": f"居民{i}", "password_hash": "-",
                                           "role": Role.CITIZEN, "language": language(i)} for i in range(count)])
        connection.execute(insert(Device), [{"id": i + 1, "user_id": i + 1, "token": f"bench-device-{i:06d}",
                                             "platform": "android" if i % 2 else "ios", "language": language(i)}
                                            for i in range(count)])
        texts = [text_(i, language(i)) for i in range(count)]
        connection.execute(insert(Notification), [
            {"id": i + 1, "user_id": i + 1, "event": "case_accepted", "case_no": case_no(i), "status": "accepted",
             "title": texts[i].title, "body": texts[i].body, "data": texts[i].data} for i in range(count)])
        connection.execute(insert(Delivery), [
            {"notification_id": i + 1, "device_id": i + 1, "language": language(i), "title": texts[i].title,
             "body": texts[i].body, "data": texts[i].data, "collapse_key": f"case-{case_no(i)}",
             "ttl_seconds": 7 * 24 * 3600} for i in range(count)])
    engine.dispose()


def _reset(url: str) -> None:
    """Every delivery pending again, and fresh planner statistics for the table."""
    from models.base import utcnow
    from models.notification import Delivery

    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(update(Delivery).values(status="pending", attempts=0, claimed_by=None, claimed_at=None,
                                                   message_id=None, sent_at=None, last_error=None,
                                                   next_attempt_at=utcnow()))
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE deliveries"))
    engine.dispose()


def _waiting(engine) -> int:
    from models.notification import Delivery

    with engine.connect() as connection:
        return connection.scalar(select(func.count(Delivery.id)).where(Delivery.status != "sent"))


def _check_exactly_once(url: str, count: int) -> None:
    from models.notification import Delivery

    engine = create_engine(url)
    with engine.connect() as connection:
        rows = dict(connection.execute(select(Delivery.status, func.count(Delivery.id)).group_by(Delivery.status)).all())
        attempts = set(connection.scalars(select(Delivery.attempts).distinct()))
    engine.dispose()
    if rows != {"sent": count} or attempts != {1}:
        raise SystemExit(f"not every delivery was sent exactly once: {rows}, attempts {attempts}")


# -- measured runs -----------------------------------------------------------------------------------
def _cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _hwm_mib(pid: int) -> float:
    with open(f"/proc/{pid}/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:")) / 1024


def _tree(pid: int) -> list[int]:
    with open(f"/proc/{pid}/task/{pid}/children") as children:
        return [pid, *(p for child in children.read().split() for p in _tree(int(child)))]


def run_embedded(url: str, base_url: str) -> dict:
    """In a fresh process: the API's dispatcher thread; starts on "go" from stdin, ends when nothing is left."""
    from models.db import make_engine, make_session_factory, writer
    from notifications.dispatcher import Dispatcher
    from notifications.runtime import EmbeddedDispatcher
    from notifications.senders import FcmSender

    engine = make_engine(url)
    sender = FcmSender.from_settings(_fcm_settings(base_url))
    embedded = EmbeddedDispatcher(Dispatcher(make_session_factory(writer(engine)), sender), poll_seconds=2.0)
    print("ready", flush=True)
    sys.stdin.readline()
    cpu_started = time.process_time()
    embedded.start()
    while _waiting(engine):
        time.sleep(0.2)
    cpu = time.process_time() - cpu_started
    embedded.stop()
    sender.close()
    return {"cpu_seconds": cpu, "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def embedded_processes(url: str, base_url: str, count: int, processes: int) -> dict:
    """``processes`` API processes (gunicorn workers) with one dispatcher thread each, started together."""
    children = [subprocess.Popen([sys.executable, "-m", "bench.notify_bench", "--child", "embedded", url, base_url],
                                 cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
                for _ in range(processes)]
    for child in children:
        if child.stdout.readline().strip() != "ready":
            raise SystemExit("an embedded dispatcher process did not start")
    engine = create_engine(url)
    started = time.perf_counter()
    for child in children:
        child.stdin.write("go\n")
        child.stdin.flush()
    while _waiting(engine):
        time.sleep(0.2)
    elapsed = time.perf_counter() - started
    engine.dispose()
    figures = []
    for child in children:
        output, _ = child.communicate(timeout=120)
        if child.returncode:
            raise SystemExit("an embedded dispatcher process failed")
        figures.append(json.loads(output.strip().splitlines()[-1]))
    return {"seconds": elapsed, "per_second": count / elapsed,
            "cpu_ms_per_message": sum(f["cpu_seconds"] for f in figures) / count * 1000,
            "peak_rss_mib": sum(f["peak_rss_mib"] for f in figures)}


def run_naive(base_url: str, count: int) -> dict:
    """In a fresh process: what a first implementation would do, one blocking messaging.send per message."""
    import warnings
    from datetime import timedelta

    import firebase_admin
    from firebase_admin import exceptions, messaging

    from notifications.fcm_adapter import initialize_fcm_app
    from notifications.templates import render

    warnings.simplefilter("ignore", DeprecationWarning)  # Message(token=...) warns since firebase-admin 7.5
    app = initialize_fcm_app(_fcm_settings(base_url))
    text_ = render("case_accepted", "zh", service="居民身份证换领", case_no="YW20261201000000", status="accepted")
    sent = 0
    started, cpu_started = time.perf_counter(), time.process_time()
    for i in range(count):
        message = messaging.Message(
            token=f"bench-device-{i:06d}", data=text_.data,
            notification=messaging.Notification(title=text_.title, body=text_.body),
            android=messaging.AndroidConfig(collapse_key=f"case-{i}", ttl=timedelta(days=7)))
        try:
            messaging.send(message, app=app)
            sent += 1
        except exceptions.FirebaseError:
            pass
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    firebase_admin.delete_app(app)
    if sent != count:
        raise SystemExit(f"naive loop: only {sent} of {count} sent")
    return {"seconds": elapsed, "per_second": count / elapsed, "cpu_ms_per_message": cpu / count * 1000,
            "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def run_sdk_async(base_url: str, count: int) -> dict:
    """In a fresh process: firebase-admin's send_each_async (httpx) in batches of 500 on ONE long-lived
    event loop in its own thread (asyncio.run twice in a process fails), the alternative to send_each."""
    import asyncio
    import threading

    import firebase_admin
    from firebase_admin import messaging

    from notifications.fcm_adapter import initialize_fcm_app
    from notifications.senders import PushMessage, _fcm_message
    from notifications.templates import render

    app = initialize_fcm_app(_fcm_settings(base_url))
    text_ = render("case_accepted", "zh", service="居民身份证换领", case_no="YW20261201000000", status="accepted")
    messages = [_fcm_message(PushMessage(token=f"bench-device-{i:06d}", title=text_.title, body=text_.body,
                                         data=text_.data, collapse_key=f"case-{i}", ttl_seconds=7 * 24 * 3600))
                for i in range(count)]
    loop = asyncio.new_event_loop()
    threading.Thread(target=loop.run_forever, daemon=True).start()
    sent = 0
    started, cpu_started = time.perf_counter(), time.process_time()
    for start in range(0, count, 500):
        batch = asyncio.run_coroutine_threadsafe(messaging.send_each_async(messages[start:start + 500], app=app), loop)
        sent += batch.result().success_count
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    loop.call_soon_threadsafe(loop.stop)
    firebase_admin.delete_app(app)
    return {"seconds": elapsed, "per_second": count / elapsed, "cpu_ms_per_message": cpu / count * 1000,
            "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "sent": sent}


class CeleryWorkers:
    """Two `celery -A notifications.worker worker --concurrency 1` processes on a queue of their own."""

    def __init__(self, url: str, base_url: str, log_dir: Path) -> None:
        self.queue = f"yiwang-bench-{uuid.uuid4().hex[:8]}"
        env = {**os.environ, "PYTHONPATH": str(ROOT), "DATABASE_URL": url, "CELERY_BROKER_URL": BROKER_URL,
               "CELERY_QUEUE": self.queue, "DISPATCHER": "celery", "LOG_LEVEL": "WARNING",
               **{k: str(v) for k, v in _fcm_env(base_url).items()}}
        self.logs = [log_dir / f"{self.queue}-w{i}.log" for i in (1, 2)]
        self.processes = []
        for i, log in enumerate(self.logs, 1):
            with log.open("wb") as output:
                self.processes.append(subprocess.Popen(
                    [str(Path(sys.executable).with_name("celery")), "-A", "notifications.worker", "worker",
                     "--concurrency", "1", "-n", f"bench{i}-{self.queue}@%h", "-Q", self.queue, "--loglevel", "INFO",
                     "--without-gossip", "--without-mingle", "--without-heartbeat"],
                    cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT))
        deadline = time.monotonic() + 120
        while not all(b" ready." in log.read_bytes() for log in self.logs):
            if time.monotonic() > deadline or any(p.poll() is not None for p in self.processes):
                raise SystemExit("celery workers did not start: " + self.logs[0].read_text()[-2000:])
            time.sleep(0.2)

    def run(self, url: str, count: int) -> dict:
        from celery import Celery

        engine = create_engine(url)
        pids = [pid for p in self.processes for pid in _tree(p.pid)]
        cpu_before = sum(_cpu_seconds(pid) for pid in pids)
        client = Celery(broker=BROKER_URL)
        started = time.perf_counter()
        for _ in self.processes:
            client.send_task("notifications.deliver_due", queue=self.queue)
        while _waiting(engine):
            time.sleep(0.2)
        elapsed = time.perf_counter() - started
        pids = [pid for p in self.processes for pid in _tree(p.pid)]
        cpu = sum(_cpu_seconds(pid) for pid in pids) - cpu_before
        client.close()
        engine.dispose()
        return {"seconds": elapsed, "per_second": count / elapsed, "cpu_ms_per_message": cpu / count * 1000,
                "peak_rss_mib": sum(_hwm_mib(pid) for pid in pids)}

    def stop(self) -> None:
        import redis

        for process in self.processes:
            process.send_signal(signal.SIGTERM)
        for process in self.processes:
            process.wait(60)
        client = redis.Redis.from_url(BROKER_URL)
        leftovers = list(client.scan_iter(match=f"*{self.queue}*"))
        if leftovers:
            client.delete(*leftovers)
        client.close()


def _without_database(mode: str, base_url: str, count: int) -> dict:
    command = [sys.executable, "-m", "bench.notify_bench", "--child", mode, base_url, str(count)]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    if result.returncode:
        raise SystemExit(f"{mode} run failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def _machine() -> str:
    with open("/proc/cpuinfo") as cpuinfo:
        model = next((line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name")), "?")
    import firebase_admin
    return (f"{model}, {os.cpu_count()} cores; Python {platform.python_version()}, firebase-admin "
            f"{firebase_admin.__version__}; load average {os.getloadavg()[0]:.2f} at start")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--naive-messages", type=int, default=1_000)
    parser.add_argument("--async-messages", type=int, default=2_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--latency", type=float, default=0.02, help="the fake FCM's answer delay, seconds")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        mode, *rest = args.child
        if mode == "embedded":
            figures = run_embedded(rest[0], rest[1])
        else:
            figures = (run_naive if mode == "naive" else run_sdk_async)(rest[0], int(rest[1]))
        print(json.dumps(figures))
        return

    print(_machine(), flush=True)
    name = f"yw_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    server = subprocess.Popen([sys.executable, str(FAKE_FCM), "--latency", str(args.latency), "--project", PROJECT_ID,
                               "--access-token", ACCESS_TOKEN], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    workers = None
    runs: dict[str, list[dict]] = {"embedded": [], "embedded_x2": [], "celery": [], "sdk_async": [], "naive": []}
    try:
        base_url = f"http://127.0.0.1:{server.stdout.readline().split()[1]}"
        _seed(url, args.messages)
        workers = CeleryWorkers(url, base_url, Path("/tmp"))
        for run in range(args.runs):
            for mode in runs:
                server_cpu = _cpu_seconds(server.pid)
                if mode in ("naive", "sdk_async"):
                    count = args.naive_messages if mode == "naive" else args.async_messages
                    figures = _without_database(mode, base_url, count)
                else:
                    _reset(url)
                    count = args.messages
                    if mode == "celery":
                        figures = workers.run(url, count)
                    else:
                        figures = embedded_processes(url, base_url, count, 2 if mode == "embedded_x2" else 1)
                    _check_exactly_once(url, count)
                figures["server_cpu_ms_per_message"] = (_cpu_seconds(server.pid) - server_cpu) / count * 1000
                runs[mode].append(figures)
                accepted = f" ({figures['sent']} accepted)" if "sent" in figures else ""
                print(f"run {run + 1} {mode:8}: {count}{accepted} in {figures['seconds']:.1f} s, "
                      f"{figures['per_second']:.0f} msg/s, "
                      f"client CPU {figures['cpu_ms_per_message']:.2f} ms/msg, fake FCM CPU "
                      f"{figures['server_cpu_ms_per_message']:.2f} ms/msg, peak RSS {figures['peak_rss_mib']:.0f} MiB, "
                      f"load {os.getloadavg()[0]:.1f}", flush=True)
    finally:
        if workers is not None:
            workers.stop()
        server.stdin.close()
        server.wait()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    keys = ("per_second", "cpu_ms_per_message", "server_cpu_ms_per_message", "peak_rss_mib")
    median = {mode: {k: statistics.median(r[k] for r in results) for k in keys} for mode, results in runs.items()}
    labels = {"embedded": ("embedded dispatcher (1 API process)", args.messages),
              "embedded_x2": ("embedded dispatchers in 2 API processes (gunicorn -w 2)", args.messages),
              "celery": ("2 Celery workers (--concurrency 1 each)", args.messages),
              "sdk_async": ("send_each_async on one event loop, no database", args.async_messages),
              "naive": ("naive messaging.send loop (rate extrapolated)", args.naive_messages)}
    print(f"\nFake FCM latency {args.latency * 1000:.0f} ms; median of {args.runs} runs; PostgreSQL 15; "
          f"load average {os.getloadavg()[0]:.2f} at the end.\n")
    print("| delivery | messages | msg/s | vs naive | client CPU ms/msg | fake FCM CPU ms/msg | peak RSS (MiB) |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for mode, (label, count) in labels.items():
        m = median[mode]
        print(f"| {label} | {count:,} | {m['per_second']:.0f} | {m['per_second'] / median['naive']['per_second']:.1f}× | "
              f"{m['cpu_ms_per_message']:.2f} | {m['server_cpu_ms_per_message']:.2f} | {m['peak_rss_mib']:.0f} |")


if __name__ == "__main__":
    main()
