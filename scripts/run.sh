#!/usr/bin/env bash
# Start Yiwang for local use: the API under gunicorn (with the embedded notification dispatcher).
# Everything started here stops together on Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
HOST=${HOST:-127.0.0.1}
PORT=${PORT:-8000}
WORKERS=${WEB_CONCURRENCY:-2}

pids=()
cleanup() {
  trap - INT TERM EXIT
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup INT TERM EXIT

.venv/bin/gunicorn --bind "$HOST:$PORT" --workers "$WORKERS" --threads 4 --access-logfile - \
  --graceful-timeout 10 'api:create_app()' &
pids+=($!)

for _ in $(seq 1 60); do
  curl -fsS "http://$HOST:$PORT/healthz" >/dev/null 2>&1 && break
  sleep 0.5
done

cat <<MSG

  Yiwang (一网通办) is running.
    API         http://$HOST:$PORT/api/v1
    Swagger UI  http://$HOST:$PORT/api/v1/docs
    Health      http://$HOST:$PORT/healthz   http://$HOST:$PORT/readyz

  Demo accounts (phone / password):
    citizen     13800000001 / Citizen#2026   (王小明, real-name verified)
    citizen     13800000002 / Citizen#2026   (李华, English)
    officer     13900000001 / Officer#2026   (market regulation, SCJG)
    supervisor  13900000002 / Supervisor#2026 (market regulation, SCJG)
    admin       13900000009 / Admin#2026

  Press Ctrl-C to stop.
MSG
wait -n "${pids[@]}"
