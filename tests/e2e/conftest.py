"""The real assistant for end-to-end tests: a model trained from the repo (the CI config, trained only when
the bot's inputs changed), the Rasa server and the action server started here, and the API served over
HTTP so the actions can call it back."""

from __future__ import annotations

import os
import socket
import subprocess
import threading
import time
from pathlib import Path

import pytest
import requests
from werkzeug.serving import make_server

ROOT = Path(__file__).resolve().parents[2]
BOT = ROOT / "bot"
STARTUP_SECONDS = 300  # Rasa takes about a minute to load the model on a busy 2-core machine


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(url: str, process: subprocess.Popen, log: Path, deadline: float) -> None:
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url} exited early:\n{log.read_text()[-4000:]}")
        try:
            if requests.get(url, timeout=1).ok:
                return
        except requests.RequestException:
            pass
        time.sleep(1)
    raise RuntimeError(f"{url} did not start in {STARTUP_SECONDS} s:\n{log.read_text()[-4000:]}")


@pytest.fixture(scope="session")
def bot_model() -> Path:
    result = subprocess.run([str(ROOT / "scripts/train-bot.sh"), "config.test.yml"], capture_output=True, text=True,
                            timeout=3600)
    assert result.returncode == 0, result.stderr[-4000:]
    return Path(result.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="session")
def live_api(app):
    """The test app over real HTTP on 127.0.0.1 (the action server calls it like the real backend)."""
    port = free_port()
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port}/api/v1"
    server.shutdown()


class RasaServer:
    """The Rasa server as `make run` starts it (serve.py, the SQL tracker store), restartable in a test."""

    def __init__(self, model: Path, endpoints: Path, env: dict, logs: Path):
        self.model, self.endpoints, self.env, self.logs = model, endpoints, env, logs
        self.port = free_port()
        self.process: subprocess.Popen | None = None
        self.starts = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, deadline: float) -> None:
        self.starts += 1
        log = self.logs / f"rasa-{self.starts}.log"
        self.process = subprocess.Popen(
            [str(BOT / ".venv/bin/python"), "serve.py", "run", "--enable-api", "-i", "127.0.0.1", "-p", str(self.port),
             "--model", str(self.model), "--endpoints", str(self.endpoints), "--credentials", "credentials.yml"],
            cwd=BOT, env=self.env, stdout=log.open("w"), stderr=subprocess.STDOUT)
        wait_until(f"{self.url}/", self.process, log, deadline)

    def stop(self) -> None:
        if self.process is not None:
            stop(self.process)
            self.process = None

    def restart(self) -> None:
        self.stop()
        self.start(time.monotonic() + STARTUP_SECONDS)


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@pytest.fixture(scope="session")
def assistant(app, bot_model, live_api, tmp_path_factory):
    logs = tmp_path_factory.mktemp("assistant")
    action_port = free_port()
    conversations = logs / "conversations.db"
    endpoints = logs / "endpoints.yml"
    endpoints.write_text(f'action_endpoint:\n  url: "http://127.0.0.1:{action_port}/webhook"\n'
                         "tracker_store:\n  type: conversation_store.ConversationStore\n"
                         f'  url: "sqlite:///{conversations}"\n')
    env = {**os.environ, "YIWANG_API_URL": live_api, "YIWANG_ASSISTANT_KEY": "e2e-assistant-key", "YIWANG_API_TIMEOUT": "30", "RASA_TELEMETRY_ENABLED": "false",
           "SANIC_HOST": "127.0.0.1", "OMP_NUM_THREADS": "1"}
    env.pop("DATABASE_URL", None)
    rasa = RasaServer(bot_model, endpoints, env, logs)
    actions = None
    try:
        action_log = logs / "actions.log"
        actions = subprocess.Popen(
            [str(BOT / ".venv/bin/rasa"), "run", "actions", "--actions", "actions", "--port", str(action_port)],
            cwd=BOT, env=env, stdout=action_log.open("w"), stderr=subprocess.STDOUT)
        deadline = time.monotonic() + STARTUP_SECONDS
        wait_until(f"http://127.0.0.1:{action_port}/health", actions, action_log, deadline)
        rasa.start(deadline)
        saved = {k: app.config[k] for k in ("RASA_URL", "ACTION_SERVER_URL", "RASA_TIMEOUT_SECONDS", "TRACKER_STORE_URL",
                                            "ASSISTANT_API_KEY")}
        app.config.update(ASSISTANT_API_KEY="e2e-assistant-key", RASA_URL=rasa.url, ACTION_SERVER_URL=f"http://127.0.0.1:{action_port}",
                          RASA_TIMEOUT_SECONDS=30, TRACKER_STORE_URL=f"sqlite:///{conversations}")
        yield {"rasa": rasa.url, "logs": logs, "server": rasa, "conversations": conversations}
        app.config.update(saved)
    finally:
        rasa.stop()
        if actions is not None:
            stop(actions)
