"""gunicorn's configuration for the API: ``make run`` (scripts/run.sh), the image and compose all use it.

Command-line options override it (each caller passes ``--bind``); ``WEB_CONCURRENCY`` sets the workers.

Chosen by measurement (bench/api_bench.py, docs/benchmarks.md, "API read paths"): one worker per core,
because the work is CPU-bound Python and a worker only runs on one core at a time; threads so that a worker
keeps phones' keep-alive connections and overlaps waits on PostgreSQL and Rasa. Compared on the 2-core
machine (one round of 5 s per path, load average 5-8 from other jobs): 2 workers x 4 threads (gthread),
2 sync workers, 3 sync workers. Sync workers used no less CPU per request (5.4 against 5.5 ms for
GET /cases), answered fewer requests on most paths and cannot keep a connection alive; a third worker on
two cores used more CPU per request (6.2 ms) and answered fewer.
"""

import os

bind = "127.0.0.1:8000"
workers = int(os.environ.get("WEB_CONCURRENCY", os.cpu_count() or 2))
worker_class = "gthread"
threads = 4
accesslog = "-"
# The request id on every access-log line (api/logs.py sets X-Request-ID on each answer).
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms [%({x-request-id}o)s]'
graceful_timeout = 10
