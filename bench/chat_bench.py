"""Round-trip latency of POST /api/v1/chat through the backend, Rasa and the action server.

Starts everything itself on 127.0.0.1: a fresh SQLite instance with the demo data, the API under gunicorn
(2 workers), the action server and the Rasa server with a model trained from the repo (scripts/train-bot.sh,
so an up-to-date model is reused). Then signed-in conversations send a fixed mix of messages (a policy
question, service guide questions, a case-status question) at 1 and at 10 concurrent conversations.
Reports p50/p95 per level, the baseline being the same backend's GET /api/v1/policies/search for the
same policy question, and the Rasa server's resident memory. Bounded: a fixed number of messages.

Two ways to be "10 concurrent conversations": closed loop (each conversation sends its next message the
moment the reply arrives: the server's saturation point, the worst case) and paced (each conversation waits
2-4 s, seeded, between a reply and its next message: a person reading the answer and typing; real pauses are
longer). Both are reported.

    .venv/bin/python -m bench.chat_bench [--config config.yml] [--rounds 5] [--rasa-servers 1]
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

from bench.servers import free_port, stop_all, wait_up

ROOT = Path(__file__).resolve().parent.parent
BOT = ROOT / "bot"
MESSAGES = [
    ("zh-CN", "国家政务外网的建设目标是什么"),
    ("zh-CN", "办营业执照需要什么材料"),
    ("en", "how long does a driving licence renewal take"),
    ("zh-CN", "我的申请到哪一步了"),
    ("en", "what are the goals of electronic public services"),
]
THINK_SECONDS = (2.0, 4.0)




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


def conversation(api: str, token: str, rounds: int, latencies: list[float], errors: list[str],
                 think: random.Random | None = None) -> None:
    conversation_id = None
    for _ in range(rounds):
        for language, text in MESSAGES:
            if think is not None:
                time.sleep(think.uniform(*THINK_SECONDS))
            body = {"message": text, **({"conversation_id": conversation_id} if conversation_id else {})}
            started = time.perf_counter()
            response = requests.post(f"{api}/chat", json=body, timeout=60, headers={
                "Authorization": f"Bearer {token}", "Accept-Language": language})
            latencies.append((time.perf_counter() - started) * 1000)
            if response.status_code != 200 or not response.json()["replies"]:
                errors.append(f"{response.status_code} {response.text[:200]}")
            else:
                conversation_id = response.json()["conversation_id"]


def run_level(api: str, tokens: list[str], concurrency: int, rounds: int, paced: bool = False) -> dict:
    latencies: list[float] = []
    errors: list[str] = []
    threads = [threading.Thread(target=conversation, args=(api, tokens[i % len(tokens)], rounds, latencies, errors,
                                                           random.Random(i) if paced else None))
               for i in range(concurrency)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    return {"concurrency": concurrency, "paced": paced, "messages": len(latencies), "errors": len(errors),
            "p50": statistics.median(latencies), "p95": percentile(latencies, 0.95),
            "throughput": len(latencies) / elapsed, "first_error": errors[0] if errors else ""}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--config", default="config.yml")
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--rasa-servers", type=int, default=1, help="Rasa servers; the API spreads conversations")
    args = parser.parse_args()

    train_started = time.monotonic()
    model = subprocess.run([str(ROOT / "scripts/train-bot.sh"), args.config], check=True, capture_output=True,
                           text=True).stdout.strip().splitlines()[-1]
    train_seconds = time.monotonic() - train_started

    instance = Path(tempfile.mkdtemp(prefix="yiwang-chat-bench-"))
    env = {"APP_ENV": "development", **os.environ, "INSTANCE_PATH": str(instance), "DISPATCHER": "off",
           "LOG_LEVEL": "WARNING",
           "AUTH_RATE_LIMIT": "1000 per minute", "EXPENSIVE_RATE_LIMIT": "100000 per minute",
           "WRITE_RATE_LIMIT": "100000 per minute", "OMP_NUM_THREADS": "1", "RASA_TELEMETRY_ENABLED": "false", "SANIC_HOST": "127.0.0.1"}
    env.pop("DATABASE_URL", None)
    flask = [str(ROOT / ".venv/bin/flask"), "--app", "api"]
    subprocess.run([*flask, "db", "upgrade"], env=env, check=True, capture_output=True, cwd=ROOT)
    subprocess.run([*flask, "seed-demo"], env=env, check=True, capture_output=True, cwd=ROOT)

    api_port, action_port = free_port(), free_port()
    rasa_ports = [free_port() for _ in range(args.rasa_servers)]
    api = f"http://127.0.0.1:{api_port}/api/v1"
    env.update(RASA_URL=",".join(f"http://127.0.0.1:{port}" for port in rasa_ports), ACTION_SERVER_URL=f"http://127.0.0.1:{action_port}",
               RASA_TIMEOUT_SECONDS="30", YIWANG_API_URL=api, YIWANG_API_TIMEOUT="30")
    endpoints = instance / "endpoints.yml"
    # as `make run`: conversations kept in the SQL tracker store (its own SQLite file)
    env["TRACKER_STORE_URL"] = f"sqlite:///{instance / 'conversations.db'}"
    endpoints.write_text(f'action_endpoint:\n  url: "http://127.0.0.1:{action_port}/webhook"\n'
                         f'tracker_store:\n  type: conversation_store.ConversationStore\n  url: "{env["TRACKER_STORE_URL"]}"\n')
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
    rasas = [subprocess.Popen([str(BOT / ".venv/bin/python"), "serve.py", "run", "--enable-api", "-i", "127.0.0.1",
                               "-p", str(port), "--model", model, "--endpoints", str(endpoints), "--credentials",
                               "credentials.yml"], cwd=BOT, env=env, stdout=(logs / f"rasa-{port}.log").open("w"),
                              stderr=subprocess.STDOUT) for port in rasa_ports]
    processes.extend(rasas)
    try:
        wait_up(f"http://127.0.0.1:{api_port}/healthz", seconds=600, interval=1)
        wait_up(f"http://127.0.0.1:{action_port}/health", seconds=600, interval=1)
        for port in rasa_ports:
            wait_up(f"http://127.0.0.1:{port}/", seconds=600, interval=1)
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
        results = [run_level(api, tokens, 1, args.rounds), run_level(api, tokens, 10, args.rounds),
                   run_level(api, tokens, 10, args.rounds, paced=True)]
        memory = sum(rss_mb(rasa.pid) for rasa in rasas)
    finally:
        stop_all(processes)

    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"load average {os.getloadavg()[0]:.1f}; Python {sys.version.split()[0]}; model {Path(model).name}")
    print(f"model ready in {train_seconds:.0f} s (0 if reused); {args.rasa_servers} Rasa server(s) up in "
          f"{rasa_start_seconds:.0f} s; Rasa RSS after the run {memory:.0f} MB (all servers)")
    print(f"baseline GET /policies/search: p50 {statistics.median(baseline):.0f} ms, "
          f"p95 {percentile(baseline, 0.95):.0f} ms")
    print("| concurrent conversations | pacing | messages | errors | p50 ms | p95 ms | messages/s |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for r in results:
        pacing = f"{THINK_SECONDS[0]:g}-{THINK_SECONDS[1]:g} s between messages" if r["paced"] else "closed loop"
        print(f"| {r['concurrency']} | {pacing} | {r['messages']} | {r['errors']} | {r['p50']:.0f} | {r['p95']:.0f} | "
              f"{r['throughput']:.1f} |")
        if r["first_error"]:
            print(f"first error at {r['concurrency']}: {r['first_error']}")


if __name__ == "__main__":
    main()
