"""The assistant's image never serves Rasa's HTTP API without a token (issue #12, item 11)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

BOT = Path(__file__).resolve().parent.parent / "bot"


def _start(tmp_path, **env):
    fake_python = tmp_path / "python"  # stands in for the image's python: prints the command it was given
    fake_python.write_text('#!/bin/sh\nprintf "%s\\n" "$@"\n')
    fake_python.chmod(0o755)
    return subprocess.run(["sh", str(BOT / "start-rasa.sh")], cwd=BOT, capture_output=True, text=True, timeout=10,
                          env={"PATH": f"{tmp_path}:{os.environ['PATH']}", **env})


def test_rasa_does_not_start_without_a_token(tmp_path):
    for env in ({}, {"RASA_TOKEN": ""}):
        result = _start(tmp_path, **env)
        assert result.returncode == 64
        assert "RASA_TOKEN" in result.stderr and result.stdout == ""


def test_rasa_starts_with_its_api_behind_the_token(tmp_path):
    result = _start(tmp_path, RASA_TOKEN="s3cret-token")
    assert result.returncode == 0, result.stderr
    args = result.stdout.split("\n")
    assert args[:2] == ["serve.py", "run"]
    assert args[args.index("--auth-token") + 1] == "s3cret-token"
    assert "--enable-api" in args


def test_the_image_and_compose_start_rasa_through_the_guarded_script():
    dockerfile = (BOT / "Dockerfile").read_text()
    assert 'CMD ["sh", "start-rasa.sh"]' in dockerfile
    assert "--enable-api" not in dockerfile  # only start-rasa.sh enables it, with the token
    compose = (BOT.parent / "docker-compose.yml").read_text()
    rasa_service = compose.split("\n  rasa:\n", 1)[1].split("\n  actions:\n", 1)[0]
    assert "RASA_TOKEN: ${RASA_TOKEN:?" in rasa_service and "command:" not in rasa_service
