"""gunicorn's configuration for the API, used by ``make run`` (scripts/run.sh), the image and compose.

Command-line options and GUNICORN_CMD_ARGS override it (``--bind``, ``--workers``). WEB_CONCURRENCY sets
the number of workers.
"""

import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = 4
accesslog = "-"
graceful_timeout = 10
