"""Round-trip latency of POST /api/v1/chat through the backend, Rasa and the action server.

Starts everything itself on 127.0.0.1: a fresh SQLite instance with the demo data, the API under gunicorn
(2 workers), the action server and the Rasa server with a model trained from the repo (scripts/train-bot.sh,
so an up-to-date model is reused). Then signed-in conversations send a fixed mix of messages (a policy
question, service guide questions, a case-status question) at 1 and at 10 concurrent conversations.
Reports p50/p95 per level, the baseline being the same backend's GET /api/v1/policies/search for the
same policy question, and the Rasa server's resident memory. Bounded: a fixed number of messages.

    .venv/bin/python -m bench.chat_bench [--config config.yml] [--rounds 5]
"""

from __future__ import annotations

import argparse
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
BOT = ROOT / "bot"
MESSAGES = [
    ("zh-CN", "国家政务外网的建设目标是什么"),
    ("zh-CN", "办营业执照需要什么材料"),
    ("en", "how long does a driving licence renewal take"),
    ("zh-CN", "我的申请到哪一步了"),
    ("en", "what are the goals of electronic public services"),
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait(url: str, seconds: float = 600) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if requests.get(url, timeout=1).ok:
                return
        except requests.RequestException:
            pass
        time.sleep(1)
    raise RuntimeError(f"{url} did not come up")


def rss_mb(pid: int) -> float:
    total = 0
    for child in [pid, *_children(pid)]:
        try:
            for line in Path(f"/proc/{child}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total / 1024


def _children(pid: int) -> list[int]:
    try:
        out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()
    except OSError:
        return []
    return [int(p) for p in out] + [g for c in out for g in _children(int(c))]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def conversation(api: str, token: str, rounds: int, latencies: list[float], errors: list[str]) -> None:
    conversation_id = None
    for _ in range(rounds):
        for language, text in MESSAGES:
            body = {"message": text, **({"conversation_id": conversation_id} if conversation_id else {})}
            started = time.perf_counter()
            response = requests.post(f"{api}/chat", json=body, timeout=60, headers={
                "Authorization": f"Bearer {token}", "Accept-Language": language})
            latencies.append((time.perf_counter() - started) * 1000)
            if response.status_code != 200 or not response.json()["replies"]:
                errors.append(f"{response.status_code} {response.text[:200]}")
            else:
                conversation_id = response.json()["conversation_id"]


def run_level(api: str, tokens: list[str], concurrency: int, rounds: int) -> dict:
    latencies: list[float] = []
    errors: list[str] = []
    threads = [threading.Thread(target=conversation, args=(api, tokens[i % len(tokens)], rounds, latencies, errors))
               for i in range(concurrency)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    return {"concurrency": concurrency, "messages": len(latencies), "errors": len(errors),
            "p50": statistics.median(latencies), "p95": percentile(latencies, 0.95),
            "throughput": len(latencies) / elapsed, "first_error": errors[0] if errors else ""}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--config", default="config.yml")
    parser.add_argument("--rounds", type=int, default=4)
    args = parser.parse_args()

    train_started = time.monotonic()
    model = subprocess.run([str(ROOT / "scripts/train-bot.sh"), args.config], check=True, capture_output=True,
                           text=True).stdout.strip().splitlines()[-1]
    train_seconds = time.monotonic() - train_started

    instance = Path(tempfile.mkdtemp(prefix="yiwang-chat-bench-"))
    env = {**os.environ, "INSTANCE_PATH": str(instance), "DISPATCHER": "off", "LOG_LEVEL": "WARNING",
           "AUTH_RATE_LIMIT": "1000 per minute", "RASA_TELEMETRY_ENABLED": "false", "SANIC_HOST": "127.0.0.1"}
    env.pop("DATABASE_URL", None)
    flask = [str(ROOT / ".venv/bin/flask"), "--app", "api"]
    subprocess.run([*flask, "db", "upgrade"], env=env, check=True, capture_output=True, cwd=ROOT)
    subprocess.run([*flask, "seed-demo"], env=env, check=True, capture_output=True, cwd=ROOT)

    api_port, action_port, rasa_port = free_port(), free_port(), free_port()
    api = f"http://127.0.0.1:{api_port}/api/v1"
    env.update(RASA_URL=f"http://127.0.0.1:{rasa_port}", ACTION_SERVER_URL=f"http://127.0.0.1:{action_port}",
               RASA_TIMEOUT_SECONDS="30", YIWANG_API_URL=api, YIWANG_API_TIMEOUT="30")
    endpoints = instance / "endpoints.yml"
    endpoints.write_text(f'action_endpoint:\n  url: "http://127.0.0.1:{action_port}/webhook"\n')
    logs = instance / "logs"
    logs.mkdir()
    processes = [
        subprocess.Popen([str(ROOT / ".venv/bin/gunicorn"), "--bind", f"127.0.0.1:{api_port}", "--workers", "2",
                          "--threads", "8", "api:create_app()"], cwd=ROOT, env=env,
                         stdout=(logs / "api.log").open("w"), stderr=subprocess.STDOUT),
        subprocess.Popen([str(BOT / ".venv/bin/rasa"), "run", "actions", "--actions", "actions", "--port",
                          str(action_port)], cwd=BOT, env=env, stdout=(logs / "actions.log").open("w"),
                         stderr=subprocess.STDOUT),
    ]
    rasa_started = time.monotonic()
    rasa = subprocess.Popen([str(BOT / ".venv/bin/rasa"), "run", "--enable-api", "-i", "127.0.0.1", "-p",
                             str(rasa_port), "--model", model, "--endpoints", str(endpoints), "--credentials",
                             "credentials.yml"], cwd=BOT, env=env, stdout=(logs / "rasa.log").open("w"),
                            stderr=subprocess.STDOUT)
    processes.append(rasa)
    try:
        wait(f"http://127.0.0.1:{api_port}/healthz")
        wait(f"http://127.0.0.1:{action_port}/health")
        wait(f"http://127.0.0.1:{rasa_port}/")
        rasa_start_seconds = time.monotonic() - rasa_started
        tokens = []
        for phone in ("13800000001", "13800000002"):
            login = requests.post(f"{api}/auth/login", json={"phone": phone, "password": "Citizen#2026"}, timeout=30)
            tokens.append(login.json()["access_token"])
        conversation(api, tokens[0], 1, [], [])  # warm-up: load the search index and the e5 model everywhere
        baseline = []
        for _ in range(20):
            started = time.perf_counter()
            requests.get(f"{api}/policies/search", params={"q": MESSAGES[0][1]}, timeout=30)
            baseline.append((time.perf_counter() - started) * 1000)
        results = [run_level(api, tokens, level, args.rounds) for level in (1, 10)]
        memory = rss_mb(rasa.pid)
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()

    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"load average {os.getloadavg()[0]:.1f}; Python {sys.version.split()[0]}; model {Path(model).name}")
    print(f"model ready in {train_seconds:.0f} s (0 if reused); Rasa server up in {rasa_start_seconds:.0f} s; "
          f"Rasa RSS after the run {memory:.0f} MB")
    print(f"baseline GET /policies/search: p50 {statistics.median(baseline):.0f} ms, "
          f"p95 {percentile(baseline, 0.95):.0f} ms")
    print("| concurrent conversations | messages | errors | p50 ms | p95 ms | messages/s |")
    print("| --- | --- | --- | --- | --- | --- |")
    for r in results:
        print(f"| {r['concurrency']} | {r['messages']} | {r['errors']} | {r['p50']:.0f} | {r['p95']:.0f} | "
              f"{r['throughput']:.1f} |")
        if r["first_error"]:
            print(f"first error at {r['concurrency']}: {r['first_error']}")


if __name__ == "__main__":
    main()
