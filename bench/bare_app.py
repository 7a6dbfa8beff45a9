"""The baseline of bench/api_bench.py: a bare Flask endpoint returning a small JSON object.

Served by the same gunicorn configuration as the API, so the ratio between the two is what our code
costs on top of the framework and the server (gunicorn ``bench.bare_app:app``).
"""

from __future__ import annotations

from flask import Flask

app = Flask(__name__)


@app.get("/")
def index():
    return {"status": "ok", "service": "yiwang", "version": 1}
